import { defineStrategy, runBacktest } from '@tradekit/backtest';
import { assertNoLoopbackEscapes, createVenue, installLoopbackGuard } from '@tradekit/venue';
import ccxt from 'ccxt';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MeanReversionBot } from '../src/bot.js';
import { spotConfig } from '../src/config.js';
import { MeanReversionRule } from '../src/rule.js';
import { BTCUSDT, T0, swingingMarket, waitFor } from './market.js';

beforeAll(() => installLoopbackGuard());
afterEach(() => assertNoLoopbackEscapes());

const FEES = { takerBps: 10, makerBps: 2 };
const WINDOW = 20;
const THRESHOLD = 4;
const AMOUNT = 0.01;

describe('parity: the ccxt bot on the venue and a backtest of the same rule', () => {
  it('give identical fills, fees and PnL on the same data', async () => {
    // The backtest: the same rule on the same events, orders at the trade that triggered them.
    let rule: MeanReversionRule | undefined;
    const strategy = defineStrategy({
      name: 'mean-reversion',
      onStart() {
        rule = new MeanReversionRule(WINDOW, THRESHOLD);
      },
      onTrade(trade, ctx) {
        const side = rule?.decide(trade.price, ctx.position());
        if (side === 'buy') ctx.buy(AMOUNT);
        else if (side === 'sell') ctx.sell(ctx.position());
      },
    });
    const bt = await runBacktest({
      strategy,
      data: swingingMarket(),
      instruments: [BTCUSDT],
      cash: 10_000,
      exchange: { fees: FEES },
    });

    // The venue: the ccxt bot in lock-step, one quote + trade pair per step, acting before the next quote.
    const venue = await createVenue({
      instruments: [BTCUSDT],
      source: swingingMarket(),
      accounts: [{ id: 1, apiKey: 'bot-key', balance: 10_000 }],
      exchange: { fees: FEES },
      binance: { keys: [{ apiKey: 'bot-key', secret: 'bot-secret' }] },
      projectx: false,
      json: false,
    });
    const exchange = new ccxt.pro.binance(
      spotConfig({ url: venue.url, apiKey: 'bot-key', secret: 'bot-secret', enableRateLimit: false }),
    );
    const bot = new MeanReversionBot(exchange, {
      symbol: 'BTC/USDT',
      window: WINDOW,
      threshold: THRESHOLD,
      amount: AMOUNT,
    });
    try {
      await exchange.loadMarkets();
      const running = bot.run();
      running.catch(() => undefined);
      await waitFor(() => venue.binance?.streams.subscriberCount('spot:btcusdt@trade') === 1, 'the trade subscription');
      for (let k = 0; k < 600; k++) {
        await venue.runUntil(T0 + k * 100_000 + 1);
        const trades = venue.binance?.tradeCount.get('BTCUSDT') ?? 0;
        await waitFor(() => bot.seen === trades && bot.idle, `the bot to handle trade ${trades}`);
      }
      bot.stop();

      const venueFills = (venue.binance?.trades.get('1') ?? []).map((t) => ({
        ts: t.vf.fill.ts,
        side: t.vf.fill.side,
        quantity: t.vf.fill.quantity,
        price: t.vf.fill.price.toString(),
        fee: t.vf.fill.fee.toString(),
      }));
      const btFills = bt.fills.map((f) => ({
        ts: f.ts,
        side: f.side,
        quantity: f.quantity,
        price: f.price,
        fee: f.fee,
      }));
      expect(btFills.length).toBeGreaterThanOrEqual(4);
      expect(venueFills).toEqual(btFills);

      const account = venue.exchange.getAccount('1');
      expect(account.realizedPnl.toString()).toBe(bt.account.realizedPnl.toString());
      expect(account.fees.toString()).toBe(bt.account.fees.toString());
      expect(account.balance.toString()).toBe(bt.account.balance.toString());
      expect(account.realizedPnl.isZero()).toBe(false);

      // And what ccxt reports agrees: its trades' prices and fees are the same fills.
      const mine = await exchange.fetchMyTrades('BTC/USDT');
      expect(mine.map((t) => t.price)).toEqual(btFills.map((f) => Number(f.price)));
      expect(mine.map((t) => t.fee?.cost)).toEqual(btFills.map((f) => Number(f.fee)));
    } finally {
      bot.stop();
      await exchange.close();
      await venue.close();
    }
  }, 60_000);
});
