// biome-ignore-all lint/suspicious/noExplicitAny: ccxt's classes are loosely typed
/**
 * One client process of the Binance load bench (started by binance-load.ts): COUNT unmodified
 * ccxt.pro `binance` clients, each watching the order books of both symbols (a `watchOrderBook`
 * loop per symbol, as a bot would). With TRADE=1 they are the traders: each has its own API key,
 * watches its orders (`watchOrders`, the spot user-data subscription over the WebSocket API) and
 * the process runs the open-loop order schedule.
 *
 * Protocol (stdout lines `TAG {json}`, commands on stdin):
 *   → PROGRESS {synced, of}  after each batch     → SYNCED {ms}  every book synced
 *   ← WARM {}               traders: a warm-up order each, seen on watchOrders → WARMED {ms, failed}
 *   ← GO {}                  the window opens (traders: the order schedule runs; → TRADED {…} at its end)
 *   ← END {from, to, books}  the market has stopped at update ids `to`: wait until every book got
 *                            there, count the ids each book applied in (from, to], compare the books
 *                            with the venue's → STATS {…}, close, exit
 *   → FAIL {error}           anything that did not complete within its bound (exit 1)
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type LatencyRecorder, createLatencyRecorder } from '@tradekit/ws-tester';
import { installLoopbackGuard } from '../src/loopback-guard.js';
import {
  DeliveryCounter,
  SYMBOLS,
  commands,
  emit,
  sameLevels,
  spotClient,
  traderKey,
  until,
  within,
} from './binance-common.js';

installLoopbackGuard();
const url = process.env.VENUE_URL as string;
const COUNT = Number(process.env.COUNT ?? 25);
const TRADE = process.env.TRADE === '1';
const BATCH = Number(process.env.BATCH ?? 25);
const BATCH_TIMEOUT = Number(process.env.BATCH_TIMEOUT ?? 60_000);
const RATE = Number(process.env.RATE ?? 100);
const SECONDS = Number(process.env.SECONDS ?? 20);
const CANCEL_AFTER_MS = Number(process.env.CANCEL_AFTER_MS ?? 250);
const END_TIMEOUT = Number(process.env.END_TIMEOUT ?? 60_000);
const WARM_TIMEOUT = Number(process.env.WARM_TIMEOUT ?? 180_000);
/** Limit buys rest this far below the book (never fill), so each one is then cancelled. */
const PRICES = [50000, 2500];

