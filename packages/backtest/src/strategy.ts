/** The strategy API: plain objects with optional event methods, and the context they act through. */
import type { OrderChanges } from '@tradekit/order-sim';
import type {
  AccountSnapshot,
  BarEvent,
  Fill,
  Instrument,
  InstrumentSpec,
  Order,
  OrderRequest,
  Position,
  QuoteEvent,
  TradeEvent,
} from '@tradekit/types';
import { TradeKitError, assertKnownKeys, describeValue } from '@tradekit/types';
import type { BarSeries } from './series.js';

/** Strategy parameters: numbers, strings or booleans by name. */
export type Params = Record<string, number | string | boolean>;

/** Options of {@link StrategyContext.indicator}. */
export interface IndicatorBinding<I> {
  /** Symbol whose bars update it. @default the first symbol */
  symbol?: string;
  /** Timeframe whose bars update it. @default the strategy's first timeframe */
  timeframe?: string;
  /** How a closed bar updates it. @default `(ind, bar) => ind.update(bar.close)` */
  update?: (indicator: I, bar: BarEvent) => void;
}

/** A market order's extra fields, for {@link StrategyContext.buy} and {@link StrategyContext.sell}. */
export type QuickOrder = Partial<Omit<OrderRequest, 'side' | 'quantity' | 'accountId'>>;

/**
 * What a strategy sees and acts through. Only the past exists here: history windows hold closed
 * bars, indicators are updated with closed bars, and `now` is the time of the event being handled.
 */
export interface StrategyContext<P extends Params = Params> {
  /** The parameters of this run (defaults merged with overrides), frozen. */
  readonly params: Readonly<P>;
  /** Time of the event being handled, epoch µs. */
  readonly now: number;
  /** Symbols of the backtest, in the order of `instruments`. */
  readonly symbols: readonly string[];
  /** The instrument of a symbol. */
  instrument(symbol?: string): Instrument;
  /** Closed bars of a symbol and timeframe, newest first. @default first symbol, first timeframe */
  bars(symbol?: string, timeframe?: string): BarSeries;
  /**
   * Registers an indicator updated with every closed bar of a symbol/timeframe before `onBar`
   * runs. Call it in `onStart`; returns the indicator.
   */
  indicator<I extends { update(x: number): number }>(indicator: I, binding?: IndicatorBinding<I>): I;
  indicator<I>(indicator: I, binding: IndicatorBinding<I> & { update: (indicator: I, bar: BarEvent) => void }): I;
  /** Sends any order order-sim accepts (limit, stop, trailing, brackets, OCO…). */
  placeOrder(request: Omit<OrderRequest, 'accountId'>): Order;
  /** Market buy of `quantity` on `symbol` (default: the first symbol). */
  buy(quantity: number, options?: QuickOrder): Order;
  /** Market sell of `quantity` on `symbol` (default: the first symbol). */
  sell(quantity: number, options?: QuickOrder): Order;
  /** Sends a market order that flattens the position of a symbol; undefined when flat. */
  closePosition(symbol?: string): Order | undefined;
  /** Cancels an order; false if it was no longer working. */
  cancelOrder(orderId: string): boolean;
  /** Modifies a working order. */
  modifyOrder(orderId: string, changes: OrderChanges): Order;
  /** Working orders, optionally of one symbol. */
  openOrders(symbol?: string): Order[];
  /** Signed position size (fast, a plain number). */
  position(symbol?: string): number;
  /** The exact position from the exchange (Decimal prices and PnL). */
  getPosition(symbol?: string): Position;
  /** The exact account from the exchange (Decimal balance, equity, fees). */
  account(): AccountSnapshot;
  /** Equity now as a plain number (cash + positions at their last price). */
  readonly equity: number;
}

/**
 * A strategy: optional event methods called with closed bars and past events only. Every method
 * runs synchronously; orders it sends reach the exchange at once (or after the configured
 * latency) and fill on later data — a market order sent on a bar's close fills at the next
 * bar's open.
 */
export interface Strategy<P extends Params = Params> {
  /** Name in reports and errors. @default 'strategy' */
  name?: string;
  /** Parameter defaults; overrides must use these keys and types. @default {} */
  params?: P;
  /** Checks a full parameter set; throw to reject it (run before any data is read). */
  validate?(params: Readonly<P>): void;
  /**
   * Bar timeframes `onBar` receives, e.g. `['1m', '15m']`. Bars of other timeframes are
   * aggregated from the data's trades or smaller bars and delivered only after they close.
   * @default every bar of the data as it comes
   */
  timeframes?: readonly string[];
  /** Instruments this strategy trades (used when the backtest gets none). */
  instruments?: readonly (Instrument | InstrumentSpec)[];
  /** Closed bars kept per symbol and timeframe. @default 512 */
  history?: number;
  onStart?(ctx: StrategyContext<P>): void;
  onBar?(bar: BarEvent, ctx: StrategyContext<P>): void;
  onQuote?(quote: QuoteEvent, ctx: StrategyContext<P>): void;
  onTrade?(trade: TradeEvent, ctx: StrategyContext<P>): void;
  onFill?(fill: Fill, ctx: StrategyContext<P>): void;
  onOrderUpdate?(order: Order, ctx: StrategyContext<P>): void;
  onEnd?(ctx: StrategyContext<P>): void;
}

