import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Venue } from '../../src/index.js';
import { type Ccxt, T0, binanceVenue, guardLoopback, spotClient } from './helpers.js';

guardLoopback();

function touch(venue: Venue): { bid: number; ask: number } {
  const book = venue.binance?.books.get('BTCUSDT');
  return { bid: book?.bestBid() ?? Number.NaN, ask: book?.bestAsk() ?? Number.NaN };
}

describe('binance spot REST with an unmodified ccxt', () => {
  let venue: Venue;
  let ex: Ccxt;
  beforeAll(async () => {
    venue = await binanceVenue();
    await venue.advance('5s');
    ex = spotClient(venue);
  });
  afterAll(async () => {
    await ex?.close();
    await venue?.close();
  });

  it('loadMarkets reads exchangeInfo: precision and limits from the filters', async () => {
    const markets = await ex.loadMarkets();
    const m = markets['BTC/USDT'];
    expect(m).toMatchObject({ id: 'BTCUSDT', type: 'spot', spot: true, active: true, base: 'BTC', quote: 'USDT' });
    expect(m.precision).toMatchObject({ amount: 0.001, price: 0.1 });
    expect(markets['ETH/USDT'].precision.price).toBe(0.01);
    expect(Object.keys(markets)).not.toContain('BTC/USDT:USDT');
  });

  it('fetchOrderBook equals the venue book and carries its update id', async () => {
    const ob = await ex.fetchOrderBook('BTC/USDT', 5);
    const book = venue.binance?.books.get('BTCUSDT');
    expect(ob.nonce).toBe(book?.lastUpdateId);
    expect(ob.bids).toHaveLength(5);
    expect(ob.asks).toHaveLength(5);
    const snap = book?.snapshot(5);
    expect(ob.bids).toEqual(snap?.bids);
    expect(ob.asks).toEqual(snap?.asks);
    expect(ob.bids[0][0]).toBeLessThan(ob.asks[0][0]);
  });

  it('fetchTicker, fetchTrades and fetchOHLCV show the market the venue played', async () => {
    const t = await ex.fetchTicker('BTC/USDT');
    const view = venue.core.view('BTCUSDT');
    const book = venue.binance?.books.get('BTCUSDT');
    expect(t.symbol).toBe('BTC/USDT');
    expect(t.last).toBe(view.last);
    expect(t.bid).toBe(book?.bestBid());
    expect(t.ask).toBe(book?.bestAsk());
    expect(t.baseVolume).toBeCloseTo(view.volume, 9);
    const trades = await ex.fetchTrades('BTC/USDT', undefined, 3);
    expect(trades).toHaveLength(3);
    expect(trades[2].price).toBe(view.last);
    expect(trades[2].timestamp).toBeLessThanOrEqual(Math.floor(venue.clock.now() / 1000));
    const bars = await ex.fetchOHLCV('BTC/USDT', '1s', undefined, 3);
    expect(bars).toHaveLength(3);
    for (const [ts, o, h, l, c, v] of bars) {
      expect(ts % 1000).toBe(0);
      expect(h).toBeGreaterThanOrEqual(Math.max(o, c));
      expect(l).toBeLessThanOrEqual(Math.min(o, c));
      expect(v).toBeGreaterThanOrEqual(0);
    }
    // Consecutive seconds; the current one has no trade yet and is flat at the last close.
    expect(bars[1][0] - bars[0][0]).toBe(1000);
    expect(bars[0][5]).toBeGreaterThan(0);
    expect(bars[2][4]).toBe(view.last);
    const minute = await ex.fetchOHLCV('BTC/USDT', '1m', T0 / 1000, 2);
    expect(minute[0][0]).toBe(T0 / 1000);
  });

  it('fetchBalance shows the quote cash and the base holdings', async () => {
    const b = await ex.fetchBalance();
    expect(b.USDT).toEqual({ free: 100000, used: 0, total: 100000 });
    expect(b.BTC).toEqual({ free: 1, used: 0, total: 1 });
  });

  it('limit order: create, fetchOrder, fetchOpenOrders, editOrder, cancelOrder', async () => {
    const bid = touch(venue).bid;
    const price = Math.round((bid - 500) * 10) / 10;
    const o = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, price);
    expect(o).toMatchObject({
      symbol: 'BTC/USDT',
      type: 'limit',
      side: 'buy',
      price,
      amount: 0.01,
      status: 'open',
      filled: 0,
    });
    expect(o.clientOrderId).toMatch(/^x-TKT5PX2F/);
    const core = venue.exchange.getOrders({ accountId: '1', open: true });
    expect(core.map((x) => x.price)).toContain(price);

    const fetched = await ex.fetchOrder(o.id, 'BTC/USDT');
    expect(fetched).toMatchObject({ id: o.id, status: 'open', price, clientOrderId: o.clientOrderId });
    const open = await ex.fetchOpenOrders('BTC/USDT');
    expect(open.map((x: { id: string }) => x.id)).toEqual([o.id]);
    const bal = await ex.fetchBalance();
    expect(bal.USDT.used).toBeCloseTo(price * 0.01, 6);

    const edited = await ex.editOrder(o.id, 'BTC/USDT', 'limit', 'buy', 0.02, price + 1);
    expect(edited).toMatchObject({ type: 'limit', side: 'buy', amount: 0.02, price: price + 1, status: 'open' });
    expect(edited.id).not.toBe(o.id);
    expect((await ex.fetchOrder(o.id, 'BTC/USDT')).status).toBe('canceled');

    const canceled = await ex.cancelOrder(edited.id, 'BTC/USDT');
    expect(canceled).toMatchObject({ id: edited.id, status: 'canceled' });
    expect(await ex.fetchOpenOrders('BTC/USDT')).toEqual([]);
    expect((await ex.fetchBalance()).USDT.used).toBe(0);
  });

  it('market buy and sell fill at the touch; fetchMyTrades lists them with fees', async () => {
    const { ask, bid } = touch(venue);
    const buy = await ex.createOrder('BTC/USDT', 'market', 'buy', 0.01);
    expect(buy).toMatchObject({ type: 'market', side: 'buy', status: 'closed', filled: 0.01, remaining: 0 });
    expect(buy.average).toBe(ask);
    const sell = await ex.createOrder('BTC/USDT', 'market', 'sell', 0.005);
    expect(sell).toMatchObject({ status: 'closed', filled: 0.005 });
    expect(sell.average).toBe(bid);
    const trades = await ex.fetchMyTrades('BTC/USDT');
    const mine = trades.filter((t: { order: string }) => t.order === buy.id || t.order === sell.id);
    expect(mine.map((t: { side: string }) => t.side)).toEqual(['buy', 'sell']);
    expect(mine[0].price).toBe(ask);
    expect(mine[0].fee.currency).toBe('USDT');
    const b = await ex.fetchBalance();
    expect(b.BTC.total).toBeCloseTo(1.005, 9);
    expect(b.USDT.total).toBeCloseTo(100000 - ask * 0.01 + bid * 0.005, 6);
  });

  it('quoteOrderQty market buy spends at most the quote amount, in whole lots', async () => {
    const { ask } = touch(venue);
    const before = (await ex.fetchBalance()).USDT.total;
    const o = await ex.createOrder('BTC/USDT', 'market', 'buy', 0.02, ask);
    expect(o.status).toBe('closed');
    // ccxt sends quoteOrderQty = amount × price truncated to the price precision.
    const quote = Math.floor(0.02 * ask * 10) / 10;
    const lots = Math.floor(quote / ask / 0.001 + 1e-6);
    expect(o.filled).toBeCloseTo(lots * 0.001, 9);
    const spent = before - (await ex.fetchBalance()).USDT.total;
    expect(spent).toBeLessThanOrEqual(quote);
    expect(spent).toBeCloseTo(lots * 0.001 * ask, 6);
  });

  it('stop-loss limit and stop-loss market rest until triggered and can be canceled', async () => {
    const { bid } = touch(venue);
    const trigger = Math.round((bid - 300) * 10) / 10;
    const sl = await ex.createOrder('BTC/USDT', 'limit', 'sell', 0.01, trigger - 10, { triggerPrice: trigger });
    expect(sl).toMatchObject({
      type: 'limit',
      side: 'sell',
      status: 'open',
      triggerPrice: trigger,
      price: trigger - 10,
    });
    const core = venue.exchange.getOrders({ accountId: '1', open: true }).find((x) => x.stopPrice === trigger);
    expect(core?.type).toBe('stop_limit');
    const sm = await ex.createOrder('BTC/USDT', 'market', 'sell', 0.01, undefined, { triggerPrice: trigger });
    expect(sm).toMatchObject({ type: 'market', status: 'open', triggerPrice: trigger });
    expect((await ex.fetchOrder(sm.id, 'BTC/USDT')).triggerPrice).toBe(trigger);
    await ex.cancelOrder(sl.id, 'BTC/USDT');
    await ex.cancelOrder(sm.id, 'BTC/USDT');
    expect(await ex.fetchOpenOrders('BTC/USDT')).toEqual([]);
  });
});
