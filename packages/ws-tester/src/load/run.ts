import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  RealClock,
  TradeKitError,
  describeValue,
  expectNumber,
  invalidValue,
  microsToIso,
  parseDuration,
} from '@tradekit/types';
import { type DriverCounts, type DriverPlan, type DriverResult, driveConnections } from './driver.js';
import { initHistograms } from './histogram.js';
import { type LoadReport, type LoadShard, buildReport } from './report.js';
import { parseThreshold } from './thresholds.js';
import type { WorkerMessage } from './worker.js';

/** Most connections one run may open. */
export const MAX_LOAD_CONNECTIONS = 50_000;
/** Longest run allowed, µs (one hour). */
export const MAX_LOAD_DURATION = 3_600_000_000;

/** Options for {@link runLoad}. */
export interface LoadOptions {
  /** Server to load; loopback only (`ws://127.0.0.1:…`, `ws://localhost:…`, `ws://[::1]:…`). */
  url: string;
  /** Connections to open in total (this shard opens its share). */
  connections: number;
  /** Run length from the first connect, µs or a string like `"30s"`. */
  duration: number | string;
  /** Spread the connects evenly over this long, µs or `"5s"`. @default 0 */
  rampUp?: number | string;
  /** Open connections at this many per second instead of `rampUp`. */
  arrivalRate?: number;
  /**
   * `echo`: each connection sends `{"id","t"}` requests and expects them (or a reply with the same
   * `id` and `t`) back. `subscribe`: each connection subscribes to a feed server and receives.
   * @default 'echo'
   */
  mode?: 'echo' | 'subscribe';
  /** Requests per second per connection (open loop, latency corrected for coordinated omission); unset = closed loop. */
  rate?: number;
  /** Requests in flight per connection in closed loop. @default 1 */
  pipeline?: number;
  /** Padding bytes added to each request. @default 0 */
  messageSize?: number;
  /** Extra fields sent in every request besides `id` and `t`, e.g. `{ op: 'ping' }` for a request-response server. */
  request?: Record<string, unknown>;
  /**
   * How replies are matched to requests: `timestamp` reads `t` back from the reply (echo servers);
   * `id` remembers each request's time by `id`, for servers that answer with the id only.
   * @default 'timestamp'
   */
  correlate?: 'timestamp' | 'id';
  /** Symbols to subscribe to in `subscribe` mode. @default ['MNQ'] */
  symbols?: string[];
  /** Pass/fail rules such as `"p99<50ms"` or `"errors<0.1%"`. A latency rule with no sample fails. */
  thresholds?: string[];
  /**
   * Let a run with errors pass (when its thresholds pass). Without it, any error fails the run
   * unless a threshold on `errors` or `errors%` says how many are acceptable. @default false
   */
  allowErrors?: boolean;
  /** Let a run with no successful round trip (no matched reply, no update) pass. @default false */
  allowEmpty?: boolean;
  /** Worker threads; 0 runs in the calling thread. @default os.availableParallelism() */
  workers?: number;
  /** Run one share of the connections: `"2/3"` or `{ index: 2, count: 3 }`. */
  shard?: string | LoadShard;
  /** Connect timeout, µs or `"5s"`. @default '5s' */
  connectTimeout?: number | string;
  /** How long to wait for answers to requests in flight at the end, µs or `"2s"`. @default '2s' */
  drainTimeout?: number | string;
  /** Requests in flight per connection beyond which due sends are skipped and counted as `backlog` errors. @default 10000 */
  maxOutstanding?: number;
  /** Called about five times a second with running totals. */
  onProgress?: (progress: LoadProgress) => void;
}

/** Running totals during a load run. */
export interface LoadProgress {
  /** Time since the start, µs. */
  elapsedUs: number;
  durationUs: number;
  connected: number;
  sent: number;
  received: number;
  errors: number;
}

const LOOPBACK = /^(127(?:\.\d{1,3}){3}|localhost|\[::1\]|::1)$/i;

