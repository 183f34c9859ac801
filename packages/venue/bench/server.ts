/**
 * The venue under load, in its own process: real clock, MNQ quotes every `QUOTE_MS` (alternating a
 * tick), `N_ACCOUNTS` accounts each with its own user and key. Prints `READY <url>` and serves until
 * stdin closes.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MarketEvent } from '@tradekit/types';
import { createVenue } from '../src/index.js';

const accounts = Number(process.env.N_ACCOUNTS ?? 100);
const quoteMs = Number(process.env.QUOTE_MS ?? 50);
const seconds = Number(process.env.SECONDS ?? 120);

// The market starts when the bench says GO (after every client is connected and subscribed).
let go: () => void = () => {};
const started = new Promise<void>((r) => {
  go = r;
});
let input = '';
// CPU time of the venue process from GO to the end: per pushed frame it measures the server's
// efficiency even when the shared machine is contended (wall-time latencies are not).
let cpuAtGo: NodeJS.CpuUsage | undefined;
process.stdin.on('data', (d) => {
  input += d.toString();
  if (input.includes('GO')) {
    cpuAtGo ??= process.cpuUsage();
    go();
  }
});

async function* quotes(): AsyncGenerator<MarketEvent> {
  await started;
  const n = Math.ceil((seconds * 1000) / quoteMs);
  for (let i = 0; i < n; i++) {
    const bid = 20000 + (i % 2) * 0.25;
    yield { type: 'quote', symbol: 'MNQ', ts: i * quoteMs * 1000, bid, bidSize: 50, ask: bid + 0.25, askSize: 50 };
  }
}

const venue = await createVenue({
  instruments: [{ symbol: 'MNQ', tickSize: 0.25, multiplier: 2, contractId: 'CON.F.US.MNQ.U25' }],
  source: quotes(),
  clock: 'real',
  accounts: Array.from({ length: accounts }, (_, i) => ({ id: i + 1, userName: `u${i + 1}`, apiKey: `k${i + 1}` })),
  projectx: { quoteHeartbeat: 0 },
  json: false,
});
// FANOUT=ws-send: market-hub pushes through ws.send per socket (the way before shared frames).
if (process.env.FANOUT === 'ws-send' && venue.projectx) venue.projectx.sharedFrames = false;
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
process.stdout.write(`READY ${venue.url}\n`);
const stop = async () => {
  const pushed = venue.projectx?.pushed ?? {};
  const cpu = process.cpuUsage(cpuAtGo);
  const frames = Object.values(pushed).reduce((a, b) => a + b, 0);
  const slowCut = venue.projectx?.slowConsumersCut ?? 0;
  process.stdout.write(
    `STATS ${JSON.stringify({ pushed, cpuUserMs: Math.round(cpu.user / 1000), cpuSystemMs: Math.round(cpu.system / 1000), cpuUsPerFrame: frames > 0 ? Number(((cpu.user + cpu.system) / frames).toFixed(2)) : null, slowCut, orders: venue.exchange.getOrders().length, events: venue.core.eventsApplied, loopLagP50ms: lag.percentile(50) / 1e6, loopLagP99ms: lag.percentile(99) / 1e6, loopLagMaxMs: lag.max / 1e6 })}\n`,
  );
  await venue.close();
  process.exit(0);
};
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();
