/**
 * `@tradekit/test-fixtures/matchers`: domain matchers for `expect.extend` and snapshot serializers
 * for `Decimal`, orders and fills. This entry does not import vitest, so Jest can use it too:
 * `expect.extend(tradekitMatchers)`.
 *
 * @example
 * import { expect } from 'vitest';
 * import { tradekitMatchers } from '@tradekit/test-fixtures/matchers';
 * expect.extend(tradekitMatchers);
 * @packageDocumentation
 */
import {
  type AccountSnapshot,
  Decimal,
  type Fill,
  type Order,
  type OrderStatus,
  type Position,
  ORDER_TRANSITIONS,
  describeValue,
  nearestName,
} from '@tradekit/types';
import { fixtureError } from './errors.js';
import { latestOrder } from './registry.js';

/** A price or amount a matcher accepts: a `Decimal`, a number or a decimal string. */
export type DecimalLike = Decimal | number | string;

/** A tick size, or anything with a `tickSize` (an `Instrument`). */
export type TickSpec = number | string | { tickSize: number };

/** Options of {@link TradeKitMatchers.toHavePosition}. */
export interface PositionExpectation {
  /** Expected average entry price (exact decimal comparison). */
  avgPrice?: DecimalLike;
}

/** Options of {@link TradeKitMatchers.toHaveRealizedPnl}. */
export interface RealizedPnlOptions {
  /** Check one symbol's realized PnL instead of the account's. */
  symbol?: string;
  /** Subtract fees (realized PnL net of fees). @default false */
  net?: boolean;
}

/**
 * The matchers {@link tradekitMatchers} adds; `R` is the assertion's return type. Use it to
 * declare them for your test runner (the main entry declares them for vitest).
 */
export interface TradeKitMatchers<R = unknown> {
  /** The order is completely filled. Orders from the fixtures are re-read from their exchange first. */
  toBeFilled(): R;
  /** Part of the order filled and part did not (it may still work, or have been canceled after a partial fill). */
  toBePartiallyFilled(): R;
  /** The order's status is `status` (`new`, `filled`, `canceled`…). */
  toHaveStatus(status: OrderStatus): R;
  /**
   * The net position in `symbol` is `size` (negative = short) on a `TradingClient`, an `Exchange`
   * (default account), an `AccountSnapshot` or a `Position`, optionally at `avgPrice`.
   */
  toHavePosition(symbol: string, size: number, expected?: PositionExpectation): R;
  /** Equal as exact decimals: `Decimal('0.3')` equals `'0.30'` and `0.3`. */
  toEqualDecimal(expected: DecimalLike): R;
  /** The price lies on the tick grid (`0.25`, or an instrument). */
  toBeOnTick(tick: TickSpec): R;
  /** The price (a number, a Decimal, a fill, or an order's average fill price) is at most `ticks` ticks from `expected`. */
  toBeWithinTicks(expected: DecimalLike, ticks: number, tick: TickSpec): R;
  /** Realized PnL (gross of fees unless `net`) of the account or one symbol equals `expected` exactly. */
  toHaveRealizedPnl(expected: DecimalLike, options?: RealizedPnlOptions): R;
}

/** The matcher context both vitest and Jest pass as `this` (only `isNot` is used). */
interface MatcherContext {
  isNot?: boolean;
}

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

const STATUSES = Object.keys(ORDER_TRANSITIONS) as OrderStatus[];

