/**
 * The realism report: stylized facts of returns at several time scales (Cont 2001) and the
 * invariants of an L2 book, computed from events or from a price series. Pure functions.
 */
import { type Instrument, type MarketEvent, formatDuration, isOnGrid, parseDuration } from '@tradekit/types';
import { checkKeys, simError } from './errors.js';

/** Mean of a sample. */
export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] as number;
  return x.length ? s / x.length : Number.NaN;
}

/** Excess kurtosis (0 for a normal distribution), population moments. */
export function excessKurtosis(x: ArrayLike<number>): number {
  const m = mean(x);
  let s2 = 0;
  let s4 = 0;
  for (let i = 0; i < x.length; i++) {
    const d = (x[i] as number) - m;
    const d2 = d * d;
    s2 += d2;
    s4 += d2 * d2;
  }
  s2 /= x.length;
  s4 /= x.length;
  return s4 / (s2 * s2) - 3;
}

/** Sample autocorrelation at lags 1..maxLag (index 0 = lag 1). */
export function autocorrelation(x: ArrayLike<number>, maxLag: number): number[] {
  const n = x.length;
  const m = mean(x);
  const d = new Float64Array(n);
  let den = 0;
  for (let i = 0; i < n; i++) {
    d[i] = (x[i] as number) - m;
    den += (d[i] as number) ** 2;
  }
  const out: number[] = [];
  for (let lag = 1; lag <= maxLag; lag++) {
    let num = 0;
    for (let i = lag; i < n; i++) num += (d[i] as number) * (d[i - lag] as number);
    out.push(den > 0 ? num / den : Number.NaN);
  }
  return out;
}

/** Pearson correlation of two equal-length samples. */
export function correlation(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = (x[i] as number) - mx;
    const b = (y[i] as number) - my;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * Hill estimator of the tail index of |x| from the largest `fraction` of the non-zero values
 * (at least 10). Real asset returns give about 3; a normal sample gives a large number.
 */
export function hillTailIndex(x: ArrayLike<number>, fraction = 0.05): number {
  const a: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i] as number);
    if (v > 0) a.push(v);
  }
  a.sort((p, q) => q - p);
  const k = Math.min(a.length - 1, Math.max(10, Math.floor(fraction * a.length)));
  if (k < 2) return Number.NaN;
  const ref = a[k] as number;
  let s = 0;
  for (let i = 0; i < k; i++) s += Math.log((a[i] as number) / ref);
  return k / s;
}

/** A price series sampled at a fixed interval (closes of bars), with optional volumes. */
export interface PriceSeries {
  /** Prices at the end of each interval, oldest first. */
  close: ArrayLike<number>;
  /** Traded volume in each interval, aligned with `close`. */
  volume?: ArrayLike<number>;
  /** The sampling interval, e.g. `"1m"` or `"1d"` (a duration string or µs). */
  interval: string | number;
}

/** The stylized facts at one time scale. */
export interface ReturnFacts {
  /** Time scale, e.g. `"1m"`. */
  timeframe: string;
  /** Number of log returns. */
  n: number;
  /** Standard deviation of log returns. */
  std: number;
  /** Excess kurtosis of log returns (> 0 = fat tails; real markets: 3–50 intraday). */
  excessKurtosis: number;
  /** Hill tail index of |r| (real markets: about 2–5). */
  hillTailIndex: number;
  /** ACF of returns at lags 1–20 (index 0 = lag 1): near zero in real markets. */
  acfReturns: number[];
  /** ACF of |returns| at lags 1–50: positive and slowly decaying (volatility clustering). */
  acfAbsReturns: number[];
  /** 3/√n: the band inside which a white-noise ACF stays. */
  acfBound: number;
  /** corr(volume, |r|) over the intervals, when volumes are known (positive in real markets). */
  volumeAbsReturnCorrelation: number | undefined;
}

/** Checks of the book invariants over an event stream. */
export interface BookInvariantReport {
  /** Events examined. */
  events: number;
  /** Quotes with bid ≥ ask, or a book whose best bid ≥ best ask after an update. */
  crossed: number;
  /** Snapshots or deltas whose levels are not strictly sorted best-first. */
  unsorted: number;
  /** Sizes ≤ 0 where a level is shown (quotes, snapshots, trades), or < 0 in deltas. */
  nonPositiveSizes: number;
  /** Prices off the instrument's tick grid. */
  offGrid: number;
  /** Quotes that disagree with the best levels of the book built from snapshots and deltas. */
  quoteBookMismatch: number;
  /** Trades printed away from the touch, or larger than the displayed size there. */
  tradeBookMismatch: number;
  /** The first few violations, described. */
  examples: string[];
  /** True when every count above is zero. */
  ok: boolean;
}

