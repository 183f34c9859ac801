/**
 * Binance wire shapes of the core's orders, fills, balances and positions (prices and quantities
 * as strings on the market's grid, ids and times as integers in ms).
 */
import { Decimal, type Order } from '@tradekit/types';
import type { VenueAccount } from '../core.js';
import { type BinanceMarket, fmtPrice, fmtQty } from './markets.js';
import type { BinanceProfile, OrderWire, TradeRecord } from './profile.js';

/** Binance order status of a core order. */
export function orderStatus(o: Order, w: OrderWire | undefined): string {
  switch (o.status) {
    case 'filled':
      return 'FILLED';
    case 'canceled':
      return 'CANCELED';
    case 'expired':
      return 'EXPIRED';
    case 'rejected':
      return 'REJECTED';
    case 'partially_filled':
      return 'PARTIALLY_FILLED';
    default:
      return o.filledQuantity > 0 || (w?.cumQty ?? 0) > 0 ? 'PARTIALLY_FILLED' : 'NEW';
  }
}

/** Binance order type of a core order on a surface. */
export function wireType(o: Order, m: BinanceMarket, w: OrderWire | undefined): string {
  if (w?.type) return w.type;
  switch (o.type) {
    case 'market':
      return 'MARKET';
    case 'limit':
      return o.postOnly && m.surface === 'spot' ? 'LIMIT_MAKER' : 'LIMIT';
    case 'stop':
      return m.surface === 'spot' ? 'STOP_LOSS' : 'STOP_MARKET';
    case 'stop_limit':
      return m.surface === 'spot' ? 'STOP_LOSS_LIMIT' : 'STOP';
    default:
      return 'TRAILING_STOP_MARKET';
  }
}

function tif(o: Order, m: BinanceMarket): string {
  if (o.postOnly && m.surface === 'usdm') return 'GTX';
  return o.timeInForce === 'DAY' || o.timeInForce === 'GTD' ? 'GTC' : o.timeInForce;
}

const ms = (us: number) => Math.floor(us / 1000);

function cum(o: Order, m: BinanceMarket, w: OrderWire | undefined): { qty: number; quote: Decimal } {
  if (w && w.cumQty > 0) return { qty: w.cumQty, quote: w.cumQuote };
  if (o.filledQuantity > 0 && o.avgFillPrice !== null)
    return { qty: o.filledQuantity, quote: o.avgFillPrice.times(o.filledQuantity).times(m.instrument.multiplier) };
  return { qty: 0, quote: new Decimal(0) };
}

/** A spot order object (`GET /api/v3/order`, the order part of a FULL response). */
export function spotOrder(p: BinanceProfile, o: Order, m: BinanceMarket): Record<string, unknown> {
  const w = p.wire.get(o.id);
  const c = cum(o, m, w);
  return {
    symbol: m.id,
    orderId: p.core.orderNumber(o.id),
    orderListId: -1,
    clientOrderId: w?.clientId ?? o.clientOrderId,
    price: o.price !== undefined ? fmtPrice(m, o.price) : fmtPrice(m, 0),
    origQty: fmtQty(m, o.quantity),
    executedQty: fmtQty(m, c.qty),
    cummulativeQuoteQty: c.quote.toFixed(8),
    status: orderStatus(o, w),
    timeInForce: tif(o, m),
    type: wireType(o, m, w),
    side: o.side === 'buy' ? 'BUY' : 'SELL',
    stopPrice: o.stopPrice !== undefined ? fmtPrice(m, o.stopPrice) : fmtPrice(m, 0),
    icebergQty: fmtQty(m, 0),
    time: ms(o.createdAt),
    updateTime: ms(o.updatedAt),
    isWorking: o.type === 'market' || o.type === 'limit' || o.triggered,
    workingTime: ms(o.createdAt),
    origQuoteOrderQty: w?.quoteOrderQty ?? '0.00000000',
    selfTradePreventionMode: 'NONE',
  };
}

/** A USDⓈ-M order object (carries `positionSide` and `cumQuote`, which ccxt uses to tell it from spot). */
export function usdmOrder(p: BinanceProfile, o: Order, m: BinanceMarket): Record<string, unknown> {
  const w = p.wire.get(o.id);
  const c = cum(o, m, w);
  const avg = c.qty > 0 ? c.quote.div(c.qty).div(m.instrument.multiplier) : new Decimal(0);
  return {
    orderId: p.core.orderNumber(o.id),
    symbol: m.id,
    status: orderStatus(o, w),
    clientOrderId: w?.clientId ?? o.clientOrderId,
    price: o.price !== undefined ? fmtPrice(m, o.price) : '0',
    avgPrice: avg.toFixed(m.priceDecimals),
    origQty: fmtQty(m, o.quantity),
    executedQty: fmtQty(m, c.qty),
    cumQty: fmtQty(m, c.qty),
    cumQuote: c.quote.toFixed(8),
    timeInForce: tif(o, m),
    type: wireType(o, m, w),
    origType: wireType(o, m, w),
    reduceOnly: o.reduceOnly,
    closePosition: false,
    side: o.side === 'buy' ? 'BUY' : 'SELL',
    positionSide: 'BOTH',
    stopPrice: o.stopPrice !== undefined ? fmtPrice(m, o.stopPrice) : '0',
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'NONE',
    goodTillDate: 0,
    time: ms(o.createdAt),
    updateTime: ms(o.updatedAt),
  };
}

/** Algo status of a conditional order. */
function algoStatus(o: Order): string {
  if (o.status === 'canceled') return 'CANCELED';
  if (o.status === 'expired') return 'EXPIRED';
  if (o.status === 'rejected') return 'REJECTED';
  if (o.status === 'filled') return 'FINISHED';
  return o.triggered ? 'TRIGGERED' : 'NEW';
}

