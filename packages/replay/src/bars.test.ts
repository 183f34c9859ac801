import type { BarEvent, MarketEvent, TradeEvent } from '@tradekit/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BarAggregator, aggregateBars, bookSnapshots, replay } from './index.js';
import { sampleTrades } from './testing/events.js';

async function collect(it: AsyncIterable<MarketEvent>): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

/** Reference: bars computed the obvious way from the full list. */
function naiveTimeBars(trades: TradeEvent[], micros: number, text: string): BarEvent[] {
  const groups = new Map<number, TradeEvent[]>();
  for (const t of trades) {
    const k = Math.floor(t.ts / micros) * micros;
    groups.set(k, [...(groups.get(k) ?? []), t]);
  }
  return [...groups].map(([start, g]) => ({
    type: 'bar',
    symbol: g[0]!.symbol,
    ts: start + micros,
    start,
    timeframe: text,
    open: g[0]!.price,
    high: Math.max(...g.map((t) => t.price)),
    low: Math.min(...g.map((t) => t.price)),
    close: g[g.length - 1]!.price,
    volume: g.reduce((a, t) => a + t.size, 0),
    trades: g.length,
  }));
}

describe('time bars', () => {
  const trades = sampleTrades(5000, 4, 'MNQ', 1_704_205_800_000_000, 50_000) as TradeEvent[];

  it('equal a naive grouping, stamped at the close, with partial flushed at the end', async () => {
    const bars = await collect(aggregateBars(trades, { timeframes: '1s', partial: true }));
    expect(bars).toStrictEqual(naiveTimeBars(trades, 1_000_000, '1s'));
  });

  it('without partial, the last (unclosed) bar is never emitted', async () => {
    const bars = await collect(aggregateBars(trades, { timeframes: '1s' }));
    expect(bars).toStrictEqual(naiveTimeBars(trades, 1_000_000, '1s').slice(0, -1));
  });

  it('multi-timeframe: no bar appears before its close, and larger bars equal merged smaller ones', async () => {
    const out = await collect(aggregateBars(replay([trades]), { timeframes: ['5s', '1s', '1m'], passthrough: true }));
    let lastTs = Number.NEGATIVE_INFINITY;
    let seenTradeTs = Number.NEGATIVE_INFINITY;
    for (const e of out) {
      expect(e.ts).toBeGreaterThanOrEqual(lastTs); // the merged stream stays in time order
      lastTs = e.ts;
      if (e.type === 'trade') seenTradeTs = e.ts;
      else if (e.type === 'bar') expect(seenTradeTs).toBeLessThan(e.ts); // every trade of the bar came before it
    }
    // After a bar: no trade of its interval ever appears.
    const idx = new Map(out.map((e, i) => [e, i]));
    for (const b of out.filter((e): e is BarEvent => e.type === 'bar')) {
      const later = out.slice((idx.get(b) as number) + 1).filter((e) => e.type === 'trade');
      expect(later.every((t) => t.ts >= b.ts)).toBe(true);
    }
    const ones = out.filter((e): e is BarEvent => e.type === 'bar' && e.timeframe === '1s');
    const fives = out.filter((e): e is BarEvent => e.type === 'bar' && e.timeframe === '5s');
    for (const f of fives) {
      const parts = ones.filter((b) => b.start >= f.start && b.ts <= f.ts);
      expect(f.volume).toBe(parts.reduce((a, b) => a + b.volume, 0));
      expect(f.high).toBe(Math.max(...parts.map((b) => b.high)));
      expect(f.open).toBe(parts[0]!.open);
      expect(f.close).toBe(parts[parts.length - 1]!.close);
    }
    // At equal close times the shorter timeframe comes first.
    const at = out.filter((e) => e.type === 'bar' && e.ts === fives[0]!.ts).map((e) => (e as BarEvent).timeframe);
    expect(at).toEqual(['1s', '5s']);
  });

  it('resamples 1s bars into 5s bars equal to 5s bars from trades', async () => {
    const ones = (await collect(aggregateBars(trades, { timeframes: '1s', partial: true }))) as BarEvent[];
    const fromBars = await collect(aggregateBars(ones, { timeframes: '5s', partial: true }));
    const fromTrades = await collect(aggregateBars(trades, { timeframes: '5s', partial: true }));
    expect(fromBars).toStrictEqual(fromTrades);
  });

  it('property: any trade stream gives bars whose volumes sum to the traded volume', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 100 })), {
          minLength: 1,
          maxLength: 200,
        }),
        (raw) => {
          const ts = raw.map(([t]) => t).sort((a, b) => a - b);
          const tr: TradeEvent[] = ts.map((t, i) => ({
            type: 'trade',
            symbol: 'S',
            ts: t,
            price: raw[i]![1],
            size: raw[i]![1],
            side: 'buy',
          }));
          const agg = new BarAggregator('700ms');
          const bars: BarEvent[] = [];
          for (const t of tr) {
            const closed = agg.push(t);
            for (const b of closed) expect(b.ts).toBeLessThanOrEqual(t.ts); // closed only once time passed it
            bars.push(...closed);
          }
          bars.push(...agg.flush());
          expect(bars.reduce((a, b) => a + b.volume, 0)).toBe(tr.reduce((a, t) => a + t.size, 0));
          expect(bars.reduce((a, b) => a + (b.trades ?? 0), 0)).toBe(tr.length);
        },
      ),
      { numRuns: 200, seed: 1 },
    );
  });
});

