/**
 * @tradekit/replay: stream recorded market data (CSV, JSONL, Parquet, gzip), merged in time,
 * as fast as possible or paced on a Clock at any speed.
 * @packageDocumentation
 */
export { replay, type ReplayController, type ReplayInput, type ReplayOptions, type ReplaySummary } from './replay.js';
export { merge, type EventFilter } from './merge.js';
export {
  openSource,
  fromEvents,
  formatOf,
  isEventSource,
  type DataFormat,
  type OpenOptions,
  type PresetName,
  type FromEventsOptions,
} from './open.js';
export type { EventSource, SeekMethod } from './source.js';
export { FORMAT_PRESETS, PRESET_NAMES, isPresetName, presetOptions, type FormatPreset } from './presets.js';
export { CsvSource, CSV_FIELDS, type CsvReadOptions, type CsvField } from './csv.js';
export { JsonlSource, type JsonlReadOptions } from './jsonl.js';
export { ParquetSource, type ParquetReadOptions } from './parquet.js';
export {
  combineReports,
  emptyReport,
  type DataCheckOptions,
  type DataIssue,
  type DataReport,
  type FlagPolicy,
  type IssueCount,
  type MalformedPolicy,
  type OutOfOrderPolicy,
} from './checks.js';
export {
  BarAggregator,
  aggregateBars,
  bookSnapshots,
  type AggregateBarsOptions,
  type BookSnapshotOptions,
} from './bars.js';
export { EventWriter, writeEvents, type WriteFormat, type WriteOptions } from './writer.js';
export { parseNumber, parseEpoch, parseIso, type TsFormat } from './numbers.js';
