/**
 * Instruments and the tick grid. Market-data prices are plain numbers on the grid; the exchange
 * converts them once to integer ticks. Money derived from ticks is `Decimal`.
 */
import { Decimal } from 'decimal.js';
import { TradeKitError, describeValue, invalidValue } from './errors.js';
import { US_PER_DAY, US_PER_MINUTE, type Micros } from './time.js';

/** A window in which an instrument trades, in minutes after UTC midnight. */
export interface TradingSession {
  /** Days of week it applies to, 0 = Sunday … 6 = Saturday. @default all days */
  days?: readonly number[];
  /** Opening time `"HH:MM"` in the session's offset. */
  open: string;
  /** Closing time `"HH:MM"`; a close at or before the open means the session ends the next day. */
  close: string;
  /** Offset of the session's local time from UTC in minutes (e.g. -300 for New York in winter). @default 0 */
  utcOffsetMinutes?: number;
}

/** What users pass to {@link defineInstrument}. */
export interface InstrumentSpec {
  /** Ticker, e.g. `MNQ` or `BTC-USD`. */
  symbol: string;
  /** Smallest price step, e.g. 0.25. Must be a positive decimal with at most 12 fraction digits. */
  tickSize: number;
  /** Money per 1.0 of price per contract (point value), e.g. 2 for MNQ. @default 1 */
  multiplier?: number;
  /** Smallest tradable quantity step, e.g. 1 contract or 0.0001 BTC. @default 1 */
  lotSize?: number;
  /** Currency of prices and PnL. @default 'USD' */
  currency?: string;
  /** Trading sessions; none means the market is always open. */
  sessions?: readonly TradingSession[];
  /** Initial margin per contract (money), used by buying-power checks. @default 0 */
  marginPerContract?: number;
}

/** A validated instrument with the grid precomputed for exact integer conversions. */
export interface Instrument {
  readonly symbol: string;
  readonly tickSize: number;
  readonly multiplier: number;
  readonly lotSize: number;
  readonly currency: string;
  readonly sessions: readonly TradingSession[];
  readonly marginPerContract: number;
  /** Number of decimal digits of the tick size (0.25 → 2). */
  readonly priceDecimals: number;
  /** Tick size as an integer count of `10^-priceDecimals` (0.25 → 25). */
  readonly tickUnits: number;
  /** `10^priceDecimals`. */
  readonly priceScale: number;
  /** Number of decimal digits of the lot size. */
  readonly sizeDecimals: number;
}

/** Number of digits after the decimal point in the shortest text of `x` (handles 1e-8). */
export function decimalPlaces(x: number): number {
  const text = String(x);
  const e = text.indexOf('e-');
  if (e >= 0) {
    const mant = text.slice(0, e);
    const dot = mant.indexOf('.');
    return Number(text.slice(e + 2)) + (dot >= 0 ? mant.length - dot - 1 : 0);
  }
  const dot = text.indexOf('.');
  return dot >= 0 ? text.length - dot - 1 : 0;
}

/**
 * Validates an instrument spec and precomputes its grid. Throws `INSTRUMENT_INVALID` naming the
 * field and value on a bad spec.
 *
 * @example
 * const mnq = defineInstrument({ symbol: 'MNQ', tickSize: 0.25, multiplier: 2 }); // $0.50 per tick
 */
export function defineInstrument(spec: InstrumentSpec): Instrument {
  const code = 'INSTRUMENT_INVALID';
  if (typeof spec !== 'object' || spec === null) throw invalidValue(code, 'instrument', 'an object', spec);
  if (typeof spec.symbol !== 'string' || spec.symbol.length === 0) {
    throw invalidValue(code, 'symbol', 'a non-empty string', spec.symbol);
  }
  const positive = (field: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw invalidValue(code, `${spec.symbol}.${field}`, 'a finite number > 0', v);
    }
    return v;
  };
  const tickSize = positive('tickSize', spec.tickSize);
  const multiplier = positive('multiplier', spec.multiplier ?? 1);
  const lotSize = positive('lotSize', spec.lotSize ?? 1);
  const priceDecimals = decimalPlaces(tickSize);
  const sizeDecimals = decimalPlaces(lotSize);
  if (priceDecimals > 12) {
    throw invalidValue(code, `${spec.symbol}.tickSize`, 'a decimal with at most 12 fraction digits', tickSize);
  }
  const priceScale = 10 ** priceDecimals;
  const tickUnits = Math.round(tickSize * priceScale);
  const margin = spec.marginPerContract ?? 0;
  if (typeof margin !== 'number' || !Number.isFinite(margin) || margin < 0) {
    throw invalidValue(code, `${spec.symbol}.marginPerContract`, 'a finite number ≥ 0', margin);
  }
  const sessions = spec.sessions ?? [];
  for (const [i, s] of sessions.entries()) {
    for (const key of ['open', 'close'] as const) {
      if (!/^\d{2}:\d{2}$/.test(String(s[key]))) {
        throw invalidValue(code, `${spec.symbol}.sessions[${i}].${key}`, 'a time "HH:MM"', s[key]);
      }
    }
  }
  return Object.freeze({
    symbol: spec.symbol,
    tickSize,
    multiplier,
    lotSize,
    currency: spec.currency ?? 'USD',
    sessions: Object.freeze([...sessions]),
    marginPerContract: margin,
    priceDecimals,
    tickUnits,
    priceScale,
    sizeDecimals,
  });
}

