/**
 * `calibrate(source)`: fits the generator's parameters to recorded market data, in one streaming
 * pass (memory bounded by the number of bars), and returns a {@link MarketPreset}. The methods
 * and every statistic are defined in docs/calibration.md.
 */
import { type MarketEvent, type MarketEventSource, TradeKitError, parseDuration } from '@tradekit/types';
import { checkKeys } from './errors.js';
import { BarSampler, PROFILE_BUCKETS, barReturns, bucketOf, factsOf } from './facts.js';
import { MARKET_PRESET_VERSION, type MarketPreset } from './preset.js';
import { US_PER_YEAR } from './process.js';

/** Options of {@link calibrate}. */
export interface CalibrateOptions {
  /** Symbol to calibrate in a multi-symbol source. @default the first seen */
  symbol?: string;
  /** Bar interval of the statistics (duration). @default the bars' own timeframe for bar data, else '1m' */
  interval?: string | number;
  /** Tick size, when the data's prices do not show it. @default inferred from the prices */
  tickSize?: number;
  /** Called about every `progressEvery` events with the count so far and the last timestamp. */
  onProgress?: (events: number, ts: number) => void;
  /** How often `onProgress` is called, in events. @default 1000000 */
  progressEvery?: number;
  /** Name stored in the preset. @default 'calibrated' */
  name?: string;
}

/** Fewest bar returns a calibration accepts (GARCH and Hill estimates are meaningless below). */
export const MIN_CALIBRATION_RETURNS = 1000;

/** Steps of the generator per bar: the preset's step is the interval / 60. */
export const STEPS_PER_BAR = 60;

/**
 * Hill index (top 2.5 %) of normalised sums of 60 standardised Student-t(ν) draws, by ν:
 * what GARCH-standardised bar residuals show when each bar is 60 t-steps. Measured once with
 * 400,000 sums per ν (`bench/df-table.ts`); `calibrate` inverts it by linear interpolation.
 */
export const DF_HILL_TABLE: ReadonlyArray<readonly [number, number]> = [
  [2.05, 2.483],
  [2.1, 2.631],
  [2.2, 2.829],
  [2.3, 3.128],
  [2.4, 3.359],
  [2.5, 3.622],
  [2.6, 3.906],
  [2.8, 4.532],
  [3, 4.975],
  [3.5, 5.882],
  [4, 6.496],
  [5, 6.94],
  [6, 7.008],
  [8, 7.169],
];

/**
 * Ratio of the bar-level QML `a` to 60·α for the generator: its news impact is capped (a shock
 * counts at most as 3σ), so bar returns move next bar's variance less than textbook
 * aggregation (a = 60·α) says. Measured by simulation (process only, 20 days of 1-minute bars,
 * ν ∈ {2.4, 3, 5} × α ∈ {0.002, 0.004, 0.008} × 4 seeds: 0.07–0.24, median about 0.15).
 */
export const QML_ALPHA_RATIO = 0.15;

function dataError(message: string, details: Record<string, unknown>): TradeKitError {
  return new TradeKitError('SIM_CALIBRATION_DATA', message, { details });
}

/** Gaussian quasi-log-likelihood of GARCH(1,1) with variance targeting, per observation. */
function garchQll(r2: Float64Array, v: number, a: number, p: number): number {
  const b = p - a;
  const w = v * (1 - p);
  let h = v;
  let ll = 0;
  for (let i = 0; i < r2.length; i++) {
    ll -= Math.log(h) + (r2[i] as number) / h;
    h = w + a * (r2[i] as number) + b * h;
  }
  return ll / (2 * r2.length);
}

/**
 * QML fit of GARCH(1,1) on (deseasonalised) bar returns with variance targeting:
 * maximises the Gaussian quasi-likelihood over (a, p = a + b) on a coarse log grid (16 × 20),
 * then on two finer 9 × 9 grids spanning one coarse cell either side of the best point.
 */
