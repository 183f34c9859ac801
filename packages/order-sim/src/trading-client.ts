/**
 * A trading facade in the shape trading SDKs expose, bound to one account of an {@link Exchange}.
 */
import type {
  AccountSnapshot,
  ExchangeEvent,
  Order,
  OrderRequest,
  OrderSide,
  Position,
  PriceOffset,
} from '@tradekit/types';
import type { Exchange, ExchangeEventMap, OrderChanges } from './exchange.js';

/** Extra fields for the `place*Order` helpers. */
export type OrderOptions = Omit<OrderRequest, 'symbol' | 'side' | 'type' | 'quantity' | 'accountId'>;

/** A bracket: an entry (market, or limit when `price` is given) with a stop-loss and a take-profit. */
export interface BracketOrderRequest {
  symbol: string;
  side: OrderSide;
  quantity: number;
  /** Limit price of the entry; a market entry when absent. */
  price?: number;
  /** Stop-loss: offset from the entry fill (`{ ticks }` / `{ price }`) or absolute (`{ at }`). */
  stopLoss?: PriceOffset | { at: number };
  /** Take-profit: offset from the entry fill or absolute. */
  takeProfit?: PriceOffset | { at: number };
  /** Other request fields (timeInForce, clientOrderId…). */
  options?: OrderOptions;
}

type ClientEventMap = Pick<ExchangeEventMap, 'order' | 'fill' | 'position' | 'account' | 'event'>;

/**
 * Places and manages orders for one account, reading like a broker SDK.
 *
 * @example
 * const client = createTradingClient(exchange, { accountId: 'default' });
 * client.placeMarketOrder('MNQ', 'buy', 1);
 * client.getPosition('MNQ').quantity; // 1
 */
export class TradingClient {
  /** The exchange this client trades on. */
  readonly exchange: Exchange;
  /** The account every order goes to. */
  readonly accountId: string;

  constructor(exchange: Exchange, options: { accountId?: string } = {}) {
    this.exchange = exchange;
    this.accountId = options.accountId ?? 'default';
    exchange.getAccount(this.accountId);
  }

  /** Sends any order request for this account. */
  placeOrder(request: Omit<OrderRequest, 'accountId'>): Order {
    return this.exchange.placeOrder({ ...request, accountId: this.accountId });
  }

  /** Buys or sells at the market. */
  placeMarketOrder(symbol: string, side: OrderSide, quantity: number, options: OrderOptions = {}): Order {
    return this.placeOrder({ ...options, symbol, side, type: 'market', quantity });
  }

  /** Rests a limit order at `price` (takes what crosses first). */
  placeLimitOrder(symbol: string, side: OrderSide, quantity: number, price: number, options: OrderOptions = {}): Order {
    return this.placeOrder({ ...options, symbol, side, type: 'limit', quantity, price });
  }

  /** A stop-market order that triggers at `stopPrice`. */
  placeStopOrder(
    symbol: string,
    side: OrderSide,
    quantity: number,
    stopPrice: number,
    options: OrderOptions = {},
  ): Order {
    return this.placeOrder({ ...options, symbol, side, type: 'stop', quantity, stopPrice });
  }

  /** A stop-limit order: triggers at `stopPrice`, then works as a limit at `price`. */
  placeStopLimitOrder(
    symbol: string,
    side: OrderSide,
    quantity: number,
    stopPrice: number,
    price: number,
    options: OrderOptions = {},
  ): Order {
    return this.placeOrder({ ...options, symbol, side, type: 'stop_limit', quantity, stopPrice, price });
  }

  /** A trailing stop `offset` away from the best price seen since it was placed. */
  placeTrailingStopOrder(
    symbol: string,
    side: OrderSide,
    quantity: number,
    offset: PriceOffset,
    options: OrderOptions = {},
  ): Order {
    return this.placeOrder({ ...options, symbol, side, type: 'trailing_stop', quantity, trailingOffset: offset });
  }

  /** An entry with a stop-loss and a take-profit that activate on its fill and cancel each other. */
  placeBracketOrder(request: BracketOrderRequest): Order {
    const { symbol, side, quantity, price, stopLoss, takeProfit, options = {} } = request;
    const bracket: NonNullable<OrderRequest['bracket']> = {};
    if (stopLoss) bracket.stopLoss = stopLoss;
    if (takeProfit) bracket.takeProfit = takeProfit;
    const base = { ...options, symbol, side, quantity, bracket };
    return this.placeOrder(price === undefined ? { ...base, type: 'market' } : { ...base, type: 'limit', price });
  }

  /** Places orders that cancel each other on the first fill (one-cancels-the-other). */
  placeOcoOrders(
    requests: Omit<OrderRequest, 'accountId' | 'ocoGroup'>[],
    group = `oco:${requests.map((r) => r.clientOrderId ?? '').join('|')}:${Math.round(this.exchange.clock.now())}`,
  ): Order[] {
    return requests.map((r) => this.placeOrder({ ...r, ocoGroup: group }));
  }

  /** Asks to cancel an order; false when it was already done. */
  cancelOrder(orderId: string): boolean {
    return this.exchange.cancelOrder(orderId);
  }

  /** Asks to change price, stop price or total quantity. */
  modifyOrder(orderId: string, changes: OrderChanges): Order {
    return this.exchange.modifyOrder(orderId, changes);
  }

  /** The account's position in a symbol. */
  getPosition(symbol: string): Position {
    return this.exchange.getPosition(this.accountId, symbol);
  }

  /** The account's balances and positions. */
  getAccount(): AccountSnapshot {
    return this.exchange.getAccount(this.accountId);
  }

  /** The account's orders (`{ open: true }` for working ones only). */
  getOrders(filter: { symbol?: string; open?: boolean } = {}): Order[] {
    return this.exchange.getOrders({ ...filter, accountId: this.accountId });
  }

  /** One order of this account. */
  getOrder(orderId: string): Order {
    return this.exchange.getOrder(orderId);
  }

  /** Subscribes to this account's events; returns an unsubscribe function. */
  on<K extends keyof ClientEventMap>(type: K, listener: (event: ClientEventMap[K]) => void): () => void {
    return this.exchange.on(type, (e: ExchangeEvent) => {
      if (accountOf(e) === this.accountId) (listener as (ev: ExchangeEvent) => void)(e);
    });
  }
}

function accountOf(e: ExchangeEvent): string {
  switch (e.type) {
    case 'order':
      return e.order.accountId;
    case 'fill':
      return e.fill.accountId;
    case 'position':
      return e.position.accountId;
    default:
      return e.account.accountId;
  }
}

/**
 * A {@link TradingClient} for one account of an exchange.
 *
 * @example
 * const client = createTradingClient(exchange, { accountId: 'alice' });
 */
export function createTradingClient(exchange: Exchange, options: { accountId?: string } = {}): TradingClient {
  return new TradingClient(exchange, options);
}
