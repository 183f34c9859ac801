// biome-ignore-all lint/suspicious/noExplicitAny: the children's reports are parsed JSON
/**
 * Binance-profile load bench (issue 23): CLIENTS unmodified ccxt.pro `binance` clients watch the
 * order books of 2 symbols while TRADERS of them trade at a total RATE orders/s.
 *
 *   pnpm bench:binance                                   # 500 clients, 50 traders, 100 orders/s, 20 s
 *   CLIENTS=60 TRADERS=10 RATE=20 SECONDS=5 pnpm bench:binance
 *
 * Processes (so that no side's CPU load distorts another's timing): the venue; the traders (the
 * TRADERS clients that trade, all the order timing); WATCHER_PROCS processes sharing the other
 * clients. Setup: each process connects its clients in batches of BATCH; each batch's books must
 * sync (REST snapshot + buffered diffs, ccxt's own sync) within BATCH_TIMEOUT ms.
 *
 * Orders, open loop: order n is due at start + n/RATE s; trader n mod TRADERS sends a limit buy far
 * below the book (createOrder, it rests) and cancels it CANCEL_AFTER_MS after its due time
 * (cancelOrder). RATE counts createOrder calls; the cancels come on top. Timed:
 *   - createOrder call → its REST answer (the promise ccxt returns resolves), and due time → answer;
 *   - createOrder call → the order's executionReport on the trader's watchOrders (WebSocket API);
 *   - cancelOrder call → its REST answer; GET /api/v3/ping under the same load (the HTTP floor).
 * Book updates, counted exactly by update id: the venue numbers every changed level, and each
 * client's book applies ids U..u of each frame. The window's ids (from, to] are those the venue
 * emitted between MARK0 (before the orders start) and the end of its market (stopped after the
 * orders, so every book can reach the last id); each client counts the ids its two books applied
 * in that window. After the market stops, every ccxt book is compared with the venue's.
 *
 * Other knobs: WATCHER_PROCS (2), BATCH (25), BATCH_TIMEOUT (60000), DIFF_MS (50: a diff of each
 * book every 50 ms), CANCEL_AFTER_MS (250), END_TIMEOUT (60000: for every book to reach the last
 * id), WARM_TIMEOUT (180000: the traders' warm-up, after every process synced), FANOUT_SLICE (the
 * venue's binance.fanoutSlice; unset: its default), LABEL (printed).
 *
 * The run fails (exit 1) when anything measured nothing, a batch did not sync in time, a book did
 * not apply every id the venue emitted in the window, a book differs from the venue's, or an order
 * request failed. Each of those is reported first. Every wait is bounded; the children are killed
 * when this process exits, fails or is interrupted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type LatencySummary, mergeHistograms } from '@tradekit/ws-tester';
import { readFileSync } from 'node:fs';
import { IDS, within } from './binance-common.js';

// ccxt's own `version` constant lags its package (4.5.84 reports 4.5.83); the manifest is the truth.
const CCXT_VERSION: string = JSON.parse(
  readFileSync(new URL('../node_modules/ccxt/package.json', import.meta.url), 'utf8'),
).version;
const CLIENTS = Number(process.env.CLIENTS ?? 500);
const TRADERS = Math.min(CLIENTS, Number(process.env.TRADERS ?? 50));
const RATE = Number(process.env.RATE ?? 100);
const SECONDS = Number(process.env.SECONDS ?? 20);
const WATCHER_PROCS = Math.max(1, Number(process.env.WATCHER_PROCS ?? 2));
const BATCH = Number(process.env.BATCH ?? 25);
const BATCH_TIMEOUT = Number(process.env.BATCH_TIMEOUT ?? 60_000);
const DIFF_MS = Number(process.env.DIFF_MS ?? 50);
const CANCEL_AFTER_MS = Number(process.env.CANCEL_AFTER_MS ?? 250);
const LABEL = process.env.LABEL ?? '';
/** The venue's binance.fanoutSlice (unset: its default). */
const FANOUT_SLICE = process.env.FANOUT_SLICE;

/** A child process speaking the line protocol, killed when this process goes. */
class Child {
  readonly proc: ChildProcess;
  private readonly got = new Map<string, any>();
  private readonly waiting = new Map<string, (body: any) => void>();
  private exited: string | undefined;
  private readonly onExit: Array<(why: string) => void> = [];