export function fitGarch11(r: ArrayLike<number>): { a: number; p: number; v: number; h: Float64Array } {
  const r2 = new Float64Array(r.length);
  let v = 0;
  for (let i = 0; i < r.length; i++) {
    r2[i] = (r[i] as number) ** 2;
    v += r2[i] as number;
  }
  v /= r.length;
  // Grid in (log a, log half-life in bars).
  let best = { a: 0.01, hl: 60, ll: Number.NEGATIVE_INFINITY };
  let aLo = Math.log(1e-4);
  let aHi = Math.log(0.4);
  let hLo = Math.log(1);
  let hHi = Math.log(1e6);
  // A coarse grid, then two finer grids around the best point (about 480 likelihood passes).
  for (let round = 0; round < 3; round++) {
    const na = round === 0 ? 15 : 8;
    const nh = round === 0 ? 19 : 8;
    for (let i = 0; i <= na; i++) {
      const a = Math.exp(aLo + ((aHi - aLo) * i) / na);
      for (let j = 0; j <= nh; j++) {
        const hl = Math.exp(hLo + ((hHi - hLo) * j) / nh);
        const p = 2 ** (-1 / hl);
        if (a >= p) continue;
        const ll = garchQll(r2, v, a, p);
        if (ll > best.ll) best = { a, hl, ll };
      }
    }
    const da = (aHi - aLo) / na;
    const dh = (hHi - hLo) / nh;
    aLo = Math.log(best.a) - da;
    aHi = Math.log(best.a) + da;
    hLo = Math.log(best.hl) - dh;
    hHi = Math.log(best.hl) + dh;
  }
  const p = 2 ** (-1 / best.hl);
  const h = new Float64Array(r.length);
  let hv = v;
  for (let i = 0; i < r.length; i++) {
    h[i] = hv;
    hv = v * (1 - p) + best.a * (r2[i] as number) + (p - best.a) * hv;
  }
  return { a: best.a, p, v, h };
}

/** Inverts {@link DF_HILL_TABLE}: the ν whose residual Hill index matches `hill`. */
export function dfForHill(hill: number): number {
  const t = DF_HILL_TABLE;
  const first = t[0] as readonly [number, number];
  const last = t[t.length - 1] as readonly [number, number];
  if (!(hill > first[1])) return first[0];
  // Above ν = 8 the residual Hill index no longer moves (7.2–7.3 up to ν = 50): thin tails.
  if (hill >= last[1]) return last[0];
  for (let i = 1; i < t.length; i++) {
    const [x1, y1] = t[i] as readonly [number, number];
    const [x0, y0] = t[i - 1] as readonly [number, number];
    if (hill <= y1) return x0 + ((hill - y0) * (x1 - x0)) / (y1 - y0);
  }
  return last[0];
}

function round(x: number, digits = 6): number {
  return Number(x.toPrecision(digits));
}

/**
 * Fits a {@link MarketPreset} to recorded events of one symbol: tick size, price, volatility,
 * intraday variance and activity profiles, GARCH(1,1) clustering (Gaussian QML on
 * deseasonalised bar returns), Student-t tails (matched to the Hill index of the GARCH
 * residuals), spread, trade sizes (Pareto tail by Hill), trade and quote rates and the
 * volume–volatility coupling (Poisson quasi-likelihood). What the data cannot inform keeps its
 * default and is listed in `preset.defaulted`. Streams any sync or async iterable once.
 *
 * Throws `SIM_CALIBRATION_DATA` for empty or too little data, a constant price, decreasing
 * timestamps, or a NaN / non-positive price (with the event's index).
 *
 * @example
 * const preset = await calibrate(createMarket({ seed: 1, duration: '2d' }));
 * createMarket({ preset, seed: 2, duration: '1d' });
 */
