import type { MarketEvent } from '@tradekit/types';

export const T0 = Date.UTC(2026, 0, 5) * 1000;
export const BTCUSDT = { symbol: 'BTCUSDT', tickSize: 0.1, lotSize: 0.001, currency: 'USDT' };

/** 60 s of a market that swings ±20 around 60000: a quote at each 100 ms and a trade 1 µs later. */
export function swingingMarket(): MarketEvent[] {
  const out: MarketEvent[] = [];
  for (let i = 0; i < 600; i++) {
    const mid = Math.round((60000 + 20 * Math.sin(i / 25) + 3 * Math.sin(i * 1.7)) * 10) / 10;
    const ask = Math.round((mid + 0.1) * 10) / 10;
    const ts = T0 + i * 100_000;
    out.push({ type: 'quote', symbol: 'BTCUSDT', ts, bid: mid, bidSize: 2, ask, askSize: 2 });
    out.push({
      type: 'trade',
      symbol: 'BTCUSDT',
      ts: ts + 1,
      price: i % 2 ? mid : ask,
      size: 0.05,
      side: i % 2 ? 'sell' : 'buy',
    });
  }
  return out;
}

/** Polls `cond` until true; fails with `what` after `ms`. */
export async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
