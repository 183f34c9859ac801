import { existsSync, readFileSync } from 'node:fs';
import { createMarket } from '@tradekit/market-sim';
import { openSource } from '@tradekit/replay';
import { type MarketEventSource, TradeKitError, isTradeKitError } from '@tradekit/types';
import { type VenueInstrumentSpec, createVenue } from '@tradekit/venue';
import type { FaultScript } from '@tradekit/ws-tester';
import { InvalidArgumentError } from 'commander';
import { EXIT_USAGE } from '../program.js';
import type { CommandIO, TradekitCommand } from '../registry.js';
import { duration, untilStopped, wholeNumber } from './ws-serve.js';

interface VenueFlags {
  port: number;
  symbols: string;
  data?: string;
  instruments?: string;
  clock: 'real' | 'virtual';
  speed?: number;
  seed: string;
  user: string;
  apiKey: string;
  accounts: number;
  balance: string;
  tokenLifetime?: number;
  rateLimit: boolean;
  binance?: boolean;
  faultScript?: string;
  controlToken?: string;
  duration?: number;
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TradeKitError('VENUE_CONFIG_INVALID', `Could not read ${what} ${path}: ${(err as Error).message}.`, {
      cause: err,
    });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TradeKitError('VENUE_CONFIG_INVALID', `${what} ${path} is not valid JSON: ${(err as Error).message}.`, {
      cause: err,
    });
  }
}

const positive = (name: string) => (value: string) => {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError(`Expected ${name} to be a number > 0, got "${value}".`);
  return n;
};

/** `tradekit venue`: a simulated ProjectX-compatible venue (and plain JSON API) on loopback. */
export const venueCommand: TradekitCommand = {
  name: 'venue',
  summary: 'serve a simulated exchange with ProjectX Gateway-compatible REST + SignalR hubs and a plain JSON API',
  configure(command, io) {
    command
      .option('-p, --port <port>', 'port on 127.0.0.1 (0 = any free port)', wholeNumber('--port'), 0)
      .option('--symbols <list>', 'market-sim symbols (known tickers get their instrument specs)', 'MNQ')
      .option('--data <file>', 'replay this recorded file (CSV, JSONL, Parquet) instead of market-sim')
      .option('--instruments <file>', 'JSON array of instruments ({ symbol, tickSize, multiplier, contractId… })')
      .option(
        '--clock <kind>',
        'real (source paced to wall time) or virtual (step it with POST /venue/advance)',
        'real',
      )
      .option('--speed <x>', 'real clock: play the source this many times faster', positive('--speed'))
      .option('--seed <seed>', 'market-sim seed', '1')
      .option('--user <name>', 'API user name', 'trader')
      .option('--api-key <key>', 'API key of the user', 'sim-key')
      .option('--accounts <n>', 'number of accounts of the user (ids 1..n)', wholeNumber('--accounts'), 1)
      .option('--balance <money>', 'starting balance of each account', '100000')
      .option('--token-lifetime <duration>', 'session token lifetime (default 24h)', duration('--token-lifetime'))
      .option('--no-rate-limit', 'turn the rate limits off (ProjectX 200 req / 60 s; Binance 6000 / min)')
      .option(
        '--binance',
        'also serve the Binance-compatible profile (spot /api/v3, USDⓈ-M /fapi for *-PERP symbols, streams); secret "sim-secret"',
      )
      .option('--fault-script <file>', 'ws-tester fault script (JSON) for hub and WebSocket connections')
      .option('--control-token <token>', 'require this bearer token on /venue/* control routes')
      .option('--duration <duration>', 'stop after this long (default: until Ctrl-C)', duration('--duration'));
    command.action(async (flags: VenueFlags) => {
      try {
        await serve(flags, io);
      } catch (err) {
        // Bad options, files and configs are usage/input errors (exit 2).
        if (isTradeKitError(err) && /_CONFIG_INVALID$|_INVALID_OPTION$|^INSTRUMENT_INVALID$/.test(err.code))
          io.setExitCode(EXIT_USAGE);
        throw err;
      }
    });
  },
};

