/**
 * The exchange's options: the public option types and their validation into one resolved config.
 */
import {
  type Clock,
  Decimal,
  type Instrument,
  type InstrumentSpec,
  type OrderLevelEvent,
  type MarketEvent,
  type ExchangeEvent,
  type FillEvent,
  type OrderUpdateEvent,
  type PositionEvent,
  type AccountEvent,
  type Micros,
  type Order,
  type RejectReason,
  type Seed,
  type StopTrigger,
  defineInstrument,
  invalidValue,
} from '@tradekit/types';
import { type FeeSpec, FeeSchedule } from './fees.js';
import type { LatencySpec } from './latency.js';

export interface AccountSpec {
  /** Account id used in `OrderRequest.accountId`. */
  id: string;
  /** Starting cash (number or decimal string). @default 100000 */
  balance?: number | string;
  /** @default 'USD' */
  currency?: string;
}

/**
 * How resting limit orders advance in the queue at their price.
 * - `queue`: behind the displayed size when they arrived; prints at the price eat it, and a
 *   level shrinking below it moves the order up (cancels assumed behind you otherwise).
 * - `probabilistic`: like `queue`, but a size decrease comes from ahead of the order with
 *   probability ahead ÷ displayed (seeded).
 * - `risk-averse`: fill only when the market trades (or quotes) through the price.
 * - `fifo`: exact queue from order-level data (`Exchange.onOrderLevelEvent`): prints at the
 *   price do not fill; executions of the venue's orders behind yours do.
 */
export type QueueModel = 'queue' | 'probabilistic' | 'risk-averse' | 'fifo';

/**
 * Order-level (L3) market data for the exact FIFO queue model: the venue's own orders, by id.
 * Simulated orders queue behind the market orders resting before them at their price, and an
 * execution of a market order fills the simulated orders ahead of it first.
 */
export type { OrderLevelEvent };

/** How orders fill when the source gives bars (or prints) instead of a book. */
export interface FillPolicy {
  /**
   * Market orders with only bars: at the next bar's open (no look-ahead), or at once at the last
   * close. @default 'next_bar_open'
   */
  barMarketOrders?: 'next_bar_open' | 'last_close';
  /**
   * Order in which a bar's high and low are visited. `stop_first` visits first the extreme that
   * triggers a working stop (stop-loss first on ambiguous bars); `direction` goes O→L→H→C on an
   * up bar and O→H→L→C on a down bar. @default 'stop_first'
   */
  barPath?: 'stop_first' | 'direction';
  /**
   * With only prints or bars (no quotes, no book): the share of each trade's size, or of each
   * bar's volume, that orders taking at that price may fill, e.g. `0.1` to take at most a tenth of
   * the printed volume; what one order took is gone for the next until the next print or bar, and
   * the rest of a market order waits for it. Unset: no cap (an order fills whole at the last price).
   */
  printShare?: number;
}

/** A {@link FillPolicy} with its defaults filled in (`printShare` stays unset for no cap). */
export type ResolvedFillPolicy = Required<Omit<FillPolicy, 'printShare'>> & Pick<FillPolicy, 'printShare'>;

/** Order-entry, acknowledgement and market-data latencies. @default all 0 */
export interface LatencyOptions {
  /** Time from `placeOrder`/`cancelOrder`/`modifyOrder` to the book. */
  orderEntry?: LatencySpec;
  /** Time from the exchange to the user for order, fill, position and account events. */
  ack?: LatencySpec;
  /** Time from the exchange to the user for `market` events. */
  marketData?: LatencySpec;
}

/** Options of the `Exchange` constructor. */
export interface ExchangeOptions {
  /** The clock every delay is scheduled on (a `VirtualClock` in tests). */
  clock: Clock;
  /** Tradable instruments (specs are validated with `defineInstrument`). */
  instruments: readonly (Instrument | InstrumentSpec)[];
  /** Accounts. @default [{ id: 'default', balance: 100000 }] */
  accounts?: readonly AccountSpec[];
  /** @default no latency */
  latency?: LatencyOptions;
  /** @default no fees */
  fees?: FeeSpec;
  /** @default { barMarketOrders: 'next_bar_open', barPath: 'stop_first' } */
  fillPolicy?: FillPolicy;
  /** @default 'queue' */
  queueModel?: QueueModel;
  /** Seed of every random draw (latency, probabilistic queue). @default 0 */
  seed?: Seed;
  /**
   * Default price stops watch: `last` is the last trade; with quotes only and no trade yet, a
   * sell stop fires when the bid touches it and a buy stop when the ask does. `bid`, `ask` and
   * `mid` watch the quote. @default 'last'
   */
  stopTrigger?: StopTrigger;
  /**
   * A stop or stop-limit whose stop price the market has already reached on arrival (a sell stop
   * at or above the price it watches, a buy stop at or below it, a bracket stop-loss on the wrong
   * side of the entry, or a modify that moves a stop there): `reject` it with
   * `ORDER_STOP_WRONG_SIDE`, as CME Globex does, or `trigger` it at once ("stop = market if
   * touched"). @default 'reject'
   */
  stopThroughMarket?: 'reject' | 'trigger';
  /**
   * When one order of a plain OCO group fills in part: `cancel` the others (the group's first
   * fill decides), or `reduce` them to the quantity the filled order has left (cancel them when
   * it fills completely). Bracket stop-loss and take-profit always `reduce`, as brokers do.
   * @default 'cancel'
   */
  ocoOnPartial?: 'cancel' | 'reduce';
  /**
   * The price that marks positions (unrealized PnL, equity, buying power): `latest` is the most
   * recent of the last trade and the quote (or book) mid; `last` is the last trade, the mid only
   * before the first trade; `mid` is the mid, the last trade only without a quote.
   * @default 'latest'
   */
  markPrice?: MarkRule;
  /**
   * How many terminal orders (filled, canceled, rejected, expired) stay queryable through
   * `getOrder`, `getOrders` and `snapshot`; the oldest to close are forgotten first, so a long
   * backtest keeps bounded memory. An entry whose bracket children still work is kept until
   * they close. @default Infinity (keep every order)
   */
  retainClosedOrders?: number;
}