const fail = (err: unknown) => {
  emit('FAIL', { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

const counter = new DeliveryCounter();
const clients: any[] = [];
let stopped = false;
let watchErrors = 0;
let lastWatchError = '';
const synced = (c: any) => SYMBOLS.every((s) => c.orderbooks[s]?.nonce !== undefined);

/** A bot's watch loop: await every update; after an error (a dropped book), watch again (resync). */
function watchLoop(c: any, symbol: string): void {
  void (async () => {
    while (!stopped) {
      try {
        await c.watchOrderBook(symbol);
      } catch (err) {
        if (stopped) return;
        watchErrors++;
        lastWatchError = `${(err as Error)?.constructor?.name}: ${String((err as Error)?.message).slice(0, 160)}`;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  })();
}

// ───────── setup: clients in batches, each batch's books synced within BATCH_TIMEOUT ─────────
const t0 = performance.now();
for (let i = 0; i < COUNT; i += BATCH) {
  const batch: any[] = [];
  for (let j = i; j < Math.min(COUNT, i + BATCH); j++) {
    const c = spotClient(url, TRADE ? traderKey(j) : undefined);
    if (clients.length === 0) await within(c.loadMarkets(), BATCH_TIMEOUT, 'loadMarkets');
    else c.setMarkets(clients[0].markets);
    counter.track(c);
    clients.push(c);
    batch.push(c);
  }
  for (const c of batch) for (const s of SYMBOLS) watchLoop(c, s);
  await until(
    () => batch.every(synced),
    BATCH_TIMEOUT,
    `the order books of clients ${i + 1}..${i + batch.length} to sync (${batch.filter(synced).length} of ${batch.length} synced; watch errors so far ${watchErrors}${lastWatchError ? `, last: ${lastWatchError}` : ''})`,
  );
  emit('PROGRESS', { synced: clients.length, of: COUNT });
}

// ───────── traders: the user-data stream and a warm-up order each ─────────
const callAt = new Map<string, number>(); // clientOrderId → createOrder call time
let wsNew: LatencyRecorder | undefined;
let wsSeen = 0;
if (TRADE) {
  for (const c of clients)
    void (async () => {
      while (!stopped) {
        try {
          const orders = await c.watchOrders();
          const now = performance.now();
          for (const o of orders) {
            const t = callAt.get(o.clientOrderId);
            // The first report of an order is its NEW (x=NEW); it is timed on arrival whatever
            // ccxt shows by then (a later report of the same order may already have replaced it).
            if (t !== undefined) {
              callAt.delete(o.clientOrderId);
              if (wsNew !== undefined) {
                wsNew.record(Math.round((now - t) * 1000));
                wsSeen++;
              }
            }
          }
        } catch {
          if (stopped) return;
          watchErrors++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();
}
emit('SYNCED', { ms: Math.round(performance.now() - t0), clients: clients.length });

/**
 * Traders, once every process has synced (so that the venue is not also busy with the setup): each
 * places and cancels orders until one shows on its user stream, which proves the subscription live
 * (the first order can precede the subscription, whose watchOrders call is already pending). A
 * request that fails (a loaded machine: ccxt's 10 s timeout) is retried, within WARM_TIMEOUT.
 */
async function warmUp(): Promise<void> {
  const t = performance.now();
  let failed = 0;
  await within(
    Promise.all(
      clients.map(async (c, i) => {
        for (let attempt = 0; ; attempt++) {
          const id = `warm-${i}-${attempt}`;
          callAt.set(id, performance.now());
          try {
            const o = await c.createOrder(SYMBOLS[0], 'limit', 'buy', 0.001, PRICES[0], { newClientOrderId: id });
            const seen = await until(() => !callAt.has(id), 2000, 'a warm-up order', 10).then(
              () => true,
              () => false,
            );
            await c.cancelOrder(o.id, SYMBOLS[0]);
            if (seen) return;
          } catch {
            failed++;
          } finally {
            callAt.delete(id);
          }
        }
      }),
    ),
    WARM_TIMEOUT,
    "every trader's warm-up order on its watchOrders",
  );
  emit('WARMED', { ms: Math.round(performance.now() - t), failed });
}

/** ws-tester's HDR recorder, deaf once finished (a request answered after the report is not counted). */
async function recorder(): Promise<LatencyRecorder> {
  const r = await createLatencyRecorder();
  let done = false;
  return {
    record: (v) => {
      if (!done) r.record(v);
    },
    finish: () => {
      done = true;
      return r.finish();
    },
  };
}

// ───────── the window ─────────
const age = await recorder();
counter.onWindowFrame = (E) => age.record(Math.max(0, Date.now() - E) * 1000);
const lag = monitorEventLoopDelay({ resolution: 10 });
let cpu0: NodeJS.CpuUsage | undefined;
let windowStart = 0;
let windowSeconds = 0;

async function trade(): Promise<Record<string, unknown>> {
  const rest = await recorder(); // createOrder call → REST answer
  const due = await recorder(); // scheduled time → REST answer (open loop)
  const cancel = await recorder(); // cancelOrder call → REST answer
  const ping = await recorder(); // GET /api/v3/ping, the loopback HTTP floor
  const late = await recorder(); // how late the scheduler sent each createOrder
  wsNew = await recorder(); // createOrder call → executionReport NEW via watchOrders
  let created = 0;
  let createFailed = 0;
  let cancelled = 0;
  let cancelFailed = 0;
  let pingFailed = 0;
  const errors = new Map<string, number>();
  const note = (err: unknown) => {
    const k = String((err as Error)?.constructor?.name ?? 'Error');
    errors.set(k, (errors.get(k) ?? 0) + 1);
  };
  const inFlight: Promise<void>[] = [];
  const total = Math.round(RATE * SECONDS);
  const start = performance.now();
  const pinger = setInterval(() => {
    const p0 = performance.now();
    inFlight.push(
      fetch(`${url}/api/v3/ping`, { signal: AbortSignal.timeout(10_000) }) // ccxt's own request timeout
        .then((r) => r.text())
        .then(
          () => ping.record(Math.round((performance.now() - p0) * 1000)),
          () => void pingFailed++,
        ),
    );
  }, 50);
  for (let n = 0; n < total; n++) {
    const at = start + (n * 1000) / RATE;
    const wait = at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const i = n % clients.length;
    const s = Math.floor(n / clients.length) % SYMBOLS.length;
    const c = clients[i];
    const id = `lb-${n}`;
    inFlight.push(
      (async () => {
        const t = performance.now();
        late.record(Math.round((t - at) * 1000));
        callAt.set(id, t);
        let o: any;
        try {
          o = await c.createOrder(SYMBOLS[s], 'limit', 'buy', 0.001, PRICES[s], { newClientOrderId: id });
        } catch (err) {
          createFailed++;
          callAt.delete(id);
          note(err);
          return;
        }
        const t1 = performance.now();
        rest.record(Math.round((t1 - t) * 1000));
        due.record(Math.round((t1 - at) * 1000));
        created++;
        const cancelAt = at + CANCEL_AFTER_MS;
        if (cancelAt > performance.now()) await new Promise((r) => setTimeout(r, cancelAt - performance.now()));
        const t2 = performance.now();
        try {
          await c.cancelOrder(o.id, SYMBOLS[s]);
          cancel.record(Math.round((performance.now() - t2) * 1000));
          cancelled++;
        } catch (err) {
          cancelFailed++;
          note(err);
        }
      })(),
    );
  }
  const sentSeconds = (performance.now() - start) / 1000;
  clearInterval(pinger);
  // Every request has ccxt's 10 s timeout; a starved process can still take longer to settle them.
  // Then the report goes out with what was answered, the rest counted as unanswered (a failure).
  let unanswered = 0;
  let settled = 0;
  for (const p of inFlight) void p.finally(() => settled++);
  await within(Promise.all(inFlight), 60_000, 'the last orders and cancels to be answered').catch(() => {
    unanswered = inFlight.length - settled;
  });
  // An executionReport may trail its REST answer: give the stragglers a bounded moment.
  await until(() => wsSeen >= created, 10_000, 'the NEW reports of every order on watchOrders').catch(() => undefined);
  const ws = wsNew;
  wsNew = undefined;
  return {
    scheduled: total,
    unanswered,
    sentSeconds,
    created,
    createFailed,
    cancelled,
    cancelFailed,
    wsSeen,
    pingFailed,
    errors: Object.fromEntries(errors),
    rest: rest.finish(),
    due: due.finish(),
    cancel: cancel.finish(),
    ws: ws.finish(),
    ping: ping.finish(),
    late: late.finish(),
  };
}

commands(
  (tag, body) => {
    if (tag === 'WARM') warmUp().catch(fail);
    else if (tag === 'GO') {
      lag.enable();
      cpu0 = process.cpuUsage();
      windowStart = performance.now();
      counter.markWindow(true);
      if (TRADE) trade().then((r) => emit('TRADED', r), fail);
    } else if (tag === 'END') void end(body).catch(fail);
  },
  () => process.exit(1),
);

async function end(body: { from: number[]; to: number[]; books: Array<{ bids: any[]; asks: any[] }> }): Promise<void> {
  counter.markWindow(false);
  windowSeconds = (performance.now() - windowStart) / 1000;
  lag.disable();
  const cpu = process.cpuUsage(cpu0);
  const behind = () =>
    clients.filter((c) => SYMBOLS.some((s, k) => !((c.orderbooks[s]?.nonce ?? 0) >= (body.to[k] as number)))).length;
  let endError: string | null = null;
  await until(() => behind() === 0, END_TIMEOUT, 'every book to reach the last update id').catch((err: Error) => {
    endError = `${err.message} (${behind()} clients behind)`;
  });
  stopped = true;
  const applied = [0, 0];
  const gaps = [0, 0];
  let short = 0;
  let mismatched = 0;
  for (let k = 0; k < clients.length; k++) {
    const c = clients[k];
    let full = true;
    for (let s = 0; s < SYMBOLS.length; s++) {
      const n = counter.applied(k, s, body.from[s] as number, body.to[s] as number);
      applied[s] = (applied[s] as number) + n;
      gaps[s] = (gaps[s] as number) + counter.gaps(k, s);
      if (n < (body.to[s] as number) - (body.from[s] as number)) full = false;
      const ob = c.orderbooks[SYMBOLS[s] as string];
      const want = body.books[s];
      if (ob === undefined || want === undefined || !sameLevels(ob.bids, want.bids) || !sameLevels(ob.asks, want.asks))
        mismatched++;
    }
    if (!full) short++;
  }
  emit('STATS', {
    clients: clients.length,
    applied,
    gaps,
    clientsShort: short,
    booksMismatched: mismatched,
    framesInWindow: counter.framesInWindow,
    windowSeconds,
    age: age.finish(),
    watchErrors,
    endError,
    cpuMs: Math.round(((cpu?.user ?? 0) + (cpu?.system ?? 0)) / 1000),
    loopDelayMs: { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 },
    rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
  });
  await within(Promise.all(clients.map((c) => c.close().catch(() => undefined))), 10_000, 'the clients to close').catch(
    () => undefined,
  );
  process.exit(0);
}
