import { type Venue, assertNoLoopbackEscapes, createVenue, installLoopbackGuard } from '@tradekit/venue';
import ccxt from 'ccxt';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MeanReversionBot } from '../src/bot.js';
import { spotConfig } from '../src/config.js';
import { swingingMarket, waitFor } from './market.js';

beforeAll(() => installLoopbackGuard());
afterEach(() => assertNoLoopbackEscapes());

interface RunResult {
  orders: Array<{ side: string; atTrade: number; average: number | undefined }>;
  position: number;
  venuePosition: number;
  balance: { BTC: number; USDT: number };
  venueOrders: number;
}

/** Runs the bot in lockstep with the venue clock: each step's trades are handled before the next step. */
async function runOnce(): Promise<RunResult> {
  const venue: Venue = await createVenue({
    instruments: [{ symbol: 'BTCUSDT', tickSize: 0.1, lotSize: 0.001, currency: 'USDT' }],
    source: swingingMarket(),
    accounts: [{ id: 1, apiKey: 'bot-key', balance: 10_000 }],
    binance: { keys: [{ apiKey: 'bot-key', secret: 'bot-secret' }] },
    projectx: false,
    json: false,
  });
  const exchange = new ccxt.pro.binance(
    spotConfig({ url: venue.url, apiKey: 'bot-key', secret: 'bot-secret', enableRateLimit: false }),
  );
  const bot = new MeanReversionBot(exchange, { symbol: 'BTC/USDT', window: 20, threshold: 4, amount: 0.01 });
  try {
    await exchange.loadMarkets();
    const running = bot.run();
    running.catch(() => undefined);
    const streams = venue.binance?.streams;
    await waitFor(() => streams?.subscriberCount('spot:btcusdt@trade') === 1, 'the trade subscription');
    for (let step = 0; step < 300; step++) {
      await venue.advance('200ms');
      const trades = venue.binance?.tradeCount.get('BTCUSDT') ?? 0;
      await waitFor(() => bot.seen === trades && bot.idle, `the bot to handle ${trades} trades`);
    }
    bot.stop();
    const balance = await exchange.fetchBalance();
    return {
      orders: bot.orders.map((o) => ({ side: o.side, atTrade: o.atTrade, average: o.average })),
      position: bot.position,
      venuePosition: venue.exchange.getPosition('1', 'BTCUSDT').quantity,
      balance: { BTC: balance.BTC?.total ?? 0, USDT: balance.USDT?.total ?? 0 },
      venueOrders: venue.exchange.getOrders({ accountId: '1' }).filter((o) => o.status === 'filled').length,
    };
  } finally {
    bot.stop();
    await exchange.close();
    await venue.close();
  }
}

describe('the ccxt mean-reversion bot against the venue’s Binance profile', () => {
  it('trades round trips whose fills the venue and ccxt agree on, and runs identically twice', async () => {
    const a = await runOnce();
    expect(a.orders.length).toBeGreaterThanOrEqual(4);
    expect(a.orders.map((o) => o.side)).toEqual(a.orders.map((_, i) => (i % 2 === 0 ? 'buy' : 'sell')));
    expect(a.venueOrders).toBe(a.orders.length);
    expect(a.position).toBeCloseTo(a.venuePosition, 12);
    expect(a.balance.BTC).toBeCloseTo(a.position, 12);
    // Cash: start minus buys plus sells at the fill prices ccxt reported.
    let cash = 10_000;
    for (const o of a.orders) cash += (o.side === 'buy' ? -1 : 1) * 0.01 * (o.average ?? Number.NaN);
    expect(a.balance.USDT).toBeCloseTo(cash, 6);
    const b = await runOnce();
    expect(b).toEqual(a);
  }, 60_000);
});
