/**
 * Data checks applied to every row a reader produces: out-of-order timestamps, malformed rows,
 * duplicates, gaps and crossed quotes. Each check has a policy; what was skipped or flagged is
 * counted in a {@link DataReport} that stays available after the replay ends.
 */
import { TradeKitError, type MarketEvent, type Micros, microsToIso, parseDuration } from '@tradekit/types';
import { clipRow, invalidOption, location } from './errors.js';

/** What to do with a row that cannot be parsed. */
export type MalformedPolicy = 'error' | 'skip';
/** What to do with an event older than the one before it in the same file. */
export type OutOfOrderPolicy = 'error' | 'skip' | 'reorder';
/** What to do with a flagged event (duplicate, crossed quote): keep it, drop it, or stop. */
export type FlagPolicy = 'keep' | 'skip' | 'error';

/** Data-check options shared by every reader. */
export interface DataCheckOptions {
  /** Bad rows: throw `REPLAY_MALFORMED_ROW` naming file, line, column and row, or skip and count. @default 'error' */
  malformed?: MalformedPolicy;
  /**
   * Timestamps going back within one file: throw `REPLAY_OUT_OF_ORDER`, skip them, or `reorder`
   * within {@link DataCheckOptions.reorderWindow} (later ones are skipped and counted).
   * @default 'error'
   */
  outOfOrder?: OutOfOrderPolicy;
  /** How far back `reorder` may move an event, µs or a duration like `"500ms"`. @default '1s' */
  reorderWindow?: number | string;
  /** An event equal to the event just before it (same ts and fields). @default 'keep' */
  duplicates?: FlagPolicy;
  /** A quote with bid above ask. @default 'keep' */
  crossedQuotes?: FlagPolicy;
  /** Report gaps longer than this between two events of the same symbol, µs or a duration like `"5m"`. */
  gapThreshold?: number | string;
  /** How many examples of each issue the report keeps. @default 5 */
  maxExamples?: number;
}

/** One example of a data issue. */
export interface DataIssue {
  file: string;
  /** 1-based line (row for Parquet); 0 when unknown (after a seek). */
  line?: number;
  column?: number | string;
  symbol?: string;
  ts?: Micros;
  message: string;
  /** The row text, cut at 200 characters. */
  text?: string;
}

/** How often one kind of issue happened, how many events it dropped, and the first examples. */
export interface IssueCount {
  count: number;
  skipped: number;
  examples: DataIssue[];
}

/** What a source read and what its checks found. */
export interface DataReport {
  /** Files read (one for a source, all of them in a replay summary). */
  files: string[];
  /** Events the reader parsed (before the `from` cut and the checks); shows how much a seek skipped. */
  rows: number;
  /** Events that passed the checks. */
  events: number;
  /** First and last timestamp seen among those events. */
  firstTs?: Micros;
  lastTs?: Micros;
  malformed: IssueCount;
  outOfOrder: IssueCount;
  /** Events moved back into order by the `reorder` policy. */
  reordered: number;
  duplicates: IssueCount;
  crossedQuotes: IssueCount;
  gaps: IssueCount & { thresholdUs?: number };
}

function issue(): IssueCount {
  return { count: 0, skipped: 0, examples: [] };
}

/** A fresh, empty report. */
export function emptyReport(files: string[] = []): DataReport {
  return {
    files,
    rows: 0,
    events: 0,
    malformed: issue(),
    outOfOrder: issue(),
    reordered: 0,
    duplicates: issue(),
    crossedQuotes: issue(),
    gaps: issue(),
  };
}

function addIssues(into: IssueCount, from: IssueCount, max: number): void {
  into.count += from.count;
  into.skipped += from.skipped;
  for (const e of from.examples) if (into.examples.length < max) into.examples.push(e);
}

