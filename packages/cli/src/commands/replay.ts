import {
  type MarketEvent,
  type MarketEventType,
  MARKET_EVENT_TYPES,
  RealClock,
  formatDuration,
  isTradeKitError,
  microsToIso,
} from '@tradekit/types';
import { EventWriter, type ReplayOptions, type ReplaySummary, replay } from '@tradekit/replay';
import { InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
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
  format?: 'csv' | 'jsonl' | 'parquet';
  progress?: boolean;
}

// Problems with option values found after parsing are usage errors (exit 2), like commander's own.
const USAGE_CODES = new Set(['REPLAY_INVALID_OPTION', 'REPLAY_UNKNOWN_FORMAT', 'REPLAY_NO_SOURCES']);

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
  issue(`gaps > ${s.gaps.thresholdUs === undefined ? '?' : formatDuration(s.gaps.thresholdUs)}:`, s.gaps);
  return out.join('\n');
}

async function run(files: string[], flags: ReplayFlags, io: CommandIO): Promise<void> {
  const stats = flags.stats === true;
  const options: ReplayOptions = {
    from: flags.from,
    to: flags.to,
    symbols: flags.symbols,
    types: flags.types,
    ts: flags.ts,
    format: flags.format,
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
  const writer = stats
    ? undefined
    : new EventWriter(flags.out ?? io.stdout, { format: flags.out ? undefined : 'jsonl' });
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
        const p = writer?.write(e);
        if (p) await p;
        tick(e);
      }
    }
  } finally {
    bar?.stop();
    await writer?.close();
  }
  const summary = controller.summary();
  if (stats) {
    if (flags.json) line(io, JSON.stringify(summary));
    else line(io, formatStats(summary));
  } else if (summary.malformed.count + summary.outOfOrder.skipped > 0) {
    io.stderr.write(
      `tradekit replay: skipped ${summary.malformed.count} bad rows and ${summary.outOfOrder.skipped} out-of-order events (run with --stats for details)\n`,
    );
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
        'read every file as csv, jsonl or parquet regardless of extension',
        choice('--format', ['csv', 'jsonl', 'parquet'] as const),
      )
      .option('--no-progress', 'no progress bar (it only shows on a terminal anyway)')
      .addHelpText(
        'after',
        '\nExamples:\n  tradekit replay trades.csv quotes.jsonl.gz --symbols MNQ > merged.jsonl\n  tradekit replay day.parquet --speed 10 --from 2024-01-02T14:30:00Z\n  tradekit replay --stats data/*.csv.gz',
      )
      .action(async (files: string[], flags: ReplayFlags) => {
        try {
          await run(files, flags, io);
        } catch (err) {
          if (isTradeKitError(err) && USAGE_CODES.has(err.code)) {
            io.stderr.write(`tradekit replay: error [${err.code}]: ${err.message}\n`);
            io.setExitCode(2);
            return;
          }
          throw err;
        }
      });
  },
};
