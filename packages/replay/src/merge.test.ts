import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MarketEvent, type TradeEvent, VirtualClock } from '@tradekit/types';
import { afterAll, describe, expect, it } from 'vitest';
import { fromEvents, merge, openSource, replay, writeEvents } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'replay-merge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const t = (symbol: string, ts: number, id: string): TradeEvent => ({
  type: 'trade',
  symbol,
  ts,
  price: 100,
  size: 1,
  side: 'buy',
  id,
});

async function collect(it: AsyncIterable<MarketEvent>): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe('merge of 3 files with interleaved and equal timestamps', () => {
  it('orders by ts, then file order, then row order (the documented order)', async () => {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.jsonl');
    const c = join(dir, 'c.jsonl.gz');
    await writeEvents(a, [t('A', 1, 'a1'), t('A', 3, 'a3x'), t('A', 3, 'a3y'), t('A', 5, 'a5')]);
    await writeEvents(b, [t('B', 2, 'b2'), t('B', 3, 'b3'), t('B', 4, 'b4')]);
    await writeEvents(c, [t('C', 3, 'c3x'), t('C', 3, 'c3y'), t('C', 6, 'c6')]);
    const opts = { ts: 'us' as const };
    const ids = (await collect(merge([openSource(a, opts), openSource(b, opts), openSource(c, opts)]))).map(
      (e) => (e as TradeEvent).id,
    );
    expect(ids).toEqual(['a1', 'b2', 'a3x', 'a3y', 'b3', 'c3x', 'c3y', 'b4', 'a5', 'c6']);
    // Same files, other order: ties follow the new file order.
    const ids2 = (await collect(merge([openSource(c, opts), openSource(b, opts), openSource(a, opts)]))).map(
      (e) => (e as TradeEvent).id,
    );
    expect(ids2).toEqual(['a1', 'b2', 'c3x', 'c3y', 'b3', 'a3x', 'a3y', 'b4', 'a5', 'c6']);
  });

  it('filters by symbol, type and [from, to) window', async () => {
    const events: MarketEvent[] = [];
    for (let i = 0; i < 100; i++) {
      events.push(t(i % 2 ? 'X' : 'Y', 1000 + i, `t${i}`));
      events.push({ type: 'quote', symbol: 'X', ts: 1000 + i, bid: 1, bidSize: 1, ask: 2, askSize: 1 });
    }
    const out = await collect(replay([events], { symbols: ['X'], types: ['trade'], from: 1010, to: 1020 }));
    expect(out.map((e) => e.ts)).toEqual([1011, 1013, 1015, 1017, 1019]);
    expect(out.every((e) => e.type === 'trade' && e.symbol === 'X')).toBe(true);
  });

  it('a property: merging random sorted sources equals a stable sort of their concatenation', async () => {
    const fc = (await import('fast-check')).default;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 30 }), { minLength: 1, maxLength: 5 }),
        async (lists) => {
          const sources = lists.map((l, s) => [...l].sort((x, y) => x - y).map((ts, r) => t(`S${s}`, ts, `${s}:${r}`)));
          const expected = sources
            .flatMap((l, s) => l.map((e, r) => ({ e, s, r })))
            .sort((x, y) => x.e.ts - y.e.ts || x.s - y.s || x.r - y.r)
            .map((x) => x.e.id);
          const got = (
            await collect(merge(sources.map((l, i) => fromEvents(l, { name: `s${i}`, duplicates: 'keep' }))))
          ).map((e) => (e as TradeEvent).id);
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 100, seed: 3 },
    );
  });
});

