/** USDⓈ-M perpetual REST routes (`/fapi/v1`, `/fapi/v2`, `/fapi/v3`). */
import { Decimal, type Order } from '@tradekit/types';
import type { FastifyInstance } from 'fastify';
import type { VenueAccount } from '../core.js';
import { reject } from './errors.js';
import { depth, klines, ticker24h, trades } from './market-data.js';
import { type BinanceMarket, fmtPrice, fmtQty, usdmExchangeInfo } from './markets.js';
import { findOrder, placeOrder } from './orders.js';
import { algoOrder, usdmOrder, usdmTrade } from './payloads.js';
import type { BinanceKey, BinanceProfile } from './profile.js';

function key(k: BinanceKey | undefined): BinanceKey {
  if (k === undefined) throw reject.unauthorized();
  return k;
}

/** Mark price of a market: the position's mark, else last trade, else mid. */
function markOf(p: BinanceProfile, m: BinanceMarket): number {
  const v = p.core.view(m.symbol);
  if (Number.isFinite(v.last)) return v.last;
  if (Number.isFinite(v.bid) && Number.isFinite(v.ask)) return (v.bid + v.ask) / 2;
  return 0;
}

/** `positionRisk` entries of an account (every market, flat ones included). */
export function positionRisk(p: BinanceProfile, acc: VenueAccount, symbol?: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const m of p.usdm) {
    if (symbol !== undefined && m.id !== symbol.toUpperCase()) continue;
    const pos = p.position(acc.exchangeId, m);
    const mark = pos.markPrice ?? markOf(p, m);
    const notional = new Decimal(mark).times(pos.quantity).times(m.instrument.multiplier);
    const im = new Decimal(m.instrument.marginPerContract).times(Math.abs(pos.quantity));
    const lev = p.leverage.get(`${acc.exchangeId}|${m.id}`) ?? p.defaultLeverage;
    out.push({
      symbol: m.id,
      positionSide: 'BOTH',
      positionAmt: fmtQty(m, pos.quantity),
      entryPrice: pos.avgPrice.toFixed(m.priceDecimals),
      breakEvenPrice: pos.avgPrice.toFixed(m.priceDecimals),
      markPrice: fmtPrice(m, mark),
      unRealizedProfit: pos.unrealizedPnl.toFixed(8),
      liquidationPrice: '0',
      isolatedMargin: '0',
      notional: notional.toFixed(8),
      marginAsset: m.quote,
      isolatedWallet: '0',
      initialMargin: im.toFixed(8),
      maintMargin: im.div(2).toFixed(8),
      positionInitialMargin: im.toFixed(8),
      openOrderInitialMargin: '0',
      adl: 0,
      bidNotional: '0',
      askNotional: '0',
      leverage: String(lev),
      marginType: 'cross',
      updateTime: p.nowMs(),
    });
  }
  return out;
}

/** `GET /fapi/v3/account` (and v2). */
function account(p: BinanceProfile, acc: VenueAccount): Record<string, unknown> {
  const snap = p.core.exchange.getAccount(acc.exchangeId);
  const quote = p.usdm[0]?.quote ?? snap.currency;
  const wallet = snap.balance;
  const upnl = snap.unrealizedPnl;
  const now = p.nowMs();
  const asset = {
    asset: quote,
    walletBalance: wallet.toFixed(8),
    unrealizedProfit: upnl.toFixed(8),
    marginBalance: wallet.plus(upnl).toFixed(8),
    maintMargin: snap.marginUsed.div(2).toFixed(8),
    initialMargin: snap.marginUsed.toFixed(8),
    positionInitialMargin: snap.marginUsed.toFixed(8),
    openOrderInitialMargin: '0',
    crossWalletBalance: wallet.toFixed(8),
    crossUnPnl: upnl.toFixed(8),
    availableBalance: snap.buyingPower.toFixed(8),
    maxWithdrawAmount: snap.buyingPower.toFixed(8),
    marginAvailable: true,
    // ccxt skips an asset whose updateTime is 0.
    updateTime: now,
  };
  return {
    totalInitialMargin: asset.initialMargin,
    totalMaintMargin: asset.maintMargin,
    totalWalletBalance: asset.walletBalance,
    totalUnrealizedProfit: asset.unrealizedProfit,
    totalMarginBalance: asset.marginBalance,
    totalPositionInitialMargin: asset.positionInitialMargin,
    totalOpenOrderInitialMargin: '0',
    totalCrossWalletBalance: asset.crossWalletBalance,
    totalCrossUnPnl: asset.crossUnPnl,
    availableBalance: asset.availableBalance,
    maxWithdrawAmount: asset.maxWithdrawAmount,
    canTrade: acc.canTrade,
    canDeposit: false,
    canWithdraw: false,
    feeTier: 0,
    updateTime: now,
    assets: [asset],
    positions: positionRisk(p, acc).filter(
      (x) => x.positionAmt !== fmtQty(p.bySymbol.get(String(x.symbol)) ?? (p.usdm[0] as BinanceMarket), 0),
    ),
  };
}