function invalid(matcher: string, expected: string, received: unknown, example: string): never {
  throw fixtureError(
    'FIXTURE_MATCHER_INVALID',
    `${matcher}() expects ${expected}, got ${describeValue(received)}. Write ${example}.`,
    { matcher },
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** True for a `Decimal` from any copy of decimal.js. */
export function isDecimal(v: unknown): v is Decimal {
  return Decimal.isDecimal(v);
}

function isOrder(v: unknown): v is Order {
  return (
    isObject(v) &&
    typeof v.id === 'string' &&
    typeof v.status === 'string' &&
    typeof v.symbol === 'string' &&
    typeof v.quantity === 'number' &&
    typeof v.filledQuantity === 'number' &&
    'avgFillPrice' in v
  );
}

function isFill(v: unknown): v is Fill {
  return (
    isObject(v) &&
    typeof v.orderId === 'string' &&
    typeof v.symbol === 'string' &&
    isDecimal(v.price) &&
    typeof v.quantity === 'number' &&
    isDecimal(v.fee)
  );
}

function isPosition(v: unknown): v is Position {
  return (
    isObject(v) &&
    typeof v.symbol === 'string' &&
    typeof v.quantity === 'number' &&
    isDecimal(v.avgPrice) &&
    isDecimal(v.realizedPnl)
  );
}

function isAccount(v: unknown): v is AccountSnapshot {
  return isObject(v) && typeof v.accountId === 'string' && Array.isArray(v.positions) && isDecimal(v.realizedPnl);
}

/** A TradingClient: `getPosition(symbol)` bound to one account. */
interface ClientLike {
  accountId: string;
  getPosition(symbol: string): Position;
  getAccount(): AccountSnapshot;
}
/** An Exchange: `getPosition(accountId, symbol)`. */
interface ExchangeLike {
  getPosition(accountId: string, symbol: string): Position;
  getAccount(accountId?: string): AccountSnapshot;
  placeOrder: unknown;
}

function isClient(v: unknown): v is ClientLike {
  return (
    isObject(v) &&
    typeof v.accountId === 'string' &&
    typeof v.getPosition === 'function' &&
    typeof v.getAccount === 'function'
  );
}

function isExchange(v: unknown): v is ExchangeLike {
  return (
    isObject(v) &&
    typeof v.getPosition === 'function' &&
    typeof v.getAccount === 'function' &&
    typeof v.placeOrder === 'function'
  );
}

function toDecimal(matcher: string, field: string, v: unknown): Decimal {
  if (isDecimal(v)) return v;
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string') {
    try {
      return new Decimal(typeof v === 'number' ? String(v) : v);
    } catch {
      // falls through to the error below
    }
  }
  throw fixtureError(
    'FIXTURE_MATCHER_INVALID',
    `${matcher}() expects ${field} to be a Decimal, a finite number or a decimal string, got ${describeValue(v)}.`,
    { matcher },
  );
}

function tickOf(matcher: string, tick: unknown): Decimal {
  const raw = isObject(tick) && 'tickSize' in tick ? tick.tickSize : tick;
  const d = typeof raw === 'number' || typeof raw === 'string' || isDecimal(raw) ? toDecimalSafe(raw) : undefined;
  if (d === undefined || !d.isFinite() || !d.gt(0)) {
    invalid(matcher, 'a tick size > 0 (e.g. 0.25) or an instrument with `tickSize`', tick, `${matcher}(…, 0.25)`);
  }
  return d;
}

function toDecimalSafe(v: unknown): Decimal | undefined {
  try {
    return isDecimal(v) ? v : new Decimal(typeof v === 'number' ? String(v) : (v as string));
  } catch {
    return undefined;
  }
}

function orderOf(matcher: string, received: unknown, example: string): Order {
  if (!isOrder(received)) {
    invalid(matcher, 'an Order (what placeOrder, getOrder or getOrders return)', received, example);
  }
  return latestOrder(received);
}

/** `o1 (buy 1 MNQ limit @ 19999.75)` */
function describeOrder(o: Order): string {
  const at =
    o.type === 'limit'
      ? ` @ ${o.price}`
      : o.type === 'stop' || o.type === 'trailing_stop'
        ? o.stopPrice === undefined
          ? ''
          : ` at ${o.stopPrice}`
        : o.type === 'stop_limit'
          ? ` at ${o.stopPrice}, limit ${o.price}`
          : '';
  return `order ${o.id} (${o.side} ${o.quantity} ${o.symbol} ${o.type}${at})`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describeFillState(o: Order): string {
  const avg = o.avgFillPrice === null ? '' : ` @ avg ${o.avgFillPrice.toString()}`;
  const why = o.status === 'rejected' && o.rejectReason ? `, reject reason ${o.rejectReason}` : '';
  return `status "${o.status}", filled ${o.filledQuantity} of ${o.quantity}${avg}${why}`;
}

function describeSize(n: number): string {
  return n === 0 ? '0 (flat)' : n > 0 ? `${n} (long)` : `${n} (short)`;
}

function signed(d: Decimal): string {
  return d.gte(0) ? `+${d.toString()}` : d.toString();
}

function result(ctx: MatcherContext, pass: boolean, ok: string, bad: string): MatcherResult {
  return { pass, message: () => (ctx.isNot ? ok : bad) };
}

function positionOf(matcher: string, received: unknown, symbol: string): { position: Position; owner: string } {
  const example = `expect(trading).${matcher}('MNQ', …)`;
  if (isClient(received)) return { position: received.getPosition(symbol), owner: `account ${received.accountId}` };
  if (isExchange(received)) {
    const acc = received.getAccount();
    return { position: received.getPosition(acc.accountId, symbol), owner: `account ${acc.accountId}` };
  }
  if (isAccount(received)) {
    const p = received.positions.find((x) => x.symbol === symbol);
    const flat: Position = {
      accountId: received.accountId,
      symbol,
      quantity: 0,
      avgPrice: new Decimal(0),
      realizedPnl: new Decimal(0),
      unrealizedPnl: new Decimal(0),
      fees: new Decimal(0),
    };
    return { position: p ?? flat, owner: `account ${received.accountId}` };
  }
  if (isPosition(received)) {
    if (received.symbol !== symbol) {
      invalid(matcher, `a position in ${symbol} (or a client, exchange or account holding one)`, received, example);
    }
    return { position: received, owner: `account ${received.accountId}` };
  }
  return invalid(matcher, 'a TradingClient, an Exchange, an AccountSnapshot or a Position', received, example);
}

/**
 * The matcher implementations: `expect.extend(tradekitMatchers)` with vitest or Jest.
 * Failure messages say what was expected and what the order, position or price is, in domain terms.
 */
export const tradekitMatchers = {
  toBeFilled(this: MatcherContext, received: unknown): MatcherResult {
    const o = orderOf('toBeFilled', received, 'expect(order).toBeFilled()');
    const pass = o.status === 'filled';
    return result(
      this,
      pass,
      `Expected ${describeOrder(o)} not to be filled, but it is: ${describeFillState(o)}.`,
      `Expected ${describeOrder(o)} to be filled, but it has ${describeFillState(o)}.`,
    );
  },

  toBePartiallyFilled(this: MatcherContext, received: unknown): MatcherResult {
    const o = orderOf('toBePartiallyFilled', received, 'expect(order).toBePartiallyFilled()');
    const pass = o.filledQuantity > 0 && o.filledQuantity < o.quantity;
    return result(
      this,
      pass,
      `Expected ${describeOrder(o)} not to be partially filled, but it has ${describeFillState(o)}.`,
      `Expected ${describeOrder(o)} to be partially filled (some but not all of ${o.quantity}), but it has ${describeFillState(o)}.`,
    );
  },

  toHaveStatus(this: MatcherContext, received: unknown, status: OrderStatus): MatcherResult {
    if (typeof status !== 'string' || !STATUSES.includes(status)) {
      const near = typeof status === 'string' ? nearestName(status, STATUSES) : undefined;
      throw fixtureError(
        'FIXTURE_MATCHER_INVALID',
        `toHaveStatus() expects one of ${STATUSES.map((s) => `"${s}"`).join(', ')}, got ${describeValue(status)}.${near ? ` Did you mean "${near}"?` : ''}`,
        { matcher: 'toHaveStatus' },
      );
    }
    const o = orderOf('toHaveStatus', received, "expect(order).toHaveStatus('filled')");
    const pass = o.status === status;
    return result(
      this,
      pass,
      `Expected ${describeOrder(o)} not to have status "${status}", but it has ${describeFillState(o)}.`,
      `Expected ${describeOrder(o)} to have status "${status}", but it has ${describeFillState(o)}.`,
    );
  },

  toHavePosition(
    this: MatcherContext,
    received: unknown,
    symbol: string,
    size: number,
    expected: PositionExpectation = {},
  ): MatcherResult {
    if (typeof symbol !== 'string' || symbol === '') {
      invalid('toHavePosition', 'a symbol as its first argument', symbol, "expect(trading).toHavePosition('MNQ', 1)");
    }
    if (typeof size !== 'number' || !Number.isFinite(size)) {
      invalid(
        'toHavePosition',
        'a size (number) as its second argument',
        size,
        "expect(trading).toHavePosition('MNQ', 1)",
      );
    }
    const { position: p, owner } = positionOf('toHavePosition', received, symbol);
    const wantAvg =
      expected.avgPrice === undefined ? undefined : toDecimal('toHavePosition', 'avgPrice', expected.avgPrice);
    const sizeOk = p.quantity === size;
    const avgOk = wantAvg === undefined || (p.quantity !== 0 && p.avgPrice.eq(wantAvg));
    const want = `${describeSize(size)}${wantAvg === undefined ? '' : ` @ avg ${wantAvg.toString()}`}`;
    const got = `${describeSize(p.quantity)}${p.quantity === 0 ? '' : ` @ avg ${p.avgPrice.toString()}`}`;
    return result(
      this,
      sizeOk && avgOk,
      `Expected the position of ${owner} in ${symbol} not to be ${want}, but it is.`,
      `Expected the position of ${owner} in ${symbol} to be ${want}, but it is ${got}.`,
    );
  },

  toEqualDecimal(this: MatcherContext, received: unknown, expected: DecimalLike): MatcherResult {
    const want = toDecimal('toEqualDecimal', 'the expected value', expected);
    const got = toDecimal('toEqualDecimal', 'the value under test', received);
    const pass = got.eq(want);
    return result(
      this,
      pass,
      `Expected ${got.toString()} not to equal ${want.toString()} as a decimal, but it does.`,
      `Expected ${got.toString()} to equal ${want.toString()} exactly (as a decimal), but it differs by ${signed(got.minus(want))}.`,
    );
  },

  toBeOnTick(this: MatcherContext, received: unknown, tick: TickSpec): MatcherResult {
    const t = tickOf('toBeOnTick', tick);
    const price = toDecimal('toBeOnTick', 'the price', received);
    const below = price.div(t).floor().times(t);
    const off = price.minus(below);
    const pass = off.isZero();
    return result(
      this,
      pass,
      `Expected ${price.toString()} not to lie on the tick grid of ${t.toString()}, but it does.`,
      `Expected ${price.toString()} to lie on the tick grid of ${t.toString()}, but it is ${off.toString()} above ${below.toString()} (nearest ticks: ${below.toString()} and ${below.plus(t).toString()}).`,
    );
  },

  toBeWithinTicks(
    this: MatcherContext,
    received: unknown,
    expected: DecimalLike,
    ticks: number,
    tick: TickSpec,
  ): MatcherResult {
    if (typeof ticks !== 'number' || !(ticks >= 0)) {
      invalid(
        'toBeWithinTicks',
        'a number of ticks ≥ 0 as its second argument',
        ticks,
        'expect(price).toBeWithinTicks(19950, 2, 0.25)',
      );
    }
    const t = tickOf('toBeWithinTicks', tick);
    let price: Decimal;
    let what: string;
    if (isFill(received)) {
      price = received.price;
      what = `the fill price ${price.toString()}`;
    } else if (isOrder(received)) {
      const o = latestOrder(received);
      if (o.avgFillPrice === null) {
        return result(
          this,
          false,
          '',
          `Expected the average fill price of ${describeOrder(o)} to be within ${plural(ticks, 'tick')} of ${String(expected)}, but it has not filled (${describeFillState(o)}).`,
        );
      }
      price = o.avgFillPrice;
      what = `the average fill price ${price.toString()} of ${describeOrder(o)}`;
    } else {
      price = toDecimal('toBeWithinTicks', 'the price', received);
      what = price.toString();
    }
    const want = toDecimal('toBeWithinTicks', 'the expected price', expected);
    const diffTicks = price.minus(want).div(t);
    const pass = diffTicks.abs().lte(ticks);
    const where = diffTicks.isZero()
      ? 'exactly there'
      : `${plural(diffTicks.abs().toNumber(), 'tick')} ${diffTicks.gt(0) ? 'above' : 'below'}`;
    return result(
      this,
      pass,
      `Expected ${what} not to be within ${plural(ticks, 'tick')} (${t.toString()}) of ${want.toString()}, but it is ${where}.`,
      `Expected ${what} to be within ${plural(ticks, 'tick')} (${t.toString()}) of ${want.toString()}, but it is ${where}.`,
    );
  },

  toHaveRealizedPnl(
    this: MatcherContext,
    received: unknown,
    expected: DecimalLike,
    options: RealizedPnlOptions = {},
  ): MatcherResult {
    const want = toDecimal('toHaveRealizedPnl', 'the expected PnL', expected);
    let pnl: Decimal;
    let fees: Decimal;
    let owner: string;
    if (options.symbol !== undefined) {
      const { position, owner: o } = positionOf('toHaveRealizedPnl', received, options.symbol);
      pnl = position.realizedPnl;
      fees = position.fees;
      owner = `${o} in ${options.symbol}`;
    } else if (isClient(received) || isExchange(received) || isAccount(received)) {
      const acc = isAccount(received) ? received : received.getAccount();
      pnl = acc.realizedPnl;
      fees = acc.fees;
      owner = `account ${acc.accountId}`;
    } else if (isPosition(received)) {
      pnl = received.realizedPnl;
      fees = received.fees;
      owner = `account ${received.accountId} in ${received.symbol}`;
    } else {
      return invalid(
        'toHaveRealizedPnl',
        'a TradingClient, an Exchange, an AccountSnapshot or a Position',
        received,
        "expect(trading).toHaveRealizedPnl('-101.24')",
      );
    }
    const got = options.net ? pnl.minus(fees) : pnl;
    const kind = options.net ? 'realized PnL net of fees' : 'realized PnL (before fees)';
    const pass = got.eq(want);
    return result(
      this,
      pass,
      `Expected the ${kind} of ${owner} not to be ${want.toString()}, but it is.`,
      `Expected the ${kind} of ${owner} to be ${want.toString()}, but it is ${got.toString()} (${signed(got.minus(want))}; fees ${fees.toString()}).`,
    );
  },
};

// ───────────────────────────── snapshot serializers ─────────────────────────────

/** The plugin shape vitest's and Jest's `expect.addSnapshotSerializer` accept. */
export interface SnapshotSerializer {
  test(value: unknown): boolean;
  serialize(
    // biome-ignore lint/suspicious/noExplicitAny: pretty-format's own signature (its Config and Refs types differ between vitest and Jest)
    value: any,
    // biome-ignore lint/suspicious/noExplicitAny: as above
    config: any,
    indentation: string,
    depth: number,
    // biome-ignore lint/suspicious/noExplicitAny: as above
    refs: any,
    // biome-ignore lint/suspicious/noExplicitAny: as above
    printer: (value: unknown, config: any, indentation: string, depth: number, refs: any) => string,
  ): string;
}

const VIEW = Symbol.for('@tradekit/test-fixtures/snapshot-view');

/** Prints a `Decimal` as `Decimal(20000.25)`: exact, and the same across decimal.js copies. */
export const decimalSerializer: SnapshotSerializer = {
  test: (v) => isDecimal(v),
  serialize: (v) => `Decimal(${(v as Decimal).toString()})`,
};

/** Builds a named plain object for printing, marked so the serializers do not see it again. */
function view(name: string, fields: Record<string, unknown>): object {
  // A named constructor makes pretty-format print `Order {` instead of `Object {`.
  const ctor = { [name]: class {} }[name] as new () => object;
  const o = new ctor();
  Object.defineProperty(o, VIEW, { value: true });
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (o as Record<string, unknown>)[k] = v;
  return o;
}

const ORDER_DROP = new Set(['id', 'clientOrderId', 'parentId', 'ocoGroup', 'createdAt', 'updatedAt', 'expireAt']);

/**
 * Prints an `Order` without ids and timestamps (which change when unrelated orders are added or
 * the clock moves): its symbol, side, type, prices, quantities, status and average fill price.
 */
export const orderSerializer: SnapshotSerializer = {
  test: (v) => isOrder(v) && !(VIEW in (v as object)),
  serialize(v, config, indentation, depth, refs, printer) {
    const o = v as Order;
    const fields: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(o)) if (!ORDER_DROP.has(k)) fields[k] = val;
    if (o.parentId !== undefined) fields.bracketChild = true;
    if (o.ocoGroup !== undefined) fields.oco = true;
    return printer(view('Order', fields), config, indentation, depth, refs);
  },
};

const FILL_DROP = new Set(['id', 'orderId', 'clientOrderId', 'ts']);

/** Prints a `Fill` without its ids and timestamp. */
export const fillSerializer: SnapshotSerializer = {
  test: (v) => isFill(v) && !(VIEW in (v as object)),
  serialize(v, config, indentation, depth, refs, printer) {
    const fields: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v as Fill)) if (!FILL_DROP.has(k)) fields[k] = val;
    return printer(view('Fill', fields), config, indentation, depth, refs);
  },
};

/** Every serializer of this package, for `snapshotSerializers` or `expect.addSnapshotSerializer`. */
export const tradekitSerializers: readonly SnapshotSerializer[] = [decimalSerializer, orderSerializer, fillSerializer];