describe('pacing', () => {
  const events = [0, 1000, 1500, 11_500, 11_500, 31_500].map((ts, i) => t('P', 1_700_000_000_000_000 + ts, `p${i}`));

  it('under a VirtualClock at speed 10 the clock advances by Δts/10 between events', async () => {
    const clock = new VirtualClock({ start: 5_000_000 });
    const seen: number[] = [];
    for await (const _ of replay([events], { clock, speed: 10 })) seen.push(clock.now());
    const steps = seen.slice(1).map((x, i) => x - (seen[i] as number));
    expect(steps).toEqual([100, 50, 1000, 0, 2000]);
    expect(seen[0]).toBe(5_000_000);
  });

  it('speed 0.5 stretches time to twice the recorded gaps', async () => {
    const clock = new VirtualClock({ start: 0 });
    const seen: number[] = [];
    for await (const _ of replay([events], { clock, speed: 0.5 })) seen.push(clock.now());
    expect(seen).toEqual([0, 2000, 3000, 23_000, 23_000, 63_000]);
  });

  it('timers scheduled on the VirtualClock fire in order with the replayed events', async () => {
    const clock = new VirtualClock({ start: 0 });
    const log: string[] = [];
    clock.setTimeout(() => log.push('timer@150'), 150);
    for await (const e of replay([events.slice(0, 3)], { clock, speed: 10 }))
      log.push(`${(e as TradeEvent).id}@${clock.now()}`);
    expect(log).toEqual(['p0@0', 'p1@100', 'timer@150', 'p2@150']);
  });

  it('pause holds events and pacing restarts from the resume time; seek jumps', async () => {
    const clock = new VirtualClock({ start: 0 });
    const r = replay([events], { clock, speed: 1 });
    expect((await r.next()).value).toMatchObject({ id: 'p0' });
    expect(clock.now()).toBe(0);
    r.pause();
    const pending = r.next();
    clock.advanceBy(50_000); // time passes while paused
    r.resume();
    expect((await pending).value).toMatchObject({ id: 'p1' });
    expect(clock.now()).toBe(51_000); // resumed at 50 000, then waited Δts = 1000
    r.seek(events[3]!.ts);
    expect((await r.next()).value).toMatchObject({ id: 'p3' });
    expect(clock.now()).toBe(51_000); // a seek re-anchors: the first event after it is not delayed
    expect((await r.next()).value).toMatchObject({ id: 'p4' });
    r.seek(events[1]!.ts); // backwards
    expect((await r.next()).value).toMatchObject({ id: 'p1' });
    await r.stop();
    expect((await r.next()).done).toBe(true);
    expect(r.summary()).toMatchObject({ emitted: 5, seeks: 2, done: true });
  });

  it('on a RealClock waits for anchor + Δts / speed (targets recorded, no wall-clock assertion)', async () => {
    const { RealClock } = await import('@tradekit/types');
    const ev = [0, 200_000, 400_000, 600_000, 800_000].map((ts, i) => t('R', 1_700_000_000_000_000 + ts, `r${i}`));
    // A real clock whose calls are recorded: the replay's requested wake-up times are checked, not
    // how long the machine took to honour them (which depends on its load). A loaded machine may
    // be late for a target and skip its timer; the targets it does ask for must be on the grid.
    class RecordingClock extends RealClock {
      reads: number[] = [];
      targets: number[] = [];
      override now() {
        const x = super.now();
        this.reads.push(x);
        return x;
      }
      override setTimeout(fn: () => void, delayUs: number) {
        this.targets.push(super.now() + delayUs);
        return super.setTimeout(fn, delayUs);
      }
    }
    const clock = new RecordingClock();
    let n = 0;
    for await (const _ of replay([ev], { clock, speed: 2 })) n++;
    expect(n).toBe(5);
    const anchor = clock.reads[0] as number; // the clock time of the first event
    expect(clock.targets.length).toBeGreaterThan(0);
    for (const target of clock.targets) {
      const k = Math.round((target - anchor) / 100_000); // 200 ms of data at 2× = 100 ms apart
      expect(k).toBeGreaterThanOrEqual(1);
      expect(k).toBeLessThanOrEqual(4);
      expect(Math.abs(target - anchor - k * 100_000)).toBeLessThan(2000);
    }
  });

  it('rejects a speed that is not > 0', () => {
    expect(() => replay([events], { speed: 0 })).toThrow(/Expected `speed` to be a number > 0.*got `0`/);
    expect(() => replay([events], { speed: -1 })).toThrowError(
      expect.objectContaining({ code: 'REPLAY_INVALID_OPTION' }),
    );
  });
});
