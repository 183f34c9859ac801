import { Decimal } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { createTradingClient } from '../src/index.js';
import { setup } from './helpers.js';

describe('golden scenarios', () => {
  it('queue position: 100 ahead, prints of 80, 30, 50 → no fill, fill 10, fill 40', () => {
    const { ex, fills, quote, trade } = setup();
    quote(100, 100, 100.25, 100);
    const o = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 50, price: 100 });
    expect(o.status).toBe('new');
    expect(ex.getQueuePosition(o.id)).toEqual({ ahead: 100, ordersAhead: 0 });
    trade(100, 80);
    expect(fills).toEqual([]);
    expect(ex.getQueuePosition(o.id)).toEqual({ ahead: 20, ordersAhead: 0 });
    trade(100, 30);
    expect(fills.map((f) => f.quantity)).toEqual([10]);
    trade(100, 50);
    expect(fills.map((f) => f.quantity)).toEqual([10, 40]);
    expect(fills.every((f) => f.liquidity === 'maker' && f.price.eq(100))).toBe(true);
    expect(ex.getOrder(o.id).status).toBe('filled');
  });

  it('liquidity consumption: ask 100; buys of 30 then 50 fill; a third of 30 gets 20', () => {
    const { ex, fills, quote } = setup();
    quote(99.75, 100, 100, 100);
    const a = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 30 });
    const b = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 50 });
    const c = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 30 });
    expect(ex.getOrder(a.id).status).toBe('filled');
    expect(ex.getOrder(b.id).status).toBe('filled');
    const third = ex.getOrder(c.id);
    expect(third.status).toBe('partially_filled');
    expect(third.filledQuantity).toBe(20);
    expect(third.remainingQuantity).toBe(10);
    expect(fills.map((f) => [f.quantity, f.price.toNumber()])).toEqual([
      [30, 100],
      [50, 100],
      [20, 100],
    ]);
    // The next quote refreshes the displayed size: the rest fills.
    quote(99.75, 100, 100, 100);
    expect(ex.getOrder(c.id).status).toBe('filled');
    expect(ex.getPosition('default', 'ES').quantity).toBe(110);
  });

  it('stop-market gap on bars: prev close 105, open 90, sell stop 100 → fill at 90', () => {
    const { ex, fills, bar } = setup();
    ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 1 });
    bar(104, 106, 103, 105); // the long fills at this bar's open (next_bar_open)
    expect(fills[0]?.price.toNumber()).toBe(104);
    const stop = ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'stop', quantity: 1, stopPrice: 100 });
    bar(90, 92, 88, 91);
    expect(fills[1]?.price.toNumber()).toBe(90);
    expect(ex.getOrder(stop.id).status).toBe('filled');
    expect(ex.getPosition('default', 'ES').quantity).toBe(0);
  });

  it('stop-market gap on prints: last 105, next print 90, sell stop 100 → fill at 90', () => {
    const { ex, fills, trade } = setup();
    trade(105, 1);
    const stop = ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'stop', quantity: 2, stopPrice: 100 });
    trade(101, 1);
    expect(fills).toEqual([]);
    trade(90, 1);
    expect(fills.map((f) => [f.quantity, f.price.toNumber()])).toEqual([[2, 90]]);
    expect(ex.getOrder(stop.id).triggered).toBe(true);
  });

  it('bracket on MNQ: buy 1 at 20000, stop −50 pts, target +100 pts; price falls 60 → stop fills, flat, −$100 − fees', () => {
    const { ex, quote, fills } = setup({ fees: { perContract: 0.62 } });
    const client = createTradingClient(ex);
    quote(19999.75, 10, 20000, 10, 'MNQ');
    const entry = client.placeBracketOrder({
      symbol: 'MNQ',
      side: 'buy',
      quantity: 1,
      stopLoss: { price: 50 },
      takeProfit: { price: 100 },
    });
    expect(client.getOrder(entry.id).status).toBe('filled');
    expect(client.getPosition('MNQ').quantity).toBe(1);
    const [sl, tp] = client.getOrders({ open: true });
    expect(sl?.type).toBe('stop');
    expect(sl?.stopPrice).toBe(19950);
    expect(tp?.price).toBe(20100);
    for (let p = 19990; p >= 19940; p -= 10) quote(p, 10, p + 0.25, 10, 'MNQ');
    expect(client.getOrder(sl?.id as string).status).toBe('filled');
    expect(client.getOrder(tp?.id as string).status).toBe('canceled');
    expect(fills.map((f) => f.price.toNumber())).toEqual([20000, 19950]);
    const pos = client.getPosition('MNQ');
    expect(pos.quantity).toBe(0);
    expect(pos.realizedPnl.toString()).toBe('-100');
    expect(pos.fees.toString()).toBe('1.24');
    const acct = client.getAccount();
    expect(acct.balance.toString()).toBe(new Decimal(100_000).minus(100).minus(1.24).toString());
  });

  it('long → short reversal in one fill realizes PnL on the closed part and opens the rest at the fill price', () => {
    const { ex, trade } = setup();
    trade(100, 1);
    ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 2 });
    trade(110, 1);
    ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'market', quantity: 5 });
    let pos = ex.getPosition('default', 'ES');
    expect(pos.quantity).toBe(-3);
    expect(pos.avgPrice.toNumber()).toBe(110);
    expect(pos.realizedPnl.toString()).toBe('1000'); // (110 − 100) × 2 × $50
    trade(105, 1);
    expect(ex.getPosition('default', 'ES').unrealizedPnl.toString()).toBe('750'); // (110 − 105) × 3 × 50
    ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 3 });
    pos = ex.getPosition('default', 'ES');
    expect(pos.quantity).toBe(0);
    expect(pos.realizedPnl.toString()).toBe('1750');
  });

  it('the seed scenario reads like an SDK: market → filled → position 1 → bracket → price drops → stop → flat', () => {
    const { ex, quote } = setup();
    const client = createTradingClient(ex, { accountId: 'default' });
    const seen: string[] = [];
    client.on('fill', (e) => seen.push(`${e.fill.side} ${e.fill.quantity} @ ${e.fill.price}`));
    quote(19999.75, 5, 20000, 5, 'MNQ');
    const buy = client.placeMarketOrder('MNQ', 'buy', 1);
    expect(client.getOrder(buy.id).status).toBe('filled');
    expect(client.getPosition('MNQ').quantity).toBe(1);
    client.placeStopOrder('MNQ', 'sell', 1, 19990, { ocoGroup: 'exit' });
    client.placeLimitOrder('MNQ', 'sell', 1, 20050, { ocoGroup: 'exit' });
    quote(19989.75, 5, 19990, 5, 'MNQ');
    expect(client.getPosition('MNQ').quantity).toBe(0);
    expect(seen).toEqual(['buy 1 @ 20000', 'sell 1 @ 19989.75']);
    expect(client.getOrders({ open: true })).toEqual([]);
  });
});
