/**
 * CSV reader: a hand-written scanner over large text chunks that parses numbers by index (no
 * substring per numeric field) and normalises each row to a market event. Canonical columns are
 * detected from the header; vendor files map their columns with `columns`.
 */
import {
  type BookLevel,
  CSV_COLUMNS,
  type CsvKind,
  type EpochUnit,
  type MarketEvent,
  type Micros,
  TradeKitError,
  detectEpochUnit,
  isTradeKitError,
  parseDuration,
} from '@tradekit/types';
import {
  DataChecks,
  type DataCheckOptions,
  type DataReport,
  type ResolvedChecks,
  emptyReport,
  resolveChecks,
} from './checks.js';
import { detectKind, invalidOption, malformedRow } from './errors.js';
import { type TsFormat, looksIso, parseEpoch, parseEpochScaled, parseIso, parseNumber, textAt } from './numbers.js';
import { type EventSource, type SeekMethod, flatten } from './source.js';
import { assertReadable, isGzipPath, readBytes, searchLineOffset, textChunks } from './text.js';

/** A canonical CSV column name (any kind), the target of a column mapping. */
export type CsvField =
  | 'ts'
  | 'symbol'
  | 'bid'
  | 'bid_size'
  | 'ask'
  | 'ask_size'
  | 'price'
  | 'size'
  | 'side'
  | 'id'
  | 'timeframe'
  | 'start'
  | 'open'
  | 'high'
  | 'low'
  | 'close'
  | 'volume'
  | 'trades'
  | 'kind'
  | 'status'
  | 'reason';

/** Every canonical column, in `CSV_COLUMNS` order (quote, trade, bar, book, status), once each. */
export const CSV_FIELDS: readonly CsvField[] = Object.freeze([
  ...new Set(Object.values(CSV_COLUMNS).flat()),
] as CsvField[]);

/** Options of the CSV reader. */
export interface CsvReadOptions extends DataCheckOptions {
  /** The kind of rows in the file; detected from the header when omitted. */
  kind?: CsvKind;
  /** Symbol of every row, for files without a symbol column. */
  symbol?: string;
  /**
   * Where each canonical field is: a header name or a 0-based column index,
   * e.g. `{ ts: 'timestamp', price: 'px', size: 'qty' }`. Unmapped fields use their canonical name.
   */
  columns?: Partial<Record<CsvField | 'bidSize' | 'askSize', string | number | null>>;
  /**
   * Replaces a column's values before they are read, per field: e.g. Databento's aggressor side
   * `{ side: { A: 'sell', B: 'buy', N: null } }` (`null` = empty, i.e. unknown side) or
   * `{ kind: { true: 'snapshot', false: 'delta' } }`. Values not listed are read as they are.
   */
  values?: Partial<Record<CsvField, Record<string, string | null>>>;
  /** Timeframe of every bar, for bar files without a `timeframe` column (e.g. `'1m'`). */
  timeframe?: string;
  /**
   * What the `ts` column of a bar file holds: the bar's `close` (canonical) or its `open` (most
   * vendors: Binance klines, Coinbase candles). With `open`, `start` is that time and `ts` is
   * start + timeframe. Without a `start` column, `start` is derived from `ts` and the timeframe.
   * @default 'close'
   */
  barTime?: 'open' | 'close';
  /**
   * Prices written as integers in units of 10^-n (Databento's raw fixed-point prices: 9):
   * price, bid, ask and bar prices are divided by 10^n (exactly, for 16-digit integers).
   */
  priceDecimals?: number;
  /** Most lines one quoted field may span; a quote left open longer makes its row malformed (and only it). @default 100 */
  maxFieldLines?: number;
  /** Whether the first line is a header; `auto` treats it as one when its first field is not a timestamp. @default 'auto' */
  header?: boolean | 'auto';
  /** Column names of a file without a header row. @default the canonical columns of `kind` */
  names?: readonly string[];
  /** Field separator, one character. @default ',' */
  delimiter?: string;
  /** Timestamp format of `ts` (and `start`): an epoch unit, `iso`, or `auto` (by the first row). @default 'auto' */
  ts?: TsFormat;
  /** Read through gunzip; by default when the path ends in `.gz`. */
  gzip?: boolean;
}

const KIND_CODE: Record<CsvKind, number> = { quote: 0, trade: 1, bar: 2, book: 3, status: 4 };
const OPTIONAL = new Set<CsvField>(['id', 'trades', 'reason', 'side']);
/** The `start` of a bar can be derived from `ts` and the timeframe. */
const DERIVABLE = new Set<CsvField>(['start']);
const ALIASES: Record<string, CsvField> = {
  bidsize: 'bid_size',
  asksize: 'ask_size',
  timestamp: 'ts',
  time: 'ts',
  date: 'ts',
  datetime: 'ts',
};
const MAX_COLUMNS = 256;
/** A single line longer than this is not CSV market data; stop before it eats the memory. */
const MAX_LINE_CHARS = 16 << 20;

/** The columns of a file resolved to indexes. */
interface Layout {
  kind: CsvKind;
  kindCode: number;
  names: string[];
  ncols: number;
  /** Index of each canonical field, -1 when absent. */
  idx: Record<CsvField, number>;
  hasHeader: boolean;
  /** Column indexes of a wide book row (`asks[i].price`, ...): one snapshot per row. */
  wide?: { askPrice: number[]; askSize: number[]; bidPrice: number[]; bidSize: number[] };
}

/** State of one read of the file. */
interface ReadState {
  checks: DataChecks;
  line: number;
  lineKnown: boolean;
  unit: EpochUnit | 'iso' | undefined;
  lastSymbol: string;
  pending:
    | { type: 'book_snapshot' | 'book_delta'; symbol: string; ts: number; bids: BookLevel[]; asks: BookLevel[] }
    | undefined;
  pendingLine: number;
}

