/**
 * sample-client: a small trading SDK for the ProjectX Gateway (REST + SignalR), shaped like the
 * popular async futures SDKs. TradeKit's integration suite tests it against the simulated venue.
 * @packageDocumentation
 */
export {
  TradingSuite,
  type TradingSuiteOptions,
  type SuiteEvents,
  type SuiteContract,
  type ResyncReport,
} from './suite.js';
export { OrderManager, type BracketOrder, type OrderChanges, type PlaceOptions, type Placed } from './orders.js';
export { PositionManager } from './positions.js';
export {
  MarketData,
  type Quote,
  type Tick,
  type Gap,
  type DepthUpdate,
  type MarketDataStats,
} from './market-data.js';
export { type Bar, type Timeframe, BarBuilder, barLength, bucketStart } from './bars.js';
export { DepthBook, type DepthLevel, type DepthSnapshot } from './depth.js';
export {
  type Order,
  type Fill,
  type Position,
  type Account,
  type Side,
  type OrderTypeName,
  type OrderStatusName,
  isWorking,
  isDone,
} from './model.js';
export { GatewayError, type GatewayErrorCode } from './errors.js';
export { GatewayHttp, type Credentials, type GatewayHttpOptions, tokenLifetimeMs } from './http.js';
export { ExponentialBackoff, type ReconnectOptions } from './backoff.js';
export type { HubState, HubStateChange } from './hub.js';
export {
  OrderType,
  OrderSide,
  OrderStatus,
  PositionType,
  DomType,
  parseGatewayTime,
  formatGatewayTime,
} from './wire.js';
