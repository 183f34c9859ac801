/**
 * Every fault type, observed by a real `ws` client connected to the mock server.
 * Timing faults run on a VirtualClock: the test moves time and the probe's ping barrier proves
 * what had (or had not) arrived by then, so nothing here depends on wall-clock speed.
 */
import { VirtualClock } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { createMockServer } from '../mock/server.js';
import { createProxy } from '../proxy/proxy.js';
import { createSignalRServer } from '../signalr/hub.js';
import { type Probe, openProbe } from '../mock/probe.js';
import type { FaultRule, FaultScript } from './script.js';
import { normalizeFaultScript } from './script.js';

const texts = (p: Probe) =>
  p.frames.items.map((f) => (typeof f.data === 'string' ? f.data : `<binary ${f.data.length}>`));

async function setup(faults: FaultScript | FaultRule[], options: { clock?: VirtualClock; maxPayload?: number } = {}) {
  const server = await createMockServer({
    json: true,
    echo: true,
    faults,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const probe = await openProbe(server.url, options.maxPayload ? { maxPayload: options.maxPayload } : {});
  const client = await server.connected;
  return { server, probe, client };
}

async function waitFrames(p: Probe, n: number): Promise<void> {
  while (p.frames.items.length < n) await p.frames.next();
}

describe('fault injection on the mock server, seen by a real client', () => {
  it('drop at a message index: the client gets the earlier messages, then 1006', async () => {
    const { server, probe, client } = await setup([{ type: 'drop', from: 3 }]);
    for (let i = 0; i < 6; i++) client.send({ seq: i });
    const closed = await probe.closed;
    expect(closed.code).toBe(1006);
    expect(probe.json()).toEqual([{ seq: 0 }, { seq: 1 }, { seq: 2 }]);
    await server.stop();
  });

  it('drop after a time on the clock', async () => {
    const clock = new VirtualClock();
    const { server, probe } = await setup([{ type: 'drop', after: '5s' }], { clock });
    clock.advanceBy(4_999_000);
    await probe.barrier();
    expect(probe.socket.readyState).toBe(1);
    clock.advanceBy(1_000);
    expect((await probe.closed).code).toBe(1006);
    await server.stop();
  });

  it('clean close with a code and reason', async () => {
    const { server, probe, client } = await setup([{ type: 'close', code: 4000, reason: 'kicked', messages: [1] }]);
    client.sendRaw('a');
    client.sendRaw('b');
    expect(await probe.closed).toEqual({ code: 4000, reason: 'kicked' });
    expect(texts(probe)).toEqual(['a']);
    await server.stop();
  });

  it('HTTP 401 on upgrade for the first attempt, then the reconnection is accepted', async () => {
    await using server = await createMockServer({ faults: [{ type: 'reject', status: 401, connections: [0] }] });
    await expect(openProbe(server.url)).rejects.toThrow('Unexpected server response: 401');
    const p = await openProbe(server.url);
    expect((await server.connected).index).toBe(1);
    p.socket.close();
  });

  it('refused connection: the socket is reset with no HTTP answer', async () => {
    await using server = await createMockServer({ faults: [{ type: 'reject' }] });
    const err = await openProbe(server.url).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/socket hang up|ECONNRESET/);
    expect(server.allClients).toHaveLength(0);
  });

  it('delay holds every message for the set time, in order', async () => {
    const clock = new VirtualClock();
    const { server, probe, client } = await setup([{ type: 'delay', delay: '50ms' }], { clock });
    client.send({ n: 1 });
    client.send({ n: 2 });
    clock.advanceBy(49_000);
    await probe.barrier();
    expect(probe.frames.items).toHaveLength(0);
    clock.advanceBy(1_000);
    await waitFrames(probe, 2);
    expect(probe.json()).toEqual([{ n: 1 }, { n: 2 }]);
    await server.stop();
  });

  it('jitter is seeded: the same seed gives the same delivery schedule, another seed a different one', async () => {
    async function schedule(seed: number): Promise<number[]> {
      const clock = new VirtualClock();
      const { server, probe, client } = await setup({ seed, rules: [{ type: 'delay', jitter: '100ms' }] }, { clock });
      for (let i = 0; i < 5; i++) client.send({ i });
      const counts: number[] = [];
      for (let ms = 0; ms < 100; ms += 10) {
        clock.advanceBy(10_000);
        await probe.barrier();
        counts.push(probe.frames.items.length);
      }
      expect(probe.json()).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
      await server.stop();
      return counts;
    }
    const a = await schedule(1);
    expect(await schedule(1)).toEqual(a);
    expect(await schedule(2)).not.toEqual(a);
    expect(a.at(-1)).toBe(5);
  });

  it('corrupts frames: invalid JSON, truncated, binary', async () => {
    const { server, probe, client } = await setup([
      { type: 'corrupt', kind: 'invalid-json', messages: [0] },
      { type: 'corrupt', kind: 'truncate', messages: [1] },
      { type: 'corrupt', kind: 'binary', messages: [2] },
    ]);
    for (let i = 0; i < 4; i++) client.send({ seq: i, text: 'abcdef' });
    await waitFrames(probe, 4);
    const [f0, f1, f2, f3] = probe.frames.items;
    expect(() => JSON.parse(f0?.data as string)).toThrow();
    expect(f1?.binary).toBe(false);
    expect(JSON.stringify({ seq: 1, text: 'abcdef' }).startsWith(f1?.data as string)).toBe(true);
    expect(() => JSON.parse(f1?.data as string)).toThrow();
    expect(f2?.binary).toBe(true);
    expect(JSON.parse(String(f2?.data))).toEqual({ seq: 2, text: 'abcdef' });
    expect(JSON.parse(f3?.data as string)).toEqual({ seq: 3, text: 'abcdef' });
    await server.stop();
  });

  it('oversized frames exceed the client maxPayload: the client closes with 1009', async () => {
    const { server, probe, client } = await setup(
      [{ type: 'corrupt', kind: 'oversized', bytes: 64 * 1024, messages: [1] }],
      { maxPayload: 16 * 1024 },
    );
    client.send({ seq: 0 });
    client.send({ seq: 1 });
    // ws stops reading after a payload error, so it reports 1006 locally after sending 1009 itself
    await probe.closed;
    expect(probe.errors.map((e) => e.message)).toEqual(['Max payload size exceeded']);
    expect(probe.json()).toEqual([{ seq: 0 }]);
    expect((await client.closed).code).toBe(1009);
    await server.stop();
  });

  it('duplicates, reorders and loses messages', async () => {
    const { server, probe, client } = await setup([
      { type: 'duplicate', messages: [0], times: 2 },
      { type: 'reorder', messages: [2] },
      { type: 'lose', messages: [4] },
    ]);
    for (let i = 0; i < 6; i++) client.send({ seq: i });
    await waitFrames(probe, 7);
    expect(probe.json().map((m) => (m as { seq: number }).seq)).toEqual([0, 0, 0, 1, 3, 2, 5]);
    await server.stop();
  });

  it('bursts: one message is followed by many at once', async () => {
    const { server, probe, client } = await setup([
      { type: 'burst', messages: [1], count: 500, message: { type: 'spam' } },
    ]);
    client.send({ seq: 0 });
    client.send({ seq: 1 });
    client.send({ seq: 2 });
    await waitFrames(probe, 503);
    const msgs = probe.json() as Array<{ seq?: number; type?: string }>;
    expect(msgs.slice(0, 2)).toEqual([{ seq: 0 }, { seq: 1 }]);
    expect(msgs.slice(2, 502).every((m) => m.type === 'spam')).toBe(true);
    expect(msgs[502]).toEqual({ seq: 2 });
    await server.stop();
  });

  it('bandwidth cap paces delivery by bytes per second', async () => {
    const clock = new VirtualClock();
    const { server, probe, client } = await setup([{ type: 'bandwidth', bytesPerSecond: 100 }], { clock });
    for (let i = 0; i < 5; i++) client.sendRaw('0123456789'); // 10 bytes each → one per 100 ms
    const seen: number[] = [];
    for (let step = 0; step < 5; step++) {
      clock.advanceBy(100_000);
      await probe.barrier();
      seen.push(probe.frames.items.length);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    await server.stop();
  });

  it('ping timeout: the server stops answering pings', async () => {
    const { server, probe } = await setup([{ type: 'ping-timeout', connections: [0] }]);
    await new Promise((r) => setImmediate(r));
    probe.socket.ping();
    probe.socket.send('"after-ping"');
    // the echo is written after the ping was handled, so a pong would have come first
    expect((await probe.frames.next()).data).toBe('"after-ping"');
    expect(probe.pongs).toBe(0);
    // a second connection is not affected
    const other = await openProbe(server.url);
    await other.barrier();
    expect(other.pongs).toBe(1);
    other.socket.close();
    await server.stop();
  });

  it('slow consumer: the server stops reading, so the client send buffer stays full', async () => {
    const { server, probe } = await setup([{ type: 'slow-consumer' }]);
    await new Promise((r) => setImmediate(r));
    const chunk = 'x'.repeat(512 * 1024);
    for (let i = 0; i < 64; i++) probe.socket.send(`"${chunk}"`);
    // wait until the client's buffer stops shrinking: with a reading server it would reach 0
    let last = -1;
    let stable = 0;
    while (stable < 3) {
      await new Promise((r) => setTimeout(r, 30));
      const now = probe.socket.bufferedAmount;
      stable = now === last ? stable + 1 : 0;
      last = now;
    }
    expect(last).toBeGreaterThan(0);
    expect(server.messages.length).toBeLessThan(64);
    probe.socket.terminate();
    await server.stop();
  });

  it('seeded random loss: same seed → same messages lost, seen by the client', async () => {
    async function lostWith(seed: number): Promise<number[]> {
      const { server, probe, client } = await setup({ seed, rules: [{ type: 'lose', probability: 0.3 }] });
      for (let i = 0; i < 50; i++) client.send({ seq: i });
      client.socket.pong(); // harmless; keep the socket busy-free
      await probe.barrier();
      const got = new Set(probe.json().map((m) => (m as { seq: number }).seq));
      await server.stop();
      return [...Array(50).keys()].filter((i) => !got.has(i));
    }
    const a = await lostWith(7);
    expect(a.length).toBeGreaterThan(0);
    expect(await lostWith(7)).toEqual(a);
    expect(await lostWith(8)).not.toEqual(a);
  });

  it('server restart on the same port: clients see 1006 and reconnect to the same url', async () => {
    await using server = await createMockServer({ json: true, echo: true });
    const probe = await openProbe(server.url);
    const port = server.port;
    await server.connected;
    const restarted = server.restart({ downtime: '20ms' });
    expect((await probe.closed).code).toBe(1006);
    await restarted;
    expect(server.port).toBe(port);
    const again = await openProbe(server.url);
    again.socket.send('{"back":true}');
    expect(JSON.parse((await again.frames.next()).data as string)).toEqual({ back: true });
    again.socket.close();
  });

  it('a timeline restart refuses connections while down', async () => {
    const clock = new VirtualClock();
    await using server = await createMockServer({
      clock,
      faults: { timeline: [{ type: 'restart', at: '1s', downtime: '1s' }] },
    });
    const probe = await openProbe(server.url);
    clock.advanceBy(1_000_000);
    expect((await probe.closed).code).toBe(1006);
    await expect(openProbe(server.url)).rejects.toThrow(/ECONNREFUSED/);
    clock.advanceBy(1_000_000);
    let reopened: Probe | undefined;
    while (!reopened) reopened = await openProbe(server.url).catch(() => undefined);
    expect(reopened.socket.readyState).toBe(1);
    reopened.socket.close();
  });
});

describe('normalizeFaultScript', () => {
  it('converts durations to µs', () => {
    const s = normalizeFaultScript({ rules: [{ type: 'delay', delay: '50ms', jitter: 1000 }] });
    expect(s.rules[0]).toMatchObject({ delayUs: 50_000, jitterUs: 1000 });
  });

  it.each([
    [{ rules: [{ type: 'explode' }] }, 'faults.rules[0].type'],
    [{ rules: [{ type: 'delay', delay: 'soon' }] }, 'faults.rules[0].delay'],
    [{ rules: [{ type: 'close', code: 1006 }] }, 'faults.rules[0].code'],
    [{ rules: [{ type: 'lose', probability: 2 }] }, 'faults.rules[0].probability'],
    [{ rules: [{ type: 'burst', count: 0 }] }, 'faults.rules[0].count'],
    [{ rules: [{ type: 'corrupt', kind: 'zap' }] }, 'faults.rules[0].kind'],
    [{ timeline: [{ type: 'restart' }] }, 'faults.timeline[0].at'],
  ])('rejects %j naming %s', (script, field) => {
    expect(() => normalizeFaultScript(script as FaultScript)).toThrow(
      expect.objectContaining({ code: 'WS_FAULT_INVALID', details: expect.objectContaining({ field }) }),
    );
  });

  it.each([
    [{ rules: [{ type: 'drop', form: 3 }] }, 'form', 'from', 'faults.rules[0] (a drop rule)'],
    [{ rules: [{ type: 'delay', dealy: '5ms' }] }, 'dealy', 'delay', 'faults.rules[0] (a delay rule)'],
    [{ rules: [{ type: 'reject', status: 401, from: 2 }] }, 'from', undefined, 'faults.rules[0] (a reject rule)'],
    [{ rule: [] }, 'rule', 'rules', 'the fault script'],
    [{ timeline: [{ type: 'restart', at: '1s', dowtime: '1s' }] }, 'dowtime', 'downtime', 'faults.timeline[0]'],
  ])('rejects the unknown key in %j, naming it and the nearest valid key', (script, key, nearest, where) => {
    let error: unknown;
    try {
      normalizeFaultScript(script as FaultScript);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'WS_FAULT_INVALID', details: { field: key, nearest } });
    const message = (error as Error).message;
    expect(message).toContain(`Unknown key \`${key}\` in ${where}`);
    if (nearest) expect(message).toContain(`Did you mean \`${nearest}\`?`);
  });

  it('rejects two rules with the same id', () => {
    expect(() =>
      normalizeFaultScript([
        { type: 'lose', id: 'a', probability: 0.1 },
        { type: 'delay', id: 'a', delay: 1 },
      ]),
    ).toThrow(
      expect.objectContaining({
        code: 'WS_FAULT_INVALID',
        details: expect.objectContaining({ field: 'faults.rules[1].id' }),
      }),
    );
  });

  it.each([
    ['createMockServer', (port: number, faults: FaultScript) => createMockServer({ port, faults })],
    ['createSignalRServer', (port: number, faults: FaultScript) => createSignalRServer({ port, faults })],
    ['createProxy', (port: number, faults: FaultScript) => createProxy({ target: 'ws://127.0.0.1:1', port, faults })],
  ])('%s validates the script before it binds the port', async (_name, start) => {
    const free = createServer();
    const port = await new Promise<number>((resolve) =>
      free.listen(0, '127.0.0.1', () => resolve((free.address() as { port: number }).port)),
    );
    await new Promise((resolve) => free.close(resolve));
    await expect(start(port, { rules: [], timeline: [{ type: 'restart', at: 'soon' }] })).rejects.toMatchObject({
      code: 'WS_FAULT_INVALID',
    });
    await expect(start(port, { rules: [{ type: 'drop', form: 3 } as FaultRule] })).rejects.toMatchObject({
      code: 'WS_FAULT_INVALID',
    });
    // the port is free again: nothing was left bound by the failed starts
    const ok = await start(port, {});
    expect(ok.port).toBe(port);
    await ok.stop();
  });

  it('is JSON round-trippable', () => {
    const script: FaultScript = {
      seed: 3,
      rules: [{ type: 'drop', connections: [0], from: 10 }],
      timeline: [{ type: 'restart', at: '2s' }],
    };
    expect(normalizeFaultScript(JSON.parse(JSON.stringify(script)))).toEqual(normalizeFaultScript(script));
  });
});
