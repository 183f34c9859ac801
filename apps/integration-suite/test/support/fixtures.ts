/**
 * The suite's fixtures: test-fixtures' `venue` (a real venue on loopback, virtual clock) plus a
 * `suite` (the sample client connected to it, disconnected after the test) and `step` (advance the
 * venue, then wait until the client has handled everything the venue pushed).
 */
import { test as base } from '@tradekit/test-fixtures';
import type { MarketEvent } from '@tradekit/types';
import { TradingSuite, type TradingSuiteOptions } from 'sample-client';

/** Fast reconnects for loopback (wall time; the simulation never waits on them). */
export const FAST_RECONNECT = { initialDelayMs: 5, maxDelayMs: 100, factor: 2, jitter: 0 };

export interface SuiteFixtures {
  /** Extra options of the `suite` fixture. @default {} */
  suiteOptions: Partial<TradingSuiteOptions>;
  /** The sample client's `TradingSuite` for MNQ on the test's venue. */
  suite: TradingSuite;
  /** Advances the venue by `duration` and waits until the client has handled what it pushed. */
  step: (duration: string | number) => Promise<void>;
}

export const test = base.extend<SuiteFixtures>({
  suiteOptions: {},
  suite: async ({ venue, suiteOptions }, use) => {
    const suite = await TradingSuite.create('MNQ', {
      ...venue.connection,
      reconnect: FAST_RECONNECT,
      waitMs: 10_000,
      ...suiteOptions,
    });
    try {
      await use(suite);
    } finally {
      await suite.disconnect();
    }
  },
  step: async ({ venue, suite }, use) => {
    await use(async (duration) => {
      await venue.advance(duration);
      await suite.flush();
    });
  },
});

export const T0 = Date.UTC(2025, 0, 2, 14, 30) * 1000;
export const S = 1_000_000;
export const CONTRACT = 'CON.F.US.MNQ.U25';
/** MNQ as the venue lists it. */
export const MNQ = { symbol: 'MNQ', tickSize: 0.25, multiplier: 2, contractId: CONTRACT };

/**
 * A scripted MNQ tape: second i has a quote (bid `price(i)`, ask one tick above, `size` each side)
 * and one trade at the bid (`i` µs after the quote, so trade times are unique).
 */
export function tape(seconds: number, price: (i: number) => number, size = 10): MarketEvent[] {
  const out: MarketEvent[] = [];
  for (let i = 0; i < seconds; i++) {
    const bid = price(i);
    out.push({ type: 'quote', symbol: 'MNQ', ts: T0 + i * S, bid, bidSize: size, ask: bid + 0.25, askSize: size });
    out.push({ type: 'trade', symbol: 'MNQ', ts: T0 + i * S + 1, price: bid, size: 1, side: 'sell' });
  }
  return out;
}

/** Venue options with a scripted tape (and nothing else changed). */
export function scripted(events: MarketEvent[], extra: Record<string, unknown> = {}) {
  return { venueOptions: { instruments: [MNQ], source: events, ...extra } };
}