/** Pass/fail of each stylized fact, with the thresholds used in the tests. */
export interface StylizedFactChecks {
  /** Base-scale excess kurtosis > 3. */
  heavyTails: boolean;
  /** Base-scale Hill tail index in (2, 5). */
  tailIndexInRange: boolean;
  /** |ACF(r)| below 3/√n at lags 2–20 (lag 1 can carry bid–ask bounce). */
  noLinearAutocorrelation: boolean;
  /** ACF(|r|) > 0 at every lag 1–20. */
  volatilityClustering: boolean;
  /** Excess kurtosis lower at the largest scale than at the base scale. */
  aggregationalGaussianity: boolean;
  /** corr(volume, |r|) > 0 (undefined without volumes). */
  volumeVolatilityCorrelation: boolean | undefined;
}

/** The realism report. */
export interface RealismReport {
  /** Symbol analysed (event input). */
  symbol: string | undefined;
  /** Facts per time scale, base scale first. */
  scales: ReturnFacts[];
  /** Pass/fail of the stylized facts. */
  checks: StylizedFactChecks;
  /** Book invariants (event input only). */
  book: BookInvariantReport | undefined;
}

/** Options of {@link realism}. */
export interface RealismOptions {
  /** Base sampling interval when the input is events. @default '1m' */
  interval?: string | number;
  /** Time scales as multiples of the base interval. @default [1, 5, 60] */
  multiples?: number[];
  /** Symbol to analyse in a multi-symbol stream. @default the first seen */
  symbol?: string;
  /** Fraction of the largest |r| used by the Hill estimator. @default 0.05 */
  tailFraction?: number;
  /** Instruments, for the on-grid check (event input). */
  instruments?: readonly Instrument[];
}

function facts(
  close: ArrayLike<number>,
  volume: ArrayLike<number> | undefined,
  step: number,
  label: string,
  tailFraction: number,
): ReturnFacts {
  const m = Math.floor((close.length - 1) / step);
  const r = new Float64Array(m);
  const abs = new Float64Array(m);
  const vol = volume ? new Float64Array(m) : undefined;
  for (let i = 0; i < m; i++) {
    const a = close[i * step] as number;
    const b = close[(i + 1) * step] as number;
    r[i] = Math.log(b / a);
    abs[i] = Math.abs(r[i] as number);
    if (vol && volume) {
      let v = 0;
      for (let k = i * step + 1; k <= (i + 1) * step; k++) v += volume[k] as number;
      vol[i] = v;
    }
  }
  let s2 = 0;
  const mu = mean(r);
  for (let i = 0; i < m; i++) s2 += ((r[i] as number) - mu) ** 2;
  return {
    timeframe: label,
    n: m,
    std: Math.sqrt(s2 / m),
    excessKurtosis: excessKurtosis(r),
    hillTailIndex: hillTailIndex(r, tailFraction),
    acfReturns: autocorrelation(r, Math.min(20, m - 1)),
    acfAbsReturns: autocorrelation(abs, Math.min(50, m - 1)),
    acfBound: 3 / Math.sqrt(m),
    volumeAbsReturnCorrelation: vol ? correlation(vol, abs) : undefined,
  };
}

