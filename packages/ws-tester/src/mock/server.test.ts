import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { isTradeKitError } from '@tradekit/types';
import { openProbe } from './probe.js';
import { stopAllServers } from './listener.js';
import { createMockServer } from './server.js';

describe('MockServer', () => {
  it('listens on a loopback ephemeral port and hands out clients in connection order', async () => {
    await using server = await createMockServer();
    expect(server.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
    const a = await openProbe(server.url);
    const b = await openProbe(server.url);
    const first = await server.connected;
    const second = await server.connected;
    expect([first.index, second.index]).toEqual([0, 1]);
    expect(server.clients).toHaveLength(2);
    a.socket.close();
    b.socket.close();
  });

  it('records messages, reads them with nextMessage, and sends per client and broadcast', async () => {
    await using server = await createMockServer({ json: true });
    const a = await openProbe(server.url);
    const b = await openProbe(server.url);
    const ca = await server.connected;
    const cb = await server.connected;
    a.socket.send(JSON.stringify({ op: 'hello', from: 'a' }));
    expect(await server.nextMessage).toEqual({ op: 'hello', from: 'a' });
    b.socket.send(JSON.stringify({ op: 'hello', from: 'b' }));
    expect(await cb.nextMessage).toEqual({ op: 'hello', from: 'b' });
    expect(server.messages).toEqual([
      { op: 'hello', from: 'a' },
      { op: 'hello', from: 'b' },
    ]);
    expect(ca.messages).toEqual([{ op: 'hello', from: 'a' }]);
    ca.send({ only: 'a' });
    server.broadcast({ all: true });
    expect(await a.frames.next()).toEqual({ data: '{"only":"a"}', binary: false });
    expect(await a.frames.next()).toEqual({ data: '{"all":true}', binary: false });
    expect(await b.frames.next()).toEqual({ data: '{"all":true}', binary: false });
    await b.barrier();
    expect(b.frames.items).toHaveLength(1);
  });

  it('answers through handlers with partial matching, and echoes what no handler took', async () => {
    await using server = await createMockServer({ json: true, echo: true });
    server.handle({ op: 'subscribe' }, (m) => ({ op: 'subscribed', symbol: (m as { symbol: string }).symbol }));
    server.handle((m) => (m as { op?: string }).op === 'ping', { op: 'pong' });
    const p = await openProbe(server.url);
    p.socket.send(JSON.stringify({ op: 'subscribe', symbol: 'MNQ', depth: 10 }));
    p.socket.send(JSON.stringify({ op: 'ping' }));
    p.socket.send(JSON.stringify({ op: 'other', x: 1 }));
    await p.frames.next();
    await p.frames.next();
    await p.frames.next();
    expect(p.json()).toEqual([{ op: 'subscribed', symbol: 'MNQ' }, { op: 'pong' }, { op: 'other', x: 1 }]);
  });

  it('a throwing handler sends WS_HANDLER_FAILED to the sender and the server keeps serving', async () => {
    await using server = await createMockServer({ json: true, echo: true });
    server.handle({ op: 'boom' }, () => {
      throw new Error('kaput');
    });
    const p = await openProbe(server.url);
    p.socket.send('{"op":"boom"}');
    expect(JSON.parse((await p.frames.next()).data as string)).toMatchObject({
      type: 'error',
      code: 'WS_HANDLER_FAILED',
    });
    p.socket.send('{"op":"fine"}');
    expect(JSON.parse((await p.frames.next()).data as string)).toEqual({ op: 'fine' });
  });

  it('close({ code, reason }) closes clients cleanly; error() drops them with 1006', async () => {
    await using server = await createMockServer();
    const a = await openProbe(server.url);
    await server.connected;
    server.close({ code: 4001, reason: 'maintenance' });
    expect(await a.closed).toEqual({ code: 4001, reason: 'maintenance' });
    const b = await openProbe(server.url);
    await server.connected;
    server.error();
    expect((await b.closed).code).toBe(1006);
  });

  it('emits connection, message and close events', async () => {
    await using server = await createMockServer();
    const seen: string[] = [];
    server.on('connection', (c) => seen.push(`open ${c.index}`));
    server.on('message', (m) => seen.push(`msg ${String(m)}`));
    server.on('close', (c, code) => seen.push(`close ${c.index} ${code}`));
    const p = await openProbe(server.url);
    p.socket.send('hi');
    await server.nextMessage;
    p.socket.close(1000);
    const client = server.allClients[0];
    await client?.closed;
    expect(seen).toEqual(['open 0', 'msg hi', 'close 0 1000']);
  });

  it('works with an unmodified ws client using the raw text and binary frames', async () => {
    await using server = await createMockServer({ echo: true });
    const p = await openProbe(server.url);
    p.socket.send(Buffer.from([1, 2, 3]));
    const frame = await p.frames.next();
    expect(frame.binary).toBe(true);
    expect([...(frame.data as Buffer)]).toEqual([1, 2, 3]);
    expect(Buffer.isBuffer(server.messages[0])).toBe(true);
  });

  it('refuses objects in raw mode with WS_UNSERIALISABLE_MESSAGE', async () => {
    await using server = await createMockServer();
    const p = await openProbe(server.url);
    const client = await server.connected;
    let caught: unknown;
    try {
      client.send({ a: 1 });
    } catch (err) {
      caught = err;
    }
    expect(isTradeKitError(caught) && caught.code).toBe('WS_UNSERIALISABLE_MESSAGE');
    p.socket.close();
  });

  it('rejects a bad port with WS_CONFIG_INVALID', async () => {
    await expect(createMockServer({ port: -1 })).rejects.toMatchObject({ code: 'WS_CONFIG_INVALID' });
  });

  it('refuses upgrades the authenticate hook turns down with HTTP 401', async () => {
    await using server = await createMockServer({ authenticate: (req) => req.headers.authorization === 'Bearer ok' });
    await expect(openProbe(server.url)).rejects.toThrow(/401/);
    const p = await openProbe(server.url, { headers: { authorization: 'Bearer ok' } });
    expect(p.socket.readyState).toBe(WebSocket.OPEN);
    p.socket.close();
  });

  it('stop() rejects pending nextMessage with WS_SERVER_STOPPED', async () => {
    const server = await createMockServer();
    const pending = server.nextMessage;
    await server.stop();
    await expect(pending).rejects.toMatchObject({ code: 'WS_SERVER_STOPPED' });
  });
});

describe('MockServer robustness against bad frames', () => {
  it('answers invalid JSON, binary and unknown types with a protocol error to that client only', async () => {
    await using server = await createMockServer({ json: true, echo: true, knownTypes: ['subscribe'] });
    const bad = await openProbe(server.url);
    const good = await openProbe(server.url);
    bad.socket.send('{not json');
    bad.socket.send(Buffer.from('{"type":"subscribe"}'));
    bad.socket.send('{"type":"launch-missiles"}');
    const errors = [await bad.frames.next(), await bad.frames.next(), await bad.frames.next()].map((f) =>
      JSON.parse(f.data as string),
    );
    expect(errors.map((e) => e.code)).toEqual(['WS_INVALID_JSON', 'WS_BINARY_NOT_EXPECTED', 'WS_UNKNOWN_MESSAGE_TYPE']);
    expect(errors[0].type).toBe('error');
    good.socket.send('{"type":"subscribe","symbol":"MNQ"}');
    expect(JSON.parse((await good.frames.next()).data as string)).toEqual({ type: 'subscribe', symbol: 'MNQ' });
    // the bad client is still connected and served
    bad.socket.send('{"type":"subscribe"}');
    expect(JSON.parse((await bad.frames.next()).data as string)).toEqual({ type: 'subscribe' });
    await good.barrier();
    expect(good.frames.items).toHaveLength(1);
    expect(server.protocolErrors).toHaveLength(3);
    expect(server.messages).toHaveLength(2);
  });

  it('closes a client that sends an oversized frame with 1009 and keeps serving the others', async () => {
    await using server = await createMockServer({ json: true, echo: true, maxPayload: 1024 });
    const big = await openProbe(server.url);
    const other = await openProbe(server.url);
    big.socket.send(JSON.stringify({ blob: 'x'.repeat(4096) }));
    expect((await big.closed).code).toBe(1009);
    other.socket.send('{"still":"here"}');
    expect(JSON.parse((await other.frames.next()).data as string)).toEqual({ still: 'here' });
    const again = await openProbe(server.url);
    again.socket.send('[1]');
    expect((await again.frames.next()).data).toBe('[1]');
  });
});

describe('stopAllServers', () => {
  it('stops every server still running, so their ports refuse connections', async () => {
    const a = await createMockServer();
    const b = await createMockServer();
    const p = await openProbe(a.url);
    await stopAllServers();
    expect((await p.closed).code).toBe(1006);
    await expect(openProbe(a.url)).rejects.toThrow(/ECONNREFUSED/);
    await expect(openProbe(b.url)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('waits that end with a message, not the runner timeout', () => {
  it('connected rejects with WS_TIMEOUT "no client connected" after `timeout` ms', async () => {
    await using server = await createMockServer({ timeout: 50 });
    await expect(server.connected).rejects.toMatchObject({
      code: 'WS_TIMEOUT',
      message: expect.stringContaining('Expected a client to connect within 50 ms, but no client connected.'),
    });
    await expect(server.nextMessage).rejects.toMatchObject({ code: 'WS_TIMEOUT' });
  });
});
