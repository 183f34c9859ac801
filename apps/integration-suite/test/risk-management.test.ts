/**
 * Risk management: what the gateway refuses reaches the client as `ORDER_REJECTED` with the
 * gateway's code and reason, the rejected order (which still gets an id) shows as rejected, and
 * nothing reaches the position.
 */
import { TradingSuite } from 'sample-client';
import { describe } from 'vitest';
import { CONTRACT, FAST_RECONNECT, MNQ, scripted, tape, test } from './support/fixtures.js';

describe('risk management', () => {
  describe('buying power', () => {
    // $1,000 of margin per contract on a $2,500 account: two contracts fit, three do not.
    test.override(
      scripted(
        tape(30, () => 20000),
        {
          instruments: [{ ...MNQ, marginPerContract: 1000 }],
          accounts: [{ id: 1, balance: 2500 }],
        },
      ),
    );

    test('an order beyond the buying power is rejected with code 3 and the reason; the position is untouched', async ({
      suite,
      step,
      expect,
    }) => {
      await step('1s');
      const err = await suite.orders.market('buy', 3).catch((e) => e);
      expect(err).toMatchObject({ name: 'GatewayError', code: 'ORDER_REJECTED', errorCode: 3 });
      expect(err.errorMessage).toMatch(/buying power|margin/i);
      expect(typeof err.orderId).toBe('number');
      const rejected = await suite.orders.waitFor(err.orderId, 'rejected');
      expect(rejected.filledSize).toBe(0);
      expect(suite.positions.size()).toBe(0);
      // Within the limit it goes through.
      const ok = await suite.orders.market('buy', 2);
      await suite.orders.waitFor(ok.orderId, 'filled');
      await suite.positions.waitForSize(2);
      // Adding to it would exceed it again.
      const more = await suite.orders.limit('buy', 1, 19990).catch((e) => e);
      expect(more).toMatchObject({ code: 'ORDER_REJECTED', errorCode: 3 });
    });
  });

  describe('order checks', () => {
    test.override(scripted(tape(30, () => 20000)));

    test('a duplicate customTag, a stop on the wrong side and a bracket leg of the wrong type are refused with reasons', async ({
      suite,
      step,
      expect,
    }) => {
      await step('1s');
      await suite.orders.limit('buy', 1, 19990, { customTag: 'mine' });
      const dup = await suite.orders.limit('buy', 1, 19990, { customTag: 'mine' }).catch((e) => e);
      expect(dup).toMatchObject({ code: 'ORDER_REJECTED', errorCode: 2 });
      expect(dup.errorMessage).toMatch(/customTag "mine" is already used/);

      // A buy stop below the market would trigger at once: the exchange refuses it.
      const wrong = await suite.orders.stop('buy', 1, 19900).catch((e) => e);
      expect(wrong).toMatchObject({ code: 'ORDER_REJECTED', errorCode: 2 });
      expect(wrong.errorMessage).toMatch(/stop/i);
      await suite.orders.waitFor(wrong.orderId, 'rejected');

      expect(suite.positions.size()).toBe(0);
      expect(suite.orders.working().map((o) => o.customTag)).toEqual(['mine']);
    });

    test('the gateway refuses a size of 0 before the exchange sees it (client-side check first)', async ({
      suite,
      venue,
      step,
      expect,
    }) => {
      await step('1s');
      await expect(suite.orders.market('buy', 0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      // The same request sent raw: the gateway's own answer.
      const res = await suite.http.call<{ orderId: number | null }>('Order/place', {
        accountId: suite.accountId,
        contractId: CONTRACT,
        type: 2,
        side: 0,
        size: 0,
      });
      expect(res).toMatchObject({ success: false, errorCode: 2, errorMessage: 'Invalid size 0: must be ≥ 1.' });
      expect(venue.exchange.getOrders()).toEqual([]);
    });
  });

  describe('accounts and contracts', () => {
    test.override(
      scripted(
        tape(30, () => 20000),
        {
          instruments: [
            MNQ,
            { symbol: 'MES', tickSize: 0.25, multiplier: 5, contractId: 'CON.F.US.MES.H25', activeContract: false },
          ],
          accounts: [
            { id: 1, name: 'LOCKED', canTrade: false },
            { id: 2, name: 'OPEN' },
          ],
        },
      ),
    );

    test('an account that cannot trade (code 10) and an expired contract (code 9) are refused with reasons', async ({
      venue,
      step,
      expect,
    }) => {
      await step('1s');
      const locked = await TradingSuite.create('MNQ', {
        ...venue.connection,
        account: 'LOCKED',
        reconnect: FAST_RECONNECT,
      });
      try {
        expect(locked.account.canTrade).toBe(false);
        const err = await locked.orders.market('buy', 1).catch((e) => e);
        expect(err).toMatchObject({ code: 'ORDER_REJECTED', errorCode: 10 });
        expect(err.errorMessage).toBe('Account 1 cannot trade.');
      } finally {
        await locked.disconnect();
      }
      const expired = await TradingSuite.create('CON.F.US.MES.H25', {
        ...venue.connection,
        account: 'OPEN',
        reconnect: FAST_RECONNECT,
      });
      try {
        const err = await expired.orders.market('buy', 1).catch((e) => e);
        expect(err).toMatchObject({ code: 'ORDER_REJECTED', errorCode: 9 });
        expect(err.errorMessage).toMatch(/not active/);
      } finally {
        await expired.disconnect();
      }
      expect(venue.exchange.getOrders()).toEqual([]);
    });
  });
});
