/**
 * Benchmarks for @tradekit/ws-tester, all on loopback, all bounded. Run with `pnpm bench`.
 *
 * 1. 10,000 concurrent idle connections held by a server in a child process.
 * 2. Messages/s the feed server (child process) delivers to 100 clients, beside a bare `ws`
 *    broadcast loop sending the same frames.
 * 3. Load-driver round trips/s on an echo server in its own process, beside a bare `ws` client loop
 *    doing the same work (the driver also records every latency in an HDR histogram).
 *
 * Environment knobs: BENCH_IDLE (10000), BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_FEED_EVENTS (20000).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { runLoad } from '../src/load/run.js';

const here = dirname(fileURLToPath(import.meta.url));
const IDLE = Number(process.env.BENCH_IDLE ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const FEED_EVENTS = Number(process.env.BENCH_FEED_EVENTS ?? 20_000);
const FEED_CLIENTS = 100;
const ECHO_CONNECTIONS = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Row {
  bench: string;
  name: string;
  value: number;
  unit: string;
  note: string;
}
const rows: Row[] = [];

interface Child {
  proc: ChildProcess;
  port: number;
  request<T>(msg: unknown, until: (m: T) => boolean): Promise<T>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
// A failed run must not leave server processes behind (they would also hold the output pipe open).
process.on('exit', () => {
  for (const c of children) c.kill();
});

async function startServer(mode: string, ...args: string[]): Promise<Child> {
  const proc = fork(join(here, 'servers.ts'), [mode, ...args], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('message', (m: { port: number }) => resolve(m.port));
    proc.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
  return {
    proc,
    port,
    request<T>(msg: unknown, until: (m: T) => boolean) {
      return new Promise<T>((resolve) => {
        const on = (m: T) => {
          if (until(m)) {
            proc.off('message', on);
            resolve(m);
          }
        };
        proc.on('message', on);
        proc.send(msg as object);
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill();
      }),
  };
}

function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.terminate();
        }),
    ),
  );
}

async function benchIdle(): Promise<void> {
  const server = await startServer('idle');
  const url = `ws://127.0.0.1:${server.port}`;
  const sockets: WebSocket[] = [];
  const t0 = performance.now();
  const batch = 500;
  for (let i = 0; i < IDLE; i += batch) {
    const n = Math.min(batch, IDLE - i);
    sockets.push(...(await Promise.all(Array.from({ length: n }, () => connect(url)))));
  }
  const connectS = (performance.now() - t0) / 1000;
  let dropped = 0;
  for (const ws of sockets) ws.once('close', () => dropped++);
  const before = await server.request<{ open: number; rss: number }>({ cmd: 'count' }, (m) => 'open' in m);
  // Hold them: the figure that matters is that none is lost while idle.
  await new Promise((r) => setTimeout(r, 3_000));
  const after = await server.request<{ open: number; rss: number }>({ cmd: 'count' }, (m) => 'open' in m);
  rows.push({
    bench: 'idle',
    name: 'connections held (server count after 3 s idle)',
    value: after.open,
    unit: 'conns',
    note: `target ${IDLE}; client saw ${dropped} drops`,
  });
  rows.push({
    bench: 'idle',
    name: 'connect rate (batches of 500)',
    value: IDLE / connectS,
    unit: 'conns/s',
    note: `${IDLE} in ${connectS.toFixed(2)} s`,
  });
  rows.push({
    bench: 'idle',
    name: 'server RSS per connection',
    value: after.rss / Math.max(1, after.open) / 1024,
    unit: 'KiB',
    note: `server RSS ${(after.rss / 2 ** 20).toFixed(0)} MiB; count before hold ${before.open}`,
  });
  await closeAll(sockets);
  await server.stop();
}

async function feedRun(mode: 'feed' | 'broadcast'): Promise<{ rate: number; perClient: number[] }> {
  const server = await startServer(mode, String(FEED_EVENTS));
  const url = `ws://127.0.0.1:${server.port}`;
  const counts = new Array<number>(FEED_CLIENTS).fill(0);
  const sockets: WebSocket[] = [];
  let ended = 0;
  let resolveAll!: () => void;
  const allEnded = new Promise<void>((r) => {
    resolveAll = r;
  });
  for (let k = 0; k < FEED_CLIENTS; k++) {
    const ws = await connect(url);
    sockets.push(ws);
    ws.on('message', (data: Buffer) => {
      // Byte 7 of '{"op":"update"…' vs '{"op":"end"…' tells them apart without parsing.
      if (data[7] === 0x75) counts[k] = (counts[k] as number) + 1;
      else if (data[7] === 0x65 && ++ended === FEED_CLIENTS) resolveAll();
    });
    if (mode === 'feed') ws.send(JSON.stringify({ op: 'subscribe', symbols: ['MNQ', 'ES', 'NQ', 'CL'] }));
  }
  if (mode === 'feed')
    await server.request<{ stats: { subscriptions: number } }>(
      { cmd: 'count' },
      (m) => m.stats?.subscriptions === FEED_CLIENTS * 4,
    );
  else await server.request<{ clients: number }>({ cmd: 'count' }, (m) => m.clients === FEED_CLIENTS);
  const t0 = performance.now();
  server.proc.send({ cmd: 'start' });
  await allEnded;
  const s = (performance.now() - t0) / 1000;
  const total = counts.reduce((a, b) => a + b, 0);
  await closeAll(sockets);
  await server.stop();
  return { rate: total / s, perClient: counts };
}

async function benchFeed(): Promise<void> {
  const feed = await feedRun('feed');
  const bare = await feedRun('broadcast');
  const complete = feed.perClient.every((c) => c === FEED_EVENTS);
  rows.push({
    bench: 'feed',
    name: `feed server → ${FEED_CLIENTS} clients (snapshot+seq protocol)`,
    value: feed.rate,
    unit: 'msg/s',
    note: `${FEED_EVENTS} events each; every client got all: ${complete}`,
  });
  rows.push({
    bench: 'feed',
    name: `bare ws broadcast → ${FEED_CLIENTS} clients (baseline)`,
    value: bare.rate,
    unit: 'msg/s',
    note: `feed at ${((feed.rate / bare.rate) * 100).toFixed(0)}% of bare`,
  });
}

/** A bare ws closed loop: C connections, each sends the next request when the echo comes back. */
async function bareLoop(url: string, seconds: number): Promise<number> {
  const sockets = await Promise.all(Array.from({ length: ECHO_CONNECTIONS }, () => connect(url)));
  let count = 0;
  let running = true;
  // Same frame size as the driver's `{"id":…,"t":…}` requests.
  const frame = `{"id":1000,"t":${Date.now() * 1000}}`;
  const t0 = performance.now();
  for (const ws of sockets) {
    ws.on('message', () => {
      count++;
      if (running) ws.send(frame);
    });
    ws.send(frame);
  }
  await new Promise((r) => setTimeout(r, seconds * 1000));
  running = false;
  const rate = count / ((performance.now() - t0) / 1000);
  await closeAll(sockets);
  return rate;
}

