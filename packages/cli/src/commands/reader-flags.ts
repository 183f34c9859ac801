/**
 * The data-reading flags shared by every command that reads files through `@tradekit/replay`
 * (`tradekit replay`, `tradekit calibrate`): format and vendor presets, column mappings, row
 * kind, timestamps and the bad-row / out-of-order policies. One definition, one conversion to
 * {@link ReplayOptions}, so the flags mean the same everywhere.
 */
import { promises as fsp } from 'node:fs';
import { CSV_FIELDS, type CsvReadOptions, PRESET_NAMES, type ReplayOptions } from '@tradekit/replay';
import { TradeKitError, assertKnownKeys } from '@tradekit/types';
import { type Command, InvalidArgumentError } from 'commander';

/** Parsed values of the shared reader flags (commander's camel-case names). */
export interface ReaderFlags {
  malformed?: 'error' | 'skip';
  outOfOrder?: 'error' | 'skip' | 'reorder';
  reorderWindow?: string;
  ts?: 's' | 'ms' | 'us' | 'ns' | 'iso' | 'auto';
  format?: string;
  map?: string[];
  mapping?: string;
  kind?: CsvReadOptions['kind'];
  symbol?: string;
  timeframe?: string;
  barTime?: 'open' | 'close';
  header?: boolean;
  delimiter?: string;
  priceDecimals?: number;
  maxFieldLines?: number;
}

/** Every value `--format` accepts: the three file formats and the vendor presets. */
export const READER_FORMATS = ['csv', 'jsonl', 'parquet', ...PRESET_NAMES] as const;
/** Fields a `--map` may name (canonical CSV columns, plus the camel-case aliases). */
const MAP_FIELDS = [...CSV_FIELDS, 'bidSize', 'askSize'];
/** Keys of a `--mapping` file: the CSV reader's layout options. */
const MAPPING_KEYS = [
  'format',
  'kind',
  'symbol',
  'columns',
  'values',
  'header',
  'names',
  'delimiter',
  'ts',
  'timeframe',
  'barTime',
  'priceDecimals',
  'maxFieldLines',
];

/** A commander parser accepting one of `allowed`. */
export const choice =
  <T extends string>(name: string, allowed: readonly T[]) =>
  (value: string): T => {
    if (!allowed.includes(value as T))
      throw new InvalidArgumentError(`Expected ${name} to be one of ${allowed.join(', ')}, got "${value}".`);
    return value as T;
  };

/** A commander parser accepting an integer ≥ `min`. */
export const integer =
  (name: string, min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`Expected ${name} to be an integer ≥ ${min}, got "${value}".`);
    return n;
  };

/** A repeatable comma-separated list flag. */
export const list = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

/** Help texts a command may word for itself (the meaning stays the same). */
export interface ReaderFlagHelp {
  /** Help of `--malformed` (to name the command's default). */
  malformed?: string;
  /** Help of `--symbol`. */
  symbol?: string;
}

/** Adds the shared reader flags to a command. */
export function addReaderFlags(command: Command, help: ReaderFlagHelp = {}): Command {
  return command
    .option(
      '--malformed <policy>',
      help.malformed ?? 'bad rows: error or skip (counted)',
      choice('--malformed', ['error', 'skip'] as const),
    )
    .option(
      '--out-of-order <policy>',
      'time going back in a file: error, skip or reorder',
      choice('--out-of-order', ['error', 'skip', 'reorder'] as const),
    )
    .option('--reorder-window <duration>', 'how far --out-of-order reorder may move an event, e.g. 500ms')
    .option(
      '--ts <format>',
      'timestamp format of the files: auto, iso, s, ms, us, ns',
      choice('--ts', ['auto', 'iso', 's', 'ms', 'us', 'ns'] as const),
    )
    .option(
      '--format <format>',
      `read every file as csv, jsonl, parquet, or a vendor preset: ${PRESET_NAMES.join(', ')}`,
      choice('--format', READER_FORMATS),
    )
    .option(
      '--map <field=column,...>',
      'CSV columns of the canonical fields, by header name or 0-based index (field= switches a column off), e.g. ts=timestamp,size=amount (repeatable)',
      list,
    )
    .option('--mapping <file.json>', 'reader options from a JSON file: kind, symbol, columns, values, header, ...')
    .option(
      '--kind <kind>',
      'kind of rows: trade, quote, bar, book, status',
      choice('--kind', ['trade', 'quote', 'bar', 'book', 'status'] as const),
    )
    .option('--symbol <symbol>', help.symbol ?? 'symbol of every row, for files without a symbol column')
    .option('--timeframe <tf>', 'timeframe of every bar, for bar files without a timeframe column (e.g. 1m)')
    .option(
      '--bar-time <which>',
      'what a bar time column holds: open or close (default close)',
      choice('--bar-time', ['open', 'close'] as const),
    )
    .option('--header', 'the first line is a header (default: detected)')
    .option('--no-header', 'the file has no header row')
    .option('--delimiter <char>', 'CSV field separator (one character, or "tab")')
    .option(
      '--price-decimals <n>',
      'prices are integers in units of 10^-n (Databento raw prices: 9)',
      integer('--price-decimals', 0),
    )
    .option(
      '--max-field-lines <n>',
      'most lines one quoted CSV field may span (default 100)',
      integer('--max-field-lines', 0),
    );
}

