/**
 * JSONL reader: one canonical event per line (see @tradekit/types `eventToJsonLine`), with `ts`
 * in epoch µs, or in another unit / ISO-8601 when configured or detected.
 */
import {
  type EpochUnit,
  type MarketEvent,
  type Micros,
  type RecordLocation,
  detectEpochUnit,
  isTradeKitError,
  jsonToEvent,
} from '@tradekit/types';
import {
  DataChecks,
  type DataCheckOptions,
  type DataReport,
  type ResolvedChecks,
  emptyReport,
  resolveChecks,
} from './checks.js';
import { invalidOption, malformedRow } from './errors.js';
import { type TsFormat, parseEpoch, parseIso, parseNumber, textAt } from './numbers.js';
import { type EventSource, type SeekMethod, flatten } from './source.js';
import { assertReadable, isGzipPath, searchLineOffset, textChunks } from './text.js';

/** Options of the JSONL reader. */
export interface JsonlReadOptions extends DataCheckOptions {
  /** Format of `ts` (and bar `start`): an epoch unit, `iso`, or `auto` (by the first record). @default 'auto' */
  ts?: TsFormat;
  /** Read through gunzip; by default when the path ends in `.gz`. */
  gzip?: boolean;
}

interface ReadState {
  lastSymbol: string;
  bsBuf: string;
  bsPos: number;
  checks: DataChecks;
  line: number;
  lineKnown: boolean;
  unit: EpochUnit | 'iso' | undefined;
  loc: RecordLocation;
}

function toUs(v: unknown, unit: EpochUnit | 'iso'): number {
  if (typeof v === 'number') {
    if (unit === 'us' && Number.isInteger(v)) return v;
    if (unit === 'iso') return Number.NaN;
    const t = String(v);
    return parseEpoch(t, 0, t.length, unit);
  }
  if (typeof v === 'string')
    return unit === 'iso' || !/^-?\d/.test(v) ? parseIso(v, 0, v.length) : parseEpoch(v, 0, v.length, unit);
  return Number.NaN;
}

/** End of a JSON string value starting at `i` (index of the closing quote), or -1 when it holds escapes. */
function stringEnd(s: string, i: number, end: number, st: ReadState): number {
  const q = s.indexOf('"', i);
  if (q < 0 || q >= end) return -1;
  // The next backslash is cached per buffer, so the check stays O(1) per string.
  if (st.bsBuf !== s || (st.bsPos < i && st.bsPos >= 0)) {
    st.bsBuf = s;
    st.bsPos = s.indexOf('\\', i);
  }
  return st.bsPos >= 0 && st.bsPos < q ? -1 : q;
}

/** Index just after the number most recently read by {@link scanNumber}. */
let numEnd = 0;

/**
 * Reads a JSON number starting at `i` up to the next `,` or `}` in one pass; sets
 * {@link numEnd}. Integers and decimals of up to 15 digits are exact (integer ÷ power of ten).
 */
function scanNumber(s: string, i: number, end: number): number {
  let m = 0;
  let frac = -1;
  let digits = 0;
  let neg = false;
  let j = i;
  if (s.charCodeAt(j) === 45) {
    neg = true;
    j++;
  }
  for (; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0) frac = 0;
    else break;
  }
  const c = s.charCodeAt(j);
  if (c !== 44 && c !== 125) {
    // Exponent or junk: find the end and let the general parser decide.
    let k = j;
    while (k < end && s.charCodeAt(k) !== 44 && s.charCodeAt(k) !== 125) k++;
    numEnd = k;
    return parseNumber(s, i, k);
  }
  numEnd = j;
  if (digits === 0 || frac === 0) return Number.NaN;
  // Integers stay exact up to 2^53 (epoch µs have 16 digits); fractions need ≤ 15 digits.
  if (frac > 0 ? digits > 15 : m > Number.MAX_SAFE_INTEGER) return parseNumber(s, i, j);
  const x = frac > 0 ? m / POW10[frac]! : m;
  return neg ? -x : x;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * Hand-written parser for canonical trade and quote lines (exact key order written by
 * `eventToJsonLine`), about twice as fast as `JSON.parse` + validation. Anything else (other
 * types, escapes, other key orders, bad values) returns `undefined` and takes the general path,
 * which also produces the error messages.
 */
function codes(text: string): number[] {
  return Array.from(text, (c) => c.charCodeAt(0));
}

/** True when `s` holds `key` (as char codes) at `i`: a plain loop beats `startsWith` calls here. */
function matchAt(s: string, i: number, key: number[]): boolean {
  for (let k = 0; k < key.length; k++) if (s.charCodeAt(i + k) !== key[k]) return false;
  return true;
}

