/**
 * Parquet reader (hyparquet, loaded on first use so the CJS build works and users who never read
 * Parquet never load it). Reads one row group at a time; seeks skip row groups whose `ts`
 * statistics end before the target.
 */
import {
  type BookLevel,
  CSV_COLUMNS,
  type CsvKind,
  type EpochUnit,
  type MarketEvent,
  type Micros,
  TradeKitError,
  describeValue,
  detectEpochUnit,
} from '@tradekit/types';
import {
  DataChecks,
  type DataCheckOptions,
  type DataReport,
  type ResolvedChecks,
  emptyReport,
  resolveChecks,
} from './checks.js';
import { CSV_FIELDS, type CsvField, columnIndexes } from './csv.js';
import { detectKind, invalidOption, malformedRow } from './errors.js';
import { type TsFormat, parseEpoch, parseIso } from './numbers.js';
import { type EventSource, type SeekMethod, flatten } from './source.js';
import { assertReadable } from './text.js';

/** Options of the Parquet reader. */
export interface ParquetReadOptions extends DataCheckOptions {
  /** The kind of rows; detected from the column names when omitted. */
  kind?: CsvKind;
  /** Symbol of every row, for files without a symbol column. */
  symbol?: string;
  /** Where each canonical field is: a column name, e.g. `{ ts: 'timestamp', price: 'px' }`. */
  columns?: Partial<Record<CsvField | 'bidSize' | 'askSize', string>>;
  /** Unit of a plain integer/float `ts` column (TIMESTAMP columns carry their own). @default 'auto' */
  ts?: TsFormat;
}

type Hyparquet = typeof import('hyparquet');

/** Rows turned into events between two hand-overs (see the slicing in `batches`). */
const SLICE_ROWS = 4096;
let hyparquetModule: Promise<Hyparquet> | undefined;

/** Loads hyparquet once (ESM-only, hence the dynamic import). */
function loadHyparquet(): Promise<Hyparquet> {
  hyparquetModule ??= import('hyparquet');
  return hyparquetModule;
}

// TIMESTAMP columns decode straight to epoch µs numbers (hyparquet's default is a Date, which
// would lose the microseconds).
const parsers = {
  timestampFromMilliseconds: (v: bigint) => Number(v) * 1000,
  timestampFromMicroseconds: (v: bigint) => Number(v),
  timestampFromNanoseconds: (v: bigint) => Number(v / 1000n),
};

interface Layout {
  kind: CsvKind;
  /** Parquet column names to read, in this order. */
  read: string[];
  /** Position of each canonical field in a row of `read`, -1 when absent. */
  pos: Record<CsvField, number>;
  tsIsTimestamp: boolean;
}

const FIELDS = CSV_FIELDS;

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return Number.NaN;
}

function valueAt(cols: ArrayLike<unknown>[], pos: Record<CsvField, number>, f: CsvField, i: number): unknown {
  const k = pos[f];
  return k >= 0 ? (cols[k] as ArrayLike<unknown>)[i] : undefined;
}

function textAt(cols: ArrayLike<unknown>[], pos: Record<CsvField, number>, f: CsvField, i: number): string | undefined {
  const v = valueAt(cols, pos, f, i);
  return v === null || v === undefined || v === '' ? undefined : String(v);
}

/** A Parquet file as an {@link EventSource}. */
export class ParquetSource implements EventSource {
  readonly format = 'parquet';
  readonly seekMethod: SeekMethod = 'row-groups';
  readonly report: DataReport;
  private readonly checkOptions: ResolvedChecks;

  constructor(
    readonly name: string,
    readonly options: ParquetReadOptions = {},
  ) {
    this.checkOptions = resolveChecks(options);
    this.report = emptyReport([name], this.checkOptions.gapThreshold);
    const ts = options.ts ?? 'auto';
    if (!['auto', 'iso', 's', 'ms', 'us', 'ns'].includes(ts))
      throw invalidOption('ts', "one of 'auto', 'iso', 's', 'ms', 'us', 'ns'", ts);
  }

  [Symbol.asyncIterator](): AsyncIterator<MarketEvent> {
    return flatten(this.batches());
  }