/** A USDⓈ-M conditional (algo) order object. */
export function algoOrder(p: BinanceProfile, o: Order, m: BinanceMarket): Record<string, unknown> {
  const w = p.wire.get(o.id);
  const c = cum(o, m, w);
  return {
    algoId: p.core.orderNumber(o.id),
    clientAlgoId: w?.clientId ?? o.clientOrderId,
    algoType: 'CONDITIONAL',
    orderType: wireType(o, m, w),
    symbol: m.id,
    side: o.side === 'buy' ? 'BUY' : 'SELL',
    positionSide: 'BOTH',
    timeInForce: tif(o, m),
    quantity: fmtQty(m, o.quantity),
    algoStatus: algoStatus(o),
    actualOrderId: o.triggered ? String(p.core.orderNumber(o.id)) : '',
    actualPrice: c.qty > 0 ? c.quote.div(c.qty).toFixed(m.priceDecimals) : '0',
    triggerPrice: o.stopPrice !== undefined ? fmtPrice(m, o.stopPrice) : '0',
    price: o.price !== undefined ? fmtPrice(m, o.price) : '0',
    icebergQuantity: null,
    tpTriggerPrice: '0',
    tpPrice: '0',
    slTriggerPrice: '0',
    slPrice: '0',
    tpOrderType: '',
    selfTradePreventionMode: 'NONE',
    workingType: 'CONTRACT_PRICE',
    priceMatch: 'NONE',
    closePosition: false,
    priceProtect: false,
    reduceOnly: o.reduceOnly,
    createTime: ms(o.createdAt),
    updateTime: ms(o.updatedAt),
    triggerTime: 0,
    goodTillDate: 0,
  };
}

/** A spot trade (`GET /api/v3/myTrades`, a FULL response's `fills`). */
export function spotTrade(t: TradeRecord): Record<string, unknown> {
  const f = t.vf.fill;
  const m = t.market;
  return {
    symbol: m.id,
    id: t.vf.tradeId,
    orderId: t.orderNumber,
    orderListId: -1,
    price: fmtPrice(m, f.price.toNumber()),
    qty: fmtQty(m, f.quantity),
    quoteQty: f.price.times(f.quantity).toFixed(8),
    commission: f.fee.toFixed(8),
    commissionAsset: m.quote,
    time: ms(f.ts),
    isBuyer: f.side === 'buy',
    isMaker: f.liquidity === 'maker',
    isBestMatch: true,
  };
}

/** A USDⓈ-M trade (`GET /fapi/v1/userTrades`). */
export function usdmTrade(t: TradeRecord): Record<string, unknown> {
  const f = t.vf.fill;
  const m = t.market;
  return {
    buyer: f.side === 'buy',
    commission: f.fee.toFixed(8),
    commissionAsset: m.quote,
    id: t.vf.tradeId,
    maker: f.liquidity === 'maker',
    orderId: t.orderNumber,
    price: fmtPrice(m, f.price.toNumber()),
    qty: fmtQty(m, f.quantity),
    quoteQty: f.price.times(f.quantity).times(m.instrument.multiplier).toFixed(8),
    realizedPnl: (t.vf.realizedPnl ?? new Decimal(0)).toFixed(8),
    side: f.side === 'buy' ? 'BUY' : 'SELL',
    positionSide: 'BOTH',
    symbol: m.id,
    time: ms(f.ts),
  };
}

/** One spot balance. */
export interface AssetBalance {
  asset: string;
  free: Decimal;
  locked: Decimal;
}

/**
 * Spot balances of an account: the quote currency is the core cash minus the cost of the spot
 * holdings bought (`balance − Σ qty × avg`), each base asset its starting holding plus the net
 * position; open orders lock the quote (buys) or the base (sells).
 */
export function spotBalances(p: BinanceProfile, account: VenueAccount): AssetBalance[] {
  const ex = p.core.exchange;
  const snap = ex.getAccount(account.exchangeId);
  const total = new Map<string, Decimal>();
  const locked = new Map<string, Decimal>();
  const add = (map: Map<string, Decimal>, asset: string, d: Decimal) =>
    map.set(asset, (map.get(asset) ?? new Decimal(0)).plus(d));
  const quotes = new Set(p.spot.map((m) => m.quote));
  for (const q of quotes) if (q === snap.currency || quotes.size === 1) add(total, q, snap.balance);
  for (const [asset, d] of p.initialHoldings(account.exchangeId)) add(total, asset, d);
  for (const m of p.spot) {
    const pos = ex.getPosition(account.exchangeId, m.symbol);
    add(total, m.base, new Decimal(0));
    if (pos.quantity !== 0) {
      add(total, m.base, new Decimal(pos.quantity));
      add(total, m.quote, pos.avgPrice.times(pos.quantity).times(m.instrument.multiplier).neg());
    }
  }
  for (const o of ex.getOrders({ accountId: account.exchangeId, open: true })) {
    const m = p.bySymbol.get(o.symbol);
    if (m === undefined || m.surface !== 'spot') continue;
    const rem = o.quantity - o.filledQuantity;
    if (rem <= 0) continue;
    if (o.side === 'sell') add(locked, m.base, new Decimal(rem));
    else {
      const price = o.price ?? o.stopPrice ?? p.touch(m).ask;
      if (Number.isFinite(price)) add(locked, m.quote, new Decimal(price).times(rem));
    }
  }
  const out: AssetBalance[] = [];
  for (const [asset, t] of total) {
    const l = locked.get(asset) ?? new Decimal(0);
    out.push({ asset, free: t.minus(l), locked: l });
  }
  return out.sort((a, b) => (a.asset < b.asset ? -1 : 1));
}
