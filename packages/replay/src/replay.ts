/**
 * The replay controller: merges sources, filters them, and hands events out as fast as possible
 * or paced on a Clock (delay between events = Δts / speed), with pause, resume, seek and stop.
 */
import {
  type Clock,
  type MarketEvent,
  type MarketEventType,
  type Micros,
  type TimerHandle,
  isMarketEvent,
  isVirtualClock,
  toMicros,
} from '@tradekit/types';
import { type DataReport, combineReports } from './checks.js';
import { invalidOption } from './errors.js';
import { type EventFilter, type ResolvedFilter, mergeBatches, resolveFilter } from './merge.js';
import { type OpenOptions, fromEvents, isEventSource, openSource } from './open.js';
import type { EventSource } from './source.js';

/** What {@link replay} accepts as one input: a file path, a source, or in-memory events. */
export type ReplayInput =
  | string
  | EventSource
  | readonly MarketEvent[]
  | Iterable<MarketEvent>
  | AsyncIterable<MarketEvent>;

/** Options of {@link replay}. */
export interface ReplayOptions extends EventFilter, OpenOptions {
  /** Clock to pace on; without one, events come as fast as the consumer takes them. */
  clock?: Clock;
  /** Speed multiplier for pacing (any number > 0: 10 is ten times faster, 0.5 half speed). @default 1 */
  speed?: number;
}

/** Everything a replay read, emitted and found wrong; available at any time, final at the end. */
export interface ReplaySummary extends DataReport {
  /** Events handed to the consumer. */
  emitted: number;
  /** Time of the first and last event handed out. */
  emittedFirstTs?: Micros;
  emittedLastTs?: Micros;
  /** Events handed out per type and per symbol. */
  byType: Partial<Record<MarketEventType, number>>;
  bySymbol: Record<string, number>;
  /** Seeks performed. */
  seeks: number;
  /** True once the replay ran to its end or was stopped. */
  done: boolean;
  /** How each source seeks (`binary-search`, `row-groups` or `scan`). */
  seekMethods: Record<string, string>;
}

/** A running replay: an async iterable of events you can pause, resume, seek and stop. */
export interface ReplayController extends AsyncIterableIterator<MarketEvent> {
  /** The sources being replayed, in tie-break order. */
  readonly sources: readonly EventSource[];
  /** True while paused. */
  readonly paused: boolean;
  /** True once stopped or finished. */
  readonly done: boolean;
  /** Stops handing out events until {@link ReplayController.resume}; pacing restarts from the resume time. */
  pause(): void;
  /** Continues after {@link ReplayController.pause}. */
  resume(): void;
  /**
   * Jumps to the first event at or after `ts` (epoch µs, ISO string or Date), forwards or
   * backwards. Plain CSV/JSONL files seek by binary search, Parquet by skipping row groups,
   * gzip files and in-memory sources re-read from the start.
   */
  seek(ts: Micros | string | Date): void;
  /** Ends the replay and closes the files. */
  stop(): Promise<void>;
  /** What was read, emitted, skipped and flagged so far. */
  summary(): ReplaySummary;
  /** Unpaced: the events in batches (fast path for writers and benchmarks). */
  batches(): AsyncIterableIterator<MarketEvent[]>;
}

function toSources(inputs: ReplayInput | readonly ReplayInput[], options: OpenOptions): EventSource[] {
  let list: readonly ReplayInput[];
  if (typeof inputs === 'string' || isEventSource(inputs)) list = [inputs];
  else if (Array.isArray(inputs))
    list = inputs.length > 0 && isMarketEvent(inputs[0]) ? [inputs as MarketEvent[]] : inputs;
  else list = [inputs as ReplayInput];
  if (list.length === 0)
    throw invalidOption('sources', 'at least one file or source', inputs, 'Pass file paths or sources.');
  return list.map((input, i) => {
    if (typeof input === 'string') return openSource(input, options);
    if (isEventSource(input)) return input;
    if (typeof input === 'object' && input !== null && (Symbol.iterator in input || Symbol.asyncIterator in input)) {
      return fromEvents(input as Iterable<MarketEvent>, { ...options, name: `events#${i + 1}` });
    }
    throw invalidOption(`sources[${i}]`, 'a file path, an EventSource or an iterable of events', input);
  });
}

