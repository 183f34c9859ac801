import { type MarketEvent, Rng } from '@tradekit/types';

/** MNQ on the venue: tick 0.25, $2 a point, the ProjectX contract id clients use. */
export const INSTRUMENT = { symbol: 'MNQ', tickSize: 0.25, multiplier: 2, contractId: 'CON.F.US.MNQ.U25' } as const;

/**
 * A seeded MNQ market for the load run: a quote every `quoteMs` (a random walk of one tick, deep
 * enough that every market order fills) and a trade print every fourth quote. Same seed, same
 * events; timestamps start at 0 (the venue shifts them onto wall time on its real clock).
 */
export function loadMarket(options: { seed: number; quoteMs: number; seconds: number }): MarketEvent[] {
  const rng = new Rng(options.seed).fork('load-market');
  const n = Math.ceil((options.seconds * 1000) / options.quoteMs);
  const out: MarketEvent[] = [];
  let ticks = 80_000; // 20,000.00
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    if (u < 0.3) ticks -= 1;
    else if (u > 0.7) ticks += 1;
    const ts = i * options.quoteMs * 1000;
    const bid = ticks * INSTRUMENT.tickSize;
    out.push({ type: 'quote', symbol: 'MNQ', ts, bid, bidSize: 500, ask: bid + INSTRUMENT.tickSize, askSize: 500 });
    if (i % 4 === 3) out.push({ type: 'trade', symbol: 'MNQ', ts, price: bid, size: 1 + (i % 3), side: 'sell' });
  }
  return out;
}
