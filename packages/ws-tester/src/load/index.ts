export {
  type LoadOptions,
  type LoadProgress,
  MAX_LOAD_CONNECTIONS,
  MAX_LOAD_DURATION,
  runLoad,
  parseShard,
} from './run.js';
export {
  type LoadReport,
  type LoadShard,
  mergeReports,
  formatLoadSummary,
} from './report.js';
export {
  type Threshold,
  type ThresholdMetric,
  type ThresholdOperator,
  type ThresholdResult,
  parseThreshold,
  evaluateThresholds,
} from './thresholds.js';
export type { LoadErrorKind } from './driver.js';
export {
  type LatencySummary,
  type LatencyRecorder,
  createLatencyRecorder,
  mergeHistograms,
} from './histogram.js';
export { type EchoServerOptions, type EchoServer, createEchoServer } from './echo-server.js';
