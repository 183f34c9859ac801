/**
 * Price processes: per-step log-return generators with state. All parameters are given
 * annualised over calendar time (one year = 365.25 days of 24 hours) and converted to the
 * simulation step once, when a symbol starts.
 */
import type { Rng } from '@tradekit/types';
import { checkKeys, requireDuration, requireNumber, simError } from './errors.js';

/** Microseconds in one (calendar) year: the unit behind every annualised parameter. */
export const US_PER_YEAR = 365.25 * 86_400_000_000;

/** The running state of one price process for one symbol. */
export interface ProcessStepper {
  /**
   * Draws the log-return of the next step.
   * @param z a standard-normal shock (correlated across symbols by the market)
   * @param logPrice the current log price (mean-reverting processes need it)
   */
  step(z: number, logPrice: number): number;
  /** The current annualised volatility (drives spread width and trading activity). */
  volatility(): number;
  /** The long-run annualised volatility the process reverts to. */
  readonly baseVolatility: number;
}

/** A price process: a factory of per-symbol steppers behind one interface. */
export interface PriceProcess {
  /** Short name, e.g. `garch`. */
  readonly name: string;
  /**
   * Starts the process for one symbol.
   * @param rng the symbol's own random stream for the process (jumps, t mixing, regimes)
   * @param dtYears the simulation step in years
   * @param startPrice the symbol's first price
   */
  start(rng: Rng, dtYears: number, startPrice: number): ProcessStepper;
}

/** Parameters of {@link gbm}. */
export interface GbmParams {
  /** Annualised drift μ of the log price (0.05 = +5 % a year). @default 0 */
  drift?: number;
  /** Annualised volatility σ (0.2 = 20 % a year). @default 0.2 */
  volatility?: number;
}

/**
 * Geometric Brownian motion: `dS/S = μ dt + σ dW`. No clustering, no fat tails: the baseline
 * that real markets are compared against.
 *
 * @example
 * createMarket({ symbols: [{ symbol: 'MNQ', process: gbm({ volatility: 0.25 }) }] });
 */
export function gbm(params: GbmParams = {}): PriceProcess {
  checkKeys(params, ['drift', 'volatility'], 'gbm params');
  const drift = requireNumber('gbm.drift', params.drift ?? 0);
  const vol = requireNumber('gbm.volatility', params.volatility ?? 0.2, { min: 0 });
  return {
    name: 'gbm',
    start(_rng, dt) {
      const mu = (drift - 0.5 * vol * vol) * dt;
      const sd = vol * Math.sqrt(dt);
      return {
        baseVolatility: vol,
        step: (z) => mu + sd * z,
        volatility: () => vol,
      };
    },
  };
}

/** Parameters of {@link garch}. */
export interface GarchParams {
  /** Annualised long-run (unconditional) volatility. @default 0.2 */
  volatility?: number;
  /** Annualised drift of the log price. @default 0 */
  drift?: number;
  /**
   * Reaction α: the weight of the last squared return in the next variance, per step.
   * Larger means burstier volatility and fatter tails. @default 0.004
   */
  alpha?: number;
  /**
   * Half-life of a volatility shock (duration string or µs); sets the persistence α + β
   * per step as `2^(-step / halfLife)`. @default '2h'
   */
  halfLife?: string | number;
  /** Degrees of freedom ν of the Student-t innovations (> 2; smaller = fatter tails). @default 2.4 */
  df?: number;
  /** Cap on volatility as a multiple of the long-run level, keeping runs sane. @default 20 */
  maxVolatilityMultiple?: number;
  /**
   * Cap on the squared standardised innovation fed back into the variance (the news impact):
   * 9 means a shock counts at most as a 3σ move. Student-t outliers then fatten the tails of
   * returns without setting volatility for hours. `Infinity` gives textbook GARCH. @default 9
   */
  newsCap?: number;
}

const GARCH_KEYS = ['volatility', 'drift', 'alpha', 'halfLife', 'df', 'maxVolatilityMultiple', 'newsCap'];

