/**
 * Performance statistics. Where backtesting.py (0.6.6, `_stats.py`) defines the same statistic
 * the formula here is its formula (daily resampling, geometric annualisation, drawdown periods,
 * trade statistics on `ReturnPct` or `PnL` as it does); every difference is listed in the README.
 */

const DAY = 86_400_000_000;
const HOUR = 3_600_000_000;
const MINUTE = 60_000_000;
const SECOND = 1_000_000;

/** One closed (or, in `openTrades`, still open) round trip. Money in the account currency. */
export interface TradeRecord {
  symbol: string;
  /** Signed size: positive long, negative short. */
  size: number;
  entryTime: number;
  exitTime: number;
  /** Index of the entry and exit bars in the equity curve. */
  entryBar: number;
  exitBar: number;
  entryPrice: number;
  exitPrice: number;
  /** `size × (exit − entry) × multiplier − commissions`. */
  pnl: number;
  /** `sign(size) × (exit / entry − 1) − commissions / (|size| × entry × multiplier)`, a fraction. */
  returnPct: number;
  /** Fees of the entry (pro rata) and the exit. */
  commissions: number;
  /** Maximum adverse excursion in money (≤ 0): the worst unrealized PnL while open. */
  mae: number;
  /** Maximum favourable excursion in money (≥ 0): the best unrealized PnL while open. */
  mfe: number;
}

/** Every statistic of a run; `null` where it is undefined (no trades, no drawdown…). */
export interface Metrics {
  start: number;
  end: number;
  /** `end − start`, µs. */
  duration: number;
  /** Share of bars with a closed trade open (entry to exit bar inclusive), %. */
  exposurePct: number;
  equityStart: number;
  equityFinal: number;
  equityPeak: number;
  /** Fees of closed trades. */
  commissions: number;
  /** Every fee paid, open trades included. */
  feesPaid: number;
  returnPct: number;
  buyHoldReturnPct: number | null;
  returnAnnPct: number | null;
  volatilityAnnPct: number | null;
  cagrPct: number | null;
  sharpe: number | null;
  sortino: number | null;
  calmar: number | null;
  /** Deepest drawdown, % (negative). */
  maxDrawdownPct: number;
  /** Deepest drawdown in money (≥ 0): max of running peak − equity. */
  maxDrawdown: number;
  avgDrawdownPct: number | null;
  /** µs, ceiled to the data's resolution. */
  maxDrawdownDuration: number | null;
  avgDrawdownDuration: number | null;
  trades: number;
  winRatePct: number | null;
  bestTradePct: number | null;
  worstTradePct: number | null;
  /** Geometric mean of trade returns, %. */
  avgTradePct: number | null;
  maxTradeDuration: number | null;
  avgTradeDuration: number | null;
  /** Σ positive returnPct / |Σ negative returnPct|. */
  profitFactor: number | null;
  /** Arithmetic mean of trade returns, %. */
  expectancyPct: number | null;
  /** Mean PnL per trade, money. */
  expectancy: number | null;
  sqn: number | null;
  kelly: number | null;
  avgWin: number | null;
  avgLoss: number | null;
  largestWin: number | null;
  largestLoss: number | null;
  maxConsecutiveWins: number;
  maxConsecutiveLosses: number;
  /** Samples per year used to annualise (365, 252, 52, 12 or 1). */
  periodsPerYear: number;
}

/** Inputs of {@link computeMetrics}. */
export interface MetricsInput {
  /** Bar times (µs), ascending. */
  ts: ArrayLike<number>;
  /** Equity at each bar. */
  equity: ArrayLike<number>;
  /** Closed trades. */
  trades: readonly TradeRecord[];
  /** Closes of the first symbol for Buy & Hold, with the bar index to start from. */
  buyHold?: { first: number; last: number };
  /** Every fee paid. @default the closed trades' commissions */
  feesPaid?: number;
}

const nn = (x: number): number | null => (Number.isFinite(x) ? x : x === Number.POSITIVE_INFINITY ? x : null);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The data's resolution for ceiling durations (backtesting.py's `resolution_string`). */
function resolutionOf(period: number): number {
  for (const u of [DAY, HOUR, MINUTE, SECOND, 1000]) if (period % u === 0) return u;
  return 1;
}

