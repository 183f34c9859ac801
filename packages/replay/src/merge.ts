/**
 * k-way merge of many sources into one stream ordered by time. Ties keep file order, then row
 * order: the heap key is (ts, source index), and a source only ever advances in its own order.
 */
import {
  type MarketEvent,
  type MarketEventType,
  type Micros,
  MARKET_EVENT_TYPES,
  TradeKitError,
  toMicros,
} from '@tradekit/types';
import { invalidOption } from './errors.js';
import { type EventSource, flatten } from './source.js';

/** Filters applied while merging. */
export interface EventFilter {
  /** Earliest time, inclusive: epoch µs, ISO string or Date. */
  from?: Micros | string | Date;
  /** End time, exclusive: epoch µs, ISO string or Date. */
  to?: Micros | string | Date;
  /** Keep only these symbols. */
  symbols?: readonly string[];
  /** Keep only these event types. */
  types?: readonly MarketEventType[];
}

/** Resolved filter. */
export interface ResolvedFilter {
  from: number;
  to: number;
  symbols: Set<string> | undefined;
  types: Set<string> | undefined;
}

function timeOption(field: string, v: Micros | string | Date | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) throw invalidOption(field, 'epoch µs, an ISO-8601 time or a Date', v);
    return v;
  }
  try {
    return toMicros(v);
  } catch {
    throw invalidOption(field, 'epoch µs, an ISO-8601 time or a Date', v);
  }
}

/** Validates an {@link EventFilter}. */
export function resolveFilter(f: EventFilter = {}): ResolvedFilter {
  const from = timeOption('from', f.from, Number.NEGATIVE_INFINITY);
  const to = timeOption('to', f.to, Number.POSITIVE_INFINITY);
  if (to < from) throw invalidOption('to', `a time after \`from\` (${from})`, f.to);
  if (f.symbols !== undefined && (!Array.isArray(f.symbols) || f.symbols.some((s) => typeof s !== 'string'))) {
    throw invalidOption('symbols', 'an array of symbol strings', f.symbols);
  }
  if (f.types !== undefined) {
    const bad = Array.isArray(f.types) ? f.types.find((t) => !MARKET_EVENT_TYPES.includes(t)) : f.types;
    if (!Array.isArray(f.types) || bad !== undefined) {
      throw invalidOption('types', `an array of ${MARKET_EVENT_TYPES.join(', ')}`, bad ?? f.types);
    }
  }
  return {
    from,
    to,
    symbols: f.symbols && f.symbols.length > 0 ? new Set(f.symbols) : undefined,
    types: f.types && f.types.length > 0 ? new Set(f.types) : undefined,
  };
}

interface Cursor {
  it: AsyncIterator<MarketEvent[]>;
  batch: MarketEvent[];
  i: number;
  ts: number;
  order: number;
}

function before(a: Cursor, b: Cursor): boolean {
  return a.ts < b.ts || (a.ts === b.ts && a.order < b.order);
}

function siftDown(heap: Cursor[], start: number): void {
  const n = heap.length;
  const c0 = heap[start] as Cursor;
  let i = start;
  while (true) {
    const l = 2 * i + 1;
    if (l >= n) break;
    let c = l;
    if (l + 1 < n && before(heap[l + 1] as Cursor, heap[l] as Cursor)) c = l + 1;
    if (!before(heap[c] as Cursor, c0)) break;
    heap[i] = heap[c] as Cursor;
    i = c;
  }
  heap[i] = c0;
}

async function fill(c: Cursor): Promise<boolean> {
  while (true) {
    const r = await c.it.next();
    if (r.done) return false;
    if (r.value.length > 0) {
      c.batch = r.value;
      c.i = 0;
      c.ts = (r.value[0] as MarketEvent).ts;
      return true;
    }
  }
}

const OUT_BATCH = 8192;

/**
 * Merges sources into batches of events in time order (ties: source order, then row order),
 * applying the filter. Reading starts at `filter.from` in every source (a seek where the format
 * allows it) and stops at `filter.to`.
 */
export async function* mergeBatches(
  sources: readonly EventSource[],
  filter: ResolvedFilter,
): AsyncGenerator<MarketEvent[]> {
  const { from, to, symbols, types } = filter;
  const iterators = sources.map((s) => s.batches(from));
  const keep = (e: MarketEvent) =>
    (symbols === undefined || symbols.has(e.symbol)) && (types === undefined || types.has(e.type));
  try {
    if (iterators.length === 1) {
      const it = iterators[0] as AsyncIterator<MarketEvent[]>;
      while (true) {
        const r = await it.next();
        if (r.done) return;
        const batch = r.value;
        let out: MarketEvent[] = batch;
        const last = batch[batch.length - 1];
        if (symbols !== undefined || types !== undefined || (last !== undefined && last.ts >= to)) {
          out = [];
          for (const e of batch) {
            if (e.ts >= to) {
              if (out.length > 0) yield out;
              return;
            }
            if (keep(e)) out.push(e);
          }
        }
        if (out.length > 0) yield out;
      }
    }
    const heap: Cursor[] = [];
    const cursors = iterators.map((it, order) => ({ it, batch: [] as MarketEvent[], i: 0, ts: 0, order }));
    const filled = await Promise.all(cursors.map(fill));
    cursors.forEach((c, k) => {
      if (filled[k]) heap.push(c);
    });
    for (let k = (heap.length >> 1) - 1; k >= 0; k--) siftDown(heap, k);
    let out: MarketEvent[] = [];
    while (heap.length > 0) {
      const top = heap[0] as Cursor;
      const e = top.batch[top.i++] as MarketEvent;
      if (e.ts >= to) break;
      if (keep(e)) {
        out.push(e);
        if (out.length >= OUT_BATCH) {
          yield out;
          out = [];
        }
      }
      if (top.i < top.batch.length) {
        top.ts = (top.batch[top.i] as MarketEvent).ts;
        // Only sift when another source is due first: a run from one source stays O(1) per event.
        if (heap.length > 1) siftDown(heap, 0);
        continue;
      }
      if (out.length > 0) {
        // Hand on what is ready before waiting for I/O.
        yield out;
        out = [];
      }
      if (await fill(top)) siftDown(heap, 0);
      else {
        const last = heap.pop() as Cursor;
        if (heap.length > 0) {
          heap[0] = last;
          siftDown(heap, 0);
        }
      }
    }
    if (out.length > 0) yield out;
  } finally {
    await Promise.all(iterators.map((it) => it.return?.(undefined)));
  }
}

/**
 * Merges sources into one time-ordered stream of events (ties: source order, then row order).
 *
 * @example
 * for await (const e of merge([openSource('a.csv'), openSource('b.jsonl')], { symbols: ['MNQ'] })) handle(e);
 */
export function merge(
  sources: readonly EventSource[],
  filter: EventFilter = {},
): AsyncIterable<MarketEvent> & {
  batches(): AsyncIterable<MarketEvent[]>;
} {
  if (!Array.isArray(sources) || sources.length === 0) {
    throw new TradeKitError(
      'REPLAY_NO_SOURCES',
      'Expected `sources` to be a non-empty array of sources, got none. Pass at least one file or source.',
    );
  }
  const f = resolveFilter(filter);
  return {
    batches: () => mergeBatches(sources, f),
    [Symbol.asyncIterator]: () => flatten(mergeBatches(sources, f)),
  };
}
