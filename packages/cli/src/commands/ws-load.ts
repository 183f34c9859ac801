import { readFileSync, writeFileSync } from 'node:fs';
import { TradeKitError } from '@tradekit/types';
import {
  type LoadOptions,
  type LoadReport,
  formatLoadSummary,
  mergeReports,
  parseThreshold,
  runLoad,
} from '@tradekit/ws-tester';
import { InvalidArgumentError } from 'commander';
import { type CommandIO, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type TradekitCommand } from '../registry.js';

interface WsLoadFlags {
  url?: string;
  connections?: number;
  duration?: string;
  rampUp?: string;
  arrivalRate?: number;
  rate?: number;
  mode?: 'echo' | 'subscribe';
  symbols?: string;
  messageSize?: number;
  pipeline?: number;
  request?: Record<string, unknown>;
  correlate?: 'timestamp' | 'id';
  threshold: string[];
  json?: string;
  workers?: number;
  shard?: string;
  merge?: string[];
  progress?: boolean;
  allowErrors?: boolean;
  allowEmpty?: boolean;
}

const int = (name: string) => (value: string) => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError(`Expected ${name} to be a whole number, got "${value}".`);
  return n;
};
const positive = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`Expected ${name} to be a number > 0, got "${value}".`);
  return n;
};
const collect = (value: string, previous: string[]) => [...previous, value];

function writeReport(io: CommandIO, path: string | undefined, report: LoadReport): void {
  if (!path) return;
  const text = `${JSON.stringify(report, null, 2)}\n`;
  if (path === '-') io.stdout.write(text);
  else writeFileSync(path, text);
}

function readReport(path: string): LoadReport {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TradeKitError('WS_REPORT_INVALID', `Could not read the report ${path}: ${(err as Error).message}`, {
      cause: err,
      details: { file: path },
    });
  }
  try {
    return JSON.parse(text) as LoadReport;
  } catch (err) {
    throw new TradeKitError(
      'WS_REPORT_INVALID',
      `Expected ${path} to hold a JSON load report written by \`tradekit ws-load --json\`; it is not valid JSON.`,
      {
        cause: err,
        details: { file: path },
      },
    );
  }
}

/** `tradekit ws-load`: load-tests a loopback WebSocket server, or merges shard reports. */
export const wsLoadCommand: TradekitCommand = {
  name: 'ws-load',
  summary: 'load-test a local WebSocket server (connections, latency percentiles, thresholds) or merge shard reports',
  configure(command, io) {
    command
      .option('--url <url>', 'server to load (loopback only), e.g. ws://127.0.0.1:8080')
      .option('-c, --connections <n>', 'connections to open in total', int('--connections'))
      .option('-d, --duration <duration>', 'run length, e.g. 30s')
      .option('--ramp-up <duration>', 'spread the connects over this long, e.g. 5s')
      .option(
        '--arrival-rate <n>',
        'open this many connections per second instead of --ramp-up',
        positive('--arrival-rate'),
      )
      .option(
        '--rate <n>',
        'messages per second per connection (latency corrected for coordinated omission); default: closed loop',
        positive('--rate'),
      )
      .option('--mode <mode>', 'echo (send and expect replies) or subscribe (receive a feed)', (v) => {
        if (v !== 'echo' && v !== 'subscribe')
          throw new InvalidArgumentError('Expected --mode to be "echo" or "subscribe".');
        return v;
      })
      .option('--symbols <list>', 'comma-separated symbols for --mode subscribe', 'MNQ')
      .option('--message-size <bytes>', 'padding bytes per request', int('--message-size'))
      .option('--pipeline <n>', 'requests in flight per connection in closed loop', int('--pipeline'))
      .option('--request <json>', 'extra fields of every request, e.g. \'{"op":"ping"}\'', (v) => {
        try {
          const o = JSON.parse(v);
          if (typeof o === 'object' && o !== null && !Array.isArray(o)) return o as Record<string, unknown>;
        } catch {}
        throw new InvalidArgumentError(`Expected --request to be a JSON object like '{"op":"ping"}', got ${v}.`);
      })
      .option(
        '--correlate <how>',
        'match replies by timestamp (echo servers) or id (servers that reply with the id only)',
        (v) => {
          if (v !== 'timestamp' && v !== 'id')
            throw new InvalidArgumentError('Expected --correlate to be "timestamp" or "id".');
          return v;
        },
      )
      .option(
        '-t, --threshold <expr>',
        'pass/fail rule, repeatable: p99<50ms, errors<0.1%, throughput>1000',
        collect,
        [],
      )
      .option('--json <file>', 'write the JSON report to a file (- for stdout)')
      .option('--workers <n>', 'worker threads (0 = main thread); default: one per core', int('--workers'))
      .option('--shard <i/n>', 'run shard i of n (combine the JSON reports with --merge)')
      .option('--merge <files...>', 'merge JSON reports of earlier runs or shards into one instead of running')
      .option(
        '--allow-errors',
        'let a run with errors pass when its thresholds pass (default: any error fails the run unless an errors threshold allows it)',
      )
      .option('--allow-empty', 'let a run with no successful round trip pass (default: it fails)')
      .option('--no-progress', 'no live progress line (it only shows on a terminal anyway)')
      .addHelpText(
        'after',
        `\nExamples:\n  tradekit ws-load --url ws://127.0.0.1:8080 -c 100 -d 30s --ramp-up 5s -t 'p99<50ms' -t 'errors<0.1%'\n  tradekit ws-load --url ws://127.0.0.1:8080 -c 1000 -d 60s --shard 1/2 --json a.json\n  tradekit ws-load --merge a.json b.json -t 'p99<50ms'\n\nThe run FAILS when a threshold fails, when a latency threshold has no samples, when nothing round-tripped\n(--allow-empty to accept), or when there was any error (--allow-errors, or a threshold like errors<1%).\nExit codes: 0 passed, 1 failed, 2 bad option, threshold or report file, 3 internal error.`,
      )
      .action(async (flags: WsLoadFlags) => {
        await run(flags, io);
      });
  },
};

