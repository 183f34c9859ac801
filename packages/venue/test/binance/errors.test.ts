import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Venue } from '../../src/index.js';
import { type Ccxt, binanceVenue, guardLoopback, pump, spotClient, usdmClient, waitFor } from './helpers.js';

guardLoopback();

function bid(venue: Venue, symbol = 'BTCUSDT'): number {
  return venue.binance?.books.get(symbol)?.bestBid() ?? Number.NaN;
}

describe('binance errors raise the ccxt exception the real response raises', () => {
  let venue: Venue;
  let ex: Ccxt;
  let bob: Ccxt;
  beforeAll(async () => {
    venue = await binanceVenue();
    await venue.advance('2s');
    ex = spotClient(venue);
    bob = spotClient(venue, { apiKey: 'bob-key' });
    await ex.loadMarkets();
    await bob.loadMarkets();
  });
  afterAll(async () => {
    await ex?.close();
    await bob?.close();
    await venue?.close();
  });

  it('insufficient balance → InsufficientFunds, and nothing was placed', async () => {
    const before = venue.exchange.getOrders().length;
    await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 100, 59000)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    await expect(ex.createOrder('BTC/USDT', 'market', 'sell', 2)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    expect(venue.exchange.getOrders()).toHaveLength(before);
  });

  it('invalid order (off the lot or tick grid) → InvalidOrder', async () => {
    await expect(
      ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 50000, { quantity: '0.0105' }),
    ).rejects.toBeInstanceOf(ccxt.InvalidOrder);
    await expect(ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 50000, { price: '50000.05' })).rejects.toBeInstanceOf(
      ccxt.InvalidOrder,
    );
  });

  it('unknown order → OrderNotFound for cancel and fetch', async () => {
    await expect(ex.cancelOrder('424242', 'BTC/USDT')).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    await expect(ex.fetchOrder('424242', 'BTC/USDT')).rejects.toBeInstanceOf(ccxt.OrderNotFound);
  });

  it('accounts are isolated by API key: another key neither sees nor cancels the order', async () => {
    const o = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, Math.round((bid(venue) - 500) * 10) / 10);
    await expect(bob.fetchOrder(o.id, 'BTC/USDT')).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    await expect(bob.cancelOrder(o.id, 'BTC/USDT')).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    expect(await bob.fetchOpenOrders('BTC/USDT')).toEqual([]);
    expect((await bob.fetchBalance()).BTC?.total ?? 0).toBe(0);
    expect((await ex.fetchOrder(o.id, 'BTC/USDT')).status).toBe('open');
    await ex.cancelOrder(o.id, 'BTC/USDT');
  });

  it('bad signature and unknown key → AuthenticationError, and a refused request changes nothing', async () => {
    const wrong = spotClient(venue, { secret: 'not-the-secret' });
    const stranger = spotClient(venue, { apiKey: 'nobody' });
    try {
      await wrong.loadMarkets();
      const before = venue.exchange.getOrders().length;
      await expect(wrong.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
      await expect(wrong.createOrder('BTC/USDT', 'market', 'buy', 0.001)).rejects.toThrow(
        /Signature for this request is not valid/,
      );
      await expect(stranger.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
      expect(venue.exchange.getOrders()).toHaveLength(before);
      // A tampered body is refused too: the signature covers every parameter.
      const res = await fetch(`${venue.url}/api/v3/order`, {
        method: 'POST',
        headers: { 'X-MBX-APIKEY': 'sim-key', 'content-type': 'application/x-www-form-urlencoded' },
        body: `symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&timestamp=${Date.now()}&signature=${'0'.repeat(64)}`,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ code: -1022, msg: 'Signature for this request is not valid.' });
    } finally {
      await wrong.close();
      await stranger.close();
    }
  });

  it('timestamp outside recvWindow (clock-skew fault) → InvalidNonce; adjustForTimeDifference recovers', async () => {
    const profile = venue.binance;
    if (!profile) throw new Error('no profile');
    profile.clockSkew = -120_000;
    const synced = spotClient(venue, {
      options: {
        adjustForTimeDifference: true,
        fetchMarkets: { types: ['spot'] },
        fetchCurrencies: false,
        fetchMargins: false,
      },
    });
    try {
      await expect(ex.fetchBalance()).rejects.toBeInstanceOf(ccxt.InvalidNonce);
      await synced.loadMarkets();
      expect((await synced.fetchBalance()).USDT.total).toBeGreaterThan(0);
    } finally {
      profile.clockSkew = 0;
      await synced.close();
    }
    expect((await ex.fetchBalance()).USDT.total).toBeGreaterThan(0);
  });

  it('USDⓈ-M margin and reduceOnly refusals carry Binance codes (ccxt maps them by code only on Binance hosts)', async () => {
    const perp = usdmClient(venue);
    try {
      await perp.loadMarkets();
      const e1 = await perp.createOrder('BTC/USDT:USDT', 'market', 'buy', 50).catch((e: unknown) => e);
      expect(e1).toBeInstanceOf(ccxt.ExchangeError);
      expect(String(e1)).toContain('"code":-2019');
      const e2 = await perp
        .createOrder('BTC/USDT:USDT', 'market', 'sell', 0.01, undefined, { reduceOnly: true })
        .catch((e: unknown) => e);
      expect(String(e2)).toContain('"code":-2022');
    } finally {
      await perp.close();
    }
  });

  it('REST faults: a rejected request → ExchangeNotAvailable, a dropped one → NetworkError', async () => {
    const v = await binanceVenue({
      binance: {
        restFaults: [
          { type: 'reject', route: '/api/v3/ticker/24hr', requests: [0], status: 503 },
          { type: 'drop', route: '/api/v3/ticker/24hr', requests: [1] },
        ],
      },
    });
    const c = spotClient(v);
    try {
      await v.advance('1s');
      await c.loadMarkets();
      await expect(c.fetchTicker('BTC/USDT')).rejects.toBeInstanceOf(ccxt.ExchangeNotAvailable);
      await expect(c.fetchTicker('BTC/USDT')).rejects.toBeInstanceOf(ccxt.NetworkError);
      expect((await c.fetchTicker('BTC/USDT')).symbol).toBe('BTC/USDT');
      expect(v.binance?.restFaults.hits).toMatchObject({ reject: 1, drop: 1 });
    } finally {
      await c.close();
      await v.close();
    }
  });

  it('rate limit: 429 with Retry-After → DDoSProtection; continuing earns a 418 ban; both lift on the venue clock', async () => {
    const v = await binanceVenue({ binance: { rateLimit: { weight: 5, window: '1m', banAfter: 2, ban: '2m' } } });
    const c = spotClient(v);
    try {
      await c.loadMarkets(); // 1
      for (let i = 0; i < 4; i++) await c.fetchTime(); // 2..5
      const r429 = await fetch(`${v.url}/api/v3/time`);
      expect(r429.status).toBe(429);
      expect(Number(r429.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await r429.json()) as { code: number }).code).toBe(-1003);
      await expect(c.fetchTime()).rejects.toBeInstanceOf(ccxt.DDoSProtection);
      const r418 = await fetch(`${v.url}/api/v3/time`);
      expect(r418.status).toBe(418);
      expect(r418.headers.get('retry-after')).toBe('120');
      await expect(c.fetchTime()).rejects.toBeInstanceOf(ccxt.DDoSProtection);
      await v.advance('1m');
      expect((await fetch(`${v.url}/api/v3/time`)).status).toBe(418);
      await v.advance('61s');
      expect(await c.fetchTime()).toBeGreaterThan(0);
      expect(v.binance?.refusals).toEqual({ limited: 2, banned: 3 });
    } finally {
      await c.close();
      await v.close();
    }
  });

  it('a dropped stream connection (disconnect fault) fails the watch; the next watch resyncs to the same book', async () => {
    const c = spotClient(venue);
    try {
      await c.loadMarkets();
      await pump(venue, c.watchOrderBook('ETH/USDT'), 'first book');
      // Let ccxt consume every diff already pushed: a diff still in flight would resolve the next
      // watch before the disconnect is seen (the venue pushes nothing more until it is advanced).
      const pushed = venue.binance?.books.get('ETHUSDT');
      if (!pushed) throw new Error('no book');
      await waitFor(() => c.orderbooks['ETH/USDT']?.nonce === pushed.lastUpdateId, 'the first book to catch up');
      const failed = c.watchOrderBook('ETH/USDT');
      const outcome = failed.then(
        () => 'resolved',
        (e: unknown) => e,
      );
      expect(venue.binance?.disconnectStreams()).toBeGreaterThan(0);
      expect(await outcome).toBeInstanceOf(ccxt.NetworkError);
      const book = venue.binance?.books.get('ETHUSDT');
      if (!book) throw new Error('no book');
      // Reconnecting takes ccxt a new socket, a subscription and a REST snapshot: allow it more steps
      // (wall time between steps is what a loaded machine stretches).
      await pump(venue, c.watchOrderBook('ETH/USDT'), 'book after reconnect', '100ms', 600);
      for (let i = 0; i < 10; i++) await venue.advance('100ms');
      await waitFor(() => c.orderbooks['ETH/USDT']?.nonce === book.lastUpdateId, 'the resynced book');
      expect(c.orderbooks['ETH/USDT'].bids.slice()).toEqual(book.snapshot(1000).bids);
    } finally {
      await c.close();
    }
  });

  it('the venue-wide ws-tester fault script applies to Binance streams: a lost diff makes ccxt drop its book', async () => {
    const v = await binanceVenue({ faults: [{ type: 'lose', messages: [40] }] });
    const c = spotClient(v);
    try {
      await v.advance('1s');
      await c.loadMarkets();
      await pump(v, c.watchOrderBook('BTC/USDT'), 'first book');
      let error: unknown;
      for (let i = 0; i < 100 && error === undefined; i++) {
        await v.advance('100ms');
        await Promise.race([
          c.watchOrderBook('BTC/USDT').then(
            () => undefined,
            (e: unknown) => {
              error = e;
            },
          ),
          new Promise((r) => setTimeout(r, 20)),
        ]);
      }
      expect(error).toBeInstanceOf(ccxt.ChecksumError);
    } finally {
      await c.close();
      await v.close();
    }
  });
});
