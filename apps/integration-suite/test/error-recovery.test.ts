/**
 * Error recovery: a connection lost in the middle of an order leaves nothing unknown. Whether the
 * answer to a placement or cancel was lost, or the user hub was down while the order filled, the
 * client ends with the order's final state, its fills once, the position and the balance the
 * exchange has — and never places an order twice.
 */
import { describe } from 'vitest';
import { scripted, tape, test } from './support/fixtures.js';
import { nextState } from './support/wait.js';

// Bid 20000 for 10 s, then 19990 for 10 s, then 20010.
const source = tape(120, (i) => (i < 10 ? 20000 : i < 20 ? 19990 : 20010));

describe('error recovery', () => {
  describe('the answer to a placement is lost after the gateway handled it', () => {
    test.override(
      scripted(source, { projectx: { restFaults: [{ type: 'lose-response', route: 'Order/place', requests: [0] }] } }),
    );

    test('the client finds the order by its tag, reports it placed (reconciled) and never sends it twice', async ({
      venue,
      suite,
      step,
      expect,
    }) => {
      await step('1s');
      const placed = await suite.orders.market('buy', 1);
      expect(placed.reconciled).toBe(true);
      expect(venue.projectx?.restFaults.hits['lose-response']).toBe(1);
      const o = await suite.orders.waitFor(placed.orderId, 'filled');
      expect(o.customTag).toBe(placed.customTag);
      expect(venue.exchange.getOrders()).toHaveLength(1);
      await suite.positions.waitForSize(1);
      expect(suite.http.requests.get('Order/place')).toBe(1);
    });
  });

  describe('a placement request is dropped before the gateway handled it', () => {
    test.override(
      scripted(source, { projectx: { restFaults: [{ type: 'drop', route: 'Order/place', requests: [0] }] } }),
    );

    test('the client says it is uncertain, finds nothing under its tag, and the retry places exactly one', async ({
      venue,
      suite,
      step,
      expect,
    }) => {
      await step('1s');
      const err = await suite.orders.market('buy', 1, { customTag: 'entry-1' }).catch((e) => e);
      expect(err).toMatchObject({ code: 'SUBMISSION_UNCERTAIN', route: 'Order/place' });
      expect(err.message).toMatch(/Reconcile/);
      expect(venue.exchange.getOrders()).toHaveLength(0);
      // The tag was never used, so the user can send the same order again.
      const again = await suite.orders.market('buy', 1, { customTag: 'entry-1' });
      await suite.orders.waitFor(again.orderId, 'filled');
      expect(venue.exchange.getOrders()).toHaveLength(1);
    });
  });

  describe('the answer to a cancel is lost', () => {
    test.override(
      scripted(source, { projectx: { restFaults: [{ type: 'lose-response', route: 'Order/cancel', requests: [0] }] } }),
    );

    test('the client looks the order up and knows it is cancelled', async ({ suite, step, expect }) => {
      await step('1s');
      const { orderId } = await suite.orders.limit('buy', 1, 19900);
      await suite.orders.waitFor(orderId, 'open');
      await suite.orders.cancel(orderId);
      expect(suite.orders.get(orderId)?.status).toBe('cancelled');
      expect(await suite.orders.searchOpen()).toEqual([]);
    });
  });

  describe('the user hub is down while the order fills', () => {
    test.override(scripted(source));

    test('after the reconnect the resync recovers the final state, the fill once, the position and the balance', async ({
      venue,
      suite,
      step,
      expect,
    }) => {
      await step('1s');
      const { orderId } = await suite.orders.limit('buy', 2, 19995);
      await suite.orders.waitFor(orderId, 'open');
      const fills: number[] = [];
      suite.on('fill', (f) => fills.push(f.id));
      // The user hub goes down and stays down while the limit fills (at 14:30:10).
      venue.refuseHubConnections(true);
      const down = nextState(suite, 'user', 'reconnecting');
      venue.disconnectHubs('user');
      await down;
      await venue.advance('15s');
      expect(venue.exchange.getOrder(venue.exchange.getOrders()[0]?.id as string).status).toBe('filled');
      expect(suite.orders.get(orderId)?.status).toBe('open'); // the client has not heard yet
      const resynced = suite.waitFor('resync', () => true, 10_000, 'the resync after the user hub is back');
      venue.refuseHubConnections(false);
      const report = await resynced;
      expect(report.ordersUpdated).toContain(orderId);
      expect(report.fillsRecovered).toHaveLength(1);
      expect(report.positionsChanged).toEqual(['CON.F.US.MNQ.U25']);
      expect(suite.orders.get(orderId)).toMatchObject({ status: 'filled', filledSize: 2, avgFillPrice: 19995 });
      expect(suite.positions.get()).toMatchObject({ size: 2, averagePrice: 19995 });
      await suite.flush();
      expect(fills).toHaveLength(1);
      // The balance is the exchange's.
      expect(suite.account.balance).toBe(venue.exchange.getAccount('1').balance.toNumber());
    });

    test('a bracket whose entry fills during the outage: legs known after the resync, then the target closes it', async ({
      venue,
      suite,
      step,
      expect,
    }) => {
      await step('1s');
      const entry = await suite.orders.bracket({
        side: 'buy',
        size: 1,
        entry: { limit: 19990 },
        stopLossTicks: 40,
        takeProfitTicks: 60,
      });
      await suite.orders.waitFor(entry.orderId, 'open');
      venue.refuseHubConnections(true);
      const down = nextState(suite, 'user', 'reconnecting');
      venue.disconnectHubs('user');
      await down;
      await venue.advance('12s'); // 19990: the entry fills, the legs go live
      const resynced = suite.waitFor('resync', () => true, 10_000, 'the resync');
      venue.refuseHubConnections(false);
      await resynced;
      expect(suite.orders.get(entry.orderId)?.status).toBe('filled');
      const { stop, target } = suite.orders.legsOf(entry.orderId);
      expect([stop?.status, stop?.stopPrice, target?.status, target?.limitPrice]).toEqual([
        'open',
        19980,
        'open',
        20005,
      ]);
      expect(suite.positions.size()).toBe(1);
      await step('10s'); // 20010: the target fills, the stop is cancelled — heard live this time
      await suite.orders.waitFor(target?.id as number, 'filled');
      await suite.orders.waitFor(stop?.id as number, 'cancelled');
      await suite.positions.waitForSize(0);
      await suite.until(() => suite.positions.fills().length === 2, 'both fills');
      expect(suite.positions.realizedPnl()).toBe(30); // 15 points × $2
      expect(venue.exchange.getAccount('1').realizedPnl).toEqualDecimal(30);
    });
  });
});
