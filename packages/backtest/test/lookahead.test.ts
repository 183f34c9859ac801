import type { BarEvent, TradeEvent } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { type BacktestResult, defineStrategy, randomWalkBars, runBacktest } from '../src/index.js';

const MNQ = { symbol: 'MNQ', tickSize: 0.25, multiplier: 2 };
const M15 = 15 * 60_000_000;

describe('lookahead is structurally impossible', () => {
  it('the 15m bar built from 1m bars appears only after its close, and an order on it fills at the next 1m open', async () => {
    // 130 one-minute bars: 8 full 15m bars and a partial one that must never appear.
    const bars = randomWalkBars({ count: 130, seed: 9 });
    const log: { tf: string; ts: number; now: number; last1m: number; last15m: number }[] = [];
    let orderedAt = Number.NaN;
    const s = defineStrategy({
      name: 'mtf',
      timeframes: ['1m', '15m'],
      onBar(bar, ctx) {
        log.push({
          tf: bar.timeframe,
          ts: bar.ts,
          now: ctx.now,
          last1m: ctx.bars('MNQ', '1m').time(0),
          last15m: ctx.bars('MNQ', '15m').time(0),
        });
        if (bar.timeframe === '15m' && ctx.bars('MNQ', '15m').count === 2 && ctx.position() === 0) {
          orderedAt = bar.ts;
          ctx.buy(1);
        }
      },
    });
    const r = await runBacktest({ strategy: s, data: bars, instruments: [MNQ] });
    const m15 = log.filter((l) => l.tf === '15m');
    expect(m15.length).toBe(8);
    for (const [k, l] of m15.entries()) {
      const end = (bars[0] as BarEvent).start + (k + 1) * M15;
      expect(l.ts).toBe(end); // stamped at its close…
      expect(l.now).toBe(end); // …delivered at its close, not before
      expect(l.last1m).toBe(end); // after the 1m bar that completes it
      // OHLC of the fifteen 1m bars it covers, and nothing later.
      const parts = bars.filter((b) => b.ts > end - M15 && b.ts <= end);
      expect(parts.length).toBe(15);
    }
    // On every 1m bar, the latest 15m bar visible ended at or before now.
    for (const l of log.filter((x) => x.tf === '1m')) {
      expect(l.ts).toBe(l.now);
      if (!Number.isNaN(l.last15m)) {
        expect(l.last15m).toBeLessThanOrEqual(l.now);
        expect(l.now - l.last15m).toBeLessThanOrEqual(M15); // the 15m bar ending now comes right after this 1m bar
      }
    }
    // The order sent on the second 15m bar's close fills at the next 1m bar's open.
    const fill = r.fills[0];
    const next = bars.find((b) => b.ts > orderedAt) as BarEvent;
    expect(fill?.ts).toBe(next.ts);
    expect(Number(fill?.price)).toBe(next.open);
    expect(fill?.ts).toBeGreaterThan(orderedAt);
  });

  it('the aggregated bar equals the OHLCV of its parts', async () => {
    const bars = randomWalkBars({ count: 30, seed: 3 });
    const got: BarEvent[] = [];
    await runBacktest({
      strategy: { name: 'x', timeframes: ['15m'], onBar: (b) => void got.push(b) },
      data: bars,
      instruments: [MNQ],
    });
    expect(got.length).toBe(2);
    const parts = bars.slice(0, 15);
    expect(got[0]).toMatchObject({
      timeframe: '15m',
      open: parts[0]?.open,
      close: parts[14]?.close,
      high: Math.max(...parts.map((b) => b.high)),
      low: Math.min(...parts.map((b) => b.low)),
      volume: parts.reduce((a, b) => a + b.volume, 0),
    });
  });

  it('reading the forming bar or a later one is a typed error; the history is the past only', async () => {
    const bars = randomWalkBars({ count: 40, seed: 1 });
    const seen: number[] = [];
    const peek = defineStrategy({
      name: 'peek',
      onBar(bar, ctx) {
        const s = ctx.bars();
        seen.push(s.close(0));
        expect(s.close(0)).toBe(bar.close);
        expect(s.at(s.length)).toBeUndefined(); // before the first bar: nothing, not a default
        if (s.count === 20) s.close(-1);
      },
    });
    let err: (Error & { code?: string; cause?: { code?: string } }) | undefined;
    try {
      await runBacktest({ strategy: peek, data: bars, instruments: [MNQ] });
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.code).toBe('BACKTEST_STRATEGY_FAILED');
    expect(err?.cause?.code).toBe('BACKTEST_LOOKAHEAD');
    expect(err?.message).toContain('the forming bar and later ones do not exist yet');
    expect(seen).toEqual(bars.slice(0, 20).map((b) => b.close));
  });

  it('bars from trades: a 1m bar is delivered after its end, before the first later trade reaches the strategy', async () => {
    const t0 = 1_704_153_600_000_000;
    const trades: TradeEvent[] = [];
    for (let i = 0; i < 300; i++) {
      trades.push({
        type: 'trade',
        symbol: 'MNQ',
        ts: t0 + i * 1_000_000 + 1,
        price: 20000 + (i % 7) * 0.25,
        size: 1,
        side: 'buy',
      });
    }
    const events: string[] = [];
    const r: BacktestResult = await runBacktest({
      strategy: {
        name: 'ticks',
        timeframes: ['1m'],
        onBar: (b, ctx) => {
          events.push(`bar ${b.ts}`);
          expect(b.ts).toBeLessThanOrEqual(ctx.now);
        },
        onTrade: (t, ctx) => {
          const last = ctx.bars('MNQ', '1m').time(0);
          if (!Number.isNaN(last)) expect(last).toBeLessThanOrEqual(t.ts);
          if (t.ts > t0 + 60_000_000) expect(last).toBe(Math.floor((t.ts - 1) / 60_000_000) * 60_000_000);
          events.push(`trade ${t.ts}`);
        },
      },
      data: trades,
      instruments: [MNQ],
    });
    expect(r.bars).toBe(4); // 300 s of trades: 4 closed minutes, the fifth never closed
    const i = events.indexOf(`bar ${t0 + 60_000_000}`);
    expect(events[i - 1]).toBe(`trade ${t0 + 59_000_001}`);
    expect(events[i + 1]).toBe(`trade ${t0 + 60_000_001}`);
  });
});