/**
 * Converts a price to integer ticks, rounding to the nearest tick. Use {@link isOnGrid} or
 * {@link priceToTicksStrict} to reject off-grid prices.
 */
export function priceToTicks(inst: Instrument, price: number): number {
  return Math.round((price * inst.priceScale) / inst.tickUnits);
}

/**
 * Converts integer ticks to the price number that equals the decimal text of the price
 * (20000.25, never 20000.250000000004): integer ÷ power of ten is correctly rounded.
 */
export function ticksToPrice(inst: Instrument, ticks: number): number {
  return (ticks * inst.tickUnits) / inst.priceScale;
}

/** True when `price` lies on the instrument's tick grid (within float noise). */
export function isOnGrid(inst: Instrument, price: number): boolean {
  if (!Number.isFinite(price)) return false;
  const scaled = price * inst.priceScale;
  const ticks = Math.round(scaled / inst.tickUnits);
  return Math.abs(ticks * inst.tickUnits - scaled) <= 1e-6 * Math.max(1, inst.tickUnits);
}

/**
 * Converts a price to ticks, throwing `PRICE_OFF_TICK` when it is not on the grid.
 * @param code the error code to use, e.g. `ORDER_PRICE_OFF_TICK` from the exchange.
 */
export function priceToTicksStrict(inst: Instrument, price: number, code = 'PRICE_OFF_TICK', field = 'price'): number {
  if (!isOnGrid(inst, price)) {
    const lower = ticksToPrice(inst, Math.floor((price * inst.priceScale) / inst.tickUnits));
    throw new TradeKitError(
      code,
      `Expected \`${field}\` on ${inst.symbol}'s tick grid (multiples of ${inst.tickSize}), got ${describeValue(price)}. ` +
        `Nearest valid prices: ${lower} and ${ticksToPrice(inst, priceToTicks(inst, lower) + 1)}.`,
      { details: { field, value: price, symbol: inst.symbol, tickSize: inst.tickSize } },
    );
  }
  return priceToTicks(inst, price);
}

/** How {@link roundToTick} rounds. */
export type TickRounding = 'nearest' | 'down' | 'up';

/** Rounds a price onto the grid: `nearest` (default), `down` (floor) or `up` (ceil). */
export function roundToTick(inst: Instrument, price: number, mode: TickRounding = 'nearest'): number {
  const raw = (price * inst.priceScale) / inst.tickUnits;
  // Guard float noise so that a price already on the grid never moves.
  const near = Math.round(raw);
  const onGrid = Math.abs(near - raw) < 1e-9;
  const ticks = onGrid ? near : mode === 'down' ? Math.floor(raw) : mode === 'up' ? Math.ceil(raw) : near;
  return ticksToPrice(inst, ticks);
}

/** Money value of one tick for one contract, exactly: tickSize × multiplier. MNQ → 0.5. */
export function tickValue(inst: Instrument): Decimal {
  return new Decimal(inst.tickSize).times(inst.multiplier);
}

/** A price as an exact `Decimal` equal to its decimal text (for money at the API edge). */
export function priceToDecimal(price: number): Decimal {
  return new Decimal(price);
}

/** Converts a quantity to an integer count of lots, or `NaN` when it is not a lot multiple. */
export function quantityToLots(inst: Instrument, quantity: number): number {
  const scale = 10 ** inst.sizeDecimals;
  const unit = Math.round(inst.lotSize * scale);
  const scaled = quantity * scale;
  const lots = Math.round(scaled / unit);
  return Math.abs(lots * unit - scaled) <= 1e-6 * unit ? lots : Number.NaN;
}

/** Converts an integer count of lots back to the quantity number. */
export function lotsToQuantity(inst: Instrument, lots: number): number {
  const scale = 10 ** inst.sizeDecimals;
  return (lots * Math.round(inst.lotSize * scale)) / scale;
}

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** The session window `[open, close)` containing `ts`, or `undefined` when the market is closed. */
export function sessionAt(inst: Instrument, ts: Micros): { open: Micros; close: Micros } | undefined {
  if (inst.sessions.length === 0) return { open: Number.NEGATIVE_INFINITY, close: Number.POSITIVE_INFINITY };
  for (const s of inst.sessions) {
    const offset = (s.utcOffsetMinutes ?? 0) * US_PER_MINUTE;
    const local = ts + offset;
    const dayStart = Math.floor(local / US_PER_DAY) * US_PER_DAY;
    const openMin = minutesOf(s.open);
    let closeMin = minutesOf(s.close);
    if (closeMin <= openMin) closeMin += 24 * 60;
    // A session that wraps midnight may have opened yesterday.
    for (const start of [dayStart, dayStart - US_PER_DAY]) {
      const open = start + openMin * US_PER_MINUTE;
      const close = start + closeMin * US_PER_MINUTE;
      const weekday = new Date(start / 1000).getUTCDay();
      if (s.days && !s.days.includes(weekday)) continue;
      if (local >= open && local < close) return { open: open - offset, close: close - offset };
    }
  }
  return undefined;
}

/** True when the instrument trades at `ts` (always true without sessions). */
export function isInSession(inst: Instrument, ts: Micros): boolean {
  return sessionAt(inst, ts) !== undefined;
}