/**
 * The index of every canonical field, built as one object literal: filling an empty object key by
 * key turns it into a slow dictionary-mode object after 16 keys, and the row loops read it per row.
 * Shared with the Parquet reader; not part of the package's public API.
 */
export function columnIndexes(at: (field: CsvField) => number): Record<CsvField, number> {
  return {
    ts: at('ts'),
    symbol: at('symbol'),
    bid: at('bid'),
    bid_size: at('bid_size'),
    ask: at('ask'),
    ask_size: at('ask_size'),
    price: at('price'),
    size: at('size'),
    side: at('side'),
    id: at('id'),
    timeframe: at('timeframe'),
    start: at('start'),
    open: at('open'),
    high: at('high'),
    low: at('low'),
    close: at('close'),
    volume: at('volume'),
    trades: at('trades'),
    kind: at('kind'),
    status: at('status'),
    reason: at('reason'),
  };
}

function norm(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/^\ufeff/, '');
}

function columnError(file: string, message: string, details: Record<string, unknown>): TradeKitError {
  return new TradeKitError('REPLAY_CSV_COLUMNS', message, { details: { file, ...details } });
}

/**
 * Splits one header line (quotes allowed) into names. Only used for headers and seeks, off the hot path.
 */
function splitSimple(line: string, delim: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            v += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += line[i++];
      }
      out.push(v);
      i++;
    } else {
      let j = line.indexOf(delim, i);
      if (j < 0) j = line.length;
      out.push(line.slice(i, j));
      i = j + 1;
    }
  }
  return out;
}

/** Column indexes of a wide book header (`asks[0].price`, `asks[0].amount`, `bids[0].price`, ...), or undefined. */
function wideBook(names: readonly string[]): Layout['wide'] {
  const at = (side: string, i: number, what: string[]) => {
    for (const w of what) {
      const k = names.indexOf(`${side}[${i}].${w}`);
      if (k >= 0) return k;
    }
    return -1;
  };
  const out = { askPrice: [] as number[], askSize: [] as number[], bidPrice: [] as number[], bidSize: [] as number[] };
  for (let i = 0; ; i++) {
    const ap = at('asks', i, ['price']);
    const as = at('asks', i, ['amount', 'size']);
    const bp = at('bids', i, ['price']);
    const bs = at('bids', i, ['amount', 'size']);
    if (ap < 0 || as < 0 || bp < 0 || bs < 0) break;
    out.askPrice.push(ap);
    out.askSize.push(as);
    out.bidPrice.push(bp);
    out.bidSize.push(bs);
  }
  return out.askPrice.length > 0 ? out : undefined;
}

/**
 * A CSV file as an {@link EventSource}. Seeks on plain files by binary search on byte offsets
 * (the file must be sorted by time); gzip files are read from the start.
 */
export class CsvSource implements EventSource {
  readonly format = 'csv';
  readonly report: DataReport;
  readonly seekMethod: SeekMethod;
  private readonly gzip: boolean;
  private readonly checkOptions: ResolvedChecks;
  private readonly delimChar: string;
  private layout: Layout | undefined;
  /** Byte offset of the first data row (after the header), for seeks. */
  private dataStart = 0;
  private readonly starts = new Int32Array(MAX_COLUMNS);
  private readonly ends = new Int32Array(MAX_COLUMNS);
  /** Value maps by column index (`values` option); `undefined` keeps them off the hot path. */
  private remap: (Record<string, string | null> | undefined)[] | undefined;
  private readonly maxFieldLines: number;
  private readonly barOpen: boolean;
  private readonly tfUs = new Map<string, number>();
  /** Divisor of prices (`priceDecimals`); 1 leaves them as written. */
  private readonly priceDiv: number;

  constructor(
    readonly name: string,
    readonly options: CsvReadOptions = {},
  ) {
    this.checkOptions = resolveChecks(options);
    this.report = emptyReport([name], this.checkOptions.gapThreshold);
    this.gzip = options.gzip ?? isGzipPath(name);
    this.seekMethod = this.gzip ? 'scan' : 'binary-search';
    const d = options.delimiter ?? ',';
    if (typeof d !== 'string' || d.length !== 1 || d === '"' || d === '\n' || d === '\r') {
      throw invalidOption('delimiter', 'one character other than a quote or newline', d);
    }
    this.delimChar = d;
    if (options.kind !== undefined && !(options.kind in KIND_CODE)) {
      throw invalidOption('kind', `one of ${Object.keys(KIND_CODE).join(', ')}`, options.kind);
    }
    const ts = options.ts ?? 'auto';
    if (!['auto', 'iso', 's', 'ms', 'us', 'ns'].includes(ts))
      throw invalidOption('ts', "one of 'auto', 'iso', 's', 'ms', 'us', 'ns'", ts);
    const header = options.header ?? 'auto';
    if (header !== true && header !== false && header !== 'auto')
      throw invalidOption('header', "true, false or 'auto'", header);
    const pd = options.priceDecimals ?? 0;
    if (!Number.isInteger(pd) || pd < 0 || pd > 18) throw invalidOption('priceDecimals', 'an integer from 0 to 18', pd);
    this.priceDiv = 10 ** pd;
    const mfl = options.maxFieldLines ?? 100;
    if (!Number.isInteger(mfl) || mfl < 0) throw invalidOption('maxFieldLines', 'an integer ≥ 0', mfl);
    this.maxFieldLines = mfl;
    const barTime = options.barTime ?? 'close';
    if (barTime !== 'open' && barTime !== 'close') throw invalidOption('barTime', "'open' or 'close'", barTime);
    this.barOpen = barTime === 'open';
    if (options.timeframe !== undefined) this.timeframeUs(options.timeframe, 'timeframe');
    if (options.values !== undefined && (typeof options.values !== 'object' || options.values === null))
      throw invalidOption('values', 'an object of value maps per field, like { side: { A: "sell" } }', options.values);
  }