/** E[min(ε², cap)] for a standardised Student-t(ν), by numeric integration (once per start). */
function cappedSecondMoment(df: number, cap: number): number {
  if (!Number.isFinite(cap)) return 1;
  const scale = Math.sqrt((df - 2) / df);
  const lgamma = (x: number): number => {
    // Lanczos approximation, plenty for a normalising constant.
    const g = 7;
    const c = [
      0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
      12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];
    if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
    x -= 1;
    let a = c[0] as number;
    const t = x + g + 0.5;
    for (let i = 1; i < g + 2; i++) a += (c[i] as number) / (x + i);
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
  };
  const logNorm = lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  // ε = scale·T; integrate over T's density: min(scale²T², cap).
  const tCap = Math.sqrt(cap) / scale;
  const pdf = (t: number) => Math.exp(logNorm - ((df + 1) / 2) * Math.log(1 + (t * t) / df));
  const steps = 4000;
  const hStep = tCap / steps;
  let inside = 0;
  let mass = 0;
  for (let i = 0; i <= steps; i++) {
    const t = i * hStep;
    const w = i === 0 || i === steps ? 0.5 : 1;
    const f = pdf(t);
    inside += w * scale * scale * t * t * f;
    mass += w * f;
  }
  inside *= 2 * hStep;
  mass *= 2 * hStep;
  return inside + cap * Math.max(0, 1 - mass);
}

/**
 * GARCH(1,1) with Student-t innovations, the default process:
 * `r[t] = √h[t] · ε[t]` with ε standardised Student-t(ν), and
 * `h[t+1] = ω + α h[t] min(ε[t]², newsCap)/m + β h[t]` (m = E[min(ε², newsCap)] keeps the
 * long-run variance at `volatility²`). Reproduces volatility clustering and heavy tails at the
 * minute scale while keeping the sample autocorrelation of returns near zero.
 *
 * The t innovation is built from the market's (possibly correlated) normal shock and an
 * independent χ² mixing draw, so correlation across symbols is kept.
 *
 * @example
 * garch({ volatility: 0.3, alpha: 0.03, halfLife: '1h', df: 5 })
 */
export function garch(params: GarchParams = {}): PriceProcess {
  checkKeys(params, GARCH_KEYS, 'garch params');
  const vol = requireNumber('garch.volatility', params.volatility ?? 0.2, { min: 0 });
  const drift = requireNumber('garch.drift', params.drift ?? 0);
  const alpha = requireNumber('garch.alpha', params.alpha ?? 0.004, { min: 0, max: 1 });
  const halfLife = requireDuration('garch.halfLife', params.halfLife ?? '2h');
  const df = requireNumber('garch.df', params.df ?? 2.4, { min: 2, exclusiveMin: true });
  const cap = requireNumber('garch.maxVolatilityMultiple', params.maxVolatilityMultiple ?? 20, { min: 1 });
  const newsCap = params.newsCap ?? 9;
  if (newsCap !== Number.POSITIVE_INFINITY) requireNumber('garch.newsCap', newsCap, { min: 1 });
  const newsMean = cappedSecondMoment(df, newsCap);
  return {
    name: 'garch',
    start(rng, dt) {
      const stepUs = dt * US_PER_YEAR;
      const persistence = 2 ** (-stepUs / halfLife);
      if (alpha >= persistence) {
        throw simError(
          'SIM_INVALID_PARAMETER',
          'garch.alpha',
          `a number below the per-step persistence ${persistence.toFixed(6)} (set by halfLife and the step)`,
          alpha,
          'Lower alpha or lengthen halfLife.',
        );
      }
      const beta = persistence - alpha;
      const longVar = vol * vol * dt;
      const omega = longVar * (1 - persistence);
      const maxVar = longVar * cap * cap;
      const mu = drift * dt;
      const tScale = Math.sqrt((df - 2) / df);
      const halfDf = df / 2;
      let h = longVar;
      return {
        baseVolatility: vol,
        step(z) {
          // z / sqrt(χ²/ν) is Student-t(ν) and keeps the sign and correlation of z.
          const chi2 = 2 * rng.gamma(halfDf);
          const eps = z * Math.sqrt(df / chi2) * tScale;
          const sd = Math.sqrt(h);
          const r = sd * eps;
          const e2 = eps * eps;
          h = omega + (alpha * h * Math.min(e2, newsCap)) / newsMean + beta * h;
          if (h > maxVar) h = maxVar;
          return mu - 0.5 * sd * sd + r;
        },
        volatility: () => Math.sqrt(h / dt),
      };
    },
  };
}

