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

/** The digits of a top-level integer field as text (exact, unlike JSON.parse beyond 2^53), or `undefined`. */
function exactDigits(line: string, key: string): string | undefined {
  const m = new RegExp(`"${key}"\\s*:\\s*(-?\\d+)\\s*[,}]`).exec(line);
  return m?.[1];
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
// The key matchers below are unrolled comparisons (generated from the canonical key texts):
// small enough for V8 to inline into fastEvent, unlike a loop over a key array.
/** `","ts":` at `i`. */
function isTs(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 34 &&
    s.charCodeAt(i + 1) === 44 &&
    s.charCodeAt(i + 2) === 34 &&
    s.charCodeAt(i + 3) === 116 &&
    s.charCodeAt(i + 4) === 115 &&
    s.charCodeAt(i + 5) === 34 &&
    s.charCodeAt(i + 6) === 58
  );
}

/** `,"id":"` at `i`. */
function isId(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 44 &&
    s.charCodeAt(i + 1) === 34 &&
    s.charCodeAt(i + 2) === 105 &&
    s.charCodeAt(i + 3) === 100 &&
    s.charCodeAt(i + 4) === 34 &&
    s.charCodeAt(i + 5) === 58 &&
    s.charCodeAt(i + 6) === 34
  );
}

/** `,"price":` at `i`. */
function isPrice(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 44 &&
    s.charCodeAt(i + 1) === 34 &&
    s.charCodeAt(i + 2) === 112 &&
    s.charCodeAt(i + 3) === 114 &&
    s.charCodeAt(i + 4) === 105 &&
    s.charCodeAt(i + 5) === 99 &&
    s.charCodeAt(i + 6) === 101 &&
    s.charCodeAt(i + 7) === 34 &&
    s.charCodeAt(i + 8) === 58
  );
}

/** `,"side":"` at `i`. */
function isSide(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 44 &&
    s.charCodeAt(i + 1) === 34 &&
    s.charCodeAt(i + 2) === 115 &&
    s.charCodeAt(i + 3) === 105 &&
    s.charCodeAt(i + 4) === 100 &&
    s.charCodeAt(i + 5) === 101 &&
    s.charCodeAt(i + 6) === 34 &&
    s.charCodeAt(i + 7) === 58 &&
    s.charCodeAt(i + 8) === 34
  );
}

/** `,"size":` at `i`. */
function isSize(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 44 &&
    s.charCodeAt(i + 1) === 34 &&
    s.charCodeAt(i + 2) === 115 &&
    s.charCodeAt(i + 3) === 105 &&
    s.charCodeAt(i + 4) === 122 &&
    s.charCodeAt(i + 5) === 101 &&
    s.charCodeAt(i + 6) === 34 &&
    s.charCodeAt(i + 7) === 58
  );
}

/** `buy"` at `i`. */
function isBuy(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 98 && s.charCodeAt(i + 1) === 117 && s.charCodeAt(i + 2) === 121 && s.charCodeAt(i + 3) === 34
  );
}

/** `quote","symbol":"` at `i`. */
function isQuoteSymbol(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 113 &&
    s.charCodeAt(i + 1) === 117 &&
    s.charCodeAt(i + 2) === 111 &&
    s.charCodeAt(i + 3) === 116 &&
    s.charCodeAt(i + 4) === 101 &&
    s.charCodeAt(i + 5) === 34 &&
    s.charCodeAt(i + 6) === 44 &&
    s.charCodeAt(i + 7) === 34 &&
    s.charCodeAt(i + 8) === 115 &&
    s.charCodeAt(i + 9) === 121 &&
    s.charCodeAt(i + 10) === 109 &&
    s.charCodeAt(i + 11) === 98 &&
    s.charCodeAt(i + 12) === 111 &&
    s.charCodeAt(i + 13) === 108 &&
    s.charCodeAt(i + 14) === 34 &&
    s.charCodeAt(i + 15) === 58 &&
    s.charCodeAt(i + 16) === 34
  );
}

/** `sell"` at `i`. */
function isSell(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 115 &&
    s.charCodeAt(i + 1) === 101 &&
    s.charCodeAt(i + 2) === 108 &&
    s.charCodeAt(i + 3) === 108 &&
    s.charCodeAt(i + 4) === 34
  );
}

