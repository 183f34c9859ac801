/**
 * The stylized facts of one symbol's market data, measured in one streaming pass with memory
 * bounded by the number of bars (never the number of events). `calibrate` fits on them and the
 * fit report compares data with generated samples through the same code.
 */
import { type MarketEvent, TradeKitError } from '@tradekit/types';
import { autocorrelation, correlation, excessKurtosis, hillTailIndex } from './realism.js';

/** Half-hour buckets of the UTC day used for intraday profiles. */
export const PROFILE_BUCKETS = 48;
const US_PER_DAY = 86_400_000_000;

/** Quantiles of a distribution. */
export interface Quantiles {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
}

/** The fit report's statistics (each defined exactly in docs/calibration.md). */
export interface MarketFacts {
  /** Bar interval, µs. */
  interval: number;
  /** Bars with a price. */
  bars: number;
  /** Log returns between consecutive bars. */
  returns: number;
  /** Excess kurtosis of bar returns. */
  kurtosis: number;
  /** Excess kurtosis of non-overlapping sums of 60 consecutive bar returns (NaN below 20 sums). */
  kurtosis60: number;
  /** Hill tail index of |r| from the top 2.5 %. */
  hill: number;
  /** Mean of ACF(|r|) over lags 1–20. */
  acfAbsMean: number;
  /** ACF(r) at lag 1. */
  acf1: number;
  /** corr(volume, |r|) over bars; null without trades. */
  volumeAbsCorrelation: number | null;
  /** Quoted spread in ticks, per quote event; null without quotes. */
  spreadTicks: Quantiles | null;
  /** Trade size (as printed), per trade; null without trades. */
  tradeSize: Quantiles | null;
  /** Mean |r| by half-hour of the UTC day, normalised to mean 1; null when bars are ≥ 30 min. */
  volatilityProfile: number[] | null;
}

/** Counts of values for exact quantiles with memory bounded by the number of distinct values. */
export class ValueCounts {
  /** Counts of the small non-negative integers (most sizes in lots): no Map on the hot path. */
  private readonly small = new Float64Array(4096);
  private readonly counts = new Map<number, number>();
  private sum = 0;
  n = 0;
  add(v: number): void {
    this.sum += v;
    this.n++;
    if (v >= 0 && v < 4096 && (v | 0) === v) {
      this.small[v] = (this.small[v] as number) + 1;
      return;
    }
    // Distinct values stay few for prices and sizes on a grid; off-grid noise is rounded to 6 digits.
    const key = this.counts.size < 100_000 ? v : Number(v.toPrecision(6));
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  /** Every (value, count), ascending by value. */
  private entries(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < 4096; i++) if ((this.small[i] as number) > 0) out.push([i, this.small[i] as number]);
    for (const e of this.counts) out.push(e);
    return out.sort((a, b) => a[0] - b[0]);
  }
  /** Smallest value seen (NaN when none). */
  min(): number {
    return this.n ? (this.entries()[0] as [number, number])[0] : Number.NaN;
  }
  /** Largest value seen (NaN when none). */
  max(): number {
    const e = this.entries();
    return this.n ? (e[e.length - 1] as [number, number])[0] : Number.NaN;
  }
  /** Number of values ≥ x. */
  atLeast(x: number): number {
    let c = 0;
    for (const [k, v] of this.entries()) if (k >= x * (1 - 1e-12)) c += v;
    return c;
  }
  quantiles(): Quantiles | null {
    if (this.n === 0) return null;
    const entries = this.entries();
    const q = (p: number) => {
      // Smallest value whose cumulative count reaches p·n (the inverse empirical CDF).
      const target = p * this.n;
      let c = 0;
      for (const [k, v] of entries) {
        c += v;
        if (c >= target) return k;
      }
      return (entries[entries.length - 1] as [number, number])[0];
    };
    return { mean: this.sum / this.n, p50: q(0.5), p90: q(0.9), p99: q(0.99) };
  }
}

/** Growable Float64 column. */
export class Column {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

function calibrationError(code: string, message: string, details: Record<string, unknown>): TradeKitError {
  return new TradeKitError(code, message, { details });
}

/**
 * Streams events of one symbol into bars: close (last mid, else last trade, or the bar's close),
 * volume and trade count per bar, plus spread and size distributions and the tick grid. Checks
 * the input as it goes: timestamps must not decrease and prices must be finite and > 0.
 */
export class BarSampler {
  readonly close = new Column();
  readonly volume = new Column();
  readonly tradeCount = new Column();
  /** Start of each bar, µs. */
  readonly start = new Column();
  readonly spreads = new ValueCounts();
  readonly sizes = new ValueCounts();
  symbol: string | undefined;
  events = 0;
  trades = 0;
  quotes = 0;
  barEvents = 0;
  crossedQuotes = 0;
  firstTs = Number.NaN;
  lastTs = Number.NaN;
  /** Smallest positive price and the scale of the price grid, for tick inference. */
  private scale = 0;
  private gcd = 0;
  private base = Number.NaN;
  private maxDecimals = 0;
  private price = Number.NaN;
  private hasQuote = false;
  private bucket = Number.NaN;
  private vol = 0;
  private count = 0;
  intervalUs: number;

