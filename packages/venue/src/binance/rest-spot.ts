/** Spot REST routes (`/api/v3/*`). */
import type { Order } from '@tradekit/types';
import type { FastifyInstance } from 'fastify';
import { BinanceReject, reject } from './errors.js';
import { depth, klines, ticker24h, trades } from './market-data.js';
import { spotExchangeInfo } from './markets.js';
import { findOrder, placeOrder } from './orders.js';
import { spotBalances, spotOrder, spotTrade } from './payloads.js';
import type { BinanceKey, BinanceProfile, Params } from './profile.js';

/** The order as a FULL / RESULT / ACK response. */
function orderResponse(p: BinanceProfile, o: Order, params: Params): Record<string, unknown> {
  const m = p.bySymbol.get(o.symbol);
  if (m === undefined) throw reject.badSymbol();
  const body = spotOrder(p, o, m);
  const resp = params.newOrderRespType ?? 'FULL';
  const base = { ...body, transactTime: body.updateTime };
  if (resp === 'ACK')
    return {
      symbol: body.symbol,
      orderId: body.orderId,
      orderListId: -1,
      clientOrderId: body.clientOrderId,
      transactTime: body.updateTime,
    };
  if (resp === 'RESULT') return base;
  const fills = (p.trades.get(o.accountId) ?? [])
    .filter((t) => t.vf.fill.orderId === o.id)
    .map((t) => {
      const x = spotTrade(t);
      return {
        price: x.price,
        qty: x.qty,
        commission: x.commission,
        commissionAsset: x.commissionAsset,
        tradeId: x.id,
      };
    });
  return { ...base, fills };
}

function key(k: BinanceKey | undefined): BinanceKey {
  if (k === undefined) throw reject.unauthorized();
  return k;
}

