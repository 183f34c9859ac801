import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Venue } from '../../src/index.js';
import { type Ccxt, binanceVenue, guardLoopback, pump, spotClient, waitFor, within } from './helpers.js';

guardLoopback();

describe('binance spot streams with an unmodified ccxt.pro', () => {
  let venue: Venue;
  let ex: Ccxt;
  beforeAll(async () => {
    venue = await binanceVenue();
    await venue.advance('2s');
    ex = spotClient(venue);
    await ex.loadMarkets();
  });
  afterAll(async () => {
    await ex?.close();
    await venue?.close();
  });

  it('watchOrderBook: after hundreds of diffs the book ccxt keeps equals the venue book', async () => {
    const book = venue.binance?.books.get('BTCUSDT');
    if (!book) throw new Error('no book');
    let ob = await pump(venue, ex.watchOrderBook('BTC/USDT'), 'first order book');
    const start = ob.nonce;
    let diffs = 0;
    for (let i = 0; i < 100; i++) {
      const before = book.lastUpdateId;
      await venue.advance('100ms');
      if (book.lastUpdateId !== before) diffs++;
      if (ex.orderbooks['BTC/USDT'].nonce < book.lastUpdateId)
        ob = await within(ex.watchOrderBook('BTC/USDT'), 5000, 'order book update');
    }
    await waitFor(() => ex.orderbooks['BTC/USDT'].nonce === book.lastUpdateId, 'ccxt to apply the last diff');
    ob = ex.orderbooks['BTC/USDT'];
    expect(diffs).toBeGreaterThan(50);
    expect(ob.nonce - start).toBeGreaterThan(100);
    const snap = book.snapshot(1000);
    expect(snap.bids.length).toBeGreaterThan(10);
    expect(ob.bids.slice()).toEqual(snap.bids);
    expect(ob.asks.slice()).toEqual(snap.asks);
    // And the REST snapshot agrees too.
    const rest = await ex.fetchOrderBook('BTC/USDT', 1000);
    expect(rest.nonce).toBe(book.lastUpdateId);
    expect(rest.bids).toEqual(ob.bids.slice());
  });

  it('watchTrades, watchTicker and watchOHLCV deliver the market the venue plays', async () => {
    const trades = await pump(venue, ex.watchTrades('BTC/USDT'), 'a trade');
    expect(trades.length).toBeGreaterThan(0);
    const t = trades[trades.length - 1];
    expect(t).toMatchObject({ symbol: 'BTC/USDT', amount: 0.01 });
    expect(['buy', 'sell']).toContain(t.side);
    const ticker = await pump(venue, ex.watchTicker('BTC/USDT'), 'a ticker');
    expect(ticker.symbol).toBe('BTC/USDT');
    expect(ticker.last).toBe(venue.core.view('BTCUSDT').last);
    const bars = await pump(venue, ex.watchOHLCV('BTC/USDT', '1m'), 'a kline');
    const last = bars[bars.length - 1];
    expect(last[0] % 60_000).toBe(0);
    expect(last[4]).toBe(venue.core.view('BTCUSDT').last);
    expect(last[5]).toBeGreaterThan(0);
  });

  it('watchOrders, watchMyTrades and watchBalance over the WebSocket API user-data subscription', async () => {
    const streams = venue.binance?.streams;
    const orders = ex.watchOrders('BTC/USDT');
    await waitFor(() => (streams?.userStreamCount() ?? 0) > 0, 'the user-data subscription');
    const book = venue.binance?.books.get('BTCUSDT');
    const price = Math.round(((book?.bestBid() ?? 0) - 400) * 10) / 10;
    const placed = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, price);
    const seen = await within(orders, 5000, 'the NEW executionReport');
    expect(seen[seen.length - 1]).toMatchObject({ id: placed.id, status: 'open', price, amount: 0.01, side: 'buy' });

    const myTrades = ex.watchMyTrades('BTC/USDT');
    const balance = ex.watchBalance();
    const buy = await ex.createOrder('BTC/USDT', 'market', 'buy', 0.002);
    const trades = await within(myTrades, 5000, 'the TRADE executionReport');
    expect(trades[trades.length - 1]).toMatchObject({ order: buy.id, side: 'buy', amount: 0.002, price: buy.average });
    const bal = await within(balance, 5000, 'outboundAccountPosition');
    const rest = await ex.fetchBalance();
    expect(bal.BTC.free).toBeCloseTo(rest.BTC.free, 9);
    expect(bal.USDT.free).toBeCloseTo(rest.USDT.free, 6);
    expect(bal.USDT.used).toBeCloseTo(price * 0.01, 6);

    const canceled = ex.watchOrders('BTC/USDT');
    await ex.cancelOrder(placed.id, 'BTC/USDT');
    const after = await within(canceled, 5000, 'the CANCELED executionReport');
    expect(after.find((o: { id: string }) => o.id === placed.id)?.status).toBe('canceled');
  });

  it('combined streams and raw /ws/<stream> connections are served too', async () => {
    const { WebSocket } = await import('ws');
    const base = venue.url.replace('http', 'ws');
    const raw = new WebSocket(`${base}/ws/btcusdt@trade`);
    const combined = new WebSocket(`${base}/stream?streams=btcusdt@trade/ethusdt@depth`);
    const got: { raw: unknown[]; combined: Array<{ stream: string }> } = { raw: [], combined: [] };
    raw.on('message', (d) => got.raw.push(JSON.parse(String(d))));
    combined.on('message', (d) => got.combined.push(JSON.parse(String(d))));
    await Promise.all([raw, combined].map((s) => new Promise((r) => s.once('open', r))));
    await waitFor(() => (venue.binance?.streams.subscriberCount('spot:btcusdt@trade') ?? 0) >= 2, 'subscriptions');
    for (let i = 0; i < 20 && (got.raw.length === 0 || got.combined.length < 2); i++) {
      await venue.advance('250ms');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(got.raw[0]).toMatchObject({ e: 'trade', s: 'BTCUSDT' });
    expect(new Set(got.combined.map((m) => m.stream))).toEqual(new Set(['btcusdt@trade', 'ethusdt@depth']));
    // SUBSCRIBE / LIST_SUBSCRIPTIONS / UNSUBSCRIBE and a bad stream name.
    const replies: Array<Record<string, unknown>> = [];
    raw.on('message', (d) => {
      const m = JSON.parse(String(d));
      if ('id' in m) replies.push(m);
    });
    raw.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['ethusdt@kline_1m'], id: 7 }));
    raw.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 8 }));
    raw.send(JSON.stringify({ method: 'UNSUBSCRIBE', params: ['btcusdt@trade'], id: 9 }));
    raw.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['nosuch@trade'], id: 10 }));
    await waitFor(() => replies.length >= 4, 'four replies');
    expect(replies[0]).toEqual({ result: null, id: 7 });
    expect(replies[1]).toEqual({ result: ['btcusdt@trade', 'ethusdt@kline_1m'], id: 8 });
    expect(replies[2]).toEqual({ result: null, id: 9 });
    expect(replies[3]).toMatchObject({ id: 10, error: { code: 2 } });
    raw.close();
    combined.close();
  });
});
