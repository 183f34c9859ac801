/**
 * The venue of the Binance load bench, in its own process (started by binance-load.ts): the
 * Binance profile on the real clock, a two-symbol L2 market paced to wall time (a diff of each book
 * every DIFF_MS), one account and API key per trader.
 *
 * Protocol (stdout lines `TAG {json}`, commands on stdin):
 *   → READY {url}
 *   ← MARK0        → MARK0 {lastUpdateId, depthFrames}            start of the measurement window
 *   ← STOP         → MARK1 {lastUpdateId, depthFrames, books, …}  the market stops (the source ends),
 *                                                                 so every book can converge on it
 *   stdin end → closes and exits.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MarketEvent } from '@tradekit/types';
import { createLatencyRecorder } from '@tradekit/ws-tester';
import { createVenue } from '../src/index.js';
import { l2Market } from '../test/binance/market.js';
import { IDS, commands, emit, within } from './binance-common.js';

const traders = Number(process.env.TRADERS ?? 50);
const seconds = Number(process.env.MARKET_SECONDS ?? 3600);
const diffMs = Number(process.env.DIFF_MS ?? 50);
const fanoutSlice = process.env.FANOUT_SLICE === undefined ? undefined : Number(process.env.FANOUT_SLICE);

// The market: a finite recorded source, cut short when the bench says STOP (the paced pump reads
// the next event only after applying the previous one, so once this generator has returned, every
// event it yielded has been applied and no depth update follows).
const events = l2Market(
  [
    { symbol: 'BTCUSDT', mid: 60000 },
    { symbol: 'ETHUSDT', mid: 3000 },
  ],
  seconds,
  7,
  diffMs * 1000,
);
let stopRequested = false;
let sourceEnded: () => void = () => undefined;
const ended = new Promise<void>((r) => {
  sourceEnded = r;
});
async function* source(): AsyncGenerator<MarketEvent> {
  try {
    for (const e of events) {
      if (stopRequested) return;
      yield e;
    }
  } finally {
    sourceEnded();
  }
}

const venue = await createVenue({
  instruments: [
    { symbol: 'BTCUSDT', tickSize: 0.1, lotSize: 0.001, currency: 'USDT' },
    { symbol: 'ETHUSDT', tickSize: 0.1, lotSize: 0.001, currency: 'USDT' },
  ],
  source: source(),
  clock: 'real',
  accounts: Array.from({ length: traders }, (_, i) => ({ id: i + 1, userName: `u${i + 1}`, apiKey: `k${i + 1}` })),
  binance: {
    rateLimit: false,
    keys: Array.from({ length: traders }, (_, i) => ({ apiKey: `k${i + 1}`, secret: `s${i + 1}` })),
    ...(fanoutSlice !== undefined ? { fanoutSlice } : {}),
  },
  projectx: false,
  json: false,
});
const b = venue.binance;
if (b === undefined) throw new Error('the venue has no Binance profile');

// Depth frames emitted per symbol, and the fan-out's cost, measured by wrapping this instance's
// depth hook (the event and, when sliced, the first slice) and its slice writer (later slices):
// the wall time each piece of fan-out work held the event loop, and its CPU time (which a loaded
// machine does not inflate the way it inflates wall time).
const depthFrames = [0, 0];
const fanout = await createLatencyRecorder(); // wall µs per piece of fan-out work (one turn)
const fanoutCpu = await createLatencyRecorder(); // CPU µs per piece
let fanoutCpuTotal = 0;
let measuring = false;
const pacingLate = await createLatencyRecorder(); // µs the venue applied a depth update after its due time
const streams = b.streams;
const timed = (f: () => void) => {
  if (!measuring) return f();
  const c = process.cpuUsage();
  const t = performance.now();
  f();
  fanout.record(Math.round((performance.now() - t) * 1000));
  const u = process.cpuUsage(c);
  fanoutCpu.record(u.user + u.system);
  fanoutCpuTotal += u.user + u.system;
};
const onDepth = streams.onDepth.bind(streams);
streams.onDepth = (m, d, ts) => {
  const s = IDS.indexOf(m.id as (typeof IDS)[number]);
  if (s >= 0) depthFrames[s] = (depthFrames[s] as number) + 1;
  // How late the venue applies each depth update against its market's schedule (its `E`).
  if (measuring) pacingLate.record(Math.max(0, Math.round((performance.timeOrigin + performance.now()) * 1000 - ts)));
  timed(() => onDepth(m, d, ts));
};
// The slice writer is private: reached here (bench only) to time the slices written on later turns.
const sliced = streams as unknown as { drain(later: boolean): void };
const drain = sliced.drain.bind(streams);
sliced.drain = (later) => (later ? timed(() => drain(later)) : drain(later));

const lastIds = () => IDS.map((id) => b.books.get(id)?.lastUpdateId ?? 0);
const lag = monitorEventLoopDelay({ resolution: 10 });
let cpu0: NodeJS.CpuUsage | undefined;
let t0 = 0;
let sent0 = 0;
let sliced0 = 0;
// Where a backlog sits, sampled every 100 ms in the window: frames the sliced fan-out still holds,
// and bytes the market sockets have not yet handed to the kernel (a client that reads slowly).
const internals = streams as unknown as {
  queue: unknown[];
  head: number;
  conns: Set<{ socket: { bufferedAmount: number } }>;
};
const queued = await createLatencyRecorder();
const unsentKB = await createLatencyRecorder();
const sampler = setInterval(() => {
  if (!measuring) return;
  // +1: the HDR recorder's floor is 1, so an empty queue is recorded as 1 and shown as 0.
  queued.record((internals.queue.length - internals.head) / 2 + 1);
  let bytes = 0;
  for (const c of internals.conns) bytes += c.socket.bufferedAmount;
  unsentKB.record(Math.round(bytes / 1024) + 1);
}, 100);
sampler.unref();

emit('READY', { url: venue.url });
commands(
  (tag) => {
    if (tag === 'MARK0') {
      measuring = true;
      lag.enable();
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      sent0 = streams.sent.market;
      sliced0 = streams.sliced.frames;
      emit('MARK0', { lastUpdateId: lastIds(), depthFrames: [...depthFrames] });
    } else if (tag === 'STOP') {
      stopRequested = true;
      within(ended, 30_000, 'the market source to stop').then(
        () => {
          measuring = false;
          lag.disable();
          const cpu = process.cpuUsage(cpu0);
          const books = IDS.map((id) => b.books.get(id)?.snapshot(5000));
          emit('MARK1', {
            lastUpdateId: lastIds(),
            depthFrames: [...depthFrames],
            books,
            seconds: (performance.now() - t0) / 1000,
            cpuMs: Math.round((cpu.user + cpu.system) / 1000),
            framesSent: streams.sent.market - sent0,
            connections: streams.connectionCount,
            depthSubscribers: IDS.map((id) => streams.subscriberCount(`spot:${id.toLowerCase()}@depth`)),
            orders: venue.exchange.getOrders().length,
            loopDelayMs: { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 },
            rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
            fanout: fanout.finish(),
            fanoutCpu: fanoutCpu.finish(),
            fanoutCpuMs: fanoutCpuTotal / 1000,
            fanoutSlice: fanoutSlice ?? 'default',
            slicedFrames: streams.sliced.frames - sliced0,
            pacingLate: pacingLate.finish(),
            queued: queued.finish(),
            unsentKB: unsentKB.finish(),
            pacingError: venue.core.pacingError === undefined ? null : String(venue.core.pacingError),
          });
        },
        (err: Error) => emit('FAIL', { error: err.message }),
      );
    }
  },
  () => {
    void within(venue.close(), 10_000, 'the venue to close').finally(() => process.exit(0));
  },
);