const ceilTo = (x: number, r: number) => Math.ceil(x / r) * r;

/** UTC period key of a timestamp for resampling: day, week (ending Sunday), month or year. */
function periodKey(ts: number, freqDays: number): number {
  const day = Math.floor(ts / DAY);
  if (freqDays === 7) return Math.floor((day + 3) / 7); // weeks Monday..Sunday (1970-01-01 is a Thursday)
  if (freqDays === 31 || freqDays === 365) {
    const d = new Date(day * 86_400_000);
    return freqDays === 31 ? d.getUTCFullYear() * 12 + d.getUTCMonth() : d.getUTCFullYear();
  }
  return day;
}

/** Sample variance (ddof = 1) in two passes. */
function variance(xs: number[]): number {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  let m = 0;
  for (const x of xs) m += x;
  m /= n;
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return s / (n - 1);
}

/** What one pass over the equity curve finds. */
interface CurveStats {
  peak: number;
  maxDd: number;
  maxDdMoney: number;
  /** Length (µs) and depth (fraction) of each drawdown period. */
  durations: number[];
  peaks: number[];
  /** Points on a Saturday or Sunday (UTC). */
  weekend: number;
  /** The last equity of each day (or week, month, year). */
  samples: number[];
}

/**
 * One pass: drawdown, drawdown periods, weekend share and per-day samples. A drawdown period
 * runs from the last bar at a running high to the next one (or to the last bar), when at least
 * one bar lies between them. (A function of its own, like {@link tradePass}: V8 optimises each
 * loop on its own instead of recompiling one long function as each loop gets hot.)
 */
function curvePass(ts: ArrayLike<number>, equity: ArrayLike<number>, freqDays: number): CurveStats {
  const n = equity.length;
  let peak = Number.NEGATIVE_INFINITY;
  let maxDd = 0;
  let maxDdMoney = 0;
  const durations: number[] = [];
  const peaks: number[] = [];
  let lastHigh = 0;
  let periodMax = 0;
  let weekend = 0;
  const samples: number[] = [];
  let lastKey = Number.NaN;
  for (let i = 0; i < n; i++) {
    const e = equity[i] as number;
    const t = ts[i] as number;
    if (e > peak) peak = e;
    const d = 1 - e / peak;
    if (d > maxDd) maxDd = d;
    if (peak - e > maxDdMoney) maxDdMoney = peak - e;
    if (d > periodMax) periodMax = d;
    if (d === 0 || i === n - 1) {
      if (i > lastHigh + 1) {
        durations.push(t - (ts[lastHigh] as number));
        peaks.push(periodMax);
      }
      lastHigh = i;
      periodMax = 0;
    }
    const day = Math.floor(t / DAY);
    const dow = (day + 4) % 7; // 0 = Sunday (1970-01-01 was a Thursday)
    if (dow === 0 || dow === 6) weekend++;
    const k = freqDays === 0 || freqDays === 1 ? day : periodKey(t, freqDays);
    if (k === lastKey) samples[samples.length - 1] = e;
    else samples.push(e);
    lastKey = k;
  }
  return { peak, maxDd, maxDdMoney, durations, peaks, weekend, samples };
}

