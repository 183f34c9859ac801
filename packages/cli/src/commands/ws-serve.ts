import { readFileSync } from 'node:fs';
import { createMarket } from '@tradekit/market-sim';
import { TradeKitError, parseDuration } from '@tradekit/types';
import {
  type FaultRule,
  type FaultScript,
  type NormalizedScript,
  createFeedServer,
  createMockServer,
  createSignalRServer,
  normalizeFaultScript,
} from '@tradekit/ws-tester';
import { type Command, InvalidArgumentError } from 'commander';
import type { CommandIO, TradekitCommand } from '../registry.js';

/** Fault flags shared by `ws-serve` and `ws-proxy`. */
export interface FaultFlags {
  dropAfter?: number;
  closeAfter?: number;
  closeCode?: number;
  delay?: number;
  jitter?: number;
  reject?: number;
  rejectFirst?: number;
  corruptEvery?: number;
  duplicateEvery?: number;
  lossRate?: number;
  bandwidth?: number;
  pingTimeout?: boolean;
  faultScript?: string;
  seed?: string;
}

/** A commander argument parser for a whole number ≥ 0; a bad value is a usage error (exit 2). */
export const wholeNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError(`Expected ${name} to be a whole number, got "${value}".`);
  return n;
};

/** A commander argument parser for a port 0–65535; a bad value is a usage error (exit 2). */
export const portNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n > 65535)
    throw new InvalidArgumentError(
      `Expected ${name} to be a port from 0 to 65535 (0 = any free port), got "${value}".`,
    );
  return n;
};

/** A commander argument parser for a whole number ≥ 1; a bad value is a usage error (exit 2). */
export const positiveWholeNumber = (name: string) => (value: string) => {
  const n = wholeNumber(name)(value);
  if (n < 1) throw new InvalidArgumentError(`Expected ${name} to be a whole number ≥ 1, got "${value}".`);
  return n;
};

/** A commander argument parser for a duration like `50ms` or `2s` (µs); a bad value is a usage error (exit 2). */
export const duration = (name: string) => (value: string) => {
  try {
    return parseDuration(value);
  } catch {
    throw new InvalidArgumentError(`Expected ${name} to be a duration like "50ms" or "2s", got "${value}".`);
  }
};

const probability = (name: string) => (value: string) => {
  const n = Number(value);
  if (!(n >= 0 && n <= 1))
    throw new InvalidArgumentError(`Expected ${name} to be a number from 0 to 1, got "${value}".`);
  return n;
};

/** Adds the fault flags to a command. */
export function addFaultOptions(command: Command): Command {
  return command
    .option(
      '--drop-after <n>',
      'drop each connection abruptly (1006) after it was sent n messages',
      wholeNumber('--drop-after'),
    )
    .option(
      '--close-after <n>',
      'close each connection cleanly after n messages (see --close-code)',
      wholeNumber('--close-after'),
    )
    .option('--close-code <code>', 'close code for --close-after', wholeNumber('--close-code'))
    .option('--delay <duration>', 'delay every message, e.g. 50ms', duration('--delay'))
    .option('--jitter <duration>', 'extra random delay per message, uniform in [0, jitter)', duration('--jitter'))
    .option('--reject <status>', 'answer every upgrade with this HTTP status (e.g. 401)', wholeNumber('--reject'))
    .option(
      '--reject-first <n>',
      'answer the first n upgrades with 401, accept later ones',
      wholeNumber('--reject-first'),
    )
    .option(
      '--corrupt-every <n>',
      'send every n-th message as invalid JSON (the n-th, 2n-th…, counting from the first message of each connection)',
      positiveWholeNumber('--corrupt-every'),
    )
    .option(
      '--duplicate-every <n>',
      'send every n-th message twice (the n-th, 2n-th…, counting from the first message of each connection)',
      positiveWholeNumber('--duplicate-every'),
    )
    .option('--loss-rate <p>', 'lose each message with probability p (seeded)', probability('--loss-rate'))
    .option('--bandwidth <bytesPerSecond>', 'cap bytes per second per connection', wholeNumber('--bandwidth'))
    .option('--ping-timeout', 'never answer WebSocket pings')
    .option(
      '--fault-script <file>',
      'JSON fault script (rules and timeline); flags add rules after it; checked before the port opens',
    )
    .option('--seed <seed>', "seed of the random faults (default: the script's seed, else 0)");
}

/**
 * Builds the fault script from the flags (and the script file, whose rules come first), validated:
 * a bad file or value throws `WS_FAULT_INVALID` (exit 2) before any port is opened.
 */
