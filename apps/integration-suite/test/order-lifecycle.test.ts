/**
 * Order lifecycle through the client: every status an order goes through arrives once and in
 * order, and what the client shows equals what the gateway's REST searches say.
 */
import type { Order } from 'sample-client';
import { describe } from 'vitest';
import { scripted, tape, test } from './support/fixtures.js';

/** Records the status sequence of each order from the `order` events. */
function statusLog(suite: { on(e: 'order', l: (o: Order) => void): () => void }) {
  const log = new Map<number, string[]>();
  suite.on('order', (o) => {
    const l = log.get(o.id) ?? [];
    l.push(o.status);
    log.set(o.id, l);
  });
  return log;
}

describe('order lifecycle', () => {
  // Bid 20000 for 10 s, 19990 for 10 s, then 20010.
  test.override(scripted(tape(60, (i) => (i < 10 ? 20000 : i < 20 ? 19990 : 20010))));

  test('limit: open → modified (price, then size) → cancelled; REST agrees at each step', async ({
    suite,
    step,
    expect,
  }) => {
    const log = statusLog(suite);
    await step('1s');
    const { orderId } = await suite.orders.limit('buy', 1, 19980);
    await suite.orders.waitFor(orderId, 'open');
    await suite.orders.modify(orderId, { limitPrice: 19985 });
    await suite.orders.waitFor(orderId, (o) => o.limitPrice === 19985);
    await suite.orders.modify(orderId, { size: 3 });
    const modified = await suite.orders.waitFor(orderId, (o) => o.size === 3);
    const [rest] = await suite.orders.searchOpen();
    expect(rest).toMatchObject({ id: orderId, status: 'open', size: 3, limitPrice: 19985 });
    expect(modified).toMatchObject({ status: 'open', size: 3, limitPrice: 19985, filledSize: 0 });
    await suite.orders.cancel(orderId);
    await suite.orders.waitFor(orderId, 'cancelled');
    expect(await suite.orders.searchOpen()).toEqual([]);
    // A new order shows Pending first (as the live gateway does), then Open.
    expect(log.get(orderId)).toEqual(['pending', 'open', 'open', 'open', 'cancelled']);
    // A cancelled order can be neither cancelled nor modified again: the gateway says why.
    const again = await suite.orders.cancel(orderId).catch((e) => e);
    expect(again).toMatchObject({ code: 'REQUEST_FAILED', errorCode: 3 });
    expect(again.errorMessage).toMatch(/cannot be cancelled/);
    const mod = await suite.orders.modify(orderId, { limitPrice: 19990 }).catch((e) => e);
    expect(mod.code).toBe('REQUEST_FAILED');
  });

  test('a resting limit fills when the market comes to it; a stop triggers when it trades through', async ({
    suite,
    step,
    expect,
  }) => {
    const log = statusLog(suite);
    await step('1s');
    const lim = await suite.orders.limit('buy', 2, 19995);
    const stop = await suite.orders.stop('buy', 1, 20005);
    await suite.orders.waitFor(stop.orderId, 'open');
    await step('10s'); // 19990: the limit fills (at its price), the buy stop above waits
    expect(suite.orders.get(lim.orderId)).toMatchObject({ status: 'filled', filledSize: 2, avgFillPrice: 19995 });
    expect(suite.orders.get(stop.orderId)?.status).toBe('open');
    await step('10s'); // 20010: the stop triggers and buys at the ask
    const s = await suite.orders.waitFor(stop.orderId, 'filled');
    expect(s.avgFillPrice).toBe(20010.25);
    expect(log.get(lim.orderId)).toEqual(['pending', 'open', 'filled']);
    expect(log.get(stop.orderId)).toEqual(['pending', 'open', 'filled']);
    await suite.positions.waitForSize(3);
    expect(suite.orders.working()).toEqual([]);
  });

  test('bracket with a limit entry: legs wait suspended until the entry fills, then OCO', async ({
    suite,
    step,
    expect,
  }) => {
    await step('1s');
    const entry = await suite.orders.bracket({
      side: 'buy',
      size: 1,
      entry: { limit: 19990 },
      stopLossTicks: 20,
      takeProfitTicks: 40,
    });
    await suite.orders.waitFor(entry.orderId, 'open');
    // The legs exist but wait for the entry; searchOpen leaves them out, as the gateway does.
    await suite.until(() => suite.orders.legsOf(entry.orderId).target !== undefined, 'the suspended legs');
    expect(suite.orders.legsOf(entry.orderId).stop?.status).toBe('suspended');
    expect((await suite.orders.searchOpen()).map((o) => o.id)).toEqual([entry.orderId]);
    await step('10s'); // 19990: the entry fills; the legs go live around it
    await suite.orders.waitFor(entry.orderId, 'filled');
    const { stop, target } = suite.orders.legsOf(entry.orderId);
    await suite.orders.waitFor(target?.id as number, 'open');
    expect([stop?.stopPrice, target?.limitPrice]).toEqual([19985, 20000]);
    await step('10s'); // 20010: the target fills, the stop is cancelled
    await suite.orders.waitFor(target?.id as number, 'filled');
    await suite.orders.waitFor(stop?.id as number, 'cancelled');
    await suite.positions.waitForSize(0);
    await suite.until(() => suite.positions.fills().length === 2, 'both fills');
    expect(suite.positions.realizedPnl()).toBe(20); // 10 points × $2
  });

  test('cancelAll cancels every working order of the contract', async ({ suite, step, expect }) => {
    await step('1s');
    const ids = [
      (await suite.orders.limit('buy', 1, 19900)).orderId,
      (await suite.orders.limit('sell', 1, 20100)).orderId,
      (await suite.orders.stop('sell', 1, 19900)).orderId,
    ];
    for (const id of ids) await suite.orders.waitFor(id, 'open');
    expect(await suite.orders.cancelAll()).toBe(3);
    for (const id of ids) await suite.orders.waitFor(id, 'cancelled');
    expect(suite.orders.working()).toEqual([]);
  });
});