  private layout(
    schemaNames: string[],
    schema: { name: string; logical_type?: { type?: string }; converted_type?: string }[],
  ): Layout {
    const lower = schemaNames.map((n) => n.toLowerCase());
    const mapped: Partial<Record<CsvField, string>> = {};
    for (const [k, v] of Object.entries(this.options.columns ?? {})) {
      const key = (k === 'bidSize' ? 'bid_size' : k === 'askSize' ? 'ask_size' : k) as CsvField;
      if (typeof v !== 'string' || !lower.includes(v.toLowerCase())) {
        throw new TradeKitError(
          'REPLAY_CSV_COLUMNS',
          `Expected column ${describeValue(v)} (mapped to \`${key}\`) in ${this.name}, got columns ${JSON.stringify(schemaNames)}. Fix \`columns.${k}\`.`,
          { details: { file: this.name, field: key, value: v } },
        );
      }
      mapped[key] = schemaNames[lower.indexOf(v.toLowerCase())] as string;
    }
    const nameOf = (f: CsvField): string | undefined => {
      if (mapped[f]) return mapped[f];
      const alias = f === 'bid_size' ? 'bidsize' : f === 'ask_size' ? 'asksize' : f;
      const i = lower.findIndex((n) => n === f || n === alias);
      return i >= 0 ? schemaNames[i] : undefined;
    };
    const present = FIELDS.filter((f) => nameOf(f) !== undefined);
    if (this.options.symbol !== undefined) present.push('symbol');
    const kind = this.options.kind ?? detectKind(present);
    if (!kind) {
      throw new TradeKitError(
        'REPLAY_CSV_COLUMNS',
        `Expected the columns of ${this.name} to match a canonical kind (trade: ${CSV_COLUMNS.trade.join(',')}; quote: ${CSV_COLUMNS.quote.join(',')}; ...), got ${JSON.stringify(schemaNames)}. Pass \`kind\` and a \`columns\` mapping.`,
        { details: { file: this.name, value: schemaNames } },
      );
    }
    const read: string[] = [];
    const pos = columnIndexes((f) => {
      const n = nameOf(f);
      if (n === undefined || !(CSV_COLUMNS[kind] as readonly string[]).includes(f)) return -1;
      read.push(n);
      return read.length - 1;
    });
    for (const f of CSV_COLUMNS[kind] as CsvField[]) {
      if (
        pos[f] >= 0 ||
        f === 'id' ||
        f === 'trades' ||
        f === 'reason' ||
        f === 'side' ||
        (f === 'symbol' && this.options.symbol !== undefined)
      )
        continue;
      throw new TradeKitError(
        'REPLAY_CSV_COLUMNS',
        `Expected a \`${f}\` column in ${this.name} (${kind} rows), got columns ${JSON.stringify(schemaNames)}. Map it with \`columns: { ${f}: '<column name>' }\`.`,
        { details: { file: this.name, field: f, value: schemaNames } },
      );
    }
    const tsEl = schema.find((s) => s.name === read[pos.ts]);
    const tsIsTimestamp = tsEl?.logical_type?.type === 'TIMESTAMP' || /^TIMESTAMP/.test(tsEl?.converted_type ?? '');
    return { kind, read, pos, tsIsTimestamp };
  }

