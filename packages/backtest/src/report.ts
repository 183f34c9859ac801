/**
 * Reports: a deterministic JSON document (same result → same bytes; no wall-clock time, no
 * machine names) and one self-contained HTML file with uPlot inlined (opens offline).
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { microsToIso } from '@tradekit/types';
import type { BacktestResult } from './engine.js';
import { type Metrics, type TradeRecord, drawdownCurve } from './metrics.js';

/** Options of {@link toReport}. */
export interface ReportOptions {
  /** Most points of each curve in the report (min/max kept per bucket). @default 5000 */
  maxPoints?: number;
  /** Include every fill. @default true */
  fills?: boolean;
}

/** The JSON report. Numbers are plain JSON numbers; exact money is in decimal strings under `account`. */
export interface BacktestReport {
  format: 'tradekit.backtest/1';
  strategy: string;
  params: Record<string, number | string | boolean>;
  symbols: string[];
  events: number;
  bars: number;
  start: string;
  end: string;
  metrics: Metrics;
  account: { balance: string; equity: string; realizedPnl: string; unrealizedPnl: string; fees: string };
  trades: TradeRecord[];
  openTrades: TradeRecord[];
  fills?: BacktestResult['fills'];
  curves: { ts: number[]; equity: number[]; drawdownPct: number[]; price: (number | null)[] };
  error?: BacktestResult['error'];
}

/** Indices to keep so a curve has at most `max` points: first, last, and each bucket's min and max. */
function decimate(values: ArrayLike<number>, max: number): number[] {
  const n = values.length;
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.max(1, Math.floor((max - 2) / 2));
  const size = (n - 2) / buckets;
  const keep = [0];
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor(b * size);
    const to = Math.min(n - 1, 1 + Math.floor((b + 1) * size));
    let lo = from;
    let hi = from;
    for (let i = from; i < to; i++) {
      if ((values[i] as number) < (values[lo] as number)) lo = i;
      if ((values[i] as number) > (values[hi] as number)) hi = i;
    }
    if (from >= to) continue;
    if (lo === hi) keep.push(lo);
    else keep.push(Math.min(lo, hi), Math.max(lo, hi));
  }
  keep.push(n - 1);
  return keep;
}

/**
 * Builds the JSON report of a result (deterministic: same result → same document).
 *
 * @example
 * const json = JSON.stringify(toReport(result), null, 2);
 */
export function toReport(result: BacktestResult, options: ReportOptions = {}): BacktestReport {
  const max = options.maxPoints ?? 5000;
  const { ts, equity, price } = result.equity;
  const dd = drawdownCurve(equity);
  const keep = decimate(equity, max);
  const a = result.account;
  const report: BacktestReport = {
    format: 'tradekit.backtest/1',
    strategy: result.strategy,
    params: result.params,
    symbols: result.symbols,
    events: result.events,
    bars: result.bars,
    start: microsToIso(result.metrics.start),
    end: microsToIso(result.metrics.end),
    metrics: result.metrics,
    account: {
      balance: a.balance.toString(),
      equity: a.equity.toString(),
      realizedPnl: a.realizedPnl.toString(),
      unrealizedPnl: a.unrealizedPnl.toString(),
      fees: a.fees.toString(),
    },
    trades: result.trades,
    openTrades: result.openTrades,
    curves: {
      ts: keep.map((i) => ts[i] as number),
      equity: keep.map((i) => equity[i] as number),
      drawdownPct: keep.map((i) => -(dd[i] as number) * 100),
      price: keep.map((i) => (Number.isFinite(price[i]) ? (price[i] as number) : null)),
    },
  };
  if (options.fills ?? true) report.fills = result.fills;
  if (result.error) report.error = result.error;
  return report;
}

/** The JSON report as text (2-space indent, trailing newline). Same result → same bytes. */
export function reportJson(result: BacktestResult, options: ReportOptions = {}): string {
  return `${JSON.stringify(toReport(result, options), null, 2)}\n`;
}

