/**
 * Latency models: constant or drawn from a seeded distribution, always in microseconds.
 */
import { type Rng, invalidValue, parseDuration } from '@tradekit/types';

/**
 * How long something takes to travel: a constant (µs number or a duration string like `"250us"`),
 * or a seeded distribution (values in µs, never below `min`, default 0).
 *
 * @example
 * const spec: LatencySpec = { distribution: 'normal', mean: 300, sd: 50, min: 100 };
 */
export type LatencySpec =
  | number
  | string
  | { distribution: 'constant'; value: number }
  | { distribution: 'uniform'; min: number; max: number }
  | { distribution: 'normal'; mean: number; sd: number; min?: number }
  | { distribution: 'exponential'; mean: number; min?: number }
  | { distribution: 'lognormal'; median: number; sigma: number; min?: number };

/** Draws latencies for one leg (order entry, acknowledgement or market data). */
export class LatencyModel {
  private readonly draw: () => number;
  /** True when every draw is 0 (the exchange then acts synchronously). */
  readonly isZero: boolean;

  constructor(field: string, spec: LatencySpec | undefined, rng: Rng) {
    const code = 'EXCHANGE_CONFIG_INVALID';
    const num = (name: string, v: unknown, min = 0): number => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
        throw invalidValue(code, `${field}.${name}`, `a finite number ≥ ${min} (µs)`, v);
      return v;
    };
    if (spec === undefined || typeof spec === 'number' || typeof spec === 'string') {
      let value: number;
      try {
        value = spec === undefined ? 0 : parseDuration(spec);
      } catch {
        throw invalidValue(code, field, 'a latency in µs ≥ 0, a duration like "250us", or { distribution, … }', spec);
      }
      this.isZero = value === 0;
      this.draw = () => value;
      return;
    }
    if (typeof spec !== 'object' || spec === null) {
      throw invalidValue(code, field, 'a latency in µs ≥ 0, a duration like "250us", or { distribution, … }', spec);
    }
    const floor = num('min', (spec as { min?: number }).min ?? 0);
    this.isZero = false;
    switch (spec.distribution) {
      case 'constant': {
        const v = num('value', spec.value);
        this.isZero = v === 0;
        this.draw = () => v;
        return;
      }
      case 'uniform': {
        const lo = num('min', spec.min);
        const hi = num('max', spec.max, lo);
        this.draw = () => rng.uniform(lo, hi);
        break;
      }
      case 'normal': {
        const mean = num('mean', spec.mean);
        const sd = num('sd', spec.sd);
        this.draw = () => rng.normal(mean, sd);
        break;
      }
      case 'exponential': {
        const mean = num('mean', spec.mean, Number.MIN_VALUE);
        this.draw = () => rng.exponential(1 / mean);
        break;
      }
      case 'lognormal': {
        const median = num('median', spec.median, Number.MIN_VALUE);
        const sigma = num('sigma', spec.sigma);
        const mu = Math.log(median);
        this.draw = () => rng.logNormal(mu, sigma);
        break;
      }
      default:
        throw invalidValue(
          code,
          `${field}.distribution`,
          '"constant", "uniform", "normal", "exponential" or "lognormal"',
          (spec as { distribution?: unknown }).distribution,
        );
    }
    const raw = this.draw;
    this.draw = () => {
      const v = Math.round(raw());
      return v < floor ? Math.ceil(floor) : v;
    };
  }

  /** The next latency, integer µs ≥ 0. */
  next(): number {
    return this.draw();
  }
}
