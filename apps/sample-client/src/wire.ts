/**
 * The ProjectX Gateway wire: enum numbers and the JSON shapes of REST payloads and hub events, as
 * the public docs describe them. Nothing here depends on a particular server.
 */

/** OrderType numbers of `Order/place`. */
export const OrderType = {
  Limit: 1,
  Market: 2,
  StopLimit: 3,
  Stop: 4,
  TrailingStop: 5,
  JoinBid: 6,
  JoinAsk: 7,
} as const;

/** OrderSide numbers: 0 buy (bid), 1 sell (ask). */
export const OrderSide = { Buy: 0, Sell: 1 } as const;

/** OrderStatus numbers (7 and 8 from the Swagger spec). */
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

/** PositionType numbers: direction lives here, `size` is always positive. */
export const PositionType = { Undefined: 0, Long: 1, Short: 2 } as const;

/** DomType numbers of market depth entries. */
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

/** AggregateBarUnit numbers of `History/retrieveBars`. */
export const BarUnit = { second: 1, minute: 2, hour: 3, day: 4 } as const;

/** The envelope every REST answer carries. */
export interface Envelope {
  success: boolean;
  errorCode: number;
  errorMessage: string | null;
}

/** `TradingAccount` (REST and `GatewayUserAccount`). */
export interface WireAccount {
  id: number;
  name: string;
  balance: number;
  canTrade: boolean;
  isVisible: boolean;
  simulated?: boolean;
}

/** `Contract`. */
export interface WireContract {
  id: string;
  name: string;
  description?: string;
  tickSize: number;
  tickValue: number;
  activeContract: boolean;
  symbolId?: string;
}

/** `Order` (REST searches and `GatewayUserOrder`). */
export interface WireOrder {
  id: number;
  accountId: number;
  contractId: string;
  symbolId?: string;
  creationTimestamp: string;
  updateTimestamp: string | null;
  status: number;
  type: number;
  side: number;
  size: number;
  limitPrice: number | null;
  stopPrice: number | null;
  fillVolume: number;
  filledPrice: number | null;
  customTag: string | null;
  parentOrderId?: number | null;
  linkedOrderId?: number | null;
}

/** `Position` (REST and `GatewayUserPosition`). */
export interface WirePosition {
  id: number;
  accountId: number;
  contractId: string;
  creationTimestamp: string;
  type: number;
  size: number;
  averagePrice: number;
}

/** `HalfTrade` (`Trade/search` and `GatewayUserTrade`): one fill. */
export interface WireTrade {
  id: number;
  accountId: number;
  contractId: string;
  creationTimestamp: string;
  price: number;
  profitAndLoss: number | null;
  fees: number;
  side: number;
  size: number;
  voided: boolean;
  orderId: number;
}

/** `Bar` of `History/retrieveBars`. */
export interface WireBar {
  t: string;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** `GatewayQuote` data. */
export interface WireQuote {
  symbol: string;
  symbolName?: string;
  lastPrice: number | null;
  bestBid: number | null;
  bestAsk: number | null;
  change?: number;
  changePercent?: number;
  open?: number | null;
  high?: number | null;
  low?: number | null;
  volume?: number;
  lastUpdated?: string;
  timestamp: string;
}

/** One `GatewayTrade` entry. */
export interface WireMarketTrade {
  symbolId: string;
  price: number;
  timestamp: string;
  type: number;
  volume: number;
}

/** One `GatewayDepth` entry. */
export interface WireDepth {
  timestamp: string;
  type: number;
  price: number;
  volume: number;
  currentVolume: number;
}

/**
 * Gateway time text (`2025-01-02T14:30:04.000001+00:00` or `…Z`) as epoch microseconds; `NaN` when
 * it is not a time. `Date.parse` keeps only milliseconds, so the fraction is read by hand.
 */
export function parseGatewayTime(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (m === null) return Number.NaN;
  const ms = Date.parse(`${m[1]}${m[3] ?? 'Z'}`);
  if (Number.isNaN(ms)) return Number.NaN;
  const frac = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return ms * 1000 + Number(frac);
}

/** Epoch microseconds as gateway time text with a `Z` (what requests send). */
export function formatGatewayTime(us: number): string {
  const ms = Math.floor(us / 1000);
  const sub = us - ms * 1000;
  return `${new Date(ms).toISOString().slice(0, 23)}${String(sub).padStart(3, '0')}Z`;
}

/** A hub event's data: the documented flat object, or `{ action, data }` as some gateways send. */
export function unwrap<T>(payload: unknown): T {
  if (
    typeof payload === 'object' &&
    payload !== null &&
    'data' in payload &&
    'action' in payload &&
    Object.keys(payload).length === 2
  )
    return (payload as { data: T }).data;
  return payload as T;
}

/** `GatewayTrade` / `GatewayDepth` data: an array of entries, or one object. */
export function entries<T>(payload: unknown): T[] {
  return Array.isArray(payload) ? (payload as T[]) : [payload as T];
}
