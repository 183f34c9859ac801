import { promises as fsp } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  type MarketEvent,
  type MarketEventType,
  MARKET_EVENT_TYPES,
  RealClock,
  TradeKitError,
  assertKnownKeys,
  formatDuration,
  isTradeKitError,
  microsToIso,
  parseDuration,
} from '@tradekit/types';
import {
  CSV_FIELDS,
  type CsvReadOptions,
  EventWriter,
  PRESET_NAMES,
  type ReplayOptions,
  type ReplaySummary,
  replay,
} from '@tradekit/replay';
import { InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { EXIT_FAILURE, EXIT_USAGE } from '../program.js';
import type { CommandIO, TradekitCommand } from '../registry.js';

interface ReplayFlags {
  speed?: number;
  from?: string;
  to?: string;
  symbols?: string[];
  types?: MarketEventType[];
  out?: string;
  stats?: boolean;
  json?: boolean;
  malformed?: 'error' | 'skip';
  outOfOrder?: 'error' | 'skip' | 'reorder';
  reorderWindow?: string;
  gap?: string;
  ts?: 's' | 'ms' | 'us' | 'ns' | 'iso' | 'auto';
  format?: string;
  progress?: boolean;
  progressEvery?: string;
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

const FORMATS = ['csv', 'jsonl', 'parquet', ...PRESET_NAMES] as const;
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

const integer =
  (name: string, min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`Expected ${name} to be an integer ≥ ${min}, got "${value}".`);
    return n;
  };

const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(
      `Expected --speed to be a number > 0 (10 = ten times faster, 0.5 = half speed), got "${value}".`,
    );
  return n;
};
const list = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];
const types = (value: string, previous: MarketEventType[] = []): MarketEventType[] => {
  const out = list(value);
  const bad = out.find((t) => !MARKET_EVENT_TYPES.includes(t as MarketEventType));
  if (bad) throw new InvalidArgumentError(`Expected --types to list ${MARKET_EVENT_TYPES.join(', ')}, got "${bad}".`);
  return [...previous, ...(out as MarketEventType[])];
};
const choice =
  <T extends string>(name: string, allowed: readonly T[]) =>
  (value: string): T => {
    if (!allowed.includes(value as T))
      throw new InvalidArgumentError(`Expected ${name} to be one of ${allowed.join(', ')}, got "${value}".`);
    return value as T;
  };

function line(io: CommandIO, text = ''): void {
  io.stdout.write(`${text}\n`);
}

