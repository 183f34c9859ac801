/**
 * JSONL reader: one canonical event per line (see @tradekit/types `eventToJsonLine`), with `ts`
 * in epoch µs, or in another unit / ISO-8601 when configured or detected.
 */
import { type EpochUnit, type MarketEvent, type Micros, type RecordLocation, detectEpochUnit, isTradeKitError, jsonToEvent } from '@tradekit/types';
import { DataChecks, type DataCheckOptions, type DataReport, type ResolvedChecks, emptyReport, resolveChecks } from './checks.js';
import { invalidOption, malformedRow } from './errors.js';
import { type TsFormat, parseEpoch, parseIso } from './numbers.js';
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
  if (typeof v === 'string') return unit === 'iso' || !/^-?\d/.test(v) ? parseIso(v, 0, v.length) : parseEpoch(v, 0, v.length, unit);
  return Number.NaN;
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
    if (!['auto', 'iso', 's', 'ms', 'us', 'ns'].includes(ts)) throw invalidOption('ts', "one of 'auto', 'iso', 's', 'ms', 'us', 'ns'", ts);
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
    const st: ReadState = { checks, line: 0, lineKnown: true, unit: undefined, loc: { file: this.name, line: 0 } };
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
      if (e > pos) {
        const line = buf.slice(pos, e);
        const lineNo = st.lineKnown ? st.line : 0;
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
        malformedRow(this.name, lineNo, field, field, String(err.message.match(/to be (.*?), got/)?.[1] ?? 'valid'), err.details.value, line),
        lineNo,
        field,
        line,
      );
      return;
    }
    checks.accept(event, lineNo);
  }
}