/** `trade","symbol":"` at `i`. */
function isTradeSymbol(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 116 &&
    s.charCodeAt(i + 1) === 114 &&
    s.charCodeAt(i + 2) === 97 &&
    s.charCodeAt(i + 3) === 100 &&
    s.charCodeAt(i + 4) === 101 &&
    s.charCodeAt(i + 5) === 34 &&
    s.charCodeAt(i + 6) === 44 &&
    s.charCodeAt(i + 7) === 34 &&
    s.charCodeAt(i + 8) === 115 &&
    s.charCodeAt(i + 9) === 121 &&
    s.charCodeAt(i + 10) === 109 &&
    s.charCodeAt(i + 11) === 98 &&
    s.charCodeAt(i + 12) === 111 &&
    s.charCodeAt(i + 13) === 108 &&
    s.charCodeAt(i + 14) === 34 &&
    s.charCodeAt(i + 15) === 58 &&
    s.charCodeAt(i + 16) === 34
  );
}

/** `unknown"` at `i`. */
function isUnknown(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 117 &&
    s.charCodeAt(i + 1) === 110 &&
    s.charCodeAt(i + 2) === 107 &&
    s.charCodeAt(i + 3) === 110 &&
    s.charCodeAt(i + 4) === 111 &&
    s.charCodeAt(i + 5) === 119 &&
    s.charCodeAt(i + 6) === 110 &&
    s.charCodeAt(i + 7) === 34
  );
}

/** `{"type":"` at `i`. */
function isType(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 123 &&
    s.charCodeAt(i + 1) === 34 &&
    s.charCodeAt(i + 2) === 116 &&
    s.charCodeAt(i + 3) === 121 &&
    s.charCodeAt(i + 4) === 112 &&
    s.charCodeAt(i + 5) === 101 &&
    s.charCodeAt(i + 6) === 34 &&
    s.charCodeAt(i + 7) === 58 &&
    s.charCodeAt(i + 8) === 34
  );
}

/** `,"bid":` at `i`. */
function isBid(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 44 &&
    s.charCodeAt(i + 1) === 34 &&
    s.charCodeAt(i + 2) === 98 &&
    s.charCodeAt(i + 3) === 105 &&
    s.charCodeAt(i + 4) === 100 &&
    s.charCodeAt(i + 5) === 34 &&
    s.charCodeAt(i + 6) === 58
  );
}

/** `,"bidSize":` at `i`. */
function isBidsize(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 44 &&
    s.charCodeAt(i + 1) === 34 &&
    s.charCodeAt(i + 2) === 98 &&
    s.charCodeAt(i + 3) === 105 &&
    s.charCodeAt(i + 4) === 100 &&
    s.charCodeAt(i + 5) === 83 &&
    s.charCodeAt(i + 6) === 105 &&
    s.charCodeAt(i + 7) === 122 &&
    s.charCodeAt(i + 8) === 101 &&
    s.charCodeAt(i + 9) === 34 &&
    s.charCodeAt(i + 10) === 58
  );
}

/** `,"ask":` at `i`. */
function isAsk(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 44 &&
    s.charCodeAt(i + 1) === 34 &&
    s.charCodeAt(i + 2) === 97 &&
    s.charCodeAt(i + 3) === 115 &&
    s.charCodeAt(i + 4) === 107 &&
    s.charCodeAt(i + 5) === 34 &&
    s.charCodeAt(i + 6) === 58
  );
}

/** `,"askSize":` at `i`. */
function isAsksize(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 44 &&
    s.charCodeAt(i + 1) === 34 &&
    s.charCodeAt(i + 2) === 97 &&
    s.charCodeAt(i + 3) === 115 &&
    s.charCodeAt(i + 4) === 107 &&
    s.charCodeAt(i + 5) === 83 &&
    s.charCodeAt(i + 6) === 105 &&
    s.charCodeAt(i + 7) === 122 &&
    s.charCodeAt(i + 8) === 101 &&
    s.charCodeAt(i + 9) === 34 &&
    s.charCodeAt(i + 10) === 58
  );
}