/** Sums several reports into one (files concatenated, examples capped at `maxExamples`). */
export function combineReports(reports: readonly DataReport[], maxExamples = 5): DataReport {
  const out = emptyReport();
  for (const r of reports) {
    out.files.push(...r.files);
    out.rows += r.rows;
    out.events += r.events;
    if (r.firstTs !== undefined && (out.firstTs === undefined || r.firstTs < out.firstTs)) out.firstTs = r.firstTs;
    if (r.lastTs !== undefined && (out.lastTs === undefined || r.lastTs > out.lastTs)) out.lastTs = r.lastTs;
    addIssues(out.malformed, r.malformed, maxExamples);
    addIssues(out.outOfOrder, r.outOfOrder, maxExamples);
    out.reordered += r.reordered;
    addIssues(out.duplicates, r.duplicates, maxExamples);
    addIssues(out.crossedQuotes, r.crossedQuotes, maxExamples);
    addIssues(out.gaps, r.gaps, maxExamples);
    if (r.gaps.thresholdUs !== undefined) out.gaps.thresholdUs = r.gaps.thresholdUs;
  }
  return out;
}

function durationOption(field: string, value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    const us = parseDuration(value);
    if (us > 0) return us;
  } catch {
    // rethrown below with the option's name
  }
  throw invalidOption(field, 'a duration > 0 in µs or a string like "500ms"', value);
}

function oneOf<T extends string>(field: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) throw invalidOption(field, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  return value;
}

/** Validated check options. */
export interface ResolvedChecks {
  malformed: MalformedPolicy;
  outOfOrder: OutOfOrderPolicy;
  reorderWindow: number;
  duplicates: FlagPolicy;
  crossedQuotes: FlagPolicy;
  gapThreshold: number | undefined;
  maxExamples: number;
}

/** Validates {@link DataCheckOptions}, throwing `REPLAY_INVALID_OPTION` on a bad value. */
export function resolveChecks(options: DataCheckOptions = {}): ResolvedChecks {
  const flags = ['keep', 'skip', 'error'] as const;
  const maxExamples = options.maxExamples ?? 5;
  if (!Number.isInteger(maxExamples) || maxExamples < 0)
    throw invalidOption('maxExamples', 'an integer ≥ 0', maxExamples);
  return {
    malformed: oneOf('malformed', options.malformed, ['error', 'skip'], 'error'),
    outOfOrder: oneOf('outOfOrder', options.outOfOrder, ['error', 'skip', 'reorder'], 'error'),
    reorderWindow: durationOption('reorderWindow', options.reorderWindow) ?? 1_000_000,
    duplicates: oneOf('duplicates', options.duplicates, flags, 'keep'),
    crossedQuotes: oneOf('crossedQuotes', options.crossedQuotes, flags, 'keep'),
    gapThreshold: durationOption('gapThreshold', options.gapThreshold),
    maxExamples,
  };
}

interface Held {
  e: MarketEvent;
  line: number;
  seq: number;
}

function heldBefore(a: Held, b: Held): boolean {
  return a.e.ts < b.e.ts || (a.e.ts === b.e.ts && a.seq < b.seq);
}

function sameLevels(
  a: readonly { price: number; size: number }[],
  b: readonly { price: number; size: number }[],
): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as { price: number; size: number };
    const y = b[i] as { price: number; size: number };
    if (x.price !== y.price || x.size !== y.size) return false;
  }
  return true;
}

/** True when two events carry the same data (used for duplicate detection). */
export function sameEvent(a: MarketEvent, b: MarketEvent): boolean {
  if (a.type !== b.type || a.ts !== b.ts || a.symbol !== b.symbol) return false;
  switch (a.type) {
    case 'trade': {
      const o = b as typeof a;
      return a.price === o.price && a.size === o.size && a.side === o.side && a.id === o.id;
    }
    case 'quote': {
      const o = b as typeof a;
      return a.bid === o.bid && a.ask === o.ask && a.bidSize === o.bidSize && a.askSize === o.askSize;
    }
    case 'bar': {
      const o = b as typeof a;
      return (
        a.timeframe === o.timeframe &&
        a.start === o.start &&
        a.open === o.open &&
        a.high === o.high &&
        a.low === o.low &&
        a.close === o.close &&
        a.volume === o.volume &&
        a.trades === o.trades
      );
    }
    case 'status': {
      const o = b as typeof a;
      return a.status === o.status && a.reason === o.reason;
    }
    default: {
      const o = b as typeof a;
      return sameLevels(a.bids, o.bids) && sameLevels(a.asks, o.asks);
    }
  }
}

