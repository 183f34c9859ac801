/**
 * `openSource` picks a reader by file extension; `fromEvents` wraps in-memory events (arrays,
 * generators, market-sim output) as a source so they merge and replay like files.
 */
import { type CsvKind, type MarketEvent, type MarketEventSource, type Micros, TradeKitError } from '@tradekit/types';
import { DataChecks, type DataCheckOptions, type DataReport, emptyReport, resolveChecks } from './checks.js';
import { type CsvReadOptions, CsvSource } from './csv.js';
import { invalidOption } from './errors.js';
import { type JsonlReadOptions, JsonlSource } from './jsonl.js';
import { type ParquetReadOptions, ParquetSource } from './parquet.js';
import { presetOptions } from './presets.js';
import { type EventSource, type SeekMethod, flatten } from './source.js';
import type { TsFormat } from './numbers.js';

/** The name of a vendor preset (see `FORMAT_PRESETS`), e.g. `'tardis-trades'`. */
export type PresetName = string;

/** A data file format. */
export type DataFormat = 'csv' | 'jsonl' | 'parquet';

/**
 * Options of {@link openSource}: the format (by extension when omitted) plus that reader's options.
 * (An interface rather than an intersection, and the options that each reader declares restated
 * here once, so the API reference shows one description of each.)
 */
export interface OpenOptions extends CsvReadOptions, JsonlReadOptions, Omit<ParquetReadOptions, 'columns'> {
  /**
   * Reader to use, or a vendor preset (`tardis-trades`, `binance-klines`, ... see
   * `FORMAT_PRESETS`); by default from the extension (`.csv`, `.tsv`, `.jsonl`, `.ndjson`,
   * `.json`, `.parquet`, each optionally `.gz`).
   */
  format?: DataFormat | PresetName;
  /** The kind of rows in the file (CSV, Parquet); detected from the header or column names when omitted. */
  kind?: CsvKind;
  /** Symbol of every row, for files without a symbol column (CSV, Parquet). */
  symbol?: string;
  /** Timestamp format of `ts` (and bar `start`): an epoch unit, `iso`, or `auto` (by the first row). @default 'auto' */
  ts?: TsFormat;
  /** Read through gunzip; by default when the path ends in `.gz` (CSV, JSONL). */
  gzip?: boolean;
}

/** The format a path's extension implies, or `undefined`. */
export function formatOf(path: string): DataFormat | undefined {
  const p = path.toLowerCase().replace(/\.gz$/, '');
  if (p.endsWith('.csv') || p.endsWith('.tsv') || p.endsWith('.txt')) return 'csv';
  if (p.endsWith('.jsonl') || p.endsWith('.ndjson') || p.endsWith('.json')) return 'jsonl';
  if (p.endsWith('.parquet') || p.endsWith('.pq')) return 'parquet';
  return undefined;
}

/**
 * Opens a data file as an {@link EventSource}, choosing the reader by extension.
 *
 * @example
 * const trades = openSource('data/trades.csv.gz', { malformed: 'skip' });
 * for await (const e of trades) console.log(e.ts, e.type);
 */
export function openSource(path: string, options: OpenOptions = {}): EventSource {
  if (typeof path !== 'string' || path.length === 0) throw invalidOption('path', 'a file path', path);
  const requested = options.format;
  if (requested !== undefined && requested !== 'csv' && requested !== 'jsonl' && requested !== 'parquet') {
    // A vendor preset: CSV with the preset's layout under the caller's options.
    const { format: _preset, ...rest } = options;
    return new CsvSource(path, presetOptions(requested, path, rest));
  }
  const format = options.format ?? formatOf(path);
  switch (format) {
    case 'csv':
      return new CsvSource(
        path,
        path.toLowerCase().replace(/\.gz$/, '').endsWith('.tsv') && !options.delimiter
          ? { ...options, delimiter: '\t' }
          : options,
      );
    case 'jsonl':
      return new JsonlSource(path, options);
    case 'parquet':
      return new ParquetSource(path, options as ParquetReadOptions);
    default:
      throw new TradeKitError(
        'REPLAY_UNKNOWN_FORMAT',
        `Expected \`${path}\` to end in .csv, .tsv, .jsonl, .ndjson or .parquet (optionally .gz), got ${format === undefined ? 'no known extension' : `format ${JSON.stringify(format)}`}. Pass \`format: 'csv' | 'jsonl' | 'parquet'\`.`,
        { details: { file: path, value: format } },
      );
  }
}

/** Options of {@link fromEvents}. */
export interface FromEventsOptions extends DataCheckOptions {
  /** Name used in messages and summaries. @default 'events' */
  name?: string;
}

/**
 * Wraps in-memory events (an array, a generator, market-sim output) as an {@link EventSource}.
 * Arrays can be read again (seek); a one-shot iterator can only be read once.
 */
export function fromEvents(events: MarketEventSource, options: FromEventsOptions = {}): EventSource {
  const name = options.name ?? 'events';
  const checkOptions = resolveChecks(options);
  const report: DataReport = emptyReport([name], checkOptions.gapThreshold);
  const restartable = Array.isArray(events);
  let used = false;
  const source: EventSource = {
    name,
    format: 'events',
    seekMethod: 'scan' as SeekMethod,
    report,
    async *batches(from: Micros = Number.NEGATIVE_INFINITY) {
      if (used && !restartable) {
        throw new TradeKitError(
          'REPLAY_NOT_RESTARTABLE',
          `Expected source \`${name}\` to be readable again (for a seek), but it is a one-shot iterator. Pass an array or a file to seek.`,
          { details: { file: name } },
        );
      }
      used = true;
      const checks = new DataChecks(name, checkOptions, report, from);
      let n = 0;
      if (Symbol.asyncIterator in (events as object)) {
        for await (const e of events as AsyncIterable<MarketEvent>) {
          checks.accept(e, ++n);
          if (checks.out.length >= 4096) yield checks.take();
        }
      } else {
        for (const e of events as Iterable<MarketEvent>) {
          checks.accept(e, ++n);
          if (checks.out.length >= 4096) yield checks.take();
        }
      }
      checks.finish();
      if (checks.ready) yield checks.take();
    },
    [Symbol.asyncIterator]() {
      return flatten(source.batches());
    },
  };
  return source;
}

/** True for an {@link EventSource} (anything with `batches`). */
export function isEventSource(value: unknown): value is EventSource {
  return typeof value === 'object' && value !== null && typeof (value as EventSource).batches === 'function';
}
