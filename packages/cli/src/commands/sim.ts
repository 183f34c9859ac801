import { readFileSync } from 'node:fs';
import {
  type MarketConfig,
  type WriteSummary,
  PRESET_NAMES,
  aggregateBars,
  configFromJson,
  createMarket,
  loadPreset,
  writeCsv,
  writeJsonl,
} from '@tradekit/market-sim';
import { TradeKitError, formatDuration, microsToIso, parseDuration, parseTimeframe, toMicros } from '@tradekit/types';
import cliProgress from 'cli-progress';
import { InvalidArgumentError, Option } from 'commander';
import type { CommandIO, TradekitCommand } from '../registry.js';

interface SimFlags {
  symbol?: string[];
  preset?: string;
  seed?: number | string;
  duration?: string;
  start?: string;
  events?: number;
  out?: string;
  format?: 'jsonl' | 'csv';
  bars?: string;
  book?: number | true;
  config?: string;
  progress?: boolean;
}

const list = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

const integer =
  (name: string, min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`Expected ${name} to be an integer ≥ ${min}, got "${value}".`);
    return n;
  };

const seedArg = (value: string): number | string => {
  if (value.trim() === '') throw new InvalidArgumentError('Expected --seed to be a number or a word, got "".');
  const n = Number(value);
  return Number.isFinite(n) ? n : value;
};

const durationArg = (value: string): string => {
  try {
    if (parseDuration(value) <= 0) throw new Error('zero');
  } catch {
    throw new InvalidArgumentError(`Expected --duration to be a duration like "1d", "6h" or "90m", got "${value}".`);
  }
  return value;
};

const startArg = (value: string): string => {
  try {
    toMicros(value);
  } catch {
    throw new InvalidArgumentError(
      `Expected --start to be an ISO date-time like "2024-01-02T14:30:00Z", got "${value}".`,
    );
  }
  return value;
};

const barsArg = (value: string): string => {
  try {
    parseTimeframe(value);
  } catch {
    throw new InvalidArgumentError(
      `Expected --bars to be a timeframe like "1s", "1m", "5m", "1h" or "100t", got "${value}".`,
    );
  }
  return value;
};

function readConfig(path: string): MarketConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TradeKitError(
      'SIM_INVALID_CONFIG',
      `Expected \`--config\` to name a readable JSON file, got "${path}" (${(cause as Error).message}).`,
      {
        cause,
        details: { field: 'config', value: path, file: path },
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new TradeKitError(
      'SIM_INVALID_CONFIG',
      `Expected \`--config\` file ${path} to hold valid JSON: ${(cause as Error).message}.`,
      {
        cause,
        details: { field: 'config', file: path },
      },
    );
  }
  return configFromJson(json);
}

function readJson(path: string, flag: string, code: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TradeKitError(
      code,
      `Expected \`${flag}\` to name a readable JSON file, got "${path}" (${(cause as Error).message}).`,
      {
        cause,
        details: { field: flag, value: path, file: path },
      },
    );
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new TradeKitError(
      code,
      `Expected \`${flag}\` file ${path} to hold valid JSON: ${(cause as Error).message}.`,
      {
        cause,
        details: { field: flag, file: path },
      },
    );
  }
}

function readPreset(path: string) {
  return loadPreset(readJson(path, '--preset', 'SIM_INVALID_PRESET'), path);
}

