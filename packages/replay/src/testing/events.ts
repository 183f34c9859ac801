/** Deterministic sample events for tests and benchmarks (not exported from the package). */
import { type MarketEvent, Rng } from '@tradekit/types';

const T0 = 1_704_205_800_000_000; // 2024-01-02T14:30:00Z

/** `n` trades of one symbol, 0.25 tick grid, strictly increasing ts (step µs apart on average). */
export function sampleTrades(n: number, seed = 1, symbol = 'MNQ', start = T0, step = 1000): MarketEvent[] {
  const rng = new Rng(seed);
  const out: MarketEvent[] = [];
  let ticks = 80_000;
  let ts = start;
  for (let i = 0; i < n; i++) {
    ticks += rng.int(-2, 2);
    ts += rng.int(1, step * 2);
    const side = rng.int(0, 2);
    const e: MarketEvent = {
      type: 'trade',
      symbol,
      ts,
      price: ticks * 0.25,
      size: rng.int(1, 20),
      side: side === 0 ? 'buy' : side === 1 ? 'sell' : 'unknown',
    };
    if (i % 3 === 0) e.id = `t${i}`;
    out.push(e);
  }
  return out;
}

/** A mix of every event type, several symbols, time-ordered. */
export function sampleMixed(n: number, seed = 2): MarketEvent[] {
  const rng = new Rng(seed);
  const out: MarketEvent[] = [];
  let ts = T0;
  const symbols = ['MNQ', 'ES', 'BTC-USD'];
  for (let i = 0; i < n; i++) {
    ts += rng.int(0, 5000);
    const symbol = symbols[rng.int(0, 2)] as string;
    const px = 100 + rng.int(0, 400) * 0.25;
    switch (rng.int(0, 5)) {
      case 0:
        out.push({
          type: 'quote',
          symbol,
          ts,
          bid: px,
          bidSize: rng.int(1, 50),
          ask: px + 0.25,
          askSize: rng.int(1, 50),
        });
        break;
      case 1:
        out.push({ type: 'trade', symbol, ts, price: px, size: rng.int(1, 9) / 8, side: 'buy', id: `x,"${i}"` });
        break;
      case 2:
        out.push({
          type: 'bar',
          symbol,
          ts,
          start: ts - 60_000_000,
          timeframe: '1m',
          open: px,
          high: px + 1,
          low: px - 1,
          close: px + 0.5,
          volume: 12.5,
          trades: 3,
        });
        break;
      case 3:
        out.push({
          type: 'book_snapshot',
          symbol,
          ts,
          bids: [
            { price: px, size: 3 },
            { price: px - 0.25, size: 4 },
          ],
          asks: [{ price: px + 0.25, size: 1 }],
        });
        break;
      case 4:
        out.push({ type: 'book_delta', symbol, ts, bids: [{ price: px, size: 0 }], asks: [] });
        break;
      default:
        out.push({ type: 'status', symbol, ts, status: 'halt', reason: 'volatility, pause' });
    }
  }
  return out;
}