/** Parameters of {@link jumpDiffusion}. */
export interface JumpDiffusionParams {
  /** Annualised drift of the diffusion. @default 0 */
  drift?: number;
  /** Annualised volatility of the diffusion part. @default 0.2 */
  volatility?: number;
  /** Expected number of jumps per year. @default 50 */
  jumpsPerYear?: number;
  /** Mean log size of a jump (-0.01 ≈ −1 %). @default 0 */
  jumpMean?: number;
  /** Standard deviation of the log jump size. @default 0.01 */
  jumpVolatility?: number;
}

/**
 * Merton jump-diffusion: GBM plus compound-Poisson jumps with normal log sizes. The drift is
 * compensated so that jumps do not change the expected price.
 */
export function jumpDiffusion(params: JumpDiffusionParams = {}): PriceProcess {
  checkKeys(params, ['drift', 'volatility', 'jumpsPerYear', 'jumpMean', 'jumpVolatility'], 'jumpDiffusion params');
  const drift = requireNumber('jumpDiffusion.drift', params.drift ?? 0);
  const vol = requireNumber('jumpDiffusion.volatility', params.volatility ?? 0.2, { min: 0 });
  const lambda = requireNumber('jumpDiffusion.jumpsPerYear', params.jumpsPerYear ?? 50, { min: 0 });
  const jm = requireNumber('jumpDiffusion.jumpMean', params.jumpMean ?? 0);
  const js = requireNumber('jumpDiffusion.jumpVolatility', params.jumpVolatility ?? 0.01, { min: 0 });
  const k = Math.exp(jm + 0.5 * js * js) - 1;
  const totalVol = Math.sqrt(vol * vol + lambda * (jm * jm + js * js));
  return {
    name: 'jumpDiffusion',
    start(rng, dt) {
      const mu = (drift - 0.5 * vol * vol - lambda * k) * dt;
      const sd = vol * Math.sqrt(dt);
      const pJump = lambda * dt;
      return {
        baseVolatility: totalVol,
        step(z) {
          let r = mu + sd * z;
          if (pJump > 0 && rng.next() < pJump) {
            // Per-step jump probability is tiny, so one Bernoulli draw matches Poisson closely and
            // keeps the stream aligned; a second jump in the same step is negligible.
            r += rng.normal(jm, js);
          }
          return r;
        },
        volatility: () => totalVol,
      };
    },
  };
}

/** Parameters of {@link ornsteinUhlenbeck}. */
export interface OrnsteinUhlenbeckParams {
  /** Price level the log price reverts to. @default the symbol's start price */
  mean?: number;
  /** Half-life of a deviation from the mean (duration string or µs). @default '1h' */
  halfLife?: string | number;
  /** Annualised volatility of the log price. @default 0.2 */
  volatility?: number;
}

/**
 * Ornstein–Uhlenbeck mean reversion on the log price: `dX = θ(ln m − X) dt + σ dW`, with θ set
 * from the half-life. Good for range-bound markets and pairs spreads.
 */
