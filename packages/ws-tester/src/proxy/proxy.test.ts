/**
 * The proxy in front of a plain `ws` server (not our mock: any server works), with faults seen
 * by a real client.
 */
import type { AddressInfo } from 'node:net';
import { VirtualClock } from '@tradekit/types';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { FaultRule } from '../faults/script.js';
import { type Probe, openProbe } from '../mock/probe.js';
import { type WsProxy, createProxy } from './proxy.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A plain ws server: echoes, and answers "count N" with N numbered messages; records what it saw. */
async function upstream(options: { requireToken?: string } = {}) {
  const seen: { urls: string[]; auth: Array<string | undefined>; protocols: string[]; closes: number[] } = {
    urls: [],
    auth: [],
    protocols: [],
    closes: [],
  };
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    verifyClient: options.requireToken
      ? (info: { req: { headers: Record<string, unknown> } }) =>
          info.req.headers.authorization === `Bearer ${options.requireToken}`
      : undefined,
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (ws, req) => {
    seen.urls.push(req.url ?? '');
    seen.auth.push(req.headers.authorization);
    seen.protocols.push(ws.protocol);
    ws.on('close', (code) => seen.closes.push(code));
    ws.on('message', (data, binary) => {
      const text = data.toString();
      const m = /^count (\d+)$/.exec(text);
      if (m) for (let i = 0; i < Number(m[1]); i++) ws.send(JSON.stringify({ seq: i }));
      else if (text.startsWith('close ')) ws.close(Number(text.slice(6)), 'bye');
      else ws.send(data, { binary });
    });
  });
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  );
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, seen, wss };
}

async function proxyTo(target: string, faults: FaultRule[] = [], clock?: VirtualClock): Promise<WsProxy> {
  const p = await createProxy({ target, faults, ...(clock ? { clock } : {}) });
  cleanup.push(() => p.stop());
  return p;
}

async function frames(p: Probe, n: number): Promise<unknown[]> {
  while (p.frames.items.length < n) await p.frames.next();
  return p.json();
}

describe('WsProxy', () => {
  it('relays both ways, forwarding path, query, subprotocol and the Authorization header', async () => {
    const up = await upstream();
    const proxy = await proxyTo(`${up.url}/base`);
    const p = await openProbe(`${proxy.url}/stream?x=1`, {
      headers: { authorization: 'Bearer t' },
      protocols: ['v1.json'],
    } as never);
    expect(p.socket.protocol).toBe('v1.json');
    p.socket.send('hello');
    expect((await p.frames.next()).data).toBe('hello');
    p.socket.send(Buffer.from([9, 8]));
    const bin = await p.frames.next();
    expect(bin.binary).toBe(true);
    expect(up.seen.urls).toEqual(['/base/stream?x=1']);
    expect(up.seen.auth).toEqual(['Bearer t']);
    expect(up.seen.protocols).toEqual(['v1.json']);
    expect(proxy.stats).toMatchObject({ connections: 1, upstreamFrames: 2, downstreamFrames: 2 });
    p.socket.close(4100);
    await p.closed;
    await expect.poll(() => up.seen.closes).toEqual([4100]);
  });

  it('passes an upstream 401 to the client and mirrors upstream close codes', async () => {
    const up = await upstream({ requireToken: 'good' });
    const proxy = await proxyTo(up.url);
    await expect(openProbe(proxy.url)).rejects.toThrow('Unexpected server response: 401');
    const p = await openProbe(proxy.url, { headers: { authorization: 'Bearer good' } });
    p.socket.send('close 4321');
    expect(await p.closed).toEqual({ code: 4321, reason: 'bye' });
  });

  it('answers 502 when the target is down', async () => {
    const proxy = await proxyTo('ws://127.0.0.1:1');
    await expect(openProbe(proxy.url)).rejects.toThrow('Unexpected server response: 502');
    expect(proxy.stats.upstreamFailures).toBe(1);
  });

  it('is transparent for frames over 1 MiB: a 2 MiB frame the target accepts goes through both ways', async () => {
    const up = await upstream(); // a plain ws server: 100 MiB limit
    const proxy = await proxyTo(up.url);
    const p = await openProbe(proxy.url);
    const big = 'x'.repeat(2 * 1024 * 1024);
    p.socket.send(big);
    const back = await p.frames.nextWithin(10_000, 'the 2 MiB frame echoed back through the proxy');
    expect(back.data).toHaveLength(big.length);
    expect(p.socket.readyState).toBe(1);
    p.socket.close();
  });

  it('applies its own maxPayload when given one (1009 to the client)', async () => {
    const up = await upstream();
    const proxy = await createProxy({ target: up.url, maxPayload: 1024 });
    cleanup.push(() => proxy.stop());
    const p = await openProbe(proxy.url);
    p.socket.send('x'.repeat(2048));
    expect((await p.closed).code).toBe(1009);
  });

  it('takes an http:// target as ws:// (the proxy relays HTTP too), as documented', async () => {
    const up = await upstream();
    const proxy = await proxyTo(up.url.replace('ws://', 'http://'));
    expect(proxy.target.protocol).toBe('ws:');
    const p = await openProbe(proxy.url);
    p.socket.send('hello');
    expect((await p.frames.next()).data).toBe('hello');
    p.socket.close();
  });

  it('rejects a target that is not a ws URL with WS_CONFIG_INVALID', async () => {
    await expect(createProxy({ target: 'ftp://x' })).rejects.toMatchObject({ code: 'WS_CONFIG_INVALID' });
  });
});

