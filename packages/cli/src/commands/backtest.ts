import { readFileSync } from 'node:fs';
import {
  type BacktestResult,
  type DataSpec,
  formatMetric,
  loadStrategy,
  METRIC_LABELS,
  openData,
  runBacktest,
  writeReport,
} from '@tradekit/backtest';
import type { MarketConfig } from '@tradekit/market-sim';
import { type InstrumentSpec, TradeKitError, isTradeKitError } from '@tradekit/types';
import cliProgress from 'cli-progress';
import { InvalidArgumentError } from 'commander';
import { EXIT_USAGE } from '../program.js';
import type { CommandIO, TradekitCommand } from '../registry.js';

interface BacktestFlags {
  data?: string[];
  market?: string;
  strategy: string;
  params?: string[];
  report?: string;
  instrument?: InstrumentSpec[];
  cash?: number;
  feePerContract?: number;
  json?: boolean;
  progress?: boolean;
}

/** Codes that mean the input (options, files, script) was wrong: exit 2. */
export const BACKTEST_INPUT_CODES = new Set([
  'BACKTEST_CONFIG_INVALID',
  'BACKTEST_PARAMS_INVALID',
  'BACKTEST_DATA_INVALID',
  'BACKTEST_STRATEGY_INVALID',
  'BACKTEST_STRATEGY_LOAD_FAILED',
  'BACKTEST_STRATEGY_FAILED',
  'BACKTEST_NO_DATA',
  'BACKTEST_LOOKAHEAD',
  'BACKTEST_INDICATOR_INVALID',
  'SWEEP_CONFIG_INVALID',
  'SWEEP_SHARD_INVALID',
  'SWEEP_MERGE_INVALID',
  'SIM_INVALID_CONFIG',
  'INSTRUMENT_INVALID',
  'TIMEFRAME_INVALID',
]);

/** Parses a repeated `--params key=value` option (shared with `tradekit parity`). */
export const paramArg = (value: string, previous: string[] = []): string[] => {
  if (!/^[A-Za-z_$][\w$]*=/.test(value))
    throw new InvalidArgumentError(`Expected --params as key=value (e.g. fast=10), got "${value}".`);
  return [...previous, value];
};

/** Parses a repeated `--instrument SYMBOL:tickSize[:multiplier]` option (shared with `tradekit parity`). */
export const instrumentArg = (value: string, previous: InstrumentSpec[] = []): InstrumentSpec[] => {
  const [symbol, tick, mult] = value.split(':');
  const tickSize = Number(tick);
  const multiplier = mult === undefined ? 1 : Number(mult);
  if (!symbol || !(tickSize > 0) || !(multiplier > 0))
    throw new InvalidArgumentError(
      `Expected --instrument as SYMBOL:tickSize[:multiplier] (e.g. MNQ:0.25:2), got "${value}".`,
    );
  return [...previous, { symbol, tickSize, multiplier }];
};

/** Parses a number option that must be at least `min` (shared with `tradekit parity`). */
export const numberArg =
  (name: string, min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min)
      throw new InvalidArgumentError(`Expected ${name} to be a number ≥ ${min}, got "${value}".`);
    return n;
  };

/** Parses `k=v` pairs into an object of strings (the strategy's defaults give the types). */
export function parseParams(pairs: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

/** Reads a market-sim config file (JSON). */
export function readMarketConfig(path: string): MarketConfig {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as MarketConfig;
  } catch (cause) {
    throw new TradeKitError(
      'BACKTEST_DATA_INVALID',
      `Expected --market to name a readable JSON market-sim config, got "${path}" (${(cause as Error).message}).`,
      { cause, details: { file: path } },
    );
  }
}

function summary(r: BacktestResult): string {
  const keys = new Set([
    'returnPct',
    'equityFinal',
    'maxDrawdownPct',
    'sharpe',
    'sortino',
    'trades',
    'winRatePct',
    'profitFactor',
    'feesPaid',
    'exposurePct',
  ]);
  const lines = METRIC_LABELS.filter(([k]) => keys.has(k)).map(
    ([k, label, kind]) => `  ${label.padEnd(24)} ${formatMetric(kind, r.metrics[k] as number | null)}`,
  );
  return `${r.strategy} ${JSON.stringify(r.params)} on ${r.symbols.join(', ')}: ${r.events} events, ${r.bars} bars\n${lines.join('\n')}\n  Equity (exact)           ${r.account.equity.toString()}\n`;
}

