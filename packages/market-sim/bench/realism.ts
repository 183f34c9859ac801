/**
 * Prints the realism report of the default preset side by side with real data:
 * S&P 500 daily (vega-datasets) and BTC-USD 1-minute (gdax-sim-test-data).
 * Run: pnpm tsx bench/realism.ts [seed]
 */
import { createMarket } from '../src/market.js';
import { type RealismReport, realism } from '../src/realism.js';
import { loadBtcUsd1m, loadSp500Daily } from '../test/real-data.js';

const seed = Number(process.argv[2] ?? 1);
const columns: Array<[string, RealismReport]> = [
  [`sim default (seed ${seed}, 5d)`, realism(createMarket({ seed, duration: '5d' }), { multiples: [1, 5, 60] })],
  [
    `sim gbm (seed ${seed}, 5d)`,
    realism(createMarket({ seed, duration: '5d', preset: 'gbm' }), { multiples: [1, 5, 60] }),
  ],
  ['BTC-USD 1m (Jan 2016)', realism(loadBtcUsd1m(), { multiples: [1, 5, 60] })],
  ['S&P 500 1d (2000–2020)', realism(loadSp500Daily(), { multiples: [1, 5, 20] })],
];

const f = (x: number | undefined, d = 2) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
const rows: Array<[string, (r: RealismReport) => string]> = [
  ['base scale', (r) => r.scales[0]!.timeframe],
  ['returns (n)', (r) => String(r.scales[0]!.n)],
  ['excess kurtosis (base)', (r) => f(r.scales[0]!.excessKurtosis)],
  ['excess kurtosis (×5)', (r) => f(r.scales[1]!.excessKurtosis)],
  ['excess kurtosis (largest)', (r) => `${f(r.scales[2]!.excessKurtosis)} @${r.scales[2]!.timeframe}`],
  ['Hill tail index |r|', (r) => f(r.scales[0]!.hillTailIndex)],
  ['ACF(r) lag 1', (r) => f(r.scales[0]!.acfReturns[0], 3)],
  ['max |ACF(r)| lags 2–20', (r) => f(Math.max(...r.scales[0]!.acfReturns.slice(1, 20).map(Math.abs)), 3)],
  ['3/√N band', (r) => f(r.scales[0]!.acfBound, 3)],
  [
    'lags 2–20 inside band',
    (r) => `${r.scales[0]!.acfReturns.slice(1, 20).filter((a) => Math.abs(a) < r.scales[0]!.acfBound).length}/19`,
  ],
  ['ACF(|r|) lag 1', (r) => f(r.scales[0]!.acfAbsReturns[0], 3)],
  ['ACF(|r|) lag 10', (r) => f(r.scales[0]!.acfAbsReturns[9], 3)],
  ['ACF(|r|) lag 20', (r) => f(r.scales[0]!.acfAbsReturns[19], 3)],
  ['ACF(|r|) lag 50', (r) => f(r.scales[0]!.acfAbsReturns[49], 3)],
  ['min ACF(|r|) lags 1–20', (r) => f(Math.min(...r.scales[0]!.acfAbsReturns.slice(0, 20)), 3)],
  ['corr(volume, |r|)', (r) => f(r.scales[0]!.volumeAbsReturnCorrelation, 3)],
  ...(
    [
      'heavyTails',
      'tailIndexInRange',
      'noLinearAutocorrelation',
      'volatilityClustering',
      'aggregationalGaussianity',
      'volumeVolatilityCorrelation',
    ] as const
  ).map((k): [string, (r: RealismReport) => string] => [`check: ${k}`, (r) => (r.checks[k] ? 'pass' : 'FAIL')]),
];

const w0 = Math.max(...rows.map(([n]) => n.length));
const widths = columns.map(([name, r]) => Math.max(name.length, ...rows.map(([, fn]) => fn(r).length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w0) : c.padStart(widths[i - 1]!))).join('  ');
console.log(line(['fact', ...columns.map(([n]) => n)]));
console.log(line(['-'.repeat(w0), ...widths.map((w) => '-'.repeat(w))]));
for (const [name, fn] of rows) console.log(line([name, ...columns.map(([, r]) => fn(r))]));
