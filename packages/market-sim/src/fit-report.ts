/**
 * The fit report: the data's stylized facts beside those of samples generated from the fitted
 * preset (same length, several seeds), each with its tolerance and a pass/fail mark.
 */
import { formatDuration } from '@tradekit/types';
import { checkKeys } from './errors.js';
import { BarSampler, type MarketFacts, factsOf } from './facts.js';
import { createMarket } from './market.js';
import { type MarketPreset, loadPreset } from './preset.js';
import { correlation } from './realism.js';

/** One row of the fit report. */
export interface FitRow {
  /** Statistic, e.g. `hill`. */
  fact: string;
  /** What it is, in words. */
  label: string;
  /** The data's value. */
  data: number | null;
  /** The samples' median (the compared value) and each sample's value. */
  sample: number | null;
  samples: Array<number | null>;
  /** The tolerance, in words (`|Δ| ≤ 0.6`). */
  tolerance: string;
  /** Within tolerance; `null` when the data or the samples cannot inform it (listed, not counted). */
  pass: boolean | null;
}

/** The fit report. */
export interface FitReport {
  symbol: string;
  interval: number;
  seeds: number[];
  /** Length of each generated sample, µs (the data's span). */
  duration: number;
  rows: FitRow[];
  /** Every applicable row passed (and at least one row was applicable). */
  pass: boolean;
}

/** Options of {@link fitReport}. */
export interface FitReportOptions {
  /** Seeds of the generated samples. @default [1, 2, 3] */
  seeds?: number[];
}

type Tol = { text: string; ok: (d: number, s: number) => boolean };

const abs = (t: number): Tol => ({ text: `|Δ| ≤ ${t}`, ok: (d, s) => Math.abs(d - s) <= t });
const ratio = (f: number, shift = 0): Tol => ({
  text: shift ? `(x+${shift}) within ×/÷ ${f}` : `within ×/÷ ${f}`,
  ok: (d, s) => Math.abs(Math.log((d + shift) / (s + shift))) <= Math.log(f),
});
const relOrAbs = (rel: number, a: number): Tol => ({
  text: `|Δ| ≤ ${rel * 100} % or ${a}`,
  ok: (d, s) => Math.abs(d - s) <= Math.max(a, rel * Math.abs(d)),
});

/** Every statistic of the report, how to read it from facts, and its tolerance (docs/calibration.md). */
const ROWS: Array<{ fact: string; label: string; get: (f: MarketFacts) => number | null; tol: Tol }> = [
  { fact: 'kurtosis', label: 'excess kurtosis of bar returns', get: (f) => f.kurtosis, tol: ratio(20, 3) },
  {
    fact: 'kurtosis60',
    label: 'excess kurtosis of 60-bar returns',
    get: (f) => (Number.isFinite(f.kurtosis60) ? f.kurtosis60 : null),
    tol: abs(8),
  },
  { fact: 'hill', label: 'Hill tail index of |r| (top 2.5 %)', get: (f) => f.hill, tol: abs(1) },
  { fact: 'acfAbsMean', label: 'mean ACF(|r|), lags 1–20', get: (f) => f.acfAbsMean, tol: abs(0.1) },
  { fact: 'acf1', label: 'ACF(r) at lag 1', get: (f) => f.acf1, tol: abs(0.06) },
  {
    fact: 'volumeAbsCorrelation',
    label: 'corr(volume, |r|)',
    get: (f) => f.volumeAbsCorrelation,
    tol: abs(0.15),
  },
  {
    fact: 'spreadMean',
    label: 'spread mean (ticks)',
    get: (f) => f.spreadTicks?.mean ?? null,
    tol: relOrAbs(0.25, 0.5),
  },
  { fact: 'spreadP50', label: 'spread p50 (ticks)', get: (f) => f.spreadTicks?.p50 ?? null, tol: abs(0.5) },
  { fact: 'spreadP90', label: 'spread p90 (ticks)', get: (f) => f.spreadTicks?.p90 ?? null, tol: relOrAbs(0.25, 1) },
  { fact: 'spreadP99', label: 'spread p99 (ticks)', get: (f) => f.spreadTicks?.p99 ?? null, tol: relOrAbs(0.5, 2) },
  { fact: 'sizeP50', label: 'trade size p50', get: (f) => f.tradeSize?.p50 ?? null, tol: relOrAbs(0.25, 1) },
  { fact: 'sizeP99', label: 'trade size p99', get: (f) => f.tradeSize?.p99 ?? null, tol: relOrAbs(0.5, 2) },
];