function fastEvent(s: string, a: number, b: number, st: ReadState): MarketEvent | undefined {
  if (s.charCodeAt(b - 1) !== 125 || !isType(s, a)) return undefined;
  let i = a + 9;
  const isTrade = isTradeSymbol(s, i);
  if (!isTrade && !isQuoteSymbol(s, i)) return undefined;
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
  if (!isTs(s, i)) return undefined;
  i += 7;
  const ts = scanNumber(s, i, b);
  if (!Number.isInteger(ts)) return undefined;
  i = numEnd;
  if (isTrade) {
    if (!isPrice(s, i)) return undefined;
    i += 9;
    const price = scanNumber(s, i, b);
    if (!Number.isFinite(price) || !isSize(s, numEnd)) return undefined;
    i = numEnd + 8;
    const size = scanNumber(s, i, b);
    if (!Number.isFinite(size) || !isSide(s, numEnd)) return undefined;
    i = numEnd + 9;
    let side: 'buy' | 'sell' | 'unknown';
    if (isBuy(s, i)) {
      side = 'buy';
      i += 4;
    } else if (isSell(s, i)) {
      side = 'sell';
      i += 5;
    } else if (isUnknown(s, i)) {
      side = 'unknown';
      i += 8;
    } else return undefined;
    if (i === b - 1) return { type: 'trade', symbol, ts, price, size, side };
    if (!isId(s, i)) return undefined;
    i += 7;
    const ie = stringEnd(s, i, b, st);
    if (ie < 0 || ie !== b - 2) return undefined;
    return { type: 'trade', symbol, ts, price, size, side, id: s.slice(i, ie) };
  }
  const v = [0, 0, 0, 0];
  for (let k = 0; k < 4; k++) {
    const len =
      k === 0
        ? isBid(s, i)
          ? 7
          : 0
        : k === 1
          ? isBidsize(s, i)
            ? 11
            : 0
          : k === 2
            ? isAsk(s, i)
              ? 7
              : 0
            : isAsksize(s, i)
              ? 11
              : 0;
    if (len === 0) return undefined;
    i += len;
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
    this.report = emptyReport([name], this.checkOptions.gapThreshold);
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
    try {
      for await (const text of textChunks(this.name, this.gzip, startByte)) {
        let from = 0;
        if (carry.length > 0) {
          // Finish the line cut at the chunk boundary on its own instead of copying the whole
          // chunk into `carry + text`.
          const nl = text.indexOf('\n');
          if (nl < 0) {
            carry += text;
            continue;
          }
          const head = carry + text.slice(0, nl + 1);
          this.parse(head, head.length - 1, st);
          carry = '';
          from = nl + 1;
        }
        const end = text.lastIndexOf('\n');
        if (end < from) {
          carry = text.slice(from);
          continue;
        }
        this.parse(text, end, st, from);
        carry = text.slice(end + 1);
        if (checks.ready) yield checks.take();
      }
    } catch (err) {
      // Damaged gzip: hand on every complete line before the damage, then the error.
      if (isTradeKitError(err) && err.code === 'REPLAY_BAD_GZIP') {
        checks.finish();
        if (checks.ready) yield checks.take();
      }
      throw err;
    }
    if (carry.length > 0) this.parse(`${carry}\n`, carry.length, st);
    checks.finish();
    if (checks.ready) yield checks.take();
  }

  /** Parses the complete lines of `buf[0, end]` (`end` is the index of the last newline). */
  private parse(buf: string, end: number, st: ReadState, start = 0): void {
    let pos = start;
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
      } else checks.blank();
      pos = nl + 1;
    }
  }

  private accept(record: { ts?: unknown; start?: unknown }, line: string, lineNo: number, st: ReadState): void {
    const checks = st.checks;
    if (record !== null && typeof record === 'object') {
      // JSON.parse rounds integers beyond 2^53 (19-digit ns): read those digits from the text.
      if (typeof record.ts === 'number' && !Number.isSafeInteger(record.ts))
        record.ts = exactDigits(line, 'ts') ?? record.ts;
      if (typeof record.start === 'number' && !Number.isSafeInteger(record.start))
        record.start = exactDigits(line, 'start') ?? record.start;
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
