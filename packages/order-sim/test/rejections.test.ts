import {
  type OrderRequest,
  type OrderUpdateEvent,
  type RejectReason,
  type TradeKitError,
  VirtualClock,
  isTradeKitError,
} from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { Exchange } from '../src/index.js';
import { ES, setup } from './helpers.js';

function rejection(ex: Exchange, req: Partial<OrderRequest>): OrderUpdateEvent['order'] {
  const placed = ex.placeOrder({
    symbol: 'ES',
    side: 'buy',
    type: 'limit',
    quantity: 1,
    price: 100,
    ...req,
  } as OrderRequest);
  return ex.getOrder(placed.id);
}

describe('rejections', () => {
  const cases: [RejectReason, (ctx: ReturnType<typeof setup>) => OrderUpdateEvent['order'], RegExp][] = [
    ['ORDER_PRICE_OFF_TICK', ({ ex }) => rejection(ex, { price: 100.1 }), /tick grid.*100 and 100.25/],
    [
      'ORDER_PRICE_OFF_TICK',
      ({ ex }) => rejection(ex, { type: 'stop', price: undefined, stopPrice: 99.9 }),
      /stopPrice/,
    ],
    ['ORDER_SIZE_INVALID', ({ ex }) => rejection(ex, { quantity: 0 }), /quantity.*> 0.*`0`/],
    ['ORDER_SIZE_INVALID', ({ ex }) => rejection(ex, { quantity: -3 }), /`-3`/],
    ['ORDER_SIZE_NOT_LOT_MULTIPLE', ({ ex }) => rejection(ex, { quantity: 1.5 }), /multiple of ES's lot size 1/],
    ['ORDER_UNKNOWN_SYMBOL', ({ ex }) => rejection(ex, { symbol: 'NOPE' }), /Unknown symbol `"NOPE"`.*ES, MNQ/],
    [
      'ORDER_MARKET_CLOSED',
      ({ ex, push }) => {
        push({ type: 'status', status: 'close' } as never);
        return rejection(ex, {});
      },
      /closed/,
    ],
    [
      'ORDER_MARKET_HALTED',
      ({ ex, push }) => {
        push({ type: 'status', status: 'halt' } as never);
        return rejection(ex, {});
      },
      /halted/,
    ],
    [
      'ORDER_REDUCE_ONLY_INCREASES',
      ({ ex }) => rejection(ex, { reduceOnly: true, side: 'sell' }),
      /reduce-only sell of 1 would increase the ES position of 0/,
    ],
    [
      'ORDER_POST_ONLY_WOULD_CROSS',
      ({ ex, quote }) => {
        quote(99.75, 10, 100, 10);
        return rejection(ex, { postOnly: true, price: 100 });
      },
      /Post-only buy at 100 would take liquidity/,
    ],
    [
      'ORDER_FOK_UNFILLABLE',
      ({ ex, quote }) => {
        quote(99.75, 10, 100, 5);
        return rejection(ex, { timeInForce: 'FOK', quantity: 10 });
      },
      /can fill only 5 now/,
    ],
    ['ORDER_INVALID', ({ ex }) => rejection(ex, { price: undefined }), /needs `price`/],
    ['ORDER_INVALID', ({ ex }) => rejection(ex, { timeInForce: 'GTD' }), /GTD order needs `expireAt`/],
    ['ORDER_INVALID', ({ ex }) => rejection(ex, { type: 'market', postOnly: true }), /postOnly/],
  ];

  it.each(cases.map((c, i) => [`${c[0]} #${i}`, ...c] as const))('%s', (_name, reason, make, message) => {
    const ctx = setup();
    const order = make(ctx);
    expect(order.status).toBe('rejected');
    expect(order.rejectReason).toBe(reason);
    expect(order.rejectMessage).toMatch(message);
    const events = ctx.events.filter((e): e is OrderUpdateEvent => e.type === 'order' && e.order.id === order.id);
    expect(events.map((e) => [e.previousStatus, e.order.status])).toEqual([
      [null, 'pending_new'],
      ['pending_new', 'rejected'],
    ]);
    expect(ctx.fills).toEqual([]);
  });

  it('rejects an order outside the instrument session', () => {
    const clock = new VirtualClock({ start: Date.UTC(2024, 0, 2, 22, 0) * 1000 });
    const ex = new Exchange({ clock, instruments: [{ ...ES, sessions: [{ open: '14:30', close: '21:00' }] }] });
    const o = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 1 });
    expect(ex.getOrder(o.id).rejectReason).toBe('ORDER_MARKET_CLOSED');
  });

  it('rejects for insufficient buying power with margin per contract, accepts what fits', () => {
    const clock = new VirtualClock();
    const ex = new Exchange({
      clock,
      instruments: [{ ...ES, marginPerContract: 1000 }],
      accounts: [{ id: 'small', balance: 2500 }],
    });
    ex.onMarketEvent({ type: 'trade', symbol: 'ES', ts: 0, price: 100, size: 1, side: 'buy' });
    const ok = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 2, price: 99, accountId: 'small' });
    expect(ex.getOrder(ok.id).status).toBe('new');
    const tooBig = ex.placeOrder({
      symbol: 'ES',
      side: 'buy',
      type: 'limit',
      quantity: 1,
      price: 99,
      accountId: 'small',
    });
    const r = ex.getOrder(tooBig.id);
    expect(r.rejectReason).toBe('ORDER_INSUFFICIENT_BUYING_POWER');
    expect(r.rejectMessage).toMatch(/Buying power 500 USD < required margin 1000/);
    expect(ex.getAccount('small').marginUsed.toString()).toBe('2000');
  });

  it('throws TradeKitError for programming errors, naming the field and the value', () => {
    const { ex } = setup();
    const bad = (req: unknown) => {
      try {
        ex.placeOrder(req as OrderRequest);
      } catch (e) {
        expect(isTradeKitError(e)).toBe(true);
        return e as TradeKitError;
      }
      throw new Error('did not throw');
    };
    expect(bad(null).code).toBe('ORDER_REQUEST_INVALID');
    const side = bad({ symbol: 'ES', side: 'hold', type: 'market', quantity: 1 });
    expect(side.message).toBe('Expected `side` to be "buy" or "sell", got `"hold"` (string).');
    expect(bad({ symbol: 'ES', side: 'buy', type: 'market', quantity: '1' }).message).toMatch(
      /`quantity` to be a number, got `"1"` \(string\)/,
    );
    expect(bad({ symbol: 'ES', side: 'buy', type: 'market', quantity: 1, accountId: 'zed' }).code).toBe(
      'EXCHANGE_UNKNOWN_ACCOUNT',
    );
    expect(() => ex.cancelOrder('o999')).toThrow(expect.objectContaining({ code: 'ORDER_UNKNOWN' }));
    expect(() => new Exchange({ clock: new VirtualClock(), instruments: [] })).toThrow(
      expect.objectContaining({ code: 'EXCHANGE_CONFIG_INVALID' }),
    );
    expect(() => new Exchange({ clock: new VirtualClock(), instruments: [ES], queueModel: 'magic' as never })).toThrow(
      /queueModel/,
    );
  });
});