/** Parses `"i/n"` into a shard; throws `WS_LOAD_INVALID_OPTION` otherwise. */
export function parseShard(value: string | LoadShard): LoadShard {
  let index: number;
  let count: number;
  if (typeof value === 'string') {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
    if (!m) throw invalidValue('WS_LOAD_INVALID_OPTION', 'shard', 'like "1/3" (this shard / number of shards)', value);
    index = Number(m[1]);
    count = Number(m[2]);
  } else if (typeof value === 'object' && value !== null) {
    ({ index, count } = value);
  } else {
    throw invalidValue('WS_LOAD_INVALID_OPTION', 'shard', 'like "1/3" (this shard / number of shards)', value);
  }
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 1 || index > count) {
    throw invalidValue('WS_LOAD_INVALID_OPTION', 'shard', 'i/n with 1 ≤ i ≤ n', value, 'Shards are numbered from 1.');
  }
  return { index, count };
}

function duration(field: string, value: number | string, min: number, max: number): number {
  let us: number;
  try {
    us = parseDuration(value);
  } catch (err) {
    throw new TradeKitError(
      'WS_LOAD_INVALID_OPTION',
      `Expected \`${field}\` to be a duration like "30s" or "500ms", got ${describeValue(value)}.`,
      {
        cause: err,
        details: { field, value },
      },
    );
  }
  if (us < min || us > max) {
    throw invalidValue('WS_LOAD_INVALID_OPTION', field, `from ${min / 1e6} s to ${max / 1e6} s`, value);
  }
  return us;
}

/** Validated options with defaults filled in. */
interface LoadPlan {
  url: string;
  mode: 'echo' | 'subscribe';
  connections: number;
  durationUs: number;
  rampUp: number;
  arrivalRate?: number;
  rate?: number;
  pipeline: number;
  messageSize: number;
  requestFields: string;
  correlate: 'timestamp' | 'id';
  symbols: string[];
  thresholds: ReturnType<typeof parseThreshold>[];
  workers: number;
  shard?: LoadShard;
  connectTimeout: number;
  drainTimeout: number;
  maxOutstanding: number;
}

function requestFields(request: unknown): string {
  if (request === undefined) return '';
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw invalidValue(
      'WS_LOAD_INVALID_OPTION',
      'request',
      'an object of extra request fields like {"op":"ping"}',
      request,
    );
  }
  if ('id' in request || 't' in request) {
    throw invalidValue(
      'WS_LOAD_INVALID_OPTION',
      'request',
      'an object without `id` or `t` (the driver sets those)',
      request,
    );
  }
  const text = JSON.stringify(request);
  return text === '{}' ? '' : `,${text.slice(1, -1)}`;
}