  constructor(
    readonly name: string,
    script: string,
    env: Record<string, string>,
    private readonly onProgress?: (body: any) => void,
  ) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url))], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(this);
    readline.createInterface({ input: this.proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const sp = line.indexOf(' ');
      if (sp < 0) return;
      const tag = line.slice(0, sp);
      let body: any;
      try {
        body = JSON.parse(line.slice(sp + 1));
      } catch {
        return; // not a protocol line
      }
      if (tag === 'PROGRESS') this.onProgress?.(body);
      if (tag === 'FAIL') {
        this.exited = `${this.name} failed: ${body.error}`;
        for (const f of this.onExit) f(this.exited);
        return;
      }
      this.got.set(tag, body);
      this.waiting.get(tag)?.(body);
    });
    this.proc.on('exit', (code, signal) => {
      this.exited ??= `${this.name} exited (${signal ?? `code ${code}`})`;
      for (const f of this.onExit) f(this.exited);
    });
  }

  /** The next `tag` line's body, within `ms`. */
  wait(tag: string, ms: number, what: string): Promise<any> {
    const p = new Promise<any>((resolve, reject) => {
      if (this.got.has(tag)) {
        resolve(this.got.get(tag));
        return;
      }
      if (this.exited !== undefined) {
        reject(new Error(`${this.exited} before ${what}`));
        return;
      }
      this.waiting.set(tag, resolve);
      this.onExit.push((why) => reject(new Error(`${why} before ${what}`)));
    });
    return within(p, ms, `${this.name}: ${what}`);
  }

  send(tag: string, body: unknown = {}): void {
    this.proc.stdin?.write(`${tag} ${JSON.stringify(body)}\n`);
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill();
  }
}

const children: Child[] = [];
const killAll = () => {
  for (const c of children) c.kill();
};
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(sig, () => {
    console.error(`\n${sig}: stopping the bench and its processes`);
    killAll();
    process.exit(130);
  });
const abort = (err: unknown) => {
  console.error(`binance load bench FAILED: ${err instanceof Error ? err.message : String(err)}`);
  killAll();
  process.exit(1);
};
process.on('uncaughtException', abort);
process.on('unhandledRejection', abort);

// ───────── the venue ─────────
const t0 = performance.now();
const venue = new Child('venue', './binance-server.ts', {
  TRADERS: String(TRADERS),
  DIFF_MS: String(DIFF_MS),
  // Long enough for the slowest allowed setup plus the run; the bench stops it after the orders.
  ...(FANOUT_SLICE !== undefined ? { FANOUT_SLICE } : {}),
  MARKET_SECONDS: String(Math.ceil((CLIENTS / BATCH + 2) * (BATCH_TIMEOUT / 1000) + SECONDS + 300)),
});
const { url } = await venue.wait('READY', 120_000, 'listening');
const venueStartS = (performance.now() - t0) / 1000;
const t1 = performance.now();

// ───────── the clients ─────────
const watchers = CLIENTS - TRADERS;
const procs = Math.min(WATCHER_PROCS, Math.max(1, watchers));
const common = {
  VENUE_URL: url,
  BATCH: String(BATCH),
  BATCH_TIMEOUT: String(BATCH_TIMEOUT),
  RATE: String(RATE),
  SECONDS: String(SECONDS),
  CANCEL_AFTER_MS: String(CANCEL_AFTER_MS),
};
const synced = new Map<string, number>();
const progress = (name: string) => (b: any) => {
  synced.set(name, b.synced);
  const n = [...synced.values()].reduce((a, x) => a + x, 0);
  if (b.synced % 100 === 0 || b.synced === b.of) console.error(`  setup: ${n} of ${CLIENTS} clients synced`);
};
const traders = new Child(
  'traders',
  './binance-clients.ts',
  { ...common, COUNT: String(TRADERS), TRADE: '1' },
  progress('traders'),
);
const watcherProcs: Child[] = [];
for (let p = 0, left = watchers; p < procs && watchers > 0; p++) {
  const n = Math.ceil(left / (procs - p));
  left -= n;
  const name = `watchers${p + 1}`;
  watcherProcs.push(new Child(name, './binance-clients.ts', { ...common, COUNT: String(n) }, progress(name)));
}
const clientProcs = [traders, ...watcherProcs];
// Each batch has its own bound inside the child; this one only catches a child that hangs outside it.
const setupBound = (Math.ceil(CLIENTS / BATCH) + 4) * BATCH_TIMEOUT;
const setups = await Promise.all(clientProcs.map((c) => c.wait('SYNCED', setupBound, 'every book synced')));
const setupS = (performance.now() - t1) / 1000;
traders.send('WARM');
const warmed = await traders.wait('WARMED', 240_000, "the traders' warm-up orders");

