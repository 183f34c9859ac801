/**
 * Market scenarios (market-sim's built-ins on the test's seeded futures market): a trend, a
 * volatile stretch, a flash crash, a thin market and a halt. In each the client's view stays the
 * venue's (ticks, bars, fills, PnL), and its orders behave as the conditions say they must.
 */
import { flashCrash, halt, lowLiquidity, trending, volatile } from '@tradekit/market-sim';
import type { TradingSuite } from 'sample-client';
import { describe } from 'vitest';
import { test } from './support/fixtures.js';

const market = (duration: string, scenarios: unknown[]) => ({
  marketConfig: { symbols: ['MNQ'], preset: 'futures', duration, scenarios } as never,
  suiteOptions: { depth: false },
});

/** Bars the client built equal the gateway's bar history (no gap, no duplicate). */
async function barsMatchHistory(suite: TradingSuite, expect: (v: unknown) => { toEqual(x: unknown): void }) {
  const bars = suite.data.bars();
  const first = bars[0]?.time as number;
  const last = bars.at(-1)?.time as number;
  const history = await suite.data.history(first, last + 60_000_000);
  expect(bars.map(({ source: _s, ...b }) => b)).toEqual(history.map(({ source: _s, ...b }) => b));
}

describe('market scenarios', () => {
  describe('trend', () => {
    test.override(market('20m', [trending({ from: '1m', to: '20m', drift: 400 })]));

    test('a strong up-trend: bars climb, a long held through it gains what the exchange books', async ({
      venue,
      suite,
      step,
      expect,
    }) => {
      await step('1m');
      const { orderId } = await suite.orders.market('buy', 1);
      const entry = (await suite.orders.waitFor(orderId, 'filled')).avgFillPrice as number;
      for (let i = 0; i < 15; i++) await step('1m');
      const bars = suite.data.bars();
      expect(bars.length).toBeGreaterThanOrEqual(15);
      expect((bars.at(-1)?.close as number) - (bars[1]?.close as number)).toBeGreaterThan(20);
      await suite.positions.close();
      await suite.positions.waitForSize(0);
      await suite.until(() => suite.positions.fills().length === 2, 'both fills');
      const exit = suite.positions.fills()[1]?.price as number;
      expect(exit).toBeGreaterThan(entry);
      expect(suite.positions.realizedPnl()).toBe(Math.round((exit - entry) * 2 * 100) / 100);
      expect(venue.exchange.getAccount('1').realizedPnl).toEqualDecimal(suite.positions.realizedPnl());
      await barsMatchHistory(suite, expect);
    });
  });

  describe('volatile', () => {
    test.override(market('16m', [volatile({ from: '8m', to: '16m', multiplier: 5 })]));

    test('bar ranges widen in the volatile stretch; every tick still arrives, none twice', async ({
      suite,
      step,
      expect,
    }) => {
      const ticks: number[] = [];
      suite.on('tick', (t) => ticks.push(t.time));
      for (let i = 0; i < 16; i++) await step('1m');
      const range = (from: number, to: number) => {
        const bars = suite.data.bars().slice(from, to);
        return bars.reduce((s, b) => s + (b.high - b.low), 0) / bars.length;
      };
      expect(range(8, 15)).toBeGreaterThan(2 * range(0, 7));
      expect(new Set(ticks).size).toBe(ticks.length);
      expect(suite.marketStats).toMatchObject({ duplicateTicks: 0, gaps: 0, malformed: 0 });
      await barsMatchHistory(suite, expect);
    });
  });

  describe('flash crash', () => {
    test.override(market('20m', [flashCrash({ from: '5m', to: '15m', drop: 0.03, rebound: 0.5 })]));

    test('the protective stop of a long fills during the crash, below its trigger; flat, PnL as booked', async ({
      venue,
      suite,
      step,
      expect,
    }) => {
      await step('2m');
      const b = await suite.orders.bracket({ side: 'buy', size: 1, stopLossTicks: 80, takeProfitTicks: 4000 });
      const entry = (await suite.orders.waitFor(b.orderId, 'filled')).avgFillPrice as number;
      for (let i = 0; i < 10; i++) await step('1m');
      const { stop } = suite.orders.legsOf(b.orderId);
      const stopped = await suite.orders.waitFor(stop?.id as number, 'filled');
      expect(stopped.stopPrice).toBe(entry - 20);
      expect(stopped.avgFillPrice as number).toBeLessThanOrEqual(entry - 20);
      await suite.positions.waitForSize(0);
      await suite.until(() => suite.positions.fills().length === 2, 'both fills');
      expect(suite.positions.realizedPnl()).toBe(
        Math.round(((stopped.avgFillPrice as number) - entry) * 2 * 100) / 100,
      );
      expect(venue.exchange.getAccount('1').realizedPnl).toEqualDecimal(suite.positions.realizedPnl());
      // The crash is in the bars: the lowest low is far below the entry.
      expect(Math.min(...suite.data.bars().map((x) => x.low))).toBeLessThan(entry - 300);
    });
  });

  describe('low liquidity', () => {
    test.override({
      ...market('10m', [lowLiquidity({ from: '3m', to: '10m', depth: 0.1, spread: 6 })]),
      suiteOptions: { depth: true },
    });

    test('the spread widens; a large market order takes what the thin book has, the client matching the exchange', async ({
      venue,
      suite,
      step,
      expect,
    }) => {
      await step('2m');
      const before = suite.data.quote();
      const spreadBefore = (before?.ask as number) - (before?.bid as number);
      await step('3m');
      const thin = suite.data.quote();
      expect((thin?.ask as number) - (thin?.bid as number)).toBeGreaterThan(spreadBefore);
      // 20 lots against a thin book: it fills what is there and works the rest as liquidity comes.
      const { orderId } = await suite.orders.market('buy', 20);
      const same = async () => {
        await suite.flush();
        const exch = venue.exchange.getOrders().find((x) => x.side === 'buy');
        const o = suite.orders.get(orderId);
        expect(o?.filledSize).toBe(exch?.filledQuantity);
        expect(o?.avgFillPrice).toBe(exch?.avgFillPrice?.toNumber() ?? null);
        expect(suite.positions.size()).toBe(exch?.filledQuantity);
        if (suite.positions.size() !== 0)
          expect(suite.positions.get().averagePrice).toBe(venue.exchange.getPosition('1', 'MNQ').avgPrice.toNumber());
        return o;
      };
      const first = await suite.orders.waitFor(orderId, (o) => o.filledSize > 0);
      expect(first.filledSize).toBeLessThan(20); // the thin book could not fill it at once
      await same();
      await step('2m');
      const later = await same();
      expect(later?.filledSize).toBeGreaterThanOrEqual(first.filledSize);
    });
  });

  describe('halt', () => {
    test.override(market('12m', [halt({ from: '4m', to: '8m', reason: 'volatility halt' })]));

    test('orders during the halt are rejected with the reason; after it they fill', async ({ suite, step, expect }) => {
      await step('5m');
      const err = await suite.orders.market('buy', 1).catch((e) => e);
      expect(err).toMatchObject({ code: 'ORDER_REJECTED' });
      expect(err.errorMessage).toMatch(/halt/i);
      await suite.orders.waitFor(err.orderId, 'rejected');
      expect(suite.positions.size()).toBe(0);
      await step('4m');
      const { orderId } = await suite.orders.market('buy', 1);
      await suite.orders.waitFor(orderId, 'filled');
      await suite.positions.waitForSize(1);
    });
  });
});