const K_TS = codes('","ts":');
const K_ID = codes(',"id":"');
const K_PRICE = codes(',"price":');
const K_SIDE = codes(',"side":"');
const K_SIZE = codes(',"size":');
const K_BUY = codes('buy"');
const K_QUOTE_SYMBOL = codes('quote","symbol":"');
const K_SELL = codes('sell"');
const K_TRADE_SYMBOL = codes('trade","symbol":"');
const K_UNKNOWN = codes('unknown"');
const K_TYPE = codes('{"type":"');
const QUOTE_KEYS = [codes(',"bid":'), codes(',"bidSize":'), codes(',"ask":'), codes(',"askSize":')];

function fastEvent(s: string, a: number, b: number, st: ReadState): MarketEvent | undefined {
  if (s.charCodeAt(b - 1) !== 125 || !matchAt(s, a, K_TYPE)) return undefined;
  let i = a + 9;
  const isTrade = matchAt(s, i, K_TRADE_SYMBOL);
  if (!isTrade && !matchAt(s, i, K_QUOTE_SYMBOL)) return undefined;
  i += 17;
  const se = stringEnd(s, i, b, st);
  if (se <= i) return undefined;
  const last = st.lastSymbol;
  let symbol: string;
  if (se - i === last.length && textAt(s, i, last)) symbol = last;
  else {
    symbol = s.slice(i, se);
    st.lastSymbol = symbol;
  }
  i = se;
  if (!matchAt(s, i, K_TS)) return undefined;
  i += 7;
  const ts = scanNumber(s, i, b);
  if (!Number.isInteger(ts)) return undefined;
  i = numEnd;
  if (isTrade) {
    if (!matchAt(s, i, K_PRICE)) return undefined;
    i += 9;
    const price = scanNumber(s, i, b);
    if (!Number.isFinite(price) || !matchAt(s, numEnd, K_SIZE)) return undefined;
    i = numEnd + 8;
    const size = scanNumber(s, i, b);
    if (!Number.isFinite(size) || !matchAt(s, numEnd, K_SIDE)) return undefined;
    i = numEnd + 9;
    let side: 'buy' | 'sell' | 'unknown';
    if (matchAt(s, i, K_BUY)) {
      side = 'buy';
      i += 4;
    } else if (matchAt(s, i, K_SELL)) {
      side = 'sell';
      i += 5;
    } else if (matchAt(s, i, K_UNKNOWN)) {
      side = 'unknown';
      i += 8;
    } else return undefined;
    if (i === b - 1) return { type: 'trade', symbol, ts, price, size, side };
    if (!matchAt(s, i, K_ID)) return undefined;
    i += 7;
    const ie = stringEnd(s, i, b, st);
    if (ie < 0 || ie !== b - 2) return undefined;
    return { type: 'trade', symbol, ts, price, size, side, id: s.slice(i, ie) };
  }
  const keys = QUOTE_KEYS;
  const v = [0, 0, 0, 0];
  for (let k = 0; k < 4; k++) {
    const key = keys[k] as number[];
    if (!matchAt(s, i, key)) return undefined;
    i += key.length;
    const x = scanNumber(s, i, b);
    if (!Number.isFinite(x)) return undefined;
    v[k] = x;
    i = numEnd;
  }
  if (i !== b - 1) return undefined;
  return {
    type: 'quote',
    symbol,
    ts,
    bid: v[0] as number,
    bidSize: v[1] as number,
    ask: v[2] as number,
    askSize: v[3] as number,
  };
}

/** A JSONL file as an {@link EventSource}; plain files seek by binary search, gzip files by scanning. */
export class JsonlSource implements EventSource {
  readonly format = 'jsonl';
  readonly report: DataReport;
  readonly seekMethod: SeekMethod;
  private readonly gzip: boolean;
  private readonly checkOptions: ResolvedChecks;

  constructor(
    readonly name: string,
    readonly options: JsonlReadOptions = {},
  ) {
    this.checkOptions = resolveChecks(options);
    this.report = emptyReport([name]);
    this.gzip = options.gzip ?? isGzipPath(name);
    this.seekMethod = this.gzip ? 'scan' : 'binary-search';
    const ts = options.ts ?? 'auto';
    if (!['auto', 'iso', 's', 'ms', 'us', 'ns'].includes(ts))
      throw invalidOption('ts', "one of 'auto', 'iso', 's', 'ms', 'us', 'ns'", ts);
  }

  [Symbol.asyncIterator](): AsyncIterator<MarketEvent> {
    return flatten(this.batches());
  }

