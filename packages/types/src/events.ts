/**
 * Market events: what market-sim and replay emit, what order-sim consumes, what the ws-tester
 * feed serves. A discriminated union on `type`; every event has `symbol` and `ts` (epoch µs).
 * Prices are plain numbers on the instrument's tick grid; sizes are plain numbers.
 */
import type { Micros } from './time.js';

/** Which side of the book. */
export type BookSide = 'bid' | 'ask';

/** Side of the aggressor (taker) of a trade; `unknown` when the source does not say. */
export type AggressorSide = 'buy' | 'sell' | 'unknown';

/** One price level of an L2 book. */
export interface BookLevel {
  price: number;
  size: number;
}

/** Top of book. */
export interface QuoteEvent {
  type: 'quote';
  symbol: string;
  ts: Micros;
  bid: number;
  bidSize: number;
  ask: number;
  askSize: number;
}

/** A print: a trade that happened on the market. */
export interface TradeEvent {
  type: 'trade';
  symbol: string;
  ts: Micros;
  price: number;
  size: number;
  /** Aggressor side: `buy` lifted the ask, `sell` hit the bid. */
  side: AggressorSide;
  /** Venue trade id, when the source has one. */
  id?: string;
}

/**
 * A full L2 book: bids best (highest) first, asks best (lowest) first.
 * Replaces whatever book the consumer had for the symbol.
 */
export interface BookSnapshotEvent {
  type: 'book_snapshot';
  symbol: string;
  ts: Micros;
  bids: BookLevel[];
  asks: BookLevel[];
}

/**
 * Changes to an L2 book: each level's `size` is the new total displayed at that price;
 * `size: 0` removes the level.
 */
export interface BookDeltaEvent {
  type: 'book_delta';
  symbol: string;
  ts: Micros;
  bids: BookLevel[];
  asks: BookLevel[];
}

/**
 * An OHLCV bar, stamped at its close: `ts` is the end of the bar (exclusive), `start` its
 * beginning. `timeframe` is a duration like `"1m"`, or `"<n>t"` (tick bars) / `"<n>v"` (volume bars).
 */
export interface BarEvent {
  type: 'bar';
  symbol: string;
  ts: Micros;
  start: Micros;
  timeframe: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Number of trades aggregated, when known. */
  trades?: number;
}

/** Trading status of a market. */
export type MarketStatus = 'open' | 'halt' | 'close';

/** A change of trading status (session open/close, halt, resume). */
export interface StatusEvent {
  type: 'status';
  symbol: string;
  ts: Micros;
  status: MarketStatus;
  reason?: string;
}

/** Any market-data event. */
export type MarketEvent = QuoteEvent | TradeEvent | BookSnapshotEvent | BookDeltaEvent | BarEvent | StatusEvent;

/** The `type` tags of market events. */
export type MarketEventType = MarketEvent['type'];

/** All market event type tags, in canonical order. */
export const MARKET_EVENT_TYPES: readonly MarketEventType[] = Object.freeze([
  'quote',
  'trade',
  'book_snapshot',
  'book_delta',
  'bar',
  'status',
]);

/** True when `value` looks like a market event (checks the tag, `symbol` and `ts` only). */
export function isMarketEvent(value: unknown): value is MarketEvent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown; symbol?: unknown; ts?: unknown };
  return (
    typeof v.type === 'string' &&
    (MARKET_EVENT_TYPES as readonly string[]).includes(v.type) &&
    typeof v.symbol === 'string' &&
    typeof v.ts === 'number'
  );
}

/** Narrows a market event by its `type`. */
export type MarketEventOf<T extends MarketEventType> = Extract<MarketEvent, { type: T }>;

/**
 * Order-level (L3) market data: one venue order added, cancelled, resized or executed. Sources
 * that have it let the simulated exchange queue user orders exactly (FIFO) behind real ones.
 * Not part of {@link MarketEvent}: consumers that only know L1/L2 never see these.
 */
export type OrderLevelEvent =
  | { type: 'order_add'; symbol: string; ts: Micros; orderId: string; side: BookSide; price: number; size: number }
  | { type: 'order_cancel'; symbol: string; ts: Micros; orderId: string }
  | { type: 'order_modify'; symbol: string; ts: Micros; orderId: string /** new remaining size */; size: number }
  | { type: 'order_execute'; symbol: string; ts: Micros; orderId: string /** size executed */; size: number };

/** A source of market events: anything iterable in time order (market-sim, replay, an array). */
export type MarketEventSource = Iterable<MarketEvent> | AsyncIterable<MarketEvent>;
