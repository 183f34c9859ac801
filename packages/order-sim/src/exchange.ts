/**
 * The simulated exchange: consumes market events and the users' orders, fills orders against the
 * market's displayed liquidity and against each other, and reports order, fill, position and
 * account events — all on one Clock, all reproducible from one seed.
 */
import {
  type AccountEvent,
  type AccountSnapshot,
  type BarEvent,
  type BookDeltaEvent,
  type BookSnapshotEvent,
  type Clock,
  Decimal,
  type ExchangeEvent,
  type FillEvent,
  type Instrument,
  type InstrumentSpec,
  type MarketEvent,
  type OrderLevelEvent,
  type MarketEventSource,
  type MarketStatus,
  type Micros,
  type Order,
  type OrderRequest,
  type OrderStatus,
  type OrderUpdateEvent,
  type Position,
  type PositionEvent,
  type QuoteEvent,
  type RejectReason,
  Rng,
  type RngState,
  type Seed,
  type StopTrigger,
  type TimerHandle,
  type TradeEvent,
  TradeKitError,
  US_PER_DAY,
  assertTransition,
  defineInstrument,
  describeValue,
  invalidValue,
  isOnGrid,
  isTerminalStatus,
  isVirtualClock,
  lotsToQuantity,
  priceToTicks,
  quantityToLots,
  sessionAt,
  ticksToPrice,
} from '@tradekit/types';
import { type FeeSpec, FeeSchedule } from './fees.js';
import { type LatencySpec, LatencyModel } from './latency.js';
import { AccountLedger, Money } from './ledger.js';
import {
  BUY,
  type CoreSide,
  type MatchSink,
  OrderBook,
  type QueueDecreaseModel,
  type RestingOrder,
  SELL,
} from './order-book.js';

/** A trading account and its starting cash. */
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
 * - `fifo`: exact queue from order-level data ({@link Exchange.onOrderLevelEvent}): prints at the
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
type ResolvedFillPolicy = Required<Omit<FillPolicy, 'printShare'>> & Pick<FillPolicy, 'printShare'>;

/** Order-entry, acknowledgement and market-data latencies. @default all 0 */
export interface LatencyOptions {
  /** Time from `placeOrder`/`cancelOrder`/`modifyOrder` to the book. */
  orderEntry?: LatencySpec;
  /** Time from the exchange to the user for order, fill, position and account events. */
  ack?: LatencySpec;
  /** Time from the exchange to the user for `market` events. */
  marketData?: LatencySpec;
}

/** Options of {@link Exchange}. */
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
  /** Default price stops watch. @default 'last' */
  stopTrigger?: StopTrigger;
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
}

/** Filter for {@link Exchange.getOrders}. */
export interface OrderFilter {
  accountId?: string;
  symbol?: string;
  /** Only orders that are not terminal. */
  open?: boolean;
}