  private unitOf(v: unknown): EpochUnit | 'iso' | undefined {
    const cfg = this.options.ts ?? 'auto';
    if (cfg !== 'auto') return cfg;
    if (typeof v === 'number') return detectEpochUnit(v);
    if (typeof v === 'string') return /^-?\d+(\.\d+)?$/.test(v) ? detectEpochUnit(Number(v)) : 'iso';
    return undefined;
  }

  async *batches(from: Micros = Number.NEGATIVE_INFINITY): AsyncIterableIterator<MarketEvent[]> {
    const size = await assertReadable(this.name);
    const checks = new DataChecks(this.name, this.checkOptions, this.report, from);
    const st: ReadState = {
      lastSymbol: '',
      bsBuf: '',
      bsPos: -1,
      checks,
      line: 0,
      lineKnown: true,
      unit: undefined,
      loc: { file: this.name, line: 0 },
    };
    let startByte = 0;
    if (from > Number.NEGATIVE_INFINITY && !this.gzip && size > 1 << 17) {
      let unit: EpochUnit | 'iso' | undefined;
      startByte = await searchLineOffset(this.name, 0, size, from, (line) => {
        try {
          const o = JSON.parse(line) as { ts?: unknown };
          unit ??= this.unitOf(o.ts);
          return unit === undefined ? Number.NaN : toUs(o.ts, unit);
        } catch {
          return Number.NaN;
        }
      });
      if (startByte > 0) {
        st.lineKnown = false;
        st.unit = unit;
      }
    }
    let carry = '';
    for await (const text of textChunks(this.name, this.gzip, startByte)) {
      const buf = carry.length > 0 ? carry + text : text;
      const end = buf.lastIndexOf('\n');
      if (end < 0) {
        carry = buf;
        continue;
      }
      this.parse(buf, end, st);
      carry = buf.slice(end + 1);
      if (checks.out.length > 0) yield checks.take();
    }
    if (carry.length > 0) this.parse(`${carry}\n`, carry.length, st);
    checks.finish();
    if (checks.out.length > 0) yield checks.take();
  }

  /** Parses the complete lines of `buf[0, end]` (`end` is the index of the last newline). */
  private parse(buf: string, end: number, st: ReadState): void {
    let pos = 0;
    const checks = st.checks;
    while (pos <= end) {
      let nl = buf.indexOf('\n', pos);
      if (nl < 0 || nl > end) nl = end;
      st.line++;
      let e = nl;
      if (e > pos && buf.charCodeAt(e - 1) === 13) e--;
      if (st.line === 1 && buf.charCodeAt(pos) === 0xfeff) pos++; // byte-order mark
      if (e > pos) {
        const lineNo = st.lineKnown ? st.line : 0;
        if (st.unit === 'us') {
          const fast = fastEvent(buf, pos, e, st);
          if (fast !== undefined) {
            checks.accept(fast, lineNo);
            pos = nl + 1;
            continue;
          }
        }
        const line = buf.slice(pos, e);
        let record: { ts?: unknown; start?: unknown };
        try {
          record = JSON.parse(line);
        } catch (err) {
          const m = /position (\d+)/.exec((err as Error).message);
          const column = m ? Number(m[1]) + 1 : undefined;
          checks.malformed(
            malformedRow(this.name, lineNo, column, 'record', 'a JSON object', line.slice(0, 40), line),
            lineNo,
            column,
            line,
          );
          pos = nl + 1;
          continue;
        }
        this.accept(record, line, lineNo, st);
      }
      pos = nl + 1;
    }
  }

  private accept(record: { ts?: unknown; start?: unknown }, line: string, lineNo: number, st: ReadState): void {
    const checks = st.checks;
    if (record !== null && typeof record === 'object') {
      const ts = record.ts;
      if (!(typeof ts === 'number' && st.unit === 'us' && Number.isInteger(ts))) {
        st.unit ??= this.unitOf(ts);
        if (st.unit !== undefined) {
          const us = toUs(ts, st.unit);
          if (!Number.isNaN(us)) record.ts = us;
          if (record.start !== undefined) {
            const s = toUs(record.start, st.unit);
            if (!Number.isNaN(s)) record.start = s;
          }
        }
      }
    }
    let event: MarketEvent;
    try {
      st.loc.line = lineNo;
      event = jsonToEvent(record, st.loc);
    } catch (err) {
      if (!isTradeKitError(err)) throw err;
      const field = String(err.details.field ?? 'record');
      checks.malformed(
        malformedRow(
          this.name,
          lineNo,
          field,
          field,
          String(err.message.match(/to be (.*?), got/)?.[1] ?? 'valid'),
          err.details.value,
          line,
        ),
        lineNo,
        field,
        line,
      );
      return;
    }
    checks.accept(event, lineNo);
  }
}