/** Prints the `--stats` report as text. */
export function formatStats(s: ReplaySummary): string {
  const out: string[] = [];
  const iso = (t: number | undefined) => (t === undefined ? '-' : microsToIso(t));
  out.push(`files:         ${s.files.map((f) => `${f} (${s.seekMethods[f] ?? '?'})`).join(', ')}`);
  out.push(`events:        ${s.emitted} emitted, ${s.rows} rows read`);
  out.push(
    `time range:    ${iso(s.emittedFirstTs)} → ${iso(s.emittedLastTs)}${
      s.emittedFirstTs !== undefined && s.emittedLastTs !== undefined
        ? ` (${formatDuration(s.emittedLastTs - s.emittedFirstTs)})`
        : ''
    }`,
  );
  out.push(
    `by type:       ${
      Object.entries(s.byType)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || '-'
    }`,
  );
  out.push(
    `by symbol:     ${
      Object.entries(s.bySymbol)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || '-'
    }`,
  );
  const issue = (label: string, c: { count: number; skipped: number; examples: { message: string }[] }) => {
    out.push(`${label.padEnd(14)} ${c.count}${c.skipped ? ` (${c.skipped} skipped)` : ''}`);
    for (const e of c.examples) out.push(`  - ${e.message}`);
  };
  issue('bad rows:', s.malformed);
  issue('out of order:', s.outOfOrder);
  if (s.reordered) out.push(`reordered:     ${s.reordered}`);
  issue('duplicates:', s.duplicates);
  issue('crossed:', s.crossedQuotes);
  if (s.blankLines) out.push(`blank lines:   ${s.blankLines}`);
  issue(s.gaps.thresholdUs === undefined ? 'gaps:' : `gaps > ${formatDuration(s.gaps.thresholdUs)}:`, s.gaps);
  return out.join('\n');
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
async function loadMapping(path: string): Promise<Partial<ReplayOptions>> {
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

/** Fails early, with a clear message, when `--out` cannot be written (missing directory, a directory, no permission). */
async function assertWritable(path: string): Promise<void> {
  const fail = (what: string, err?: unknown) =>
    new TradeKitError(
      'REPLAY_WRITE_FAILED',
      `Expected --out \`${path}\` to be a writable file path, got ${what}. Create the directory first, or pick another path.`,
      { cause: err, details: { file: path } },
    );
  const dir = dirname(resolve(path));
  try {
    const st = await fsp.stat(dir);
    if (!st.isDirectory()) throw fail(`\`${dir}\`, which is not a directory`);
    await fsp.access(dir, fsp.constants.W_OK);
  } catch (err) {
    if (isTradeKitError(err)) throw err;
    const code = (err as { code?: string }).code;
    throw fail(
      code === 'ENOENT' ? `a directory that does not exist (${dir})` : `${code ?? String(err)} on ${dir}`,
      err,
    );
  }
  const st = await fsp.stat(path).catch(() => undefined);
  if (st?.isDirectory()) throw fail('a directory');
}

/** True for the writer's error when the reader of stdout went away (`| head -1`). */
function isClosedPipe(err: unknown): boolean {
  return isTradeKitError(err) && err.code === 'REPLAY_WRITE_FAILED' && err.details.code === 'EPIPE';
}

async function run(files: string[], flags: ReplayFlags, io: CommandIO): Promise<void> {
  const stats = flags.stats === true;
  const reader: Partial<ReplayOptions> = flags.mapping ? await loadMapping(flags.mapping) : {};
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
  const options: ReplayOptions = {
    ...reader,
    from: flags.from,
    to: flags.to,
    symbols: flags.symbols,
    types: flags.types,
    // Stats count problems instead of stopping at the first one, unless told otherwise.
    malformed: flags.malformed ?? (stats ? 'skip' : 'error'),
    outOfOrder: flags.outOfOrder ?? (stats ? 'skip' : 'error'),
    reorderWindow: flags.reorderWindow,
    gapThreshold: flags.gap ?? (stats ? '1m' : undefined),
  };
  if (flags.speed !== undefined && !stats) {
    options.clock = new RealClock();
    options.speed = flags.speed;
  }
  if (flags.out !== undefined && !stats) await assertWritable(flags.out);
  const progressEveryUs = parseDuration(flags.progressEvery ?? '30s');
  if (!(progressEveryUs > 0))
    throw new TradeKitError(
      'REPLAY_INVALID_OPTION',
      `Expected --progress-every to be a duration > 0 like "30s", got "${flags.progressEvery}".`,
    );
  const controller = replay(files, options);
  const tty = flags.progress !== false && io.stderr.isTTY === true;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: 'replay {bar} {percentage}% | {value} events | {time}',
          stream: io.stderr as NodeJS.WritableStream,
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let n = 0;
  // The total is unknown until the end (files are streamed), so the bar shows events and data time.
  const tick = (e: MarketEvent) => {
    if (!bar) return;
    bar.setTotal(n);
    bar.update(n, { time: microsToIso(e.ts) });
  };
  bar?.start(0, 0, { time: '-' });
  // Off a terminal, a paced run says it is alive now and then (a bar would be noise in a log).
  let lastTs: number | undefined;
  const heartbeat =
    options.clock !== undefined && !tty && flags.progress !== false
      ? setInterval(() => {
          io.stderr.write(
            `tradekit replay: ${n} events so far, data time ${lastTs === undefined ? '-' : microsToIso(lastTs)}\n`,
          );
        }, progressEveryUs / 1000)
      : undefined;
  heartbeat?.unref();
  const writer = stats
    ? undefined
    : new EventWriter(flags.out ?? io.stdout, { format: flags.out ? undefined : 'jsonl' });
  let pipeClosed = false;
  let failure: unknown;
  try {
    if (options.clock === undefined) {
      for await (const batch of controller.batches()) {
        if (writer) {
          for (const e of batch) {
            const p = writer.write(e);
            if (p) await p;
          }
        }
        n += batch.length;
        tick(batch[batch.length - 1] as MarketEvent);
      }
    } else {
      for await (const e of controller) {
        n++;
        lastTs = e.ts;
        if (writer) {
          const p = writer.write(e);
          if (p) await p;
          // Paced: the event goes out when it is due, not when a buffer fills.
          const f = writer.flush();
          if (f) await f;
        }
        tick(e);
      }
    }
  } catch (err) {
    if (isClosedPipe(err)) pipeClosed = true;
    else failure = err;
  }
  if (heartbeat) clearInterval(heartbeat);
  bar?.stop();
  await controller.stop();
  try {
    await writer?.close();
  } catch (err) {
    if (isClosedPipe(err)) pipeClosed = true;
    else failure ??= err;
  }
  if (failure !== undefined) throw failure;
  // A reader that closed the pipe (`| head -1`) got what it wanted: end quietly.
  if (pipeClosed) return;
  const summary = controller.summary();
  if (stats) {
    if (flags.json) line(io, JSON.stringify(summary));
    else line(io, formatStats(summary));
  } else if (summary.malformed.count + summary.outOfOrder.skipped > 0) {
    io.stderr.write(
      `tradekit replay: skipped ${summary.malformed.count} bad rows and ${summary.outOfOrder.skipped} out-of-order events (run with --stats for details)\n`,
    );
  }
  if (summary.emitted === 0) {
    // Never green by default: no events is worth saying, and is not a success.
    io.stderr.write(
      `tradekit replay: no events: ${
        summary.rows === 0
          ? `${files.length > 1 ? 'the files hold' : `${files[0]} holds`} no data rows`
          : `${summary.rows} rows read, none passed the filters and checks`
      }\n`,
    );
    io.setExitCode(EXIT_FAILURE);
  }
}

/** `tradekit replay`: replays data files merged in time as canonical JSONL, or prints their stats. */
export const replayCommand: TradekitCommand = {
  name: 'replay',
  summary: 'replay CSV/JSONL/Parquet market data (gzip ok) merged in time as canonical JSONL, or --stats',
  configure(command, io) {
    command
      .argument('<files...>', 'data files: .csv, .tsv, .jsonl, .ndjson, .parquet, each optionally .gz')
      .option(
        '--speed <x>',
        'pace on the wall clock at this speed (1 = real time, 10 = ten times faster, 0.5 = half); default: as fast as possible',
        positive,
      )
      .option('--from <time>', 'first time to replay (inclusive): ISO-8601 or epoch s/ms/µs/ns')
      .option('--to <time>', 'time to stop at (exclusive): ISO-8601 or epoch s/ms/µs/ns')
      .option('--symbols <list>', 'only these symbols, comma-separated (repeatable)', list)
      .option('--types <list>', `only these event types: ${MARKET_EVENT_TYPES.join(', ')}`, types)
      .option('--out <file>', 'write to this file instead of stdout (.jsonl or .csv, .gz to compress)')
      .option('--stats', 'print counts, time range, gaps and bad rows instead of the events')
      .option('--json', 'with --stats: print the summary as JSON')
      .option(
        '--malformed <policy>',
        'bad rows: error or skip (default: error; skip with --stats)',
        choice('--malformed', ['error', 'skip'] as const),
      )
      .option(
        '--out-of-order <policy>',
        'time going back in a file: error, skip or reorder',
        choice('--out-of-order', ['error', 'skip', 'reorder'] as const),
      )
      .option('--reorder-window <duration>', 'how far --out-of-order reorder may move an event, e.g. 500ms')
      .option('--gap <duration>', 'report gaps longer than this between events of a symbol (default 1m with --stats)')
      .option(
        '--ts <format>',
        'timestamp format of the files: auto, iso, s, ms, us, ns',
        choice('--ts', ['auto', 'iso', 's', 'ms', 'us', 'ns'] as const),
      )
      .option(
        '--format <format>',
        `read every file as csv, jsonl, parquet, or a vendor preset: ${PRESET_NAMES.join(', ')}`,
        choice('--format', FORMATS),
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
      .option('--symbol <symbol>', 'symbol of every row, for files without a symbol column')
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
      )
      .option('--no-progress', 'no progress bar on a terminal, and no progress lines off one')
      .option(
        '--progress-every <duration>',
        'off a terminal, paced runs print a progress line this often (default 30s)',
      )
      .addHelpText(
        'after',
        '\nExamples:\n  tradekit replay trades.csv quotes.jsonl.gz --symbols MNQ > merged.jsonl\n  tradekit replay day.parquet --speed 10 --from 2024-01-02T14:30:00Z\n  tradekit replay --stats data/*.csv.gz\n  tradekit replay deribit_trades_2024-01-01_BTC-PERPETUAL.csv.gz --format tardis-trades\n  tradekit replay BTCUSDT-1m-2024-01-01.csv --format binance-klines\n  tradekit replay export.csv --kind trade --symbol ES --map ts=Time,price=Px,size=Qty\n\nExit codes: 0 ok; 1 no events; 2 bad option, file or data (the message says which).',
      )
      .action(async (files: string[], flags: ReplayFlags) => {
        try {
          await run(files, flags, io);
        } catch (err) {
          // Every TradeKitError here is about the input: an option, a path, a data file.
          if (isTradeKitError(err)) {
            io.stderr.write(`tradekit replay: error [${err.code}]: ${err.message}\n`);
            io.setExitCode(EXIT_USAGE);
            return;
          }
          throw err;
        }
      });
  },
};
