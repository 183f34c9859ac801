/**
 * @tradekit/order-sim: a simulated exchange for tests — price-time matching on integer ticks,
 * queue position, liquidity consumption, latency, fees, positions and PnL.
 * @packageDocumentation
 */
export {
  Exchange,
  type ExchangeOptions,
  type ExchangeEventMap,
  type ExchangeSnapshot,
  type AccountSpec,
  type QueueModel,
  type FillPolicy,
  type LatencyOptions,
  type OrderChanges,
  type OrderFilter,
  type OrderLevelEvent,
} from './exchange.js';
export type { OrderTriggerEvent, MarkRule, ExchangeRejectReason } from './options.js';
export {
  OrderBook,
  RestingOrder,
  PriceLevel,
  BUY,
  SELL,
  type CoreSide,
  type MatchSink,
  type QueueDecreaseModel,
} from './order-book.js';
export { LatencyModel, type LatencySpec } from './latency.js';
export { FeeSchedule, type FeeSpec } from './fees.js';
export { TradingClient, createTradingClient, type OrderOptions, type BracketOrderRequest } from './trading-client.js';
