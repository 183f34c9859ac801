import { garch } from '@tradekit/market-sim';
import { Decimal } from '@tradekit/types';
import { describe } from 'vitest';
import { priceMove, test } from '../src/index.js';

describe('a full trading cycle', () => {
  test.override({
    marketConfig: {
      // A calm MNQ, so the scripted move rather than the noise decides which exit fills.
      symbols: [{ symbol: 'MNQ', process: garch({ volatility: 0.05 }) }],
      preset: 'futures',
      duration: '1h',
      // The scenario: 60 points down between minute 2 and minute 5.
      scenarios: [priceMove({ symbol: 'MNQ', by: -60, from: '2m', to: '5m' })],
    },
    exchangeOptions: { fees: { perContract: 0.62 } },
  });

  test('market order, bracket (stop 50, target 100), the market falls 60 points, the stop closes the trade', async ({
    trading,
    market,
    until,
    expect,
  }) => {
    const wallStart = performance.now();

    const entry = trading.placeMarketOrder('MNQ', 'buy', 1);
    await until(() => trading.getOrder(entry.id).status === 'filled', { timeout: '10s' });
    expect(entry).toBeFilled();
    expect(trading).toHavePosition('MNQ', 1);

    const entryPrice = trading.getOrder(entry.id).avgFillPrice ?? new Decimal(Number.NaN);
    const [stop, target] = trading.placeOcoOrders([
      {
        symbol: 'MNQ',
        side: 'sell',
        type: 'stop',
        quantity: 1,
        stopPrice: entryPrice.toNumber() - 50,
        reduceOnly: true,
      },
      { symbol: 'MNQ', side: 'sell', type: 'limit', quantity: 1, price: entryPrice.toNumber() + 100, reduceOnly: true },
    ]) as [never, never];

    await until(() => trading.getPosition('MNQ').quantity === 0, { timeout: '10m' });
    expect(trading).toHavePosition('MNQ', 0);
    expect(stop).toBeFilled();
    expect(target).toHaveStatus('canceled');
    // A stop-market order fills at the market once triggered, never better than its stop: when the
    // print that triggers it went through the book, it fills at the next quote (order-sim's rule),
    // so allow a few ticks of slippage below the stop, none above it.
    const exitPrice = trading.getOrder((stop as { id: string }).id).avgFillPrice ?? new Decimal(Number.NaN);
    expect(exitPrice.lte(entryPrice.minus(50))).toBe(true);
    expect(stop).toBeWithinTicks(entryPrice.minus(50), 8, 0.25);

    // The loss is the exit minus the entry, × $2 per point, exactly; fees 2 × $0.62 on top.
    const pnl = exitPrice.minus(entryPrice).times(2);
    expect(pnl.lte(-100)).toBe(true);
    expect(trading).toHaveRealizedPnl(pnl.toString());
    expect(trading).toHaveRealizedPnl(pnl.minus('1.24').toString(), { net: true });

    const marketMinutes = (market.clock.now() - market.sim.config.start) / 60e6;
    console.log(
      `trading cycle: entry ${entryPrice} exit ${exitPrice}, ${marketMinutes.toFixed(1)} min of market time, ${market.eventsPlayed} market events, ${(performance.now() - wallStart).toFixed(0)} ms wall`,
    );
  });
});