  /** Length of a timeframe like `1m` in µs (cached), or a `REPLAY_INVALID_OPTION` naming `field`. */
  private timeframeUs(tf: string, field: string): number {
    let us = this.tfUs.get(tf);
    if (us === undefined) {
      try {
        us = parseDuration(tf);
      } catch {
        us = 0;
      }
      if (!(us > 0)) throw invalidOption(field, 'a timeframe like "1m", "5m", "1h" or "1d" (units s, m, h, d, w)', tf);
      this.tfUs.set(tf, us);
    }
    return us;
  }

  [Symbol.asyncIterator](): AsyncIterator<MarketEvent> {
    return flatten(this.batches());
  }

  /** Resolves the layout from the first line of the file. */
  private resolveLayout(firstLine: string): Layout {
    const o = this.options;
    const fields = splitSimple(firstLine.replace(/\r$/, ''), this.delimChar);
    let hasHeader: boolean;
    if (o.header === true || o.header === false) hasHeader = o.header;
    else {
      const f0 = (fields[0] ?? '').trim();
      const first = fields.find((f, i) => i === 0 || f.trim() !== '') ?? '';
      const tsLike = (t: string) => t !== '' && (!Number.isNaN(Number(t)) || looksIso(t, 0, t.length));
      // A header row has no timestamp in it; a data row starts with (or contains) one.
      hasHeader = !tsLike(f0) && !fields.some((f) => tsLike(f.trim()) && f.trim().length >= 10) && first !== undefined;
    }
    let names: string[];
    const byIndex = Object.values(o.columns ?? {}).some((w) => typeof w === 'number');
    if (hasHeader) names = fields.map(norm);
    else if (o.names) names = o.names.map(norm);
    // A headerless file mapped by index: its columns are known by position only.
    else if (byIndex) names = fields.map((_, i) => `column ${i + 1}`);
    else if (o.kind) names = [...CSV_COLUMNS[o.kind]];
    else {
      throw columnError(
        this.name,
        `Expected \`${this.name}\` to start with a header row naming its columns, got ${JSON.stringify(firstLine.slice(0, 80))}. ` +
          "Add a header, or pass `names: ['ts', 'symbol', ...]` or `kind` for the canonical column order.",
        { value: firstLine.slice(0, 200) },
      );
    }
    const mapping = o.columns ?? {};
    const mapped: Partial<Record<CsvField, number>> = {};
    for (const [rawKey, where] of Object.entries(mapping)) {
      const key = (ALIASES[rawKey.toLowerCase()] ?? rawKey) as CsvField;
      if (where === undefined) continue;
      if (where === null) {
        // Switched off: an auto-detected column of that name is not read.
        mapped[key] = -1;
        continue;
      }
      let index: number;
      if (typeof where === 'number') {
        if (!Number.isInteger(where) || where < 0)
          throw invalidOption(`columns.${rawKey}`, 'a header name or a 0-based column index', where);
        index = where;
      } else {
        index = names.indexOf(norm(where));
        if (index < 0) {
          throw columnError(
            this.name,
            `Expected column \`${where}\` (mapped to \`${key}\`) in ${this.name}, got columns ${JSON.stringify(names)}. Fix \`columns.${rawKey}\`.`,
            { field: key, value: where },
          );
        }
      }
      mapped[key] = index;
    }
    // Names after the mapping, to detect the kind of a vendor file.
    const effective = [...names];
    for (const [k, i] of Object.entries(mapped)) if ((i as number) >= 0) effective[i as number] = k;
    const withAliases = effective.map((n) => ALIASES[n.replace(/_/g, '')] ?? ALIASES[n] ?? n);
    const extra = [
      ...(o.symbol !== undefined ? ['symbol'] : []),
      ...(o.timeframe !== undefined ? ['timeframe', 'start'] : []),
    ];
    const detectable = withAliases.filter((n) => mapped[n as CsvField] !== -1);
    const kind =
      o.kind ??
      detectKind([...detectable, ...extra]) ??
      (o.timeframe !== undefined || this.barLike(withAliases) ? 'bar' : undefined);
    if (kind === undefined) {
      throw columnError(
        this.name,
        `Expected the columns of ${this.name} to match a canonical kind (quote: ${CSV_COLUMNS.quote.join(',')}; trade: ${CSV_COLUMNS.trade.join(',')}; ...), got ${JSON.stringify(names)}. ` +
          "Pass `kind` and a `columns` mapping such as { ts: 'timestamp', price: 'px' } (CLI: --kind trade --map ts=timestamp,price=px), or a vendor preset as `format` (CLI: --format tardis-trades; see FORMAT_PRESETS).",
        { value: names },
      );
    }
    const idx = columnIndexes((f) => mapped[f] ?? withAliases.indexOf(f));
    const wide = kind === 'book' ? wideBook(names) : undefined;
    if (wide) {
      if (idx.ts < 0)
        throw columnError(
          this.name,
          `Expected a \`ts\` column in ${this.name}, got columns ${JSON.stringify(names.slice(0, 8))}... Map it with \`columns: { ts: '<header name>' }\`.`,
          { field: 'ts' },
        );
      if (idx.symbol < 0 && o.symbol === undefined)
        throw columnError(this.name, `Expected a \`symbol\` column in ${this.name}, or pass \`symbol: 'XYZ'\`.`, {
          field: 'symbol',
        });
      const maxW = Math.max(...wide.askPrice, ...wide.askSize, ...wide.bidPrice, ...wide.bidSize);
      if (maxW >= MAX_COLUMNS) throw invalidOption('columns', `at most ${MAX_COLUMNS} columns`, maxW + 1);
      return { kind, kindCode: 5, names, ncols: names.length, idx, hasHeader, wide };
    }
    for (const f of CSV_COLUMNS[kind] as CsvField[]) {
      if (idx[f] >= 0 || OPTIONAL.has(f) || (f === 'symbol' && o.symbol !== undefined)) continue;
      if (kind === 'bar' && f === 'timeframe' && o.timeframe !== undefined) continue;
      if (kind === 'bar' && DERIVABLE.has(f) && (idx.timeframe >= 0 || o.timeframe !== undefined)) continue;
      throw columnError(
        this.name,
        `Expected a \`${f}\` column in ${this.name} (${kind} rows), got columns ${JSON.stringify(names)}. ` +
          `Map it with \`columns: { ${f}: '<header name>' }\` (CLI --map ${f}=<header name>)${f === 'symbol' ? " or pass `symbol: 'XYZ'` (CLI --symbol XYZ)" : f === 'timeframe' ? " or pass `timeframe: '1m'` (CLI --timeframe 1m)" : ''}.`,
        { field: f, value: names },
      );
    }
    const maxIdx = Math.max(...Object.values(idx));
    if (maxIdx >= MAX_COLUMNS) throw invalidOption('columns', `column indexes below ${MAX_COLUMNS}`, maxIdx);
    if (o.values !== undefined) {
      const remap: (Record<string, string | null> | undefined)[] = [];
      for (const [k, map] of Object.entries(o.values)) {
        const f = (ALIASES[k.toLowerCase()] ?? k) as CsvField;
        if (!(f in idx)) throw invalidOption(`values.${k}`, `a canonical field (${CSV_FIELDS.join(', ')})`, k);
        if (map === undefined) continue;
        if (typeof map !== 'object' || map === null)
          throw invalidOption(`values.${k}`, 'an object like { A: "sell" }', map);
        if (idx[f] >= 0) remap[idx[f]] = map;
      }
      this.remap = remap;
    }
    return { kind, kindCode: KIND_CODE[kind], names, ncols: Math.max(names.length, maxIdx + 1), idx, hasHeader };
  }

