/**
 * Position tracking: scaling in and out, reversing and closing, the client's position (from hub
 * events) equal to the gateway's (`Position/searchOpen`) and to the exchange's at every step, PnL
 * exact to the cent.
 */
import { describe } from 'vitest';
import { scripted, tape, test } from './support/fixtures.js';

describe('position tracking', () => {
  // The bid rises one point a second from 20000.
  test.override(scripted(tape(120, (i) => 20000 + i)));

  test('scale in, partial close, reverse, close: hub view = REST view = exchange at each step', async ({
    venue,
    suite,
    step,
    expect,
  }) => {
    const check = async (size: number, avg: number) => {
      const p = await suite.positions.waitForSize(size);
      expect(p.averagePrice).toBe(avg);
      const rest = await suite.positions.searchOpen();
      expect(rest.map((x) => [x.size, x.averagePrice])).toEqual(size === 0 ? [] : [[size, avg]]);
      const exch = venue.exchange.getPosition('1', 'MNQ');
      expect([exch.quantity, exch.quantity === 0 ? 0 : exch.avgPrice.toNumber()]).toEqual([size, avg]);
    };
    await step('1s'); // ask 20001.25 (bid 20001)
    await suite.orders.market('buy', 1);
    await check(1, 20001.25);
    await step('2s'); // ask 20003.25
    await suite.orders.market('buy', 2);
    await check(3, (20001.25 + 2 * 20003.25) / 3);
    await step('2s'); // bid 20005
    await suite.positions.partialClose(1);
    await check(2, (20001.25 + 2 * 20003.25) / 3);
    await step('1s'); // bid 20006: sell 4 → short 2
    await suite.orders.market('sell', 4);
    await check(-2, 20006);
    await step('4s'); // ask 20010.25: close the short
    await suite.positions.close();
    await check(0, 0);
    await suite.until(() => suite.positions.fills().length === 5, 'five fills');
    // Realized: the long of 3 closed at 20005 (1) and 20006 (2); the short of 2 at 20010.25.
    const avg = (20001.25 + 2 * 20003.25) / 3;
    const expected = Math.round(((20005 - avg) * 2 + (20006 - avg) * 2 * 2 + (20006 - 20010.25) * 2 * 2) * 100) / 100;
    expect(suite.positions.realizedPnl()).toBe(expected);
    expect(venue.exchange.getAccount('1').realizedPnl).toEqualDecimal(expected);
    await suite.until(() => suite.account.balance === 100000 + expected, 'the balance to include the PnL');
  });

  test('unrealized PnL follows the last price while the position is open', async ({ suite, step, expect }) => {
    await step('1s');
    await suite.orders.market('buy', 2); // at 20001.25
    await suite.positions.waitForSize(2);
    await step('10s'); // the last trade, at 14:30:10, printed 20010
    expect(suite.data.quote()?.last).toBe(20010);
    expect(suite.positions.unrealizedPnl()).toBe((20010 - 20001.25) * 2 * 2);
  });
});