export function faultScriptFromFlags(flags: FaultFlags): NormalizedScript {
  let script: FaultScript = {};
  if (flags.faultScript) {
    let text: string;
    try {
      text = readFileSync(flags.faultScript, 'utf8');
    } catch (err) {
      throw new TradeKitError(
        'WS_FAULT_INVALID',
        `Could not read the fault script ${flags.faultScript}: ${(err as Error).message}`,
        {
          cause: err,
          details: { file: flags.faultScript },
        },
      );
    }
    try {
      script = JSON.parse(text) as FaultScript;
    } catch (err) {
      throw new TradeKitError(
        'WS_FAULT_INVALID',
        `Expected ${flags.faultScript} to be a JSON fault script like {"rules":[{"type":"delay","delay":"50ms"}]}; it is not valid JSON.`,
        {
          cause: err,
          details: { file: flags.faultScript },
        },
      );
    }
  }
  if (flags.faultScript) {
    // Check the file on its own first, so its errors name its own rule positions and keys.
    try {
      normalizeFaultScript(script);
    } catch (err) {
      if (err instanceof TradeKitError) {
        throw new TradeKitError(err.code, `${err.message} (in the fault script ${flags.faultScript})`, {
          cause: err,
          details: { ...err.details, file: flags.faultScript },
        });
      }
      throw err;
    }
  }
  const rules: FaultRule[] = [...(Array.isArray(script) ? (script as FaultRule[]) : (script.rules ?? []))];
  if (flags.reject !== undefined) rules.push({ type: 'reject', status: flags.reject });
  if (flags.rejectFirst !== undefined && flags.rejectFirst > 0) {
    rules.push({ type: 'reject', status: 401, connections: Array.from({ length: flags.rejectFirst }, (_, i) => i) });
  }
  if (flags.delay !== undefined || flags.jitter !== undefined)
    rules.push({ type: 'delay', delay: flags.delay ?? 0, jitter: flags.jitter ?? 0 });
  if (flags.bandwidth !== undefined) rules.push({ type: 'bandwidth', bytesPerSecond: flags.bandwidth });
  // Same rule as the API's { every: n }: the n-th, 2n-th… message of each connection.
  if (flags.corruptEvery !== undefined)
    rules.push({ type: 'corrupt', kind: 'invalid-json', every: flags.corruptEvery });
  if (flags.duplicateEvery !== undefined) rules.push({ type: 'duplicate', every: flags.duplicateEvery });
  if (flags.lossRate !== undefined) rules.push({ type: 'lose', probability: flags.lossRate });
  if (flags.pingTimeout) rules.push({ type: 'ping-timeout' });
  if (flags.dropAfter !== undefined) rules.push({ type: 'drop', from: flags.dropAfter });
  if (flags.closeAfter !== undefined)
    rules.push({ type: 'close', from: flags.closeAfter, code: flags.closeCode ?? 1000 });
  else if (flags.closeCode !== undefined) {
    throw new TradeKitError(
      'WS_FAULT_INVALID',
      'Expected --close-code together with --close-after <n> (it sets the code of that close); got --close-code alone.',
      { details: { field: 'closeCode', value: flags.closeCode } },
    );
  }
  const seedText = flags.seed ?? (Array.isArray(script) ? undefined : script.seed);
  const seed = seedText === undefined ? 0 : /^-?\d+$/.test(String(seedText)) ? Number(seedText) : String(seedText);
  return normalizeFaultScript({ seed, rules, timeline: Array.isArray(script) ? [] : (script.timeline ?? []) });
}

/**
 * Resolves after `durationUs` (if given), on SIGINT/SIGTERM, or when `signal` aborts (stdout
 * closed), whichever comes first.
 */
export function untilStopped(durationUs: number | undefined, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (why: string) => {
      clearTimeout(timer);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      signal?.removeEventListener('abort', onAbort);
      resolve(why);
    };
    const onInt = () => done('SIGINT');
    const onTerm = () => done('SIGTERM');
    const onAbort = () => done('stdout closed');
    if (signal?.aborted) {
      resolve('stdout closed');
      return;
    }
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (durationUs !== undefined) timer = setTimeout(() => done('duration'), durationUs / 1000);
  });
}

interface ServeFlags extends FaultFlags {
  port: number;
  host: string;
  json?: boolean;
  echo?: boolean;
  signalr?: string | boolean;
  feed?: boolean;
  symbols: string;
  rate?: number;
  speed?: number;
  maxPayload?: number;
  duration?: number;
  quiet?: boolean;
}

function log(io: CommandIO, quiet: boolean | undefined, line: string): void {
  if (!quiet) io.stderr.write(`${line}\n`);
}