function validate(o: LoadOptions): LoadPlan {
  if (typeof o !== 'object' || o === null) throw invalidValue('WS_LOAD_INVALID_OPTION', 'options', 'an object', o);
  let host: string;
  try {
    const u = new URL(o.url);
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new Error('protocol');
    host = u.hostname;
  } catch {
    throw invalidValue('WS_LOAD_INVALID_OPTION', 'url', 'a ws:// URL like "ws://127.0.0.1:8080"', o.url);
  }
  if (!LOOPBACK.test(host)) {
    throw new TradeKitError(
      'WS_LOAD_NOT_LOOPBACK',
      `Expected \`url\` to point at this machine (127.0.0.1, localhost or ::1), got ${describeValue(o.url)}. The load driver only loads loopback servers; run it on the server's machine.`,
      { details: { field: 'url', value: o.url } },
    );
  }
  const connections = expectNumber('WS_LOAD_INVALID_OPTION', 'connections', o.connections, {
    integer: true,
    min: 1,
    max: MAX_LOAD_CONNECTIONS,
  });
  if (o.duration === undefined)
    throw invalidValue('WS_LOAD_INVALID_OPTION', 'duration', 'a duration like "30s"', o.duration);
  const durationUs = duration('duration', o.duration, 1_000, MAX_LOAD_DURATION);
  const rampUp = o.rampUp === undefined ? 0 : duration('rampUp', o.rampUp, 0, durationUs);
  const mode = o.mode ?? 'echo';
  if (mode !== 'echo' && mode !== 'subscribe')
    throw invalidValue('WS_LOAD_INVALID_OPTION', 'mode', '"echo" or "subscribe"', mode);
  const opt = (field: string, v: number | undefined, opts: Parameters<typeof expectNumber>[3]) =>
    v === undefined ? undefined : expectNumber('WS_LOAD_INVALID_OPTION', field, v, opts);
  const symbols = o.symbols ?? ['MNQ'];
  if (!Array.isArray(symbols) || symbols.length === 0 || !symbols.every((s) => typeof s === 'string' && s.length > 0)) {
    throw invalidValue('WS_LOAD_INVALID_OPTION', 'symbols', 'a non-empty array of symbols', symbols);
  }
  const correlate = o.correlate ?? 'timestamp';
  if (correlate !== 'timestamp' && correlate !== 'id') {
    throw invalidValue('WS_LOAD_INVALID_OPTION', 'correlate', '"timestamp" or "id"', correlate);
  }
  if (o.thresholds !== undefined && !Array.isArray(o.thresholds)) {
    throw invalidValue('WS_LOAD_INVALID_OPTION', 'thresholds', 'an array of strings like "p99<50ms"', o.thresholds);
  }
  return {
    url: o.url,
    mode,
    connections,
    durationUs,
    rampUp,
    arrivalRate: opt('arrivalRate', o.arrivalRate, { min: 0, exclusiveMin: true, max: 1_000_000 }),
    rate: opt('rate', o.rate, { min: 0, exclusiveMin: true, max: 1_000_000 }),
    pipeline: opt('pipeline', o.pipeline, { integer: true, min: 1, max: 10_000 }) ?? 1,
    messageSize: opt('messageSize', o.messageSize, { integer: true, min: 0, max: 16 << 20 }) ?? 0,
    requestFields: requestFields(o.request),
    correlate,
    symbols,
    thresholds: (o.thresholds ?? []).map(parseThreshold),
    workers: opt('workers', o.workers, { integer: true, min: 0, max: 256 }) ?? availableParallelism(),
    shard: o.shard === undefined ? undefined : parseShard(o.shard),
    connectTimeout:
      o.connectTimeout === undefined ? 5_000_000 : duration('connectTimeout', o.connectTimeout, 1_000, 600_000_000),
    drainTimeout: o.drainTimeout === undefined ? 2_000_000 : duration('drainTimeout', o.drainTimeout, 0, 600_000_000),
    maxOutstanding: opt('maxOutstanding', o.maxOutstanding, { integer: true, min: 1 }) ?? 10_000,
  };
}