class Replay implements ReplayController {
  readonly sources: EventSource[];
  private readonly filter: ResolvedFilter;
  private readonly clock: Clock | undefined;
  private readonly speed: number;
  private it: AsyncGenerator<MarketEvent[]> | undefined;
  private batch: MarketEvent[] = [];
  private i = 0;
  private pendingSeek: number | undefined;
  private anchorTs: number | undefined;
  private anchorClock = 0;
  private isPaused = false;
  private stopped = false;
  private finished = false;
  private waiters: (() => void)[] = [];
  private interrupt: (() => void) | undefined;
  private emitted = 0;
  private firstTs: number | undefined;
  private lastTs: number | undefined;
  private readonly byType: Partial<Record<MarketEventType, number>> = {};
  private readonly bySymbol = new Map<string, number>();
  private seeks = 0;

  constructor(inputs: ReplayInput | readonly ReplayInput[], options: ReplayOptions) {
    this.filter = resolveFilter(options);
    this.clock = options.clock;
    const speed = options.speed ?? 1;
    if (typeof speed !== 'number' || !(speed > 0)) {
      throw invalidOption('speed', 'a number > 0 (10 = ten times faster, 0.5 = half speed)', speed);
    }
    if (this.clock !== undefined && (typeof this.clock !== 'object' || typeof this.clock.now !== 'function')) {
      throw invalidOption('clock', 'a Clock (VirtualClock or RealClock from @tradekit/types)', this.clock);
    }
    this.speed = speed;
    this.sources = toSources(inputs, options);
  }

  get paused(): boolean {
    return this.isPaused;
  }

