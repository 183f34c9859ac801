import { describe, expect, it } from 'vitest';
import { BarAggregator } from './bars.js';
import type { BarEvent, MarketEvent } from './events.js';

const trade = (ts: number, price: number, size = 1, symbol = 'S'): MarketEvent => ({
  type: 'trade',
  symbol,
  ts,
  price,
  size,
  side: 'buy',
});

function run(tf: string, events: MarketEvent[]): BarEvent[] {
  const agg = new BarAggregator(tf);
  const out: BarEvent[] = [];
  for (const e of events) agg.push(e, out);
  return out;
}

describe('BarAggregator', () => {
  it('builds time bars stamped at close, only once the stream passes the close', () => {
    const events = [
      trade(100, 10),
      trade(500_000, 12),
      trade(900_000, 9),
      trade(1_000_000, 11),
      trade(2_500_000, 11.5),
    ];
    const bars = run('1s', events);
    expect(bars).toEqual([
      {
        type: 'bar',
        symbol: 'S',
        ts: 1_000_000,
        start: 0,
        timeframe: '1s',
        open: 10,
        high: 12,
        low: 9,
        close: 9,
        volume: 3,
        trades: 3,
      },
      {
        type: 'bar',
        symbol: 'S',
        ts: 2_000_000,
        start: 1_000_000,
        timeframe: '1s',
        open: 11,
        high: 11,
        low: 11,
        close: 11,
        volume: 1,
        trades: 1,
      },
    ]);
  });

  it('closes a bar on any later event of the stream, also a quote or another symbol', () => {
    const agg = new BarAggregator('1s');
    expect(agg.push(trade(10, 5))).toEqual([]);
    const closed = agg.push({ type: 'quote', symbol: 'X', ts: 1_000_000, bid: 1, bidSize: 1, ask: 2, askSize: 1 });
    expect(closed.map((b) => [b.symbol, b.ts])).toEqual([['S', 1_000_000]]);
  });

  it('builds tick and volume bars, and flushes partial bars at the end', () => {
    const events = [trade(1, 1), trade(2, 3), trade(3, 2), trade(4, 4, 5), trade(5, 5, 1)];
    expect(run('2t', events).map((b) => [b.ts, b.open, b.close, b.trades])).toEqual([
      [2, 1, 3, 2],
      [4, 2, 4, 2],
    ]);
    expect(run('6v', events).map((b) => [b.ts, b.volume])).toEqual([[4, 8]]);
    const agg = new BarAggregator('1m');
    agg.push(trade(1, 7));
    expect(agg.flush().map((b) => [b.ts, b.close])).toEqual([[60_000_000, 7]]);
  });

  it('resamples smaller time bars into larger ones with the same result as from trades', () => {
    const trades: MarketEvent[] = [];
    for (let i = 0; i < 600; i++) trades.push(trade(i * 37_000, 100 + Math.sin(i) * 3, 1 + (i % 4) * 0.1));
    const ones = new BarAggregator('1s');
    const small: BarEvent[] = [];
    for (const t of trades) ones.push(t, small);
    ones.flush(small);
    const fromBars = run('5s', small);
    const fromTrades = run('5s', [...trades, trade(1e9, 1)]);
    expect(fromBars.slice(0, 3)).toEqual(fromTrades.slice(0, 3));
  });

  it('keeps float noise out of volumes and rejects bad timeframes with TIMEFRAME_INVALID', () => {
    const agg = new BarAggregator('10t');
    agg.push(trade(1, 1, 0.1));
    agg.push(trade(2, 1, 0.2));
    expect(agg.flush()[0]?.volume).toBe(0.3);
    expect(() => new BarAggregator('soon')).toThrow(expect.objectContaining({ code: 'TIMEFRAME_INVALID' }));
  });
});