  async *batches(from: Micros = Number.NEGATIVE_INFINITY): AsyncIterableIterator<MarketEvent[]> {
    await assertReadable(this.name);
    const hp = await loadHyparquet();
    const file = await hp.asyncBufferFromFile(this.name);
    let metadata: Awaited<ReturnType<Hyparquet['parquetMetadataAsync']>>;
    try {
      metadata = await hp.parquetMetadataAsync(file, { parsers });
    } catch (err) {
      throw new TradeKitError(
        'REPLAY_BAD_PARQUET',
        `Expected \`${this.name}\` to be a Parquet file, but its metadata could not be read: ${(err as Error).message}. Check that the file is complete.`,
        { cause: err, details: { file: this.name } },
      );
    }
    const topLevel = metadata.schema.slice(1).filter((s) => !s.num_children);
    const layout = this.layout(
      topLevel.map((s) => s.name),
      topLevel as never,
    );
    const checks = new DataChecks(this.name, this.checkOptions, this.report, from);
    let unit: EpochUnit | 'iso' | undefined = layout.tsIsTimestamp
      ? 'us'
      : this.options.ts === 'auto'
        ? undefined
        : this.options.ts;
    const tsName = layout.read[layout.pos.ts] as string;
    let rowStart = 0;
    const state = {
      pending: undefined as MarketEvent | undefined,
      pendingLine: 0,
      lastSymbol: this.options.symbol ?? '',
    };
    for (const group of metadata.row_groups) {
      const rows = Number(group.num_rows);
      const groupStart = rowStart;
      rowStart += rows;
      if (from > Number.NEGATIVE_INFINITY) {
        const col = group.columns.find((c) => c.meta_data?.path_in_schema.join('.') === tsName);
        const stats = col?.meta_data?.statistics;
        const max = stats?.max_value ?? stats?.max;
        if (max !== undefined && max !== null) {
          const u = unit ?? (typeof max === 'string' ? 'iso' : detectEpochUnit(num(max)));
          const maxUs = this.tsOf(max, u);
          if (!Number.isNaN(maxUs) && maxUs < from) continue;
        }
      }
      // Columnar: one array per column for the whole row group, no row arrays assembled.
      const chunks = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>();
      await hp.parquetRead({
        file,
        metadata,
        columns: layout.read,
        rowStart: groupStart,
        rowEnd: groupStart + rows,
        parsers,
        onChunk: (c: { columnName: string; columnData: ArrayLike<unknown>; rowStart: number }) => {
          let list = chunks.get(c.columnName);
          if (!list) {
            list = [];
            chunks.set(c.columnName, list);
          }
          list.push({ rowStart: c.rowStart, data: c.columnData });
        },
      });
      const cols: ArrayLike<unknown>[] = layout.read.map((name) => {
        const list = (chunks.get(name) ?? []).sort((a, b) => a.rowStart - b.rowStart);
        if (list.length === 1 && (list[0] as { rowStart: number }).rowStart === groupStart)
          return (list[0] as { data: ArrayLike<unknown> }).data;
        const all: unknown[] = new Array(rows);
        for (const c of list) for (let k = 0; k < c.data.length; k++) all[c.rowStart - groupStart + k] = c.data[k];
        return all;
      });
      if (unit === undefined && rows > 0) {
        const v = (cols[layout.pos.ts] as ArrayLike<unknown>)[0];
        unit = typeof v === 'string' && !/^-?\d+(\.\d+)?$/.test(v) ? 'iso' : detectEpochUnit(num(v));
      }
      const u = unit as EpochUnit | 'iso';
      const fast = layout.kind === 'trade' || layout.kind === 'quote';
      const ts = fast ? this.tsColumn(cols[layout.pos.ts] as ArrayLike<unknown>, rows, u) : undefined;
      // Hand events on in slices: a whole row group of events alive at once would outgrow the
      // young generation and be copied by every scavenge (the GC cost dominated before).
      for (let lo = 0; lo < rows; lo += SLICE_ROWS) {
        const hi = Math.min(rows, lo + SLICE_ROWS);
        if (layout.kind === 'trade')
          this.trades(cols, ts as Float64Array, lo, hi, groupStart, layout, u, checks, state);
        else if (layout.kind === 'quote')
          this.quotes(cols, ts as Float64Array, lo, hi, groupStart, layout, u, checks, state);
        else for (let i = lo; i < hi; i++) this.row(cols, i, groupStart + i + 1, layout, u, checks, state);
        if (checks.ready) yield checks.take();
      }
    }
    if (state.pending) checks.accept(state.pending, state.pendingLine);
    checks.finish();
    if (checks.ready) yield checks.take();
  }

