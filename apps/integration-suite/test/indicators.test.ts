/**
 * Indicators computed from the client's live bars (built from the ticks it received over the
 * market hub) equal the backtest's on the same market: same bars, same SMA, EMA, RSI, ATR and
 * Bollinger values, bar for bar — the live path and the backtest agree.
 */
import { ATR, BollingerBands, EMA, RSI, SMA, defineStrategy, runBacktest } from '@tradekit/backtest';
import { createMarket } from '@tradekit/market-sim';
import type { Bar } from 'sample-client';
import { describe } from 'vitest';
import { test } from './support/fixtures.js';

interface Row {
  start: number;
  ohlcv: number[];
  values: number[];
}

/** The indicator set, fed one closed bar at a time. */
function indicators() {
  const sma = new SMA(5);
  const ema = new EMA(5);
  const rsi = new RSI(5);
  const atr = new ATR(5);
  const bb = new BollingerBands(5, 2);
  return (b: { open: number; high: number; low: number; close: number }) => {
    sma.update(b.close);
    ema.update(b.close);
    rsi.update(b.close);
    atr.update(b.high, b.low, b.close);
    bb.update(b.close);
    return [sma.value, ema.value, rsi.value, atr.value, bb.upper, bb.lower];
  };
}

describe('indicators', () => {
  // Depth is not needed here (and is most of the traffic).
  test.override({
    marketConfig: { symbols: ['MNQ'], preset: 'futures', duration: '12m' },
    suiteOptions: { depth: false },
  });

  test('from the live 1-minute bars equal the backtest on the same market, bar for bar', async ({
    venue,
    suite,
    step,
    marketConfig,
    resolvedSeed,
    expect,
  }) => {
    // Live: the venue plays the test market, the client builds 1-minute bars from its ticks.
    const live: Bar[] = [];
    suite.on('bar', (b) => live.push(b));
    for (let i = 0; i < 12; i++) await step('1m');
    const feed = indicators();
    const liveRows: Row[] = live.map((b) => ({
      start: b.time,
      ohlcv: [b.open, b.high, b.low, b.close, b.volume],
      values: feed(b),
    }));

    // Backtest: the same market (config and seed), bars from the same trades, the same indicators.
    const rows: Row[] = [];
    const feedBacktest = indicators();
    const strategy = defineStrategy({
      name: 'record',
      timeframes: ['1m'],
      onBar(bar) {
        rows.push({
          start: bar.start,
          ohlcv: [bar.open, bar.high, bar.low, bar.close, bar.volume],
          values: feedBacktest(bar),
        });
      },
    });
    await runBacktest({
      strategy,
      data: createMarket({ ...marketConfig, seed: resolvedSeed.value }),
      instruments: venue.contracts.map((c) => ({
        symbol: c.symbol,
        tickSize: c.instrument.tickSize,
        multiplier: c.instrument.multiplier,
      })),
    });

    // The 12th bar closes live (the venue's quote heartbeat at minute 12 moves time past it) but not
    // in the backtest (its data ends at minute 12); the 11 before are the comparison.
    const n = Math.min(liveRows.length, rows.length);
    expect(n).toBe(11);
    const [a, b] = [liveRows.slice(0, n), rows.slice(0, n)];
    expect(a.map((r) => r.start)).toEqual(b.map((r) => r.start));
    expect(a.map((r) => r.ohlcv)).toEqual(b.map((r) => r.ohlcv));
    expect(a.map((r) => r.values)).toEqual(b.map((r) => r.values));
    // Past warm-up every indicator has a value (NaN would compare equal and prove nothing).
    expect(a.slice(5).every((r) => r.values.every(Number.isFinite))).toBe(true);
  });
});
