/** A venue with a scripted MNQ tape and a suite connected to it. */
import type { MarketEvent } from '@tradekit/types';
import { type Venue, type VenueOptions, createVenue } from '@tradekit/venue';
import { TradingSuite, type TradingSuiteOptions } from '../src/index.js';

export const T0 = Date.UTC(2025, 0, 2, 14, 30) * 1000;
export const S = 1_000_000;
export const CONTRACT = 'CON.F.US.MNQ.U25';
export const MNQ = { symbol: 'MNQ', tickSize: 0.25, multiplier: 2, contractId: CONTRACT };

/** One quote and one trade per second: `price(i)` is the bid of second i, the ask one tick above. */
export function tape(seconds: number, price: (i: number) => number): MarketEvent[] {
  const out: MarketEvent[] = [];
  for (let i = 0; i < seconds; i++) {
    const bid = price(i);
    out.push({ type: 'quote', symbol: 'MNQ', ts: T0 + i * S, bid, bidSize: 10, ask: bid + 0.25, askSize: 10 });
    out.push({ type: 'trade', symbol: 'MNQ', ts: T0 + i * S + 1, price: bid, size: 1, side: 'sell' });
  }
  return out;
}

/** Starts a venue and a suite on it; `close()` ends both. */
export async function start(
  venueOptions: Partial<VenueOptions> = {},
  suiteOptions: Partial<TradingSuiteOptions> = {},
): Promise<{ venue: Venue; suite: TradingSuite; close: () => Promise<void> }> {
  const venue = await createVenue({ instruments: [MNQ], source: tape(120, () => 20000), ...venueOptions });
  let suite: TradingSuite;
  try {
    suite = await TradingSuite.create('MNQ', {
      baseUrl: venue.url,
      userHubUrl: venue.userHubUrl,
      marketHubUrl: venue.marketHubUrl,
      credentials: { userName: 'trader', apiKey: 'sim-key' },
      reconnect: { initialDelayMs: 5, maxDelayMs: 50, jitter: 0 },
      waitMs: 5000,
      ...suiteOptions,
    });
  } catch (err) {
    await venue.close();
    throw err;
  }
  return {
    venue,
    suite,
    close: async () => {
      await suite.disconnect();
      await venue.close();
    },
  };
}