  /** True when the names hold open, high, low and close (an OHLC file without a timeframe column). */
  private barLike(names: readonly string[]): boolean {
    return ['open', 'high', 'low', 'close'].every((n) => names.includes(n)) && names.includes('ts');
  }

  /** Reads the header line (first line) of the file. */
  private async ensureLayout(): Promise<Layout> {
    if (this.layout) return this.layout;
    await assertReadable(this.name);
    let text = '';
    for await (const chunk of textChunks(this.name, this.gzip)) {
      text += chunk;
      if (text.indexOf('\n') >= 0 || text.length > MAX_LINE_CHARS) break;
    }
    const nl = text.indexOf('\n');
    const firstRaw = nl >= 0 ? text.slice(0, nl) : text;
    // A byte-order mark is no part of the first field (TextDecoder drops it for gzip; plain files keep it).
    const first = firstRaw.charCodeAt(0) === 0xfeff ? firstRaw.slice(1) : firstRaw;
    if (first.trim() === '' && nl < 0) {
      this.layout = {
        kind: this.options.kind ?? 'trade',
        kindCode: 0,
        names: [],
        ncols: 0,
        idx: columnIndexes(() => -1),
        hasHeader: true,
      };
      return this.layout;
    }
    this.layout = this.resolveLayout(first);
    this.dataStart = this.layout.hasHeader ? Buffer.byteLength(firstRaw, 'utf8') + (nl >= 0 ? 1 : 0) : 0;
    return this.layout;
  }

  /** Timestamp of the row in `line` (or NaN), for the binary search. */
  private lineTs(line: string, layout: Layout, unit: EpochUnit | 'iso'): number {
    const fields = splitSimple(line.replace(/\r$/, ''), this.delimChar);
    const t = fields[layout.idx.ts];
    if (t === undefined) return Number.NaN;
    return unit === 'iso' ? parseIso(t, 0, t.length) : parseEpoch(t, 0, t.length, unit);
  }

  /** Byte offset of a line start at or before the first row with `ts ≥ from` (file sorted by time). */
  private async search(
    from: Micros,
    layout: Layout,
    size: number,
  ): Promise<{ offset: number; unit: EpochUnit | 'iso' } | undefined> {
    const firstLine = (await readBytes(this.name, this.dataStart, 1 << 16)).toString('latin1');
    const f =
      splitSimple(firstLine.slice(0, Math.max(0, firstLine.indexOf('\n'))).replace(/\r$/, ''), this.delimChar)[
        layout.idx.ts
      ] ?? '';
    const unit = this.unitFor(f, 0, f.length);
    if (unit === undefined) return undefined;
    const offset = await searchLineOffset(this.name, this.dataStart, size, from, (line) =>
      this.lineTs(line, layout, unit),
    );
    return { offset, unit };
  }

  private unitFor(buf: string, s: number, e: number): EpochUnit | 'iso' | undefined {
    const cfg = this.options.ts ?? 'auto';
    if (cfg !== 'auto') return cfg;
    if (s >= e) return undefined;
    if (looksIso(buf, s, e)) return 'iso';
    const x = Number(buf.slice(s, e));
    return Number.isNaN(x) ? undefined : detectEpochUnit(x);
  }