export async function calibrate(source: MarketEventSource, options: CalibrateOptions = {}): Promise<MarketPreset> {
  checkKeys(options, ['symbol', 'interval', 'tickSize', 'onProgress', 'progressEvery', 'name'], 'calibrate options');
  const intervalUs = options.interval === undefined ? undefined : parseDuration(options.interval);
  const sampler = new BarSampler(intervalUs, options.symbol, 0);
  const every = options.progressEvery ?? 1_000_000;
  const onProgress = options.onProgress;
  let n = 0;
  if (Symbol.asyncIterator in (source as object)) {
    for await (const e of source as AsyncIterable<MarketEvent>) {
      sampler.add(e);
      if (onProgress && ++n % every === 0) onProgress(n, e.ts);
    }
  } else {
    for (const e of source as Iterable<MarketEvent>) {
      sampler.add(e);
      if (onProgress && ++n % every === 0) onProgress(n, e.ts);
    }
  }
  sampler.finish();
  onProgress?.(n, sampler.lastTs);
  return fitPreset(sampler, options);
}

/** The fitting half of {@link calibrate}, on a finished sampler. */
export function fitPreset(s: BarSampler, options: CalibrateOptions = {}): MarketPreset {
  if (s.events === 0 || s.close.length === 0) {
    throw dataError(
      `Expected quotes, trades or bars${options.symbol ? ` for symbol ${options.symbol}` : ''} to calibrate on, got ${s.events === 0 ? 'no events' : 'no priced events'}. Check the file (is it empty?) and the symbol.`,
      { events: s.events, symbol: options.symbol },
    );
  }
  const interval = s.intervalUs;
  const close = s.close.view();
  const r = barReturns(close);
  if (r.length < MIN_CALIBRATION_RETURNS) {
    throw dataError(
      `Expected at least ${MIN_CALIBRATION_RETURNS + 1} bars of ${interval / 1e6}s with a price to calibrate on (about ${Math.ceil(((MIN_CALIBRATION_RETURNS + 1) * interval) / 3.6e9)} hours of continuous data at this interval), got ${close.length}. Record more data, or pass a shorter interval.`,
      { bars: close.length, needed: MIN_CALIBRATION_RETURNS + 1, interval },
    );
  }
  let nonZero = 0;
  for (let i = 0; i < r.length; i++) if (r[i] !== 0) nonZero++;
  if (nonZero < 20) {
    throw dataError(
      `Expected a price that moves, but the price changed in only ${nonZero} of ${r.length} bars (constant at ${close[0]}). Calibrate on data with price changes, or check that the price column is the right one.`,
      { nonZeroReturns: nonZero, returns: r.length },
    );
  }
  const tick = options.tickSize ?? s.tick();
  if (!(tick !== undefined && tick > 0)) {
    throw dataError(
      'Expected prices on a tick grid to infer the tick size from, but every price is the same. Pass `tickSize`.',
      { field: 'tickSize' },
    );
  }
  const defaulted: string[] = [];
  const facts = factsOf(s, tick);
  const starts = s.start.view();

  // Intraday variance profile (bars shorter than the half-hour buckets), from mean |r|.
  const intraday = facts.volatilityProfile !== null;
  const varianceProfile = intraday ? (facts.volatilityProfile as number[]).map((v) => v * v) : undefined;
  if (varianceProfile) {
    const m = varianceProfile.reduce((a, b) => a + b, 0) / PROFILE_BUCKETS;
    for (let b = 0; b < PROFILE_BUCKETS; b++) varianceProfile[b] = (varianceProfile[b] as number) / m;
  }
  const seasonOf = (i: number) =>
    varianceProfile ? (varianceProfile[bucketOf(starts[i + 1] as number)] as number) : 1;
  const rt = new Float64Array(r.length);
  for (let i = 0; i < r.length; i++) rt[i] = (r[i] as number) / Math.sqrt(Math.max(seasonOf(i), 1e-6));

  // GARCH(1,1) by QML on bar returns, mapped to the generator's per-step parameters.
  const g = fitGarch11(rt);
  const steps = STEPS_PER_BAR;
  const stepUs = Math.max(1000, Math.round(interval / steps));
  // Volatility from the raw returns: dividing by a noisy profile would shrink heavy-tailed variance.
  let raw2 = 0;
  for (let i = 0; i < r.length; i++) raw2 += (r[i] as number) ** 2;
  const volatility = Math.sqrt(((raw2 / r.length) * US_PER_YEAR) / interval);
  const halfLifeUs = (interval * Math.LN2) / -Math.log(g.p);
  const alpha = g.a / (steps * QML_ALPHA_RATIO);
  const persistence = 2 ** (-stepUs / halfLifeUs);
  const z = new Float64Array(rt.length);
  for (let i = 0; i < rt.length; i++) z[i] = (rt[i] as number) / Math.sqrt(g.h[i] as number);
  const residualHill = hillOf(z);
  const df = dfForHill(residualHill);

  // Trade sizes: the smallest print is the lot grid's minimum; the Pareto tail index comes from
  // the survival at 1× and 4× the minimum (below the displayed depth, where prints are not split).
  const micro: Record<string, unknown> = {};
  let lotSize: number | undefined;
  if (s.trades > 0) {
    const minSize = s.sizes.min();
    lotSize = minSize > 0 ? minSize : undefined;
    const lot = lotSize ?? 1;
    micro.minTradeLots = 1;
    micro.maxTradeLots = Math.max(1, Math.round(s.sizes.max() / lot));
    const s1 = s.sizes.atLeast(lot);
    const s4 = s.sizes.atLeast(4 * lot);
    micro.sizeTailIndex = s4 > 0 ? round(Math.log(s1 / s4) / Math.log(4), 4) : 3;
  } else defaulted.push('minTradeLots', 'maxTradeLots', 'sizeTailIndex');

  // Activity: Poisson quasi-likelihood of per-bar trade counts on
  // profile(bucket) × (volatility ratio)^γ.
  const counts = s.trades > 0 ? s.tradeCount.view() : undefined;
  const seconds = interval / 1e6;
  let activityProfile: number[] | undefined;
  let meanActivity = 1;
  if (counts) {
    const ratio = new Float64Array(r.length);
    for (let i = 0; i < r.length; i++) ratio[i] = Math.sqrt(((g.h[i] as number) / g.v) * seasonOf(i));
    const fit = fitActivity(counts.subarray(1), ratio, starts.subarray(1), intraday);
    micro.tradeRate = round(fit.rate / seconds, 6);
    micro.volatilityCoupling = round(fit.gamma, 4);
    activityProfile = fit.profile;
    meanActivity = s.trades / ((micro.tradeRate as number) * Math.max(seconds, (s.lastTs - s.firstTs) / 1e6 + seconds));
    defaulted.push('branching', 'excitationDecay');
  } else {
    micro.tradeRate = 0;
    defaulted.push('tradeRate', 'branching', 'excitationDecay', 'volatilityCoupling');
  }
  const span = Math.max(1, (s.lastTs - s.firstTs) / 1e6 + seconds);
  if (s.quotes > 0) {
    // Quote events per second of data over the mean activity; the generator also re-quotes when
    // a trade moves the mid, so this is an upper bound of its refresh rate.
    micro.quoteRate = round(s.quotes / span / meanActivity, 6);
    const sp = facts.spreadTicks as NonNullable<typeof facts.spreadTicks>;
    micro.spreadTicks = round(Math.max(1, sp.p50), 4);
    defaulted.push('spreadVolatilitySensitivity', 'depth');
  } else {
    // One quote per step keeps a mid to sample when the data had none.
    micro.quoteRate = round(1e6 / stepUs, 6);
    defaulted.push('quoteRate', 'spreadTicks', 'spreadVolatilitySensitivity', 'depth');
  }
  if (varianceProfile) {
    micro.seasonality = {
      varianceProfile: varianceProfile.map((v) => round(v, 5)),
      ...(activityProfile ? { activityProfile: activityProfile.map((v) => round(v, 5)) } : {}),
    };
  } else defaulted.push('seasonality');

  const lastPrice = close[close.length - 1] as number;
  const price = Math.max(10 * tick, Math.round(lastPrice / tick) * tick);
  const maxAlpha = persistence * 0.999;
  return {
    version: MARKET_PRESET_VERSION,
    name: options.name ?? 'calibrated',
    symbol: s.symbol as string,
    instrument: lotSize === undefined ? { tickSize: tick } : { tickSize: tick, lotSize },
    price: Number(price.toPrecision(12)),
    step: stepUs,
    interval,
    process: {
      type: 'garch',
      volatility: round(volatility),
      alpha: round(Math.min(alpha, maxAlpha)),
      halfLife: Math.round(halfLifeUs),
      df: round(df, 4),
    },
    microstructure: micro,
    defaulted,
    data: {
      events: s.events,
      trades: s.trades,
      quotes: s.quotes,
      bars: s.barEvents,
      firstTs: s.firstTs,
      lastTs: s.lastTs,
      facts: { ...facts, residualHill } as typeof facts,
    },
  };
}