/**
 * Runs the checks over the events of one read of one file and collects the events that pass
 * into `out`, which the reader hands on as a batch. Synchronous and allocation-free on the happy
 * path, because it runs once per row.
 */
export class DataChecks {
  /** Events that passed, waiting to be handed on. */
  out: MarketEvent[] = [];
  private lastTs = Number.NEGATIVE_INFINITY;
  private last: MarketEvent | undefined;
  private readonly lastBySymbol = new Map<string, number>();
  private held: Held[] = [];
  private maxSeen = Number.NEGATIVE_INFINITY;
  private seq = 0;

  constructor(
    readonly file: string,
    readonly options: ResolvedChecks,
    readonly report: DataReport,
    /** Events before this time are dropped before any check (seek target / `from`). */
    readonly from = Number.NEGATIVE_INFINITY,
  ) {
    if (options.gapThreshold !== undefined) report.gaps.thresholdUs = options.gapThreshold;
  }

  // Counters kept here on the hot path and folded into the report once per batch.
  private rows = 0;
  private passed = 0;
  private first = Number.NaN;

  /** Hands over the events collected so far (and brings the report up to date). */
  take(): MarketEvent[] {
    this.sync();
    const out = this.out;
    this.out = [];
    return out;
  }

  private sync(): void {
    const rep = this.report;
    rep.rows += this.rows;
    this.rows = 0;
    if (this.passed > 0) {
      rep.events += this.passed;
      this.passed = 0;
      if (rep.firstTs === undefined || this.first < rep.firstTs) rep.firstTs = this.first;
      if (rep.lastTs === undefined || this.lastTs > rep.lastTs) rep.lastTs = this.lastTs;
      this.first = Number.NaN;
    }
  }

  private example(into: IssueCount, ex: DataIssue): void {
    if (into.examples.length < this.options.maxExamples) into.examples.push(ex);
  }

  /**
   * A row that could not become an event: throws when the policy is `error` (the caller passes
   * the ready-made error), else counts it.
   */
  malformed(error: TradeKitError, line: number, column: number | string | undefined, text: string): void {
    if (this.options.malformed === 'error') throw error;
    const r = this.report.malformed;
    r.count++;
    r.skipped++;
    this.example(r, { file: this.file, line, column, message: error.message, text: clipRow(text) });
  }

  /** Offers one parsed event (from `line` of the file). */
  accept(e: MarketEvent, line: number): void {
    this.rows++;
    if (e.ts < this.from) return;
    if (this.options.outOfOrder === 'reorder') {
      this.hold(e, line);
      return;
    }
    this.pass(e, line);
  }

  /** Drains the reorder buffer; call once at the end of the file. */
  finish(): void {
    const held = this.held;
    while (held.length > 0) {
      const top = this.popHeld();
      this.pass(top.e, top.line);
    }
    this.sync();
  }