  get done(): boolean {
    return this.stopped || this.finished;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  pause(): void {
    if (this.done) return;
    this.isPaused = true;
    this.interrupt?.();
  }

  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    // Pacing restarts from here: the next event waits its own Δts after the resume.
    if (this.clock && this.lastTs !== undefined && this.pendingSeek === undefined) {
      this.anchorTs = this.lastTs;
      this.anchorClock = this.clock.now();
    }
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  seek(ts: Micros | string | Date): void {
    let t: number;
    try {
      // Numbers are epoch µs as everywhere in TradeKit (no unit guessing).
      t = typeof ts === 'number' && !Number.isNaN(ts) ? ts : toMicros(ts as string | Date);
    } catch {
      throw invalidOption('ts', 'epoch µs, an ISO-8601 time or a Date', ts);
    }
    this.pendingSeek = t;
    this.finished = false;
    this.interrupt?.();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.interrupt?.();
    this.resume();
    const it = this.it;
    this.it = undefined;
    await it?.return(undefined);
  }

  async return(): Promise<IteratorResult<MarketEvent>> {
    await this.stop();
    return { done: true, value: undefined };
  }

  summary(): ReplaySummary {
    const base = combineReports(this.sources.map((s) => s.report));
    const summary: ReplaySummary = {
      ...base,
      emitted: this.emitted,
      byType: { ...this.byType },
      bySymbol: Object.fromEntries(this.bySymbol),
      seeks: this.seeks,
      done: this.done,
      seekMethods: Object.fromEntries(this.sources.map((s) => [s.name, s.seekMethod])),
    };
    if (this.firstTs !== undefined) summary.emittedFirstTs = this.firstTs;
    if (this.lastTs !== undefined) summary.emittedLastTs = this.lastTs;
    return summary;
  }

  private count(e: MarketEvent): void {
    this.emitted++;
    if (this.firstTs === undefined) this.firstTs = e.ts;
    this.lastTs = e.ts;
    this.byType[e.type] = (this.byType[e.type] ?? 0) + 1;
    this.bySymbol.set(e.symbol, (this.bySymbol.get(e.symbol) ?? 0) + 1);
  }

  private async applySeek(): Promise<void> {
    const ts = this.pendingSeek as number;
    this.pendingSeek = undefined;
    this.seeks++;
    const it = this.it;
    this.it = mergeBatches(this.sources, { ...this.filter, from: Math.max(ts, this.filter.from) });
    this.batch = [];
    this.i = 0;
    this.anchorTs = undefined;
    await it?.return(undefined);
  }

  /** Waits until the clock reaches `target`, or until pause/seek/stop interrupts. */
  private wait(clock: Clock, target: number): Promise<void> {
    if (isVirtualClock(clock) && !clock.isFiring) return clock.waitUntil(target);
    return new Promise<void>((resolve) => {
      let handle: TimerHandle | undefined;
      const done = () => {
        this.interrupt = undefined;
        clock.clearTimeout(handle);
        resolve();
      };
      this.interrupt = done;
      handle = clock.setTimeout(done, Math.max(0, target - clock.now()));
    });
  }

  async next(): Promise<IteratorResult<MarketEvent>> {
    while (true) {
      if (this.stopped) return { done: true, value: undefined };
      if (this.isPaused) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      if (this.pendingSeek !== undefined) await this.applySeek();
      if (this.i >= this.batch.length) {
        this.it ??= mergeBatches(this.sources, this.filter);
        const r = await this.it.next();
        if (this.pendingSeek !== undefined || this.stopped) continue;
        if (r.done) {
          this.finished = true;
          return { done: true, value: undefined };
        }
        this.batch = r.value;
        this.i = 0;
        continue;
      }
      const e = this.batch[this.i] as MarketEvent;
      const clock = this.clock;
      if (clock !== undefined) {
        if (this.anchorTs === undefined) {
          this.anchorTs = e.ts;
          this.anchorClock = clock.now();
        }
        const target = this.anchorClock + Math.round((e.ts - this.anchorTs) / this.speed);
        if (target > clock.now()) {
          await this.wait(clock, target);
          if (this.stopped || this.isPaused || this.pendingSeek !== undefined) continue;
        }
      }
      this.i++;
      this.count(e);
      return { done: false, value: e };
    }
  }

  async *batches(): AsyncIterableIterator<MarketEvent[]> {
    if (this.clock !== undefined) {
      // Paced: one event at a time, so pacing holds.
      for await (const e of this) yield [e];
      return;
    }
    while (true) {
      if (this.stopped) return;
      if (this.isPaused) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      if (this.pendingSeek !== undefined) await this.applySeek();
      if (this.i < this.batch.length) {
        const rest = this.batch.slice(this.i);
        this.i = this.batch.length;
        for (const e of rest) this.count(e);
        yield rest;
        continue;
      }
      this.it ??= mergeBatches(this.sources, this.filter);
      const r = await this.it.next();
      if (this.pendingSeek !== undefined) continue;
      if (r.done) {
        this.finished = true;
        return;
      }
      const b = r.value;
      for (let k = 0; k < b.length; k++) this.count(b[k] as MarketEvent);
      yield b;
    }
  }
}

/**
 * Replays files and sources merged in time: as fast as possible, or paced on a clock at
 * `speed` (under a VirtualClock the clock is advanced instead of sleeping).
 *
 * @example
 * const r = replay(['trades.csv', 'quotes.jsonl.gz'], { clock: new VirtualClock(), speed: 10, symbols: ['MNQ'] });
 * for await (const e of r) strategy.onEvent(e);
 * console.log(r.summary().malformed.count);
 */
export function replay(inputs: ReplayInput | readonly ReplayInput[], options: ReplayOptions = {}): ReplayController {
  return new Replay(inputs, options);
}
