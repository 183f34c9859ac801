import { writeFileSync } from 'node:fs';
import { type MarketPreset, calibrate, fitReport, fitReportMarkdown } from '@tradekit/market-sim';
import { replay } from '@tradekit/replay';
import { TradeKitError, isTradeKitError, microsToIso, parseDuration } from '@tradekit/types';
import cliProgress from 'cli-progress';
import { InvalidArgumentError } from 'commander';
import type { CommandIO, TradekitCommand } from '../registry.js';
import { type ReaderFlags, addReaderFlags, readerOptions } from './reader-flags.js';

interface CalibrateFlags extends ReaderFlags {
  data: string[];
  out: string;
  report?: string;
  interval?: string;
  tickSize?: number;
  seeds?: number[];
  progress?: boolean;
}

// Bad data or options are input errors (exit 2), as every replay error is in `tradekit replay`;
// the fit report failing its tolerances is exit 1.
const INPUT_CODES = new Set(['SIM_CALIBRATION_DATA', 'SIM_UNKNOWN_KEY']);
const isInputError = (code: string) => INPUT_CODES.has(code) || code.startsWith('REPLAY_');

const files = (value: string, previous: string[] = []): string[] => [...previous, value];

const intervalArg = (value: string): string => {
  try {
    if (parseDuration(value) < 1000) throw new Error('short');
  } catch {
    throw new InvalidArgumentError(`Expected --interval to be a duration ≥ 1ms like "1m" or "1d", got "${value}".`);
  }
  return value;
};

const tickArg = (value: string): number => {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n))
    throw new InvalidArgumentError(`Expected --tick-size to be a number > 0 like 0.25, got "${value}".`);
  return n;
};

const seedsArg = (value: string): number[] => {
  const out = value.split(',').map((s) => Number(s.trim()));
  if (out.length === 0 || out.some((n) => !Number.isInteger(n)))
    throw new InvalidArgumentError(`Expected --seeds to be comma-separated integers like "1,2,3", got "${value}".`);
  return out;
};

/** `tradekit calibrate`: fit a market-sim preset to recorded data (anything replay reads). */
export const calibrateCommand: TradekitCommand = {
  name: 'calibrate',
  summary: 'fit a market-sim preset (volatility, clustering, tails, intraday pattern, spreads, sizes) to recorded data',
  configure(command, io) {
    command
      .requiredOption(
        '--data <file>',
        'data file(s) replay reads (.csv, .jsonl, .parquet, .gz); repeat for several',
        files,
      )
      .requiredOption('-o, --out <file>', 'write the preset JSON here (use with tradekit sim --preset)')
      .option('--report <file>', 'also write the fit report: markdown (.md) or JSON (.json)')
      .option('--interval <duration>', 'bar size of the statistics (default: the bars’ own, else 1m)', intervalArg)
      .option('--tick-size <n>', 'tick size, when the prices do not show it', tickArg)
      .option('--seeds <list>', 'seeds of the fit report’s generated samples (default 1,2,3)', seedsArg);
    // The reading flags of `tradekit replay`, with the same meaning (one definition for both).
    addReaderFlags(command, {
      symbol:
        'symbol to calibrate (default: the first in the data); also the symbol of every row of files without a symbol column',
    })
      .option('--no-progress', 'no progress bar (it only shows on a terminal anyway)')
      .addHelpText(
        'after',
        '\nExamples:\n  tradekit calibrate --data mnq-trades.csv.gz --data mnq-quotes.csv.gz --out mnq.preset.json --report fit.md\n  tradekit sim --preset mnq.preset.json --seed 7 --duration 1d --out synthetic.jsonl',
      )
      .action(async (flags: CalibrateFlags) => {
        try {
          await run(flags, io);
        } catch (err) {
          if (isTradeKitError(err) && isInputError(err.code)) {
            io.stderr.write(`tradekit calibrate: error [${err.code}]: ${err.message}\n`);
            io.setExitCode(2);
            return;
          }
          throw err;
        }
      });
  },
};

async function run(flags: CalibrateFlags, io: CommandIO): Promise<void> {
  const reader = await readerOptions(flags, { malformed: 'error', outOfOrder: 'error' });
  // `--symbol` names the rows of files without a symbol column (as in replay) and picks the symbol.
  const source = replay(flags.data, { ...reader, symbols: flags.symbol ? [flags.symbol] : undefined });
  const tty = flags.progress !== false && io.stderr.isTTY === true;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: 'calibrate {bar} | {value} events | {time}',
          stream: io.stderr as NodeJS.WritableStream,
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(0, 0, { time: '-' });
  let preset: MarketPreset;
  try {
    preset = await calibrate(source, {
      symbol: flags.symbol,
      interval: flags.interval,
      tickSize: flags.tickSize,
      progressEvery: 100_000,
      onProgress: bar
        ? (n, ts) => {
            bar.setTotal(n);
            bar.update(n, { time: Number.isFinite(ts) ? microsToIso(ts) : '-' });
          }
        : undefined,
    });
  } finally {
    bar?.stop();
  }
  const summary = source.summary();
  writeFile(flags.out, `${JSON.stringify(preset, null, 2)}\n`);
  const skipped = summary.malformed.skipped + summary.outOfOrder.skipped;
  io.stdout.write(
    `tradekit calibrate: ${preset.symbol}: ${preset.data.events.toLocaleString('en-US')} events (${preset.data.trades} trades, ${preset.data.quotes} quotes, ${preset.data.bars} bars${skipped ? `, ${skipped} rows skipped` : ''}), ${preset.data.facts.bars} bars of ${preset.interval / 1e6}s → ${flags.out}\n` +
      `  volatility ${preset.process.volatility}, alpha ${preset.process.alpha}, half-life ${(preset.process.halfLife / 3.6e9).toFixed(2)}h, df ${preset.process.df}; defaulted: ${preset.defaulted.join(', ') || 'none'}\n`,
  );
  if (flags.report) {
    const report = fitReport(preset, { seeds: flags.seeds });
    const text = flags.report.toLowerCase().endsWith('.json')
      ? `${JSON.stringify(report, null, 2)}\n`
      : fitReportMarkdown(report, preset);
    writeFile(flags.report, text);
    const failed = report.rows.filter((r) => r.pass === false).map((r) => r.fact);
    io.stdout.write(
      `  fit report → ${flags.report}: ${report.pass ? 'every applicable fact within tolerance' : `outside tolerance: ${failed.join(', ')}`}\n`,
    );
    if (!report.pass) io.setExitCode(1);
  }
}

function writeFile(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (cause) {
    throw new TradeKitError(
      'SIM_CALIBRATION_DATA',
      `Expected a writable path for ${path}, got an error: ${(cause as Error).message}. Check the directory exists and is writable.`,
      { cause, details: { file: path } },
    );
  }
}