describe('tick and volume bars', () => {
  const trades = sampleTrades(1000, 8) as TradeEvent[];

  it('tick bars hold exactly n trades and are stamped at the closing trade', async () => {
    const bars = (await collect(aggregateBars(trades, { timeframes: '100t' }))) as BarEvent[];
    expect(bars).toHaveLength(10);
    expect(bars.every((b) => b.trades === 100 && b.timeframe === '100t')).toBe(true);
    expect(bars.map((b) => b.ts)).toEqual(trades.filter((_, i) => i % 100 === 99).map((t) => t.ts));
    expect(bars[0]!.start).toBe(trades[0]!.ts);
  });

  it('volume bars close at the trade that reaches the volume', async () => {
    const bars = (await collect(aggregateBars(trades, { timeframes: '500v' }))) as BarEvent[];
    let acc = 0;
    let k = 0;
    for (const t of trades) {
      acc += t.size;
      if (acc >= 500) {
        expect(bars[k]).toMatchObject({ ts: t.ts, volume: acc });
        acc = 0;
        k++;
      }
    }
    expect(bars).toHaveLength(k);
  });

  it('rejects a bad timeframe', () => {
    expect(() => new BarAggregator('soon')).toThrow(expect.objectContaining({ code: 'TIMEFRAME_INVALID' }));
    expect(() => new BarAggregator('soon')).toThrow(/"500t" \(tick bars\)/);
  });
});

describe('book snapshots at an interval', () => {
  it('rebuild the book from deltas; a snapshot at T holds updates before T only', async () => {
    const S = 1_000_000;
    const events: MarketEvent[] = [
      {
        type: 'book_snapshot',
        symbol: 'B',
        ts: 100,
        bids: [
          { price: 10, size: 1 },
          { price: 9, size: 2 },
        ],
        asks: [{ price: 11, size: 3 }],
      },
      { type: 'book_delta', symbol: 'B', ts: 500_000, bids: [{ price: 10, size: 0 }], asks: [{ price: 12, size: 4 }] },
      { type: 'book_delta', symbol: 'B', ts: S, bids: [{ price: 9.5, size: 7 }], asks: [] },
      { type: 'book_delta', symbol: 'B', ts: 3 * S + 5, bids: [], asks: [{ price: 11, size: 0 }] },
    ];
    const snaps = await collect(bookSnapshots(events, { interval: '1s' }));
    expect(snaps).toStrictEqual([
      {
        type: 'book_snapshot',
        symbol: 'B',
        ts: S,
        bids: [{ price: 9, size: 2 }],
        asks: [
          { price: 11, size: 3 },
          { price: 12, size: 4 },
        ],
      },
      {
        type: 'book_snapshot',
        symbol: 'B',
        ts: 2 * S,
        bids: [
          { price: 9.5, size: 7 },
          { price: 9, size: 2 },
        ],
        asks: [
          { price: 11, size: 3 },
          { price: 12, size: 4 },
        ],
      },
      {
        type: 'book_snapshot',
        symbol: 'B',
        ts: 3 * S,
        bids: [
          { price: 9.5, size: 7 },
          { price: 9, size: 2 },
        ],
        asks: [
          { price: 11, size: 3 },
          { price: 12, size: 4 },
        ],
      },
    ]);
    const top1 = await collect(bookSnapshots(events, { interval: 1_000_000, depth: 1 }));
    expect(top1[0]).toMatchObject({ bids: [{ price: 9, size: 2 }], asks: [{ price: 11, size: 3 }] });
  });
});