/** Changes a modify request may make. `quantity` is the new total quantity. */
export interface OrderChanges {
  price?: number;
  stopPrice?: number;
  quantity?: number;
}

/** Events the exchange emits, by name. `event` receives every exchange event. */
export interface ExchangeEventMap {
  order: OrderUpdateEvent;
  fill: FillEvent;
  position: PositionEvent;
  account: AccountEvent;
  event: ExchangeEvent;
  /** Market events as the user sees them, after market-data latency. */
  market: MarketEvent;
  /** A stop's trigger (not a status change, so not part of `event` or `events()`). */
  trigger: OrderTriggerEvent;
}

/** How positions are marked, see {@link ExchangeOptions.markPrice}. */
export type MarkRule = 'latest' | 'last' | 'mid';

/**
 * A stop, stop-limit or trailing stop was triggered: its price was reached and it now works as a
 * market or limit order. The order's status does not change (`order.triggered` becomes true).
 */
export interface OrderTriggerEvent {
  type: 'trigger';
  ts: Micros;
  order: Order;
}

/**
 * Reasons this exchange rejects with: the shared `RejectReason` codes plus
 * `ORDER_STOP_WRONG_SIDE` (a stop the market has already reached) and `ORDER_PRICE_OUT_OF_RANGE`
 * (a price too far from the book for its price ladder).
 */
export type ExchangeRejectReason = RejectReason | 'ORDER_STOP_WRONG_SIDE' | 'ORDER_PRICE_OUT_OF_RANGE';

/** Filter for {@link Exchange.getOrders}. */
export interface OrderFilter {
  accountId?: string;
  symbol?: string;
  /** Only orders that are not terminal. */
  open?: boolean;
}