/** `tradekit ws-serve`: a mock WebSocket server (raw, JSON, SignalR) or a market feed, with faults. */
export const wsServeCommand: TradekitCommand = {
  name: 'ws-serve',
  summary: 'serve a mock WebSocket server (echo/JSON/SignalR) or a market-sim feed, with injected faults',
  configure(command, io) {
    command
      .option('-p, --port <port>', 'port to listen on (0 = any free port)', portNumber('--port'), 8080)
      .option('--host <host>', 'interface to bind', '127.0.0.1')
      .option('--json', 'parse received frames as JSON; answer bad frames with a protocol error')
      .option('--echo', 'send every received message back to its sender')
      .option('--signalr [hub]', 'serve a SignalR JSON hub at this path (default /hub) with an Echo method')
      .option('--feed', 'serve a market-sim feed (subscribe by symbol, snapshot + sequenced updates)')
      .option('--symbols <list>', 'feed symbols, comma-separated', 'MNQ')
      .option('--rate <eventsPerSecond>', 'feed pace in events per second (default: market time at --speed)', Number)
      .option('--speed <x>', 'feed speed relative to market time', Number)
      .option(
        '--max-payload <bytes>',
        'largest frame accepted from a client; bigger ones close it with 1009 (default 1048576)',
        positiveWholeNumber('--max-payload'),
      )
      .option('--duration <duration>', 'stop after this long (default: until Ctrl-C)', duration('--duration'))
      .option('-q, --quiet', 'no connection log on stderr');
    addFaultOptions(command);
    command.addHelpText(
      'after',
      '\nMessages are counted per connection from the first frame the server sends after the upgrade (message 0;\nin --signalr mode the handshake answer is not counted). Exit codes: 0 stopped normally, 2 bad option or\nfault script (checked before the port opens), 3 internal error.',
    );
    command.action(async (flags: ServeFlags) => {
      const faults = faultScriptFromFlags(flags);
      const common = {
        port: flags.port,
        host: flags.host,
        faults,
        ...(flags.maxPayload ? { maxPayload: flags.maxPayload } : {}),
      };
      let url: string;
      let stop: () => Promise<void>;
      let summary: () => string;
      if (flags.feed) {
        if (faults.rules.length > 0 || faults.timeline.length > 0) {
          throw new TradeKitError(
            'WS_CONFIG_INVALID',
            'Expected no fault flags with --feed: the feed server has its own protocol. Put `tradekit ws-proxy` with faults in front of it instead.',
          );
        }
        const seed = /^-?\d+$/.test(flags.seed ?? '0') ? Number(flags.seed ?? 0) : (flags.seed as string);
        const market = createMarket({
          seed,
          symbols: flags.symbols
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          duration: null,
        });
        const feed = await createFeedServer({
          source: market,
          port: flags.port,
          host: flags.host,
          ...(flags.rate !== undefined ? { rate: flags.rate } : {}),
          ...(flags.speed !== undefined ? { speed: flags.speed } : {}),
          ...(flags.maxPayload ? { maxPayload: flags.maxPayload } : {}),
        });
        url = feed.url;
        stop = () => feed.close();
        summary = () => {
          const s = feed.stats();
          return `published ${s.published} events, delivered ${s.delivered} updates, ${s.protocolErrors} protocol errors`;
        };
      } else if (flags.signalr !== undefined) {
        const hub = await createSignalRServer({
          ...common,
          hub: typeof flags.signalr === 'string' ? flags.signalr : '/hub',
          methods: { Echo: (args) => args[0] },
        });
        url = hub.url;
        stop = () => hub.stop();
        summary = () => `${hub.connectionAttempts} connection attempts, ${hub.invocations.length} invocations`;
      } else {
        const server = await createMockServer({ ...common, json: flags.json ?? false, echo: flags.echo ?? false });
        server.on('connection', (c) =>
          log(io, flags.quiet, `connection ${c.index} from ${c.request.socket.remoteAddress}`),
        );
        server.on('close', (c, code) => log(io, flags.quiet, `connection ${c.index} closed (${code})`));
        server.on('protocolError', (e, c) => log(io, flags.quiet, `connection ${c.index}: ${e.code}`));
        server.on('rejected', (r) =>
          log(
            io,
            flags.quiet,
            `connection ${r.index} from ${r.request.socket.remoteAddress} refused (${r.status === 0 ? 'socket reset' : `HTTP ${r.status}`})`,
          ),
        );
        url = server.url;
        stop = () => server.stop();
        summary = () =>
          `${server.connectionAttempts} connection attempts, ${server.messages.length} messages received, ${server.protocolErrors.length} protocol errors`;
      }
      io.stdout.write(`listening on ${url}\n`);
      const why = await untilStopped(flags.duration, io.signal);
      await stop();
      io.stdout.write(`stopped (${why}): ${summary()}\n`);
    });
  },
};
