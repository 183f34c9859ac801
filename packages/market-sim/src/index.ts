/**
 * @tradekit/market-sim: realistic synthetic markets for tests — seeded price processes, L2 books,
 * clustered trades, scenarios on a timeline, and a realism report.
 * @packageDocumentation
 */
export {
  type PriceProcess,
  type ProcessStepper,
  type GbmParams,
  type GarchParams,
  type JumpDiffusionParams,
  type OrnsteinUhlenbeckParams,
  type Regime,
  type RegimeSwitchingParams,
  US_PER_YEAR,
  gbm,
  garch,
  jumpDiffusion,
  ornsteinUhlenbeck,
  regimeSwitching,
} from './process.js';

export {
  type MarketConditions,
  type ScenarioStep,
  type Scenario,
  type ScenarioWindow,
  type FlashCrashParams,
  defineScenario,
  neutralConditions,
  trending,
  volatile,
  lowLiquidity,
  flashCrash,
  sessionGap,
  halt,
  newsSpike,
} from './scenario.js';

export {
  type MarketConfig,
  type SymbolConfig,
  type Microstructure,
  type Seasonality,
  type Preset,
  type ResolvedConfig,
  type ResolvedSymbol,
  PRESETS,
  PRESET_NAMES,
  KNOWN_TICKERS,
  getPreset,
  resolveConfig,
} from './config.js';

export { choleskyCorrelation } from './correlation.js';
export { type Market, type StreamOptions, createMarket } from './market.js';
export { aggregateBars } from './bars.js';
export {
  type WriteOptions,
  type CsvWriteOptions,
  type WriteSummary,
  writeJsonl,
  writeCsv,
  csvPathFor,
} from './writers.js';
export {
  type PriceSeries,
  type ReturnFacts,
  type RealismOptions,
  type RealismReport,
  type StylizedFactChecks,
  type BookInvariantReport,
  BookInvariantChecker,
  realism,
  excessKurtosis,
  autocorrelation,
  hillTailIndex,
  correlation,
} from './realism.js';
export type { SimErrorCode } from './errors.js';
export { configFromJson, processFromJson, scenarioFromJson } from './json-config.js';
export {
  type CalibrateOptions,
  MIN_CALIBRATION_RETURNS,
  STEPS_PER_BAR,
  DF_HILL_TABLE,
  QML_ALPHA_RATIO,
  calibrate,
  dfForHill,
  fitGarch11,
} from './calibrate.js';
export { type MarketPreset, type PresetProcess, MARKET_PRESET_VERSION, loadPreset } from './preset.js';
export { type MarketFacts, type Quantiles, PROFILE_BUCKETS } from './facts.js';
export {
  type FitReport,
  type FitReportOptions,
  type FitRow,
  fitReport,
  fitReportMarkdown,
  sampleFacts,
} from './fit-report.js';
