/**
 * Parquet reader (hyparquet, loaded on first use so the CJS build works and users who never read
 * Parquet never load it). Reads one row group at a time; seeks skip row groups whose `ts`
 * statistics end before the target.
 */
import { promises as fsp } from 'node:fs';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import {
  type BookLevel,
  CSV_COLUMNS,
  type CsvKind,
  type EpochUnit,
  type MarketEvent,
  type Micros,
  type QuoteEvent,
  type TradeEvent,
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
import {
  type PageCodecs,
  StringColumn,
  TIMESTAMP_PARSERS as parsers,
  decodeColumnChunk,
  int64Numbers,
} from './parquet-columns.js';
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

/** hyparquet's view of a file: byte ranges read on demand, here from one open handle. */
function fileBuffer(fh: fsp.FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end = size): Promise<ArrayBuffer> {
      const buf = new Uint8Array(Math.max(0, end - start));
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await fh.read(buf, done, buf.length - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === buf.length ? buf.buffer : buf.buffer.slice(0, done);
    },
  };
}

/** Rows turned into events between two hand-overs (see the slicing in `batches`). */
const SLICE_ROWS = 4096;
let hyparquetModule: Promise<Hyparquet> | undefined;

let codecsModule: Promise<PageCodecs> | undefined;

/** Loads hyparquet once (ESM-only, hence the dynamic import). */
function loadHyparquet(): Promise<Hyparquet> {
  hyparquetModule ??= import('hyparquet');
  return hyparquetModule;
}

/** hyparquet's page-header reader and Snappy decoder, for the column fast path. */
function loadCodecs(): Promise<PageCodecs> {
  codecsModule ??= Promise.all([loadHyparquet(), import('hyparquet/src/column.js')]).then(([hp, column]) => ({
    parquetHeader: column.parquetHeader,
    snappyUncompress: hp.snappyUncompress,
  }));
  return codecsModule;
}

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

/** What the row path carries from one row to the next: book levels being gathered, the symbol. */
interface RowState {
  pending: MarketEvent | undefined;
  pendingLine: number;
  lastSymbol: string;
}

/** A trade from plain column values, or undefined when a value needs the row path. */
function plainTrade(
  symbol: string,
  ts: number,
  price: unknown,
  size: unknown,
  side: unknown,
  id: unknown,
): TradeEvent | undefined {
  if (typeof price !== 'number' || Number.isNaN(price) || typeof size !== 'number' || !(size >= 0)) return undefined;
  const sideV =
    side === 'buy'
      ? 'buy'
      : side === 'sell'
        ? 'sell'
        : side === 'unknown' || side === undefined || side === null || side === ''
          ? 'unknown'
          : undefined;
  if (sideV === undefined) return undefined;
  return id === undefined || id === null || id === ''
    ? { type: 'trade', symbol, ts, price, size, side: sideV }
    : { type: 'trade', symbol, ts, price, size, side: sideV, id: String(id) };
}

/** A quote from plain column values, or undefined when a value needs the row path. */
function plainQuote(
  symbol: string,
  ts: number,
  bid: unknown,
  bidSize: unknown,
  ask: unknown,
  askSize: unknown,
): QuoteEvent | undefined {
  if (
    typeof bid !== 'number' ||
    Number.isNaN(bid) ||
    typeof bidSize !== 'number' ||
    Number.isNaN(bidSize) ||
    typeof ask !== 'number' ||
    Number.isNaN(ask) ||
    typeof askSize !== 'number' ||
    Number.isNaN(askSize)
  )
    return undefined;
  return { type: 'quote', symbol, ts, bid, bidSize, ask, askSize };
}

/** A decoded column: values by row, or strings by index (see {@link StringColumn}). */
type Column = ArrayLike<unknown> | StringColumn;

