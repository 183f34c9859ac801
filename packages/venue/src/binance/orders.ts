/**
 * Order entry on the Binance surfaces: parameters checked as Binance checks them (mandatory
 * fields, filters, spot balances), then one call into the core exchange; a rejection comes back as
 * the Binance error of the same cause.
 */
import { Decimal, type Order, type OrderRequest } from '@tradekit/types';
import type { VenueAccount } from '../core.js';
import { type BinanceReject, reject } from './errors.js';
import { type BinanceMarket, SPOT_ORDER_TYPES } from './markets.js';
import { spotBalances } from './payloads.js';
import type { BinanceProfile, Params } from './profile.js';

const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;

function positiveNumber(params: Params, name: string, required: boolean): number | undefined {
  const v = params[name];
  if (v === undefined || v === '') {
    if (required) throw reject.mandatory(name);
    return undefined;
  }
  if (!/^\d+(\.\d+)?$/.test(v)) throw reject.badParam(name);
  const n = Number(v);
  if (!(n > 0)) throw reject.invalidValue(`Invalid ${name}.`);
  return n;
}

function onGrid(value: number, step: number): boolean {
  const r = value / step;
  return Math.abs(r - Math.round(r)) < 1e-7;
}

/** The Binance error of a core rejection. */
export function rejection(o: Order, m: BinanceMarket): BinanceReject {
  const spot = m.surface === 'spot';
  switch (o.rejectReason) {
    case 'ORDER_PRICE_OFF_TICK':
    case 'ORDER_PRICE_OUT_OF_RANGE':
      return reject.filter('PRICE_FILTER');
    case 'ORDER_SIZE_INVALID':
    case 'ORDER_SIZE_NOT_LOT_MULTIPLE':
      return reject.filter('LOT_SIZE');
    case 'ORDER_UNKNOWN_SYMBOL':
      return reject.badSymbol();
    case 'ORDER_MARKET_CLOSED':
    case 'ORDER_MARKET_HALTED':
      return reject.newOrderRejected('Market is closed.');
    case 'ORDER_INSUFFICIENT_BUYING_POWER':
      return spot ? reject.insufficientBalance() : reject.marginInsufficient();
    case 'ORDER_REDUCE_ONLY_INCREASES':
      return reject.reduceOnlyRejected();
    case 'ORDER_POST_ONLY_WOULD_CROSS':
      return spot ? reject.newOrderRejected('Order would immediately match and take.') : reject.postOnlyRejected();
    case 'ORDER_STOP_WRONG_SIDE':
      return spot ? reject.newOrderRejected('Stop price would trigger immediately.') : reject.wouldTrigger();
    default:
      return reject.newOrderRejected(o.rejectMessage ?? 'Order rejected.');
  }
}

/** Finds an account's order in a market by `orderId` (or `algoId`) or the client id; throws `notFound` otherwise. */
export function findOrder(
  p: BinanceProfile,
  account: VenueAccount,
  m: BinanceMarket,
  params: Params,
  notFound: () => BinanceReject,
  idName = 'orderId',
  clientName = 'origClientOrderId',
): Order {
  const ex = p.core.exchange;
  const num = params[idName];
  const client = params[clientName];
  let order: Order | undefined;
  if (num !== undefined && num !== '') {
    if (!/^\d+$/.test(num)) throw reject.badParam(idName);
    const id = p.core.orderIdOf(Number(num));
    if (id !== undefined) order = ex.getOrder(id);
  } else if (client !== undefined && client !== '') {
    const list = ex.getOrders({ accountId: account.exchangeId, symbol: m.symbol });
    for (let i = list.length - 1; i >= 0 && order === undefined; i--) {
      const o = list[i] as Order;
      if ((p.wire.get(o.id)?.clientId ?? o.clientOrderId) === client) order = o;
    }
  } else {
    throw reject.mandatory(`${idName}' or '${clientName}`);
  }
  if (order === undefined || order.accountId !== account.exchangeId || order.symbol !== m.symbol) throw notFound();
  return order;
}

/** What kind of entry point: spot `/api/v3/order`, USDⓈ-M `/fapi/v1/order`, or the algo endpoint. */
export type Entry = 'spot' | 'usdm' | 'algo';

