// biome-ignore-all lint/suspicious/noExplicitAny: ccxt's classes are loosely typed
/**
 * Binance-profile load bench (issue 23): CLIENTS unmodified ccxt.pro `binance` clients watch the
 * order books of 2 symbols while TRADERS of them trade at a total RATE orders/s (a resting limit
 * buy, then its cancel, alternately). Measures the order round trip (createOrder → response, p50 /
 * p99), the book-update delivery rate (depthUpdate frames the clients received per second, against
 * what the venue sent) and their age on arrival, with the loopback HTTP floor (GET /api/v3/ping
 * under the same load) side by side. The venue runs in its own process.
 *
 *   pnpm exec tsx bench/binance-load.ts                 # 500 clients, 50 traders, 100 orders/s, 20 s
 *   CLIENTS=100 SECONDS=5 pnpm exec tsx bench/binance-load.ts
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createHistogram } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import ccxt from 'ccxt';
import { installLoopbackGuard } from '../src/loopback-guard.js';

const CLIENTS = Number(process.env.CLIENTS ?? 500);
const TRADERS = Math.min(CLIENTS, Number(process.env.TRADERS ?? 50));
const RATE = Number(process.env.RATE ?? 100);
const SECONDS = Number(process.env.SECONDS ?? 20);
const SYMBOLS = ['BTC/USDT', 'ETH/USDT'];

installLoopbackGuard();
const server = spawn(
  process.execPath,
  ['--import', 'tsx', fileURLToPath(new URL('./binance-server.ts', import.meta.url))],
  {
    env: { ...process.env, TRADERS: String(TRADERS), SECONDS: String(SECONDS + 300) },
    stdio: ['pipe', 'pipe', 'inherit'],
  },
);
process.on('exit', () => server.kill());
let out = '';
const url = await new Promise<string>((resolve, reject) => {
  const t = setTimeout(() => reject(new Error('the venue did not start within 60 s')), 60_000);
  server.stdout.on('data', (d) => {
    out += String(d);
    const m = /READY (\S+)/.exec(out);
    if (m) {
      clearTimeout(t);
      resolve(m[1] as string);
    }
  });
});
const ws = url.replace('http', 'ws');
const api = {
  public: `${url}/api/v3`,
  private: `${url}/api/v3`,
  ws: { spot: `${ws}/ws`, 'ws-api': { spot: `${ws}/ws-api/v3` } },
};
const make = (i: number): any =>
  new ccxt.pro.binance({
    apiKey: i < TRADERS ? `k${i + 1}` : 'none',
    secret: i < TRADERS ? `s${i + 1}` : 'none',
    enableRateLimit: false,
    httpAgent: new http.Agent({ keepAlive: true }),
    urls: { api },
    options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
  });

// The watchers (clients that only watch the books) run in their own process.
const WATCHERS = CLIENTS - TRADERS;
const t0 = performance.now();
const watchersProc = spawn(
  process.execPath,
  ['--import', 'tsx', fileURLToPath(new URL('./binance-watchers.ts', import.meta.url))],
  {
    env: { ...process.env, VENUE_URL: url, WATCHERS: String(WATCHERS) },
    stdio: ['pipe', 'pipe', 'inherit'],
  },
);
process.on('exit', () => watchersProc.kill());
let wout = '';
watchersProc.stdout.on('data', (d) => {
  wout += String(d);
});
const waitLine = (re: RegExp, ms: number, what: string) =>
  new Promise<RegExpExecArray>((resolve, reject) => {
    const end = Date.now() + ms;
    const poll = setInterval(() => {
      const m = re.exec(wout);
      if (m) {
        clearInterval(poll);
        resolve(m);
      } else if (Date.now() > end) {
        clearInterval(poll);
        reject(new Error(`timed out after ${ms / 1000} s waiting for ${what}`));
      }
    }, 100);
  });
// The traders: ccxt clients that watch the books too and trade.
const first = make(0);
await first.loadMarkets();
const clients: any[] = [first];
for (let i = 1; i < TRADERS; i++) {
  const c = make(i);
  c.setMarkets(first.markets);
  clients.push(c);
}
let watchErrors = 0;
let stopped = false;
for (const c of clients)
  for (const s of SYMBOLS)
    void (async () => {
      while (!stopped) {
        try {
          await c.watchOrderBook(s);
        } catch {
          if (!stopped) watchErrors++;
        }
      }
    })();
const synced = await waitLine(/SYNCED (\d+)/, 600_000, 'the watchers to sync their books');
while (clients.some((c) => SYMBOLS.some((s) => c.orderbooks[s]?.nonce === undefined)))
  await new Promise((r) => setTimeout(r, 100));
const setupMs = performance.now() - t0;
const setupClientsMs = Number(synced[1]);

const place = createHistogram();
const cancel = createHistogram();
const ping = createHistogram();
let orders = 0;
let orderErrors = 0;
watchersProc.stdin.write('start\n');
const busy = new Set<number>();
const pending: Array<string | undefined> = Array.from({ length: TRADERS });
let next = 0;
const tickMs = 10;
let credit = 0;
const start = performance.now();
const timer = setInterval(() => {
  credit += (RATE * tickMs) / 1000;
  credit = Math.min(credit, RATE); // a stalled timer does not turn into a burst
  while (credit >= 1) {
    let i = -1;
    for (let k = 0; k < TRADERS; k++) {
      const j = next++ % TRADERS;
      if (!busy.has(j)) {
        i = j;
        break;
      }
    }
    if (i < 0) break; // every trader has a request in flight: keep the credit
    credit--;
    busy.add(i);
    const c = clients[i];
    const t = performance.now();
    const open = pending[i];
    const job =
      open === undefined
        ? c.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 50000).then((o: any) => {
            place.record(Math.max(1, Math.round((performance.now() - t) * 1000)));
            pending[i] = o.id;
          })
        : c.cancelOrder(open, 'BTC/USDT').then(() => {
            cancel.record(Math.max(1, Math.round((performance.now() - t) * 1000)));
            pending[i] = undefined;
          });
    orders++;
    job.catch(() => orderErrors++).finally(() => busy.delete(i));
  }
}, tickMs);
const pinger = setInterval(() => {
  const t = performance.now();
  fetch(`${url}/api/v3/ping`)
    .then((r) => r.text())
    .then(() => ping.record(Math.max(1, Math.round((performance.now() - t) * 1000))))
    .catch(() => undefined);
}, 50);
await new Promise((r) => setTimeout(r, SECONDS * 1000));
clearInterval(timer);
clearInterval(pinger);
const elapsed = (performance.now() - start) / 1000;
watchersProc.stdin.end();
const w = JSON.parse((await waitLine(/STATS (\{.*\})/, 120_000, "the watchers' stats"))[1] as string);
stopped = true;
server.stdin.end();
const stats = await new Promise<any>((resolve) => {
  server.stdout.on('data', () => {
    const m = /STATS (\{.*\})/.exec(out);
    if (m) resolve(JSON.parse(m[1] as string));
  });
  server.stdout.on('data', (d) => {
    out += String(d);
  });
});
const us = (h: ReturnType<typeof createHistogram>, p: number) =>
  h.count ? (h.percentile(p) / 1000).toFixed(2) : 'n/a';
const lines = [
  `Binance profile load: ${CLIENTS} ccxt.pro clients × ${SYMBOLS.length} order books, ${TRADERS} trading at ${RATE} orders/s for ${elapsed.toFixed(1)} s (ccxt ${ccxt.version}, node ${process.version})`,
  `  setup: ${(setupClientsMs / 1000).toFixed(1)} s for the ${WATCHERS} watchers to build and sync, ${(setupMs / 1000).toFixed(1)} s until every book synced`,
  `  order round trip (createOrder → response)  p50 ${us(place, 50)} ms  p99 ${us(place, 99)} ms  (${place.count} orders)`,
  `  cancel round trip (cancelOrder → response)  p50 ${us(cancel, 50)} ms  p99 ${us(cancel, 99)} ms  (${cancel.count})`,
  `  loopback HTTP floor (GET /api/v3/ping)      p50 ${us(ping, 50)} ms  p99 ${us(ping, 99)} ms  (${ping.count})`,
  `  requests sent ${orders} (${(orders / elapsed).toFixed(1)}/s), failed ${orderErrors}; watch errors ${watchErrors}`,
  `  watchers: depth frames received ${w.frames} = ${w.perSecond.toFixed(0)}/s; age on arrival p50 ${w.ageP50} ms p99 ${w.ageP99} ms; watch errors ${w.errors}; BTC book nonce ${w.btcNonceMin}..${w.btcNonceMax}`,
  `  venue: ${JSON.stringify(stats)}`,
];
console.log(lines.join('\n'));
await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
process.exit(0);
