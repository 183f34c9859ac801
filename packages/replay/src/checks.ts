/**
 * Data checks applied to every row a reader produces: out-of-order timestamps, malformed rows,
 * duplicates, gaps and crossed quotes. Each check has a policy; what was skipped or flagged is
 * counted in a {@link DataReport} that stays available after the replay ends.
 */
import {
  TradeKitError,
  type MarketEvent,
  type Micros,
  formatDuration,
  microsToIso,
  parseDuration,
} from '@tradekit/types';
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
  /** Events moved back into order by the `reorder` policy (each counted once, and only if kept). */
  reordered: number;
  /** Empty lines skipped (they hold no data, but are counted so that nothing passes unseen). */
  blankLines: number;
  duplicates: IssueCount;
  crossedQuotes: IssueCount;
  gaps: IssueCount & { thresholdUs?: number };
}

function issue(): IssueCount {
  return { count: 0, skipped: 0, examples: [] };
}

/** A fresh, empty report (with the gap threshold in force, if any, so that it shows even for an empty file). */
export function emptyReport(files: string[] = [], gapThresholdUs?: number): DataReport {
  const report: DataReport = {
    files,
    rows: 0,
    events: 0,
    malformed: issue(),
    outOfOrder: issue(),
    reordered: 0,
    blankLines: 0,
    duplicates: issue(),
    crossedQuotes: issue(),
    gaps: issue(),
  };
  if (gapThresholdUs !== undefined) report.gaps.thresholdUs = gapThresholdUs;
  return report;
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
    out.blankLines += r.blankLines;
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

/** An out-of-order event waiting for the next one to tell whether it or the event before it is the odd one. */
interface Suspect {
  e: MarketEvent;
  line: number;
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
  private maxReleasedSeq = -1;
  /** Time of the event passed before the last one (the last one's left neighbour). */
  private prevTs = Number.NEGATIVE_INFINITY;
  private lastLine = 0;
  private suspect: Suspect | undefined;
  /** Under `reorder`: an event far ahead of all before it, waiting for the next one to confirm it. */
  private jump: Suspect | undefined;
  /** State the last passed event changed, to undo when it turns out to be an outlier. */
  private lastSymPrev: number | undefined;
  private lastMadeGap = false;

  constructor(
    readonly file: string,
    readonly options: ResolvedChecks,
    readonly report: DataReport,
    /** Events before this time are dropped before any check (seek target / `from`). */
    readonly from = Number.NEGATIVE_INFINITY,
  ) {
    if (options.gapThreshold !== undefined) report.gaps.thresholdUs = options.gapThreshold;
  }

  // Counter kept here on the hot path and folded into the report once per batch.
  private rows = 0;

  /**
   * Hands over the events collected so far (and brings the report up to date). The newest event
   * stays behind until the next one arrives (or {@link DataChecks.finish}): if the next one is
   * earlier, the newest may turn out to be a lone outlier (a typo days ahead) and is dropped then,
   * instead of every good event after it.
   */
  take(): MarketEvent[] {
    const out = this.out;
    const keep = this.finished ? 0 : Math.min(1, out.length);
    this.out = keep > 0 ? [out.pop() as MarketEvent] : [];
    this.sync(out);
    return out;
  }

  /** True when {@link DataChecks.take} would hand over at least one event. */
  get ready(): boolean {
    return this.out.length > (this.finished ? 0 : 1);
  }

  private finished = false;

  private sync(batch: readonly MarketEvent[]): void {
    const rep = this.report;
    rep.rows += this.rows;
    this.rows = 0;
    if (batch.length > 0) {
      rep.events += batch.length;
      const first = (batch[0] as MarketEvent).ts;
      const last = (batch[batch.length - 1] as MarketEvent).ts;
      if (rep.firstTs === undefined || first < rep.firstTs) rep.firstTs = first;
      if (rep.lastTs === undefined || last > rep.lastTs) rep.lastTs = last;
    }
  }

  /** Counts an empty line of the file. */
  blank(): void {
    this.report.blankLines++;
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
      this.reorder(e, line);
      return;
    }
    this.pass(e, line);
  }

  /**
   * `reorder` in file order. An event more than `reorderWindow` ahead of every event before it
   * waits for the next one: if that one is again more than the window behind it (and not itself
   * too late to reorder), the jump was a lone outlier (a typo days ahead) and is dropped and
   * counted like a late event; otherwise the jump was real (a gap in the data) and is kept.
   */
  private reorder(e: MarketEvent, line: number): void {
    const window = this.options.reorderWindow;
    const j = this.jump;
    if (j !== undefined) {
      this.jump = undefined;
      if (e.ts < j.e.ts - window && e.ts >= this.maxSeen - window) this.jumpOutlier(j, e, line);
      else this.hold(j.e, j.line);
    }
    if (this.maxSeen !== Number.NEGATIVE_INFINITY && e.ts > this.maxSeen + window) {
      this.jump = { e, line };
      return;
    }
    this.hold(e, line);
  }

  /** Drops and counts an event that jumped ahead alone under `reorder` (it never reaches the reorder buffer). */
  private jumpOutlier(bad: Suspect, next: MarketEvent, nextLine: number): void {
    const r = this.report.outOfOrder;
    const message =
      `Expected \`ts\` to be ≤ ${next.ts + this.options.reorderWindow} (${microsToIso(next.ts + this.options.reorderWindow)}), within \`reorderWindow\` of the rows around it, ` +
      `got \`${bad.e.ts}\` (${microsToIso(bad.e.ts)}) at ${location(this.file, bad.line)}: one row ahead of both neighbours by more than the window ` +
      `(the next rows, from ${location(this.file, nextLine)}, continue from the rows before it). Dropped.`;
    r.count++;
    r.skipped++;
    this.example(r, { file: this.file, line: bad.line, column: 'ts', symbol: bad.e.symbol, ts: bad.e.ts, message });
  }

  /** Drains the reorder buffer; call once at the end of the file. */
  finish(): void {
    // A jump ahead on the last row has nothing after it to contradict it: kept.
    const j = this.jump;
    if (j !== undefined) {
      this.jump = undefined;
      this.hold(j.e, j.line);
    }
    const held = this.held;
    while (held.length > 0) this.release(this.popHeld());
    // A last out-of-order event with nothing after it is taken to be the late one.
    const s = this.suspect;
    if (s !== undefined) {
      this.suspect = undefined;
      this.late(s.e, s.line);
    }
    this.finished = true;
  }

  /** Passes an event out of the reorder buffer; counts it as reordered if it overtook a later-read one and was kept. */
  private release(h: Held): void {
    if (!this.pass(h.e, h.line)) return;
    if (h.seq < this.maxReleasedSeq) this.report.reordered++;
    else this.maxReleasedSeq = h.seq;
  }

  private hold(e: MarketEvent, line: number): void {
    if (e.ts >= this.maxSeen) this.maxSeen = e.ts;
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
    while (heap.length > 0 && (heap[0] as Held).e.ts <= release) this.release(this.popHeld());
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

  /**
   * Offers an event in file order; returns whether it was kept (or is held as a suspect). An
   * event earlier than the one before it waits for the next event to decide which is wrong: if
   * the next one is also earlier than the previous event (and not earlier than the suspect), the
   * previous event is a lone outlier ahead of its neighbours and is dropped; otherwise the
   * suspect is the late one.
   */
  private pass(e: MarketEvent, line: number): boolean {
    const s = this.suspect;
    if (s !== undefined) {
      this.suspect = undefined;
      if (e.ts < this.lastTs && e.ts >= s.e.ts && s.e.ts >= this.prevTs && this.out.length > 0) {
        this.outlier(s.e, s.line);
        this.admit(s.e, s.line);
      } else {
        this.late(s.e, s.line);
      }
    }
    if (e.ts < this.lastTs) {
      if (this.options.outOfOrder === 'reorder') return this.late(e, line);
      this.suspect = { e, line };
      return true;
    }
    return this.admit(e, line);
  }

  /** Drops (or, under `error`, reports) the last kept event: it lies ahead of both neighbours. */
  private outlier(next: MarketEvent, nextLine: number): void {
    const bad = this.out.pop() as MarketEvent;
    const badLine = this.lastLine;
    const r = this.report.outOfOrder;
    const message =
      `Expected \`ts\` to be ≤ ${next.ts} (${microsToIso(next.ts)}), the time of the rows after it, got \`${bad.ts}\` (${microsToIso(bad.ts)}) ` +
      `at ${location(this.file, badLine)}: one row ahead of both neighbours (the next rows, from ${location(this.file, nextLine)}, continue from the row before it).`;
    if (this.options.outOfOrder === 'error') {
      throw new TradeKitError(
        'REPLAY_OUT_OF_ORDER',
        `${message} Fix that row, or pass \`outOfOrder: 'skip'\` to drop and count it.`,
        { details: { file: this.file, line: badLine, column: 'ts', value: bad.ts, next: next.ts } },
      );
    }
    r.count++;
    r.skipped++;
    this.example(r, { file: this.file, line: badLine, column: 'ts', symbol: bad.symbol, ts: bad.ts, message });
    // Undo what the outlier changed.
    this.lastTs = this.prevTs;
    this.last = undefined;
    if (this.options.gapThreshold !== undefined) {
      if (this.lastSymPrev === undefined) this.lastBySymbol.delete(bad.symbol);
      else this.lastBySymbol.set(bad.symbol, this.lastSymPrev);
      if (this.lastMadeGap) {
        this.report.gaps.count--;
        const ex = this.report.gaps.examples;
        if (ex.length > 0 && ex[ex.length - 1]?.ts === bad.ts) ex.pop();
      }
    }
  }

  /** An event earlier than the one before it: error, or skip and count. Returns false (not kept). */
  private late(e: MarketEvent, line: number): boolean {
    const ts = e.ts;
    const r = this.report.outOfOrder;
    const message =
      `Expected \`ts\` to be ≥ ${this.lastTs} (${microsToIso(this.lastTs)}), the previous event's time, got \`${ts}\` (${microsToIso(ts)}) ` +
      `at ${location(this.file, line)}.`;
    if (this.options.outOfOrder === 'error') {
      throw new TradeKitError(
        'REPLAY_OUT_OF_ORDER',
        `${message} Sort the file by time, or pass \`outOfOrder: 'skip'\` or \`outOfOrder: 'reorder'\` with a \`reorderWindow\`.`,
        { details: { file: this.file, line, column: 'ts', value: ts, previous: this.lastTs } },
      );
    }
    r.count++;
    r.skipped++;
    this.example(r, { file: this.file, line, column: 'ts', symbol: e.symbol, ts, message });
    return false;
  }

  /** The remaining checks for an event in order; returns whether it was kept. */
  private admit(e: MarketEvent, line: number): boolean {
    const ts = e.ts;
    const opts = this.options;
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
        return false;
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
        return false;
      }
    }
    if (opts.gapThreshold !== undefined) {
      const prev = this.lastBySymbol.get(e.symbol);
      this.lastSymPrev = prev;
      this.lastMadeGap = false;
      if (prev !== undefined && ts - prev > opts.gapThreshold) {
        const r = this.report.gaps;
        r.count++;
        this.lastMadeGap = true;
        this.example(r, {
          file: this.file,
          line,
          symbol: e.symbol,
          ts,
          message: `Gap of ${formatDuration(ts - prev)} for ${e.symbol} from ${microsToIso(prev)} to ${microsToIso(ts)}.`,
        });
      }
      this.lastBySymbol.set(e.symbol, ts);
    }
    this.prevTs = this.lastTs;
    this.lastTs = ts;
    this.lastLine = line;
    this.last = e;
    this.out.push(e);
    return true;
  }
}
