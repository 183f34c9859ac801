// biome-ignore-all lint/suspicious/noExplicitAny: ccxt's classes are loosely typed
/**
 * The watching side of the Binance load bench, in its own process so that its CPU load does not
 * distort the traders' round-trip figures: WATCHERS ccxt.pro clients each watch the order books of
 * 2 symbols. Prints `SYNCED <ms>` once every book is synced, `MEASURE` on stdin line "start", and
 * `STATS {…}` when stdin ends.
 */
import http from 'node:http';
import { createHistogram } from 'node:perf_hooks';
import ccxt from 'ccxt';
import { installLoopbackGuard } from '../src/loopback-guard.js';

installLoopbackGuard();
const url = process.env.VENUE_URL as string;
const N = Number(process.env.WATCHERS ?? 500);
const SYMBOLS = ['BTC/USDT', 'ETH/USDT'];
const ws = url.replace('http', 'ws');
const api = { public: `${url}/api/v3`, private: `${url}/api/v3`, ws: { spot: `${ws}/ws` } };
const t0 = performance.now();
const clients: any[] = [];
for (let i = 0; i < N; i++) {
  const c = new ccxt.pro.binance({
    enableRateLimit: false,
    httpAgent: new http.Agent({ keepAlive: true }),
    urls: { api },
    options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
  });
  if (i === 0) await c.loadMarkets();
  else c.setMarkets(clients[0].markets);
  clients.push(c);
}
let frames = 0;
let measuring = false;
let measureStart = 0;
const age = createHistogram();
for (const c of clients) {
  const orig = c.handleMessage.bind(c);
  c.handleMessage = (client: unknown, message: any) => {
    if (measuring && message?.e === 'depthUpdate') {
      frames++;
      age.record(Math.max(1, Date.now() - message.E));
    }
    return orig(client, message);
  };
}
let errors = 0;
let stopped = false;
for (const c of clients)
  for (const s of SYMBOLS)
    void (async () => {
      while (!stopped) {
        try {
          await c.watchOrderBook(s);
        } catch {
          if (!stopped) errors++;
        }
      }
    })();
const unsynced = () =>
  clients.reduce((n, c) => n + SYMBOLS.filter((s) => c.orderbooks[s]?.nonce === undefined).length, 0);
while (unsynced() > 0) await new Promise((r) => setTimeout(r, 100));
process.stdout.write(`SYNCED ${Math.round(performance.now() - t0)}\n`);
process.stdin.on('data', (d) => {
  if (String(d).includes('start')) {
    measuring = true;
    measureStart = performance.now();
  }
});
process.stdin.on('end', async () => {
  const seconds = (performance.now() - measureStart) / 1000;
  measuring = false;
  stopped = true;
  const nonces = clients.map((c) => c.orderbooks['BTC/USDT']?.nonce ?? 0);
  process.stdout.write(
    `STATS ${JSON.stringify({ frames, seconds, perSecond: frames / seconds, ageP50: age.percentile(50), ageP99: age.percentile(99), errors, btcNonceMin: Math.min(...nonces), btcNonceMax: Math.max(...nonces) })}\n`,
  );
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  process.exit(0);
});
process.stdin.resume();
