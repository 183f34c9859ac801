/** The client's own view of orders, fills, positions and the account, mapped from the wire. */
import {
  OrderSide,
  OrderStatus,
  OrderType,
  PositionType,
  type WireAccount,
  type WireOrder,
  type WirePosition,
  type WireTrade,
  parseGatewayTime,
} from './wire.js';

/** Order side. */
export type Side = 'buy' | 'sell';

/** Order type names. */
export type OrderTypeName = 'limit' | 'market' | 'stopLimit' | 'stop' | 'trailingStop' | 'joinBid' | 'joinAsk';

/** Order status names. */
export type OrderStatusName =
  | 'none'
  | 'open'
  | 'filled'
  | 'cancelled'
  | 'expired'
  | 'rejected'
  | 'pending'
  | 'pendingCancel'
  | 'suspended';

/** An order as the client knows it. */
export interface Order {
  id: number;
  contractId: string;
  side: Side;
  type: OrderTypeName;
  size: number;
  limitPrice: number | null;
  stopPrice: number | null;
  status: OrderStatusName;
  filledSize: number;
  avgFillPrice: number | null;
  customTag: string | null;
  /** The entry order of a bracket leg. */
  parentId: number | null;
  /** The other leg of an OCO pair. */
  linkedId: number | null;
  /** Last update, epoch µs. */
  updatedAt: number;
}

/** One fill (a gateway "half trade"). */
export interface Fill {
  id: number;
  orderId: number;
  contractId: string;
  side: Side;
  size: number;
  price: number;
  /** Realized PnL of a closing fill; null for an opening one. */
  pnl: number | null;
  fees: number;
  /** Fill time, epoch µs. */
  time: number;
}

/** A position; `size` is signed (negative = short), 0 = flat. */
export interface Position {
  contractId: string;
  size: number;
  averagePrice: number;
  /** Opened at, epoch µs. */
  openedAt: number;
}

/** The trading account. */
export interface Account {
  id: number;
  name: string;
  balance: number;
  canTrade: boolean;
}

const STATUS: Record<number, OrderStatusName> = {
  [OrderStatus.None]: 'none',
  [OrderStatus.Open]: 'open',
  [OrderStatus.Filled]: 'filled',
  [OrderStatus.Cancelled]: 'cancelled',
  [OrderStatus.Expired]: 'expired',
  [OrderStatus.Rejected]: 'rejected',
  [OrderStatus.Pending]: 'pending',
  [OrderStatus.PendingCancellation]: 'pendingCancel',
  [OrderStatus.Suspended]: 'suspended',
};

const TYPE: Record<number, OrderTypeName> = {
  [OrderType.Limit]: 'limit',
  [OrderType.Market]: 'market',
  [OrderType.StopLimit]: 'stopLimit',
  [OrderType.Stop]: 'stop',
  [OrderType.TrailingStop]: 'trailingStop',
  [OrderType.JoinBid]: 'joinBid',
  [OrderType.JoinAsk]: 'joinAsk',
};

/** Whether an order can still change (open, pending, suspended bracket leg). */
export function isWorking(o: Order): boolean {
  return o.status === 'open' || o.status === 'pending' || o.status === 'suspended' || o.status === 'pendingCancel';
}

/** Whether an order reached a final state. */
export function isDone(o: Order): boolean {
  return o.status === 'filled' || o.status === 'cancelled' || o.status === 'expired' || o.status === 'rejected';
}

/** Maps a wire order. */
export function toOrder(w: WireOrder): Order {
  return {
    id: w.id,
    contractId: w.contractId,
    side: w.side === OrderSide.Sell ? 'sell' : 'buy',
    type: TYPE[w.type] ?? 'market',
    size: w.size,
    limitPrice: w.limitPrice ?? null,
    stopPrice: w.stopPrice ?? null,
    status: STATUS[w.status] ?? 'none',
    filledSize: w.fillVolume ?? 0,
    avgFillPrice: w.filledPrice ?? null,
    customTag: w.customTag ?? null,
    parentId: w.parentOrderId ?? null,
    linkedId: w.linkedOrderId ?? null,
    updatedAt: parseGatewayTime(w.updateTimestamp ?? w.creationTimestamp),
  };
}

/** Maps a wire trade. */
export function toFill(w: WireTrade): Fill {
  return {
    id: w.id,
    orderId: w.orderId,
    contractId: w.contractId,
    side: w.side === OrderSide.Sell ? 'sell' : 'buy',
    size: w.size,
    price: w.price,
    pnl: w.profitAndLoss ?? null,
    fees: w.fees ?? 0,
    time: parseGatewayTime(w.creationTimestamp),
  };
}

/** Maps a wire position (`size` 0 = flat). */
export function toPosition(w: WirePosition): Position {
  const sign = w.type === PositionType.Short ? -1 : 1;
  return {
    contractId: w.contractId,
    size: w.size === 0 ? 0 : sign * w.size,
    averagePrice: w.size === 0 ? 0 : w.averagePrice,
    openedAt: parseGatewayTime(w.creationTimestamp),
  };
}

/** Maps a wire account. */
export function toAccount(w: WireAccount): Account {
  return { id: w.id, name: w.name, balance: w.balance, canTrade: w.canTrade };
}