  constructor(
    intervalUs: number | undefined,
    symbol: string | undefined,
    private readonly seen: number,
  ) {
    this.intervalUs = intervalUs ?? 0;
    this.symbol = symbol;
  }

  private bad(field: string, value: unknown, index: number, e: MarketEvent): never {
    throw calibrationError(
      'SIM_CALIBRATION_DATA',
      `Expected \`${field}\` to be a finite price > 0 in event #${index + 1} (${e.type} ${e.symbol} at ts ${e.ts}), got \`${String(value)}\`. Clean the data (drop or fix the row), or read it with replay's malformed-row policy.`,
      { field, value, index, event: e.type },
    );
  }

  private grid(p: number): void {
    // Prices on a tick grid: the gcd of their differences (in units of 10^-decimals) is the tick.
    // The scale comes from the decimals of the first prices, which wait in `pending` until then.
    if (this.scale === 0) {
      const text = String(p);
      const dot = text.indexOf('.');
      const d = dot < 0 || text.includes('e') ? 0 : text.length - dot - 1;
      if (d > this.maxDecimals) this.maxDecimals = Math.min(d, 9);
      if (Number.isNaN(this.base)) this.base = p;
      this.pending.push(p);
      if (this.pending.length >= 4000) this.fixScale();
      return;
    }
    let u = Math.abs(Math.round((p - this.base) * this.scale));
    let g = this.gcd;
    while (u) {
      const t = g % u;
      g = u;
      u = t;
    }
    this.gcd = g;
  }

  private pending: number[] = [];

  private fixScale(): void {
    this.scale = 10 ** this.maxDecimals;
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) this.grid(p);
  }

  add(e: MarketEvent): void {
    const index = this.seen + this.events;
    if (this.symbol === undefined) this.symbol = e.symbol;
    if (e.symbol !== this.symbol) return;
    const ts = e.ts;
    if (!Number.isFinite(ts)) {
      throw calibrationError(
        'SIM_CALIBRATION_DATA',
        `Expected a finite timestamp in event #${index + 1} (${e.type}), got \`${String(ts)}\`.`,
        { field: 'ts', value: ts, index },
      );
    }
    if (ts < this.lastTs) {
      throw calibrationError(
        'SIM_CALIBRATION_DATA',
        `Expected timestamps that never decrease, but event #${index + 1} (${e.type} ${e.symbol}) has ts ${ts} after ${this.lastTs}. Sort the data by time, or read it with replay's out-of-order policy (reorder within a window, or skip).`,
        { field: 'ts', value: ts, previous: this.lastTs, index },
      );
    }
    if (Number.isNaN(this.firstTs)) this.firstTs = ts;
    this.lastTs = ts;
    this.events++;
    let bucketTs = ts;
    switch (e.type) {
      case 'quote': {
        if (!(e.bid > 0 && Number.isFinite(e.bid))) this.bad('bid', e.bid, index, e);
        if (!(e.ask > 0 && Number.isFinite(e.ask))) this.bad('ask', e.ask, index, e);
        this.quotes++;
        this.grid(e.bid);
        this.grid(e.ask);
        // Rounded so float noise (60000.01 − 60000) does not make every spread a new value.
        if (e.ask > e.bid) this.spreads.add(Math.round((e.ask - e.bid) * 1e9) / 1e9);
        else this.crossedQuotes++;
        this.price = (e.bid + e.ask) / 2;
        this.hasQuote = true;
        break;
      }
      case 'trade': {
        if (!(e.price > 0 && Number.isFinite(e.price))) this.bad('price', e.price, index, e);
        this.trades++;
        this.grid(e.price);
        this.sizes.add(e.size);
        if (!this.hasQuote) this.price = e.price;
        break;
      }
      case 'bar': {
        for (const k of ['open', 'high', 'low', 'close'] as const) {
          if (!(e[k] > 0 && Number.isFinite(e[k]))) this.bad(k, e[k], index, e);
        }
        this.barEvents++;
        this.grid(e.close);
        if (this.intervalUs === 0) this.intervalUs = Math.max(1000, ts - e.start);
        bucketTs = e.start;
        if (!this.hasQuote) this.price = e.close;
        this.vol += e.volume;
        this.count += e.trades ?? 0;
        break;
      }
      default:
        return;
    }
    if (this.intervalUs === 0) this.intervalUs = 60_000_000;
    const b = Math.floor(bucketTs / this.intervalUs);
    if (b !== this.bucket) {
      if (!Number.isNaN(this.bucket)) this.flush();
      this.bucket = b;
    }
    if (e.type === 'trade') {
      this.vol += e.size;
      this.count++;
    }
    if (e.type === 'bar') this.flushBar();
  }

