/**
 * @tradekit/backtest: event-driven backtests on the order-sim exchange.
 * @packageDocumentation
 */
export {
  type Indicator,
  SMA,
  EMA,
  WMA,
  RSI,
  ATR,
  RollingStdDev,
  BollingerBands,
  MACD,
  VWAP,
  Highest,
  Lowest,
} from './indicators.js';
export { BarSeries } from './series.js';
export {
  type Params,
  type Strategy,
  type StrategyContext,
  type IndicatorBinding,
  type QuickOrder,
  defineStrategy,
  resolveParams,
} from './strategy.js';
export {
  type BacktestOptions,
  type BacktestResult,
  type EventInput,
  type FillRecord,
  runBacktest,
} from './engine.js';
export { type Metrics, type MetricsInput, type TradeRecord, computeMetrics, drawdownCurve } from './metrics.js';
export type { BacktestErrorCode } from './errors.js';
export { type RandomWalkOptions, randomWalkBars } from './fixtures.js';
export {
  type BacktestReport,
  type ReportOptions,
  METRIC_LABELS,
  formatMetric,
  reportHtml,
  reportJson,
  toReport,
  writeReport,
} from './report.js';
export { type DataSpec, type LoadedData, openData } from './data.js';
export { loadStrategy } from './load.js';
export {
  type RandomDimension,
  type SweepOptions,
  type SweepReport,
  type SweepRow,
  type SweepSpec,
  type WalkForwardOptions,
  type WalkForwardStep,
  checkSweepSpec,
  evaluate,
  expandParams,
  mergeSweepReports,
  rankRows,
  resolveShard,
  runSweep,
  sweepFingerprint,
  sweepJson,
  walkForward,
} from './sweep.js';
export { BUILTIN_STRATEGIES, smaCrossStrategy } from './examples.js';