/** Registers the spot routes. */
export function registerSpot(p: BinanceProfile, api: FastifyInstance): void {
  const route = p.route.bind(p, api);
  route('GET', '/api/v3/ping', 'none', () => ({}));
  route('GET', '/api/v3/time', 'none', () => ({ serverTime: p.serverTimeMs() }));
  route('GET', '/api/v3/exchangeInfo', 'none', () => spotExchangeInfo(p.spot, p.serverTimeMs(), 6000));
  route('GET', '/api/v3/depth', 'none', ({ params }) => depth(p, p.market('spot', params.symbol), params));
  route('GET', '/api/v3/ticker/24hr', 'none', ({ params }) =>
    params.symbol === undefined ? p.spot.map((m) => ticker24h(p, m)) : ticker24h(p, p.market('spot', params.symbol)),
  );
  route('GET', '/api/v3/ticker/bookTicker', 'none', ({ params }) => {
    const one = (m: (typeof p.spot)[number]) => {
      const v = p.touch(m);
      const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : (0).toFixed(d));
      return {
        symbol: m.id,
        bidPrice: f(v.bid, m.priceDecimals),
        bidQty: f(v.bidSize, m.qtyDecimals),
        askPrice: f(v.ask, m.priceDecimals),
        askQty: f(v.askSize, m.qtyDecimals),
      };
    };
    return params.symbol === undefined ? p.spot.map(one) : one(p.market('spot', params.symbol));
  });
  route('GET', '/api/v3/trades', 'none', ({ params }) => trades(p, p.market('spot', params.symbol), params, false));
  route('GET', '/api/v3/aggTrades', 'none', ({ params }) => trades(p, p.market('spot', params.symbol), params, true));
  route('GET', '/api/v3/klines', 'none', ({ params }) => klines(p, p.market('spot', params.symbol), params));

  route('GET', '/api/v3/account', 'signed', ({ key: k }) => {
    const acc = key(k).spot;
    return {
      makerCommission: 0,
      takerCommission: 0,
      buyerCommission: 0,
      sellerCommission: 0,
      canTrade: acc.canTrade,
      canWithdraw: false,
      canDeposit: false,
      brokered: false,
      requireSelfTradePrevention: false,
      preventSor: false,
      updateTime: p.nowMs(),
      accountType: 'SPOT',
      balances: spotBalances(p, acc).map((b) => ({
        asset: b.asset,
        free: b.free.toFixed(8),
        locked: b.locked.toFixed(8),
      })),
      permissions: ['SPOT'],
      uid: acc.id,
    };
  });

  route('POST', '/api/v3/order', 'signed', ({ params, key: k }) => {
    const acc = key(k).spot;
    if (!acc.canTrade) throw reject.newOrderRejected('This action is disabled on this account.');
    const m = p.market('spot', params.symbol);
    return orderResponse(p, placeOrder(p, acc, m, params, 'spot'), params);
  });
  route('POST', '/api/v3/order/test', 'signed', ({ params }) => {
    p.market('spot', params.symbol);
    return {};
  });
  route('GET', '/api/v3/order', 'signed', ({ params, key: k }) => {
    const acc = key(k).spot;
    const m = p.market('spot', params.symbol);
    return spotOrder(p, findOrder(p, acc, m, params, reject.noSuchOrder), m);
  });
  route('DELETE', '/api/v3/order', 'signed', ({ params, key: k }) => {
    const acc = key(k).spot;
    const m = p.market('spot', params.symbol);
    const o = findOrder(p, acc, m, params, reject.cancelRejected);
    if (!p.core.exchange.cancelOrder(o.id)) throw reject.cancelRejected();
    const after = p.core.exchange.getOrder(o.id);
    return {
      ...spotOrder(p, after, m),
      origClientOrderId: p.wire.get(o.id)?.clientId ?? o.clientOrderId,
      status: 'CANCELED',
    };
  });
  route('POST', '/api/v3/order/cancelReplace', 'signed', ({ params, key: k }) => {
    const acc = key(k).spot;
    const m = p.market('spot', params.symbol);
    const mode = params.cancelReplaceMode;
    if (mode === undefined) throw reject.mandatory('cancelReplaceMode');
    if (mode !== 'STOP_ON_FAILURE' && mode !== 'ALLOW_FAILURE') throw reject.invalidValue('Invalid cancelReplaceMode.');
    const o = findOrder(p, acc, m, params, reject.cancelRejected, 'cancelOrderId', 'cancelOrigClientOrderId');
    if (!p.core.exchange.cancelOrder(o.id)) throw new BinanceReject(400, -2022, 'Order cancel-replace failed.');
    const cancelResponse = { ...spotOrder(p, p.core.exchange.getOrder(o.id), m), status: 'CANCELED' };
    const placed = placeOrder(p, acc, m, params, 'spot');
    return {
      cancelResult: 'SUCCESS',
      newOrderResult: 'SUCCESS',
      cancelResponse,
      newOrderResponse: orderResponse(p, placed, params),
    };
  });
  route('GET', '/api/v3/openOrders', 'signed', ({ params, key: k }) => {
    const acc = key(k).spot;
    const m = params.symbol !== undefined ? p.market('spot', params.symbol) : undefined;
    return p.core.exchange
      .getOrders({ accountId: acc.exchangeId, open: true, ...(m ? { symbol: m.symbol } : {}) })
      .filter((o) => p.bySymbol.get(o.symbol)?.surface === 'spot' && o.status !== 'inactive')
      .map((o) => spotOrder(p, o, p.bySymbol.get(o.symbol) as (typeof p.spot)[number]));
  });
  route('DELETE', '/api/v3/openOrders', 'signed', ({ params, key: k }) => {
    const acc = key(k).spot;
    const m = p.market('spot', params.symbol);
    const out: unknown[] = [];
    for (const o of p.core.exchange.getOrders({ accountId: acc.exchangeId, open: true, symbol: m.symbol })) {
      if (p.core.exchange.cancelOrder(o.id))
        out.push({
          ...spotOrder(p, p.core.exchange.getOrder(o.id), m),
          origClientOrderId: o.clientOrderId,
          status: 'CANCELED',
        });
    }
    return out;
  });
  route('GET', '/api/v3/allOrders', 'signed', ({ params, key: k }) => {
    const acc = key(k).spot;
    const m = p.market('spot', params.symbol);
    const limit = Math.min(1000, Number(params.limit ?? 500) || 500);
    return p.core.exchange
      .getOrders({ accountId: acc.exchangeId, symbol: m.symbol })
      .slice(-limit)
      .map((o) => spotOrder(p, o, m));
  });
  route('GET', '/api/v3/myTrades', 'signed', ({ params, key: k }) => {
    const acc = key(k).spot;
    const m = p.market('spot', params.symbol);
    const limit = Math.min(1000, Number(params.limit ?? 500) || 500);
    const start = params.startTime !== undefined ? Number(params.startTime) * 1000 : undefined;
    const end = params.endTime !== undefined ? Number(params.endTime) * 1000 : undefined;
    const list = (p.trades.get(acc.exchangeId) ?? []).filter(
      (t) =>
        t.market === m &&
        (start === undefined || t.vf.fill.ts >= start) &&
        (end === undefined || t.vf.fill.ts <= end) &&
        (params.orderId === undefined || String(t.orderNumber) === params.orderId),
    );
    return (start !== undefined ? list.slice(0, limit) : list.slice(-limit)).map((t) => spotTrade(t));
  });
}
