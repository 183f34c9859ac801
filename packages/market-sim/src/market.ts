/**
 * `createMarket`: a seeded, re-iterable description of a synthetic market. Iterating it runs the
 * simulation from the seed; every iteration gives the same events.
 */
import { type BarEvent, type Clock, type Instrument, type MarketEvent, Rng, VirtualClock } from '@tradekit/types';
import { aggregateBars } from './bars.js';
import { type MarketConfig, type ResolvedConfig, resolveConfig } from './config.js';
import { choleskyCorrelation } from './correlation.js';
import { SymbolEngine } from './engine.js';
import { checkKeys, requireNumber } from './errors.js';
import { placeScenario } from './scenario.js';
import { type WriteOptions, type WriteSummary, writeCsv, writeJsonl, type CsvWriteOptions } from './writers.js';

/** Options of {@link Market.stream}. */
export interface StreamOptions {
  /** Clock that paces the stream; a `VirtualClock` is advanced instead of slept on. @default a new VirtualClock at the market start */
  clock?: Clock;
  /** Market time per clock time (2 = twice as fast as real time; Infinity = no pacing). @default 1 */
  speed?: number;
}

/** A synthetic market: iterate it (sync, fastest), stream it on a clock, aggregate bars or write files. */
export interface Market extends Iterable<MarketEvent> {
  /** The validated configuration with every default filled in. */
  readonly config: ResolvedConfig;
  /** The simulated instruments, in `symbols` order. */
  readonly instruments: readonly Instrument[];
  /** A fresh run from the seed. */
  [Symbol.iterator](): Iterator<MarketEvent>;
  /** The first `n` events of a fresh run. */
  take(n: number): MarketEvent[];
  /** The events paced by a clock: market time mapped onto clock time from the clock's `now()`. */
  stream(options?: StreamOptions): AsyncGenerator<MarketEvent>;
  /** Bars of the trades (`"1s"`, `"1m"`, `"5m"`, `"1h"`, `"100t"`…), stamped at close. */
  bars(timeframe: string): Generator<BarEvent>;
  /** Writes the events as canonical JSONL (streaming, bounded memory). */
  writeJsonl(target: string | NodeJS.WritableStream, options?: WriteOptions): Promise<WriteSummary>;
  /** Writes the events as canonical CSV, one file per kind (see {@link writeCsv}). */
  writeCsv(target: string, options?: CsvWriteOptions): Promise<WriteSummary>;
}

class MarketIterator implements Iterator<MarketEvent> {
  private readonly engines: SymbolEngine[];
  private readonly chol: number[][] | undefined;
  private readonly shockRng: Rng;
  private readonly symbolShock: Rng[];
  private readonly z: Float64Array;
  private readonly zc: Float64Array;
  private readonly perSymbol: MarketEvent[][];
  private readonly cursor: Int32Array;
  private out: MarketEvent[] = [];
  private pos = 0;
  private t: number;
  private readonly end: number;
  private readonly stepUs: number;
  private emitted = 0;
  private readonly maxEvents: number;
  private readonly result: IteratorResult<MarketEvent> = { done: false, value: undefined as unknown as MarketEvent };

  constructor(cfg: ResolvedConfig, chol: number[][] | undefined) {
    const root = new Rng(cfg.seed);
    const placed = cfg.scenarios.map((s, i) => placeScenario(s, i, cfg.start, cfg.end));
    this.engines = cfg.symbols.map(
      (s) => new SymbolEngine(s, root.fork(s.instrument.symbol), cfg.stepUs, cfg.bookLevels, placed, cfg.statusEvents),
    );
    this.chol = chol;
    this.shockRng = root.fork('shocks');
    this.symbolShock = cfg.symbols.map((s) => root.fork(s.instrument.symbol).fork('shock'));
    const n = this.engines.length;
    this.z = new Float64Array(n);
    this.zc = new Float64Array(n);
    this.perSymbol = this.engines.map(() => []);
    this.cursor = new Int32Array(n);
    this.t = cfg.start;
    this.end = cfg.end;
    this.stepUs = cfg.stepUs;
    this.maxEvents = cfg.maxEvents;
  }

  next(): IteratorResult<MarketEvent> {
    const r = this.result;
    if (this.emitted >= this.maxEvents) return { done: true, value: undefined };
    while (this.pos >= this.out.length) {
      if (this.t >= this.end) return { done: true, value: undefined };
      this.fillStep();
    }
    this.emitted++;
    r.value = this.out[this.pos++] as MarketEvent;
    return r;
  }