  /**
   * The `ts` column of a row group as epoch µs, converted in one pass (NaN where a value needs
   * the general path): BigInt64Array and number columns are the common cases.
   */
  private tsColumn(col: ArrayLike<unknown>, rows: number, unit: EpochUnit | 'iso'): Float64Array {
    const out = new Float64Array(rows);
    if (col instanceof BigInt64Array || col instanceof BigUint64Array) {
      if (unit === 'ns') for (let i = 0; i < rows; i++) out[i] = Number((col[i] as bigint) / 1000n);
      else {
        const mult = unit === 'us' || unit === 'iso' ? 1 : unit === 'ms' ? 1000 : 1_000_000;
        for (let i = 0; i < rows; i++) {
          const x = Number(col[i] as bigint);
          out[i] = Number.isSafeInteger(x) ? x * mult : Number.NaN;
        }
      }
      return out;
    }
    const mult = unit === 'us' ? 1 : unit === 'ms' ? 1000 : unit === 's' ? 1_000_000 : 0;
    for (let i = 0; i < rows; i++) {
      const v = col[i];
      // Integers in µs/ms/s scale exactly; anything else (ns, fractions, strings) takes tsOf.
      if (typeof v === 'bigint' && mult !== 0) {
        const x = Number(v);
        out[i] = Number.isSafeInteger(x) ? x * mult : this.tsOf(v, unit);
      } else out[i] = typeof v === 'number' && mult !== 0 && Number.isSafeInteger(v) ? v * mult : this.tsOf(v, unit);
    }
    return out;
  }

  /** Trade rows of one row group, column by column; any row that is not plain goes through {@link row}. */
  private trades(
    cols: ArrayLike<unknown>[],
    ts: Float64Array,
    lo: number,
    hi: number,
    groupStart: number,
    layout: Layout,
    unit: EpochUnit | 'iso',
    checks: DataChecks,
    state: { pending: MarketEvent | undefined; pendingLine: number; lastSymbol: string },
  ): void {
    const pos = layout.pos;
    const price = cols[pos.price] as ArrayLike<unknown>;
    const size = cols[pos.size] as ArrayLike<unknown>;
    const sym = pos.symbol >= 0 ? (cols[pos.symbol] as ArrayLike<unknown>) : undefined;
    const side = pos.side >= 0 ? (cols[pos.side] as ArrayLike<unknown>) : undefined;
    const ids = pos.id >= 0 ? (cols[pos.id] as ArrayLike<unknown>) : undefined;
    const fixed = state.lastSymbol;
    for (let i = lo; i < hi; i++) {
      const t = ts[i] as number;
      const p = price[i];
      const q = size[i];
      const s = sym === undefined ? fixed : sym[i];
      const sd = side === undefined ? undefined : side[i];
      const sideOk = sd === 'buy' || sd === 'sell' || sd === 'unknown' || sd === undefined || sd === null || sd === '';
      if (
        Number.isNaN(t) ||
        typeof p !== 'number' ||
        Number.isNaN(p) ||
        typeof q !== 'number' ||
        !(q >= 0) ||
        typeof s !== 'string' ||
        s.length === 0 ||
        !sideOk
      ) {
        this.row(cols, i, groupStart + i + 1, layout, unit, checks, state);
        continue;
      }
      const sideV: 'buy' | 'sell' | 'unknown' = sd === 'buy' ? 'buy' : sd === 'sell' ? 'sell' : 'unknown';
      const id = ids === undefined ? undefined : ids[i];
      checks.accept(
        id === undefined || id === null || id === ''
          ? { type: 'trade', symbol: s, ts: t, price: p, size: q, side: sideV }
          : { type: 'trade', symbol: s, ts: t, price: p, size: q, side: sideV, id: String(id) },
        groupStart + i + 1,
      );
    }
  }

  /** Quote rows of one row group, column by column; any row that is not plain goes through {@link row}. */
  private quotes(
    cols: ArrayLike<unknown>[],
    ts: Float64Array,
    lo: number,
    hi: number,
    groupStart: number,
    layout: Layout,
    unit: EpochUnit | 'iso',
    checks: DataChecks,
    state: { pending: MarketEvent | undefined; pendingLine: number; lastSymbol: string },
  ): void {
    const pos = layout.pos;
    const bid = cols[pos.bid] as ArrayLike<unknown>;
    const bidSize = cols[pos.bid_size] as ArrayLike<unknown>;
    const ask = cols[pos.ask] as ArrayLike<unknown>;
    const askSize = cols[pos.ask_size] as ArrayLike<unknown>;
    const sym = pos.symbol >= 0 ? (cols[pos.symbol] as ArrayLike<unknown>) : undefined;
    const fixed = state.lastSymbol;
    for (let i = lo; i < hi; i++) {
      const t = ts[i] as number;
      const b = bid[i];
      const bs = bidSize[i];
      const a = ask[i];
      const as = askSize[i];
      const s = sym === undefined ? fixed : sym[i];
      if (
        Number.isNaN(t) ||
        typeof b !== 'number' ||
        Number.isNaN(b) ||
        typeof a !== 'number' ||
        Number.isNaN(a) ||
        typeof bs !== 'number' ||
        Number.isNaN(bs) ||
        typeof as !== 'number' ||
        Number.isNaN(as) ||
        typeof s !== 'string' ||
        s.length === 0
      ) {
        this.row(cols, i, groupStart + i + 1, layout, unit, checks, state);
        continue;
      }
      checks.accept({ type: 'quote', symbol: s, ts: t, bid: b, bidSize: bs, ask: a, askSize: as }, groupStart + i + 1);
    }
  }

