/**
 * Aggregation: trades (and smaller bars) into time, tick and volume bars stamped at their close,
 * and book deltas into snapshots at an interval. A bar is only handed out once the stream has
 * passed its close, so no consumer ever sees a bar before it is complete.
 */
import {
  BarAggregator,
  type BarEvent,
  type BookLevel,
  type BookSnapshotEvent,
  type MarketEvent,
  type MarketEventSource,
  parseDuration,
} from '@tradekit/types';
import { invalidOption } from './errors.js';

/** Re-exported from `@tradekit/types`, where every package shares it. */
export { BarAggregator };

/** Options of {@link aggregateBars}. */
export interface AggregateBarsOptions {
  /** One timeframe or several (multi-timeframe resampling), e.g. `['1m', '5m', '1h']` or `'500t'`. */
  timeframes: string | readonly string[];
  /** Also pass the input events through, interleaved in time order with the bars. @default false */
  passthrough?: boolean;
  /**
   * At the end of the data, hand out the bars still open (stamped at their nominal close).
   * Off by default so that no bar is ever exposed before its close.
   * @default false
   */
  partial?: boolean;
}

async function* iterate(source: MarketEventSource): AsyncGenerator<MarketEvent> {
  if (Symbol.asyncIterator in (source as object)) yield* source as AsyncIterable<MarketEvent>;
  else yield* source as Iterable<MarketEvent>;
}

function byCloseThenLength(lengths: Map<string, number>) {
  return (a: BarEvent, b: BarEvent) => a.ts - b.ts || (lengths.get(a.timeframe) ?? 0) - (lengths.get(b.timeframe) ?? 0);
}

/**
 * Turns a time-ordered stream into bars of one or more timeframes. Every timeframe is built from
 * the trades themselves; bars closing at the same time come shortest timeframe first, and a bar
 * comes out only once an event at or after its close arrived (or at the end with `partial`).
 *
 * @example
 * for await (const bar of aggregateBars(replay('trades.csv'), { timeframes: ['1m', '5m'] })) console.log(bar);
 */
export async function* aggregateBars(
  source: MarketEventSource,
  options: AggregateBarsOptions,
): AsyncGenerator<MarketEvent> {
  const list = typeof options?.timeframes === 'string' ? [options.timeframes] : options?.timeframes;
  if (!Array.isArray(list) || list.length === 0)
    throw invalidOption('timeframes', 'a timeframe or a non-empty array of them', options?.timeframes);
  const aggs = list.map((t) => new BarAggregator(t));
  const lengths = new Map(aggs.map((a) => [a.timeframe.text, a.timeframe.kind === 'time' ? a.timeframe.micros : 0]));
  const order = byCloseThenLength(lengths);
  const out: BarEvent[] = [];
  for await (const e of iterate(source)) {
    // Time bars closed by this event's arrival come before it; tick/volume bars after it.
    const now = e.type === 'bar' ? e.start : e.ts;
    for (const a of aggs) if (a.timeframe.kind === 'time') a.advanceTo(now, out);
    if (out.length > 0) {
      out.sort(order);
      yield* out;
      out.length = 0;
    }
    if (options.passthrough) yield e;
    for (const a of aggs) a.push(e, out);
    if (out.length > 0) {
      out.sort(order);
      yield* out;
      out.length = 0;
    }
  }
  if (options.partial) {
    for (const a of aggs) a.flush(out);
    out.sort(order);
    yield* out;
  }
}

/** Options of {@link bookSnapshots}. */
export interface BookSnapshotOptions {
  /** Snapshot interval, µs or a duration like `"1s"`. */
  interval: number | string;
  /** Keep at most this many levels per side. @default all */
  depth?: number;
  /** Also pass the input events through, in time order. @default false */
  passthrough?: boolean;
}

/** At most this many snapshots per symbol are handed out over one gap in the data. */
const MAX_CATCH_UP = 10_000;

interface Book {
  bids: Map<number, number>;
  asks: Map<number, number>;
}

function levels(side: Map<number, number>, desc: boolean, depth: number): BookLevel[] {
  const prices = [...side.keys()].sort((a, b) => (desc ? b - a : a - b));
  const out: BookLevel[] = [];
  for (const p of prices) {
    if (out.length >= depth) break;
    out.push({ price: p, size: side.get(p) as number });
  }
  return out;
}

/**
 * Rebuilds L2 books from snapshots and deltas and hands out a `book_snapshot` per symbol at every
 * interval boundary the stream passes (aligned to the epoch). A snapshot at time T holds every
 * update with `ts < T`, and comes out only once an event at or after T arrived.
 *
 * @example
 * for await (const snap of bookSnapshots(replay('book.csv'), { interval: '1s', depth: 10 })) console.log(snap);
 */
export async function* bookSnapshots(
  source: MarketEventSource,
  options: BookSnapshotOptions,
): AsyncGenerator<MarketEvent> {
  let interval: number;
  try {
    interval = parseDuration(options?.interval);
  } catch {
    throw invalidOption('interval', 'a duration > 0 in µs or a string like "1s"', options?.interval);
  }
  if (!(interval > 0)) throw invalidOption('interval', 'a duration > 0 in µs or a string like "1s"', options.interval);
  const depth = options.depth ?? Number.POSITIVE_INFINITY;
  if (!(depth > 0)) throw invalidOption('depth', 'a number of levels ≥ 1', options.depth);
  const books = new Map<string, Book>();
  let next: number | undefined;
  const snapshotsAt = (t: number): BookSnapshotEvent[] => {
    const out: BookSnapshotEvent[] = [];
    for (const [symbol, b] of books) {
      out.push({
        type: 'book_snapshot',
        symbol,
        ts: t,
        bids: levels(b.bids, true, depth),
        asks: levels(b.asks, false, depth),
      });
    }
    return out;
  };
  for await (const e of iterate(source)) {
    if (next !== undefined && e.ts >= next) {
      // Only the last boundary passed matters when the book did not change in between.
      const boundary = Math.floor(e.ts / interval) * interval;
      let t = next;
      // A long gap would emit a snapshot per interval; keep the output bounded.
      if ((boundary - t) / interval > MAX_CATCH_UP) t = boundary - MAX_CATCH_UP * interval;
      for (; t <= boundary; t += interval) yield* snapshotsAt(t);
      next = boundary + interval;
    }
    if (options.passthrough) yield e;
    if (e.type !== 'book_snapshot' && e.type !== 'book_delta') continue;
    if (next === undefined) next = (Math.floor(e.ts / interval) + 1) * interval;
    let b = books.get(e.symbol);
    if (!b || e.type === 'book_snapshot') {
      b = { bids: new Map(), asks: new Map() };
      books.set(e.symbol, b);
    }
    for (const l of e.bids) {
      if (l.size === 0) b.bids.delete(l.price);
      else b.bids.set(l.price, l.size);
    }
    for (const l of e.asks) {
      if (l.size === 0) b.asks.delete(l.price);
      else b.asks.set(l.price, l.size);
    }
  }
}