/** Labels and kinds of the metrics, in table order. */
export const METRIC_LABELS: readonly [
  keyof Metrics,
  string,
  'money' | 'pct' | 'ratio' | 'count' | 'duration' | 'time',
][] = [
  ['start', 'Start', 'time'],
  ['end', 'End', 'time'],
  ['duration', 'Duration', 'duration'],
  ['exposurePct', 'Exposure Time [%]', 'pct'],
  ['equityStart', 'Equity Start', 'money'],
  ['equityFinal', 'Equity Final', 'money'],
  ['equityPeak', 'Equity Peak', 'money'],
  ['commissions', 'Commissions (closed trades)', 'money'],
  ['feesPaid', 'Fees Paid (all)', 'money'],
  ['returnPct', 'Return [%]', 'pct'],
  ['buyHoldReturnPct', 'Buy & Hold Return [%]', 'pct'],
  ['returnAnnPct', 'Return (Ann.) [%]', 'pct'],
  ['volatilityAnnPct', 'Volatility (Ann.) [%]', 'pct'],
  ['cagrPct', 'CAGR [%]', 'pct'],
  ['sharpe', 'Sharpe Ratio', 'ratio'],
  ['sortino', 'Sortino Ratio', 'ratio'],
  ['calmar', 'Calmar Ratio', 'ratio'],
  ['maxDrawdownPct', 'Max. Drawdown [%]', 'pct'],
  ['maxDrawdown', 'Max. Drawdown', 'money'],
  ['avgDrawdownPct', 'Avg. Drawdown [%]', 'pct'],
  ['maxDrawdownDuration', 'Max. Drawdown Duration', 'duration'],
  ['avgDrawdownDuration', 'Avg. Drawdown Duration', 'duration'],
  ['trades', '# Trades', 'count'],
  ['winRatePct', 'Win Rate [%]', 'pct'],
  ['bestTradePct', 'Best Trade [%]', 'pct'],
  ['worstTradePct', 'Worst Trade [%]', 'pct'],
  ['avgTradePct', 'Avg. Trade [%]', 'pct'],
  ['maxTradeDuration', 'Max. Trade Duration', 'duration'],
  ['avgTradeDuration', 'Avg. Trade Duration', 'duration'],
  ['profitFactor', 'Profit Factor', 'ratio'],
  ['expectancyPct', 'Expectancy [%]', 'pct'],
  ['expectancy', 'Expectancy (per trade)', 'money'],
  ['sqn', 'SQN', 'ratio'],
  ['kelly', 'Kelly Criterion', 'ratio'],
  ['avgWin', 'Avg. Win', 'money'],
  ['avgLoss', 'Avg. Loss', 'money'],
  ['largestWin', 'Largest Win', 'money'],
  ['largestLoss', 'Largest Loss', 'money'],
  ['maxConsecutiveWins', 'Max. Consecutive Wins', 'count'],
  ['maxConsecutiveLosses', 'Max. Consecutive Losses', 'count'],
  ['periodsPerYear', 'Periods per Year', 'count'],
];

/**
 * How the HTML table shows a metric value (the same function runs in the page and here).
 * `null` (undefined, or ±∞ in JSON) shows as an em dash.
 */
