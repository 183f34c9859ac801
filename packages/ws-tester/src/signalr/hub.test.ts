/**
 * An unmodified @microsoft/signalr client (from npm) against the test hub.
 */
import {
  HttpTransportType,
  type HubConnection,
  HubConnectionBuilder,
  HubConnectionState,
  LogLevel,
} from '@microsoft/signalr';
import { afterEach, describe, expect, it } from 'vitest';
import { openProbe } from '../mock/probe.js';
import { type SignalRServer, type SignalRServerOptions, createSignalRServer } from './hub.js';
import { RECORD_SEPARATOR } from './protocol.js';

const open: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.stop();
});

async function hub(options: SignalRServerOptions = {}): Promise<SignalRServer> {
  const h = await createSignalRServer({
    methods: {
      Add: ([a, b]) => a + b,
      Subscribe: async ([symbol], conn) => {
        conn.invoke('subscribed', symbol);
        return `ok ${symbol}`;
      },
      Fail: () => {
        throw new Error('nope');
      },
    },
    ...options,
  });
  open.push(h);
  return h;
}

function client(
  url: string,
  configure: (b: HubConnectionBuilder) => HubConnectionBuilder = (b) => b,
  options: object = {},
): HubConnection {
  const c = configure(new HubConnectionBuilder().withUrl(url, options).configureLogging(LogLevel.None)).build();
  open.push(c);
  return c;
}

function nextEvent<T = unknown>(c: HubConnection, name: string): Promise<T[]> {
  return new Promise((resolve) => {
    const fn = (...args: T[]) => {
      c.off(name, fn);
      resolve(args);
    };
    c.on(name, fn);
  });
}

describe('SignalRServer with the unmodified @microsoft/signalr client', () => {
  it('skipNegotiation over WebSockets: invoke → completion, pushed events, errors', async () => {
    const h = await hub();
    const c = client(h.url, (b) => b, { skipNegotiation: true, transport: HttpTransportType.WebSockets });
    await c.start();
    expect(c.state).toBe(HubConnectionState.Connected);
    expect(await c.invoke('Add', 2, 3)).toBe(5);
    const subscribed = nextEvent(c, 'subscribed');
    expect(await c.invoke('subscribe', 'MNQ')).toBe('ok MNQ');
    expect(await subscribed).toEqual(['MNQ']);
    const tick = nextEvent(c, 'tick');
    h.invoke('tick', { symbol: 'MNQ', price: 18000.25 }, 7);
    expect(await tick).toEqual([{ symbol: 'MNQ', price: 18000.25 }, 7]);
    await expect(c.invoke('Missing')).rejects.toThrow("Unknown hub method 'Missing'");
    await expect(c.invoke('Fail')).rejects.toThrow(/nope/);
    expect(h.negotiations).toBe(0);
    expect(h.invocations.map((i) => i.target)).toEqual(['Add', 'subscribe', 'Missing', 'Fail']);
  });

  it('negotiates (POST /hub/negotiate?negotiateVersion=1) and checks the bearer token', async () => {
    const h = await hub({ accessToken: 'secret' });
    const c = client(h.url, (b) => b, { accessTokenFactory: () => 'secret' });
    await c.start();
    expect(h.negotiations).toBe(1);
    expect(c.connectionId).toBe('c0');
    expect((await h.connected).accessToken).toBe('secret');
    expect(await c.invoke('Add', 1, 1)).toBe(2);
    const bad = client(h.url, (b) => b, { accessTokenFactory: () => 'wrong' });
    await expect(bad.start()).rejects.toThrow(/401/);
  });

  it('accepts the token from the access_token query string on the WebSocket upgrade', async () => {
    const h = await hub({ accessToken: 'q' });
    await expect(openProbe(`${h.url.replace('http', 'ws')}`)).rejects.toThrow(/401/);
    const p = await openProbe(`${h.url.replace('http', 'ws')}?access_token=q`);
    p.socket.send(`{"protocol":"json","version":1}${RECORD_SEPARATOR}`);
    expect((await p.frames.next()).data).toBe(`{}${RECORD_SEPARATOR}`);
    p.socket.close();
  });

  it('reconnects automatically after an injected drop and keeps working', async () => {
    // connection 0 is dropped when the hub sends its second message (the pushed tick)
    const h = await hub({ faults: [{ type: 'drop', connections: [0], messages: [1] }] });
    const c = client(h.url, (b) => b.withAutomaticReconnect([0, 50, 100]));
    const reconnecting: Array<string | undefined> = [];
    c.onreconnecting((err) => reconnecting.push(err?.message));
    const reconnected = new Promise<string | undefined>((resolve) => c.onreconnected(resolve));
    await c.start();
    const first = await h.connected;
    expect(await c.invoke('Add', 20, 22)).toBe(42);
    h.invoke('tick', 1);
    const newId = await reconnected;
    expect(reconnecting).toHaveLength(1);
    expect((await first.closed).code).toBe(1006);
    const second = await h.connected;
    expect(second.index).toBe(1);
    expect(newId).toBe(second.connectionId);
    expect(c.state).toBe(HubConnectionState.Connected);
    const tick = nextEvent(c, 'tick');
    h.invoke('tick', 2);
    expect(await tick).toEqual([2]);
    expect(await c.invoke('Add', 1, 2)).toBe(3);
    expect(h.negotiations).toBe(2);
  });

  it('ping timeout: a silent hub makes the client time out', async () => {
    const h = await hub({ keepAliveInterval: '20ms', faults: [{ type: 'ping-timeout', after: '1ms' }] });
    const c = client(h.url);
    c.serverTimeoutInMilliseconds = 200;
    c.keepAliveIntervalInMilliseconds = 50;
    const closed = new Promise<Error | undefined>((resolve) => c.onclose(resolve));
    await c.start();
    expect((await closed)?.message).toMatch(/Server timeout elapsed/);
  });

  it('a Close message with allowReconnect=false stops the client with the error', async () => {
    const h = await hub();
    const c = client(h.url, (b) => b.withAutomaticReconnect([0]));
    const closed = new Promise<Error | undefined>((resolve) => c.onclose(resolve));
    await c.start();
    (await h.connected).close({ error: 'kicked', allowReconnect: false });
    expect((await closed)?.message).toMatch(/kicked/);
  });
});