export const SIDES = new Set(['buy', 'sell']);
export const TYPES = new Set(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']);
export const TIFS = new Set(['GTC', 'DAY', 'IOC', 'FOK', 'GTD']);
export const TRIGGERS = new Set(['last', 'bid', 'ask', 'mid']);
const QUEUE_MODELS = new Set(['queue', 'probabilistic', 'risk-averse', 'fifo']);
/** Core account key of order-level market orders (real accounts start at 1). */
export const MARKET_ACCOUNT = 0;
/** "No cap" for lot counts. */
export const BIG = Number.MAX_SAFE_INTEGER;

/** Options after validation, with every default filled in. */
export interface ResolvedOptions {
  clock: Clock;
  instruments: Instrument[];
  accounts: { id: string; balance: Decimal; currency: string }[];
  latency: LatencyOptions;
  fees: FeeSchedule;
  fillPolicy: ResolvedFillPolicy;
  queueModel: QueueModel;
  seed: Seed;
  stopTrigger: StopTrigger;
  retainClosedOrders: number;
  stopThroughMarket: 'reject' | 'trigger';
  ocoOnPartial: 'cancel' | 'reduce';
  markPrice: MarkRule;
}

/** Validates {@link ExchangeOptions}; throws `EXCHANGE_CONFIG_INVALID` naming the field. */
export function resolveOptions(options: ExchangeOptions): ResolvedOptions {
  const code = 'EXCHANGE_CONFIG_INVALID';
  if (typeof options !== 'object' || options === null)
    throw invalidValue(code, 'options', 'an object with `clock` and `instruments`', options);
  const { clock } = options;
  if (
    typeof clock !== 'object' ||
    clock === null ||
    typeof clock.now !== 'function' ||
    typeof clock.setTimeout !== 'function'
  ) {
    throw invalidValue(code, 'clock', 'a Clock (new VirtualClock() or new RealClock())', clock);
  }
  if (!Array.isArray(options.instruments) || options.instruments.length === 0) {
    throw invalidValue(
      code,
      'instruments',
      'a non-empty array of instruments',
      options.instruments,
      'Example: [{ symbol: "MNQ", tickSize: 0.25, multiplier: 2 }].',
    );
  }
  const instruments: Instrument[] = [];
  const symbols = new Set<string>();
  for (const spec of options.instruments) {
    const inst = defineInstrument(spec as InstrumentSpec);
    if (symbols.has(inst.symbol))
      throw invalidValue(code, 'instruments', 'instruments with distinct symbols', inst.symbol);
    symbols.add(inst.symbol);
    instruments.push(inst);
  }
  const accountSpecs = options.accounts ?? [{ id: 'default', balance: 100_000 }];
  if (!Array.isArray(accountSpecs) || accountSpecs.length === 0)
    throw invalidValue(code, 'accounts', 'a non-empty array like [{ id: "a", balance: 10000 }]', accountSpecs);
  const accounts: ResolvedOptions['accounts'] = [];
  const ids = new Set<string>();
  for (const a of accountSpecs) {
    if (typeof a !== 'object' || a === null || typeof a.id !== 'string' || a.id === '')
      throw invalidValue(code, 'accounts[].id', 'a non-empty string', a?.id);
    if (ids.has(a.id)) throw invalidValue(code, 'accounts[].id', 'distinct account ids', a.id);
    ids.add(a.id);
    let balance: Decimal;
    try {
      balance = new Decimal(a.balance ?? 100_000);
      if (!balance.isFinite()) throw new Error('not finite');
    } catch {
      throw invalidValue(code, `accounts[${a.id}].balance`, 'a finite number or decimal string', a.balance);
    }
    accounts.push({ id: a.id, balance, currency: a.currency ?? 'USD' });
  }
  const queueModel = options.queueModel ?? 'queue';
  if (!QUEUE_MODELS.has(queueModel))
    throw invalidValue(code, 'queueModel', '"queue", "probabilistic" or "risk-averse"', queueModel);
  const fp = options.fillPolicy ?? {};
  const fillPolicy: ResolvedFillPolicy = {
    barMarketOrders: fp.barMarketOrders ?? 'next_bar_open',
    barPath: fp.barPath ?? 'stop_first',
  };
  if (fp.printShare !== undefined) {
    if (typeof fp.printShare !== 'number' || !(fp.printShare > 0 && fp.printShare <= 1))
      throw invalidValue(code, 'fillPolicy.printShare', 'a number in (0, 1], e.g. 0.1', fp.printShare);
    fillPolicy.printShare = fp.printShare;
  }
  if (!['next_bar_open', 'last_close'].includes(fillPolicy.barMarketOrders)) {
    throw invalidValue(code, 'fillPolicy.barMarketOrders', '"next_bar_open" or "last_close"', fp.barMarketOrders);
  }
  if (!['stop_first', 'direction'].includes(fillPolicy.barPath))
    throw invalidValue(code, 'fillPolicy.barPath', '"stop_first" or "direction"', fp.barPath);
  const retain = options.retainClosedOrders ?? Number.POSITIVE_INFINITY;
  if (!(retain === Number.POSITIVE_INFINITY || (Number.isInteger(retain) && retain >= 0)))
    throw invalidValue(code, 'retainClosedOrders', 'an integer ≥ 0 or Infinity', options.retainClosedOrders);
  const st = options.stopTrigger ?? 'last';
  if (!TRIGGERS.has(st)) throw invalidValue(code, 'stopTrigger', '"last", "bid", "ask" or "mid"', st);
  const oneOf = <T extends string>(field: string, v: T | undefined, dflt: T, valid: readonly T[]): T => {
    const x = v ?? dflt;
    if (!valid.includes(x)) throw invalidValue(code, field, valid.map((k) => `"${k}"`).join(' or '), v);
    return x;
  };
  const stopThroughMarket = oneOf('stopThroughMarket', options.stopThroughMarket, 'reject', ['reject', 'trigger']);
  const ocoOnPartial = oneOf('ocoOnPartial', options.ocoOnPartial, 'cancel', ['cancel', 'reduce']);
  const markPrice = oneOf<MarkRule>('markPrice', options.markPrice, 'latest', ['latest', 'last', 'mid']);
  const fees = new FeeSchedule(options.fees);
  const latency = options.latency ?? {};
  if (typeof latency !== 'object' || latency === null)
    throw invalidValue(code, 'latency', 'an object like { orderEntry: 250 }', latency);
  return {
    clock,
    instruments,
    accounts,
    latency,
    fees,
    fillPolicy,
    queueModel,
    seed: options.seed ?? 0,
    stopTrigger: st,
    retainClosedOrders: retain,
    stopThroughMarket,
    ocoOnPartial,
    markPrice,
  };
}
