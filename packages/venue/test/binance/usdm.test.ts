import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Venue } from '../../src/index.js';
import { API_KEY, type Ccxt, binanceVenue, guardLoopback, pump, usdmClient, waitFor, within } from './helpers.js';

guardLoopback();

const SYM = 'BTC/USDT:USDT';

function touch(venue: Venue): { bid: number; ask: number } {
  const book = venue.binance?.books.get('BTCUSDT-PERP');
  return { bid: book?.bestBid() ?? Number.NaN, ask: book?.bestAsk() ?? Number.NaN };
}

describe('binance USDⓈ-M with an unmodified ccxt.pro binanceusdm', () => {
  let venue: Venue;
  let ex: Ccxt;
  beforeAll(async () => {
    venue = await binanceVenue();
    await venue.advance('3s');
    ex = usdmClient(venue, {
      options: { fetchCurrencies: false, fetchMargins: false, listenKeyRefreshRate: 200 },
    });
  });
  afterAll(async () => {
    await ex?.close();
    await venue?.close();
  });

  it('public REST: loadMarkets, fetchTicker, fetchOrderBook, fetchTrades, fetchOHLCV', async () => {
    const markets = await ex.loadMarkets();
    expect(markets[SYM]).toMatchObject({ id: 'BTCUSDT', type: 'swap', linear: true, settle: 'USDT', contractSize: 1 });
    expect(markets[SYM].precision).toMatchObject({ amount: 0.001, price: 0.1 });
    const t = await ex.fetchTicker(SYM);
    expect(t.last).toBe(venue.core.view('BTCUSDT-PERP').last);
    const ob = await ex.fetchOrderBook(SYM, 5);
    expect(ob.nonce).toBe(venue.binance?.books.get('BTCUSDT-PERP')?.lastUpdateId);
    expect(ob.bids[0][0]).toBe(touch(venue).bid);
    const trades = await ex.fetchTrades(SYM, undefined, 2);
    expect(trades).toHaveLength(2);
    expect(trades[1].price).toBe(venue.core.view('BTCUSDT-PERP').last);
    const bars = await ex.fetchOHLCV(SYM, '1m', undefined, 1);
    expect(bars[0][4]).toBe(venue.core.view('BTCUSDT-PERP').last);
  });

  it('fetchBalance reads the futures wallet of the key’s futures account', async () => {
    const b = await ex.fetchBalance();
    expect(b.USDT).toMatchObject({ free: 100000, used: 0, total: 100000 });
  });

  it('market and limit orders, editOrder, fetchOrder, fetchOpenOrders, cancelOrder, fetchMyTrades, fetchPositions', async () => {
    const { ask } = touch(venue);
    const buy = await ex.createOrder(SYM, 'market', 'buy', 0.01);
    expect(buy).toMatchObject({ symbol: SYM, status: 'closed', filled: 0.01, reduceOnly: false });
    expect(buy.average).toBe(ask);
    expect(venue.exchange.getPosition('2', 'BTCUSDT-PERP').quantity).toBeCloseTo(0.01, 9);

    const price = Math.round((touch(venue).bid - 300) * 10) / 10;
    const lim = await ex.createOrder(SYM, 'limit', 'buy', 0.01, price);
    expect(lim).toMatchObject({ type: 'limit', status: 'open', price });
    const edited = await ex.editOrder(lim.id, SYM, 'limit', 'buy', 0.02, price + 1);
    expect(edited).toMatchObject({ id: lim.id, amount: 0.02, price: price + 1, status: 'open' });
    expect((await ex.fetchOrder(lim.id, SYM)).price).toBe(price + 1);
    expect((await ex.fetchOpenOrders(SYM)).map((o: { id: string }) => o.id)).toEqual([lim.id]);
    expect((await ex.cancelOrder(lim.id, SYM)).status).toBe('canceled');
    expect(await ex.fetchOpenOrders(SYM)).toEqual([]);

    const mine = await ex.fetchMyTrades(SYM);
    expect(mine[mine.length - 1]).toMatchObject({ order: buy.id, side: 'buy', amount: 0.01, price: ask });

    const positions = await ex.fetchPositions([SYM]);
    const p = positions.find((x: { symbol: string }) => x.symbol === SYM);
    expect(p).toMatchObject({ side: 'long', contracts: 0.01, entryPrice: ask, marginMode: 'cross' });
  });

  it('reduceOnly: a reducing order closes, an increasing one is refused (-2022)', async () => {
    await expect(ex.createOrder(SYM, 'market', 'buy', 0.01, undefined, { reduceOnly: true })).rejects.toThrow(
      /ReduceOnly Order is rejected/,
    );
    const sell = await ex.createOrder(SYM, 'market', 'sell', 0.005, undefined, { reduceOnly: true });
    expect(sell).toMatchObject({ status: 'closed', filled: 0.005, reduceOnly: true });
    expect(venue.exchange.getPosition('2', 'BTCUSDT-PERP').quantity).toBeCloseTo(0.005, 9);
  });

  it('stop-market through the algo endpoint: listed, fetched, and it fills when the market trades through', async () => {
    const { bid } = touch(venue);
    const trigger = Math.round((bid - 50) * 10) / 10;
    const stop = await ex.createOrder(SYM, 'market', 'sell', 0.005, undefined, {
      triggerPrice: trigger,
      reduceOnly: true,
    });
    expect(stop).toMatchObject({
      type: 'market',
      side: 'sell',
      triggerPrice: trigger,
      status: 'open',
      reduceOnly: true,
    });
    const open = await ex.fetchOpenOrders(SYM, undefined, undefined, { trigger: true });
    expect(open.map((o: { id: string }) => o.id)).toEqual([stop.id]);
    expect((await ex.fetchOrder(stop.id, SYM, { trigger: true })).status).toBe('open');
    // A second one to cancel.
    const other = await ex.createOrder(SYM, 'limit', 'sell', 0.005, trigger - 10, { triggerPrice: trigger - 5 });
    expect(other.type).toBe('limit');
    await ex.cancelOrder(other.id, SYM, { trigger: true });
    expect((await ex.fetchOrder(other.id, SYM, { trigger: true })).status).toBe('canceled');

    const ts = venue.clock.now();
    venue.exchange.onMarketEvent({
      type: 'trade',
      symbol: 'BTCUSDT-PERP',
      ts,
      price: trigger - 1,
      size: 0.01,
      side: 'sell',
    });
    // Triggered: the algo order is done (TRIGGERED → closed) and its market order fills on the next book event.
    expect((await ex.fetchOrder(stop.id, SYM, { trigger: true })).status).toBe('closed');
    await venue.advance('100ms');
    expect((await ex.fetchOrder(stop.id, SYM)).status).toBe('closed');
    expect((await ex.fetchOrder(stop.id, SYM)).filled).toBe(0.005);
    const done = await ex.fetchOrder(stop.id, SYM, { trigger: true });
    expect(done.status).toBe('closed');
    expect(venue.exchange.getPosition('2', 'BTCUSDT-PERP').quantity).toBe(0);
    expect(await ex.fetchOpenOrders(SYM, undefined, undefined, { trigger: true })).toEqual([]);
  });

  it('market streams on /public/ws and /market/ws: watchOrderBook equals the venue book, watchTrades, watchTicker, watchOHLCV', async () => {
    const book = venue.binance?.books.get('BTCUSDT-PERP');
    if (!book) throw new Error('no book');
    await pump(venue, ex.watchOrderBook(SYM), 'first order book');
    for (let i = 0; i < 60; i++) {
      await venue.advance('100ms');
      if (ex.orderbooks[SYM].nonce < book.lastUpdateId) await within(ex.watchOrderBook(SYM), 5000, 'order book update');
    }
    await waitFor(() => ex.orderbooks[SYM].nonce === book.lastUpdateId, 'ccxt to apply the last diff');
    const snap = book.snapshot(1000);
    expect(ex.orderbooks[SYM].bids.slice()).toEqual(snap.bids);
    expect(ex.orderbooks[SYM].asks.slice()).toEqual(snap.asks);
    expect(venue.binance?.streams.subscriberCount('usdm:btcusdt@depth')).toBe(1);

    const trades = await pump(venue, ex.watchTrades(SYM), 'a trade');
    expect(trades[trades.length - 1].symbol).toBe(SYM);
    const ticker = await pump(venue, ex.watchTicker(SYM), 'a ticker');
    expect(ticker.last).toBe(venue.core.view('BTCUSDT-PERP').last);
    const bars = await pump(venue, ex.watchOHLCV(SYM, '1m'), 'a kline');
    expect(bars[bars.length - 1][4]).toBe(venue.core.view('BTCUSDT-PERP').last);
    expect(venue.binance?.streams.subscriberCount('usdm:btcusdt@miniticker')).toBe(1);
  });

  it('listenKey stream: watchOrders, watchMyTrades, watchBalance, watchPositions; kept alive across its expiry on the virtual clock', async () => {
    const streams = venue.binance?.streams;
    if (!streams) throw new Error('no streams');
    const orders = ex.watchOrders(SYM);
    await waitFor(() => streams.userStreamCount() > 0, 'the listenKey stream');
    expect(streams.listenKeyStats.created).toBe(1);

    // 50 minutes pass on the venue clock; ccxt's keepalive (every 200 ms of wall time here) renews the key.
    await venue.advance('50m');
    const kept = streams.listenKeyStats.keptAlive;
    await waitFor(() => streams.listenKeyStats.keptAlive > kept, 'a keepalive PUT');
    await venue.advance('50m');
    expect(streams.listenKeyStats.expired).toBe(0);
    expect(streams.userStreamCount()).toBe(1);

    const price = Math.round((touch(venue).bid - 300) * 10) / 10;
    const placed = await ex.createOrder(SYM, 'limit', 'buy', 0.01, price);
    const seen = await within(orders, 5000, 'ORDER_TRADE_UPDATE NEW');
    expect(seen[seen.length - 1]).toMatchObject({ id: placed.id, status: 'open', price });

    const positions = ex.watchPositions([SYM]);
    const myTrades = ex.watchMyTrades(SYM);
    const balance = ex.watchBalance();
    // watchPositions takes its REST snapshot first; let it land before trading.
    await waitFor(() => ex.positions !== undefined, 'the positions snapshot');
    const buy = await ex.createOrder(SYM, 'market', 'buy', 0.01);
    const t = await within(myTrades, 5000, 'a TRADE update');
    expect(t[t.length - 1]).toMatchObject({ order: buy.id, amount: 0.01, side: 'buy' });
    const b = await within(balance, 5000, 'ACCOUNT_UPDATE balance');
    const snap = venue.exchange.getAccount('2');
    expect(b.USDT.total).toBeCloseTo(snap.balance.toNumber(), 6);
    const pos = await within(positions, 5000, 'ACCOUNT_UPDATE position');
    expect(pos.find((x: { symbol: string }) => x.symbol === SYM)).toMatchObject({ contracts: 0.01, side: 'long' });
    await ex.cancelOrder(placed.id, SYM);
  });

  it('a listenKey that is not kept alive expires on the virtual clock: listenKeyExpired, stream closed, keepalive refused', async () => {
    const res = await fetch(`${venue.url}/fapi/v1/listenKey`, {
      method: 'POST',
      headers: { 'X-MBX-APIKEY': 'bob-key' },
    });
    const { listenKey } = (await res.json()) as { listenKey: string };
    expect(listenKey).toMatch(/^[0-9a-f]{64}$/);
    const ws = new WebSocket(`${venue.url.replace('http', 'ws')}/fstream/private/ws?listenKey=${listenKey}`);
    const frames: Array<Record<string, unknown>> = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    await new Promise((r) => ws.once('open', r));
    await venue.advance('59m');
    expect(venue.binance?.streams.listenKeyActive(listenKey)).toBe(true);
    await venue.advance('2m');
    expect(await within(closed, 5000, 'the stream to close')).toBe(1000);
    expect(frames[frames.length - 1]).toMatchObject({ e: 'listenKeyExpired', listenKey });
    const put = await fetch(`${venue.url}/fapi/v1/listenKey`, {
      method: 'PUT',
      headers: { 'X-MBX-APIKEY': 'bob-key' },
    });
    expect(put.status).toBe(400);
    expect(await put.json()).toEqual({ code: -1125, msg: 'This listenKey does not exist.' });
    const again = new WebSocket(`${venue.url.replace('http', 'ws')}/fstream/private/ws?listenKey=${listenKey}`);
    const status = await new Promise<number>((r) =>
      again.on('unexpected-response', (_req, res) => r(res.statusCode ?? 0)),
    );
    expect(status).toBe(401);
    void API_KEY;
  });
});