/**
 * Opens many WebSocket connections to a loopback server, drives traffic for a bounded time and
 * reports connect times, latency percentiles (HDR histogram), throughput, errors and disconnects,
 * checked against thresholds.
 *
 * @example
 * const report = await runLoad({ url: 'ws://127.0.0.1:8080', connections: 100, duration: '10s', thresholds: ['p99<50ms'] });
 * if (!report.passed) process.exitCode = 1;
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const plan = validate(options);
  const all = Array.from({ length: plan.connections }, (_, i) => i);
  const mine = plan.shard
    ? all.filter((i) => i % (plan.shard as LoadShard).count === (plan.shard as LoadShard).index - 1)
    : all;
  const threads = Math.min(plan.workers, mine.length);
  const shares: number[][] = threads === 0 ? [mine] : Array.from({ length: threads }, () => []);
  if (threads > 0) {
    for (let k = 0; k < mine.length; k++) (shares[k % threads] as number[]).push(mine[k] as number);
  }

  const base = (startAt: number, indices: number[]): DriverPlan => ({
    url: plan.url,
    mode: plan.mode,
    total: plan.connections,
    indices,
    startAt,
    endAt: startAt + plan.durationUs,
    rampUp: plan.rampUp,
    arrivalRate: plan.arrivalRate,
    rate: plan.rate,
    pipeline: plan.pipeline,
    messageSize: plan.messageSize,
    requestFields: plan.requestFields,
    correlate: plan.correlate,
    symbols: plan.symbols,
    connectTimeout: plan.connectTimeout,
    drainTimeout: plan.drainTimeout,
    maxOutstanding: plan.maxOutstanding,
  });

  const latest: DriverCounts[] = shares.map(() => ({
    connectAttempts: 0,
    connected: 0,
    disconnects: 0,
    sent: 0,
    received: 0,
    errors: {},
  }));
  let startAt = 0;
  const progress = (k: number, c: DriverCounts) => {
    latest[k] = c;
    if (!options.onProgress) return;
    let connected = 0;
    let sent = 0;
    let received = 0;
    let errors = 0;
    for (const l of latest) {
      connected += l.connected - l.disconnects;
      sent += l.sent;
      received += l.received;
      for (const v of Object.values(l.errors)) errors += v ?? 0;
    }
    options.onProgress({
      elapsedUs: Math.max(0, RealClock.wallMicros() - startAt),
      durationUs: plan.durationUs,
      connected,
      sent,
      received,
      errors,
    });
  };

  let results: DriverResult[];
  if (threads === 0) {
    await initHistograms();
    startAt = RealClock.wallMicros();
    results = [await driveConnections(base(startAt, mine), (c) => progress(0, { ...c, errors: { ...c.errors } }))];
  } else {
    const workers = shares.map(() => spawnLoadWorker());
    try {
      await Promise.all(workers.map((w) => nextMessage(w, 'ready')));
      // Every thread shares one start time, so the ramp-up schedule is global.
      startAt = RealClock.wallMicros() + 20_000;
      results = await Promise.all(
        workers.map(
          (w, k) =>
            new Promise<DriverResult>((resolve, reject) => {
              w.on('message', (m: WorkerMessage) => {
                if (m.kind === 'progress') progress(k, m.counts);
                else if (m.kind === 'result') resolve(m.result as DriverResult);
                else if (m.kind === 'error')
                  reject(new TradeKitError('WS_LOAD_WORKER_FAILED', `A load worker failed: ${m.message}`));
              });
              w.once('error', (e) =>
                reject(new TradeKitError('WS_LOAD_WORKER_FAILED', `A load worker crashed: ${e.message}`, { cause: e })),
              );
              w.once('exit', (code) =>
                reject(new TradeKitError('WS_LOAD_WORKER_FAILED', `A load worker exited early with code ${code}.`)),
              );
              w.postMessage(base(startAt, shares[k] as number[]));
            }),
        ),
      );
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  }
  const elapsedUs = RealClock.wallMicros() - startAt;
  return buildReport(
    {
      url: plan.url,
      mode: plan.mode,
      connections: mine.length,
      durationUs: plan.durationUs,
      rate: plan.rate ?? null,
      shards: plan.shard ? [plan.shard] : [],
      workers: threads,
      startedAt: microsToIso(startAt),
      elapsedUs,
      thresholds: plan.thresholds,
      allowErrors: options.allowErrors === true,
      allowEmpty: options.allowEmpty === true,
    },
    results,
  );
}

function nextMessage(w: Worker, kind: WorkerMessage['kind']): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: WorkerMessage) => {
      if (m.kind === kind) {
        w.off('message', onMessage);
        w.off('error', onError);
        resolve();
      }
    };
    const onError = (e: Error) =>
      reject(new TradeKitError('WS_LOAD_WORKER_FAILED', `A load worker failed to start: ${e.message}`, { cause: e }));
    w.on('message', onMessage);
    w.once('error', onError);
  });
}

declare const __filename: string | undefined;

/** This module's own file: the built bundle, or the TypeScript source under a test runner or tsx. */
function ownFile(): string {
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

function spawnLoadWorker(): Worker {
  const here = ownFile();
  const workerData = { tradekitLoadWorker: true };
  if (here.endsWith('.ts')) {
    // Running from sources (vitest, tsx): load the TypeScript worker through tsx.
    let api: string;
    try {
      api = join(dirname(createRequire(here).resolve('tsx/package.json')), 'dist/esm/api/index.mjs');
    } catch (err) {
      throw new TradeKitError(
        'WS_LOAD_WORKER_FAILED',
        'Running the load driver from TypeScript sources needs `tsx` to start worker threads. Install tsx, use the built package, or set `workers: 0`.',
        { cause: err },
      );
    }
    const worker = pathToFileURL(join(dirname(here), 'worker.ts')).href;
    const code = `import(${JSON.stringify(pathToFileURL(api).href)}).then((m) => { m.register(); return import(${JSON.stringify(worker)}); })`;
    return new Worker(code, { eval: true, workerData });
  }
  return new Worker(join(dirname(here), here.endsWith('.cjs') ? 'load-worker.cjs' : 'load-worker.js'), { workerData });
}