/** The methods a strategy may define. */
export const STRATEGY_KEYS = [
  'name',
  'params',
  'validate',
  'timeframes',
  'instruments',
  'history',
  'onStart',
  'onBar',
  'onQuote',
  'onTrade',
  'onFill',
  'onOrderUpdate',
  'onEnd',
] as const;

/**
 * Declares a strategy (checks its shape and keeps its parameter types).
 *
 * @example
 * const s = defineStrategy({ name: 'hold', onBar: (_bar, ctx) => { if (ctx.position() === 0) ctx.buy(1); } });
 */
export function defineStrategy<P extends Params = Params>(strategy: Strategy<P>): Strategy<P> {
  checkStrategy(strategy);
  return strategy;
}

/** Throws `BACKTEST_STRATEGY_INVALID` for a value that is not a strategy. */
export function checkStrategy(strategy: unknown): asserts strategy is Strategy {
  const code = 'BACKTEST_STRATEGY_INVALID';
  if (typeof strategy !== 'object' || strategy === null) {
    throw new TradeKitError(
      code,
      `Expected a strategy object like { name: 'x', onBar(bar, ctx) { … } }, got ${describeValue(strategy)}.`,
      { details: { value: strategy } },
    );
  }
  assertKnownKeys(strategy, STRATEGY_KEYS, { code, where: 'the strategy' });
  const s = strategy as Record<string, unknown>;
  for (const k of STRATEGY_KEYS) {
    if ((k.startsWith('on') || k === 'validate') && s[k] !== undefined && typeof s[k] !== 'function') {
      throw new TradeKitError(code, `Expected strategy \`${k}\` to be a function, got ${describeValue(s[k])}.`, {
        details: { field: k, value: s[k] },
      });
    }
  }
  if (s.params !== undefined && (typeof s.params !== 'object' || s.params === null || Array.isArray(s.params))) {
    throw new TradeKitError(
      code,
      `Expected strategy \`params\` to be an object of defaults, got ${describeValue(s.params)}.`,
      {
        details: { field: 'params', value: s.params },
      },
    );
  }
}

/**
 * Merges parameter overrides into a strategy's defaults. Unknown keys name the nearest valid
 * one; a value of the wrong type fails; strings (from a command line) are converted to the
 * default's type. Throws `BACKTEST_PARAMS_INVALID`.
 *
 * @example
 * resolveParams({ params: { fast: 10 } }, { fast: '12' }); // { fast: 12 }
 */
export function resolveParams<P extends Params>(strategy: Strategy<P>, overrides: Record<string, unknown> = {}): P {
  const code = 'BACKTEST_PARAMS_INVALID';
  const defaults = (strategy.params ?? {}) as Params;
  assertKnownKeys(overrides, Object.keys(defaults), {
    code,
    where: `the parameters of ${strategy.name ?? 'strategy'}`,
  });
  const out: Params = { ...defaults };
  for (const [k, raw] of Object.entries(overrides)) {
    const want = typeof defaults[k];
    let v: unknown = raw;
    if (typeof raw === 'string' && want !== 'string') {
      if (want === 'number') v = raw.trim() === '' ? Number.NaN : Number(raw);
      else if (want === 'boolean') v = raw === 'true' ? true : raw === 'false' ? false : raw;
    }
    if (typeof v !== want || (want === 'number' && !Number.isFinite(v as number))) {
      throw new TradeKitError(
        code,
        `Expected parameter \`${k}\` to be a ${want === 'number' ? 'finite number' : want} like its default ${JSON.stringify(defaults[k])}, got ${describeValue(raw)}.`,
        { details: { field: k, value: raw } },
      );
    }
    out[k] = v as number | string | boolean;
  }
  if (strategy.validate) {
    try {
      strategy.validate(Object.freeze({ ...out }) as Readonly<P>);
    } catch (err) {
      throw new TradeKitError(
        code,
        `Parameters ${JSON.stringify(out)} were rejected by ${strategy.name ?? 'the strategy'}.validate: ${(err as Error)?.message ?? String(err)}`,
        { cause: err, details: { value: out } },
      );
    }
  }
  return Object.freeze(out) as P;
}
