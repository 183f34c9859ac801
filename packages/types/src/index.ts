/**
 * @tradekit/types: the domain model every TradeKit package speaks.
 * @packageDocumentation
 */
export { Decimal } from 'decimal.js';

export {
  TradeKitError,
  isTradeKitError,
  describeValue,
  invalidValue,
  expectNumber,
  type TradeKitErrorDetails,
  type TradeKitErrorOptions,
} from './errors.js';

export {
  type Micros,
  type EpochUnit,
  US_PER_MS,
  US_PER_SECOND,
  US_PER_MINUTE,
  US_PER_HOUR,
  US_PER_DAY,
  dateToMicros,
  microsToDate,
  msToMicros,
  microsToMs,
  nsToMicros,
  microsToNs,
  microsToIso,
  isoToMicros,
  isoToMicrosStrict,
  detectEpochUnit,
  epochToMicros,
  toMicros,
  parseDuration,
  formatDuration,
} from './time.js';

export { type Timeframe, parseTimeframe } from './timeframe.js';

export { BarAggregator } from './bars.js';

export {
  type Instrument,
  type InstrumentSpec,
  type TradingSession,
  type TickRounding,
  defineInstrument,
  decimalPlaces,
  priceToTicks,
  priceToTicksStrict,
  ticksToPrice,
  isOnGrid,
  roundToTick,
  tickValue,
  priceToDecimal,
  quantityToLots,
  lotsToQuantity,
  sessionAt,
  isInSession,
} from './instrument.js';

export {
  type BookSide,
  type AggressorSide,
  type BookLevel,
  type QuoteEvent,
  type TradeEvent,
  type BookSnapshotEvent,
  type BookDeltaEvent,
  type BarEvent,
  type MarketStatus,
  type StatusEvent,
  type MarketEvent,
  type MarketEventType,
  type MarketEventOf,
  type MarketEventSource,
  type OrderLevelEvent,
  MARKET_EVENT_TYPES,
  isMarketEvent,
} from './events.js';

export {
  type OrderSide,
  type OrderType,
  type TimeInForce,
  type StopTrigger,
  type PriceOffset,
  type BracketSpec,
  type OrderRequest,
  type OrderStatus,
  type RejectReason,
  type Order,
  type Liquidity,
  type Fill,
  type Position,
  type AccountSnapshot,
  type OrderUpdateEvent,
  type FillEvent,
  type PositionEvent,
  type AccountEvent,
  type ExchangeEvent,
  type TradeKitEvent,
  ORDER_TRANSITIONS,
  TERMINAL_ORDER_STATUSES,
  isTerminalStatus,
  canTransition,
  assertTransition,
} from './orders.js';

export {
  type Clock,
  type TimerHandle,
  type VirtualClockOptions,
  type RealClockOptions,
  VirtualClock,
  RealClock,
  isVirtualClock,
} from './clock.js';

export { type Seed, type RngState, Rng, inverseNormalCdf, logFactorial } from './rng.js';

export {
  type CsvKind,
  type RecordLocation,
  CSV_COLUMNS,
  csvKindOf,
  csvHeader,
  detectCsvKind,
  eventToCsvRows,
  eventToJsonLine,
  jsonToEvent,
} from './schema.js';

export { type KnownKeysOptions, assertKnownKeys, editDistance, nearestName } from './keys.js';
