/**
 * @tradekit/venue: the simulated exchange served over the network — ProjectX Gateway-compatible
 * REST and SignalR hubs, a Binance-compatible profile (spot and USDⓈ-M) and a plain JSON profile over one order-sim exchange, on a virtual clock
 * the test steps or a real clock that paces the market source.
 * @packageDocumentation
 */
export { type VenueOptions, Venue, createVenue } from './venue.js';
export { type VenueInstrumentSpec, type Contract, defineContracts } from './contracts.js';
export { type VenueAccountSpec, type VenueAccount, type VenueFill, type CoreListener, VenueCore } from './core.js';
export { type ProjectXOptions, ProjectXProfile } from './projectx/profile.js';
export { OrderType, OrderSide, OrderStatus, PositionType, DomType, gatewayTime } from './projectx/payloads.js';
export { type JsonProfileOptions, JsonProfile } from './json/profile.js';
export { type BinanceOptions, type BinanceKeySpec, BinanceProfile } from './binance/profile.js';
export type { BinanceMarketSpec } from './binance/markets.js';
export {
  type LoopbackEscape,
  installLoopbackGuard,
  takeLoopbackEscapes,
  assertNoLoopbackEscapes,
  isLoopbackHost,
} from './loopback-guard.js';
export type { RestFaultRule } from './rest-faults.js';
export { MarketView, type BaseBar } from './market-view.js';
export {
  CONFIG_INVALID,
  CONTROL_INVALID,
  LISTEN_FAILED,
  SOURCE_FAILED,
  CLOSED,
  PARITY_FAILED,
  PARITY_UNSUPPORTED,
  FANOUT_OVERLOAD,
} from './errors.js';
export {
  type ParityOptions,
  type ParityReport,
  type ParityDifference,
  type ParityPnl,
  runParity,
  formatParity,
  exchangeDifferences,
} from './parity/run.js';
export type { ParityOrderRow, ParityActionRow, ParityFillRow } from './parity/record.js';
export { type LiveClientOptions, LiveStrategyClient } from './parity/live.js';
