/**
 * Bars from trades (and from smaller bars), shared by every package that aggregates: market-sim
 * on the fly, replay over recorded data, backtest for multi-timeframe strategies.
 */
import type { BarEvent, MarketEvent } from './events.js';
import { type Timeframe, parseTimeframe } from './timeframe.js';

interface Bucket {
  symbol: string;
  start: number;
  end: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
  count: number;
}

/**
 * Builds bars of one timeframe from trades (and, for time bars, from smaller time bars), one
 * bucket per symbol. Push events in time order; closed bars come back in arrays.
 *
 * @example
 * const agg = new BarAggregator('1m');
 * for (const e of events) for (const bar of agg.push(e)) console.log(bar);
 * for (const bar of agg.flush()) console.log(bar); // the last, partial bars
 */
export class BarAggregator {
  /** The parsed timeframe. */
  readonly timeframe: Timeframe;
  private readonly buckets = new Map<string, Bucket>();
  private nextClose = Number.POSITIVE_INFINITY;

  /** Throws `TIMEFRAME_INVALID` for a timeframe that is not like `"1m"`, `"500t"` or `"1000v"`. */
  constructor(timeframe: string) {
    this.timeframe = parseTimeframe(timeframe);
  }

  /** Closes every time bar whose end is at or before `ts` (the stream has reached `ts`). */
  advanceTo(ts: number, out: BarEvent[] = []): BarEvent[] {
    if (this.timeframe.kind !== 'time' || ts < this.nextClose) return out;
    let next = Number.POSITIVE_INFINITY;
    for (const [sym, b] of this.buckets) {
      if (b.end <= ts) {
        out.push(this.bar(b, b.end));
        this.buckets.delete(sym);
      } else if (b.end < next) next = b.end;
    }
    this.nextClose = next;
    return out;
  }

  /** Adds one event; returns the bars it closed (trades and bars count, other events only move time). */
  push(e: MarketEvent, out: BarEvent[] = []): BarEvent[] {
    const tf = this.timeframe;
    // A smaller bar stamped at T still belongs to the bucket that ends at T: only its start moves time.
    if (tf.kind === 'time') this.advanceTo(e.type === 'bar' ? e.start : e.ts, out);
    let price: number;
    let high: number;
    let low: number;
    let open: number;
    let volume: number;
    let trades: number;
    let start: number;
    if (e.type === 'trade') {
      price = high = low = open = e.price;
      volume = e.size;
      trades = 1;
      start = e.ts;
    } else if (e.type === 'bar' && tf.kind === 'time') {
      const src = parseTimeframe(e.timeframe);
      if (src.kind !== 'time' || src.micros > tf.micros || tf.micros % src.micros !== 0) return out;
      open = e.open;
      high = e.high;
      low = e.low;
      price = e.close;
      volume = e.volume;
      trades = e.trades ?? 0;
      start = e.start;
    } else return out;
    let b = this.buckets.get(e.symbol);
    if (tf.kind === 'time') {
      const bStart = Math.floor(start / tf.micros) * tf.micros;
      if (b && b.start !== bStart) {
        // A bucket left open only when time ran backwards; close it rather than mix bars.
        out.push(this.bar(b, b.end));
        b = undefined;
      }
      if (!b) {
        b = {
          symbol: e.symbol,
          start: bStart,
          end: bStart + tf.micros,
          open,
          high,
          low,
          close: price,
          volume: 0,
          trades: 0,
          count: 0,
        };
        this.buckets.set(e.symbol, b);
        if (b.end < this.nextClose) this.nextClose = b.end;
      }
    } else if (!b) {
      b = { symbol: e.symbol, start: e.ts, end: e.ts, open, high, low, close: price, volume: 0, trades: 0, count: 0 };
      this.buckets.set(e.symbol, b);
    }
    if (high > b.high) b.high = high;
    if (low < b.low) b.low = low;
    b.close = price;
    b.volume += volume;
    b.trades += trades;
    b.count++;
    b.end = tf.kind === 'time' ? b.end : e.ts;
    if (
      (tf.kind === 'tick' && b.count >= tf.count) ||
      (tf.kind === 'volume' && b.volume >= tf.volume) ||
      (tf.kind === 'time' && e.type === 'bar' && e.ts >= b.end)
    ) {
      out.push(this.bar(b, tf.kind === 'time' ? b.end : e.ts));
      this.buckets.delete(e.symbol);
    }
    return out;
  }

  /** Hands out the bars still open (at the end of the data), stamped at their nominal close. */
  flush(out: BarEvent[] = []): BarEvent[] {
    for (const b of this.buckets.values()) out.push(this.bar(b, b.end));
    this.buckets.clear();
    this.nextClose = Number.POSITIVE_INFINITY;
    return out;
  }

  private bar(b: Bucket, ts: number): BarEvent {
    return {
      type: 'bar',
      symbol: b.symbol,
      ts,
      start: b.start,
      timeframe: this.timeframe.text,
      open: b.open,
      high: b.high,
      low: b.low,
      close: b.close,
      // Summing fractional sizes leaves float noise (0.30000000000000004): keep 15 digits.
      volume: Number.isInteger(b.volume) ? b.volume : Number(b.volume.toPrecision(15)),
      trades: b.trades,
    };
  }
}