  async *batches(from: Micros = Number.NEGATIVE_INFINITY): AsyncIterableIterator<MarketEvent[]> {
    // An empty file (a day without trades) is no data, not a bad header.
    if (!this.gzip && (await assertReadable(this.name)) === 0) return;
    const layout = await this.ensureLayout();
    const checks = new DataChecks(this.name, this.checkOptions, this.report, from);
    const st: ReadState = {
      checks,
      line: 0,
      lineKnown: true,
      unit: undefined,
      lastSymbol: this.options.symbol ?? '',
      pending: undefined,
      pendingLine: 0,
    };
    let startByte = 0;
    let skipFirst = layout.hasHeader;
    if (from > Number.NEGATIVE_INFINITY && !this.gzip) {
      const size = await assertReadable(this.name);
      const found = await this.search(from, layout, size);
      if (found && found.offset > this.dataStart) {
        startByte = found.offset;
        st.unit = found.unit;
        st.lineKnown = false;
        skipFirst = false;
      }
    }
    let carry = '';
    let firstChunk = startByte === 0;
    try {
      for await (const chunk of textChunks(this.name, this.gzip, startByte)) {
        const text = firstChunk && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
        firstChunk = false;
        let buf = text;
        let pos = 0;
        if (carry.length > 0 && !skipFirst) {
          // Finish the row cut at the chunk boundary on its own instead of copying the whole
          // chunk into `carry + text`; a quoted row spanning more lines falls back to the copy.
          const nl = text.indexOf('\n');
          if (nl < 0) {
            carry += text;
            continue;
          }
          const head = carry + text.slice(0, nl + 1);
          const used = this.parse(head, 0, false, layout, st);
          if (used === head.length) pos = nl + 1;
          else buf = head.slice(used) + text.slice(nl + 1);
          carry = '';
        } else if (carry.length > 0) {
          buf = carry + text;
        }
        if (skipFirst) {
          const nl = buf.indexOf('\n');
          if (nl < 0) {
            carry = buf;
            continue;
          }
          pos = nl + 1;
          st.line = 1;
          skipFirst = false;
        }
        pos = this.parse(buf, pos, false, layout, st);
        carry = pos < buf.length ? buf.slice(pos) : '';
        buf = '';
        if (carry.length > MAX_LINE_CHARS) {
          throw new TradeKitError(
            'REPLAY_LINE_TOO_LONG',
            `Expected lines under ${MAX_LINE_CHARS} characters in ${this.name}, got a longer one after line ${st.line}. Check the delimiter, the quoting, and that the file is CSV.`,
            { details: { file: this.name, line: st.line } },
          );
        }
        if (checks.ready) yield checks.take();
      }
    } catch (err) {
      // Damaged gzip: hand on every complete row before the damage, then the error.
      if (isTradeKitError(err) && err.code === 'REPLAY_BAD_GZIP') {
        this.flushBook(st);
        checks.finish();
        if (checks.ready) yield checks.take();
      }
      throw err;
    }
    if (carry.length > 0 && !skipFirst) this.parse(carry, 0, true, layout, st);
    this.flushBook(st);
    checks.finish();
    if (checks.ready) yield checks.take();
  }

  private flushBook(st: ReadState): void {
    const p = st.pending;
    if (p) {
      st.pending = undefined;
      st.checks.accept(p, st.lineKnown ? st.pendingLine : 0);
    }
  }

  /**
   * Parses complete rows of `buf` from `pos`; returns where the first incomplete row starts.
   * At the end of the file (`final`) a last row without newline is complete.
   */
  private parse(buf: string, pos: number, final: boolean, layout: Layout, st: ReadState): number {
    const n = buf.length;
    const starts = this.starts;
    const ends = this.ends;
    let nextQuote = buf.indexOf('"', pos);
    if (nextQuote < 0) nextQuote = n;
    while (pos < n) {
      let lineEnd = buf.indexOf('\n', pos);
      if (lineEnd < 0) {
        if (!final) return pos;
        lineEnd = n;
      }
      st.line++;
      if (nextQuote < lineEnd) {
        // Quoted fields: parse the row the slow way (it may span lines).
        const r = this.parseQuoted(buf, pos, final, st);
        if (r === undefined) {
          st.line--;
          return pos;
        }
        if (r.open || (r.newlines > 0 && r.count !== layout.ncols)) {
          // A quote left open (or one that spans lines into a row of the wrong shape): only this
          // line is lost; reading goes on from the next line.
          this.bad(
            st,
            layout,
            st.line,
            r.openColumn,
            layout.names[r.openColumn] ?? `column ${r.openColumn + 1}`,
            r.open
              ? `a quoted field closed within ${this.maxFieldLines} lines (maxFieldLines)`
              : `a quoted field that closes on its row (the closing quote is ${r.newlines} lines further, in a row of ${r.count} columns)`,
            buf.slice(pos, lineEnd),
            buf,
            pos,
            lineEnd,
          );
          pos = lineEnd + 1;
          nextQuote = buf.indexOf('"', pos);
          if (nextQuote < 0) nextQuote = n;
          continue;
        }
        nextQuote = buf.indexOf('"', r.next);
        if (nextQuote < 0) nextQuote = n;
        const rowLine = st.line;
        st.line += r.newlines;
        this.emitRow(
          this.remap === undefined ? r.synthetic : this.applyValues(r.synthetic, r.count),
          r.count,
          layout,
          st,
          rowLine,
          buf,
          pos,
          r.next,
        );
        pos = r.next;
        continue;
      }
      let contentEnd = lineEnd;
      if (contentEnd > pos && buf.charCodeAt(contentEnd - 1) === 13) contentEnd--;
      if (contentEnd === pos) {
        st.checks.blank();
        pos = lineEnd + 1;
        continue;
      }
      let f = 0;
      let p = pos;
      while (f < MAX_COLUMNS) {
        let q = buf.indexOf(this.delimChar, p);
        if (q < 0 || q > contentEnd) q = contentEnd;
        starts[f] = p;
        ends[f] = q;
        f++;
        if (q === contentEnd) break;
        p = q + 1;
      }
      if (this.remap === undefined) this.emitRow(buf, f, layout, st, st.line, buf, pos, contentEnd);
      else this.emitRow(this.applyValues(buf, f), f, layout, st, st.line, buf, pos, contentEnd);
      pos = lineEnd + 1;
    }
    return pos;
  }

