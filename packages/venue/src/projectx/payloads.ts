/**
 * ProjectX Gateway wire shapes: numeric enums and the payload objects of REST responses and hub
 * events, built from the core's orders, fills, positions and accounts.
 */
import type { AccountSnapshot, Micros, Order, OrderStatus as CoreStatus, Position } from '@tradekit/types';
import type { Contract } from '../contracts.js';
import type { VenueAccount, VenueCore, VenueFill } from '../core.js';
import type { MarketView } from '../market-view.js';

/** OrderType. */
export const OrderType = {
  Unknown: 0,
  Limit: 1,
  Market: 2,
  StopLimit: 3,
  Stop: 4,
  TrailingStop: 5,
  JoinBid: 6,
  JoinAsk: 7,
} as const;
/** OrderSide. */
export const OrderSide = { Bid: 0, Ask: 1 } as const;
/** OrderStatus (7 and 8 from the Swagger spec). */
export const OrderStatus = {
  None: 0,
  Open: 1,
  Filled: 2,
  Cancelled: 3,
  Expired: 4,
  Rejected: 5,
  Pending: 6,
  PendingCancellation: 7,
  Suspended: 8,
} as const;
/** PositionType. */
export const PositionType = { Undefined: 0, Long: 1, Short: 2 } as const;
/** DomType of market depth entries. */
export const DomType = {
  Unknown: 0,
  Ask: 1,
  Bid: 2,
  BestAsk: 3,
  BestBid: 4,
  Trade: 5,
  Reset: 6,
  Low: 7,
  High: 8,
  NewBestBid: 9,
  NewBestAsk: 10,
  Fill: 11,
} as const;

/** Gateway timestamp text: ISO-8601 with microseconds and a `+00:00` offset. */
export function gatewayTime(ts: Micros): string {
  const ms = Math.floor(ts / 1000);
  const sub = ts - ms * 1000;
  return `${new Date(ms).toISOString().slice(0, 23)}${String(sub).padStart(3, '0')}+00:00`;
}

const STATUS: Record<CoreStatus, number> = {
  pending_new: OrderStatus.Pending,
  inactive: OrderStatus.Suspended,
  new: OrderStatus.Open,
  partially_filled: OrderStatus.Open,
  pending_cancel: OrderStatus.Open,
  pending_replace: OrderStatus.Open,
  filled: OrderStatus.Filled,
  canceled: OrderStatus.Cancelled,
  expired: OrderStatus.Expired,
  rejected: OrderStatus.Rejected,
};

/** The gateway status number of an order status. */
export function gatewayStatus(status: CoreStatus): number {
  return STATUS[status];
}

/** What the venue remembers about a gateway order beyond the exchange's view. */
export interface OrderMeta {
  /** The OrderType the client sent (JoinBid/JoinAsk are limit orders underneath). */
  type: number;
  customTag: string | null;
  /** Trailing stops: distance in price units (what the gateway reads back as `trailPrice`). */
  trailDistance?: number;
}

function orderType(o: Order): number {
  switch (o.type) {
    case 'market':
      return OrderType.Market;
    case 'limit':
      return OrderType.Limit;
    case 'stop':
      return OrderType.Stop;
    case 'stop_limit':
      return OrderType.StopLimit;
    case 'trailing_stop':
      return OrderType.TrailingStop;
  }
}

