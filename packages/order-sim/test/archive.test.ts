import { Rng, VirtualClock } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { Exchange } from '../src/index.js';

/**
 * One exchange that keeps closed orders for good (the default) and one with a finite retention:
 * whatever form closed orders are kept in (objects today; the typed-array archive of b9d335d, a
 * prototype), they read back the same.
 */
function pair() {
  const make = (retainClosedOrders?: number) =>
    new Exchange({
      clock: new VirtualClock(),
      instruments: [{ symbol: 'X', tickSize: 0.5 }],
      accounts: [
        { id: 'a', balance: 1e9 },
        { id: 'b', balance: 1e9 },
        { id: 'default', balance: 1e9 },
      ],
      fees: { perContract: 0.1, makerBps: -0.2, takerBps: 0.5 },
      ...(retainClosedOrders !== undefined ? { retainClosedOrders } : {}),
    });
  return [make(), make(1e12)] as const;
}

describe('closed orders kept for good', () => {
  it('read back exactly as the objects they were (views, snapshot, cancel, modify, queue)', () => {
    const [archived, objects] = pair();
    const rng = new Rng(11);
    const ids: string[] = [];
    const shapes = [
      (side: 'buy' | 'sell', q: number, p: number) => ({
        symbol: 'X',
        side,
        type: 'limit' as const,
        quantity: q,
        price: p,
        accountId: 'a',
      }),
      (side: 'buy' | 'sell', q: number, p: number) => ({
        price: p,
        quantity: q,
        type: 'limit' as const,
        side,
        symbol: 'X',
        postOnly: true,
      }),
      (side: 'buy' | 'sell', q: number, p: number) => ({
        symbol: 'X',
        side,
        type: 'limit' as const,
        quantity: q,
        price: p,
        reduceOnly: false,
        accountId: 'b',
        timeInForce: 'GTC' as const,
        note: undefined,
      }),
      (side: 'buy' | 'sell', q: number) => ({
        symbol: 'X',
        side,
        type: 'market' as const,
        quantity: q,
        accountId: 'b',
        timeInForce: 'IOC' as const,
      }),
      (side: 'buy' | 'sell', q: number, p: number) => ({
        symbol: 'X',
        side,
        type: 'limit' as const,
        quantity: q,
        price: p,
        clientOrderId: `c${q}`,
        extra: { deep: [1] },
      }),
    ];
    for (let i = 0; i < 3000; i++) {
      const r = rng.next();
      const side = rng.next() < 0.5 ? 'buy' : 'sell';
      if (r < 0.55 || ids.length === 0) {
        const q = 1 + Math.floor(rng.next() * 5);
        const p = 100 + (side === 'buy' ? -1 : 1) * (0.5 * Math.floor(rng.next() * 12) - 1);
        const make = shapes[Math.floor(rng.next() * shapes.length)] as (typeof shapes)[0];
        const a = archived.placeOrder(make(side, q, p));
        const b = objects.placeOrder(make(side, q, p));
        expect(a).toEqual(b);
        ids.push(a.id);
      } else {
        const id = ids[Math.floor(rng.next() * ids.length)] as string;
        if (r < 0.8) expect(archived.cancelOrder(id)).toBe(objects.cancelOrder(id));
        else if (r < 0.9) {
          const tryModify = (ex: Exchange) => {
            try {
              return ex.modifyOrder(id, { quantity: 9 });
            } catch (e) {
              return (e as Error).message;
            }
          };
          expect(tryModify(archived)).toEqual(tryModify(objects));
        } else {
          expect(archived.getQueuePosition(id)).toEqual(objects.getQueuePosition(id));
          expect(JSON.stringify(archived.getOrder(id))).toBe(JSON.stringify(objects.getOrder(id)));
        }
      }
    }
    expect(JSON.stringify(archived.getOrders())).toBe(JSON.stringify(objects.getOrders()));
    expect(JSON.stringify(archived.getOrders({ accountId: 'b', symbol: 'X' }))).toBe(
      JSON.stringify(objects.getOrders({ accountId: 'b', symbol: 'X' })),
    );
    expect(JSON.stringify(archived.snapshot().orders)).toBe(JSON.stringify(objects.snapshot().orders));
    expect(archived.getOrders().filter((o) => o.status === 'canceled' || o.status === 'filled').length).toBeGreaterThan(
      500,
    );
  });
});