  /** Slow path for a row with quotes: unescapes its fields into a synthetic buffer. */
  private parseQuoted(
    buf: string,
    pos: number,
    final: boolean,
    _st: ReadState,
  ):
    | { synthetic: string; count: number; next: number; newlines: number; open: boolean; openColumn: number }
    | undefined {
    const fields: string[] = [];
    const limit = this.maxFieldLines;
    const n = buf.length;
    let i = pos;
    let newlines = 0;
    const d = this.delimChar;
    while (true) {
      if (buf[i] === '"') {
        let v = '';
        i++;
        let closed = false;
        const openedAt = newlines;
        while (i < n) {
          const j = buf.indexOf('"', i);
          if (j < 0) break;
          const piece = buf.slice(i, j);
          for (let k = piece.indexOf('\n'); k >= 0; k = piece.indexOf('\n', k + 1)) newlines++;
          if (newlines - openedAt > limit) break;
          v += piece;
          if (buf[j + 1] === '"') {
            v += '"';
            i = j + 2;
            continue;
          }
          if (j + 1 >= n && !final) break;
          i = j + 1;
          closed = true;
          break;
        }
        if (!closed) {
          // Open too long (more lines than allowed), or at the end of the file: this row is bad.
          let spanned = newlines - openedAt;
          if (spanned <= limit)
            for (let k = buf.indexOf('\n', i); k >= 0 && spanned <= limit; k = buf.indexOf('\n', k + 1)) spanned++;
          if (spanned > limit || final)
            return { synthetic: '', count: 0, next: n, newlines: 0, open: true, openColumn: fields.length };
          return undefined;
        }
        fields.push(v);
        // Anything between the closing quote and the delimiter is kept, like most parsers do.
        while (i < n && buf[i] !== d && buf[i] !== '\n' && buf[i] !== '\r') v += buf[i++];
        fields[fields.length - 1] = v;
      } else {
        let j = i;
        while (j < n && buf[j] !== d && buf[j] !== '\n') j++;
        if (j >= n && !final) return undefined;
        let e = j;
        if (e > i && buf[e - 1] === '\r' && buf[e] !== d) e--;
        fields.push(buf.slice(i, e));
        i = j;
      }
      if (i >= n) {
        if (!final) return undefined;
        break;
      }
      if (buf[i] === d) {
        i++;
        continue;
      }
      if (buf[i] === '\r') i++;
      if (buf[i] === '\n') {
        i++;
        break;
      }
      if (i >= n) break;
    }
    if (fields.length > MAX_COLUMNS) fields.length = MAX_COLUMNS;
    const SEP = '\u0001';
    let p = 0;
    for (let k = 0; k < fields.length; k++) {
      const len = (fields[k] as string).length;
      this.starts[k] = p;
      this.ends[k] = p + len;
      p += len + 1;
    }
    return { synthetic: fields.join(SEP), count: fields.length, next: i, newlines, open: false, openColumn: 0 };
  }

  /** The row's fields with the `values` maps applied, in a synthetic buffer (starts/ends updated). */
  private applyValues(buf: string, nf: number): string {
    const remap = this.remap as (Record<string, string | null> | undefined)[];
    const starts = this.starts;
    const ends = this.ends;
    const parts: string[] = new Array(nf);
    for (let k = 0; k < nf; k++) {
      const text = buf.slice(starts[k] as number, ends[k] as number);
      const map = remap[k];
      if (map !== undefined && Object.hasOwn(map, text)) parts[k] = map[text] ?? '';
      else parts[k] = text;
    }
    let p = 0;
    for (let k = 0; k < nf; k++) {
      const len = (parts[k] as string).length;
      starts[k] = p;
      ends[k] = p + len;
      p += len + 1;
    }
    return parts.join('\u0001');
  }

  private bad(
    st: ReadState,
    layout: Layout,
    line: number,
    col: number,
    field: string,
    expectation: string,
    value: unknown,
    raw: string,
    rs: number,
    re: number,
  ): void {
    const text = raw.slice(rs, re).replace(/\r?\n$/, '');
    const l = st.lineKnown ? line : 0;
    const column = col >= 0 ? col + 1 : undefined;
    st.checks.malformed(malformedRow(this.name, l, column, field, expectation, value, text), l, column ?? field, text);
    void layout;
  }

  /** One wide book row (25 levels a side, say) as a snapshot; empty levels end a side. */
  private wideRow(
    buf: string,
    layout: Layout,
    st: ReadState,
    line: number,
    symbol: string,
    ts: number,
    raw: string,
    rs: number,
    re: number,
  ): void {
    const w = layout.wide as NonNullable<Layout['wide']>;
    const starts = this.starts;
    const ends = this.ends;
    const side = (prices: number[], sizes: number[], name: string): BookLevel[] | undefined => {
      const out: BookLevel[] = [];
      for (let i = 0; i < prices.length; i++) {
        const pi = prices[i] as number;
        const si = sizes[i] as number;
        if ((ends[pi] as number) === (starts[pi] as number)) break;
        const price = parseNumber(buf, starts[pi] as number, ends[pi] as number);
        const size = parseNumber(buf, starts[si] as number, ends[si] as number);
        if (Number.isNaN(price) || !(size >= 0)) {
          const bad = Number.isNaN(price) ? pi : si;
          this.bad(st, layout, line, bad, layout.names[bad] ?? name, 'a number', this.str(buf, bad), raw, rs, re);
          return undefined;
        }
        out.push({ price: this.priceDiv !== 1 ? price / this.priceDiv : price, size });
      }
      return out;
    };
    const bids = side(w.bidPrice, w.bidSize, 'bids');
    if (!bids) return;
    const asks = side(w.askPrice, w.askSize, 'asks');
    if (!asks) return;
    st.checks.accept({ type: 'book_snapshot', symbol, ts, bids, asks }, st.lineKnown ? line : 0);
  }