/** Sums and extremes over the closed trades, in one loop. */
function tradePass(trades: readonly TradeRecord[]) {
  let wins = 0;
  let best = Number.NEGATIVE_INFINITY;
  let worst = Number.POSITIVE_INFINITY;
  let logSum = 0;
  let geoOk = true;
  let sumPos = 0;
  let sumNeg = 0;
  let sumRet = 0;
  let sumPnl = 0;
  let winPnl = 0;
  let lossPnl = 0;
  let losses = 0;
  let largestWin = Number.NEGATIVE_INFINITY;
  let largestLoss = Number.POSITIVE_INFINITY;
  let maxDur = 0;
  let sumDur = 0;
  let commissions = 0;
  let run = 0;
  let maxWins = 0;
  let maxLosses = 0;
  for (const t of trades) {
    const r = t.returnPct;
    if (t.pnl > 0) {
      wins++;
      winPnl += t.pnl;
      run = run > 0 ? run + 1 : 1;
      if (run > maxWins) maxWins = run;
    } else {
      run = run < 0 ? run - 1 : -1;
      if (-run > maxLosses) maxLosses = -run;
    }
    if (t.pnl < 0) {
      losses++;
      lossPnl += t.pnl;
    }
    if (t.pnl > largestWin) largestWin = t.pnl;
    if (t.pnl < largestLoss) largestLoss = t.pnl;
    if (r > best) best = r;
    if (r < worst) worst = r;
    if (1 + r <= 0) geoOk = false;
    else logSum += Math.log(1 + r);
    if (r > 0) sumPos += r;
    if (r < 0) sumNeg += r;
    sumRet += r;
    sumPnl += t.pnl;
    commissions += t.commissions;
    const dur = t.exitTime - t.entryTime;
    if (dur > maxDur) maxDur = dur;
    sumDur += dur;
  }
  return {
    wins,
    best,
    worst,
    logSum,
    geoOk,
    sumPos,
    sumNeg,
    sumRet,
    sumPnl,
    winPnl,
    lossPnl,
    losses,
    largestWin,
    largestLoss,
    maxDur,
    sumDur,
    commissions,
    maxWins,
    maxLosses,
  };
}

/** Bars (of `n`) with a closed trade open, entry to exit bar inclusive. */
function exposedBars(trades: readonly TradeRecord[], n: number): number {
  const have = new Uint8Array(n);
  for (const t of trades) for (let i = t.entryBar; i <= t.exitBar && i < n; i++) have[i] = 1;
  let exposed = 0;
  for (let i = 0; i < n; i++) exposed += have[i] as number;
  return exposed;
}

/**
 * Computes every statistic from an equity curve and a trade list (pure, deterministic).
 *
 * @example
 * const m = computeMetrics({ ts: [0, 86400e6], equity: [100, 110], trades: [] });
 * m.returnPct; // 10
 */
