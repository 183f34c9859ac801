/**
 * Canonical data files, shared by market-sim (writes), replay (reads and writes) and the
 * ws-tester recorder (writes). See `docs/DATA-FORMATS.md` for the full description.
 *
 * JSONL: one market event per line, keys in canonical order, `ts` in integer epoch µs, book
 * levels as `[price, size]` pairs. Any mix of event types and symbols in one file.
 *
 * CSV: one kind per file, with a header row naming the columns below; `ts` in integer epoch µs.
 * Book files hold one row per level; consecutive rows with the same `ts`, `symbol` and `kind`
 * form one snapshot or delta event.
 */
import { TradeKitError, describeValue } from './errors.js';
import type { BookLevel, MarketEvent } from './events.js';

/** The kinds of canonical CSV file. */
export type CsvKind = 'quote' | 'trade' | 'bar' | 'book' | 'status';

/** Columns of each canonical CSV kind, in order. */
export const CSV_COLUMNS: Readonly<Record<CsvKind, readonly string[]>> = Object.freeze({
  quote: Object.freeze(['ts', 'symbol', 'bid', 'bid_size', 'ask', 'ask_size']),
  trade: Object.freeze(['ts', 'symbol', 'price', 'size', 'side', 'id']),
  bar: Object.freeze(['ts', 'symbol', 'timeframe', 'start', 'open', 'high', 'low', 'close', 'volume', 'trades']),
  book: Object.freeze(['ts', 'symbol', 'kind', 'side', 'price', 'size']),
  status: Object.freeze(['ts', 'symbol', 'status', 'reason']),
});

/** The CSV kind an event is written to. */
export function csvKindOf(type: MarketEvent['type']): CsvKind {
  return type === 'book_snapshot' || type === 'book_delta' ? 'book' : type;
}

/** The header line of a canonical CSV kind (no newline). */
export function csvHeader(kind: CsvKind): string {
  return CSV_COLUMNS[kind].join(',');
}

/** Finds the CSV kind whose canonical columns equal `header` (order-insensitive), or `undefined`. */
export function detectCsvKind(header: readonly string[]): CsvKind | undefined {
  const set = new Set(header.map((h) => h.trim().toLowerCase()));
  // The kind whose required columns are all present; the most specific one wins (book ⊃ trade).
  let best: CsvKind | undefined;
  let bestCount = 0;
  for (const kind of Object.keys(CSV_COLUMNS) as CsvKind[]) {
    const required = CSV_COLUMNS[kind].filter((c) => c !== 'id' && c !== 'trades' && c !== 'reason');
    if (required.every((c) => set.has(c)) && required.length > bestCount) {
      best = kind;
      bestCount = required.length;
    }
  }
  if (best) return best;
  return undefined;
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function num(n: number): string {
  return Object.is(n, -0) ? '0' : String(n);
}

/**
 * The canonical CSV line(s) of one event, without newlines. Book events give one line per level
 * (an empty snapshot gives one line with empty side, price and size).
 */
export function eventToCsvRows(event: MarketEvent): string[] {
  const sym = csvField(event.symbol);
  switch (event.type) {
    case 'quote':
      return [`${event.ts},${sym},${num(event.bid)},${num(event.bidSize)},${num(event.ask)},${num(event.askSize)}`];
    case 'trade':
      return [`${event.ts},${sym},${num(event.price)},${num(event.size)},${event.side},${csvField(event.id ?? '')}`];
    case 'bar':
      return [
        `${event.ts},${sym},${event.timeframe},${event.start},${num(event.open)},${num(event.high)},${num(event.low)},${num(event.close)},${num(event.volume)},${event.trades ?? ''}`,
      ];
    case 'status':
      return [`${event.ts},${sym},${event.status},${csvField(event.reason ?? '')}`];
    case 'book_snapshot':
    case 'book_delta': {
      const kind = event.type === 'book_snapshot' ? 'snapshot' : 'delta';
      const rows: string[] = [];
      for (const l of event.bids) rows.push(`${event.ts},${sym},${kind},bid,${num(l.price)},${num(l.size)}`);
      for (const l of event.asks) rows.push(`${event.ts},${sym},${kind},ask,${num(l.price)},${num(l.size)}`);
      if (rows.length === 0) rows.push(`${event.ts},${sym},${kind},,,`);
      return rows;
    }
  }
}

function levels(ls: readonly BookLevel[]): string {
  let out = '[';
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i] as BookLevel;
    out += `${i ? ',' : ''}[${num(l.price)},${num(l.size)}]`;
  }
  return `${out}]`;
}