  private tsOf(v: unknown, unit: EpochUnit | 'iso'): number {
    if (typeof v === 'string')
      return unit === 'iso' || !/^-?\d/.test(v) ? parseIso(v, 0, v.length) : parseEpoch(v, 0, v.length, unit);
    if (typeof v === 'bigint') {
      if (unit === 'ns') return Number(v / 1000n);
      const t = v.toString();
      return parseEpoch(t, 0, t.length, unit === 'iso' ? 'us' : unit);
    }
    if (typeof v === 'number') {
      if (unit === 'us' && Number.isInteger(v)) return v;
      const t = String(v);
      return parseEpoch(t, 0, t.length, unit === 'iso' ? 'us' : unit);
    }
    if (v instanceof Date) return v.getTime() * 1000;
    return Number.NaN;
  }

  private numberAt(
    cols: ArrayLike<unknown>[],
    i: number,
    layout: Layout,
    line: number,
    f: CsvField,
    checks: DataChecks,
  ): number | undefined {
    const raw = valueAt(cols, layout.pos, f, i);
    const v = typeof raw === 'number' ? raw : num(raw);
    if (Number.isNaN(v)) {
      this.bad(checks, cols, i, layout, line, f, 'a number', raw);
      return undefined;
    }
    return v;
  }

  private bad(
    checks: DataChecks,
    cols: ArrayLike<unknown>[],
    i: number,
    layout: Layout,
    line: number,
    field: CsvField,
    expectation: string,
    value: unknown,
  ): void {
    const row = layout.read.map((_, k) => (cols[k] as ArrayLike<unknown>)[i]);
    const text = JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    checks.malformed(malformedRow(this.name, line, field, field, expectation, value, text), line, field, text);
  }

