/**
 * One contract, three servers: the same fault cases run against the mock server, the proxy
 * (in front of a fault-free mock) and the SignalR hub, each observed by a real client.
 */
import { VirtualClock } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { type Probe, type ProbeFrame, openProbe } from '../mock/probe.js';
import { createMockServer } from '../mock/server.js';
import { createProxy } from '../proxy/proxy.js';
import { createSignalRServer } from '../signalr/hub.js';
import { RECORD_SEPARATOR } from '../signalr/protocol.js';
import type { FaultScript } from './script.js';

interface Running {
  open(): Promise<Probe>;
  push(payload: unknown): void;
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Frames the server side has handed to its fault path so far. */
  relayed(): number;
}

interface Target {
  name: string;
  start(faults: FaultScript, clock?: VirtualClock): Promise<Running>;
  decode(frame: ProbeFrame): unknown;
}

const json = (f: ProbeFrame) => {
  try {
    return JSON.parse(typeof f.data === 'string' ? f.data : f.data.toString());
  } catch {
    return undefined;
  }
};

const targets: Target[] = [
  {
    name: 'mock server',
    async start(faults, clock) {
      const s = await createMockServer({ json: true, faults, ...(clock ? { clock } : {}) });
      return {
        open: () => openProbe(s.url),
        push: (p) => s.send(p),
        restart: () => s.restart({ downtime: 0 }),
        stop: () => s.stop(),
        relayed: () => s.clients.reduce((n, c) => n + c.stats.offered, 0),
      };
    },
    decode: json,
  },
  {
    name: 'proxy',
    async start(faults, clock) {
      const upstream = await createMockServer({ json: true });
      const p = await createProxy({ target: upstream.url, faults, ...(clock ? { clock } : {}) });
      return {
        open: () => openProbe(p.url),
        push: (payload) => upstream.send(payload),
        restart: () => p.restart({ downtime: 0 }),
        relayed: () => p.stats.downstreamFrames,
        stop: async () => {
          await p.stop();
          await upstream.stop();
        },
      };
    },
    decode: json,
  },
  {
    name: 'SignalR hub',
    async start(faults, clock) {
      const h = await createSignalRServer({ faults, keepAliveInterval: 0, ...(clock ? { clock } : {}) });
      return {
        async open() {
          const probe = await openProbe(h.url.replace('http', 'ws'));
          probe.socket.send(`{"protocol":"json","version":1}${RECORD_SEPARATOR}`);
          await probe.frames.next();
          probe.frames.items.length = 0; // the handshake reply is not a hub message
          return probe;
        },
        push: (p) => h.invoke('m', p),
        restart: () => h.restart({ downtime: 0 }),
        stop: () => h.stop(),
        relayed: () => h.connections.reduce((n, c) => n + c.link.stats.offered, 0),
      };
    },
    decode: (f) => {
      if (f.binary) return undefined;
      try {
        return JSON.parse((f.data as string).replace(RECORD_SEPARATOR, '')).arguments[0];
      } catch {
        return undefined;
      }
    },
  },
];

async function frames(p: Probe, n: number): Promise<ProbeFrame[]> {
  while (p.frames.items.length < n) await p.frames.next();
  return p.frames.items;
}