/** The canonical JSONL line of one event, without newline. Byte-identical for equal events. */
export function eventToJsonLine(event: MarketEvent): string {
  const head = `{"type":"${event.type}","symbol":${JSON.stringify(event.symbol)},"ts":${event.ts}`;
  switch (event.type) {
    case 'quote':
      return `${head},"bid":${num(event.bid)},"bidSize":${num(event.bidSize)},"ask":${num(event.ask)},"askSize":${num(event.askSize)}}`;
    case 'trade':
      return `${head},"price":${num(event.price)},"size":${num(event.size)},"side":"${event.side}"${event.id !== undefined ? `,"id":${JSON.stringify(event.id)}` : ''}}`;
    case 'bar':
      return `${head},"start":${event.start},"timeframe":${JSON.stringify(event.timeframe)},"open":${num(event.open)},"high":${num(event.high)},"low":${num(event.low)},"close":${num(event.close)},"volume":${num(event.volume)}${event.trades !== undefined ? `,"trades":${event.trades}` : ''}}`;
    case 'status':
      return `${head},"status":"${event.status}"${event.reason !== undefined ? `,"reason":${JSON.stringify(event.reason)}` : ''}}`;
    case 'book_snapshot':
    case 'book_delta':
      return `${head},"bids":${levels(event.bids)},"asks":${levels(event.asks)}}`;
  }
}

/** Where a record came from, for error messages. */
export interface RecordLocation {
  file?: string;
  line?: number;
}

function fail(loc: RecordLocation, field: string, expectation: string, value: unknown): never {
  const where = loc.file || loc.line ? ` (${loc.file ?? '<input>'}${loc.line ? `:${loc.line}` : ''})` : '';
  throw new TradeKitError(
    'DATA_INVALID_EVENT',
    `Expected \`${field}\` to be ${expectation}, got ${describeValue(value)}${where}. Canonical JSONL events are described in docs/DATA-FORMATS.md.`,
    { details: { field, value, file: loc.file, line: loc.line, column: field } },
  );
}

function finite(o: Record<string, unknown>, k: string, loc: RecordLocation): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(loc, k, 'a finite number', v);
  return v;
}

function parseLevels(v: unknown, field: string, loc: RecordLocation): BookLevel[] {
  if (!Array.isArray(v)) fail(loc, field, 'an array of [price, size] pairs', v);
  const out: BookLevel[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const l = v[i];
    let price: unknown;
    let size: unknown;
    if (Array.isArray(l)) [price, size] = l;
    else if (l && typeof l === 'object') ({ price, size } = l as BookLevel);
    if (typeof price !== 'number' || typeof size !== 'number' || !Number.isFinite(price) || !(size >= 0)) {
      fail(loc, `${field}[${i}]`, 'a [price, size] pair of finite numbers with size ≥ 0', l);
    }
    out[i] = { price, size };
  }
  return out;
}

/**
 * Validates a parsed canonical JSON record and returns it as a market event (book levels become
 * `{ price, size }` objects). Throws `DATA_INVALID_EVENT` naming the field, file and line.
 */
export function jsonToEvent(record: unknown, loc: RecordLocation = {}): MarketEvent {
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    fail(loc, 'record', 'a JSON object', record);
  const o = record as Record<string, unknown>;
  const symbol = o.symbol;
  if (typeof symbol !== 'string' || symbol.length === 0) fail(loc, 'symbol', 'a non-empty string', symbol);
  const ts = o.ts;
  if (typeof ts !== 'number' || !Number.isInteger(ts)) fail(loc, 'ts', 'an integer epoch µs', ts);
  switch (o.type) {
    case 'quote':
      return {
        type: 'quote',
        symbol,
        ts,
        bid: finite(o, 'bid', loc),
        bidSize: finite(o, 'bidSize', loc),
        ask: finite(o, 'ask', loc),
        askSize: finite(o, 'askSize', loc),
      };
    case 'trade': {
      const side = o.side ?? 'unknown';
      if (side !== 'buy' && side !== 'sell' && side !== 'unknown')
        fail(loc, 'side', '"buy", "sell" or "unknown"', side);
      const e: MarketEvent = {
        type: 'trade',
        symbol,
        ts,
        price: finite(o, 'price', loc),
        size: finite(o, 'size', loc),
        side,
      };
      if (o.id !== undefined) e.id = String(o.id);
      return e;
    }
    case 'bar': {
      if (typeof o.timeframe !== 'string') fail(loc, 'timeframe', 'a string like "1m"', o.timeframe);
      const e: MarketEvent = {
        type: 'bar',
        symbol,
        ts,
        start: finite(o, 'start', loc),
        timeframe: o.timeframe,
        open: finite(o, 'open', loc),
        high: finite(o, 'high', loc),
        low: finite(o, 'low', loc),
        close: finite(o, 'close', loc),
        volume: finite(o, 'volume', loc),
      };
      if (o.trades !== undefined) e.trades = finite(o, 'trades', loc);
      return e;
    }
    case 'status': {
      const st = o.status;
      if (st !== 'open' && st !== 'halt' && st !== 'close') fail(loc, 'status', '"open", "halt" or "close"', st);
      const e: MarketEvent = { type: 'status', symbol, ts, status: st };
      if (o.reason !== undefined) e.reason = String(o.reason);
      return e;
    }
    case 'book_snapshot':
    case 'book_delta':
      return {
        type: o.type,
        symbol,
        ts,
        bids: parseLevels(o.bids, 'bids', loc),
        asks: parseLevels(o.asks, 'asks', loc),
      };
    default:
      return fail(loc, 'type', 'one of quote, trade, book_snapshot, book_delta, bar, status', o.type);
  }
}
