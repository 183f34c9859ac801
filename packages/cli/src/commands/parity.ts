import { writeFileSync } from 'node:fs';
import type { DataSpec } from '@tradekit/backtest';
import { createMarket } from '@tradekit/market-sim';
import { type InstrumentSpec, TradeKitError, isTradeKitError } from '@tradekit/types';
import { type ParityOptions, formatParity, runParity } from '@tradekit/venue';
import { InvalidArgumentError } from 'commander';
import { EXIT_FAILURE, EXIT_USAGE } from '../program.js';
import type { CommandIO, TradekitCommand } from '../registry.js';
import { BACKTEST_INPUT_CODES, instrumentArg, numberArg, paramArg, parseParams, readMarketConfig } from './backtest.js';

interface ParityFlags {
  strategy: string;
  data?: string[];
  market?: string;
  symbols: string;
  instrument?: InstrumentSpec[];
  params?: string[];
  cash?: number;
  feePerContract?: number;
  latency?: string;
  liveLatency?: string;
  pacing: string;
  negotiate?: boolean;
  json?: boolean;
  out?: string;
  rows: number;
}

const INPUT_CODES = new Set([
  ...BACKTEST_INPUT_CODES,
  'VENUE_CONFIG_INVALID',
  'VENUE_PARITY_UNSUPPORTED',
  'INSTRUMENT_INVALID',
  'REPLAY_FILE_NOT_FOUND',
]);

const wholeArg = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`Expected ${name} to be an integer ≥ 1, got "${value}".`);
  return n;
};

function usage(message: string): TradeKitError {
  return new TradeKitError('VENUE_CONFIG_INVALID', message);
}

async function run(flags: ParityFlags, io: CommandIO): Promise<void> {
  if ((flags.data === undefined) === (flags.market === undefined))
    throw usage(
      'Expected data: --data <files…> (recorded replay files) or --market <config.json> (market-sim), exactly one of them.',
    );
  const data: DataSpec = flags.data ? { files: flags.data } : { market: readMarketConfig(flags.market as string) };
  let instruments = flags.instrument;
  if (instruments === undefined && flags.data !== undefined) {
    // Known tickers' specs from market-sim (MNQ, ES…), without sessions: the data decides when the market is open.
    const symbols = flags.symbols
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    instruments = createMarket({ seed: 1, symbols, duration: null }).instruments.map((i) => ({
      symbol: i.symbol,
      tickSize: i.tickSize,
      multiplier: i.multiplier,
      lotSize: i.lotSize,
      currency: i.currency,
    }));
  }
  const exchange: NonNullable<ParityOptions['exchange']> = {
    ...(flags.feePerContract !== undefined ? { fees: { perContract: flags.feePerContract } } : {}),
    ...(flags.latency !== undefined ? { latency: { orderEntry: flags.latency } } : {}),
  };
  let pacing: 'event' | { every: string } = 'event';
  if (flags.pacing !== 'event') pacing = { every: flags.pacing };
  const report = await runParity({
    strategy: flags.strategy,
    data,
    ...(instruments ? { instruments } : {}),
    params: parseParams(flags.params),
    ...(flags.cash !== undefined ? { cash: flags.cash } : {}),
    exchange,
    live: {
      pacing,
      ...(flags.negotiate ? { negotiate: true } : {}),
      ...(flags.liveLatency !== undefined ? { exchange: { latency: { orderEntry: flags.liveLatency } } } : {}),
    },
  });
  if (flags.out !== undefined) writeFileSync(flags.out, `${JSON.stringify(report, null, 2)}\n`);
  if (flags.json) io.stdout.write(`${JSON.stringify(report)}\n`);
  else io.stdout.write(formatParity(report, flags.rows));
  if (!report.match) io.setExitCode(EXIT_FAILURE);
}

/** `tradekit parity`: a strategy as a backtest and as a live client of the venue, compared fill for fill. */
export const parityCommand: TradekitCommand = {
  name: 'parity',
  summary:
    'run a strategy as a backtest and as a live ProjectX client of the venue on the same data; compare orders, fills and PnL (exit 1 on a mismatch)',
  configure(command, io) {
    command
      .requiredOption('--strategy <file>', 'strategy module (.ts loads with no build step, or .js), or a built-in name')
      .option('--data <files...>', 'recorded replay files (CSV, JSONL, Parquet; time bars)')
      .option('--market <config.json>', 'a market-sim config (JSON) as the data instead of files')
      .option('--symbols <list>', 'symbols of the data, for known instrument specs (with --data)', 'MNQ')
      .option('--instrument <SYMBOL:tick[:mult]>', 'instrument spec (repeatable), e.g. MNQ:0.25:2', instrumentArg)
      .option('--params <k=v...>', 'parameter overrides, e.g. --params fast=10 slow=30', paramArg)
      .option('--cash <n>', 'starting cash of both runs (default 100000)', numberArg('--cash', 0))
      .option('--fee-per-contract <n>', 'fee per contract per side (both runs)', numberArg('--fee-per-contract', 0))
      .option('--latency <duration>', 'order-entry latency of both runs, e.g. 250ms')
      .option('--live-latency <duration>', 'order-entry latency of the live run only (to see what it changes)')
      .option('--pacing <mode>', 'event (step the venue one event at a time) or a duration per step, e.g. 5m', 'event')
      .option('--negotiate', 'negotiate before the hub WebSockets (as pysignalr does)')
      .option('--json', 'print the whole report as one JSON line')
      .option('--out <file.json>', 'write the whole report there')
      .option('--rows <n>', 'fills and differences shown in the text report', wholeArg('--rows'), 20)
      .action(async (flags: ParityFlags) => {
        try {
          await run(flags, io);
        } catch (err) {
          if (isTradeKitError(err) && INPUT_CODES.has(err.code)) io.setExitCode(EXIT_USAGE);
          throw err;
        }
      });
  },
};