function median(x: number[]): number {
  const a = [...x].sort((p, q) => p - q);
  const m = a.length >> 1;
  return a.length % 2 ? (a[m] as number) : ((a[m - 1] as number) + (a[m] as number)) / 2;
}

/** The facts of `seed`'s sample of the preset, as long as the data. */
export function sampleFacts(preset: MarketPreset, seed: number): MarketFacts {
  const { firstTs, lastTs } = preset.data;
  const duration = Math.max(preset.interval, lastTs - firstTs + preset.interval);
  const market = createMarket({ preset, seed, duration, start: firstTs - (firstTs % preset.interval) });
  const s = new BarSampler(preset.interval, preset.symbol, 0);
  for (const e of market) s.add(e);
  s.finish();
  return factsOf(s, preset.instrument.tickSize);
}

/**
 * Generates samples from a calibrated preset (as long as the data, one per seed) and compares
 * their stylized facts with the data's (stored in the preset). Facts the data cannot inform (no
 * quotes: spreads; no trades: sizes and volume; daily bars: the intraday profile) are listed
 * with `pass: null`.
 */
export function fitReport(presetJson: MarketPreset, options: FitReportOptions = {}): FitReport {
  checkKeys(options, ['seeds'], 'fitReport options');
  const preset = loadPreset(presetJson);
  const seeds = options.seeds ?? [1, 2, 3];
  const data = preset.data.facts;
  const samples = seeds.map((seed) => sampleFacts(preset, seed));
  const rows: FitRow[] = ROWS.map((r) => {
    const d = r.get(data);
    const each = samples.map((f) => r.get(f));
    const seen = each.filter((v): v is number => v !== null && Number.isFinite(v));
    const s = seen.length === each.length && seen.length > 0 ? median(seen) : null;
    const pass = d === null || s === null || !Number.isFinite(d) ? null : r.tol.ok(d, s);
    return { fact: r.fact, label: r.label, data: d, sample: s, samples: each, tolerance: r.tol.text, pass };
  });
  const profiles = samples.map((f) => f.volatilityProfile);
  const dp = data.volatilityProfile;
  const corrs = profiles.map((p) => (p && dp ? correlation(dp, p) : null));
  const seenCorr = corrs.filter((v): v is number => v !== null && Number.isFinite(v));
  const profileCorr = dp && seenCorr.length === corrs.length ? median(seenCorr) : null;
  rows.push({
    fact: 'profileCorrelation',
    label: 'corr of intraday volatility profiles (data vs sample)',
    data: dp ? 1 : null,
    sample: profileCorr,
    samples: corrs,
    tolerance: 'sample ≥ 0.5',
    pass: profileCorr === null ? null : profileCorr >= 0.5,
  });
  const applicable = rows.filter((r) => r.pass !== null);
  return {
    symbol: preset.symbol,
    interval: preset.interval,
    seeds,
    duration: preset.data.lastTs - preset.data.firstTs + preset.interval,
    rows,
    pass: applicable.length > 0 && applicable.every((r) => r.pass),
  };
}

function fmt(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  return Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toFixed(4);
}

/** The fit report as a markdown table, with the fitted parameters and the defaulted ones. */
export function fitReportMarkdown(report: FitReport, preset: MarketPreset): string {
  const lines = [
    `# Fit report: ${report.symbol}`,
    '',
    `Bars of ${formatDuration(report.interval)}; ${preset.data.facts.bars} bars of data; samples of ${formatDuration(report.duration)} from seeds ${report.seeds.join(', ')} (the sample column is their median). Overall: **${report.pass ? 'pass' : 'FAIL'}**.`,
    '',
    '| statistic | data | sample (median) | samples | tolerance | result |',
    '| --- | --- | --- | --- | --- | --- |',
    ...report.rows.map(
      (r) =>
        `| ${r.label.replaceAll('|', '\\|')} | ${fmt(r.data)} | ${fmt(r.sample)} | ${r.samples.map(fmt).join(', ')} | ${r.tolerance.replaceAll('|', '\\|')} | ${r.pass === null ? 'n/a' : r.pass ? 'pass' : 'FAIL'} |`,
    ),
    '',
    '## Fitted parameters',
    '',
    '```json',
    JSON.stringify(
      { instrument: preset.instrument, price: preset.price, step: preset.step, process: preset.process },
      null,
      2,
    ),
    '```',
    '',
    `Defaulted (the data could not inform them): ${preset.defaulted.length ? preset.defaulted.join(', ') : 'none'}.`,
    '',
  ];
  return lines.join('\n');
}
