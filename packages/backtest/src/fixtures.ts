/** Seeded synthetic bars for examples, tests and the bench. */
import { type BarEvent, Rng } from '@tradekit/types';

/** Options of {@link randomWalkBars}. */
export interface RandomWalkOptions {
  /** @default 'MNQ' */
  symbol?: string;
  /** Number of bars. */
  count: number;
  /** Seed. @default 1 */
  seed?: number;
  /** Bar length in µs. @default 60_000_000 (1 minute) */
  barMicros?: number;
  /** Close time of the first bar is `start + barMicros`. @default 2024-01-02T00:00Z */
  start?: number;
  /** Price grid. @default 0.25 */
  tickSize?: number;
  /** First price. @default 20000 */
  price?: number;
  /** Timeframe label. @default '1m' */
  timeframe?: string;
}

/**
 * A seeded random walk of OHLCV bars on a tick grid, stamped at their close (same seed → same bars).
 *
 * @example
 * const bars = randomWalkBars({ count: 1000, seed: 7 });
 */
export function randomWalkBars(options: RandomWalkOptions): BarEvent[] {
  const {
    symbol = 'MNQ',
    count,
    seed = 1,
    barMicros = 60_000_000,
    start = 1_704_153_600_000_000,
    tickSize = 0.25,
    price = 20_000,
    timeframe = '1m',
  } = options;
  const rng = new Rng(seed);
  const out: BarEvent[] = new Array(count);
  let ticks = Math.round(price / tickSize);
  for (let i = 0; i < count; i++) {
    const open = ticks;
    let hi = open;
    let lo = open;
    // Four sub-steps per bar give a range around the path.
    for (let k = 0; k < 4; k++) {
      ticks += Math.round(rng.normal() * 3);
      if (ticks < 1) ticks = 1;
      if (ticks > hi) hi = ticks;
      if (ticks < lo) lo = ticks;
    }
    const s = start + i * barMicros;
    out[i] = {
      type: 'bar',
      symbol,
      ts: s + barMicros,
      start: s,
      timeframe,
      open: open * tickSize,
      high: hi * tickSize,
      low: lo * tickSize,
      close: ticks * tickSize,
      volume: 100 + Math.floor(rng.next() * 900),
    };
  }
  return out;
}