/** The gateway Order object (REST searches and `GatewayUserOrder`). */
export function orderPayload(
  core: VenueCore,
  o: Order,
  meta: OrderMeta | undefined,
  links: { parent?: number; linked?: number },
): Record<string, unknown> {
  const c = core.contractOfSymbol(o.symbol) as Contract;
  const type = meta?.type ?? orderType(o);
  return {
    id: core.orderNumber(o.id),
    accountId: Number(o.accountId),
    contractId: c.contractId,
    symbolId: c.symbolId,
    creationTimestamp: gatewayTime(o.createdAt),
    updateTimestamp: gatewayTime(o.updatedAt),
    status: gatewayStatus(o.status),
    type,
    side: o.side === 'buy' ? OrderSide.Bid : OrderSide.Ask,
    size: o.quantity,
    limitPrice: o.type === 'limit' || o.type === 'stop_limit' ? (o.price ?? null) : null,
    stopPrice:
      o.type === 'stop' || o.type === 'stop_limit' || o.type === 'trailing_stop' ? (o.stopPrice ?? null) : null,
    fillVolume: o.filledQuantity,
    filledPrice: o.avgFillPrice === null ? null : o.avgFillPrice.toNumber(),
    customTag: meta?.customTag ?? null,
    trailPrice: meta?.trailDistance ?? null,
    parentOrderId: links.parent ?? null,
    linkedOrderId: links.linked ?? null,
  };
}

/** The gateway Position object. Flat positions report `size: 0`. */
export function positionPayload(
  core: VenueCore,
  p: Position,
  positionId: number,
  opened: Micros,
  lastType: number,
): Record<string, unknown> {
  const c = core.contractOfSymbol(p.symbol) as Contract;
  return {
    id: positionId,
    accountId: Number(p.accountId),
    contractId: c.contractId,
    creationTimestamp: gatewayTime(opened),
    type: p.quantity > 0 ? PositionType.Long : p.quantity < 0 ? PositionType.Short : lastType,
    size: Math.abs(p.quantity),
    averagePrice: p.quantity === 0 ? 0 : p.avgPrice.toNumber(),
  };
}

/** The gateway HalfTrade object (`Trade/search`, `GatewayUserTrade`). */
export function tradePayload(core: VenueCore, f: VenueFill): Record<string, unknown> {
  const c = core.contractOfSymbol(f.fill.symbol) as Contract;
  return {
    id: f.tradeId,
    accountId: Number(f.fill.accountId),
    contractId: c.contractId,
    creationTimestamp: gatewayTime(f.fill.ts),
    price: f.fill.price.toNumber(),
    profitAndLoss: f.realizedPnl === null ? null : f.realizedPnl.toNumber(),
    fees: f.fill.fee.toNumber(),
    side: f.fill.side === 'buy' ? OrderSide.Bid : OrderSide.Ask,
    size: f.fill.quantity,
    voided: false,
    orderId: core.orderNumber(f.fill.orderId),
  };
}

/** The gateway TradingAccount object. */
export function accountPayload(a: VenueAccount, snapshot: AccountSnapshot): Record<string, unknown> {
  return {
    id: a.id,
    name: a.name,
    balance: snapshot.balance.toNumber(),
    canTrade: a.canTrade,
    isVisible: a.isVisible,
    simulated: a.simulated,
  };
}

/** The gateway Contract object. */
export function contractPayload(c: Contract): Record<string, unknown> {
  return {
    id: c.contractId,
    name: c.name,
    description: c.description,
    tickSize: c.instrument.tickSize,
    tickValue: c.tickValue,
    activeContract: c.activeContract,
    symbolId: c.symbolId,
  };
}

function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** The `GatewayQuote` payload. */
export function quotePayload(c: Contract, v: MarketView, ts: Micros): Record<string, unknown> {
  const ref = v.reference;
  const last = Number.isFinite(v.last) ? v.last : (v.bid + v.ask) / 2;
  const change = Number.isFinite(ref) && Number.isFinite(last) ? last - ref : 0;
  const time = gatewayTime(ts);
  return {
    symbol: c.symbolId,
    symbolName: c.name,
    lastPrice: num(v.last),
    bestBid: num(v.bid),
    bestAsk: num(v.ask),
    change: Number(change.toFixed(c.instrument.priceDecimals)),
    changePercent: Number.isFinite(ref) && ref !== 0 ? Number(((change / ref) * 100).toFixed(4)) : 0,
    open: num(v.open),
    high: num(v.high),
    low: num(v.low),
    volume: v.volume,
    lastUpdated: time,
    timestamp: time,
  };
}