  /** Length of a bar's timeframe in µs, or NaN after reporting a bad one. */
  private tfLength(
    tf: string,
    st: ReadState,
    layout: Layout,
    line: number,
    col: number,
    raw: string,
    rs: number,
    re: number,
  ): number {
    const cached = this.tfUs.get(tf);
    if (cached !== undefined) return cached;
    try {
      return this.timeframeUs(tf, 'timeframe');
    } catch {
      this.bad(st, layout, line, col, 'timeframe', 'a timeframe like "1m", "1h" or "1d"', tf, raw, rs, re);
      return Number.NaN;
    }
  }

  private str(buf: string, i: number): string {
    return buf.slice(this.starts[i] as number, this.ends[i] as number);
  }

  /** Turns the fields of one row into an event (or a book level) and offers it to the checks. */
  private emitRow(
    buf: string,
    nf: number,
    layout: Layout,
    st: ReadState,
    line: number,
    raw: string,
    rs: number,
    re: number,
  ): void {
    const idx = layout.idx;
    const starts = this.starts;
    const ends = this.ends;
    if (nf !== layout.ncols && !(nf > layout.ncols && layout.hasHeader === false)) {
      const missing = Math.min(nf, layout.ncols);
      this.bad(
        st,
        layout,
        line,
        missing,
        layout.names[missing] ?? `column ${missing + 1}`,
        `one of ${layout.ncols} columns (the row has ${nf})`,
        raw.slice(rs, re),
        raw,
        rs,
        re,
      );
      return;
    }
    // Timestamp
    const its = idx.ts;
    const s0 = starts[its] as number;
    const e0 = ends[its] as number;
    let unit = st.unit;
    if (unit === undefined) {
      unit = this.unitFor(buf, s0, e0);
      if (unit === undefined) {
        this.bad(st, layout, line, its, 'ts', 'an epoch number or ISO-8601 time', buf.slice(s0, e0), raw, rs, re);
        return;
      }
      st.unit = unit;
    }
    const ts =
      unit === 'iso'
        ? parseIso(buf, s0, e0)
        : unit === 'ns'
          ? parseEpoch(buf, s0, e0, 'ns')
          : parseEpochScaled(buf, s0, e0, unit === 'us' ? 1 : unit === 'ms' ? 1000 : 1_000_000);
    if (Number.isNaN(ts)) {
      this.bad(
        st,
        layout,
        line,
        its,
        'ts',
        unit === 'iso' ? 'an ISO-8601 time' : `an epoch number in ${unit}`,
        buf.slice(s0, e0),
        raw,
        rs,
        re,
      );
      return;
    }
    // Symbol, reusing the previous row's string when equal (most files hold one or few symbols).
    let symbol: string;
    const isym = idx.symbol;
    if (isym < 0) symbol = st.lastSymbol;
    else {
      const s = starts[isym] as number;
      const e = ends[isym] as number;
      const last = st.lastSymbol;
      if (e - s === last.length && textAt(buf, s, last)) symbol = last;
      else {
        symbol = buf.slice(s, e);
        if (symbol.length === 0) {
          this.bad(st, layout, line, isym, 'symbol', 'a non-empty string', symbol, raw, rs, re);
          return;
        }
        st.lastSymbol = symbol;
      }
    }
    switch (layout.kindCode) {
      case 1: {
        let price = parseNumber(buf, starts[idx.price] as number, ends[idx.price] as number);
        if (this.priceDiv !== 1) price /= this.priceDiv;
        if (Number.isNaN(price)) {
          this.bad(st, layout, line, idx.price, 'price', 'a number', this.str(buf, idx.price), raw, rs, re);
          return;
        }
        const size = parseNumber(buf, starts[idx.size] as number, ends[idx.size] as number);
        if (!(size >= 0)) {
          this.bad(st, layout, line, idx.size, 'size', 'a number ≥ 0', this.str(buf, idx.size), raw, rs, re);
          return;
        }
        let side: 'buy' | 'sell' | 'unknown' = 'unknown';
        const iside = idx.side;
        if (iside >= 0) {
          const s = starts[iside] as number;
          const len = (ends[iside] as number) - s;
          const c = buf.charCodeAt(s) | 32;
          if (len === 3 && c === 98 && (buf.charCodeAt(s + 1) | 32) === 117) side = 'buy';
          else if (len === 4 && c === 115 && (buf.charCodeAt(s + 1) | 32) === 101) side = 'sell';
          else if (len === 1 && (c === 98 || c === 115)) side = c === 98 ? 'buy' : 'sell';
          else if (!(len === 0 || (len === 7 && c === 117))) {
            this.bad(
              st,
              layout,
              line,
              iside,
              'side',
              '"buy", "sell", "unknown" or empty',
              this.str(buf, iside),
              raw,
              rs,
              re,
            );
            return;
          }
        }
        const iid = idx.id;
        if (iid >= 0 && (ends[iid] as number) > (starts[iid] as number)) {
          st.checks.accept(
            { type: 'trade', symbol, ts, price, size, side, id: this.str(buf, iid) },
            st.lineKnown ? line : 0,
          );
        } else {
          st.checks.accept({ type: 'trade', symbol, ts, price, size, side }, st.lineKnown ? line : 0);
        }
        return;
      }
      case 0: {
        let bid = parseNumber(buf, starts[idx.bid] as number, ends[idx.bid] as number);
        if (Number.isNaN(bid)) {
          this.bad(st, layout, line, idx.bid, 'bid', 'a number', this.str(buf, idx.bid), raw, rs, re);
          return;
        }
        const bidSize = parseNumber(buf, starts[idx.bid_size] as number, ends[idx.bid_size] as number);
        if (!(bidSize >= 0)) {
          this.bad(
            st,
            layout,
            line,
            idx.bid_size,
            'bid_size',
            'a number ≥ 0',
            this.str(buf, idx.bid_size),
            raw,
            rs,
            re,
          );
          return;
        }
        let ask = parseNumber(buf, starts[idx.ask] as number, ends[idx.ask] as number);
        if (Number.isNaN(ask)) {
          this.bad(st, layout, line, idx.ask, 'ask', 'a number', this.str(buf, idx.ask), raw, rs, re);
          return;
        }
        const askSize = parseNumber(buf, starts[idx.ask_size] as number, ends[idx.ask_size] as number);
        if (!(askSize >= 0)) {
          this.bad(
            st,
            layout,
            line,
            idx.ask_size,
            'ask_size',
            'a number ≥ 0',
            this.str(buf, idx.ask_size),
            raw,
            rs,
            re,
          );
          return;
        }
        if (this.priceDiv !== 1) {
          bid /= this.priceDiv;
          ask /= this.priceDiv;
        }
        st.checks.accept({ type: 'quote', symbol, ts, bid, bidSize, ask, askSize }, st.lineKnown ? line : 0);
        return;
      }
      case 2: {
        const tf = idx.timeframe >= 0 ? this.str(buf, idx.timeframe) : (this.options.timeframe as string);
        if (tf.length === 0) {
          this.bad(st, layout, line, idx.timeframe, 'timeframe', 'a timeframe like "1m"', tf, raw, rs, re);
          return;
        }
        let start: number;
        let close = ts;
        if (idx.start >= 0) {
          const ss = starts[idx.start] as number;
          const se = ends[idx.start] as number;
          start = unit === 'iso' ? parseIso(buf, ss, se) : parseEpoch(buf, ss, se, unit);
          if (Number.isNaN(start)) {
            this.bad(st, layout, line, idx.start, 'start', 'a time like `ts`', this.str(buf, idx.start), raw, rs, re);
            return;
          }
          if (this.barOpen) close = start + this.tfLength(tf, st, layout, line, idx.timeframe, raw, rs, re);
        } else {
          const len = this.tfLength(tf, st, layout, line, idx.timeframe, raw, rs, re);
          if (Number.isNaN(len)) return;
          if (this.barOpen) {
            start = ts;
            close = ts + len;
          } else start = ts - len;
        }
        if (Number.isNaN(close)) return;
        const v: number[] = [0, 0, 0, 0, 0];
        const names = ['open', 'high', 'low', 'close', 'volume'] as const;
        for (let k = 0; k < 5; k++) {
          const ci = idx[names[k] as CsvField];
          const x = parseNumber(buf, starts[ci] as number, ends[ci] as number);
          if (Number.isNaN(x)) {
            this.bad(st, layout, line, ci, names[k] as string, 'a number', this.str(buf, ci), raw, rs, re);
            return;
          }
          v[k] = k < 4 && this.priceDiv !== 1 ? x / this.priceDiv : x;
        }
        const bar: MarketEvent = {
          type: 'bar',
          symbol,
          ts: close,
          start,
          timeframe: tf,
          open: v[0] as number,
          high: v[1] as number,
          low: v[2] as number,
          close: v[3] as number,
          volume: v[4] as number,
        };
        const it = idx.trades;
        if (it >= 0 && (ends[it] as number) > (starts[it] as number)) {
          const t = parseNumber(buf, starts[it] as number, ends[it] as number);
          if (Number.isNaN(t)) {
            this.bad(st, layout, line, it, 'trades', 'a number or empty', this.str(buf, it), raw, rs, re);
            return;
          }
          bar.trades = t;
        }
        st.checks.accept(bar, st.lineKnown ? line : 0);
        return;
      }
      case 4: {
        const status = this.str(buf, idx.status);
        if (status !== 'open' && status !== 'halt' && status !== 'close') {
          this.bad(st, layout, line, idx.status, 'status', '"open", "halt" or "close"', status, raw, rs, re);
          return;
        }
        const e: MarketEvent = { type: 'status', symbol, ts, status };
        const ir = idx.reason;
        if (ir >= 0 && (ends[ir] as number) > (starts[ir] as number)) e.reason = this.str(buf, ir);
        st.checks.accept(e, st.lineKnown ? line : 0);
        return;
      }
      case 5: {
        this.wideRow(buf, layout, st, line, symbol, ts, raw, rs, re);
        return;
      }
      default: {
        const kindText = this.str(buf, idx.kind);
        const type = kindText === 'snapshot' ? 'book_snapshot' : kindText === 'delta' ? 'book_delta' : undefined;
        if (type === undefined) {
          this.bad(st, layout, line, idx.kind, 'kind', '"snapshot" or "delta"', kindText, raw, rs, re);
          return;
        }
        const sideText = idx.side >= 0 ? this.str(buf, idx.side) : '';
        let level: BookLevel | undefined;
        if (sideText !== '') {
          if (sideText !== 'bid' && sideText !== 'ask') {
            this.bad(st, layout, line, idx.side, 'side', '"bid", "ask" or empty', sideText, raw, rs, re);
            return;
          }
          const price = parseNumber(buf, starts[idx.price] as number, ends[idx.price] as number);
          if (Number.isNaN(price)) {
            this.bad(st, layout, line, idx.price, 'price', 'a number', this.str(buf, idx.price), raw, rs, re);
            return;
          }
          const size = parseNumber(buf, starts[idx.size] as number, ends[idx.size] as number);
          if (!(size >= 0)) {
            this.bad(st, layout, line, idx.size, 'size', 'a number ≥ 0', this.str(buf, idx.size), raw, rs, re);
            return;
          }
          level = { price: this.priceDiv !== 1 ? price / this.priceDiv : price, size };
        }
        const p = st.pending;
        // A row without a level starts a new event: an empty book event, or the first row of
        // one that follows another with the same ts, symbol and kind (what the writer marks).
        if (!p || level === undefined || p.ts !== ts || p.symbol !== symbol || p.type !== type) {
          this.flushBook(st);
          st.pending = { type, symbol, ts, bids: [], asks: [] };
          st.pendingLine = line;
        }
        const cur = st.pending as NonNullable<ReadState['pending']>;
        if (level) (sideText === 'bid' ? cur.bids : cur.asks).push(level);
        return;
      }
    }
  }
}