/** Samples mid (or last trade) and volume of one symbol at a fixed interval, and checks the book. */
function sampleEvents(
  events: Iterable<MarketEvent>,
  intervalUs: number,
  options: RealismOptions,
): { series: PriceSeries; symbol: string | undefined; book: BookInvariantReport } {
  const checker = new BookInvariantChecker(options.instruments);
  const close: number[] = [];
  const volume: number[] = [];
  let symbol = options.symbol;
  let price = Number.NaN;
  let bucketEnd = Number.NaN;
  let vol = 0;
  for (const e of events) {
    checker.check(e);
    if (symbol === undefined) symbol = e.symbol;
    if (e.symbol !== symbol) continue;
    if (e.type !== 'quote' && e.type !== 'trade') continue;
    if (Number.isNaN(bucketEnd)) bucketEnd = (Math.floor(e.ts / intervalUs) + 1) * intervalUs;
    while (e.ts >= bucketEnd) {
      if (!Number.isNaN(price)) {
        close.push(price);
        volume.push(vol);
      }
      vol = 0;
      bucketEnd += intervalUs;
    }
    if (e.type === 'quote') price = (e.bid + e.ask) / 2;
    else {
      vol += e.size;
      if (Number.isNaN(price)) price = e.price;
    }
  }
  return { series: { close, volume, interval: intervalUs }, symbol, book: checker.report() };
}

/**
 * Computes the stylized facts of returns at several time scales and, for events, the book
 * invariants. Input: market events (sampled at `interval` from mid quotes, trade volume summed)
 * or a {@link PriceSeries} of closes at a fixed interval.
 *
 * @example
 * const report = realism(createMarket({ seed: 1, duration: '5d' }), { interval: '1m' });
 * report.checks.volatilityClustering; // true
 */
export function realism(input: Iterable<MarketEvent> | PriceSeries, options: RealismOptions = {}): RealismReport {
  checkKeys(options, ['interval', 'multiples', 'symbol', 'tailFraction', 'instruments'], 'realism options');
  const multiples = options.multiples ?? [1, 5, 60];
  const tailFraction = options.tailFraction ?? 0.05;
  let series: PriceSeries;
  let symbol: string | undefined;
  let book: BookInvariantReport | undefined;
  if (typeof input === 'object' && input !== null && 'close' in input && 'interval' in input) {
    series = input as PriceSeries;
    symbol = options.symbol;
  } else {
    const intervalUs = parseDuration(options.interval ?? '1m');
    const sampled = sampleEvents(input as Iterable<MarketEvent>, intervalUs, options);
    series = sampled.series;
    symbol = sampled.symbol;
    book = sampled.book;
  }
  const baseUs = parseDuration(series.interval);
  const closes = series.close;
  for (let i = 0; i < closes.length; i++) {
    const v = closes[i] as number;
    if (!(v > 0) || !Number.isFinite(v)) throw simError('SIM_INVALID_SERIES', `close[${i}]`, 'a finite price > 0', v);
  }
  if (closes.length < 30) {
    throw simError(
      'SIM_INVALID_SERIES',
      'close',
      'at least 30 prices (simulate longer or use a shorter interval)',
      closes.length,
    );
  }
  const scales = multiples.map((k) => facts(closes, series.volume, k, formatDuration(baseUs * k), tailFraction));
  const base = scales[0] as ReturnFacts;
  const last = scales[scales.length - 1] as ReturnFacts;
  const acf2to20 = base.acfReturns.slice(1, 20);
  const checks: StylizedFactChecks = {
    heavyTails: base.excessKurtosis > 3,
    tailIndexInRange: base.hillTailIndex > 2 && base.hillTailIndex < 5,
    noLinearAutocorrelation: acf2to20.every((a) => Math.abs(a) < base.acfBound),
    volatilityClustering: base.acfAbsReturns.slice(0, 20).every((a) => a > 0),
    aggregationalGaussianity: scales.length > 1 && last.excessKurtosis < base.excessKurtosis,
    volumeVolatilityCorrelation:
      base.volumeAbsReturnCorrelation === undefined ? undefined : base.volumeAbsReturnCorrelation > 0,
  };
  return { symbol, scales, checks, book };
}

interface SideBook {
  levels: Map<number, number>;
}

function best(side: SideBook, bid: boolean): number {
  let b = bid ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (const p of side.levels.keys()) if (bid ? p > b : p < b) b = p;
  return b;
}

/**
 * Checks book invariants event by event: bid < ask, levels sorted best-first, positive sizes,
 * prices on the tick grid, quotes equal to the best levels of the book, trades at the touch
 * within displayed size. Feed it with `check(event)`, read `report()`.
 */
export class BookInvariantChecker {
  private readonly grids = new Map<string, Instrument>();
  private readonly books = new Map<string, { bids: SideBook; asks: SideBook }>();
  private r: BookInvariantReport = {
    events: 0,
    crossed: 0,
    unsorted: 0,
    nonPositiveSizes: 0,
    offGrid: 0,
    quoteBookMismatch: 0,
    tradeBookMismatch: 0,
    examples: [],
    ok: true,
  };