/** `tradekit sim`: generate a synthetic market to JSONL/CSV (events or bars). */
export const simCommand: TradekitCommand = {
  name: 'sim',
  summary: 'generate a seeded synthetic market (quotes, trades, L2 book, bars) to JSONL or CSV',
  configure(command, io) {
    command
      .option('-s, --symbol <symbols>', 'symbol(s), repeat or comma-separate (default MNQ)', list)
      .option(
        '-p, --preset <name|file.json>',
        `preset: ${PRESET_NAMES.join(', ')} (default "default"), or a preset JSON from tradekit calibrate`,
      )
      .option('--seed <n>', 'seed: same seed, same output (default 1)', seedArg)
      .option('-d, --duration <duration>', 'market time to simulate, e.g. 1d, 6h, 90m (default 1d)', durationArg)
      .option('--start <iso>', 'market start, ISO date-time (default 2024-01-02T00:00:00Z)', startArg)
      .option(
        '-n, --events <n>',
        'stop after n events (with no --duration: run until n events)',
        integer('--events', 1),
      )
      .option(
        '-o, --out <file>',
        'output file (default stdout for JSONL); CSV writes <stem>.<kind>.csv per kind; a .gz name is gzip',
      )
      .addOption(
        new Option('-f, --format <format>', 'output format (default from --out extension, else jsonl)').choices([
          'jsonl',
          'csv',
        ]),
      )
      .option('--bars <timeframe>', 'write bars of this timeframe instead of events (1s, 1m, 5m, 1h, 100t…)', barsArg)
      .option('--book [levels]', 'emit an L2 book of n levels (default 10) as snapshot + deltas', integer('--book', 1))
      .option(
        '-c, --config <file>',
        'JSON market config (createMarket options; processes/scenarios as { "type": … }); flags override it',
      )
      .option('--no-progress', 'never show the progress bar')
      .addHelpText(
        'after',
        '\nExamples:\n  tradekit sim --symbol MNQ --preset flash-crash --seed 7 --duration 1d --out mnq.jsonl\n  tradekit sim --symbol BTC-USD --preset crypto --bars 1m --format csv --out btc-1m.csv\n  tradekit sim --config market.json --events 1000000 --book 10 --out book.jsonl',
      )
      .action(async (flags: SimFlags) => {
        await runSim(flags, io);
      });
  },
};

async function runSim(flags: SimFlags, io: CommandIO): Promise<void> {
  const format = flags.format ?? (/\.csv(\.gz)?$/i.test(flags.out ?? '') ? 'csv' : 'jsonl');
  if (format === 'csv' && !flags.out) {
    io.stderr.write('tradekit sim: error: --format csv needs --out <file> (CSV is written as one file per kind).\n');
    io.setExitCode(2);
    return;
  }
  const config: MarketConfig = flags.config ? readConfig(flags.config) : {};
  if (flags.symbol?.length) config.symbols = flags.symbol;
  if (flags.preset !== undefined)
    config.preset = /\.json$/i.test(flags.preset) ? readPreset(flags.preset) : flags.preset;
  if (flags.seed !== undefined) config.seed = flags.seed;
  if (flags.start !== undefined) config.start = flags.start;
  if (flags.duration !== undefined) config.duration = flags.duration;
  else if (flags.events !== undefined && config.duration === undefined) config.duration = null;
  if (flags.events !== undefined) config.maxEvents = flags.events;
  if (flags.book !== undefined) config.book = { levels: flags.book === true ? 10 : flags.book };
  const market = createMarket(config);
  const { start, durationUs, maxEvents } = market.config;

  const toStdout = !flags.out;
  const progressStream = toStdout ? io.stderr : io.stdout;
  let bar: cliProgress.SingleBar | undefined;
  const byEvents = Number.isFinite(maxEvents) && !Number.isFinite(durationUs);
  if (flags.progress !== false && progressStream.isTTY) {
    bar = new cliProgress.SingleBar(
      {
        stream: progressStream as NodeJS.WriteStream,
        format: 'sim [{bar}] {percentage}% | {value}/{total} {unit} | {events} events',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(byEvents ? maxEvents : Math.round(durationUs / 60_000_000), 0, {
      unit: byEvents ? 'events' : 'min',
      events: 0,
    });
  }
  const onProgress = bar
    ? (events: number, ts: number) => {
        bar?.update(byEvents ? events : Math.round((ts - start) / 60_000_000), { events });
      }
    : undefined;
  const options = { onProgress, progressEvery: 50_000 };
  let summary: WriteSummary;
  try {
    const events = flags.bars ? aggregateBars(market, flags.bars) : market;
    const target = flags.out ?? io.stdout;
    if (format === 'csv') {
      summary = await writeCsv(events, flags.out as string, flags.bars ? { ...options, kind: 'bar' } : options);
    } else {
      summary = await writeJsonl(events, target, options);
    }
  } finally {
    bar?.stop();
  }
  const span =
    summary.events > 0
      ? `${microsToIso(summary.firstTs)} → ${microsToIso(summary.lastTs)} (${formatDuration(summary.lastTs - summary.firstTs)})`
      : 'no events';
  const where = summary.files.length > 0 ? summary.files.join(', ') : 'stdout';
  const what = flags.bars ? `${flags.bars} bars` : 'events';
  (toStdout ? io.stderr : io.stdout).write(
    `tradekit sim: wrote ${summary.events.toLocaleString('en-US')} ${what} for ${market.instruments.map((i) => i.symbol).join(', ')} ` +
      `(preset ${market.config.preset}, seed ${market.config.seed}), ${span}, to ${where}\n`,
  );
}
