/** Time buckets of bars, UTC-aligned as the gateway's `History/retrieveBars` aligns them. */

/** A bar timeframe: `size` units per bar. */
export interface Timeframe {
  unit: 'second' | 'minute' | 'hour';
  size: number;
}

const UNIT_US = { second: 1_000_000, minute: 60_000_000, hour: 3_600_000_000 } as const;

/** Bar length in microseconds. */
export function barLength(tf: Timeframe): number {
  const unit = UNIT_US[tf.unit];
  if (unit === undefined || !Number.isInteger(tf.size) || tf.size < 1)
    throw new RangeError(
      `Expected a timeframe like { unit: 'minute', size: 1 } (unit second, minute or hour; size a whole number ≥ 1), got ${JSON.stringify(tf)}.`,
    );
  return unit * tf.size;
}

/** Start of the bucket that holds `t` (epoch µs). */
export function bucketStart(t: number, length: number): number {
  return Math.floor(t / length) * length;
}

/** One OHLCV bar; `time` is its start (epoch µs). */
export interface Bar {
  /** Bar start, epoch µs. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** `live`: built from this client's ticks; `history`: fetched from the gateway (after a gap). */
  source: 'live' | 'history';
}

/** Folds ticks into the bar of their bucket. */
export class BarBuilder {
  private forming: Bar | undefined;

  constructor(readonly length: number) {}

  /** The bar still forming, if any. */
  get current(): Bar | undefined {
    return this.forming;
  }

  /**
   * Adds a print at time `t`. Returns the bar it closed (the previous bucket's), if the print starts
   * a new bucket.
   */
  add(t: number, price: number, size: number): Bar | undefined {
    const start = bucketStart(t, this.length);
    const f = this.forming;
    if (f !== undefined && f.time === start) {
      if (price > f.high) f.high = price;
      if (price < f.low) f.low = price;
      f.close = price;
      f.volume += size;
      return undefined;
    }
    const closed = f !== undefined && start > f.time ? f : undefined;
    if (f !== undefined && start < f.time) return undefined; // late print: keep bars monotonic
    this.forming = { time: start, open: price, high: price, low: price, close: price, volume: size, source: 'live' };
    return closed;
  }

  /** Closes and returns the forming bar if time `t` is past its end. */
  closeIfDue(t: number): Bar | undefined {
    const f = this.forming;
    if (f === undefined || t < f.time + this.length) return undefined;
    this.forming = undefined;
    return f;
  }

  /** Forgets the forming bar (it may be missing prints; history replaces it). */
  discard(): void {
    this.forming = undefined;
  }
}