describe('SignalRServer robustness against bad frames', () => {
  async function rawClient(h: SignalRServer) {
    const p = await openProbe(h.url.replace('http', 'ws'));
    p.socket.send(`{"protocol":"json","version":1}${RECORD_SEPARATOR}`);
    await p.frames.next();
    return p;
  }

  it.each([
    ['invalid JSON', `{"type":1,${RECORD_SEPARATOR}`, /valid JSON/],
    ['unknown message type', `{"type":99}${RECORD_SEPARATOR}`, /hub message `type`/],
    ['binary frame', Buffer.from('{"type":6}\u001e'), /Binary frames/],
  ])(
    '%s: Close message with the error and 1007 to that client only; others keep working',
    async (_name, frame, error) => {
      const h = await hub();
      const good = client(h.url);
      await good.start();
      const bad = await rawClient(h);
      bad.socket.send(frame);
      const closeMsg = JSON.parse(((await bad.frames.next()).data as string).replace(RECORD_SEPARATOR, ''));
      expect(closeMsg).toMatchObject({ type: 7, allowReconnect: false });
      expect(closeMsg.error).toMatch(error);
      expect((await bad.closed).code).toBe(1007);
      expect(await good.invoke('Add', 4, 5)).toBe(9);
      expect(good.state).toBe(HubConnectionState.Connected);
    },
  );

  it('oversized frames close that client with 1009', async () => {
    const h = await hub({ maxPayload: 4096 });
    const good = client(h.url);
    await good.start();
    const bad = await rawClient(h);
    bad.socket.send(`{"type":1,"target":"Add","arguments":["${'x'.repeat(10_000)}"]}${RECORD_SEPARATOR}`);
    expect((await bad.closed).code).toBe(1009);
    expect(await good.invoke('Add', 1, 1)).toBe(2);
  });

  it('a handshake asking for another protocol gets a handshake error', async () => {
    const h = await hub();
    const p = await openProbe(h.url.replace('http', 'ws'));
    p.socket.send(`{"protocol":"messagepack","version":1}${RECORD_SEPARATOR}`);
    expect(JSON.parse(((await p.frames.next()).data as string).slice(0, -1)).error).toMatch(/not available/);
    await p.closed;
  });
});

describe('SignalR through the fault-injecting proxy', () => {
  it('negotiates through the proxy and reconnects after the proxy drops the connection', async () => {
    const { createProxy } = await import('../proxy/proxy.js');
    const h = await hub();
    const proxy = await createProxy({
      target: h.url.replace(/\/hub$/, ''),
      faults: [{ type: 'drop', connections: [0], messages: [2] }],
    });
    open.push(proxy);
    const c = client(`${proxy.url.replace('ws', 'http')}/hub`, (b) => b.withAutomaticReconnect([0, 50, 100]));
    const reconnected = new Promise<string | undefined>((resolve) => c.onreconnected(resolve));
    await c.start();
    // the proxy counts frames, not hub messages: 0 = handshake reply, 1 = completion, 2 = tick
    expect(await c.invoke('Add', 1, 2)).toBe(3);
    h.invoke('tick', 1); // frame 2: the proxy drops connection 0
    await reconnected;
    expect(h.negotiations).toBe(2);
    const tick = nextEvent(c, 'tick');
    h.invoke('tick', 2);
    expect(await tick).toEqual([2]);
  });
});