describe('WsProxy faults, seen by a real client', () => {
  it('drop: the client sees 1006 after the earlier messages and the upstream is closed', async () => {
    const up = await upstream();
    const proxy = await proxyTo(up.url, [{ type: 'drop', from: 2 }]);
    const p = await openProbe(proxy.url);
    p.socket.send('count 5');
    expect((await p.closed).code).toBe(1006);
    expect(p.json()).toEqual([{ seq: 0 }, { seq: 1 }]);
    await expect.poll(() => up.seen.closes.length).toBe(1);
  });

  it('close with a code', async () => {
    const up = await upstream();
    const proxy = await proxyTo(up.url, [{ type: 'close', code: 1012, reason: 'restarting', messages: [0] }]);
    const p = await openProbe(proxy.url);
    p.socket.send('count 1');
    expect(await p.closed).toEqual({ code: 1012, reason: 'restarting' });
  });

  it('401 on upgrade for the first attempt only', async () => {
    const up = await upstream();
    const proxy = await proxyTo(up.url, [{ type: 'reject', status: 401, connections: [0] }]);
    await expect(openProbe(proxy.url)).rejects.toThrow(/401/);
    const p = await openProbe(proxy.url);
    p.socket.send('x');
    expect((await p.frames.next()).data).toBe('x');
    expect(up.seen.urls).toHaveLength(1);
  });

  it('delay and jitter on a VirtualClock', async () => {
    const up = await upstream();
    const clock = new VirtualClock();
    const proxy = await proxyTo(up.url, [{ type: 'delay', delay: '100ms', jitter: '10ms' }], clock);
    const p = await openProbe(proxy.url);
    p.socket.send('count 3');
    await expect.poll(() => proxy.stats.downstreamFrames).toBe(3);
    clock.advanceBy(99_999);
    await p.barrier();
    expect(p.frames.items).toHaveLength(0);
    clock.advanceBy(10_001);
    expect(await frames(p, 3)).toEqual([{ seq: 0 }, { seq: 1 }, { seq: 2 }]);
  });

  it('malformed, duplicated, reordered and burst messages', async () => {
    const up = await upstream();
    const proxy = await proxyTo(up.url, [
      { type: 'corrupt', kind: 'invalid-json', messages: [0] },
      { type: 'corrupt', kind: 'binary', messages: [1] },
      { type: 'duplicate', messages: [2] },
      { type: 'reorder', messages: [3] },
      { type: 'burst', messages: [5], count: 3, message: { type: 'burst' } },
    ]);
    const p = await openProbe(proxy.url);
    p.socket.send('count 6');
    while (p.frames.items.length < 10) await p.frames.next();
    const [f0, f1, ...rest] = p.frames.items;
    expect(() => JSON.parse(f0?.data as string)).toThrow();
    expect(f1?.binary).toBe(true);
    expect(rest.map((f) => JSON.parse(f.data as string))).toEqual([
      { seq: 2 },
      { seq: 2 },
      { seq: 4 },
      { seq: 3 },
      { seq: 5 },
      { type: 'burst' },
      { type: 'burst' },
      { type: 'burst' },
    ]);
  });

  it('bandwidth cap on a VirtualClock', async () => {
    const up = await upstream();
    const clock = new VirtualClock();
    const proxy = await proxyTo(up.url, [{ type: 'bandwidth', bytesPerSecond: 90 }], clock);
    const p = await openProbe(proxy.url);
    p.socket.send('count 3'); // {"seq":0} = 9 bytes → 100 ms each
    await expect.poll(() => proxy.stats.downstreamFrames).toBe(3);
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      clock.advanceBy(100_000);
      await p.barrier();
      seen.push(p.frames.items.length);
    }
    expect(seen).toEqual([1, 2, 3]);
  });

  it('ping timeout: the proxy stops answering the client pings', async () => {
    const up = await upstream();
    const proxy = await proxyTo(up.url, [{ type: 'ping-timeout' }]);
    const p = await openProbe(proxy.url);
    await new Promise((r) => setImmediate(r));
    p.socket.ping();
    p.socket.send('after');
    expect((await p.frames.next()).data).toBe('after');
    expect(p.pongs).toBe(0);
  });

  it('faults on the client → server direction', async () => {
    const up = await upstream();
    const p0 = await createProxy({ target: up.url, upstreamFaults: [{ type: 'lose', messages: [0] }] });
    cleanup.push(() => p0.stop());
    const p = await openProbe(p0.url);
    p.socket.send('lost');
    p.socket.send('kept');
    expect((await p.frames.next()).data).toBe('kept');
  });

  it('restart on the same port: the client drops with 1006 and reconnects through the same url', async () => {
    const up = await upstream();
    const proxy = await proxyTo(up.url);
    const p = await openProbe(proxy.url);
    const url = proxy.url;
    const restarting = proxy.restart({ downtime: '10ms' });
    expect((await p.closed).code).toBe(1006);
    await restarting;
    expect(proxy.url).toBe(url);
    const again = await openProbe(url);
    again.socket.send('back');
    expect((await again.frames.next()).data).toBe('back');
    again.socket.close();
  });
});
