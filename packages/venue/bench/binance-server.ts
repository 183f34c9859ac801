/**
 * The venue side of the Binance load bench (started by binance-load.ts in its own process): the
 * Binance profile on the real clock, a two-symbol L2 market paced to wall time, one account and API
 * key per trader. Prints `READY <url>`; on stdin end prints `STATS {…}` and exits.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createVenue } from '../src/index.js';
import { l2Market } from '../test/binance/market.js';

const traders = Number(process.env.TRADERS ?? 50);
const seconds = Number(process.env.SECONDS ?? 180);
const diffMs = Number(process.env.DIFF_MS ?? 50);

const venue = await createVenue({
  instruments: [
    { symbol: 'BTCUSDT', tickSize: 0.1, lotSize: 0.001, currency: 'USDT' },
    { symbol: 'ETHUSDT', tickSize: 0.1, lotSize: 0.001, currency: 'USDT' },
  ],
  source: l2Market(
    [
      { symbol: 'BTCUSDT', mid: 60000 },
      { symbol: 'ETHUSDT', mid: 3000 },
    ],
    seconds,
    7,
    diffMs * 1000,
  ),
  clock: 'real',
  accounts: Array.from({ length: traders }, (_, i) => ({ id: i + 1, userName: `u${i + 1}`, apiKey: `k${i + 1}` })),
  binance: {
    rateLimit: false,
    keys: Array.from({ length: traders }, (_, i) => ({ apiKey: `k${i + 1}`, secret: `s${i + 1}` })),
  },
  projectx: false,
  json: false,
});
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
process.stdout.write(`READY ${venue.url}\n`);
const stop = async () => {
  const b = venue.binance;
  process.stdout.write(
    `STATS ${JSON.stringify({
      framesSent: b?.streams.sent,
      connections: b?.streams.connectionCount,
      depthSubscribers: {
        BTCUSDT: b?.streams.subscriberCount('spot:btcusdt@depth'),
        ETHUSDT: b?.streams.subscriberCount('spot:ethusdt@depth'),
      },
      lastUpdateId: { BTCUSDT: b?.books.get('BTCUSDT')?.lastUpdateId, ETHUSDT: b?.books.get('ETHUSDT')?.lastUpdateId },
      orders: venue.exchange.getOrders().length,
      events: venue.core.eventsApplied,
      loopLagP50ms: lag.percentile(50) / 1e6,
      loopLagP99ms: lag.percentile(99) / 1e6,
    })}\n`,
  );
  await venue.close();
  process.exit(0);
};
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();
