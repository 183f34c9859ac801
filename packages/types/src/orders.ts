/**
 * Orders, fills, positions and accounts: what the simulated exchange accepts and reports.
 * Quantities are plain numbers (lot multiples); money is `Decimal`.
 */
import type { Decimal } from 'decimal.js';
import { TradeKitError } from './errors.js';
import type { Micros } from './time.js';

/** Buy or sell. */
export type OrderSide = 'buy' | 'sell';

/** Order types the exchange understands. */
export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit' | 'trailing_stop';

/**
 * Time in force: `GTC` until cancelled, `DAY` until the session ends, `IOC` fill what you can now
 * and cancel the rest, `FOK` fill all now or nothing, `GTD` until `expireAt`.
 */
export type TimeInForce = 'GTC' | 'DAY' | 'IOC' | 'FOK' | 'GTD';

/** Which price a stop watches. `last` = last trade (default), `bid`/`ask` = the quote side, `mid`. */
export type StopTrigger = 'last' | 'bid' | 'ask' | 'mid';

/** A distance from a reference price: in ticks, or in price units. */
export type PriceOffset = { ticks: number } | { price: number };

/** Stop-loss and take-profit of a bracket, as offsets from the entry price or as absolute prices. */
export interface BracketSpec {
  /** Stop-loss: an offset from the entry fill price, or an absolute price. */
  stopLoss?: PriceOffset | { at: number };
  /** Take-profit: an offset from the entry fill price, or an absolute price. */
  takeProfit?: PriceOffset | { at: number };
}

/** What a user submits. */
export interface OrderRequest {
  symbol: string;
  side: OrderSide;
  type: OrderType;
  /** Quantity in instrument units (a multiple of `lotSize`), > 0. */
  quantity: number;
  /** Limit price (limit, stop_limit). */
  price?: number;
  /** Trigger price (stop, stop_limit). */
  stopPrice?: number;
  /** Trailing distance (trailing_stop). */
  trailingOffset?: PriceOffset;
  /** @default 'GTC' */
  timeInForce?: TimeInForce;
  /** Expiry for `GTD`, epoch µs. */
  expireAt?: Micros;
  /** Reject instead of taking liquidity. */
  postOnly?: boolean;
  /** Only ever reduce the position. */
  reduceOnly?: boolean;
  /** What price a stop triggers on. @default 'last' */
  stopTrigger?: StopTrigger;
  /** The client's own id; generated when absent. */
  clientOrderId?: string;
  /** The trading account. @default 'default' */
  accountId?: string;
  /** Attach a stop-loss and/or take-profit that activate on the entry's fill (OCO between them). */
  bracket?: BracketSpec;
  /** Name of an OCO group (any string you choose, not order ids): orders sharing it cancel each other on the first fill. */
  ocoGroup?: string;
}

/**
 * Order lifecycle:
 * - `pending_new`: sent, travelling to the exchange (entry latency).
 * - `inactive`: a bracket child waiting for its parent to fill.
 * - `new`: working on the book (a stop waits for its trigger here).
 * - `partially_filled`, `filled`.
 * - `pending_cancel`, `pending_replace`: a cancel/modify is travelling.
 * - `canceled`, `expired`, `rejected`: terminal.
 */
export type OrderStatus =
  | 'pending_new'
  | 'inactive'
  | 'new'
  | 'partially_filled'
  | 'pending_cancel'
  | 'pending_replace'
  | 'filled'
  | 'canceled'
  | 'expired'
  | 'rejected';

/** Every legal move of an order's status. A status not listed as a key is terminal. */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = Object.freeze({
  pending_new: ['new', 'inactive', 'rejected', 'canceled'],
  inactive: ['new', 'canceled', 'rejected', 'expired'],
  new: ['partially_filled', 'filled', 'pending_cancel', 'pending_replace', 'canceled', 'expired', 'rejected'],
  partially_filled: ['partially_filled', 'filled', 'pending_cancel', 'pending_replace', 'canceled', 'expired'],
  pending_cancel: ['canceled', 'filled', 'partially_filled', 'new', 'expired'],
  pending_replace: ['new', 'partially_filled', 'filled', 'canceled', 'pending_cancel', 'expired'],
  filled: [],
  canceled: [],
  expired: [],
  rejected: [],
});

/** Statuses after which an order never changes again. */
export const TERMINAL_ORDER_STATUSES: readonly OrderStatus[] = Object.freeze([
  'filled',
  'canceled',
  'expired',
  'rejected',
]);

/** True when the order can no longer change. */
export function isTerminalStatus(status: OrderStatus): boolean {
  return ORDER_TRANSITIONS[status].length === 0;
}

/** True when `from → to` is a legal status change. */
export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from]?.includes(to) ?? false;
}

/**
 * Throws `ORDER_ILLEGAL_TRANSITION` when `from → to` is not in {@link ORDER_TRANSITIONS}.
 * @returns `to`, for chaining.
 */