export function ornsteinUhlenbeck(params: OrnsteinUhlenbeckParams = {}): PriceProcess {
  checkKeys(params, ['volatility', 'halfLife', 'mean'], 'ornsteinUhlenbeck params');
  const vol = requireNumber('ornsteinUhlenbeck.volatility', params.volatility ?? 0.2, { min: 0 });
  const halfLife = requireDuration('ornsteinUhlenbeck.halfLife', params.halfLife ?? '1h');
  if (params.mean !== undefined) requireNumber('ornsteinUhlenbeck.mean', params.mean, { min: 0, exclusiveMin: true });
  return {
    name: 'ornsteinUhlenbeck',
    start(_rng, dt, startPrice) {
      const target = Math.log(params.mean ?? startPrice);
      const stepUs = dt * US_PER_YEAR;
      const keep = 2 ** (-stepUs / halfLife);
      const theta = -Math.log(keep) / dt;
      // Exact discretisation: the conditional variance of the OU step.
      const sd = theta > 0 ? vol * Math.sqrt((1 - keep * keep) / (2 * theta)) : vol * Math.sqrt(dt);
      return {
        baseVolatility: vol,
        step: (z, x) => (target - x) * (1 - keep) + sd * z,
        volatility: () => vol,
      };
    },
  };
}

/** One regime of {@link regimeSwitching}. */
export interface Regime {
  /** The process that drives prices while this regime is active. */
  process: PriceProcess;
  /** Mean time spent in the regime before switching (duration string or µs). */
  meanDuration: string | number;
  /** Name for reports. @default the process name */
  name?: string;
}

/** Parameters of {@link regimeSwitching}. */
export interface RegimeSwitchingParams {
  /** The regimes; the market starts in the first. */
  regimes: Regime[];
  /**
   * Row-stochastic matrix of where to go when leaving regime i (`transitions[i][j]`, diagonal
   * ignored). @default uniform over the other regimes
   */
  transitions?: number[][];
}

/**
 * Markov regime switching between any processes (e.g. calm GBM ↔ stressed GARCH). Time in a
 * regime is exponential with the regime's mean duration. Only the active regime steps.
 */
export function regimeSwitching(params: RegimeSwitchingParams): PriceProcess {
  const regimes = params?.regimes;
  if (!Array.isArray(regimes) || regimes.length === 0) {
    throw simError(
      'SIM_INVALID_PARAMETER',
      'regimeSwitching.regimes',
      'a non-empty array of { process, meanDuration }',
      regimes,
    );
  }
  checkKeys(params, ['regimes', 'transitions'], 'regimeSwitching params');
  regimes.forEach((r, i) => {
    checkKeys(r, ['process', 'meanDuration', 'name'], `regimeSwitching.regimes[${i}]`);
    if (typeof r?.process?.start !== 'function') {
      throw simError(
        'SIM_INVALID_PARAMETER',
        `regimeSwitching.regimes[${i}].process`,
        'a process such as gbm() or garch()',
        r?.process,
      );
    }
  });
  const durations = regimes.map((r, i) =>
    requireDuration(`regimeSwitching.regimes[${i}].meanDuration`, r.meanDuration),
  );
  const n = regimes.length;
  const rows = regimes.map((_, i) => {
    const row = params.transitions?.[i] ?? regimes.map((__, j) => (j === i ? 0 : 1));
    const w = row.map((x, j) =>
      j === i ? 0 : requireNumber(`regimeSwitching.transitions[${i}][${j}]`, x, { min: 0 }),
    );
    const sum = w.reduce((a, b) => a + b, 0);
    return sum > 0 ? w.map((x) => x / sum) : w;
  });
  return {
    name: 'regimeSwitching',
    start(rng, dt, startPrice) {
      const steppers = regimes.map((r, i) => r.process.start(rng.fork(`regime${i}`), dt, startPrice));
      const leave = durations.map((d) => 1 - Math.exp(-(dt * US_PER_YEAR) / d));
      let active = 0;
      const base = Math.sqrt(steppers.reduce((a, s) => a + s.baseVolatility ** 2, 0) / n);
      return {
        baseVolatility: base,
        step(z, x) {
          if (n > 1 && rng.next() < (leave[active] as number)) {
            const row = rows[active] as number[];
            let u = rng.next();
            let next = active;
            for (let j = 0; j < n; j++) {
              u -= row[j] as number;
              if (u < 0) {
                next = j;
                break;
              }
            }
            active = next;
          }
          return (steppers[active] as ProcessStepper).step(z, x);
        },
        volatility: () => (steppers[active] as ProcessStepper).volatility(),
      };
    },
  };
}
