/**
 * The venue under load, in its own process (started by bench/run.ts over IPC): real clock, MNQ
 * quotes every `QUOTE_MS` (alternating a tick), a finite source of `N_QUOTES` that starts on `go`,
 * `N_ACCOUNTS` accounts each with its own user and key, `projectx.fanoutSlice = SLICE`.
 * Sends `{ type: 'ready', url }`, `{ type: 'sourceDone' }` after the last quote, and on `stop` its
 * stats (CPU per pushed frame, event-loop delay, pushes, fan-out counters).
 */
import { createHistogram } from 'node:perf_hooks';
import type { MarketEvent } from '@tradekit/types';
import { createVenue } from '../src/index.js';
import { childChannel, loopDelay } from './hub-client.js';

const accounts = Number(process.env.N_ACCOUNTS ?? 100);
const quoteMs = Number(process.env.QUOTE_MS ?? 100);
const nQuotes = Number(process.env.N_QUOTES ?? 100);
const slice = Number(process.env.SLICE ?? 256);

let go: () => void = () => {};
const started = new Promise<void>((r) => {
  go = r;
});
// CPU time of the venue process from go to stop: per pushed frame it measures the server's
// efficiency even when the shared machine is contended (wall-time latencies are not).
let cpuAtGo: NodeJS.CpuUsage | undefined;
const lag = loopDelay();

const send = childChannel<{ type: 'go' | 'stop' }>((m) => {
  if (m.type === 'go') {
    cpuAtGo ??= process.cpuUsage();
    lag.reset();
    turnWall.reset();
    turnCpu.reset();
    go();
  } else if (m.type === 'stop') void stop();
});

async function* quotes(): AsyncGenerator<MarketEvent> {
  await started;
  for (let i = 0; i < nQuotes; i++) {
    const bid = 20000 + (i % 2) * 0.25;
    yield { type: 'quote', symbol: 'MNQ', ts: i * quoteMs * 1000, bid, bidSize: 50, ask: bid + 0.25, askSize: 50 };
  }
  send({ type: 'sourceDone' });
}

const venue = await createVenue({
  instruments: [{ symbol: 'MNQ', tickSize: 0.25, multiplier: 2, contractId: 'CON.F.US.MNQ.U25' }],
  source: quotes(),
  clock: 'real',
  accounts: Array.from({ length: accounts }, (_, i) => ({ id: i + 1, userName: `u${i + 1}`, apiKey: `k${i + 1}` })),
  projectx: { quoteHeartbeat: 0, fanoutSlice: slice },
  json: false,
});
// FANOUT=ws-send: market-hub pushes through ws.send per socket (the way before shared frames).
if (process.env.FANOUT === 'ws-send' && venue.projectx) venue.projectx.sharedFrames = false;
// Each fan-out turn (one call of the private pump: up to SLICE socket writes) timed in wall and CPU
// time: the longest a push holds the venue's event loop, the figure slicing is meant to bound.
const turnWall = createHistogram();
const turnCpu = createHistogram();
const fan = venue.projectx?.fanout as unknown as { pump: () => void } | undefined;
if (fan !== undefined) {
  const pump = fan.pump;
  fan.pump = function (this: unknown) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    pump.call(this);
    turnWall.record(Math.max(1, Math.round((performance.now() - t0) * 1000)));
    const c = process.cpuUsage(c0);
    turnCpu.record(Math.max(1, c.user + c.system));
  };
}
send({ type: 'ready', url: venue.url });

async function stop(): Promise<void> {
  const px = venue.projectx;
  const pushed = px?.pushed ?? {};
  const cpu = process.cpuUsage(cpuAtGo);
  const frames = Object.values(pushed).reduce((a, b) => a + b, 0);
  send({
    type: 'stats',
    stats: {
      pushed,
      frames,
      cpuUserMs: Math.round(cpu.user / 1000),
      cpuSystemMs: Math.round(cpu.system / 1000),
      cpuUsPerFrame: frames > 0 ? Number(((cpu.user + cpu.system) / frames).toFixed(2)) : null,
      slowConsumersCut: px?.slowConsumersCut ?? 0,
      overloads: px?.fanout.overloads ?? 0,
      overloadCut: px?.fanout.overloadCut ?? 0,
      maxPendingWrites: px?.fanout.maxPendingSeen ?? 0,
      orders: venue.exchange.getOrders().length,
      loopDelayMs: lag.read(),
      turns: turnWall.count,
      turnWallMs: {
        p50: turnWall.percentile(50) / 1000,
        p99: turnWall.percentile(99) / 1000,
        max: turnWall.max / 1000,
      },
      turnCpuMs: { p50: turnCpu.percentile(50) / 1000, p99: turnCpu.percentile(99) / 1000, max: turnCpu.max / 1000 },
    },
  });
  await venue.close();
  process.exit(0);
}
