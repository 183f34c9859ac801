import { promises as fsp } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  type MarketEvent,
  type MarketEventType,
  MARKET_EVENT_TYPES,
  RealClock,
  TradeKitError,
  formatDuration,
  isTradeKitError,
  microsToIso,
  parseDuration,
} from '@tradekit/types';
import { EventWriter, type ReplayOptions, type ReplaySummary, replay } from '@tradekit/replay';
import { InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { EXIT_FAILURE, EXIT_USAGE } from '../program.js';
import type { CommandIO, TradekitCommand } from '../registry.js';
import { type ReaderFlags, addReaderFlags, list, readerOptions } from './reader-flags.js';

interface ReplayFlags extends ReaderFlags {
  speed?: number;
  from?: string;
  to?: string;
  symbols?: string[];
  types?: MarketEventType[];
  out?: string;
  stats?: boolean;
  json?: boolean;
  gap?: string;
  progress?: boolean;
  progressEvery?: string;
}

const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(
      `Expected --speed to be a number > 0 (10 = ten times faster, 0.5 = half speed), got "${value}".`,
    );
  return n;
};
const types = (value: string, previous: MarketEventType[] = []): MarketEventType[] => {
  const out = list(value);
  const bad = out.find((t) => !MARKET_EVENT_TYPES.includes(t as MarketEventType));
  if (bad) throw new InvalidArgumentError(`Expected --types to list ${MARKET_EVENT_TYPES.join(', ')}, got "${bad}".`);
  return [...previous, ...(out as MarketEventType[])];
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
  // Stats count problems instead of stopping at the first one, unless told otherwise.
  const reader = await readerOptions(flags, {
    malformed: stats ? 'skip' : 'error',
    outOfOrder: stats ? 'skip' : 'error',
  });
  const options: ReplayOptions = {
    ...reader,
    from: flags.from,
    to: flags.to,
    symbols: flags.symbols,
    types: flags.types,
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
      .option('--gap <duration>', 'report gaps longer than this between events of a symbol (default 1m with --stats)');
    // The reading flags, shared with `tradekit calibrate` (one definition for both).
    addReaderFlags(command, { malformed: 'bad rows: error or skip (default: error; skip with --stats)' })
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