function hillOf(z: Float64Array): number {
  const a = Array.from(z, Math.abs).filter((v) => v > 0);
  a.sort((p, q) => q - p);
  const k = Math.min(a.length - 1, Math.max(10, Math.floor(0.025 * a.length)));
  const ref = a[k] as number;
  let sum = 0;
  for (let i = 0; i < k; i++) sum += Math.log((a[i] as number) / ref);
  return k / sum;
}

/**
 * Poisson quasi-likelihood for counts c_i = λ · A_b(i) · ratio_i^γ: alternates the profile
 * A_b (mean 1) and λ in closed form with γ solved from its score equation by bisection.
 */
function fitActivity(
  c: Float64Array,
  ratio: Float64Array,
  starts: Float64Array,
  intraday: boolean,
): { rate: number; gamma: number; profile: number[] | undefined } {
  const n = c.length;
  const lr = ratio.map(Math.log);
  const bucket = new Int32Array(n);
  for (let i = 0; i < n; i++) bucket[i] = intraday ? bucketOf(starts[i] as number) : 0;
  const B = intraday ? PROFILE_BUCKETS : 1;
  let gamma = 1;
  let prof = new Float64Array(B).fill(1);
  let rate = 1;
  const score = (gm: number) => {
    // Σ (c − μ) log ratio with μ_i = λ A_b ratio^γ, λ and A profiled out per bucket.
    const num = new Float64Array(B);
    const den = new Float64Array(B);
    for (let i = 0; i < n; i++) {
      const b = bucket[i] as number;
      num[b] = (num[b] as number) + (c[i] as number);
      den[b] = (den[b] as number) + Math.exp(gm * (lr[i] as number));
    }
    let sc = 0;
    for (let i = 0; i < n; i++) {
      const b = bucket[i] as number;
      const mu = ((num[b] as number) / Math.max(den[b] as number, 1e-300)) * Math.exp(gm * (lr[i] as number));
      sc += ((c[i] as number) - mu) * (lr[i] as number);
    }
    return sc;
  };
  let lo = 0;
  let hi = 4;
  if (score(lo) <= 0) gamma = 0;
  else if (score(hi) >= 0) gamma = hi;
  else {
    for (let k = 0; k < 50; k++) {
      const mid = (lo + hi) / 2;
      if (score(mid) > 0) lo = mid;
      else hi = mid;
    }
    gamma = (lo + hi) / 2;
  }
  const num = new Float64Array(B);
  const den = new Float64Array(B);
  for (let i = 0; i < n; i++) {
    const b = bucket[i] as number;
    num[b] = (num[b] as number) + (c[i] as number);
    den[b] = (den[b] as number) + Math.exp(gamma * (lr[i] as number));
  }
  prof = prof.map((_, b) => ((den[b] as number) > 0 ? (num[b] as number) / (den[b] as number) : Number.NaN));
  const seen = Array.from(prof).filter(Number.isFinite);
  rate = seen.reduce((a, b) => a + b, 0) / seen.length;
  const profile = intraday ? Array.from(prof, (v) => (Number.isFinite(v) ? v / rate : 1)) : undefined;
  return { rate, gamma, profile };
}