describe.each(targets)('fault contract: $name', (target) => {
  const seqs = (p: Probe) => p.frames.items.map((f) => (target.decode(f) as { seq: number } | undefined)?.seq);

  it('drop → earlier messages, then 1006', async () => {
    const s = await target.start({ rules: [{ type: 'drop', from: 2 }] });
    const p = await s.open();
    for (let seq = 0; seq < 4; seq++) s.push({ seq });
    expect((await p.closed).code).toBe(1006);
    expect(seqs(p)).toEqual([0, 1]);
    await s.stop();
  });

  it('close with a code', async () => {
    const s = await target.start({ rules: [{ type: 'close', code: 4001, reason: 'x', messages: [1] }] });
    const p = await s.open();
    s.push({ seq: 0 });
    s.push({ seq: 1 });
    expect(await p.closed).toEqual({ code: 4001, reason: 'x' });
    expect(seqs(p)).toEqual([0]);
    await s.stop();
  });

  it('401 on the first upgrade', async () => {
    const s = await target.start({ rules: [{ type: 'reject', status: 401, connections: [0] }] });
    await expect(s.open()).rejects.toThrow(/401/);
    const p = await s.open();
    s.push({ seq: 9 });
    await frames(p, 1);
    expect(seqs(p)).toEqual([9]);
    await s.stop();
  });

  it('delay on a VirtualClock', async () => {
    const clock = new VirtualClock();
    const s = await target.start({ rules: [{ type: 'delay', delay: '50ms' }] }, clock);
    const p = await s.open();
    s.push({ seq: 0 });
    // the proxy relays asynchronously: wait until the frame reached its fault queue
    await expect.poll(() => s.relayed()).toBe(1);
    clock.advanceBy(49_000);
    await p.barrier();
    expect(p.frames.items).toHaveLength(0);
    clock.advanceBy(1_000);
    await frames(p, 1);
    expect(seqs(p)).toEqual([0]);
    await s.stop();
  });

  it('lose, duplicate, reorder, burst, corrupt', async () => {
    const s = await target.start({
      rules: [
        { type: 'lose', messages: [0] },
        { type: 'duplicate', messages: [1] },
        { type: 'reorder', messages: [2] },
        { type: 'corrupt', kind: 'binary', messages: [4] },
        { type: 'burst', messages: [5], count: 2 },
      ],
    });
    const p = await s.open();
    for (let seq = 0; seq < 6; seq++) s.push({ seq });
    const got = await frames(p, 8);
    expect(got.map((f) => f.binary)).toEqual([false, false, false, false, true, false, false, false]);
    expect(seqs(p).filter((_, i) => i !== 4)).toEqual([1, 1, 3, 2, 5, 5, 5]);
    await s.stop();
  });

  it('ping timeout', async () => {
    const s = await target.start({ rules: [{ type: 'ping-timeout' }] });
    const p = await s.open();
    p.socket.ping();
    s.push({ seq: 1 });
    await frames(p, 1);
    // absence can only be watched for: a pong, if answered, comes within a millisecond on loopback
    await new Promise((r) => setTimeout(r, 50));
    expect(p.pongs).toBe(0);
    await s.stop();
  });

  it('restart on the same port', async () => {
    const s = await target.start({});
    const p = await s.open();
    await s.restart();
    expect((await p.closed).code).toBe(1006);
    const again = await s.open();
    s.push({ seq: 3 });
    await frames(again, 1);
    expect(seqs(again)).toEqual([3]);
    await s.stop();
  });

  it('a restart-only script ({ rules: [], timeline }) restarts on the clock and keeps serving', async () => {
    const clock = new VirtualClock();
    const s = await target.start({ rules: [], timeline: [{ type: 'restart', at: '1s' }] }, clock);
    const p = await s.open();
    clock.advanceBy(1_000_000);
    expect((await p.closed).code).toBe(1006);
    let again: Probe | undefined;
    while (!again) again = await s.open().catch(() => undefined);
    s.push({ seq: 7 });
    await frames(again, 1);
    expect(seqs(again)).toEqual([7]);
    await s.stop();
  });

  it('every: 3 hits the 3rd, 6th and 9th message (counting from the first message of the connection)', async () => {
    const s = await target.start({ rules: [{ type: 'duplicate', every: 3 }] });
    const p = await s.open();
    for (let seq = 1; seq <= 9; seq++) s.push({ seq });
    await frames(p, 12);
    expect(seqs(p)).toEqual([1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9, 9]);
    await s.stop();
  });

  it("a seeded rule's draws do not depend on its position: inserting a rule before it changes nothing", async () => {
    const lost = async (rules: FaultScript['rules']) => {
      const s = await target.start({ seed: 7, rules });
      const p = await s.open();
      for (let seq = 0; seq <= 40; seq++) s.push({ seq });
      while (!seqs(p).includes(40)) await p.frames.next();
      await s.stop();
      const got = new Set(seqs(p));
      return Array.from({ length: 40 }, (_, i) => i).filter((i) => !got.has(i));
    };
    const lose = { type: 'lose', probability: 0.5, to: 39 } as const;
    const alone = await lost([lose]);
    expect(alone.length).toBeGreaterThan(5);
    expect(alone.length).toBeLessThan(35);
    expect(await lost([{ type: 'delay', jitter: '1us', probability: 0.5 }, lose])).toEqual(alone);
    expect(await lost([{ type: 'duplicate', messages: [1000] }, lose])).toEqual(alone);
    // an id names the stream: the same id gives the same draws wherever the rule sits
    const named = await lost([{ ...lose, id: 'loss' }]);
    expect(
      await lost([
        { type: 'lose', probability: 0.01, to: 39, id: 'other' },
        { ...lose, id: 'loss' },
      ]),
    ).toEqual(expect.arrayContaining(named));
  });
});
