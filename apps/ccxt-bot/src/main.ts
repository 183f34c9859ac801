/**
 * Runs the bot against a venue (or any Binance-compatible URL) until Ctrl-C:
 * `VENUE_URL=http://127.0.0.1:8080 API_KEY=sim-key SECRET=sim-secret pnpm start`.
 */
import ccxt from 'ccxt';
import { MeanReversionBot } from './bot.js';
import { spotConfig } from './config.js';

const url = process.env.VENUE_URL;
if (url === undefined || !/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(url)) {
  console.error('Set VENUE_URL to the venue, e.g. http://127.0.0.1:8080 (loopback only).');
  process.exit(2);
}
const exchange = new ccxt.pro.binance(
  spotConfig({ url, apiKey: process.env.API_KEY ?? 'sim-key', secret: process.env.SECRET ?? 'sim-secret' }),
);
const bot = new MeanReversionBot(exchange, { symbol: process.env.SYMBOL ?? 'BTC/USDT' });
process.on('SIGINT', () => {
  bot.stop();
  void exchange.close();
});
await exchange.loadMarkets();
await bot.run();
console.log(`${bot.seen} trades seen, ${bot.orders.length} orders, position ${bot.position}`);