  /** Draws the step's (correlated) shocks, runs every symbol and merges their events by time. */
  private fillStep(): void {
    const t0 = this.t;
    const t1 = Math.min(t0 + this.stepUs, this.end);
    this.t = t1;
    this.pos = 0;
    const engines = this.engines;
    const n = engines.length;
    if (n === 1) {
      this.out.length = 0;
      (engines[0] as SymbolEngine).runStep(t0, t1, (this.symbolShock[0] as Rng).normal(), this.out);
      return;
    }
    const z = this.z;
    const zc = this.zc;
    if (this.chol) {
      for (let i = 0; i < n; i++) z[i] = this.shockRng.normal();
      for (let i = 0; i < n; i++) {
        const row = this.chol[i] as number[];
        let s = 0;
        for (let k = 0; k <= i; k++) s += (row[k] as number) * (z[k] as number);
        zc[i] = s;
      }
    } else {
      for (let i = 0; i < n; i++) zc[i] = (this.symbolShock[i] as Rng).normal();
    }
    for (let i = 0; i < n; i++) {
      // Buffers may hold events stamped at or after t1 from the last step (a few µs late when
      // book events at one instant were spread out); they are merged with this step's.
      (engines[i] as SymbolEngine).runStep(t0, t1, zc[i] as number, this.perSymbol[i] as MarketEvent[]);
      this.cursor[i] = 0;
    }
    // k-way merge by ts; ties go to the lower symbol index, so the order is stable and seed-defined.
    const limit = t1 >= this.end ? Number.POSITIVE_INFINITY : t1;
    const out: MarketEvent[] = [];
    const bufs = this.perSymbol;
    const cur = this.cursor;
    while (true) {
      let best = -1;
      let bestTs = limit;
      for (let i = 0; i < n; i++) {
        const b = bufs[i] as MarketEvent[];
        const c = cur[i] as number;
        if (c < b.length) {
          const ts = (b[c] as MarketEvent).ts;
          if (ts < bestTs) {
            bestTs = ts;
            best = i;
          }
        }
      }
      if (best < 0) break;
      out.push((bufs[best] as MarketEvent[])[cur[best] as number] as MarketEvent);
      cur[best] = (cur[best] as number) + 1;
    }
    for (let i = 0; i < n; i++) {
      const b = bufs[i] as MarketEvent[];
      const c = cur[i] as number;
      if (c >= b.length) b.length = 0;
      else if (c > 0) b.splice(0, c);
    }
    this.out = out;
  }
}

class SimulatedMarket implements Market {
  readonly config: ResolvedConfig;
  readonly instruments: readonly Instrument[];
  private readonly chol: number[][] | undefined;

  constructor(config: MarketConfig) {
    this.config = resolveConfig(config);
    this.instruments = Object.freeze(this.config.symbols.map((s) => s.instrument));
    const names = this.instruments.map((i) => i.symbol);
    this.chol = this.config.correlation === undefined ? undefined : choleskyCorrelation(this.config.correlation, names);
    // Place scenarios once here so bad windows fail at creation, not mid-iteration.
    for (const [i, s] of this.config.scenarios.entries()) placeScenario(s, i, this.config.start, this.config.end);
  }

  [Symbol.iterator](): Iterator<MarketEvent> {
    return new MarketIterator(this.config, this.chol);
  }

  take(n: number): MarketEvent[] {
    requireNumber('n', n, { min: 0, integer: true });
    const out: MarketEvent[] = [];
    if (n === 0) return out;
    const it = this[Symbol.iterator]();
    for (let r = it.next(); !r.done; r = it.next()) {
      out.push(r.value);
      if (out.length >= n) break;
    }
    return out;
  }

  async *stream(options: StreamOptions = {}): AsyncGenerator<MarketEvent> {
    checkKeys(options, ['clock', 'speed'], 'stream options');
    const clock = options.clock ?? new VirtualClock({ start: this.config.start });
    const speed = requireNumber('speed', options.speed ?? 1, { min: 0, exclusiveMin: true });
    const c0 = clock.now();
    const t0 = this.config.start;
    for (const e of this) {
      if (speed !== Number.POSITIVE_INFINITY) {
        const target = c0 + Math.round((e.ts - t0) / speed);
        if (target > clock.now()) await clock.waitUntil(target);
      }
      yield e;
    }
  }

  bars(timeframe: string): Generator<BarEvent> {
    return aggregateBars(this, timeframe);
  }

  writeJsonl(target: string | NodeJS.WritableStream, options?: WriteOptions): Promise<WriteSummary> {
    return writeJsonl(this, target, options);
  }

  writeCsv(target: string, options?: CsvWriteOptions): Promise<WriteSummary> {
    return writeCsv(this, target, options);
  }
}

/**
 * Creates a seeded synthetic market. Nothing runs until you iterate; every iteration replays
 * the same events for the same config. Throws a `SIM_*` TradeKitError on a bad config.
 *
 * @example
 * const market = createMarket({ preset: 'default', symbols: ['MNQ'], seed: 42, duration: '1h' });
 * for (const event of market) if (event.type === 'trade') console.log(event.price, event.size);
 */
export function createMarket(config: MarketConfig = {}): Market {
  return new SimulatedMarket(config);
}