async function serve(flags: VenueFlags, io: CommandIO): Promise<void> {
  if (flags.clock !== 'real' && flags.clock !== 'virtual')
    throw usage(`Expected --clock to be "real" or "virtual", got "${flags.clock}".`);
  if (flags.accounts < 1) throw usage('Expected --accounts to be at least 1.');
  if (flags.data !== undefined && !existsSync(flags.data)) throw usage(`--data file ${flags.data} does not exist.`);
  const symbols = flags.symbols
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const seed = /^-?\d+$/.test(flags.seed) ? Number(flags.seed) : flags.seed;
  let instruments: VenueInstrumentSpec[];
  if (flags.instruments !== undefined) {
    instruments = readJson(flags.instruments, 'instruments file') as VenueInstrumentSpec[];
  } else {
    // Known tickers' specs from market-sim, without sessions: the source decides when the market is open.
    instruments = createMarket({ seed, symbols, duration: null }).instruments.map((i) => ({
      symbol: i.symbol,
      tickSize: i.tickSize,
      multiplier: i.multiplier,
      lotSize: i.lotSize,
      currency: i.currency,
    }));
  }
  let source: MarketEventSource;
  if (flags.data !== undefined) source = openSource(flags.data);
  else source = createMarket({ seed, symbols, duration: null });
  const faults =
    flags.faultScript === undefined ? undefined : (readJson(flags.faultScript, 'fault script') as FaultScript);
  const venue = await createVenue({
    instruments,
    source,
    clock: flags.clock,
    port: flags.port,
    accounts: Array.from({ length: flags.accounts }, (_, i) => ({
      id: i + 1,
      userName: flags.user,
      apiKey: flags.apiKey,
      balance: flags.balance,
    })),
    projectx: {
      ...(flags.tokenLifetime !== undefined ? { tokenLifetime: flags.tokenLifetime } : {}),
      ...(flags.rateLimit ? {} : { rateLimit: false as const }),
    },
    ...(flags.binance ? { binance: flags.rateLimit ? {} : { rateLimit: false as const } } : {}),
    ...(flags.speed !== undefined ? { speed: flags.speed } : {}),
    ...(faults !== undefined ? { faults } : {}),
    ...(flags.controlToken !== undefined ? { control: { token: flags.controlToken } } : {}),
  });
  io.stdout.write(`listening on ${venue.url}\n`);
  io.stdout.write(
    `  ProjectX REST  ${venue.url}/api   (Auth/loginKey: userName "${flags.user}", apiKey "${flags.apiKey}")\n`,
  );
  io.stdout.write(`  user hub       ${venue.userHubUrl}\n  market hub     ${venue.marketHubUrl}\n`);
  io.stdout.write(`  JSON API       ${venue.url}/json   WebSocket ${venue.wsUrl}\n`);
  if (venue.binance) {
    const ws = venue.url.replace('http', 'ws');
    io.stdout.write(
      `  Binance        ${venue.url}/api/v3  ${venue.url}/fapi   streams ${ws}/ws  ${ws}/fstream/ws  ${ws}/ws-api/v3   (apiKey "${flags.apiKey}", secret "sim-secret")\n`,
    );
  }
  io.stdout.write(`  contracts      ${venue.contracts.map((c) => c.contractId).join(', ')}\n`);
  if (flags.clock === 'virtual') io.stdout.write(`  control        POST ${venue.url}/venue/advance {"by":"1s"}\n`);
  const why = await untilStopped(flags.duration);
  const orders = venue.exchange.getOrders().length;
  const events = venue.core.eventsApplied;
  await venue.close();
  io.stdout.write(`stopped (${why}): ${events} market events, ${orders} orders\n`);
}

function usage(message: string): TradeKitError {
  return new TradeKitError('VENUE_CONFIG_INVALID', message);
}