  constructor(instruments?: readonly Instrument[]) {
    for (const i of instruments ?? []) this.grids.set(i.symbol, i);
  }

  private fail(kind: keyof BookInvariantReport, e: MarketEvent, what: string): void {
    (this.r[kind] as number)++;
    if (this.r.examples.length < 10) this.r.examples.push(`${e.type} ${e.symbol} @${e.ts}: ${what}`);
  }

  private grid(e: MarketEvent, price: number): void {
    const inst = this.grids.get(e.symbol);
    if (inst && !isOnGrid(inst, price)) this.fail('offGrid', e, `price ${price} off the ${inst.tickSize} grid`);
  }

  /** Examines one event. */
  check(e: MarketEvent): void {
    this.r.events++;
    switch (e.type) {
      case 'quote': {
        if (!(e.bid < e.ask)) this.fail('crossed', e, `bid ${e.bid} ≥ ask ${e.ask}`);
        if (!(e.bidSize > 0) || !(e.askSize > 0)) this.fail('nonPositiveSizes', e, `sizes ${e.bidSize}/${e.askSize}`);
        this.grid(e, e.bid);
        this.grid(e, e.ask);
        const b = this.books.get(e.symbol);
        if (b) {
          const bb = best(b.bids, true);
          const ba = best(b.asks, false);
          if (
            bb !== e.bid ||
            ba !== e.ask ||
            b.bids.levels.get(bb) !== e.bidSize ||
            b.asks.levels.get(ba) !== e.askSize
          ) {
            this.fail(
              'quoteBookMismatch',
              e,
              `quote ${e.bidSize}@${e.bid}/${e.askSize}@${e.ask} vs book ${b.bids.levels.get(bb)}@${bb}/${b.asks.levels.get(ba)}@${ba}`,
            );
          }
        }
        break;
      }
      case 'trade': {
        if (!(e.size > 0)) this.fail('nonPositiveSizes', e, `trade size ${e.size}`);
        this.grid(e, e.price);
        const b = this.books.get(e.symbol);
        if (b && e.side !== 'unknown') {
          const side = e.side === 'buy' ? b.asks : b.bids;
          const touch = best(side, e.side === 'sell');
          const shown = side.levels.get(touch) ?? 0;
          if (touch !== e.price || e.size > shown) {
            this.fail('tradeBookMismatch', e, `${e.side} ${e.size}@${e.price} vs touch ${shown}@${touch}`);
          }
        }
        break;
      }
      case 'book_snapshot':
      case 'book_delta': {
        const snap = e.type === 'book_snapshot';
        let b = this.books.get(e.symbol);
        if (!b || snap) {
          b = { bids: { levels: new Map() }, asks: { levels: new Map() } };
          this.books.set(e.symbol, b);
        }
        for (const [levels, side, desc] of [
          [e.bids, b.bids, true],
          [e.asks, b.asks, false],
        ] as const) {
          for (let i = 0; i < levels.length; i++) {
            const l = levels[i]!;
            this.grid(e, l.price);
            if (snap ? !(l.size > 0) : !(l.size >= 0)) this.fail('nonPositiveSizes', e, `level ${l.size}@${l.price}`);
            if (i > 0) {
              const prev = levels[i - 1]!.price;
              if (desc ? !(prev > l.price) : !(prev < l.price)) this.fail('unsorted', e, `${prev} then ${l.price}`);
            }
            if (l.size === 0) side.levels.delete(l.price);
            else side.levels.set(l.price, l.size);
          }
        }
        const bb = best(b.bids, true);
        const ba = best(b.asks, false);
        if (b.bids.levels.size > 0 && b.asks.levels.size > 0 && !(bb < ba))
          this.fail('crossed', e, `book best bid ${bb} ≥ best ask ${ba}`);
        break;
      }
      default:
        break;
    }
  }

  /** The counts so far. */
  report(): BookInvariantReport {
    const r = this.r;
    r.ok = r.crossed + r.unsorted + r.nonPositiveSizes + r.offGrid + r.quoteBookMismatch + r.tradeBookMismatch === 0;
    return { ...r, examples: [...r.examples] };
  }
}
