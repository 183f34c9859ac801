/** A deterministic L2 market for the Binance profile's tests and load bench (no vitest imports). */
import { type MarketEvent, Rng } from '@tradekit/types';

/** 2026-01-05 00:00 UTC, µs. */
export const T0 = Date.UTC(2026, 0, 5) * 1000;

/**
 * A market of `seconds` seconds for each symbol: a 20-level book at T0, then every 50 ms a diff of
 * one to three levels (some removed), and every 250 ms a trade at the touch.
 */
export function l2Market(
  symbols: Array<{ symbol: string; mid: number }>,
  seconds: number,
  seed = 7,
  stepUs = 50_000,
): MarketEvent[] {
  const out: MarketEvent[] = [];
  for (const { symbol, mid } of symbols) {
    const rng = new Rng(seed).fork(symbol);
    const tick = 0.1;
    const bids = new Map<number, number>();
    const asks = new Map<number, number>();
    const px = (i: number) => Math.round(i) / 10;
    const base = Math.round(mid * 10);
    const size = () => Number(((1 + rng.int(0, 2000)) * 0.001).toFixed(3));
    for (let i = 1; i <= 20; i++) {
      bids.set(base - i, size());
      asks.set(base + i, size());
    }
    const level = (m: Map<number, number>) => [...m.entries()].map(([k, v]) => ({ price: px(k), size: v }));
    out.push({
      type: 'book_snapshot',
      symbol,
      ts: T0,
      bids: level(bids).sort((a, b) => b.price - a.price),
      asks: level(asks).sort((a, b) => a.price - b.price),
    });
    for (let step = 1; step < (seconds * 1e6) / stepUs; step++) {
      const ts = T0 + step * stepUs;
      const dBids: Array<{ price: number; size: number }> = [];
      const dAsks: Array<{ price: number; size: number }> = [];
      const n = rng.int(1, 3);
      for (let k = 0; k < n; k++) {
        const bid = rng.next() < 0.5;
        const side = bid ? bids : asks;
        const best = bid ? Math.max(...bids.keys()) : Math.min(...asks.keys());
        const off = rng.int(0, 25);
        const key = bid ? best - off : best + off;
        const other = bid ? Math.min(...asks.keys()) : Math.max(...bids.keys());
        if (bid ? key >= other : key <= other) continue;
        const remove = side.has(key) && side.size > 5 && rng.next() < 0.25;
        const s = remove ? 0 : size();
        if (s === 0) side.delete(key);
        else side.set(key, s);
        (bid ? dBids : dAsks).push({ price: px(key), size: s });
      }
      if (dBids.length + dAsks.length > 0) out.push({ type: 'book_delta', symbol, ts, bids: dBids, asks: dAsks });
      if (step % 5 === 0) {
        const buy = rng.next() < 0.5;
        const p = buy ? px(Math.min(...asks.keys())) : px(Math.max(...bids.keys()));
        out.push({ type: 'trade', symbol, ts: ts + 1, price: p, size: 0.01, side: buy ? 'buy' : 'sell' });
      }
      void tick;
    }
  }
  return out.sort((a, b) => a.ts - b.ts);
}