// ───────── the window ─────────
venue.send('MARK0');
const m0 = await venue.wait('MARK0', 30_000, 'the window start');
for (const c of clientProcs) c.send('GO');
const traded = await traders.wait('TRADED', (SECONDS + 120) * 1000, 'the order schedule to finish');
venue.send('STOP');
const m1 = await venue.wait('MARK1', 60_000, 'the market to stop');
const from: number[] = m0.lastUpdateId;
const to: number[] = m1.lastUpdateId;
for (const c of clientProcs) c.send('END', { from, to, books: m1.books });
const stats = await Promise.all(clientProcs.map((c) => c.wait('STATS', 120_000, 'the delivery count')));
venue.proc.stdin?.end();
await within(
  new Promise((r) => (venue.proc.exitCode !== null ? r(undefined) : venue.proc.on('exit', r))),
  15_000,
  'the venue to exit',
).catch(() => venue.kill());

// ───────── the report ─────────
const emitted = IDS.map((_, s) => (to[s] as number) - (from[s] as number));
const framesEmitted: number[] = IDS.map((_, s) => m1.depthFrames[s] - m0.depthFrames[s]);
const framesEmittedAll = framesEmitted.reduce((a, b) => a + b, 0);
const sum = (f: (x: any) => number) => stats.reduce((a, x) => a + f(x), 0);
const applied = IDS.map((_, s) => sum((x) => x.applied[s]));
const expected = emitted.map((e) => e * CLIENTS);
const deliveredPct = (100 * (applied[0]! + applied[1]!)) / (expected[0]! + expected[1]!);
const framesApplied = sum((x) => x.framesInWindow[0] + x.framesInWindow[1]);
const windowS: number = m1.seconds;
const ms = (us: number) => (us / 1000).toFixed(2);
const line = (name: string, h: LatencySummary, extra = '') =>
  `  ${name.padEnd(52)} p50 ${ms(h.p50).padStart(8)} ms   p99 ${ms(h.p99).padStart(8)} ms   max ${ms(h.max).padStart(8)} ms   (n ${h.count}${extra})`;
const rest = mergeHistograms([traded.rest]);
const due = mergeHistograms([traded.due]);
const ws = mergeHistograms([traded.ws]);
const cancel = mergeHistograms([traded.cancel]);
const ping = mergeHistograms([traded.ping]);
const late = mergeHistograms([traded.late]);
const age = mergeHistograms(stats.map((x) => x.age));
const fanout = mergeHistograms([m1.fanout]);
const fanoutCpu = mergeHistograms([m1.fanoutCpu]);
const pacingLate = mergeHistograms([m1.pacingLate]);
const queued = mergeHistograms([m1.queued]);
const unsentKB = mergeHistograms([m1.unsentKB]);
// Samples recorded +1 (the HDR floor is 1), shown as taken.
const plain = (name: string, h: LatencySummary, unit: string) =>
  `  ${name.padEnd(52)} p50 ${String(h.p50 - 1).padStart(8)} ${unit}  p99 ${String(h.p99 - 1).padStart(8)} ${unit}  max ${String(h.max - 1).padStart(8)} ${unit}  (n ${h.count})`;
const loop = (name: string, l: any, cpuMs: number, s: number, rss: number) =>
  `${name} ${l.p50.toFixed(1)}/${l.p99.toFixed(1)}/${l.max.toFixed(0)} ms, CPU ${(cpuMs / 1000 / s).toFixed(2)} cores, RSS ${rss} MB`;
