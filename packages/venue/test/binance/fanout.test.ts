import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Venue } from '../../src/index.js';
import { binanceVenue, guardLoopback, waitFor } from './helpers.js';

guardLoopback();

interface Frame {
  stream?: string;
  e?: string;
  U?: number;
  u?: number;
  t?: number;
  result?: unknown;
  id?: number;
}

/** A raw market-stream client that keeps every frame it receives, in order. */
async function listen(venue: Venue, path: string): Promise<{ ws: WebSocket; frames: Frame[] }> {
  const ws = new WebSocket(`${venue.url.replace(/^http/, 'ws')}${path}`);
  const frames: Frame[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    frames.push(m.data === undefined ? m : { stream: m.stream, ...m.data });
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, frames };
}

/** Every depth frame follows the previous one without a gap (U = previous u + 1). */
function gaps(frames: Frame[]): number {
  let prev: number | undefined;
  let n = 0;
  for (const f of frames) {
    if (f.e !== 'depthUpdate') continue;
    if (prev !== undefined && f.U !== prev + 1) n++;
    prev = f.u;
  }
  return n;
}

describe('binance market-stream fan-out in slices', () => {
  let venue: Venue | undefined;
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.terminate();
    await venue?.close();
    venue = undefined;
  });

  async function subscribers(v: Venue, n: number) {
    const out = [];
    for (let i = 0; i < n; i++) {
      const c = await listen(v, '/ws/btcusdt@depth');
      sockets.push(c.ws);
      out.push(c);
    }
    const combined = await listen(v, '/stream?streams=btcusdt@depth/btcusdt@trade');
    sockets.push(combined.ws);
    await waitFor(() => v.binance?.streams.subscriberCount('spot:btcusdt@depth') === n + 1, 'the subscriptions');
    return { raw: out, combined };
  }

  it('writes an event with more subscribers than a slice over several turns, every connection in order and complete', async () => {
    venue = await binanceVenue({ binance: { spotBalances: { 1: { BTC: 1 } }, fanoutSlice: 2 } });
    const v = venue;
    const { raw, combined } = await subscribers(v, 6);
    const book = v.binance?.books.get('BTCUSDT');
    if (!book || !v.binance) throw new Error('no book');
    const from = book.lastUpdateId;
    await v.advance('5s');
    const to = book.lastUpdateId;
    expect(to - from).toBeGreaterThan(50);
    const all = [...raw, combined];
    const last = (c: { frames: Frame[] }) => c.frames.filter((f) => f.e === 'depthUpdate').at(-1)?.u;
    await waitFor(() => all.every((c) => last(c) === to), 'every subscriber to get the last depth update', 10_000);
    // Sliced: most frames went out on later turns than their event's.
    expect(v.binance.streams.sliced.frames).toBeGreaterThan(100);
    expect(v.binance.streams.sliced.turns).toBeGreaterThanOrEqual(5);
    for (const c of all) {
      expect(gaps(c.frames)).toBe(0);
      expect(c.frames.filter((f) => f.e === 'depthUpdate')[0]?.U).toBe(from + 1);
    }
    // Every subscriber got the same depth frames; the combined one also its trades, in event order.
    const depth = (c: { frames: Frame[] }) => c.frames.filter((f) => f.e === 'depthUpdate').map((f) => [f.U, f.u]);
    for (const c of raw) expect(depth(c)).toEqual(depth(combined));
    const trades = combined.frames.filter((f) => f.e === 'trade').map((f) => f.t as number);
    expect(trades.length).toBeGreaterThan(10);
    expect(trades).toEqual([...trades].sort((a, b) => a - b));
  });

  it('a reply to a connection waits behind the frames the fan-out still holds for it', async () => {
    venue = await binanceVenue({ binance: { spotBalances: { 1: { BTC: 1 } }, fanoutSlice: 1 } });
    const v = venue;
    const { raw } = await subscribers(v, 3);
    const probe = raw[2] as { ws: WebSocket; frames: Frame[] };
    // Many events at once: the queue holds frames for every subscriber. The request arrives while
    // they are still queued (one socket per turn), and its reply must come after them.
    await v.advance('10s');
    const to = v.binance?.books.get('BTCUSDT')?.lastUpdateId;
    probe.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 7 }));
    await waitFor(() => probe.frames.some((f) => f.id === 7), 'the LIST_SUBSCRIPTIONS reply', 10_000);
    const at = probe.frames.findIndex((f) => f.id === 7);
    const before = probe.frames.slice(0, at).filter((f) => f.e === 'depthUpdate');
    expect(gaps(probe.frames)).toBe(0);
    // No event follows, so every depth frame was queued before the request: all come before the reply.
    expect(before.at(-1)?.u).toBe(to);
    expect(probe.frames.slice(at + 1).filter((f) => f.e === 'depthUpdate')).toEqual([]);
  });

  it('catches up when events come faster than slices drain: at most four slices stay queued after a turn', async () => {
    venue = await binanceVenue({ binance: { spotBalances: { 1: { BTC: 1 } }, fanoutSlice: 2 } });
    const v = venue;
    const { raw, combined } = await subscribers(v, 6);
    const streams = v.binance?.streams;
    if (!streams) throw new Error('no streams');
    // Many events at once (hundreds of frames per subscriber): far more than a slice per turn drains.
    await v.advance('20s');
    const after: number[] = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      after.push(streams.queuedFrames);
    }
    // After a turn nothing new arrives (the clock stands still): the queue is down to four slices,
    // then drains a slice per turn.
    expect(after[0]).toBeLessThanOrEqual(8);
    expect(after.at(-1)).toBe(0);
    const to = v.binance?.books.get('BTCUSDT')?.lastUpdateId;
    const all = [...raw, combined];
    await waitFor(
      () => all.every((c) => c.frames.filter((f) => f.e === 'depthUpdate').at(-1)?.u === to),
      'every subscriber to get the last depth update',
      10_000,
    );
    for (const c of all) expect(gaps(c.frames)).toBe(0);
  });

  it('writes to all subscribers at once with slicing off or with no more subscribers than a slice', async () => {
    for (const fanoutSlice of [0, 8]) {
      venue = await binanceVenue({ binance: { spotBalances: { 1: { BTC: 1 } }, fanoutSlice } });
      const v = venue;
      const { raw } = await subscribers(v, 4);
      await v.advance('2s');
      const to = v.binance?.books.get('BTCUSDT')?.lastUpdateId;
      await waitFor(
        () => raw.every((c) => c.frames.filter((f) => f.e === 'depthUpdate').at(-1)?.u === to),
        'the last depth update',
        10_000,
      );
      expect(v.binance?.streams.sliced).toEqual({ frames: 0, turns: 0 });
      for (const s of sockets.splice(0)) s.terminate();
      await v.close();
      venue = undefined;
    }
  });

  it('refuses a fanoutSlice that is not an integer ≥ 0', async () => {
    for (const bad of [-1, 1.5, Number.NaN])
      await expect(binanceVenue({ binance: { fanoutSlice: bad } })).rejects.toMatchObject({
        code: 'VENUE_CONFIG_INVALID',
        message: expect.stringContaining('binance.fanoutSlice'),
      });
  });
});