/** Checks a new order's parameters and places it on the core exchange; returns the core order. */
export function placeOrder(
  p: BinanceProfile,
  account: VenueAccount,
  m: BinanceMarket,
  params: Params,
  entry: Entry,
): Order {
  const inst = m.instrument;
  const sideText = params.side;
  if (sideText === undefined || sideText === '') throw reject.mandatory('side');
  if (sideText !== 'BUY' && sideText !== 'SELL') throw reject.badSide();
  const side = sideText === 'BUY' ? 'buy' : 'sell';
  const type = params.type;
  if (type === undefined || type === '') throw reject.mandatory('type');
  const allowed =
    entry === 'spot'
      ? SPOT_ORDER_TYPES
      : entry === 'algo'
        ? ['STOP', 'STOP_MARKET']
        : ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET'];
  if (!allowed.includes(type)) throw reject.badOrderType();
  if (entry === 'algo') {
    const algoType = params.algoType;
    if (algoType === undefined) throw reject.mandatory('algoType');
    if (algoType !== 'CONDITIONAL') throw reject.invalidValue('Invalid algoType.');
  }
  const clientId = entry === 'algo' ? params.clientAlgoId : params.newClientOrderId;
  if (clientId !== undefined && !CLIENT_ID.test(clientId))
    throw reject.badParam(entry === 'algo' ? 'clientAlgoId' : 'newClientOrderId');

  const needsPrice = type === 'LIMIT' || type === 'LIMIT_MAKER' || type === 'STOP_LOSS_LIMIT' || type === 'STOP';
  const needsStop = type === 'STOP_LOSS' || type === 'STOP_LOSS_LIMIT' || type === 'STOP' || type === 'STOP_MARKET';
  const price = positiveNumber(params, 'price', needsPrice);
  const stopName = entry === 'algo' ? 'triggerPrice' : 'stopPrice';
  const stopPrice = needsStop ? positiveNumber(params, stopName, true) : undefined;
  if (price !== undefined && !needsPrice && type !== 'MARKET')
    throw reject.invalidValue('Parameter price sent when not required.');
  for (const v of [price, stopPrice])
    if (v !== undefined && !onGrid(v, inst.tickSize)) throw reject.filter('PRICE_FILTER');

  let quantity = positiveNumber(params, 'quantity', false);
  let quoteOrderQty: string | undefined;
  if (quantity === undefined) {
    const q = entry === 'spot' && type === 'MARKET' ? positiveNumber(params, 'quoteOrderQty', false) : undefined;
    if (q === undefined) throw reject.mandatory('quantity');
    const ref = side === 'buy' ? p.touch(m).ask : p.touch(m).bid;
    if (!(ref > 0)) throw reject.newOrderRejected('Market is closed.');
    // Whole lots that the quote amount buys at the touch.
    quantity = Math.floor(q / ref / inst.lotSize + 1e-6) * inst.lotSize;
    quantity = Number(quantity.toFixed(m.qtyDecimals));
    if (!(quantity > 0)) throw reject.filter('LOT_SIZE');
    quoteOrderQty = params.quoteOrderQty;
  }
  if (!onGrid(quantity, inst.lotSize)) throw reject.filter('LOT_SIZE');

  let tifText = params.timeInForce;
  if (
    (type === 'LIMIT' || type === 'STOP_LOSS_LIMIT' || type === 'STOP') &&
    (tifText === undefined || tifText === '')
  ) {
    if (entry === 'spot') throw reject.mandatory('timeInForce');
    tifText = 'GTC';
  }
  if (tifText !== undefined && !['GTC', 'IOC', 'FOK', 'GTX'].includes(tifText)) throw reject.badTif();
  if (tifText === 'GTX' && entry === 'spot') throw reject.badTif();
  const reduceOnly = params.reduceOnly === 'true';
  if (params.reduceOnly !== undefined && !['true', 'false'].includes(params.reduceOnly))
    throw reject.badParam('reduceOnly');
  if (reduceOnly && entry === 'spot') throw reject.invalidValue('Parameter reduceOnly is not supported on spot.');

  const coreType: OrderRequest['type'] =
    type === 'MARKET'
      ? 'market'
      : type === 'LIMIT' || type === 'LIMIT_MAKER'
        ? 'limit'
        : type === 'STOP_LOSS' || type === 'STOP_MARKET'
          ? 'stop'
          : 'stop_limit';

  if (clientId !== undefined) {
    for (const o of p.core.exchange.getOrders({ accountId: account.exchangeId, open: true }))
      if ((p.wire.get(o.id)?.clientId ?? o.clientOrderId) === clientId)
        throw reject.newOrderRejected('Duplicate order sent.');
  }
  if (entry === 'spot') checkSpotFunds(p, account, m, side, coreType, quantity, price ?? stopPrice);

  const request: OrderRequest = {
    symbol: m.symbol,
    side,
    type: coreType,
    quantity,
    accountId: account.exchangeId,
    ...(price !== undefined && coreType !== 'market' && coreType !== 'stop' ? { price } : {}),
    ...(stopPrice !== undefined ? { stopPrice } : {}),
    ...(tifText !== undefined && tifText !== 'GTX' && coreType !== 'market' && coreType !== 'stop'
      ? { timeInForce: tifText as 'GTC' | 'IOC' | 'FOK' }
      : {}),
    ...(type === 'LIMIT_MAKER' || tifText === 'GTX' ? { postOnly: true } : {}),
    ...(reduceOnly ? { reduceOnly: true } : {}),
    ...(clientId !== undefined ? { clientOrderId: clientId } : {}),
  };
  const order = p.core.exchange.placeOrder(request);
  const w = p.wireOf(order);
  w.type = type;
  w.algo = entry === 'algo';
  w.clientId = order.clientOrderId;
  if (quoteOrderQty !== undefined) w.quoteOrderQty = quoteOrderQty;
  if (order.status === 'rejected') throw rejection(order, m);
  return p.core.exchange.getOrder(order.id);
}

/** Spot: a buy needs the quote it will spend, a sell the base it will deliver (both free, not locked). */
function checkSpotFunds(
  p: BinanceProfile,
  account: VenueAccount,
  m: BinanceMarket,
  side: 'buy' | 'sell',
  type: OrderRequest['type'],
  quantity: number,
  price: number | undefined,
): void {
  const balances = spotBalances(p, account);
  const free = (asset: string) => balances.find((b) => b.asset === asset)?.free ?? new Decimal(0);
  if (side === 'sell') {
    if (free(m.base).lt(quantity)) throw reject.insufficientBalance();
    return;
  }
  const ref = type === 'market' ? p.touch(m).ask : price;
  if (ref === undefined || !Number.isFinite(ref)) return;
  if (free(m.quote).lt(new Decimal(ref).times(quantity).times(m.instrument.multiplier)))
    throw reject.insufficientBalance();
}