/** Row `i` of a column (undefined when the field has no column). */
function cell(c: Column | undefined, i: number): unknown {
  return c === undefined ? undefined : c instanceof StringColumn ? c.at(i) : c[i];
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
    const size = await assertReadable(this.name);
    const hp = await loadHyparquet();
    // One handle for the whole read (metadata, then every column chunk), closed however the
    // consumer stops.
    const fh = await fsp.open(this.name, 'r');
    try {
      yield* this.read(hp, fileBuffer(fh, size), from);
    } finally {
      await fh.close();
    }
  }

  private async *read(hp: Hyparquet, file: AsyncBuffer, from: Micros): AsyncGenerator<MarketEvent[]> {
    let metadata: FileMetaData;
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
    const state: RowState = { pending: undefined, pendingLine: 0, lastSymbol: this.options.symbol ?? '' };
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
      const cols = await this.readGroup(hp, file, metadata, group, groupStart, rows, layout.read);
      // The row path (rare rows of trades and quotes, every row of other kinds) takes one array
      // slot per row: string columns are expanded only when it runs.
      let expanded: ArrayLike<unknown>[] | undefined;
      const rowCols = () => {
        expanded ??= cols.map((c) => (c instanceof StringColumn ? c.toArray() : c));
        return expanded;
      };
      if (unit === undefined && rows > 0) {
        const v = cell(cols[layout.pos.ts], 0);
        unit = typeof v === 'string' && !/^-?\d+(\.\d+)?$/.test(v) ? 'iso' : detectEpochUnit(num(v));
      }
      const u = unit as EpochUnit | 'iso';
      const fast = layout.kind === 'trade' || layout.kind === 'quote';
      const tsCol = cols[layout.pos.ts] as Column;
      const ts = fast
        ? this.tsColumn(
            tsCol instanceof StringColumn ? (rowCols()[layout.pos.ts] as ArrayLike<unknown>) : tsCol,
            rows,
            u,
          )
        : undefined;
      // Hand events on in slices: a whole row group of events alive at once would outgrow the
      // young generation and be copied by every scavenge (the GC cost dominated before).
      for (let lo = 0; lo < rows; lo += SLICE_ROWS) {
        const hi = Math.min(rows, lo + SLICE_ROWS);
        if (fast) this.plainRows(cols, rowCols, ts as Float64Array, lo, hi, groupStart, layout, u, checks, state);
        else {
          const plain = rowCols();
          for (let i = lo; i < hi; i++) this.row(plain, i, groupStart + i + 1, layout, u, checks, state);
        }
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
    if (col instanceof BigInt64Array) {
      const mult = unit === 'ns' ? 0 : unit === 'us' || unit === 'iso' ? 1 : unit === 'ms' ? 1000 : 1_000_000;
      int64Numbers(col, rows, mult, out);
      return out;
    }
    if (col instanceof BigUint64Array) {
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

  /**
   * The columns of `names` for one row group: decoded straight into typed arrays where every
   * chunk is a plain flat column (see `parquet-columns.ts`), else through hyparquet's general path.
   */
  private async readGroup(
    hp: Hyparquet,
    file: AsyncBuffer,
    metadata: FileMetaData,
    group: FileMetaData['row_groups'][number],
    groupStart: number,
    rows: number,
    names: string[],
  ): Promise<Column[]> {
    const codecs = await loadCodecs();
    const chunks = names.map((name) => group.columns.find((c) => c.meta_data?.path_in_schema.join('.') === name));
    const elements = names.map((name) =>
      metadata.schema.find((el, k) => k > 0 && el.name === name && !el.num_children),
    );
    if (rows > 0 && chunks.every((c) => c?.meta_data && !c.file_path)) {
      const buffers = await Promise.all(
        chunks.map((c) => {
          const m = c?.meta_data as NonNullable<typeof c>['meta_data'] & object;
          const start = Number(m.dictionary_page_offset || m.data_page_offset);
          return file.slice(start, start + Number(m.total_compressed_size));
        }),
      );
      const cols: Column[] = [];
      for (let k = 0; k < names.length; k++) {
        const el = elements[k];
        const meta = chunks[k]?.meta_data;
        const col =
          el && meta ? decodeColumnChunk(new Uint8Array(buffers[k] as ArrayBuffer), meta, el, rows, codecs) : undefined;
        if (col === undefined) break;
        cols.push(col);
      }
      if (cols.length === names.length) return cols;
    }
    // The general path: one array per column for the whole row group, no row arrays assembled.
    const parts = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>();
    await hp.parquetRead({
      file,
      metadata,
      columns: names,
      rowStart: groupStart,
      rowEnd: groupStart + rows,
      parsers,
      onChunk: (c: { columnName: string; columnData: ArrayLike<unknown>; rowStart: number }) => {
        let list = parts.get(c.columnName);
        if (!list) {
          list = [];
          parts.set(c.columnName, list);
        }
        list.push({ rowStart: c.rowStart, data: c.columnData });
      },
    });
    return names.map((name) => {
      const list = (parts.get(name) ?? []).sort((a, b) => a.rowStart - b.rowStart);
      if (list.length === 1 && (list[0] as { rowStart: number }).rowStart === groupStart)
        return (list[0] as { data: ArrayLike<unknown> }).data;
      const all: unknown[] = new Array(rows);
      for (const c of list) for (let k = 0; k < c.data.length; k++) all[c.rowStart - groupStart + k] = c.data[k];
      return all;
    });
  }

  /**
   * Trade or quote rows `lo..hi` of one row group, column by column: each plain row becomes its
   * event here, and any other row (a null, a NaN, a side spelt `B`...) goes through {@link row},
   * which converts it or reports it.
   */
  private plainRows(
    cols: Column[],
    rowCols: () => ArrayLike<unknown>[],
    ts: Float64Array,
    lo: number,
    hi: number,
    groupStart: number,
    layout: Layout,
    unit: EpochUnit | 'iso',
    checks: DataChecks,
    state: RowState,
  ): void {
    const pos = layout.pos;
    const trade = layout.kind === 'trade';
    const col = (k: number) => (k >= 0 ? cols[k] : undefined);
    // Trades: price, size, side, id. Quotes: bid, bid size, ask, ask size.
    const a = col(trade ? pos.price : pos.bid);
    const b = col(trade ? pos.size : pos.bid_size);
    const c = col(trade ? pos.side : pos.ask);
    const d = col(trade ? pos.id : pos.ask_size);
    const sym = col(pos.symbol);
    const fixed = state.lastSymbol;
    for (let i = lo; i < hi; i++) {
      const t = ts[i] as number;
      const s = sym === undefined ? fixed : cell(sym, i);
      const e =
        Number.isNaN(t) || typeof s !== 'string' || s.length === 0
          ? undefined
          : trade
            ? plainTrade(s, t, cell(a, i), cell(b, i), cell(c, i), cell(d, i))
            : plainQuote(s, t, cell(a, i), cell(b, i), cell(c, i), cell(d, i));
      if (e === undefined) this.row(rowCols(), i, groupStart + i + 1, layout, unit, checks, state);
      else checks.accept(e, groupStart + i + 1);
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
    state: RowState,
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