export function computeMetrics(input: MetricsInput): Metrics {
  const { ts, equity, trades } = input;
  const n = equity.length;
  if (n === 0 || ts.length !== n) {
    throw new RangeError(
      `computeMetrics needs an equity curve with one time per value (got ${n} values, ${ts.length} times)`,
    );
  }
  const e0 = equity[0] as number;
  const eN = equity[n - 1] as number;
  const start = ts[0] as number;
  const end = ts[n - 1] as number;

  const diffs: number[] = [];
  for (let i = Math.max(1, n - 100); i < n; i++) diffs.push((ts[i] as number) - (ts[i - 1] as number));
  const period = diffs.length > 0 ? median(diffs) : DAY;
  const freqDays = Math.floor(period / DAY);
  const { peak, maxDd, maxDdMoney, durations, peaks, weekend, samples } = curvePass(ts, equity, freqDays);
  const equityPeak = peak;
  const haveWeekends = weekend / n > (2 / 7) * 0.6;
  const D = freqDays === 7 ? 52 : freqDays === 31 ? 12 : freqDays === 365 ? 1 : haveWeekends ? 365 : 252;
  const rets: number[] = [];
  for (let i = 1; i < samples.length; i++) rets.push((samples[i] as number) / (samples[i - 1] as number) - 1);
  let g = Number.NaN;
  if (rets.length > 0) {
    let s = 0;
    let ok = true;
    for (const r of rets) {
      if (!(1 + r > 0)) ok = false;
      s += Math.log(1 + r);
    }
    g = ok ? Math.exp(s / rets.length) - 1 : 0;
  }
  const annRet = (1 + g) ** D - 1;
  const v = variance(rets);
  const annVol = Math.sqrt((v + (1 + g) ** 2) ** D - (1 + g) ** (2 * D));
  let down = 0;
  for (const r of rets) down += Math.min(r, 0) ** 2;
  const downDev = Math.sqrt(down / rets.length) * Math.sqrt(D);
  const years = (end - start) / DAY / 365.25;
  const cagr = (eN / e0) ** (1 / years) - 1;

  // Trades.
  const N = trades.length;
  const {
    wins,
    best,
    worst,
    logSum,
    geoOk,
    sumPos,
    sumNeg,
    sumRet,
    sumPnl,
    winPnl,
    lossPnl,
    losses,
    largestWin,
    largestLoss,
    maxDur,
    sumDur,
    commissions,
    maxWins,
    maxLosses,
  } = tradePass(trades);
  const exposed = exposedBars(trades, n);
  const meanPnl = N > 0 ? sumPnl / N : Number.NaN;
  const pnlVar = variance(trades.map((t) => t.pnl));
  const winRate = N > 0 ? wins / N : Number.NaN;
  const avgWin = wins > 0 ? winPnl / wins : Number.NaN;
  const avgLoss = losses > 0 ? lossPnl / losses : Number.NaN;
  const res = resolutionOf(period);
  const bh = input.buyHold;

  return {
    start,
    end,
    duration: end - start,
    exposurePct: (exposed / n) * 100,
    equityStart: e0,
    equityFinal: eN,
    equityPeak,
    commissions,
    feesPaid: input.feesPaid ?? commissions,
    returnPct: ((eN - e0) / e0) * 100,
    buyHoldReturnPct: bh ? ((bh.last - bh.first) / bh.first) * 100 : null,
    returnAnnPct: nn(annRet * 100),
    volatilityAnnPct: nn(annVol * 100),
    cagrPct: nn(cagr * 100),
    sharpe: annVol > 0 ? nn((annRet * 100) / (annVol * 100)) : null,
    sortino: nn(annRet / downDev),
    calmar: maxDd > 0 ? nn(annRet / maxDd) : null,
    maxDrawdownPct: -maxDd * 100,
    maxDrawdown: maxDdMoney,
    avgDrawdownPct: peaks.length > 0 ? (-peaks.reduce((a, b) => a + b, 0) / peaks.length) * 100 : null,
    maxDrawdownDuration: durations.length > 0 ? ceilTo(Math.max(...durations), res) : null,
    avgDrawdownDuration:
      durations.length > 0 ? ceilTo(durations.reduce((a, b) => a + b, 0) / durations.length, res) : null,
    trades: N,
    winRatePct: N > 0 ? winRate * 100 : null,
    bestTradePct: N > 0 ? best * 100 : null,
    worstTradePct: N > 0 ? worst * 100 : null,
    avgTradePct: N > 0 ? (geoOk ? (Math.exp(logSum / N) - 1) * 100 : 0) : null,
    maxTradeDuration: N > 0 ? ceilTo(maxDur, res) : null,
    avgTradeDuration: N > 0 ? ceilTo(sumDur / N, res) : null,
    profitFactor: N > 0 && sumNeg < 0 ? sumPos / -sumNeg : N > 0 && sumPos > 0 ? Number.POSITIVE_INFINITY : null,
    expectancyPct: N > 0 ? (sumRet / N) * 100 : null,
    expectancy: N > 0 ? meanPnl : null,
    sqn: N > 1 && pnlVar > 0 ? nn((Math.sqrt(N) * meanPnl) / Math.sqrt(pnlVar)) : null,
    kelly: wins > 0 && losses > 0 ? nn(winRate - (1 - winRate) / (avgWin / -avgLoss)) : null,
    avgWin: nn(avgWin),
    avgLoss: nn(avgLoss),
    largestWin: N > 0 ? largestWin : null,
    largestLoss: N > 0 ? largestLoss : null,
    maxConsecutiveWins: maxWins,
    maxConsecutiveLosses: maxLosses,
    periodsPerYear: D,
  };
}

/** Drawdown (fraction ≥ 0 below the running peak) at every point of an equity curve. */
export function drawdownCurve(equity: ArrayLike<number>): Float64Array {
  const out = new Float64Array(equity.length);
  let peak = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i] as number;
    if (e > peak) peak = e;
    out[i] = 1 - e / peak;
  }
  return out;
}