  private flushBar(): void {
    // A bar event is one whole bar: record it now so its close is its own.
    this.flush();
    this.bucket = Number.NaN;
  }

  private flush(): void {
    if (Number.isNaN(this.price) || Number.isNaN(this.bucket)) return;
    this.close.push(this.price);
    this.volume.push(this.vol);
    this.tradeCount.push(this.count);
    this.start.push(this.bucket * this.intervalUs);
    this.vol = 0;
    this.count = 0;
  }

  /** Ends the stream: flushes the last bar. */
  finish(): void {
    if (!Number.isNaN(this.bucket)) this.flush();
    this.bucket = Number.NaN;
    if (this.scale === 0) this.fixScale();
  }

  /** The tick inferred from the prices seen (gcd of differences), or undefined when it cannot be. */
  tick(): number | undefined {
    if (this.gcd === 0 || this.scale === 0) return undefined;
    return Number((this.gcd / this.scale).toPrecision(12));
  }
}

/** Log returns between consecutive bars. */
export function barReturns(close: ArrayLike<number>): Float64Array {
  const n = Math.max(0, close.length - 1);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = Math.log((close[i + 1] as number) / (close[i] as number));
  return r;
}

/** Mean |r| by half-hour of the UTC day of each return's bar, normalised to mean 1. */
export function volatilityProfile(r: ArrayLike<number>, start: ArrayLike<number>): number[] | null {
  const sum = new Float64Array(PROFILE_BUCKETS);
  const cnt = new Float64Array(PROFILE_BUCKETS);
  for (let i = 0; i < r.length; i++) {
    const b = bucketOf(start[i + 1] as number);
    sum[b] = (sum[b] as number) + Math.abs(r[i] as number);
    cnt[b] = (cnt[b] as number) + 1;
  }
  const means: number[] = [];
  for (let b = 0; b < PROFILE_BUCKETS; b++)
    means.push((cnt[b] as number) > 0 ? (sum[b] as number) / (cnt[b] as number) : Number.NaN);
  const seen = means.filter(Number.isFinite);
  if (seen.length < 2) return null;
  const m = seen.reduce((a, b) => a + b, 0) / seen.length;
  return means.map((v) => (Number.isFinite(v) ? v / m : 1));
}

/** Half-hour bucket of the UTC day. */
export function bucketOf(ts: number): number {
  return Math.floor((((ts % US_PER_DAY) + US_PER_DAY) % US_PER_DAY) / (US_PER_DAY / PROFILE_BUCKETS));
}

/** Computes the facts from a finished sampler. */
export function factsOf(s: BarSampler, tick: number): MarketFacts {
  const close = s.close.view();
  const r = barReturns(close);
  const abs = r.map(Math.abs);
  const n = r.length;
  const sums: number[] = [];
  for (let i = 0; i + 60 <= n; i += 60) {
    let t = 0;
    for (let k = i; k < i + 60; k++) t += r[k] as number;
    sums.push(t);
  }
  const acfAbs = autocorrelation(abs, Math.min(20, n - 1));
  const volume = s.volume.view().subarray(1);
  const spreads = s.spreads.quantiles();
  return {
    interval: s.intervalUs,
    bars: close.length,
    returns: n,
    kurtosis: excessKurtosis(r),
    kurtosis60: sums.length >= 20 ? excessKurtosis(sums) : Number.NaN,
    hill: hillTailIndex(r, 0.025),
    acfAbsMean: acfAbs.reduce((a, b) => a + b, 0) / acfAbs.length,
    acf1: autocorrelation(r, 1)[0] as number,
    volumeAbsCorrelation: s.trades > 0 ? correlation(volume, abs) : null,
    spreadTicks: spreads
      ? { mean: spreads.mean / tick, p50: spreads.p50 / tick, p90: spreads.p90 / tick, p99: spreads.p99 / tick }
      : null,
    tradeSize: s.sizes.quantiles(),
    volatilityProfile: s.intervalUs < US_PER_DAY / PROFILE_BUCKETS ? volatilityProfile(r, s.start.view()) : null,
  };
}