async function run(flags: WsLoadFlags, io: CommandIO): Promise<void> {
  for (const t of flags.threshold) parseThreshold(t);
  if (flags.merge) {
    const merged = mergeReports(flags.merge.map(readReport), {
      ...(flags.threshold.length > 0 ? { thresholds: flags.threshold } : {}),
      ...(flags.allowErrors ? { allowErrors: true } : {}),
      ...(flags.allowEmpty ? { allowEmpty: true } : {}),
    });
    (flags.json === '-' ? io.stderr : io.stdout).write(formatLoadSummary(merged));
    writeReport(io, flags.json, merged);
    io.setExitCode(merged.passed ? EXIT_OK : EXIT_FAILURE);
    return;
  }
  const missing = (['url', 'connections', 'duration'] as const).filter((k) => flags[k] === undefined);
  if (missing.length > 0) {
    io.stderr.write(
      `tradekit ws-load: missing ${missing.map((m) => `--${m}`).join(', ')} (or use --merge <files...>)\n`,
    );
    io.setExitCode(EXIT_USAGE);
    return;
  }
  const tty = flags.progress !== false && io.stderr.isTTY === true;
  const options: LoadOptions = {
    url: flags.url as string,
    connections: flags.connections as number,
    duration: flags.duration as string,
    rampUp: flags.rampUp,
    arrivalRate: flags.arrivalRate,
    rate: flags.rate,
    mode: flags.mode,
    symbols: flags.symbols
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    messageSize: flags.messageSize,
    pipeline: flags.pipeline,
    request: flags.request,
    correlate: flags.correlate,
    thresholds: flags.threshold,
    allowErrors: flags.allowErrors === true,
    allowEmpty: flags.allowEmpty === true,
    workers: flags.workers,
    shard: flags.shard,
    onProgress: tty
      ? (p) => {
          const pct = Math.min(100, (p.elapsedUs / p.durationUs) * 100).toFixed(0);
          io.stderr.write(
            `\r\x1b[2Kws-load ${pct}%  ${(p.elapsedUs / 1e6).toFixed(1)}s  connected ${p.connected}  sent ${p.sent}  received ${p.received}  errors ${p.errors}`,
          );
        }
      : undefined,
  };
  const report = await runLoad(options);
  if (tty) io.stderr.write('\r\x1b[2K');
  (flags.json === '-' ? io.stderr : io.stdout).write(formatLoadSummary(report));
  writeReport(io, flags.json, report);
  io.setExitCode(report.passed ? EXIT_OK : EXIT_FAILURE);
}