/** Parses `--map ts=timestamp,size=amount` (a number is a 0-based column index; nothing after `=` switches a column off). */
export function parseMap(entries: readonly string[]): NonNullable<CsvReadOptions['columns']> {
  const out: Record<string, string | number | null> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0)
      throw new TradeKitError(
        'REPLAY_INVALID_OPTION',
        `Expected --map entries like \`ts=timestamp\` or \`price=2\` (field=column name or 0-based index), got ${JSON.stringify(entry)}.`,
        { details: { field: '--map', value: entry } },
      );
    const field = entry.slice(0, eq).trim();
    const where = entry.slice(eq + 1).trim();
    out[field] = where === '' ? null : /^\d+$/.test(where) ? Number(where) : where;
  }
  assertKnownKeys(out, MAP_FIELDS, { code: 'REPLAY_INVALID_OPTION', where: '--map (canonical fields)' });
  return out;
}

/** Reads a `--mapping file.json`: reader options such as `{ "kind": "trade", "columns": { "ts": "Time" } }`. */
export async function loadMapping(path: string): Promise<Partial<ReplayOptions>> {
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch (err) {
    throw new TradeKitError(
      'REPLAY_FILE_UNREADABLE',
      `Expected --mapping \`${path}\` to be a readable JSON file, got ${(err as { code?: string }).code ?? String(err)}. Check the path.`,
      { cause: err, details: { file: path } },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TradeKitError(
      'REPLAY_INVALID_OPTION',
      `Expected --mapping \`${path}\` to hold a JSON object, got invalid JSON (${(err as Error).message}). Fix the file.`,
      { cause: err, details: { file: path } },
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TradeKitError(
      'REPLAY_INVALID_OPTION',
      `Expected --mapping \`${path}\` to hold a JSON object like { "kind": "trade", "columns": { "ts": "Time" } }, got ${Array.isArray(value) ? 'an array' : typeof value}.`,
      { details: { file: path } },
    );
  assertKnownKeys(value, MAPPING_KEYS, { code: 'REPLAY_INVALID_OPTION', where: `--mapping ${path}` });
  const columns = (value as { columns?: unknown }).columns;
  if (columns !== undefined) {
    if (typeof columns !== 'object' || columns === null)
      throw new TradeKitError(
        'REPLAY_INVALID_OPTION',
        `Expected \`columns\` in --mapping ${path} to be an object, got ${JSON.stringify(columns)}.`,
        {
          details: { file: path, field: 'columns' },
        },
      );
    assertKnownKeys(columns, MAP_FIELDS, { code: 'REPLAY_INVALID_OPTION', where: `\`columns\` of --mapping ${path}` });
  }
  return value as Partial<ReplayOptions>;
}

/**
 * Turns the shared reader flags into replay options: the `--mapping` file first, then the flags
 * over it (`--map` entries over the file's `columns`); `defaults` fill the policies no flag set.
 */
export async function readerOptions(
  flags: ReaderFlags,
  defaults: { malformed: 'error' | 'skip'; outOfOrder: 'error' | 'skip' | 'reorder' },
): Promise<ReplayOptions> {
  const reader: ReplayOptions = flags.mapping ? await loadMapping(flags.mapping) : {};
  const columns = { ...(reader.columns ?? {}), ...(flags.map ? parseMap(flags.map) : {}) };
  if (Object.keys(columns).length > 0) reader.columns = columns;
  if (flags.format !== undefined) reader.format = flags.format;
  if (flags.kind !== undefined) reader.kind = flags.kind;
  if (flags.symbol !== undefined) reader.symbol = flags.symbol;
  if (flags.timeframe !== undefined) reader.timeframe = flags.timeframe;
  if (flags.barTime !== undefined) reader.barTime = flags.barTime;
  if (flags.header !== undefined) reader.header = flags.header;
  if (flags.delimiter !== undefined)
    reader.delimiter = flags.delimiter === 'tab' || flags.delimiter === '\\t' ? '\t' : flags.delimiter;
  if (flags.priceDecimals !== undefined) reader.priceDecimals = flags.priceDecimals;
  if (flags.maxFieldLines !== undefined) reader.maxFieldLines = flags.maxFieldLines;
  if (flags.ts !== undefined) reader.ts = flags.ts;
  reader.malformed = flags.malformed ?? defaults.malformed;
  reader.outOfOrder = flags.outOfOrder ?? defaults.outOfOrder;
  reader.reorderWindow = flags.reorderWindow;
  return reader;
}