async function benchEcho(): Promise<void> {
  const server = await startServer('echo');
  const url = `ws://127.0.0.1:${server.port}`;
  // Warm both paths up (JIT, TCP) before measuring.
  await bareLoop(url, 1);
  await runLoad({ url, connections: ECHO_CONNECTIONS, duration: '1s', workers: 0 });
  // Interleaved rounds, medians: the machine is shared, so a single pass is at the mercy of neighbours.
  const bare: number[] = [];
  const d0: Awaited<ReturnType<typeof runLoad>>[] = [];
  const d1: Awaited<ReturnType<typeof runLoad>>[] = [];
  // Client-side CPU µs per round trip: robust to neighbours stealing the CPU, unlike rates.
  const cpu = { bare: [] as number[], d0: [] as number[], d1: [] as number[] };
  const cpuOf = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
    const before = process.cpuUsage();
    const r = await f();
    const used = process.cpuUsage(before);
    return [r, used.user + used.system];
  };
  for (let round = 0; round < ROUNDS; round++) {
    const [b, cb] = await cpuOf(() => bareLoop(url, SECONDS));
    bare.push(b);
    cpu.bare.push(cb / (b * SECONDS));
    const [r0, c0] = await cpuOf(() =>
      runLoad({ url, connections: ECHO_CONNECTIONS, duration: SECONDS * 1e6, workers: 0 }),
    );
    d0.push(r0);
    cpu.d0.push(c0 / r0.latency.count);
    const [r1, c1] = await cpuOf(() =>
      runLoad({ url, connections: ECHO_CONNECTIONS, duration: SECONDS * 1e6, workers: 1 }),
    );
    d1.push(r1);
    cpu.d1.push(c1 / r1.latency.count);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  // Round trips per second, counted as latencies recorded (every one is in the histogram).
  const rate = (r: (typeof d0)[number]) => r.latency.count / SECONDS;
  const bareMed = median(bare);
  const cpuBare = median(cpu.bare);
  rows.push({
    bench: 'echo',
    name: `bare ws client loop, ${ECHO_CONNECTIONS} conns (baseline)`,
    value: bareMed,
    unit: 'rt/s',
    note: `median of ${ROUNDS}: ${bare.map((x) => x.toFixed(0)).join(' / ')}; client CPU ${cpuBare.toFixed(1)} µs/rt`,
  });
  for (const [name, runs, cpuRuns] of [
    ['runLoad, main thread (workers: 0)', d0, cpu.d0],
    ['runLoad, 1 worker thread', d1, cpu.d1],
  ] as const) {
    const cpuMed = median(cpuRuns);
    const rates = runs.map(rate);
    const med = median(rates);
    const r = runs[rates.indexOf(med)] as (typeof d0)[number];
    rows.push({
      bench: 'echo',
      name,
      value: med,
      unit: 'rt/s',
      note: `${((med / bareMed) * 100).toFixed(0)}% of bare (per round: ${rates.map((x, i) => `${((x / (bare[i] as number)) * 100).toFixed(0)}%`).join(' / ')}); every latency recorded: ${runs.every((x) => x.latency.count === x.messages.received)}; p50 ${r.latency.p50} µs p99 ${r.latency.p99} µs; errors ${r.errors.total}; client CPU ${cpuMed.toFixed(1)} µs/rt = ${((cpuBare / cpuMed) * 100).toFixed(0)}% of bare's rt per CPU-second${runs === d1 ? ' (incl. thread start-up)' : ''}`,
    });
  }
  await server.stop();
}

async function main(): Promise<void> {
  const only = process.argv[2];
  if (!only || only === 'idle') await benchIdle();
  if (!only || only === 'feed') await benchFeed();
  if (!only || only === 'echo') await benchEcho();
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`\n@tradekit/ws-tester benchmarks (loopback, Node ${process.version})\n`);
  for (const r of rows) {
    const v = r.value >= 100 ? Math.round(r.value).toLocaleString('en-US') : r.value.toFixed(2);
    console.log(`${r.bench.padEnd(5)} ${r.name.padEnd(width)}  ${v.padStart(12)} ${r.unit.padEnd(7)} ${r.note}`);
  }
  const out = join(here, '..', 'bench-results');
  mkdirSync(out, { recursive: true });
  const json = JSON.stringify({ package: '@tradekit/ws-tester', node: process.version, rows });
  writeFileSync(join(out, 'ws-tester.json'), `${json}\n`);
  console.log(json);
}

void main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
