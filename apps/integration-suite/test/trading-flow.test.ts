/**
 * The trading cycle a user expects to see working, on a realistic market (market-sim, futures
 * preset, the test's seed) in which the price falls 60 points between minute 3 and minute 6:
 * ticks arrive; a market entry fills; position 1; its bracket legs work; the price falls 60; the
 * stop triggers; flat; the PnL is the one the exchange booked.
 */
import { createMarket } from '@tradekit/market-sim';
import { priceMove, resolvePriceMoves } from '@tradekit/test-fixtures';
import { describe } from 'vitest';
import { test } from './support/fixtures.js';

describe('trading flow', () => {
  test.override({
    marketConfig: {
      symbols: ['MNQ'],
      preset: 'futures',
      duration: '20m',
      scenarios: [priceMove({ by: -60, from: '3m', to: '6m' })],
    },
  });

  test('ticks arrive, a bracketed market entry fills, the 60-point fall stops it out flat with the booked PnL', async ({
    venue,
    suite,
    step,
    marketConfig,
    resolvedSeed,
    expect,
  }) => {
    // Ticks arrive: exactly the market's trades of the first 2 minutes, in order.
    const start = venue.clock.now();
    await step('2m');
    const expected: Array<[number, number, number]> = [];
    for (const e of createMarket(resolvePriceMoves({ ...marketConfig, seed: resolvedSeed.value }))) {
      if (e.ts > start + 120_000_000) break;
      if (e.type === 'trade') expected.push([e.ts, e.price, e.size]);
    }
    expect(expected.length).toBeGreaterThan(10);
    expect(suite.data.ticks().map((t) => [t.time, t.price, t.size])).toEqual(expected);
    const quote = suite.data.quote();
    expect(quote?.bid).toBeLessThan(quote?.ask as number);

    // A market entry with a bracket: stop 40 ticks (10 points) below, target 200 ticks above.
    const ask = venue.core.view('MNQ').ask;
    const entry = await suite.orders.bracket({ side: 'buy', size: 1, stopLossTicks: 40, takeProfitTicks: 200 });
    const filled = await suite.orders.waitFor(entry.orderId, 'filled');
    expect(filled.avgFillPrice).toBe(ask);
    const pos = await suite.positions.waitForSize(1);
    expect(pos.averagePrice).toBe(ask);
    await suite.until(() => suite.orders.legsOf(entry.orderId).target?.status === 'open', 'the bracket legs to work');
    const { stop, target } = suite.orders.legsOf(entry.orderId);
    expect(stop).toMatchObject({ side: 'sell', size: 1, status: 'open', stopPrice: ask - 10 });
    expect(target).toMatchObject({ side: 'sell', size: 1, status: 'open', limitPrice: ask + 50 });

    // The price falls 60 points: the stop triggers, the target is cancelled, the account is flat.
    await step('5m');
    const stopped = await suite.orders.waitFor(stop?.id as number, 'filled');
    await suite.orders.waitFor(target?.id as number, 'cancelled');
    await suite.positions.waitForSize(0);
    expect(suite.positions.isFlat()).toBe(true);
    const exit = stopped.avgFillPrice as number;
    expect(exit).toBeLessThanOrEqual(ask - 10); // a stop fills at the trigger or worse, never better
    expect(exit).toBeOnTick(0.25);

    // PnL: (exit − entry) × $2 per point, as the client sums it and as the exchange booked it.
    await suite.until(() => suite.positions.fills().length === 2, 'the entry and the stop fill');
    const pnl = Math.round((exit - ask) * 2 * 100) / 100;
    expect(suite.positions.realizedPnl()).toBe(pnl);
    const booked = venue.exchange.getAccount('1');
    expect(booked.realizedPnl).toEqualDecimal(pnl);
    await suite.until(() => suite.account.balance === booked.balance.toNumber(), 'the balance update');
    expect(suite.account.balance).toBe(100000 + pnl);
  });

  test('a plain market order round trip: position 1, then flat, PnL the spread', async ({
    venue,
    suite,
    step,
    expect,
  }) => {
    await step('1m');
    const ask = venue.core.view('MNQ').ask;
    const buy = await suite.orders.market('buy', 1);
    expect((await suite.orders.waitFor(buy.orderId, 'filled')).avgFillPrice).toBe(ask);
    await suite.positions.waitForSize(1);
    const bid = venue.core.view('MNQ').bid;
    await suite.positions.close();
    await suite.positions.waitForSize(0);
    await suite.until(() => suite.positions.fills().length === 2, 'both fills');
    expect(suite.positions.fills().map((f) => [f.side, f.price])).toEqual([
      ['buy', ask],
      ['sell', bid],
    ]);
    expect(suite.positions.realizedPnl()).toBe(Math.round((bid - ask) * 2 * 100) / 100);
    expect(venue.exchange.getAccount('1').realizedPnl).toEqualDecimal(suite.positions.realizedPnl());
  });
});