const SIDES = new Set(['buy', 'sell']);
const TYPES = new Set(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']);
const TIFS = new Set(['GTC', 'DAY', 'IOC', 'FOK', 'GTD']);
const TRIGGERS = new Set(['last', 'bid', 'ask', 'mid']);
const QUEUE_MODELS = new Set(['queue', 'probabilistic', 'risk-averse', 'fifo']);
/** Core account key of order-level market orders (real accounts start at 1). */
const MARKET_ACCOUNT = 0;
const BIG = Number.MAX_SAFE_INTEGER;

/** The exchange's own record of an order. */
class WorkingOrder {
  id: string;
  seq: number;
  clientOrderId: string;
  account: AccountLedger;
  market: MarketState;
  side: 'buy' | 'sell';
  cside: CoreSide;
  type: Order['type'];
  tif: Order['timeInForce'];
  quantity: number;
  lots = 0;
  filledLots = 0;
  costTicks = 0;
  firstFillTick = Number.NaN;
  limitTick = Number.NaN;
  stopTick = Number.NaN;
  trailTicks = Number.NaN;
  request: OrderRequest;
  stopTrigger: StopTrigger;
  triggered = false;
  status: OrderStatus = 'pending_new';
  rejectReason?: RejectReason;
  rejectMessage?: string;
  parent?: WorkingOrder;
  children: WorkingOrder[] = [];
  ocoGroup?: string;
  node: RestingOrder | null = null;
  timer?: TimerHandle;
  feeCharged = false;
  waiting = false;
  createdAt: Micros;
  updatedAt: Micros;

  constructor(
    seq: number,
    req: OrderRequest,
    account: AccountLedger,
    market: MarketState,
    stopTrigger: StopTrigger,
    now: Micros,
  ) {
    this.seq = seq;
    this.id = `o${seq}`;
    this.clientOrderId = req.clientOrderId ?? this.id;
    this.account = account;
    this.market = market;
    this.side = req.side;
    this.cside = req.side === 'buy' ? BUY : SELL;
    this.type = req.type;
    this.tif = req.timeInForce ?? 'GTC';
    this.quantity = req.quantity;
    this.request = req;
    this.stopTrigger = req.stopTrigger ?? stopTrigger;
    this.ocoGroup = req.ocoGroup;
    this.createdAt = now;
    this.updatedAt = now;
  }

  get remainingLots(): number {
    return this.lots - this.filledLots;
  }

  toOrder(): Order {
    const inst = this.market.inst;
    const terminal = isTerminalStatus(this.status);
    const filled = lotsToQuantity(inst, this.filledLots);
    const o: Order = {
      id: this.id,
      clientOrderId: this.clientOrderId,
      accountId: this.account.id,
      symbol: this.request.symbol,
      side: this.side,
      type: this.type,
      timeInForce: this.tif,
      quantity: this.quantity,
      filledQuantity: filled,
      remainingQuantity: terminal ? 0 : lotsToQuantity(inst, Math.max(0, this.remainingLots)),
      stopTrigger: this.stopTrigger,
      triggered: this.triggered,
      postOnly: this.request.postOnly === true,
      reduceOnly: this.request.reduceOnly === true,
      status: this.status,
      avgFillPrice:
        this.filledLots === 0
          ? null
          : new Decimal(this.costTicks).div(this.filledLots).times(inst.tickUnits).div(inst.priceScale),
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
    };
    if (!Number.isNaN(this.limitTick)) o.price = ticksToPrice(inst, this.limitTick);
    else if (this.request.price !== undefined) o.price = this.request.price;
    if (!Number.isNaN(this.stopTick)) o.stopPrice = ticksToPrice(inst, this.stopTick);
    else if (this.request.stopPrice !== undefined) o.stopPrice = this.request.stopPrice;
    if (this.request.trailingOffset !== undefined) o.trailingOffset = this.request.trailingOffset;
    if (this.request.expireAt !== undefined) o.expireAt = this.request.expireAt;
    if (this.parent) o.parentId = this.parent.id;
    if (this.ocoGroup !== undefined) o.ocoGroup = this.ocoGroup;
    if (this.rejectReason !== undefined) o.rejectReason = this.rejectReason;
    if (this.rejectMessage !== undefined) o.rejectMessage = this.rejectMessage;
    return o;
  }
}

/** Per-instrument market state. */
class MarketState {
  readonly inst: Instrument;
  readonly book = new OrderBook();
  status: MarketStatus = 'open';
  hasDepth = false;
  hasQuote = false;
  /** Market (displayed) best bid/ask ticks, NaN when unknown. */
  bidTick = Number.NaN;
  askTick = Number.NaN;
  quoteBidTick = Number.NaN;
  quoteAskTick = Number.NaN;
  lastTick = Number.NaN;
  /** Where the last price came from. */
  lastSource: 'none' | 'trade' | 'bar' = 'none';
  /** Lots orders may still take at the last print or bar (`fillPolicy.printShare`); BIG = no cap. */
  printLots = BIG;
  private lastFillTick = Number.NaN;
  private lastFillPrice: Decimal | undefined;

  /** The Decimal price of a fill at `tick`; fills in a row at one price share it (Decimals are immutable). */
  fillPrice(tick: number): Decimal {
    if (tick !== this.lastFillTick || this.lastFillPrice === undefined) {
      this.lastFillTick = tick;
      this.lastFillPrice = new Decimal(ticksToPrice(this.inst, tick));
    }
    return this.lastFillPrice;
  }
  stops: WorkingOrder[] = [];
  waiting: WorkingOrder[] = [];
  /** Market orders from order-level data, by the venue's order id. */
  l3 = new Map<string, { node: RestingOrder; ref: object }>();

  constructor(inst: Instrument) {
    this.inst = inst;
  }

  markTick(): number {
    if (!Number.isNaN(this.lastTick)) return this.lastTick;
    if (!Number.isNaN(this.bidTick) && !Number.isNaN(this.askTick)) return (this.bidTick + this.askTick) / 2;
    return Number.NaN;
  }
}

interface FillRec {
  maker: WorkingOrder | null;
  taker: WorkingOrder | null;
  tick: number;
  lots: number;
}

type Listener<T> = (event: T) => void;

/** A JSON-serialisable image of a whole exchange, see {@link Exchange.snapshot}. */
export interface ExchangeSnapshot {
  version: 1;
  ts: Micros;
  options: {
    instruments: Instrument[];
    accounts: { id: string; balance: string; currency: string }[];
    latency?: LatencyOptions;
    fees: Required<FeeSpec>;
    fillPolicy: ResolvedFillPolicy;
    queueModel: QueueModel;
    seed: string;
    stopTrigger: StopTrigger;
    /** Present when finite. */
    retainClosedOrders?: number;
  };
  /** Ids of the retained terminal orders, oldest to close first (only with a finite `retainClosedOrders`). */
  closed?: string[];
  /** How many terminal orders were forgotten so far (only with a finite `retainClosedOrders`). */
  forgotten?: number;
  /** Delivery time of the last report when it lies after `ts` (reports never overtake it). */
  lastReportAt?: number;
  seq: number;
  fillSeq: number;
  rng: Record<string, RngState>;
  accounts: {
    id: string;
    realized: string;
    fees: string;
    positions: { symbol: string; lots: number; cost: string; realized: string; fees: string }[];
  }[];
  markets: {
    symbol: string;
    status: MarketStatus;
    hasDepth: boolean;
    hasQuote: boolean;
    bidTick: number | null;
    askTick: number | null;
    quoteBidTick: number | null;
    quoteAskTick: number | null;
    lastTick: number | null;
    lastSource: 'none' | 'trade' | 'bar';
    /** Lots left to take at the last print or bar under `fillPolicy.printShare` (absent in older snapshots). */
    printLots?: number;
    external: { bids: [number, number][]; asks: [number, number][] };
    /** Resting orders in queue order: simulated ones by id with the displayed size ahead, venue (L3) ones by their id. */
    queue: { id?: string; l3?: string; side?: CoreSide; tick?: number; lots?: number; ahead: number }[];
    stops: string[];
    waiting: string[];
  }[];
  orders: {
    id: string;
    seq: number;
    request: OrderRequest;
    accountId: string;
    clientOrderId: string;
    type: Order['type'];
    quantity: number;
    lots: number;
    filledLots: number;
    costTicks: number;
    firstFillTick: number | null;
    limitTick: number | null;
    stopTick: number | null;
    trailTicks: number | null;
    triggered: boolean;
    status: OrderStatus;
    rejectReason?: RejectReason;
    rejectMessage?: string;
    parentId?: string;
    ocoGroup?: string;
    feeCharged: boolean;
    createdAt: Micros;
    updatedAt: Micros;
  }[];
}

const nn = (x: number): number | null => (Number.isNaN(x) ? null : x);
const un = (x: number | null): number => (x === null ? Number.NaN : x);

/**
 * A simulated exchange with price-time matching, queue position, liquidity consumption, latency,
 * fees, positions and PnL.
 *
 * @example
 * const clock = new VirtualClock();
 * const ex = new Exchange({ clock, instruments: [{ symbol: 'MNQ', tickSize: 0.25, multiplier: 2 }] });
 * ex.onMarketEvent({ type: 'quote', symbol: 'MNQ', ts: 0, bid: 20000, bidSize: 5, ask: 20000.25, askSize: 5 });
 * ex.placeOrder({ symbol: 'MNQ', side: 'buy', type: 'market', quantity: 1 });
 * ex.getPosition('default', 'MNQ').quantity; // 1
 */
export class Exchange {
  /** The clock this exchange runs on. */
  readonly clock: Clock;
  private readonly markets = new Map<string, MarketState>();
  private readonly accounts = new Map<string, AccountLedger>();
  private readonly orders = new Map<string, WorkingOrder>();
  private readonly open = new Set<WorkingOrder>();
  /** Terminal orders in the order they closed, from `closedHead` on (with a finite retention). */
  private closedQueue: WorkingOrder[] = [];
  private closedHead = 0;
  private readonly retainClosed: number;
  private forgotten = 0;
  private readonly ocoGroups = new Map<string, Set<WorkingOrder>>();
  private readonly listeners = new Map<keyof ExchangeEventMap, Set<Listener<never>>>();
  private readonly streams = new Set<EventStream>();
  private readonly fees: FeeSchedule;
  private readonly entryLatency: LatencyModel;
  private readonly ackLatency: LatencyModel;
  private readonly mdLatency: LatencyModel;
  private readonly rngs: Record<string, Rng>;
  private readonly queueModel: QueueModel;
  private readonly fillPolicy: ResolvedFillPolicy;
  private readonly stopTrigger: StopTrigger;
  private readonly decreaseModel: QueueDecreaseModel | undefined;
  private readonly config: ExchangeSnapshot['options'];
  private seq = 0;
  private fillSeq = 0;
  private lastArrival = Number.NEGATIVE_INFINITY;
  private lastDelivery = Number.NEGATIVE_INFINITY;
  private lastMdDelivery = Number.NEGATIVE_INFINITY;
  private inFlight = 0;
  private undelivered = 0;
  private buf: FillRec[] = [];
  private taker: WorkingOrder | null = null;
  private gapTick = Number.NaN;
  private closed = false;
  private anyMargin = false;
  private readonly sink: MatchSink = (maker, tick, lots) => {
    let t = tick;
    // Order-level (L3) market orders rest in the core too; they are the market's liquidity.
    const m = maker === null || !(maker.ref instanceof WorkingOrder) ? null : maker.ref;
    if (m !== null && this.taker === null && !Number.isNaN(this.gapTick)) {
      t = m.cside === BUY ? Math.min(tick, this.gapTick) : Math.max(tick, this.gapTick);
    }
    this.buf.push({ maker: m, taker: this.taker, tick: t, lots });
  };

  constructor(options: ExchangeOptions) {
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
    this.clock = clock;
    if (!Array.isArray(options.instruments) || options.instruments.length === 0) {
      throw invalidValue(
        code,
        'instruments',
        'a non-empty array of instruments',
        options.instruments,
        'Example: [{ symbol: "MNQ", tickSize: 0.25, multiplier: 2 }].',
      );
    }
    for (const spec of options.instruments) {
      const inst = defineInstrument(spec as InstrumentSpec);
      if (this.markets.has(inst.symbol))
        throw invalidValue(code, 'instruments', 'instruments with distinct symbols', inst.symbol);
      this.markets.set(inst.symbol, new MarketState(inst));
      if (inst.marginPerContract > 0) this.anyMargin = true;
    }
    const accounts = options.accounts ?? [{ id: 'default', balance: 100_000 }];
    if (!Array.isArray(accounts) || accounts.length === 0)
      throw invalidValue(code, 'accounts', 'a non-empty array like [{ id: "a", balance: 10000 }]', accounts);
    for (const a of accounts) {
      if (typeof a !== 'object' || a === null || typeof a.id !== 'string' || a.id === '')
        throw invalidValue(code, 'accounts[].id', 'a non-empty string', a?.id);
      if (this.accounts.has(a.id)) throw invalidValue(code, 'accounts[].id', 'distinct account ids', a.id);
      let balance: Decimal;
      try {
        balance = new Decimal(a.balance ?? 100_000);
        if (!balance.isFinite()) throw new Error('not finite');
      } catch {
        throw invalidValue(code, `accounts[${a.id}].balance`, 'a finite number or decimal string', a.balance);
      }
      this.accounts.set(a.id, new AccountLedger(a.id, this.accounts.size + 1, balance, a.currency ?? 'USD'));
    }
    const queueModel = options.queueModel ?? 'queue';
    if (!QUEUE_MODELS.has(queueModel))
      throw invalidValue(code, 'queueModel', '"queue", "probabilistic" or "risk-averse"', queueModel);
    this.queueModel = queueModel;
    const fp = options.fillPolicy ?? {};
    this.fillPolicy = { barMarketOrders: fp.barMarketOrders ?? 'next_bar_open', barPath: fp.barPath ?? 'stop_first' };
    if (fp.printShare !== undefined) {
      if (typeof fp.printShare !== 'number' || !(fp.printShare > 0 && fp.printShare <= 1))
        throw invalidValue(code, 'fillPolicy.printShare', 'a number in (0, 1], e.g. 0.1', fp.printShare);
      this.fillPolicy.printShare = fp.printShare;
    }
    if (!['next_bar_open', 'last_close'].includes(this.fillPolicy.barMarketOrders)) {
      throw invalidValue(code, 'fillPolicy.barMarketOrders', '"next_bar_open" or "last_close"', fp.barMarketOrders);
    }
    if (!['stop_first', 'direction'].includes(this.fillPolicy.barPath))
      throw invalidValue(code, 'fillPolicy.barPath', '"stop_first" or "direction"', fp.barPath);
    const retain = options.retainClosedOrders ?? Number.POSITIVE_INFINITY;
    if (!(retain === Number.POSITIVE_INFINITY || (Number.isInteger(retain) && retain >= 0)))
      throw invalidValue(code, 'retainClosedOrders', 'an integer ≥ 0 or Infinity', options.retainClosedOrders);
    this.retainClosed = retain;
    const st = options.stopTrigger ?? 'last';
    if (!TRIGGERS.has(st)) throw invalidValue(code, 'stopTrigger', '"last", "bid", "ask" or "mid"', st);
    this.stopTrigger = st;
    this.fees = new FeeSchedule(options.fees);
    const root = new Rng(options.seed ?? 0);
    this.rngs = {
      entry: root.fork('latency.entry'),
      ack: root.fork('latency.ack'),
      md: root.fork('latency.marketData'),
      queue: root.fork('queue'),
    };
    const lat = options.latency ?? {};
    if (typeof lat !== 'object' || lat === null)
      throw invalidValue(code, 'latency', 'an object like { orderEntry: 250 }', lat);
    this.entryLatency = new LatencyModel('latency.orderEntry', lat.orderEntry, this.rngs.entry as Rng);
    this.ackLatency = new LatencyModel('latency.ack', lat.ack, this.rngs.ack as Rng);
    this.mdLatency = new LatencyModel('latency.marketData', lat.marketData, this.rngs.md as Rng);
    const qrng = this.rngs.queue as Rng;
    this.decreaseModel =
      queueModel === 'probabilistic'
        ? (o, before, after) => (before > 0 && qrng.next() < o.ahead / before ? o.ahead - (before - after) : o.ahead)
        : undefined;
    this.config = {
      instruments: [...this.markets.values()].map((m) => ({ ...m.inst, sessions: [...m.inst.sessions] })),
      accounts: [...this.accounts.values()].map((a) => ({
        id: a.id,
        balance: a.startingBalance.toString(),
        currency: a.currency,
      })),
      fees: this.fees.spec,
      fillPolicy: this.fillPolicy,
      queueModel,
      seed: String(options.seed ?? 0),
      stopTrigger: st,
    };
    if (options.latency) this.config.latency = options.latency;
    if (Number.isFinite(retain)) this.config.retainClosedOrders = retain;
  }

  // ───────────────────────────── events ─────────────────────────────

  /**
   * Subscribes to one kind of event; returns a function that unsubscribes.
   *
   * @example
   * const off = exchange.on('fill', (e) => console.log(e.fill.price.toString()));
   */
  on<K extends keyof ExchangeEventMap>(type: K, listener: Listener<ExchangeEventMap[K]>): () => void {
    if (typeof listener !== 'function')
      throw invalidValue('EXCHANGE_INVALID_ARGUMENT', 'listener', 'a function', listener);
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /**
   * Every exchange event (order, fill, position, account) as an async iterator, in emission
   * order. Memory is bounded: more than `bufferSize` unread events fail the iterator with
   * `EXCHANGE_EVENT_BUFFER_OVERFLOW`. Ends after {@link close}.
   */
  events(options: { bufferSize?: number } = {}): AsyncIterableIterator<ExchangeEvent> {
    const stream = new EventStream(options.bufferSize ?? 100_000, () => this.streams.delete(stream));
    if (this.closed) stream.end();
    else this.streams.add(stream);
    return stream;
  }

  /** Ends every `events()` iterator. */
  close(): void {
    this.closed = true;
    for (const s of this.streams) s.end();
    this.streams.clear();
  }

  private dispatch(ev: ExchangeEvent): void {
    const set = this.listeners.get(ev.type);
    if (set) for (const fn of set) (fn as Listener<ExchangeEvent>)(ev);
    const all = this.listeners.get('event');
    if (all) for (const fn of all) (fn as Listener<ExchangeEvent>)(ev);
    for (const s of this.streams) s.push(ev);
  }

  /**
   * When the report of what just happened reaches the user: now plus the acknowledgement latency,
   * never before an earlier report. Drawn once per report (an execution's fill, order, position
   * and account events travel together) and whether or not anyone listens, so attaching a
   * listener never shifts the latency stream.
   */
  private reportAt(): number {
    const now = this.clock.now();
    if (this.ackLatency.isZero) return now;
    const at = Math.max(now + this.ackLatency.next(), this.lastDelivery);
    this.lastDelivery = at;
    return at;
  }

  /** Hands an event to the listeners at `at` (from {@link reportAt}). */
  private emit(ev: ExchangeEvent, at: number): void {
    if (this.ackLatency.isZero && this.undelivered === 0) {
      this.dispatch(ev);
      return;
    }
    const now = this.clock.now();
    this.undelivered++;
    this.clock.setTimeout(() => {
      this.undelivered--;
      this.dispatch(ev);
    }, at - now);
  }

  /** True when someone listens to `type`: events nobody reads are never built. */
  private wants(type: ExchangeEvent['type']): boolean {
    return (
      this.streams.size > 0 || (this.listeners.get(type)?.size ?? 0) > 0 || (this.listeners.get('event')?.size ?? 0) > 0
    );
  }

  private emitOrder(w: WorkingOrder, previous: OrderStatus | null): void {
    w.updatedAt = this.clock.now();
    const at = this.reportAt();
    if (this.wants('order'))
      this.emit({ type: 'order', ts: w.updatedAt, order: w.toOrder(), previousStatus: previous }, at);
  }

  private setStatus(w: WorkingOrder, to: OrderStatus): void {
    const from = w.status;
    w.status = assertTransition(from, to, w.id);
    this.emitOrder(w, from);
    if (isTerminalStatus(to)) this.retire(w);
  }

  // ─────────────────────────── market data ───────────────────────────

  /**
   * Feeds every event of a source (array, generator, market-sim, replay) through the exchange.
   * On a `VirtualClock` time advances to each event's `ts` first, so latency timers fire in order.
   * A source with a `batches()` method (replay's sources and controllers) is read batch by batch,
   * which saves an `await` per event.
   */
  async feed(source: MarketEventSource): Promise<number> {
    let n = 0;
    const clock = this.clock;
    const virtual = isVirtualClock(clock);
    // Virtual time outside a timer callback advances at once, without an await unless a timer is
    // due on the way; a real clock (or a timer callback) waits for the clock.
    const reach = (ts: number): Promise<void> | undefined => {
      if (ts <= clock.now()) return undefined;
      if (virtual && !clock.isFiring) {
        const next = clock.nextTime();
        // Timers due on the way fire one by one, each followed by the promise continuations it
        // wakes: a strategy awaiting clock.sleep() acts at its own time, before later events.
        if (next !== undefined && next <= ts) return clock.runAsync({ until: ts }).then(() => undefined);
        clock.advanceTo(ts);
        return undefined;
      }
      return clock.waitUntil(ts);
    };
    const batched = (source as { batches?: unknown }).batches;
    if (typeof batched === 'function') {
      for await (const batch of batched.call(source) as AsyncIterable<readonly MarketEvent[]>) {
        for (const e of batch) {
          const wait = reach(e.ts);
          if (wait) await wait;
          this.applyMarketEvent(e);
          n++;
        }
      }
    } else if (Symbol.asyncIterator in (source as object)) {
      for await (const e of source as AsyncIterable<MarketEvent>) {
        const wait = reach(e.ts);
        if (wait) await wait;
        this.applyMarketEvent(e);
        n++;
      }
    } else {
      for (const e of source as Iterable<MarketEvent>) {
        const wait = reach(e.ts);
        if (wait) await wait;
        this.applyMarketEvent(e);
        n++;
      }
    }
    return n;
  }

  /**
   * Applies one market event now. On a `VirtualClock` (outside a timer callback) time first
   * advances to the event's `ts`, firing what was due before it.
   */
  onMarketEvent(event: MarketEvent): void {
    const clock = this.clock;
    if (typeof event !== 'object' || event === null)
      throw invalidValue('EXCHANGE_INVALID_ARGUMENT', 'event', 'a market event', event);
    if (isVirtualClock(clock) && !clock.isFiring && event.ts > clock.now()) clock.advanceTo(event.ts);
    this.applyMarketEvent(event);
  }

  /**
   * Applies one order-level (L3) event: a market order added, cancelled, resized or executed.
   * Simulated orders then queue behind real orders exactly (FIFO). Unknown symbols are ignored.
   */
  onOrderLevelEvent(event: OrderLevelEvent): void {
    const clock = this.clock;
    if (typeof event !== 'object' || event === null) {
      throw invalidValue('EXCHANGE_INVALID_ARGUMENT', 'event', 'an order-level event', event);
    }
    if (isVirtualClock(clock) && !clock.isFiring && event.ts > clock.now()) clock.advanceTo(event.ts);
    const m = this.markets.get(event.symbol);
    if (m === undefined) return;
    const inst = m.inst;
    const entry = m.l3.get(event.orderId);
    const live = entry !== undefined && entry.node.ref === entry.ref && entry.node.level !== null ? entry.node : null;
    switch (event.type) {
      case 'order_add': {
        if (live) m.book.unlink(live);
        const ref = { orderId: event.orderId };
        const side = event.side === 'bid' ? BUY : SELL;
        const node = m.book.add(
          -1,
          MARKET_ACCOUNT,
          side,
          priceToTicks(inst, event.price),
          this.lots(inst, event.size),
          undefined,
          true,
          ref,
        );
        if (node) m.l3.set(event.orderId, { node, ref });
        break;
      }
      case 'order_cancel':
        if (live) m.book.unlink(live);
        m.l3.delete(event.orderId);
        break;
      case 'order_modify': {
        if (!live) break;
        const lots = this.lots(inst, event.size);
        if (lots <= 0) {
          m.book.unlink(live);
          m.l3.delete(event.orderId);
        } else if (lots <= live.qty) live.qty = lots;
        else {
          // A size increase loses priority, as on the venue.
          m.book.unlink(live);
          live.qty = lots;
          m.book.rest(live);
        }
        break;
      }
      case 'order_execute': {
        if (!live || live.level === null) break;
        const level = live.level;
        const tick = level.tick;
        let vol = this.lots(inst, event.size);
        // The volume that hit this order would have hit the simulated orders queued before it first.
        const fills = this.collect(() => {
          for (let o = level.head; o !== null && o !== live && vol > 0; ) {
            const next = o.next;
            if (o.ref instanceof WorkingOrder) {
              const x = Math.min(o.qty, vol);
              o.qty -= x;
              vol -= x;
              if (o.qty === 0) m.book.unlink(o);
              this.sink(o, tick, x);
            }
            o = next;
          }
        });
        // The venue's own order follows the data, so later messages about it stay consistent.
        live.qty -= this.lots(inst, event.size);
        if (live.qty <= 0) {
          m.book.unlink(live);
          m.l3.delete(event.orderId);
        }
        m.lastTick = tick;
        m.lastSource = 'trade';
        if (fills.length > 0) this.applyFills(fills);
        this.checkStops(m, Number.NaN);
        this.retryWaiting(m, tick);
        break;
      }
      default:
        throw invalidValue(
          'EXCHANGE_INVALID_ARGUMENT',
          'event.type',
          '"order_add", "order_cancel", "order_modify" or "order_execute"',
          (event as { type?: unknown }).type,
        );
    }
  }

  private applyMarketEvent(e: MarketEvent): void {
    if (this.listeners.has('market')) {
      if (this.mdLatency.isZero) this.dispatchMarket(e);
      else {
        const now = this.clock.now();
        const at = Math.max(now + this.mdLatency.next(), this.lastMdDelivery);
        this.lastMdDelivery = at;
        this.clock.setTimeout(() => this.dispatchMarket(e), at - now);
      }
    }
    const m = this.markets.get(e.symbol);
    if (m === undefined) return;
    switch (e.type) {
      case 'quote':
        this.onQuote(m, e);
        break;
      case 'trade':
        this.onTrade(m, e);
        break;
      case 'book_snapshot':
      case 'book_delta':
        this.onBook(m, e);
        break;
      case 'bar':
        this.onBar(m, e);
        break;
      case 'status':
        m.status = e.status;
        if (e.status === 'close') for (const w of [...this.open]) if (w.market === m && w.tif === 'DAY') this.expire(w);
        break;
      default:
        throw invalidValue(
          'EXCHANGE_INVALID_ARGUMENT',
          'event.type',
          'a market event type',
          (e as { type?: unknown }).type,
        );
    }
  }

  private dispatchMarket(e: MarketEvent): void {
    const set = this.listeners.get('market');
    if (set) for (const fn of set) (fn as Listener<MarketEvent>)(e);
  }

  /** Lots orders may take at a print or bar of `lots` under `fillPolicy.printShare`. */
  private printCap(lots: number): number {
    const share = this.fillPolicy.printShare;
    return share === undefined ? BIG : Math.floor(lots * share + 1e-9);
  }

  private lots(inst: Instrument, size: number): number {
    if (!(size > 0)) return 0;
    const l = quantityToLots(inst, size);
    return Number.isNaN(l) ? Math.floor(size / inst.lotSize + 1e-9) : l;
  }

  private onQuote(m: MarketState, e: QuoteEvent): void {
    const inst = m.inst;
    const bid = priceToTicks(inst, e.bid);
    const ask = priceToTicks(inst, e.ask);
    m.hasQuote = true;
    if (!m.hasDepth) {
      const book = m.book;
      if (!Number.isNaN(m.quoteBidTick) && m.quoteBidTick !== bid)
        book.setExternal(BUY, m.quoteBidTick, 0, this.decreaseModel);
      if (!Number.isNaN(m.quoteAskTick) && m.quoteAskTick !== ask)
        book.setExternal(SELL, m.quoteAskTick, 0, this.decreaseModel);
      if (Number.isFinite(e.bid)) book.setExternal(BUY, bid, this.lots(inst, e.bidSize), this.decreaseModel);
      if (Number.isFinite(e.ask)) book.setExternal(SELL, ask, this.lots(inst, e.askSize), this.decreaseModel);
      m.quoteBidTick = bid;
      m.quoteAskTick = ask;
    }
    m.bidTick = bid;
    m.askTick = ask;
    this.afterBookChange(m);
  }

  private onBook(m: MarketState, e: BookSnapshotEvent | BookDeltaEvent): void {
    const inst = m.inst;
    const book = m.book;
    if (!m.hasDepth || e.type === 'book_snapshot') {
      book.clearExternal(BUY);
      book.clearExternal(SELL);
      m.hasDepth = true;
      m.quoteBidTick = Number.NaN;
      m.quoteAskTick = Number.NaN;
    }
    for (const l of e.bids)
      book.setExternal(BUY, priceToTicks(inst, l.price), this.lots(inst, l.size), this.decreaseModel);
    for (const l of e.asks)
      book.setExternal(SELL, priceToTicks(inst, l.price), this.lots(inst, l.size), this.decreaseModel);
    m.bidTick = book.bestExternal(BUY);
    m.askTick = book.bestExternal(SELL);
    this.afterBookChange(m);
  }

  private afterBookChange(m: MarketState): void {
    const fills = this.collect(() => m.book.crossExternal(this.sink));
    if (fills.length > 0) this.applyFills(fills);
    this.checkStops(m, Number.NaN);
    this.retryWaiting(m, Number.NaN);
  }

  private onTrade(m: MarketState, e: TradeEvent): void {
    const tick = priceToTicks(m.inst, e.price);
    m.lastTick = tick;
    m.lastSource = 'trade';
    const lots = this.lots(m.inst, e.size);
    m.printLots = this.printCap(lots);
    if (m.book.size > 0 && lots > 0) {
      // With order-level data, executions at the price come as order_execute events instead.
      const atPrice = this.queueModel !== 'risk-averse' && this.queueModel !== 'fifo';
      const fills = this.collect(() => m.book.print(tick, lots, this.sink, atPrice));
      if (fills.length > 0) this.applyFills(fills);
    }
    this.checkStops(m, Number.NaN);
    this.retryWaiting(m, tick);
  }

  private onBar(m: MarketState, e: BarEvent): void {
    const inst = m.inst;
    const o = priceToTicks(inst, e.open);
    const h = priceToTicks(inst, e.high);
    const l = priceToTicks(inst, e.low);
    const c = priceToTicks(inst, e.close);
    let lowFirst = c >= o;
    if (this.fillPolicy.barPath === 'stop_first') {
      let sellHit = false;
      let buyHit = false;
      for (const w of m.stops) {
        if (Number.isNaN(w.stopTick)) continue;
        if (w.cside === SELL && l <= w.stopTick) sellHit = true;
        if (w.cside === BUY && h >= w.stopTick) buyHit = true;
      }
      if (sellHit !== buyHit) lowFirst = sellHit;
    }
    const path = lowFirst ? [o, l, h, c] : [o, h, l, c];
    for (let i = 0; i < 4; i++) {
      const p = path[i] as number;
      if (i > 0 && p === path[i - 1]) continue;
      m.lastTick = p;
      m.lastSource = 'bar';
      if (i === 0) m.printLots = this.printCap(this.lots(inst, e.volume));
      if (m.book.size > 0) {
        if (i === 0) this.gapTick = p;
        const fills = this.collect(() => m.book.print(p, BIG, this.sink, this.queueModel !== 'risk-averse'));
        this.gapTick = Number.NaN;
        if (fills.length > 0) this.applyFills(fills);
      }
      if (i === 0) this.retryWaiting(m, p);
      this.checkStops(m, i === 0 ? p : Number.NaN);
    }
  }

  // ───────────────────────────── orders ─────────────────────────────

  /**
   * Sends an order and returns its current view: `pending_new` while it travels (order-entry
   * latency), or already worked (new, filled…) when there is no latency. Rejections arrive as order events with status
   * `rejected`. Throws `ORDER_REQUEST_INVALID` for requests of the wrong shape (a programming error).
   */
  placeOrder(request: OrderRequest): Order {
    this.checkRequest(request);
    const account = this.account(request.accountId ?? 'default');
    const m =
      this.markets.get(request.symbol) ??
      new MarketState(defineInstrument({ symbol: request.symbol || '?', tickSize: 1 }));
    const w = new WorkingOrder(++this.seq, { ...request }, account, m, this.stopTrigger, this.clock.now());
    this.orders.set(w.id, w);
    this.open.add(w);
    this.emitOrder(w, null);
    this.send(() => this.arrive(w));
    return w.toOrder();
  }

  /**
   * Asks to cancel an order (travels with the order-entry latency). Returns false when the order is
   * already terminal. Throws `ORDER_UNKNOWN` for an id the exchange never saw.
   */
  cancelOrder(orderId: string): boolean {
    const w = this.order(orderId);
    if (isTerminalStatus(w.status)) return false;
    if (w.status === 'inactive') {
      this.setStatus(w, 'canceled');
      return true;
    }
    if (w.status === 'new' || w.status === 'partially_filled' || w.status === 'pending_replace')
      this.setStatus(w, 'pending_cancel');
    this.send(() => {
      if (isTerminalStatus(w.status)) return;
      this.setStatus(w, 'canceled');
    });
    return true;
  }

  /**
   * Asks to change an order's price, stop price or total quantity. A price change or a size
   * increase sends the order to the back of the queue; a decrease keeps its place.
   * Throws `ORDER_NOT_MODIFIABLE` for terminal or inactive orders.
   */
  modifyOrder(orderId: string, changes: OrderChanges): Order {
    const w = this.order(orderId);
    if (typeof changes !== 'object' || changes === null)
      throw invalidValue('ORDER_REQUEST_INVALID', 'changes', 'an object like { price: 101 }', changes);
    for (const k of ['price', 'stopPrice', 'quantity'] as const) {
      if (changes[k] !== undefined && (typeof changes[k] !== 'number' || !Number.isFinite(changes[k]))) {
        throw invalidValue('ORDER_REQUEST_INVALID', `changes.${k}`, 'a finite number', changes[k]);
      }
    }
    if (
      isTerminalStatus(w.status) ||
      w.status === 'inactive' ||
      w.status === 'pending_new' ||
      w.status === 'pending_cancel'
    ) {
      throw new TradeKitError(
        'ORDER_NOT_MODIFIABLE',
        `Order ${w.id} is \`${w.status}\` and cannot be modified. Only working orders (new, partially_filled) can; place a new order instead.`,
        { details: { orderId: w.id, status: w.status } },
      );
    }
    const back = w.status === 'pending_replace' ? null : w.status;
    if (w.status !== 'pending_replace') this.setStatus(w, 'pending_replace');
    this.send(() => this.applyModify(w, changes, back ?? (w.filledLots > 0 ? 'partially_filled' : 'new')));
    return w.toOrder();
  }

  private send(action: () => void): void {
    if (this.entryLatency.isZero && this.inFlight === 0) {
      action();
      return;
    }
    const now = this.clock.now();
    const at = Math.max(now + this.entryLatency.next(), this.lastArrival);
    this.lastArrival = at;
    this.inFlight++;
    this.clock.setTimeout(() => {
      this.inFlight--;
      action();
    }, at - now);
  }

  private checkRequest(r: OrderRequest): void {
    const code = 'ORDER_REQUEST_INVALID';
    if (typeof r !== 'object' || r === null)
      throw invalidValue(
        code,
        'request',
        'an order request object',
        r,
        'Example: { symbol: "MNQ", side: "buy", type: "market", quantity: 1 }.',
      );
    if (typeof r.symbol !== 'string') throw invalidValue(code, 'symbol', 'a string', r.symbol);
    if (!SIDES.has(r.side)) throw invalidValue(code, 'side', '"buy" or "sell"', r.side);
    if (!TYPES.has(r.type))
      throw invalidValue(code, 'type', '"market", "limit", "stop", "stop_limit" or "trailing_stop"', r.type);
    if (typeof r.quantity !== 'number') throw invalidValue(code, 'quantity', 'a number', r.quantity);
    for (const k of ['price', 'stopPrice', 'expireAt'] as const) {
      if (r[k] !== undefined && typeof r[k] !== 'number') throw invalidValue(code, k, 'a number', r[k]);
    }
    if (r.timeInForce !== undefined && !TIFS.has(r.timeInForce))
      throw invalidValue(code, 'timeInForce', '"GTC", "DAY", "IOC", "FOK" or "GTD"', r.timeInForce);
    if (r.stopTrigger !== undefined && !TRIGGERS.has(r.stopTrigger))
      throw invalidValue(code, 'stopTrigger', '"last", "bid", "ask" or "mid"', r.stopTrigger);
    if (r.accountId !== undefined && typeof r.accountId !== 'string')
      throw invalidValue(code, 'accountId', 'a string', r.accountId);
    if (r.clientOrderId !== undefined && typeof r.clientOrderId !== 'string')
      throw invalidValue(code, 'clientOrderId', 'a string', r.clientOrderId);
    if (r.ocoGroup !== undefined && typeof r.ocoGroup !== 'string')
      throw invalidValue(code, 'ocoGroup', 'a string', r.ocoGroup);
    const offset = (field: string, v: unknown, allowAt: boolean): void => {
      if (v === undefined) return;
      const o = v as Record<string, unknown>;
      const ok =
        typeof o === 'object' &&
        o !== null &&
        ((typeof o.ticks === 'number' && Number.isFinite(o.ticks)) ||
          (typeof o.price === 'number' && Number.isFinite(o.price)) ||
          (allowAt && typeof o.at === 'number' && Number.isFinite(o.at)));
      if (!ok)
        throw invalidValue(
          code,
          field,
          allowAt ? '{ ticks: n }, { price: x } or { at: price }' : '{ ticks: n } or { price: x }',
          v,
        );
    };
    offset('trailingOffset', r.trailingOffset, false);
    if (r.bracket !== undefined) {
      if (typeof r.bracket !== 'object' || r.bracket === null)
        throw invalidValue(code, 'bracket', 'an object { stopLoss?, takeProfit? }', r.bracket);
      offset('bracket.stopLoss', r.bracket.stopLoss, true);
      offset('bracket.takeProfit', r.bracket.takeProfit, true);
    }
    if (r.accountId !== undefined) this.account(r.accountId);
  }

  private account(id: string): AccountLedger {
    const a = this.accounts.get(id);
    if (a === undefined) {
      throw new TradeKitError(
        'EXCHANGE_UNKNOWN_ACCOUNT',
        `Expected \`accountId\` to be one of ${[...this.accounts.keys()].map((k) => `"${k}"`).join(', ')}, got ${describeValue(id)}. Declare it in new Exchange({ accounts: [...] }).`,
        { details: { field: 'accountId', value: id } },
      );
    }
    return a;
  }

  private order(id: string): WorkingOrder {
    const w = this.orders.get(id);
    if (w === undefined) {
      throw new TradeKitError(
        'ORDER_UNKNOWN',
        `Expected \`orderId\` of an order placed on this exchange, got ${describeValue(id)}. Use the \`id\` returned by placeOrder().` +
          (this.forgotten > 0
            ? ` ${this.forgotten} closed order(s) were forgotten under \`retainClosedOrders: ${this.retainClosed}\`; raise it to query older orders.`
            : ''),
        {
          details: { field: 'orderId', value: id },
        },
      );
    }
    return w;
  }

  private reject(w: WorkingOrder, reason: RejectReason, message: string): void {
    w.rejectReason = reason;
    w.rejectMessage = message;
    this.setStatus(w, 'rejected');
  }

  /** Static checks; returns a rejection or undefined. Fills in ticks and lots. */
  private validate(w: WorkingOrder): [RejectReason, string] | undefined {
    const r = w.request;
    if (!this.markets.has(r.symbol)) {
      return [
        'ORDER_UNKNOWN_SYMBOL',
        `Unknown symbol ${describeValue(r.symbol)}. Known symbols: ${[...this.markets.keys()].join(', ')}.`,
      ];
    }
    const inst = w.market.inst;
    if (!Number.isFinite(r.quantity) || r.quantity <= 0)
      return ['ORDER_SIZE_INVALID', `Expected \`quantity\` to be > 0, got ${describeValue(r.quantity)}.`];
    const lots = quantityToLots(inst, r.quantity);
    if (Number.isNaN(lots) || lots <= 0) {
      return [
        'ORDER_SIZE_NOT_LOT_MULTIPLE',
        `Expected \`quantity\` to be a multiple of ${inst.symbol}'s lot size ${inst.lotSize}, got ${describeValue(r.quantity)}.`,
      ];
    }
    w.lots = lots;
    const needsPrice = r.type === 'limit' || r.type === 'stop_limit';
    const needsStop = r.type === 'stop' || r.type === 'stop_limit';
    if (needsPrice && r.price === undefined)
      return ['ORDER_INVALID', `A ${r.type} order needs \`price\` (the limit price).`];
    if (needsStop && r.stopPrice === undefined)
      return ['ORDER_INVALID', `A ${r.type} order needs \`stopPrice\` (the trigger price).`];
    if (r.type === 'trailing_stop' && r.trailingOffset === undefined)
      return ['ORDER_INVALID', 'A trailing_stop order needs `trailingOffset`: { ticks: n } or { price: x }.'];
    if (r.postOnly && r.type !== 'limit')
      return ['ORDER_INVALID', `\`postOnly\` applies to limit orders only, got type \`${r.type}\`.`];
    if (w.tif === 'GTD' && (r.expireAt === undefined || r.expireAt <= this.clock.now())) {
      return [
        'ORDER_INVALID',
        `A GTD order needs \`expireAt\` (epoch µs) in the future, got ${describeValue(r.expireAt)}.`,
      ];
    }
    const grid = (field: string, v: number | undefined): [RejectReason, string] | undefined => {
      if (v === undefined || isOnGrid(inst, v)) return undefined;
      const lower = Math.floor((v * inst.priceScale) / inst.tickUnits);
      return [
        'ORDER_PRICE_OFF_TICK',
        `Expected \`${field}\` on ${inst.symbol}'s tick grid (multiples of ${inst.tickSize}), got ${describeValue(v)}. Nearest valid prices: ${ticksToPrice(inst, lower)} and ${ticksToPrice(inst, lower + 1)}.`,
      ];
    };
    const off =
      grid('price', needsPrice ? r.price : undefined) ??
      grid('stopPrice', needsStop ? r.stopPrice : undefined) ??
      grid('trailingOffset.price', (r.trailingOffset as { price?: number } | undefined)?.price) ??
      grid('bracket.stopLoss', bracketPrice(r.bracket?.stopLoss)) ??
      grid('bracket.takeProfit', bracketPrice(r.bracket?.takeProfit));
    if (off) return off;
    if (needsPrice) w.limitTick = priceToTicks(inst, r.price as number);
    if (needsStop) w.stopTick = priceToTicks(inst, r.stopPrice as number);
    if (r.type === 'trailing_stop')
      w.trailTicks = offsetTicks(inst, r.trailingOffset as { ticks: number } | { price: number });
    for (const t of [
      w.trailTicks,
      offsetTicksOf(inst, r.bracket?.stopLoss),
      offsetTicksOf(inst, r.bracket?.takeProfit),
    ]) {
      if (!Number.isNaN(t) && (t <= 0 || !Number.isInteger(t)))
        return ['ORDER_INVALID', `Expected offsets to be a whole number of ticks > 0, got ${t} ticks.`];
    }
    return undefined;
  }

  /** Checks that depend on the market and the account at arrival time. */
  private riskCheck(w: WorkingOrder): [RejectReason, string] | undefined {
    const m = w.market;
    const inst = m.inst;
    const now = this.clock.now();
    if (m.status === 'close' || (inst.sessions.length > 0 && sessionAt(inst, now) === undefined)) {
      return ['ORDER_MARKET_CLOSED', `${inst.symbol} is closed at ${now} µs. Send orders during its trading session.`];
    }
    if (m.status === 'halt')
      return ['ORDER_MARKET_HALTED', `${inst.symbol} is halted. Orders are accepted again after the market resumes.`];
    const pos = w.account.position(inst).lots;
    const signed = w.cside === BUY ? w.lots : -w.lots;
    if (w.request.reduceOnly) {
      if (pos === 0 || Math.sign(pos) === Math.sign(signed) || Math.abs(signed) > Math.abs(pos)) {
        return [
          'ORDER_REDUCE_ONLY_INCREASES',
          `A reduce-only ${w.side} of ${w.quantity} would increase the ${inst.symbol} position of ${lotsToQuantity(inst, pos)}; it may only shrink it (at most ${lotsToQuantity(inst, Math.abs(pos))}, opposite side).`,
        ];
      }
    }
    if (inst.marginPerContract > 0 && !w.request.reduceOnly) {
      const opposite = Math.sign(pos) === -Math.sign(signed) ? Math.abs(pos) : 0;
      const added = Math.max(0, w.lots - opposite);
      if (added > 0) {
        const required = new Decimal(inst.marginPerContract).times(lotsToQuantity(inst, added));
        const bp = this.accountSnapshot(w.account, w).buyingPower;
        if (required.gt(bp)) {
          return [
            'ORDER_INSUFFICIENT_BUYING_POWER',
            `Buying power ${bp.toString()} ${w.account.currency} < required margin ${required.toString()} (${lotsToQuantity(inst, added)} × ${inst.marginPerContract}). Reduce the size or add funds.`,
          ];
        }
      }
    }
    if (w.type === 'limit') {
      const crosses = this.marketableLots(w, w.limitTick, 1) > 0;
      if (w.request.postOnly && crosses) {
        return [
          'ORDER_POST_ONLY_WOULD_CROSS',
          `Post-only ${w.side} at ${ticksToPrice(inst, w.limitTick)} would take liquidity (it crosses the opposite side). Price it away from the market.`,
        ];
      }
    }
    if (w.tif === 'FOK' && (w.type === 'limit' || w.type === 'market')) {
      const limit =
        w.type === 'market' ? (w.cside === BUY ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY) : w.limitTick;
      const avail = this.marketableLots(w, limit, w.lots);
      if (avail < w.lots) {
        return [
          'ORDER_FOK_UNFILLABLE',
          `Fill-or-kill ${w.side} of ${w.quantity} can fill only ${lotsToQuantity(inst, avail)} now. Use IOC to accept a partial fill.`,
        ];
      }
    }
    return undefined;
  }

  /** Lots an order could take at once up to `limit` (capped at `upTo`). */
  private marketableLots(w: WorkingOrder, limit: number, upTo: number): number {
    const m = w.market;
    const avail = m.book.available(w.cside, limit, w.account.key, upTo);
    if (avail >= upTo || m.hasDepth || m.hasQuote) return avail;
    const touch = this.touchTick(m, w.type === 'market');
    if (Number.isNaN(touch)) return avail;
    const through = w.type === 'market' || (w.cside === BUY ? touch <= limit : touch >= limit);
    return through ? Math.min(BIG, avail + m.printLots) : avail;
  }

  /** The price a market order fills at without a book (last trade, or last close by policy). */
  private touchTick(m: MarketState, market: boolean): number {
    if (m.lastSource === 'trade') return m.lastTick;
    if (m.lastSource === 'bar' && (!market || this.fillPolicy.barMarketOrders === 'last_close')) return m.lastTick;
    return Number.NaN;
  }

  private arrive(w: WorkingOrder): void {
    if (w.status !== 'pending_new') return;
    const bad = this.validate(w) ?? this.riskCheck(w);
    if (bad) {
      this.reject(w, bad[0], bad[1]);
      return;
    }
    this.accept(w);
  }

  private accept(w: WorkingOrder): void {
    const m = w.market;
    this.setStatus(w, 'new');
    const r = w.request;
    if (r.ocoGroup !== undefined) this.joinOco(w, r.ocoGroup);
    if (r.bracket && (r.bracket.stopLoss || r.bracket.takeProfit)) this.createChildren(w);
    this.scheduleExpiry(w);
    if (w.type === 'stop' || w.type === 'stop_limit' || w.type === 'trailing_stop') {
      m.stops.push(w);
      this.checkStops(m, Number.NaN);
      return;
    }
    this.execute(w, Number.NaN);
  }

  /** Runs an order that may take liquidity now, then rests or waits with what is left. */
  private execute(w: WorkingOrder, touch: number): void {
    const m = w.market;
    const isLimit = w.type === 'limit' || w.type === 'stop_limit';
    const limit = isLimit ? w.limitTick : w.cside === BUY ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    this.take(w, limit, touch);
    if (isTerminalStatus(w.status) || w.remainingLots <= 0) return;
    if (w.tif === 'IOC' || w.tif === 'FOK') {
      this.setStatus(w, 'canceled');
      return;
    }
    if (isLimit) {
      w.node = m.book.add(w.seq, w.account.key, w.cside, w.limitTick, w.remainingLots, undefined, true, w);
    } else if (!w.waiting) {
      w.waiting = true;
      m.waiting.push(w);
    }
  }

  private take(w: WorkingOrder, limit: number, touch: number): void {
    const m = w.market;
    const fills = this.collect(() => {
      this.taker = w;
      try {
        m.book.match(w.cside, limit, w.remainingLots, w.account.key, this.sink);
      } finally {
        this.taker = null;
      }
    });
    if (fills.length > 0) this.applyFills(fills);
    if (isTerminalStatus(w.status) || w.remainingLots <= 0 || m.hasDepth || m.hasQuote) return;
    const t = Number.isNaN(touch) ? this.touchTick(m, w.type !== 'limit' && w.type !== 'stop_limit') : touch;
    if (Number.isNaN(t)) return;
    const ok = !Number.isFinite(limit) || (w.cside === BUY ? t <= limit : t >= limit);
    if (!ok) return;
    const lots = Math.min(w.remainingLots, m.printLots);
    if (lots <= 0) return;
    if (m.printLots !== BIG) m.printLots -= lots;
    this.applyFill(w, t, lots, 'taker');
  }

  private retryWaiting(m: MarketState, touch: number): void {
    if (m.waiting.length === 0) return;
    const list = m.waiting;
    m.waiting = [];
    for (const w of list) {
      w.waiting = false;
      if (isTerminalStatus(w.status)) continue;
      this.execute(w, touch);
    }
  }

  private collect(fn: () => void): FillRec[] {
    const saved = this.buf;
    const mine: FillRec[] = [];
    this.buf = mine;
    try {
      fn();
    } finally {
      this.buf = saved;
    }
    return mine;
  }

  private applyFills(fills: FillRec[]): void {
    for (const f of fills) {
      if (f.maker !== null) this.applyFill(f.maker, f.tick, f.lots, 'maker');
      if (f.taker !== null) this.applyFill(f.taker, f.tick, f.lots, 'taker');
    }
  }

  private applyFill(w: WorkingOrder, tick: number, lots: number, liquidity: 'maker' | 'taker'): void {
    if (isTerminalStatus(w.status) || lots <= 0) return;
    const m = w.market;
    const inst = m.inst;
    const now = this.clock.now();
    const first = !w.feeCharged;
    w.feeCharged = true;
    if (w.filledLots === 0) w.firstFillTick = tick;
    w.filledLots += lots;
    w.costTicks += tick * lots;
    if (w.node !== null && w.filledLots >= w.lots) {
      if (w.node.ref === w && w.node.level !== null) m.book.unlink(w.node);
      w.node = null;
    }
    const price = m.fillPrice(tick);
    const qty = lotsToQuantity(inst, lots);
    const fee = this.fees.fee(qty, price, inst.multiplier, liquidity, first);
    const acct = w.account;
    const pos = acct.position(inst);
    const realized = pos.apply(w.cside === BUY ? lots : -lots, price, fee);
    acct.realized = acct.realized.plus(realized);
    acct.fees = acct.fees.plus(fee);
    const prev = w.status;
    const next: OrderStatus = w.filledLots >= w.lots ? 'filled' : 'partially_filled';
    w.status = assertTransition(prev, next, w.id);
    w.updatedAt = now;
    if (next === 'filled') this.retire(w);
    // Numbered whether or not anyone listens, so fill ids never depend on subscriptions.
    const fillId = `f${++this.fillSeq}`;
    const at = this.reportAt();
    if (this.wants('fill'))
      this.emit(
        {
          type: 'fill',
          ts: now,
          fill: {
            id: fillId,
            orderId: w.id,
            clientOrderId: w.clientOrderId,
            accountId: acct.id,
            symbol: inst.symbol,
            side: w.side,
            price,
            quantity: qty,
            fee,
            liquidity,
            ts: now,
          },
        },
        at,
      );
    if (this.wants('order')) this.emit({ type: 'order', ts: now, order: w.toOrder(), previousStatus: prev }, at);
    if (this.wants('position')) this.emit({ type: 'position', ts: now, position: pos.toPosition(m.markTick()) }, at);
    if (this.wants('account')) this.emit({ type: 'account', ts: now, account: this.accountSnapshot(acct) }, at);
    if (w.ocoGroup !== undefined) this.cancelOcoSiblings(w);
    if (w.children.length > 0) this.syncChildren(w);
  }

  /** Leaves every working structure once terminal. */
  private retire(w: WorkingOrder): void {
    this.open.delete(w);
    const m = w.market;
    if (w.node !== null) {
      if (w.node.ref === w && w.node.level !== null) m.book.unlink(w.node);
      w.node = null;
    }
    if (w.timer) {
      this.clock.clearTimeout(w.timer);
      w.timer = undefined;
    }
    const i = m.stops.indexOf(w);
    if (i >= 0) m.stops.splice(i, 1);
    if (w.waiting) {
      const j = m.waiting.indexOf(w);
      if (j >= 0) m.waiting.splice(j, 1);
      w.waiting = false;
    }
    if (w.ocoGroup !== undefined) {
      const set = this.ocoGroups.get(w.ocoGroup);
      if (set) {
        set.delete(w);
        if (set.size === 0) this.ocoGroups.delete(w.ocoGroup);
      }
    }
    if (w.filledLots === 0) {
      for (const c of w.children)
        if (c.status === 'inactive' || c.status === 'pending_new') this.setStatus(c, 'canceled');
    }
    if (this.retainClosed !== Number.POSITIVE_INFINITY) {
      this.closedQueue.push(w);
      this.forgetClosed();
    }
  }

  /** Forgets the oldest terminal orders beyond `retainClosedOrders` (not entries with working children). */
  private forgetClosed(): void {
    const q = this.closedQueue;
    // Each order is looked at once per call: an entry with working children goes to the back.
    let budget = q.length - this.closedHead;
    while (q.length - this.closedHead > this.retainClosed && budget-- > 0) {
      const w = q[this.closedHead++] as WorkingOrder;
      if (w.children.some((c) => !isTerminalStatus(c.status))) {
        q.push(w);
        continue;
      }
      this.orders.delete(w.id);
      this.forgotten++;
    }
    if (this.closedHead > 1024 && this.closedHead * 2 > q.length) {
      this.closedQueue = q.slice(this.closedHead);
      this.closedHead = 0;
    }
  }

  private expire(w: WorkingOrder): void {
    if (isTerminalStatus(w.status)) return;
    this.setStatus(w, 'expired');
  }

  private scheduleExpiry(w: WorkingOrder): void {
    const now = this.clock.now();
    let at = Number.NaN;
    if (w.tif === 'GTD') at = w.request.expireAt as number;
    else if (w.tif === 'DAY') {
      const s = sessionAt(w.market.inst, now);
      at = s && Number.isFinite(s.close) ? s.close : (Math.floor(now / US_PER_DAY) + 1) * US_PER_DAY;
    }
    if (!Number.isNaN(at)) w.timer = this.clock.setTimeout(() => this.expire(w), Math.max(0, at - now));
  }

  private joinOco(w: WorkingOrder, group: string): void {
    w.ocoGroup = group;
    let set = this.ocoGroups.get(group);
    if (!set) {
      set = new Set();
      this.ocoGroups.set(group, set);
    }
    set.add(w);
  }

  private cancelOcoSiblings(w: WorkingOrder): void {
    const set = this.ocoGroups.get(w.ocoGroup as string);
    if (!set) return;
    for (const o of [...set]) if (o !== w && !isTerminalStatus(o.status)) this.setStatus(o, 'canceled');
  }

  private createChildren(parent: WorkingOrder): void {
    const r = parent.request;
    const b = r.bracket as NonNullable<OrderRequest['bracket']>;
    const exit = parent.side === 'buy' ? 'sell' : 'buy';
    const group = `bracket:${parent.id}`;
    const make = (kind: 'sl' | 'tp'): void => {
      const spec = kind === 'sl' ? b.stopLoss : b.takeProfit;
      if (!spec) return;
      const req: OrderRequest = {
        symbol: r.symbol,
        side: exit,
        type: kind === 'sl' ? 'stop' : 'limit',
        quantity: r.quantity,
        accountId: parent.account.id,
        clientOrderId: `${parent.clientOrderId}-${kind}`,
        ocoGroup: group,
      };
      if (r.stopTrigger) req.stopTrigger = r.stopTrigger;
      const c = new WorkingOrder(++this.seq, req, parent.account, parent.market, this.stopTrigger, this.clock.now());
      c.parent = parent;
      c.lots = 0;
      this.joinOco(c, group);
      this.orders.set(c.id, c);
      this.open.add(c);
      parent.children.push(c);
      this.emitOrder(c, null);
      this.setStatus(c, 'inactive');
    };
    make('sl');
    make('tp');
  }

  /** Activates bracket children on the entry's first fill and keeps their size equal to it. */
  private syncChildren(parent: WorkingOrder): void {
    const inst = parent.market.inst;
    const b = parent.request.bracket as NonNullable<OrderRequest['bracket']>;
    const entry = parent.firstFillTick;
    const dir = parent.cside === BUY ? 1 : -1;
    for (const c of parent.children) {
      if (isTerminalStatus(c.status)) continue;
      const isSl = c.type === 'stop';
      if (c.status === 'inactive') {
        const spec = (isSl ? b.stopLoss : b.takeProfit) as NonNullable<typeof b.stopLoss>;
        const tick = 'at' in spec ? priceToTicks(inst, spec.at) : entry + (isSl ? -dir : dir) * offsetTicks(inst, spec);
        if (isSl) c.stopTick = tick;
        else c.limitTick = tick;
        c.lots = parent.filledLots;
        c.quantity = lotsToQuantity(inst, c.lots);
        if (isSl) {
          this.setStatus(c, 'new');
          c.market.stops.push(c);
          this.checkStops(c.market, Number.NaN);
        } else {
          this.setStatus(c, 'new');
          this.execute(c, Number.NaN);
        }
      } else if (c.lots < parent.filledLots) {
        c.lots = parent.filledLots;
        c.quantity = lotsToQuantity(inst, c.lots);
        if (c.node !== null && c.node.ref === c && c.node.level !== null) {
          // A size increase loses queue priority.
          c.market.book.unlink(c.node);
          c.node.qty = c.remainingLots;
          c.market.book.rest(c.node);
        }
        this.emitOrder(c, c.status);
      }
    }
  }

  private applyModify(w: WorkingOrder, changes: OrderChanges, back: OrderStatus): void {
    if (isTerminalStatus(w.status)) return;
    const m = w.market;
    const inst = m.inst;
    const bad = (msg: string, reason: RejectReason = 'ORDER_INVALID'): void => {
      w.rejectReason = reason;
      w.rejectMessage = msg;
      this.setStatus(
        w,
        w.filledLots > 0 ? 'partially_filled' : back === 'partially_filled' ? 'partially_filled' : 'new',
      );
    };
    if (changes.price !== undefined && !isOnGrid(inst, changes.price)) {
      bad(
        `Modify refused: price ${changes.price} is off ${inst.symbol}'s tick grid (${inst.tickSize}).`,
        'ORDER_PRICE_OFF_TICK',
      );
      return;
    }
    if (changes.stopPrice !== undefined && !isOnGrid(inst, changes.stopPrice)) {
      bad(`Modify refused: stopPrice ${changes.stopPrice} is off the tick grid.`, 'ORDER_PRICE_OFF_TICK');
      return;
    }
    let newLots = w.lots;
    if (changes.quantity !== undefined) {
      newLots = quantityToLots(inst, changes.quantity);
      if (Number.isNaN(newLots)) {
        bad(
          `Modify refused: quantity ${changes.quantity} is not a multiple of ${inst.lotSize}.`,
          'ORDER_SIZE_NOT_LOT_MULTIPLE',
        );
        return;
      }
      if (newLots <= w.filledLots) {
        bad(
          `Modify refused: quantity ${changes.quantity} must exceed the filled ${lotsToQuantity(inst, w.filledLots)}.`,
          'ORDER_SIZE_INVALID',
        );
        return;
      }
    }
    const newTick = changes.price !== undefined ? priceToTicks(inst, changes.price) : w.limitTick;
    const priceChanged = changes.price !== undefined && newTick !== w.limitTick;
    const increased = newLots > w.lots;
    w.rejectReason = undefined;
    w.rejectMessage = undefined;
    w.lots = newLots;
    w.quantity = lotsToQuantity(inst, newLots);
    if (changes.stopPrice !== undefined) w.stopTick = priceToTicks(inst, changes.stopPrice);
    if (changes.price !== undefined) w.limitTick = newTick;
    this.setStatus(w, w.filledLots > 0 ? 'partially_filled' : 'new');
    const node = w.node !== null && w.node.ref === w && w.node.level !== null ? w.node : null;
    if (node !== null) {
      if (priceChanged || increased) {
        m.book.unlink(node);
        w.node = null;
        this.execute(w, Number.NaN);
      } else {
        node.qty = w.remainingLots;
      }
    } else if (m.stops.includes(w)) {
      this.checkStops(m, Number.NaN);
    }
  }

  // ────────────────────────────── stops ──────────────────────────────

  private triggerPrice(m: MarketState, w: WorkingOrder): number {
    const hasQuote = !Number.isNaN(m.bidTick) && !Number.isNaN(m.askTick);
    switch (w.stopTrigger) {
      case 'bid':
        return m.bidTick;
      case 'ask':
        return m.askTick;
      case 'mid':
        return hasQuote ? (m.bidTick + m.askTick) / 2 : Number.NaN;
      default:
        if (!Number.isNaN(m.lastTick)) return m.lastTick;
        // No prints yet: watch the side the stop would execute against.
        return w.cside === BUY ? m.askTick : m.bidTick;
    }
  }

  /** Triggers stops whose price was reached. `gap` is the bar-open tick a gap fills at, if any. */
  private checkStops(m: MarketState, gap: number): void {
    if (m.stops.length === 0) return;
    for (const w of [...m.stops]) {
      if (isTerminalStatus(w.status) || w.triggered) continue;
      const p = this.triggerPrice(m, w);
      if (Number.isNaN(p)) continue;
      if (w.type === 'trailing_stop') {
        const cand = w.cside === SELL ? p - w.trailTicks : p + w.trailTicks;
        if (Number.isNaN(w.stopTick) || (w.cside === SELL ? cand > w.stopTick : cand < w.stopTick))
          w.stopTick = Math.round(cand);
      }
      const hit = w.cside === BUY ? p >= w.stopTick : p <= w.stopTick;
      if (!hit) continue;
      w.triggered = true;
      const i = m.stops.indexOf(w);
      if (i >= 0) m.stops.splice(i, 1);
      this.emitOrder(w, w.status);
      // Without a book a stop fills where the path crossed it: at the gap, else at the stop price.
      const touch =
        m.hasDepth || m.hasQuote
          ? Number.NaN
          : !Number.isNaN(gap)
            ? gap
            : m.lastSource === 'bar'
              ? w.stopTick
              : Number.NaN;
      this.execute(w, touch);
    }
  }

  // ───────────────────────────── queries ─────────────────────────────

  /** An order's current view. Throws `ORDER_UNKNOWN` for an unknown id. */
  getOrder(orderId: string): Order {
    return this.order(orderId).toOrder();
  }

  /** Orders, oldest first, optionally filtered. */
  getOrders(filter: OrderFilter = {}): Order[] {
    const out: Order[] = [];
    // Open orders come from the working set, so a strategy asking per bar stays O(open orders)
    // however many orders have closed; sorted by placement to keep "oldest first".
    const from = filter.open ? [...this.open].sort((a, b) => a.seq - b.seq) : this.orders.values();
    for (const w of from) {
      if (filter.accountId !== undefined && w.account.id !== filter.accountId) continue;
      if (filter.symbol !== undefined && w.request.symbol !== filter.symbol) continue;
      out.push(w.toOrder());
    }
    return out;
  }

  /** The net position of an account in a symbol (flat when it never traded). */
  getPosition(accountId: string, symbol: string): Position {
    const a = this.account(accountId);
    const m = this.market(symbol);
    return a.position(m.inst).toPosition(m.markTick());
  }

  /** An account's balances, equity, margin and positions now. */
  getAccount(accountId = 'default'): AccountSnapshot {
    return this.accountSnapshot(this.account(accountId));
  }

  /** The instrument of a symbol. Throws `EXCHANGE_UNKNOWN_SYMBOL` otherwise. */
  getInstrument(symbol: string): Instrument {
    return this.market(symbol).inst;
  }

  /**
   * Where a resting limit order stands: displayed size ahead of it at its price (`ahead`) and the
   * quantity of orders (simulated, or the venue's from order-level data) queued before it; `undefined` when it is not resting.
   */
  getQueuePosition(orderId: string): { ahead: number; ordersAhead: number } | undefined {
    const w = this.order(orderId);
    const node = w.node;
    if (node === null || node.ref !== w || node.level === null) return undefined;
    let ordersAhead = 0;
    for (let o = node.prev; o !== null; o = o.prev) ordersAhead += lotsToQuantity(w.market.inst, o.qty);
    return { ahead: lotsToQuantity(w.market.inst, node.ahead), ordersAhead };
  }

  private market(symbol: string): MarketState {
    const m = this.markets.get(symbol);
    if (m === undefined) {
      throw new TradeKitError(
        'EXCHANGE_UNKNOWN_SYMBOL',
        `Expected \`symbol\` to be one of ${[...this.markets.keys()].join(', ')}, got ${describeValue(symbol)}.`,
        {
          details: { field: 'symbol', value: symbol },
        },
      );
    }
    return m;
  }

  private accountSnapshot(a: AccountLedger, extra?: WorkingOrder): AccountSnapshot {
    let orderMargin = new Decimal(0);
    // Working orders only hold margin on instruments that define one: skip the scan otherwise.
    if (this.anyMargin)
      for (const w of this.open) {
        if (
          w === extra ||
          w.account !== a ||
          w.request.reduceOnly ||
          w.status === 'inactive' ||
          w.status === 'pending_new'
        )
          continue;
        const inst = w.market.inst;
        if (inst.marginPerContract > 0 && w.remainingLots > 0) {
          orderMargin = orderMargin.plus(
            new Decimal(inst.marginPerContract).times(lotsToQuantity(inst, w.remainingLots)),
          );
        }
      }
    return a.snapshot(this.clock.now(), (s) => (this.markets.get(s) as MarketState).markTick(), orderMargin);
  }

  // ─────────────────────────── snapshot ───────────────────────────

  /**
   * A JSON-serialisable image of the whole exchange (orders, queues, books, positions, accounts,
   * random streams). Throws `EXCHANGE_SNAPSHOT_BUSY` while requests or events are in flight:
   * run the clock until they land first.
   */
  snapshot(): ExchangeSnapshot {
    if (this.inFlight > 0 || this.undelivered > 0) {
      throw new TradeKitError(
        'EXCHANGE_SNAPSHOT_BUSY',
        `Cannot snapshot with ${this.inFlight} request(s) and ${this.undelivered} event(s) still travelling (latency). Advance the clock until they land, e.g. clock.runAll().`,
      );
    }
    const rng: Record<string, RngState> = {};
    for (const [k, r] of Object.entries(this.rngs)) rng[k] = r.getState();
    return JSON.parse(
      JSON.stringify({
        version: 1,
        ts: this.clock.now(),
        options: this.config,
        seq: this.seq,
        fillSeq: this.fillSeq,
        rng,
        accounts: [...this.accounts.values()].map((a) => ({
          id: a.id,
          realized: a.realized.toString(),
          fees: a.fees.toString(),
          positions: [...a.positions.values()].map((p) => ({
            symbol: p.inst.symbol,
            lots: p.lots,
            cost: p.cost.toString(),
            realized: p.realized.toString(),
            fees: p.fees.toString(),
          })),
        })),
        markets: [...this.markets.values()].map((m) => ({
          symbol: m.inst.symbol,
          status: m.status,
          hasDepth: m.hasDepth,
          hasQuote: m.hasQuote,
          bidTick: nn(m.bidTick),
          askTick: nn(m.askTick),
          quoteBidTick: nn(m.quoteBidTick),
          quoteAskTick: nn(m.quoteAskTick),
          lastTick: nn(m.lastTick),
          lastSource: m.lastSource,
          printLots: m.printLots,
          external: { bids: m.book.externalLevels(BUY), asks: m.book.externalLevels(SELL) },
          queue: [...m.book.restingOrders(BUY), ...m.book.restingOrders(SELL)].map((o) =>
            o.ref instanceof WorkingOrder
              ? { id: o.ref.id, ahead: o.ahead }
              : { l3: (o.ref as { orderId: string }).orderId, side: o.side, tick: o.tick, lots: o.qty, ahead: o.ahead },
          ),
          stops: m.stops.map((w) => w.id),
          waiting: m.waiting.map((w) => w.id),
        })),
        orders: [...this.orders.values()].map((w) => ({
          id: w.id,
          seq: w.seq,
          request: w.request,
          accountId: w.account.id,
          clientOrderId: w.clientOrderId,
          type: w.type,
          quantity: w.quantity,
          lots: w.lots,
          filledLots: w.filledLots,
          costTicks: w.costTicks,
          firstFillTick: nn(w.firstFillTick),
          limitTick: nn(w.limitTick),
          stopTick: nn(w.stopTick),
          trailTicks: nn(w.trailTicks),
          triggered: w.triggered,
          status: w.status,
          rejectReason: w.rejectReason,
          rejectMessage: w.rejectMessage,
          parentId: w.parent?.id,
          ocoGroup: w.ocoGroup,
          feeCharged: w.feeCharged,
          createdAt: w.createdAt,
          updatedAt: w.updatedAt,
        })),
        ...(this.lastDelivery > this.clock.now() ? { lastReportAt: this.lastDelivery } : {}),
        ...(Number.isFinite(this.retainClosed)
          ? { closed: this.closedQueue.slice(this.closedHead).map((w) => w.id), forgotten: this.forgotten }
          : {}),
      }),
    ) as ExchangeSnapshot;
  }

  /**
   * Rebuilds an exchange from {@link snapshot} on a clock (a `VirtualClock` at or after the
   * snapshot time). Throws `EXCHANGE_SNAPSHOT_INVALID` on a malformed snapshot.
   */
  static restore(snapshot: ExchangeSnapshot, options: { clock: Clock }): Exchange {
    if (
      typeof snapshot !== 'object' ||
      snapshot === null ||
      snapshot.version !== 1 ||
      !Array.isArray(snapshot.orders)
    ) {
      throw invalidValue(
        'EXCHANGE_SNAPSHOT_INVALID',
        'snapshot',
        'an object from exchange.snapshot() (version 1)',
        snapshot,
      );
    }
    const o = snapshot.options;
    const ex = new Exchange({
      clock: options.clock,
      instruments: o.instruments,
      accounts: o.accounts.map((a) => ({ id: a.id, balance: a.balance, currency: a.currency })),
      fees: o.fees,
      fillPolicy: o.fillPolicy,
      queueModel: o.queueModel,
      seed: o.seed,
      stopTrigger: o.stopTrigger,
      ...(o.latency ? { latency: o.latency } : {}),
      ...(o.retainClosedOrders !== undefined ? { retainClosedOrders: o.retainClosedOrders } : {}),
    });
    ex.seq = snapshot.seq;
    ex.fillSeq = snapshot.fillSeq;
    if (typeof snapshot.lastReportAt === 'number') ex.lastDelivery = snapshot.lastReportAt;
    for (const [k, st] of Object.entries(snapshot.rng)) ex.rngs[k]?.setState(st);
    for (const a of snapshot.accounts) {
      const acct = ex.account(a.id);
      acct.realized = new Money(a.realized);
      acct.fees = new Money(a.fees);
      for (const p of a.positions) {
        const pos = acct.position(ex.market(p.symbol).inst);
        pos.lots = p.lots;
        pos.cost = new Money(p.cost);
        pos.realized = new Money(p.realized);
        pos.fees = new Money(p.fees);
      }
    }
    for (const s of snapshot.orders) {
      const m = ex.market(s.request.symbol);
      const w = new WorkingOrder(s.seq, s.request, ex.account(s.accountId), m, o.stopTrigger, s.createdAt);
      w.id = s.id;
      w.clientOrderId = s.clientOrderId;
      w.type = s.type;
      w.quantity = s.quantity;
      w.lots = s.lots;
      w.filledLots = s.filledLots;
      w.costTicks = s.costTicks;
      w.firstFillTick = un(s.firstFillTick);
      w.limitTick = un(s.limitTick);
      w.stopTick = un(s.stopTick);
      w.trailTicks = un(s.trailTicks);
      w.triggered = s.triggered;
      w.status = s.status;
      if (s.rejectReason) w.rejectReason = s.rejectReason;
      if (s.rejectMessage) w.rejectMessage = s.rejectMessage;
      if (s.ocoGroup !== undefined) ex.joinOco(w, s.ocoGroup);
      w.feeCharged = s.feeCharged;
      w.updatedAt = s.updatedAt;
      // The parent of a closed child may have been forgotten (retainClosedOrders).
      const parent = s.parentId !== undefined ? ex.orders.get(s.parentId) : undefined;
      if (parent !== undefined) {
        w.parent = parent;
        parent.children.push(w);
      }
      ex.orders.set(w.id, w);
      if (!isTerminalStatus(w.status)) {
        ex.open.add(w);
        if (isTerminalStatus(w.status) === false && (w.tif === 'DAY' || w.tif === 'GTD')) ex.scheduleExpiry(w);
      } else if (w.ocoGroup !== undefined) ex.ocoGroups.get(w.ocoGroup)?.delete(w);
    }
    if (Array.isArray(snapshot.closed)) {
      for (const id of snapshot.closed) {
        const w = ex.orders.get(id);
        if (w !== undefined) ex.closedQueue.push(w);
      }
      ex.forgotten = snapshot.forgotten ?? 0;
    }
    for (const sm of snapshot.markets) {
      const m = ex.market(sm.symbol);
      m.status = sm.status;
      m.hasDepth = sm.hasDepth;
      m.hasQuote = sm.hasQuote;
      m.bidTick = un(sm.bidTick);
      m.askTick = un(sm.askTick);
      m.quoteBidTick = un(sm.quoteBidTick);
      m.quoteAskTick = un(sm.quoteAskTick);
      m.lastTick = un(sm.lastTick);
      m.lastSource = sm.lastSource;
      m.printLots = sm.printLots ?? BIG;
      for (const [t, l] of sm.external.bids) m.book.setExternal(BUY, t, l);
      for (const [t, l] of sm.external.asks) m.book.setExternal(SELL, t, l);
      for (const q of sm.queue) {
        if (q.l3 !== undefined) {
          const ref = { orderId: q.l3 };
          const node = m.book.add(
            -1,
            MARKET_ACCOUNT,
            q.side as CoreSide,
            q.tick as number,
            q.lots as number,
            undefined,
            true,
            ref,
          );
          if (node) m.l3.set(q.l3, { node, ref });
          continue;
        }
        const w = ex.orders.get(q.id as string) as WorkingOrder;
        w.node = m.book.add(w.seq, w.account.key, w.cside, w.limitTick, w.remainingLots, undefined, true, w);
        if (w.node) w.node.ahead = q.ahead;
      }
      m.stops = sm.stops.map((id) => ex.orders.get(id) as WorkingOrder);
      m.waiting = sm.waiting.map((id) => {
        const w = ex.orders.get(id) as WorkingOrder;
        w.waiting = true;
        return w;
      });
    }
    return ex;
  }
}

function bracketPrice(spec: unknown): number | undefined {
  if (typeof spec !== 'object' || spec === null) return undefined;
  const s = spec as { at?: number; price?: number };
  return s.at ?? s.price;
}

function offsetTicks(inst: Instrument, spec: { ticks: number } | { price: number }): number {
  if ('ticks' in spec && spec.ticks !== undefined) return spec.ticks;
  return Math.round(((spec as { price: number }).price * inst.priceScale) / inst.tickUnits);
}

function offsetTicksOf(inst: Instrument, spec: unknown): number {
  if (typeof spec !== 'object' || spec === null || 'at' in spec) return Number.NaN;
  return offsetTicks(inst, spec as { ticks: number });
}

/** A bounded async queue of exchange events. */
class EventStream implements AsyncIterableIterator<ExchangeEvent> {
  private readonly items: ExchangeEvent[] = [];
  private head = 0;
  private waiter: ((r: IteratorResult<ExchangeEvent>) => void) | null = null;
  private failer: ((e: unknown) => void) | null = null;
  private done = false;
  private error: TradeKitError | null = null;

  constructor(
    private readonly limit: number,
    private readonly detach: () => void,
  ) {}

  push(ev: ExchangeEvent): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      this.failer = null;
      w({ value: ev, done: false });
      return;
    }
    if (this.items.length - this.head >= this.limit) {
      this.error = new TradeKitError(
        'EXCHANGE_EVENT_BUFFER_OVERFLOW',
        `More than ${this.limit} exchange events were left unread by an events() iterator. Read faster, or raise events({ bufferSize }).`,
      );
      this.end();
      return;
    }
    this.items.push(ev);
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.detach();
    if (this.waiter) {
      const w = this.waiter;
      const f = this.failer;
      this.waiter = null;
      this.failer = null;
      if (this.error && f) f(this.error);
      else w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<ExchangeEvent>> {
    if (this.head < this.items.length) {
      const value = this.items[this.head++] as ExchangeEvent;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items.splice(0, this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.error) return Promise.reject(this.error);
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failer = reject;
    });
  }

  return(): Promise<IteratorResult<ExchangeEvent>> {
    this.done = true;
    this.detach();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExchangeEvent> {
    return this;
  }
}