export function formatMetric(kind: string, value: number | null): string {
  if (value === null || value === undefined) return '—';
  if (kind === 'time') return new Date(Math.floor(value / 1000)).toISOString();
  if (kind === 'duration') {
    let s = Math.round(value / 1e6);
    const d = Math.floor(s / 86400);
    s -= d * 86400;
    const h = Math.floor(s / 3600);
    s -= h * 3600;
    const m = Math.floor(s / 60);
    s -= m * 60;
    return `${d}d ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  }
  if (kind === 'count') return String(value);
  if (kind === 'money') return value.toFixed(2);
  return Number(value.toPrecision(6)).toString();
}

const requireHere = createRequire(import.meta.url);
let uplotAssets: { js: string; css: string } | undefined;
function uplot(): { js: string; css: string } {
  if (!uplotAssets) {
    uplotAssets = {
      js: readFileSync(requireHere.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(requireHere.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    };
  }
  return uplotAssets;
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028|\u2029/g, ' ');

/**
 * One self-contained HTML page: equity, drawdown and price-with-trades charts (uPlot inlined),
 * the metrics table and the trade list. Opens offline; deterministic like the JSON.
 */
export function reportHtml(result: BacktestResult, options: ReportOptions = {}): string {
  const report = toReport(result, { ...options, fills: false });
  const { js, css } = uplot();
  const m = report.metrics;
  const rows = METRIC_LABELS.map(([key, label, kind]) => {
    const v = m[key] as number | null;
    const json = JSON.stringify(v);
    return `<tr data-key="${key}" data-value="${esc(json)}"><th>${esc(label)}</th><td>${esc(formatMetric(kind, v))}</td></tr>`;
  }).join('\n');
  const tradeRows = report.trades
    .slice(0, 2000)
    .map(
      (t, i) =>
        `<tr><td>${i + 1}</td><td>${esc(t.symbol)}</td><td>${t.size}</td><td>${microsToIso(t.entryTime)}</td><td>${t.entryPrice}</td><td>${microsToIso(t.exitTime)}</td><td>${t.exitPrice}</td><td>${t.pnl}</td><td>${Number((t.returnPct * 100).toPrecision(6))}</td><td>${t.mae}</td><td>${t.mfe}</td></tr>`,
    )
    .join('\n');
  const markers = report.trades.slice(0, 5000).flatMap((t) =>
    t.symbol === report.symbols[0]
      ? [
          [t.entryTime, t.entryPrice, t.size > 0 ? 1 : -1],
          [t.exitTime, t.exitPrice, 0],
        ]
      : [],
  );
  const title = `Backtest: ${report.strategy}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<style>${css}
body{font:14px system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;margin:8px 0 24px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{text-align:left;background:#f6f6f6}
.chart{margin-bottom:16px}
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p>${esc(report.symbols.join(', '))} · ${esc(report.start)} → ${esc(report.end)} · ${report.events} events · params ${esc(JSON.stringify(report.params))}</p>
${report.error ? `<p id="error" style="color:#b00">Stopped early: ${esc(report.error.message)}</p>` : ''}
<h2>Equity</h2><div id="equity" class="chart"></div>
<h2>Drawdown</h2><div id="drawdown" class="chart"></div>
<h2>Price and trades (${esc(report.symbols[0] ?? '')})</h2><div id="price" class="chart"></div>
<h2>Metrics</h2>
<table id="metrics">
${rows}
</table>
<h2>Trades (${report.trades.length}${report.trades.length > 2000 ? ', first 2000 shown' : ''})</h2>
<table id="trades">
<tr><th>#</th><th>Symbol</th><th>Size</th><th>Entry time</th><th>Entry</th><th>Exit time</th><th>Exit</th><th>PnL</th><th>Return [%]</th><th>MAE</th><th>MFE</th></tr>
${tradeRows}
</table>
<script>${js}</script>
<script id="report-data" type="application/json">${scriptJson({ curves: report.curves, markers })}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var c = data.curves;
  var x = c.ts.map(function (t) { return t / 1e6; });
  var width = Math.max(600, document.body.clientWidth - 48);
  function chart(id, label, ys, color, fill) {
    return new uPlot({ width: width, height: 260, series: [{}, { label: label, stroke: color, fill: fill, width: 1.5 }], axes: [{}, {}] }, [x, ys], document.getElementById(id));
  }
  chart('equity', 'Equity', c.equity, '#1f77b4', 'rgba(31,119,180,0.08)');
  chart('drawdown', 'Drawdown [%]', c.drawdownPct, '#d62728', 'rgba(214,39,40,0.15)');
  var buys = x.map(function () { return null; });
  var sells = buys.slice();
  var exits = buys.slice();
  var idx = 0;
  data.markers.forEach(function (m) {
    var t = m[0] / 1e6;
    while (idx < x.length - 1 && x[idx] < t) idx++;
    if (m[2] > 0) buys[idx] = m[1]; else if (m[2] < 0) sells[idx] = m[1]; else exits[idx] = m[1];
  });
  var pts = function (color) { return { show: true, size: 7, stroke: color, fill: color }; };
  new uPlot({
    width: width, height: 300,
    series: [{}, { label: 'Price', stroke: '#555', width: 1 },
      { label: 'Long entry', stroke: '#2ca02c', width: 0, points: pts('#2ca02c') },
      { label: 'Short entry', stroke: '#d62728', width: 0, points: pts('#d62728') },
      { label: 'Exit', stroke: '#ff7f0e', width: 0, points: pts('#ff7f0e') }],
  }, [x, c.price, buys, sells, exits], document.getElementById('price'));
})();
</script>
</body>
</html>
`;
}

/**
 * Writes `report.json` and `report.html` into a directory (created if missing); returns their paths.
 *
 * @example
 * await writeReport(result, 'out');
 */
export async function writeReport(
  result: BacktestResult,
  dir: string,
  options: ReportOptions = {},
): Promise<{ json: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, 'report.json');
  const html = join(dir, 'report.html');
  await writeFile(json, reportJson(result, options));
  await writeFile(html, reportHtml(result, options));
  return { json, html };
}