function isAlgo(p: BinanceProfile, o: Order): boolean {
  return p.wire.get(o.id)?.algo === true;
}

/** Registers the USDⓈ-M routes. */
export function registerUsdm(p: BinanceProfile, api: FastifyInstance): void {
  const route = p.route.bind(p, api);
  const mk = (s: string | undefined) => p.market('usdm', s);
  route('GET', '/fapi/v1/ping', 'none', () => ({}));
  route('GET', '/fapi/v1/time', 'none', () => ({ serverTime: p.serverTimeMs() }));
  route('GET', '/fapi/v1/exchangeInfo', 'none', () => usdmExchangeInfo(p.usdm, p.serverTimeMs(), 2400));
  route('GET', '/fapi/v1/depth', 'none', ({ params }) => depth(p, mk(params.symbol), params));
  route('GET', '/fapi/v1/ticker/24hr', 'none', ({ params }) =>
    params.symbol === undefined ? p.usdm.map((m) => ticker24h(p, m)) : ticker24h(p, mk(params.symbol)),
  );
  route('GET', '/fapi/v1/trades', 'none', ({ params }) => trades(p, mk(params.symbol), params, false));
  route('GET', '/fapi/v1/aggTrades', 'none', ({ params }) => trades(p, mk(params.symbol), params, true));
  route('GET', '/fapi/v1/klines', 'none', ({ params }) => klines(p, mk(params.symbol), params));
  route('GET', '/fapi/v1/premiumIndex', 'none', ({ params }) => {
    const one = (m: BinanceMarket) => ({
      symbol: m.id,
      markPrice: fmtPrice(m, markOf(p, m)),
      indexPrice: fmtPrice(m, markOf(p, m)),
      estimatedSettlePrice: fmtPrice(m, markOf(p, m)),
      lastFundingRate: '0.00000000',
      interestRate: '0.00000000',
      nextFundingTime: 0,
      time: p.nowMs(),
    });
    return params.symbol === undefined ? p.usdm.map(one) : one(mk(params.symbol));
  });

  for (const v of ['v2', 'v3']) {
    route('GET', `/fapi/${v}/account`, 'signed', ({ key: k }) => account(p, key(k).usdm));
    route('GET', `/fapi/${v}/positionRisk`, 'signed', ({ params, key: k }) =>
      positionRisk(p, key(k).usdm, params.symbol),
    );
  }
  route('GET', '/fapi/v2/balance', 'signed', ({ key: k }) => {
    const a = account(p, key(k).usdm) as { assets: Array<Record<string, unknown>> };
    return a.assets.map((x) => ({
      asset: x.asset,
      balance: x.walletBalance,
      crossWalletBalance: x.crossWalletBalance,
      crossUnPnl: x.crossUnPnl,
      availableBalance: x.availableBalance,
      maxWithdrawAmount: x.maxWithdrawAmount,
      marginAvailable: true,
      updateTime: x.updateTime,
    }));
  });
  route('GET', '/fapi/v1/leverageBracket', 'signed', ({ params }) => {
    const list = params.symbol !== undefined ? [mk(params.symbol)] : p.usdm;
    const out = list.map((m) => ({
      symbol: m.id,
      brackets: [
        { bracket: 1, initialLeverage: 125, notionalCap: 50_000, notionalFloor: 0, maintMarginRatio: 0.004, cum: 0 },
        {
          bracket: 2,
          initialLeverage: 100,
          notionalCap: 250_000,
          notionalFloor: 50_000,
          maintMarginRatio: 0.005,
          cum: 50,
        },
        {
          bracket: 3,
          initialLeverage: 50,
          notionalCap: 3_000_000,
          notionalFloor: 250_000,
          maintMarginRatio: 0.01,
          cum: 1300,
        },
        {
          bracket: 4,
          initialLeverage: 20,
          notionalCap: 1e9,
          notionalFloor: 3_000_000,
          maintMarginRatio: 0.025,
          cum: 46_300,
        },
      ],
    }));
    return out;
  });
  route('POST', '/fapi/v1/leverage', 'signed', ({ params, key: k }) => {
    const m = mk(params.symbol);
    const lev = Number(params.leverage);
    if (!Number.isInteger(lev) || lev < 1 || lev > 125) throw reject.invalidValue('Leverage is not valid.');
    p.leverage.set(`${key(k).usdm.exchangeId}|${m.id}`, lev);
    return { leverage: lev, maxNotionalValue: '1000000000', symbol: m.id };
  });
  route('GET', '/fapi/v1/positionSide/dual', 'signed', () => ({ dualSidePosition: false }));

  route('POST', '/fapi/v1/order', 'signed', ({ params, key: k }) => {
    const acc = key(k).usdm;
    if (!acc.canTrade) throw reject.newOrderRejected('This action is disabled on this account.');
    const m = mk(params.symbol);
    if (params.positionSide !== undefined && params.positionSide !== 'BOTH')
      throw reject.invalidValue("Order's position side does not match user's setting.");
    const o = placeOrder(p, acc, m, params, 'usdm');
    return usdmOrder(p, o, m);
  });
  route('GET', '/fapi/v1/order', 'signed', ({ params, key: k }) => {
    const m = mk(params.symbol);
    return usdmOrder(p, findOrder(p, key(k).usdm, m, params, reject.noSuchOrder), m);
  });
  route('DELETE', '/fapi/v1/order', 'signed', ({ params, key: k }) => {
    const m = mk(params.symbol);
    const o = findOrder(p, key(k).usdm, m, params, reject.cancelRejected);
    if (!p.core.exchange.cancelOrder(o.id)) throw reject.cancelRejected();
    return { ...usdmOrder(p, p.core.exchange.getOrder(o.id), m), status: 'CANCELED' };
  });
  route('PUT', '/fapi/v1/order', 'signed', ({ params, key: k }) => {
    const m = mk(params.symbol);
    const o = findOrder(p, key(k).usdm, m, params, reject.noSuchOrder);
    const side = params.side;
    if (side === undefined) throw reject.mandatory('side');
    if ((side === 'BUY') !== (o.side === 'buy')) throw reject.invalidValue('Side does not match the order.');
    const quantity = params.quantity !== undefined ? Number(params.quantity) : undefined;
    const price = params.price !== undefined ? Number(params.price) : undefined;
    if (quantity === undefined) throw reject.mandatory('quantity');
    if (price === undefined) throw reject.mandatory('price');
    if (
      !(quantity > 0) ||
      Math.abs(quantity / m.instrument.lotSize - Math.round(quantity / m.instrument.lotSize)) > 1e-7
    )
      throw reject.filter('LOT_SIZE');
    if (!(price > 0) || Math.abs(price / m.instrument.tickSize - Math.round(price / m.instrument.tickSize)) > 1e-7)
      throw reject.filter('PRICE_FILTER');
    try {
      p.core.exchange.modifyOrder(o.id, { quantity, price });
    } catch {
      throw reject.noSuchOrder();
    }
    return usdmOrder(p, p.core.exchange.getOrder(o.id), m);
  });
  route('GET', '/fapi/v1/openOrders', 'signed', ({ params, key: k }) => {
    const acc = key(k).usdm;
    const m = params.symbol !== undefined ? mk(params.symbol) : undefined;
    return p.core.exchange
      .getOrders({ accountId: acc.exchangeId, open: true, ...(m ? { symbol: m.symbol } : {}) })
      .filter((o) => p.bySymbol.get(o.symbol)?.surface === 'usdm' && !isAlgo(p, o))
      .map((o) => usdmOrder(p, o, p.bySymbol.get(o.symbol) as BinanceMarket));
  });
  route('DELETE', '/fapi/v1/allOpenOrders', 'signed', ({ params, key: k }) => {
    const m = mk(params.symbol);
    for (const o of p.core.exchange.getOrders({ accountId: key(k).usdm.exchangeId, open: true, symbol: m.symbol }))
      if (!isAlgo(p, o)) p.core.exchange.cancelOrder(o.id);
    return { code: 200, msg: 'The operation of cancel all open order is done.' };
  });
  route('GET', '/fapi/v1/allOrders', 'signed', ({ params, key: k }) => {
    const m = mk(params.symbol);
    const limit = Math.min(1000, Number(params.limit ?? 500) || 500);
    return p.core.exchange
      .getOrders({ accountId: key(k).usdm.exchangeId, symbol: m.symbol })
      .filter((o) => !isAlgo(p, o))
      .slice(-limit)
      .map((o) => usdmOrder(p, o, m));
  });
  route('GET', '/fapi/v1/userTrades', 'signed', ({ params, key: k }) => {
    const acc = key(k).usdm;
    const m = mk(params.symbol);
    const limit = Math.min(1000, Number(params.limit ?? 500) || 500);
    const start = params.startTime !== undefined ? Number(params.startTime) * 1000 : undefined;
    const list = (p.trades.get(acc.exchangeId) ?? []).filter(
      (t) => t.market === m && (start === undefined || t.vf.fill.ts >= start),
    );
    return (start !== undefined ? list.slice(0, limit) : list.slice(-limit)).map(usdmTrade);
  });

  // Conditional orders (stop-market, stop-limit) live at the algo endpoint.
  route('POST', '/fapi/v1/algoOrder', 'signed', ({ params, key: k }) => {
    const acc = key(k).usdm;
    if (!acc.canTrade) throw reject.newOrderRejected('This action is disabled on this account.');
    const m = mk(params.symbol);
    return algoOrder(p, placeOrder(p, acc, m, params, 'algo'), m);
  });
  route('GET', '/fapi/v1/algoOrder', 'signed', ({ params, key: k }) => {
    const m = mk(params.symbol);
    const o = findOrder(p, key(k).usdm, m, params, reject.noSuchOrder, 'algoId', 'clientAlgoId');
    if (!isAlgo(p, o)) throw reject.noSuchOrder();
    return algoOrder(p, o, m);
  });
  route('DELETE', '/fapi/v1/algoOrder', 'signed', ({ params, key: k }) => {
    const m = mk(params.symbol);
    const o = findOrder(p, key(k).usdm, m, params, reject.cancelRejected, 'algoId', 'clientAlgoId');
    if (!isAlgo(p, o) || !p.core.exchange.cancelOrder(o.id)) throw reject.cancelRejected();
    return {
      algoId: p.core.orderNumber(o.id),
      clientAlgoId: p.wire.get(o.id)?.clientId ?? o.clientOrderId,
      code: '200',
      msg: 'success',
    };
  });
  route('GET', '/fapi/v1/openAlgoOrders', 'signed', ({ params, key: k }) => {
    const m = params.symbol !== undefined ? mk(params.symbol) : undefined;
    return p.core.exchange
      .getOrders({ accountId: key(k).usdm.exchangeId, open: true, ...(m ? { symbol: m.symbol } : {}) })
      .filter((o) => isAlgo(p, o) && !o.triggered)
      .map((o) => algoOrder(p, o, p.bySymbol.get(o.symbol) as BinanceMarket));
  });

  // listenKey: API key only, no signature.
  route('POST', '/fapi/v1/listenKey', 'apikey', ({ key: k }) => ({ listenKey: p.streams.createListenKey(key(k)) }));
  route('PUT', '/fapi/v1/listenKey', 'apikey', ({ key: k }) => {
    const lk = p.streams.keepAlive(key(k));
    if (lk === undefined) throw reject.listenKeyInvalid();
    return { listenKey: lk };
  });
  route('DELETE', '/fapi/v1/listenKey', 'apikey', ({ key: k }) => {
    p.streams.deleteListenKey(key(k));
    return {};
  });
}