export function assertTransition(from: OrderStatus, to: OrderStatus, orderId?: string): OrderStatus {
  if (!canTransition(from, to)) {
    const legal = ORDER_TRANSITIONS[from]?.join(', ') || 'none (terminal)';
    throw new TradeKitError(
      'ORDER_ILLEGAL_TRANSITION',
      `Order${orderId ? ` ${orderId}` : ''} cannot move from \`${from}\` to \`${to}\`. Legal next statuses: ${legal}.`,
      { details: { from, to, orderId } },
    );
  }
  return to;
}

/** Why the exchange rejected an order. Stable codes. */
export type RejectReason =
  | 'ORDER_PRICE_OFF_TICK'
  | 'ORDER_SIZE_INVALID'
  | 'ORDER_SIZE_NOT_LOT_MULTIPLE'
  | 'ORDER_UNKNOWN_SYMBOL'
  | 'ORDER_MARKET_CLOSED'
  | 'ORDER_MARKET_HALTED'
  | 'ORDER_INSUFFICIENT_BUYING_POWER'
  | 'ORDER_REDUCE_ONLY_INCREASES'
  | 'ORDER_POST_ONLY_WOULD_CROSS'
  | 'ORDER_FOK_UNFILLABLE'
  | 'ORDER_INVALID'
  | 'ORDER_UNKNOWN'
  | 'ORDER_NOT_MODIFIABLE'
  | 'ORDER_STOP_WRONG_SIDE'
  | 'ORDER_PRICE_OUT_OF_RANGE';

/** An order as the exchange reports it. */
export interface Order {
  /** Exchange order id: `o1`, `o2`… in placement order on one exchange (deterministic, not a uuid). */
  id: string;
  clientOrderId: string;
  accountId: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  timeInForce: TimeInForce;
  quantity: number;
  filledQuantity: number;
  /** `quantity - filledQuantity` while working; 0 once terminal. */
  remainingQuantity: number;
  price?: number;
  stopPrice?: number;
  trailingOffset?: PriceOffset;
  stopTrigger: StopTrigger;
  /** True once a stop / stop-limit / trailing stop has triggered. */
  triggered: boolean;
  expireAt?: Micros;
  postOnly: boolean;
  reduceOnly: boolean;
  status: OrderStatus;
  /** Volume-weighted average fill price, `null` before the first fill. */
  avgFillPrice: Decimal | null;
  /** Parent order id for bracket children. */
  parentId?: string;
  /** Name of the OCO group this order belongs to: orders sharing it cancel (or reduce) each other on a fill. */
  ocoGroup?: string;
  rejectReason?: RejectReason;
  rejectMessage?: string;
  createdAt: Micros;
  updatedAt: Micros;
}

/** Whether a fill added (maker) or took (taker) liquidity. */
export type Liquidity = 'maker' | 'taker';

/** One execution. */
export interface Fill {
  /** Fill id: `f1`, `f2`… in fill order on one exchange (deterministic, not a uuid). */
  id: string;
  orderId: string;
  clientOrderId: string;
  accountId: string;
  symbol: string;
  side: OrderSide;
  price: Decimal;
  quantity: number;
  /** Fee charged for this fill (negative = rebate). */
  fee: Decimal;
  liquidity: Liquidity;
  ts: Micros;
}

/** Net position of one account in one symbol. */
export interface Position {
  accountId: string;
  symbol: string;
  /** Signed: > 0 long, < 0 short, 0 flat. */
  quantity: number;
  /** Average entry price of the open quantity; 0 when flat. */
  avgPrice: Decimal;
  /** Realized PnL in money (with the multiplier), before fees. */
  realizedPnl: Decimal;
  /** Unrealized PnL at `markPrice`. */
  unrealizedPnl: Decimal;
  /** Fees paid in this symbol. */
  fees: Decimal;
  /** Last price used to mark, if any. */
  markPrice?: number;
}

/** A point-in-time view of an account. */
export interface AccountSnapshot {
  accountId: string;
  currency: string;
  /** Starting cash + realized PnL − fees. */
  balance: Decimal;
  /** Balance + unrealized PnL. */
  equity: Decimal;
  realizedPnl: Decimal;
  unrealizedPnl: Decimal;
  fees: Decimal;
  /** Margin held by open positions and working orders. */
  marginUsed: Decimal;
  /** Equity − margin used. */
  buyingPower: Decimal;
  positions: Position[];
  ts: Micros;
}

/** An order changed status (or price/size after a modify). */
export interface OrderUpdateEvent {
  type: 'order';
  ts: Micros;
  order: Order;
  previousStatus: OrderStatus | null;
}

/** An execution happened. */
export interface FillEvent {
  type: 'fill';
  ts: Micros;
  fill: Fill;
}

/** A position changed. */
export interface PositionEvent {
  type: 'position';
  ts: Micros;
  position: Position;
}

/** An account's balances changed. */
export interface AccountEvent {
  type: 'account';
  ts: Micros;
  account: AccountSnapshot;
}

/** Everything an exchange reports. */
export type ExchangeEvent = OrderUpdateEvent | FillEvent | PositionEvent | AccountEvent;

/** Anything that flows through a TradeKit pipeline. */
export type TradeKitEvent = import('./events.js').MarketEvent | ExchangeEvent;