const out = [
  `Binance profile load${LABEL ? ` [${LABEL}]` : ''}: ${CLIENTS} unmodified ccxt.pro ${CCXT_VERSION} clients × ${IDS.length} order books; ${TRADERS} of them trade, ${RATE} createOrder/s for ${SECONDS} s (+ a cancelOrder each ${CANCEL_AFTER_MS} ms after); node ${process.version}`,
  `  processes: venue, traders (${TRADERS}), ${watcherProcs.length} watcher process(es) (${watcherProcs.map((_w, i) => stats[i + 1].clients).join(' + ')}); depth diff every ${DIFF_MS} ms per symbol`,
  `  setup: venue up in ${venueStartS.toFixed(1)} s, then ${setupS.toFixed(1)} s until all ${CLIENTS} clients' books synced, batches of ${BATCH} each within ${BATCH_TIMEOUT / 1000} s (per process: ${setups.map((s) => (s.ms / 1000).toFixed(1)).join(', ')} s); traders' warm-up ${(warmed.ms / 1000).toFixed(1)} s, ${warmed.failed} requests failed and retried`,
  'order round trip (open loop, trader process):',
  line('createOrder call → REST answer', rest),
  line('createOrder due time → REST answer', due),
  line(
    'createOrder call → executionReport on watchOrders',
    ws,
    `; ${traded.wsSeen} orders seen, ${traded.created} created`,
  ),
  line('cancelOrder call → REST answer', cancel),
  line('GET /api/v3/ping (loopback HTTP floor, same load)', ping),
  line('scheduler lateness (due → createOrder call)', late),
  `  orders: ${traded.scheduled} scheduled in ${traded.sentSeconds.toFixed(1)} s, ${traded.created} created, ${traded.createFailed} failed; ${traded.cancelled} cancelled, ${traded.cancelFailed} failed; errors ${JSON.stringify(traded.errors)}; pings failed ${traded.pingFailed}; unanswered after 60 s ${traded.unanswered}`,
  `book updates (window ${windowS.toFixed(1)} s, update ids ${from.join('/')} → ${to.join('/')}):`,
  `  venue emitted ${emitted.join(' + ')} update ids in ${framesEmitted.join(' + ')} depth frames (${(framesEmittedAll / windowS).toFixed(1)} frames/s) to ${m1.depthSubscribers.join(' + ')} subscriptions; ${m1.framesSent} market frames sent (${(m1.framesSent / windowS).toFixed(0)}/s)`,
  `  delivered (applied to the ccxt books): ${applied.join(' + ')} of ${expected.join(' + ')} update ids = ${deliveredPct.toFixed(3)} % ; ${framesApplied} frames applied (${(framesApplied / windowS).toFixed(0)}/s); clients short ${sum((x) => x.clientsShort)}, id gaps (resyncs) ${sum((x) => x.gaps[0] + x.gaps[1])}, watch errors ${sum((x) => x.watchErrors)}`,
  `  books equal to the venue's after the market stopped: ${CLIENTS * IDS.length - sum((x) => x.booksMismatched)} of ${CLIENTS * IDS.length}${
    stats.some((x) => x.endError)
      ? `; ${stats
          .map((x) => x.endError)
          .filter(Boolean)
          .join('; ')}`
      : ''
  }`,
  line('depth frame age on arrival (now − E, ms resolution)', age),
  '  where the age comes from:',
  line('  venue applies the update after its due time E', pacingLate),
  plain('  frames held in the venue fan-out queue (sampled)', queued, 'fr'),
  plain('  KiB unsent on all market sockets (sampled)', unsentKB, 'KiB'),
  `  venue fan-out (binance.fanoutSlice ${m1.fanoutSlice}): CPU ${(m1.fanoutCpuMs / Math.max(1, framesEmittedAll)).toFixed(2)} ms per depth update to all subscribers (${((1000 * m1.fanoutCpuMs) / Math.max(1, m1.framesSent)).toFixed(1)} µs per frame); ${m1.slicedFrames} frames written on later turns; per event-loop turn of fan-out work:`,
  line('  wall time the venue was held', fanout),
  line('  CPU time', fanoutCpu),
  `  event-loop delay p50/p99/max and CPU over the window: ${loop('venue', m1.loopDelayMs, m1.cpuMs, windowS, m1.rssMB)}; ${stats.map((x, i) => loop(clientProcs[i]!.name, x.loopDelayMs, x.cpuMs, x.windowSeconds, x.rssMB)).join('; ')}`,
];
console.log(out.join('\n'));

const problems: string[] = [];
if (rest.count === 0) problems.push('no order round trip was measured');
if (emitted[0]! + emitted[1]! === 0) problems.push('the venue emitted no book update in the window');
if (applied[0]! + applied[1]! < expected[0]! + expected[1]!)
  problems.push(`book updates delivered ${deliveredPct.toFixed(3)} % < 100 % of what the venue emitted`);
if (sum((x) => x.booksMismatched) > 0)
  problems.push(`${sum((x) => x.booksMismatched)} ccxt books differ from the venue's`);
if (traded.createFailed + traded.cancelFailed > 0)
  problems.push(`${traded.createFailed + traded.cancelFailed} order requests failed`);
if (traded.unanswered > 0)
  problems.push(`${traded.unanswered} requests still unanswered 60 s after the schedule ended`);
if (traded.created < traded.scheduled)
  problems.push(`${traded.scheduled - traded.created} scheduled orders not created`);
if (ws.count < traded.created) problems.push(`${traded.created - ws.count} orders never seen on watchOrders`);
if (m1.pacingError) problems.push(`the venue's market source failed: ${m1.pacingError}`);
if (problems.length > 0) {
  console.log(`FAILED: ${problems.join('; ')}`);
  process.exit(1);
}
console.log('OK: every order answered, every update id the venue emitted applied by every client, every book equal');
process.exit(0);