async function runCommand(flags: BacktestFlags, io: CommandIO): Promise<void> {
  if ((flags.data === undefined) === (flags.market === undefined)) {
    throw new TradeKitError(
      'BACKTEST_CONFIG_INVALID',
      'Expected data: --data <files…> (replay files) or --market <config.json> (market-sim), exactly one of them.',
      {},
    );
  }
  const strategy = await loadStrategy(flags.strategy);
  const spec: DataSpec = flags.data ? { files: flags.data } : { market: readMarketConfig(flags.market as string) };
  const { data, instruments } = openData(spec);
  const stream = io.stderr;
  let bar: cliProgress.SingleBar | undefined;
  if (flags.progress !== false && stream.isTTY) {
    bar = new cliProgress.SingleBar(
      { stream: stream as NodeJS.WriteStream, format: 'backtest {value} events', clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(0, 0);
  }
  let result: BacktestResult;
  try {
    result = await runBacktest({
      strategy,
      data,
      params: parseParams(flags.params),
      ...((flags.instrument ?? instruments) ? { instruments: flags.instrument ?? instruments } : {}),
      ...(flags.cash !== undefined ? { cash: flags.cash } : {}),
      ...(flags.feePerContract !== undefined ? { exchange: { fees: { perContract: flags.feePerContract } } } : {}),
      ...(bar ? { onProgress: (n: number) => bar?.update(n) } : {}),
    });
  } catch (err) {
    bar?.stop();
    // A strategy that threw: the report up to that event is still written.
    const partial = isTradeKitError(err) ? (err.details.result as BacktestResult | undefined) : undefined;
    if (partial && flags.report) {
      const paths = await writeReport(partial, flags.report);
      io.stderr.write(`tradekit: partial report written to ${paths.json} and ${paths.html}\n`);
    }
    throw err;
  }
  bar?.stop();
  if (flags.report) {
    const paths = await writeReport(result, flags.report);
    if (!flags.json) io.stderr.write(`report: ${paths.json}, ${paths.html}\n`);
  }
  if (flags.json)
    io.stdout.write(
      `${JSON.stringify({ strategy: result.strategy, params: result.params, metrics: result.metrics })}\n`,
    );
  else io.stdout.write(summary(result));
}

/** `tradekit backtest`: run a strategy file over replay files or a market-sim config. */
export const backtestCommand: TradekitCommand = {
  name: 'backtest',
  summary: 'run a strategy (.ts or .js) over replay files or a market-sim config; write JSON + HTML reports',
  configure(command, io) {
    command
      .option('--data <files...>', 'replay files (CSV, JSONL, Parquet, gzipped; any format replay reads)')
      .option('--market <config.json>', 'a market-sim config (JSON) as the data instead of files')
      .requiredOption('--strategy <file>', 'strategy module (.ts loads with no build step, or .js)')
      .option('--params <k=v...>', 'parameter overrides, e.g. --params fast=10 slow=30', paramArg)
      .option('--report <dir>', 'write report.json and report.html there')
      .option('--instrument <SYMBOL:tick[:mult]>', 'instrument spec (repeatable), e.g. MNQ:0.25:2', instrumentArg)
      .option('--cash <n>', 'starting cash (default 100000)', numberArg('--cash', 0))
      .option('--fee-per-contract <n>', 'fee per contract per side', numberArg('--fee-per-contract', 0))
      .option('--json', 'print the metrics as one JSON line')
      .option('--no-progress', 'never show the progress bar')
      .action(async (flags: BacktestFlags) => {
        try {
          await runCommand(flags, io);
        } catch (err) {
          if (isTradeKitError(err) && BACKTEST_INPUT_CODES.has(err.code)) io.setExitCode(EXIT_USAGE);
          throw err;
        }
      });
  },
};