  private hold(e: MarketEvent, line: number): void {
    if (e.ts < this.maxSeen) this.report.reordered++;
    else this.maxSeen = e.ts;
    const h: Held = { e, line, seq: this.seq++ };
    const heap = this.held;
    heap.push(h);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p] as Held;
      if (!heldBefore(h, parent)) break;
      heap[i] = parent;
      i = p;
    }
    heap[i] = h;
    const release = this.maxSeen - this.options.reorderWindow;
    while (heap.length > 0 && (heap[0] as Held).e.ts <= release) {
      const top = this.popHeld();
      this.pass(top.e, top.line);
    }
  }

  private popHeld(): Held {
    const heap = this.held;
    const top = heap[0] as Held;
    const last = heap.pop() as Held;
    if (heap.length > 0) {
      let i = 0;
      const n = heap.length;
      while (true) {
        const l = 2 * i + 1;
        if (l >= n) break;
        let c = l;
        if (l + 1 < n && heldBefore(heap[l + 1] as Held, heap[l] as Held)) c = l + 1;
        if (!heldBefore(heap[c] as Held, last)) break;
        heap[i] = heap[c] as Held;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }

  private pass(e: MarketEvent, line: number): void {
    const ts = e.ts;
    const opts = this.options;
    if (ts < this.lastTs) {
      const r = this.report.outOfOrder;
      const message =
        `Expected \`ts\` to be ≥ ${this.lastTs} (${microsToIso(this.lastTs)}), the previous event's time, got \`${ts}\` (${microsToIso(ts)}) ` +
        `at ${location(this.file, line)}.`;
      if (opts.outOfOrder === 'error') {
        throw new TradeKitError(
          'REPLAY_OUT_OF_ORDER',
          `${message} Sort the file by time, or pass \`outOfOrder: 'skip'\` or \`outOfOrder: 'reorder'\` with a \`reorderWindow\`.`,
          { details: { file: this.file, line, column: 'ts', value: ts, previous: this.lastTs } },
        );
      }
      r.count++;
      r.skipped++;
      this.example(r, { file: this.file, line, column: 'ts', symbol: e.symbol, ts, message });
      return;
    }
    if (ts === this.lastTs && this.last !== undefined && sameEvent(this.last, e)) {
      const r = this.report.duplicates;
      r.count++;
      const message = `Duplicate ${e.type} for ${e.symbol} at ${ts} (${microsToIso(ts)}) at ${location(this.file, line)}.`;
      this.example(r, { file: this.file, line, symbol: e.symbol, ts, message });
      if (opts.duplicates === 'error') {
        throw new TradeKitError(
          'REPLAY_DUPLICATE_EVENT',
          `${message} Remove it, or pass \`duplicates: 'keep'\` or \`'skip'\`.`,
          {
            details: { file: this.file, line, value: ts },
          },
        );
      }
      if (opts.duplicates === 'skip') {
        r.skipped++;
        return;
      }
    }
    if (e.type === 'quote' && e.bid > e.ask) {
      const r = this.report.crossedQuotes;
      r.count++;
      const message = `Crossed quote for ${e.symbol}: bid ${e.bid} > ask ${e.ask} at ${location(this.file, line)}.`;
      this.example(r, { file: this.file, line, symbol: e.symbol, ts, message });
      if (opts.crossedQuotes === 'error') {
        throw new TradeKitError(
          'REPLAY_CROSSED_QUOTE',
          `${message} Fix the data, or pass \`crossedQuotes: 'keep'\` or \`'skip'\`.`,
          {
            details: { file: this.file, line, value: { bid: e.bid, ask: e.ask } },
          },
        );
      }
      if (opts.crossedQuotes === 'skip') {
        r.skipped++;
        return;
      }
    }
    if (opts.gapThreshold !== undefined) {
      const prev = this.lastBySymbol.get(e.symbol);
      if (prev !== undefined && ts - prev > opts.gapThreshold) {
        const r = this.report.gaps;
        r.count++;
        this.example(r, {
          file: this.file,
          line,
          symbol: e.symbol,
          ts,
          message: `Gap of ${ts - prev} µs for ${e.symbol} from ${microsToIso(prev)} to ${microsToIso(ts)}.`,
        });
      }
      this.lastBySymbol.set(e.symbol, ts);
    }
    this.lastTs = ts;
    this.last = e;
    if (this.passed === 0) this.first = ts;
    this.passed++;
    this.out.push(e);
  }
}