  private row(
    cols: ArrayLike<unknown>[],
    i: number,
    line: number,
    layout: Layout,
    unit: EpochUnit | 'iso',
    checks: DataChecks,
    state: { pending: MarketEvent | undefined; pendingLine: number; lastSymbol: string },
  ): void {
    const pos = layout.pos;
    const rawTs = (cols[pos.ts] as ArrayLike<unknown>)[i];
    const ts = typeof rawTs === 'number' && unit === 'us' && Number.isInteger(rawTs) ? rawTs : this.tsOf(rawTs, unit);
    if (Number.isNaN(ts)) {
      this.bad(checks, cols, i, layout, line, 'ts', 'a timestamp', rawTs);
      return;
    }
    let symbol = state.lastSymbol;
    if (pos.symbol >= 0) {
      const s = (cols[pos.symbol] as ArrayLike<unknown>)[i];
      if (typeof s !== 'string' || s.length === 0) {
        this.bad(checks, cols, i, layout, line, 'symbol', 'a non-empty string', s);
        return;
      }
      symbol = s;
    }
    switch (layout.kind) {
      case 'trade': {
        const price = this.numberAt(cols, i, layout, line, 'price', checks);
        if (price === undefined) return;
        const size = this.numberAt(cols, i, layout, line, 'size', checks);
        if (size === undefined) return;
        const raw = valueAt(cols, pos, 'side', i);
        const sideText = raw === undefined || raw === null || raw === '' ? 'unknown' : String(raw).toLowerCase();
        const side =
          sideText === 'buy' || sideText === 'b'
            ? 'buy'
            : sideText === 'sell' || sideText === 's'
              ? 'sell'
              : sideText === 'unknown'
                ? 'unknown'
                : undefined;
        if (!side) {
          this.bad(checks, cols, i, layout, line, 'side', '"buy", "sell" or "unknown"', raw);
          return;
        }
        const id = textAt(cols, pos, 'id', i);
        checks.accept(
          id === undefined
            ? { type: 'trade', symbol, ts, price, size, side }
            : { type: 'trade', symbol, ts, price, size, side, id },
          line,
        );
        return;
      }
      case 'quote': {
        const bid = this.numberAt(cols, i, layout, line, 'bid', checks);
        const bidSize = bid === undefined ? undefined : this.numberAt(cols, i, layout, line, 'bid_size', checks);
        const ask = bidSize === undefined ? undefined : this.numberAt(cols, i, layout, line, 'ask', checks);
        const askSize = ask === undefined ? undefined : this.numberAt(cols, i, layout, line, 'ask_size', checks);
        if (askSize === undefined) return;
        checks.accept(
          { type: 'quote', symbol, ts, bid: bid as number, bidSize: bidSize as number, ask: ask as number, askSize },
          line,
        );
        return;
      }
      case 'bar': {
        const timeframe = textAt(cols, pos, 'timeframe', i);
        if (!timeframe) {
          this.bad(
            checks,
            cols,
            i,
            layout,
            line,
            'timeframe',
            'a timeframe like "1m"',
            valueAt(cols, pos, 'timeframe', i),
          );
          return;
        }
        const start = this.tsOf(valueAt(cols, pos, 'start', i), unit);
        if (Number.isNaN(start)) {
          this.bad(checks, cols, i, layout, line, 'start', 'a timestamp', valueAt(cols, pos, 'start', i));
          return;
        }
        const v: number[] = [];
        for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) {
          const x = this.numberAt(cols, i, layout, line, f, checks);
          if (x === undefined) return;
          v.push(x);
        }
        const e: MarketEvent = {
          type: 'bar',
          symbol,
          ts,
          start,
          timeframe,
          open: v[0] as number,
          high: v[1] as number,
          low: v[2] as number,
          close: v[3] as number,
          volume: v[4] as number,
        };
        const t = textAt(cols, pos, 'trades', i);
        if (t !== undefined) e.trades = Number(t);
        checks.accept(e, line);
        return;
      }
      case 'status': {
        const status = textAt(cols, pos, 'status', i);
        if (status !== 'open' && status !== 'halt' && status !== 'close') {
          this.bad(
            checks,
            cols,
            i,
            layout,
            line,
            'status',
            '"open", "halt" or "close"',
            valueAt(cols, pos, 'status', i),
          );
          return;
        }
        const e: MarketEvent = { type: 'status', symbol, ts, status };
        const reason = textAt(cols, pos, 'reason', i);
        if (reason !== undefined) e.reason = reason;
        checks.accept(e, line);
        return;
      }
      default: {
        const k = textAt(cols, pos, 'kind', i);
        const type = k === 'snapshot' ? 'book_snapshot' : k === 'delta' ? 'book_delta' : undefined;
        if (!type) {
          this.bad(checks, cols, i, layout, line, 'kind', '"snapshot" or "delta"', valueAt(cols, pos, 'kind', i));
          return;
        }
        const side = textAt(cols, pos, 'side', i);
        let level: BookLevel | undefined;
        if (side !== undefined) {
          if (side !== 'bid' && side !== 'ask') {
            this.bad(checks, cols, i, layout, line, 'side', '"bid", "ask" or empty', side);
            return;
          }
          const price = this.numberAt(cols, i, layout, line, 'price', checks);
          if (price === undefined) return;
          const size = this.numberAt(cols, i, layout, line, 'size', checks);
          if (size === undefined) return;
          level = { price, size };
        }
        let p = state.pending as (MarketEvent & { bids: BookLevel[]; asks: BookLevel[] }) | undefined;
        if (!p || p.ts !== ts || p.symbol !== symbol || p.type !== type) {
          if (p) checks.accept(p, state.pendingLine);
          p = { type, symbol, ts, bids: [], asks: [] };
          state.pending = p;
          state.pendingLine = line;
        }
        if (level) (side === 'bid' ? (p as { bids: BookLevel[] }).bids : (p as { asks: BookLevel[] }).asks).push(level);
      }
    }
  }
}
