/**
 * The backtest engine: market events go through order-sim's `Exchange` (fills, latency, fees),
 * then — only once they are in the past — to the strategy. Bookkeeping in the loop is plain
 * numbers; exact Decimal money comes from the exchange at the end.
 */
import { Exchange, type ExchangeOptions } from '@tradekit/order-sim';
import {
  type AccountSnapshot,
  type BarEvent,
  BarAggregator,
  type Fill,
  type Instrument,
  type InstrumentSpec,
  type MarketEvent,
  type Order,
  type OrderRequest,
  TradeKitError,
  VirtualClock,
  assertKnownKeys,
  defineInstrument,
  describeValue,
  isMarketEvent,
  isTradeKitError,
  microsToIso,
  parseTimeframe,
} from '@tradekit/types';
import { invalid } from './errors.js';
import { type Metrics, type TradeRecord, computeMetrics } from './metrics.js';
import { BarSeries } from './series.js';
import {
  type IndicatorBinding,
  type Params,
  type QuickOrder,
  type Strategy,
  type StrategyContext,
  checkStrategy,
  resolveParams,
} from './strategy.js';

/** Anything that yields market events in time order: arrays, generators, market-sim, replay. */
export type EventInput =
  | Iterable<MarketEvent>
  | AsyncIterable<MarketEvent>
  | { batches(): AsyncIterable<readonly MarketEvent[]> };

/** Options of {@link runBacktest}. */
export interface BacktestOptions<P extends Params = Params> {
  /** The strategy to run. */
  strategy: Strategy<P>;
  /** Market events in time order (array, iterable, async iterable, replay controller, market-sim market). */
  data: EventInput;
  /** Parameter overrides (checked against the strategy's defaults). @default {} */
  params?: Partial<Record<keyof P, unknown>> | Record<string, unknown>;
  /** Instruments traded. @default `data.instruments` (a market-sim market) or `strategy.instruments` */
  instruments?: readonly (Instrument | InstrumentSpec)[];
  /** Starting cash. @default 100000 */
  cash?: number | string;
  /**
   * Exchange options passed to order-sim (`fees`, `latency`, `fillPolicy`, `queueModel`, `seed`,
   * `stopTrigger`); clock, instruments and accounts are set by the backtest.
   * @default {}
   */
  exchange?: Omit<ExchangeOptions, 'clock' | 'instruments' | 'accounts'>;
  /** Called with the number of events processed, every `progressEvery` events. */
  onProgress?: (events: number) => void;
  /** @default 65536 */
  progressEvery?: number;
}

/** One fill as reported (exact prices and fees as decimal strings). */
export interface FillRecord {
  id: string;
  orderId: string;
  ts: number;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  price: string;
  fee: string;
  liquidity: 'maker' | 'taker';
}

/** What a backtest produced. Deterministic: the same inputs give the same result. */
export interface BacktestResult {
  strategy: string;
  params: Params;
  symbols: string[];
  /** Market events processed. */
  events: number;
  /** Bars delivered to the strategy. */
  bars: number;
  metrics: Metrics;
  trades: TradeRecord[];
  /** Round trips still open at the end (marked at the last price; not in the trade statistics). */
  openTrades: TradeRecord[];
  fills: FillRecord[];
  /** Equity after each distinct event time (one point per bar on bar data), and the first symbol's last price then. */
  equity: { ts: Float64Array; equity: Float64Array; price: Float64Array };
  /** The exact account at the end (Decimal balance, equity, fees). */
  account: AccountSnapshot;
  /** Buy & Hold of the first symbol: its first and last price. */
  buyHold?: { first: number; last: number };
  /** Set when the run stopped early (the strategy threw). */
  error?: { code: string; message: string; method?: string; ts?: number };
}

/** An open round trip while the run goes. */
interface OpenTrade {
  size: number;
  entryTime: number;
  entryBar: number;
  entryPrice: number;
  fees: number;
  mae: number;
  mfe: number;
}

interface SymbolState {
  index: number;
  inst: Instrument;
  mult: number;
  pos: number;
  mark: number;
  open: OpenTrade | null;
  /** The latest bar held back from the idle exchange (see {@link BacktestRun.hold}), or null. */
  held: BarEvent | null;
  /** Bar series by timeframe. */
  series: Map<string, BarSeries>;
  /** The series the last input bar went to, and its timeframe (bars come in one timeframe mostly). */
  lastTf: string | undefined;
  lastSeries: BarSeries | null;
  /** The indicators bound to `lastSeries` (bindings are made in onStart only, so this stays valid). */
  lastBindings: Binding[] | undefined;
}

interface DecimalText {
  num: number;
  text: string;
}

interface Binding {
  series: BarSeries;
  indicator: unknown;
  update: (indicator: unknown, bar: BarEvent) => void;
}

const OPTION_KEYS = ['strategy', 'data', 'params', 'instruments', 'cash', 'exchange', 'onProgress', 'progressEvery'];

const noData = () =>
  new TradeKitError(
    'BACKTEST_NO_DATA',
    'Expected at least one market event in `data`, got none: check the files, symbols and time range.',
    {},
  );

/** Rounds money to 1e-8 (float noise off sums of cents). */
const round8 = (x: number) => (Math.abs(x) < 9e7 ? Math.round(x * 1e8) / 1e8 : x);

const defaultUpdate = (ind: unknown, bar: BarEvent) => (ind as { update(x: number): number }).update(bar.close);

/**
 * Runs a strategy over market events with order-sim as the exchange and returns trades,
 * metrics and the equity curve. Bad options, parameters and (for arrays) data fail before the
 * first event; a strategy that throws stops the run with `BACKTEST_STRATEGY_FAILED` naming the
 * method and the event time, with the partial result in `error.details.result`.
 *
 * @example
 * const result = await runBacktest({ strategy, data: bars, instruments: [{ symbol: 'MNQ', tickSize: 0.25, multiplier: 2 }] });
 * console.log(result.metrics.returnPct);
 */
export async function runBacktest<P extends Params = Params>(options: BacktestOptions<P>): Promise<BacktestResult> {
  const run = new BacktestRun(options);
  return run.execute();
}

class BacktestRun<P extends Params> {
  private readonly strategy: Strategy<P>;
  private readonly params: P;
  private readonly data: EventInput;
  private readonly exchange: Exchange;
  private readonly clock: VirtualClock;
  private readonly symbols = new Map<string, SymbolState>();
  private readonly symbolList: SymbolState[] = [];
  private readonly timeframes: string[] | undefined;
  private readonly aggregators: { tf: string; agg: BarAggregator }[] = [];
  private readonly bindings = new Map<BarSeries, Binding[]>();
  private readonly history: number;
  private readonly ctx: StrategyContext<P>;
  private readonly onProgress: ((events: number) => void) | undefined;
  private readonly progressEvery: number;
  // Initialised with a double (not left undefined, then set to the Smi 100000): the field then
  // keeps V8's double representation, and equity sums read from it are not boxed per bar.
  private cash = Number.NaN;
  private feesPaid = 0;
  // The curve lives in typed arrays grown by doubling: pushing to three 1 M-element JS arrays
  // cost more than the rest of the loop.
  private eqTs = new Float64Array(1024);
  private eqVal = new Float64Array(1024);
  private eqPrice = new Float64Array(1024);
  private points = 0;
  private lastTs = Number.NEGATIVE_INFINITY;
  private now = 0;
  private events = 0;
  private barsSeen = 0;
  private readonly trades: TradeRecord[] = [];
  private readonly fills: FillRecord[] = [];
  private started = false;
  private inStart = false;
  private firstPrice = Number.NaN;
  private lastPrice = Number.NaN;
  private failure: TradeKitError | null = null;
  /** True when the data (an array) was checked whole before the run. */
  private prechecked = false;
  /** Per-run `this` of the strategy's methods: state written to `this` never leaks between runs. */
  private readonly self: Strategy<P>;
  private readonly aggOut: BarEvent[] = [];
  /** True while some symbol has a bar held back from the exchange. */
  private holding = false;
  private readonly decimals = new Map<object, DecimalText>();
  /** The symbol of the last event and its state: a Map lookup saved per event on one-symbol data. */
  private lastSymbol: string | undefined;
  private lastState: SymbolState | undefined;

  constructor(options: BacktestOptions<P>) {
    const code = 'BACKTEST_CONFIG_INVALID';
    if (typeof options !== 'object' || options === null) throw invalid(code, 'options', 'an object', options);
    assertKnownKeys(options, OPTION_KEYS, { code, where: 'the backtest options' });
    this.onProgress = options.onProgress;
    this.progressEvery = options.progressEvery ?? 65_536;
    checkStrategy(options.strategy);
    this.strategy = options.strategy;
    this.self = Object.create(options.strategy) as Strategy<P>;
    this.params = resolveParams(this.strategy, (options.params ?? {}) as Record<string, unknown>);
    const data = options.data;
    if (
      typeof data !== 'object' ||
      data === null ||
      !(
        Symbol.iterator in data ||
        Symbol.asyncIterator in data ||
        typeof (data as { batches?: unknown }).batches === 'function'
      )
    ) {
      throw invalid(code, 'data', 'market events: an array, an iterable, an async iterable or a replay source', data);
    }
    this.data = data;
    const specs =
      options.instruments ?? (data as { instruments?: readonly Instrument[] }).instruments ?? this.strategy.instruments;
    if (!Array.isArray(specs) || specs.length === 0) {
      throw invalid(
        code,
        'instruments',
        'a non-empty array of instruments',
        specs,
        'Pass instruments: [{ symbol: "MNQ", tickSize: 0.25, multiplier: 2 }] (or give the strategy an `instruments` field).',
      );
    }
    const insts = specs.map((s: Instrument | InstrumentSpec) => defineInstrument(s as InstrumentSpec));
    for (const inst of insts) {
      const st: SymbolState = {
        index: this.symbolList.length,
        inst,
        mult: inst.multiplier,
        pos: 0,
        mark: Number.NaN,
        open: null,
        held: null,
        series: new Map(),
        lastTf: undefined,
        lastSeries: null,
        lastBindings: undefined,
      };
      this.symbols.set(inst.symbol, st);
      this.symbolList.push(st);
    }
    const cash = options.cash ?? 100_000;
    const cashNum = Number(cash);
    if (!(cashNum > 0) || !Number.isFinite(cashNum)) throw invalid(code, 'cash', 'a positive number', cash);
    this.cash = cashNum;
    const history = this.strategy.history ?? 512;
    if (!Number.isInteger(history) || history < 1)
      throw invalid('BACKTEST_STRATEGY_INVALID', 'history', 'an integer ≥ 1', history);
    this.history = history;
    if (this.strategy.timeframes !== undefined) {
      if (!Array.isArray(this.strategy.timeframes) || this.strategy.timeframes.length === 0)
        throw invalid(
          'BACKTEST_STRATEGY_INVALID',
          'timeframes',
          'a non-empty array like ["1m", "15m"]',
          this.strategy.timeframes,
        );
      this.timeframes = this.strategy.timeframes.map((t) => parseTimeframe(t).text);
      for (const tf of this.timeframes) this.aggregators.push({ tf, agg: new BarAggregator(tf) });
    }
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function')
      throw invalid(code, 'onProgress', 'a function', options.onProgress);
    this.clock = new VirtualClock({ start: 0 });
    const ex = options.exchange ?? {};
    if (typeof ex !== 'object' || ex === null) throw invalid(code, 'exchange', 'an object of order-sim options', ex);
    for (const k of ['clock', 'instruments', 'accounts']) {
      if (k in ex)
        throw invalid(code, `exchange.${k}`, 'unset (the backtest sets it)', (ex as Record<string, unknown>)[k]);
    }
    this.exchange = new Exchange({
      retainClosedOrders: 10_000,
      ...ex,
      clock: this.clock,
      instruments: insts,
      accounts: [{ id: 'backtest', balance: String(cash) }],
    });
    this.exchange.on('fill', (e) => this.onFill(e.fill));
    if (this.strategy.onOrderUpdate) {
      const fn = this.strategy.onOrderUpdate;
      this.exchange.on('order', (e) => this.call('onOrderUpdate', e.order.symbol, fn, e.order));
    }
    this.ctx = this.makeContext();
  }

  // ─────────────────────────── context ───────────────────────────

  private sym(symbol: string | undefined, where: string): SymbolState {
    if (symbol === undefined) return this.symbolList[0] as SymbolState;
    const s = this.symbols.get(symbol);
    if (!s) {
      throw invalid('BACKTEST_CONFIG_INVALID', where, `one of ${[...this.symbols.keys()].join(', ')}`, symbol);
    }
    return s;
  }

  private seriesOf(st: SymbolState, timeframe: string | undefined): BarSeries {
    let tf = timeframe ?? this.timeframes?.[0];
    if (tf === undefined) {
      // Without declared timeframes: the first timeframe seen in the data (or a new series).
      const first = st.series.keys().next();
      tf = first.done ? '' : first.value;
    } else if (tf !== '') tf = parseTimeframe(tf).text;
    if (this.timeframes && tf !== undefined && !this.timeframes.includes(tf)) {
      throw invalid(
        'BACKTEST_CONFIG_INVALID',
        'timeframe',
        `one of the strategy's timeframes (${this.timeframes.join(', ')})`,
        timeframe,
        'Add it to `timeframes` in the strategy.',
      );
    }
    let s = st.series.get(tf);
    if (!s) {
      s = new BarSeries(st.inst.symbol, tf, this.history);
      st.series.set(tf, s);
    }
    return s;
  }

  /**
   * Without declared timeframes the data's bars are the strategy's bars: a series asked for
   * before the first bar (in onStart) becomes the series of the first timeframe that comes.
   */
  private inputSeries(st: SymbolState, tf: string): BarSeries {
    const s = st.series.get(tf);
    if (s) return s;
    const pending = st.series.get('');
    if (pending && pending.count === 0) {
      st.series.delete('');
      pending.timeframe = tf;
      st.series.set(tf, pending);
      return pending;
    }
    return this.seriesOf(st, tf);
  }

  private makeContext(): StrategyContext<P> {
    const run = this;
    const ex = this.exchange;
    const account = 'backtest';
    // Object.assign, not `{ ...r, accountId }`: V8 (Node 20) gives every object built by a spread
    // followed by another key a hidden class of its own, so each request read downstream (every
    // check of every order) missed its inline caches; this was ~5 % of the SMA bench.
    const tag = { accountId: account };
    const send = (r: Omit<OrderRequest, 'accountId'>) => {
      if (run.holding) run.release();
      return ex.placeOrder(Object.assign({}, r, tag) as OrderRequest);
    };
    // Every other read or change of the exchange sees it fed up to now first.
    const fed = <T>(f: () => T): T => {
      if (run.holding) run.release();
      return f();
    };
    const first = (this.symbolList[0] as SymbolState).inst.symbol;
    const quick = (side: 'buy' | 'sell', quantity: number, o?: QuickOrder) => {
      if (o === undefined) {
        // No options (the usual call): the request send() would build, in one literal with the
        // same keys in the same order — no `{}` default, spread copy or Object.assign per order.
        if (run.holding) run.release();
        return ex.placeOrder({ type: 'market', symbol: first, side, quantity, accountId: account });
      }
      return send({ type: 'market', ...o, symbol: o.symbol ?? first, side, quantity });
    };
    return {
      params: this.params,
      get now() {
        return run.now;
      },
      symbols: this.symbolList.map((s) => s.inst.symbol),
      instrument: (symbol) => run.sym(symbol, 'symbol').inst,
      bars: (symbol, timeframe) => run.seriesOf(run.sym(symbol, 'symbol'), timeframe),
      indicator: <I>(indicator: I, binding: IndicatorBinding<I> = {}) => {
        if (!run.inStart) {
          throw new TradeKitError(
            'BACKTEST_STRATEGY_INVALID',
            'Expected ctx.indicator() to be called in onStart (indicators must see every bar from the first one).',
            {},
          );
        }
        const series = run.seriesOf(run.sym(binding.symbol, 'binding.symbol'), binding.timeframe);
        const update = (binding.update ?? defaultUpdate) as Binding['update'];
        if (binding.update === undefined && typeof (indicator as { update?: unknown }).update !== 'function') {
          throw invalid('BACKTEST_STRATEGY_INVALID', 'indicator', 'an object with update(x)', indicator);
        }
        const list = run.bindings.get(series) ?? [];
        list.push({ series, indicator, update });
        run.bindings.set(series, list);
        return indicator;
      },
      placeOrder: send,
      buy: (q, o) => quick('buy', q, o),
      sell: (q, o) => quick('sell', q, o),
      closePosition: (symbol) => {
        const st = run.sym(symbol, 'symbol');
        if (st.pos === 0) return undefined;
        return send({
          symbol: st.inst.symbol,
          side: st.pos > 0 ? 'sell' : 'buy',
          type: 'market',
          quantity: Math.abs(st.pos),
        });
      },
      cancelOrder: (id) => fed(() => ex.cancelOrder(id)),
      modifyOrder: (id, changes) => fed(() => ex.modifyOrder(id, changes)),
      openOrders: (symbol) =>
        fed(() => ex.getOrders({ accountId: account, open: true, ...(symbol ? { symbol } : {}) })),
      position: (symbol) => run.sym(symbol, 'symbol').pos,
      getPosition: (symbol) => {
        const sym = run.sym(symbol, 'symbol').inst.symbol;
        return fed(() => ex.getPosition(account, sym));
      },
      account: () => fed(() => ex.getAccount(account)),
      get equity() {
        return run.equityNow();
      },
    };
  }

  // ─────────────────────────── accounting ───────────────────────────

  /** Records the equity (and the first symbol's price) as of the time just finished. */
  private point(): void {
    const i = this.points;
    if (i === this.eqTs.length) this.grow();
    this.eqTs[i] = this.lastTs;
    // equityNow() written out: a double returned from a call V8 does not inline is boxed, and
    // this runs once per bar.
    let e = this.cash;
    let open = false;
    const list = this.symbolList;
    for (let k = 0; k < list.length; k++) {
      const s = list[k] as SymbolState;
      if (s.pos !== 0) {
        e += s.pos * s.mark * s.mult;
        open = true;
      }
    }
    this.eqVal[i] = open && Math.abs(e) < 9e7 ? Math.round(e * 1e8) / 1e8 : e;
    this.eqPrice[i] = (list[0] as SymbolState).mark;
    this.points = i + 1;
  }

  /** Makes room for `n` equity points at once (n known up front for in-memory data). */
  private reserve(n: number): void {
    if (n <= this.eqTs.length) return;
    this.eqTs = new Float64Array(n);
    this.eqVal = new Float64Array(n);
    this.eqPrice = new Float64Array(n);
  }

  private grow(): void {
    const n = this.eqTs.length * 2;
    const ts = new Float64Array(n);
    ts.set(this.eqTs);
    this.eqTs = ts;
    const val = new Float64Array(n);
    val.set(this.eqVal);
    this.eqVal = val;
    const price = new Float64Array(n);
    price.set(this.eqPrice);
    this.eqPrice = price;
  }

  private equityNow(): number {
    let e = this.cash;
    let open = false;
    const list = this.symbolList;
    for (let i = 0; i < list.length; i++) {
      const s = list[i] as SymbolState;
      if (s.pos !== 0) {
        e += s.pos * s.mark * s.mult;
        open = true;
      }
    }
    return open ? round8(e) : e;
  }

  /**
   * A Decimal's number and text, by identity: order-sim hands out one Decimal per price tick and
   * per fee (its caches), so fills repeat the same few objects and each is converted once.
   */
  private decimalOf(d: Fill['price']): DecimalText {
    let x = this.decimals.get(d);
    if (x === undefined) {
      if (this.decimals.size >= 8192) this.decimals.clear();
      // One conversion to text; its number is the same as toNumber()'s but for -0 (text "0").
      const text = d.toString();
      x = { num: d.isZero() ? d.toNumber() : Number(text), text };
      this.decimals.set(d, x);
    }
    return x;
  }

  private onFill(f: Fill): void {
    const st = this.symbols.get(f.symbol) as SymbolState;
    const px = this.decimalOf(f.price);
    const fx = this.decimalOf(f.fee);
    const price = px.num;
    const fee = fx.num;
    const q = f.side === 'buy' ? f.quantity : -f.quantity;
    // Rounded to 1e-8 once per fill, so cents stay cents over 100 000 fills (fills are rare; bars are not).
    this.cash = round8(this.cash - (q * price * st.mult + fee));
    this.feesPaid += fee;
    st.mark = price;
    this.fills.push({
      id: f.id,
      orderId: f.orderId,
      ts: f.ts,
      symbol: f.symbol,
      side: f.side,
      quantity: f.quantity,
      price: px.text,
      fee: fx.text,
      liquidity: f.liquidity,
    });
    this.bookTrade(st, q, price, fee, f.ts);
    st.pos += q;
    const fn = this.strategy.onFill;
    if (fn) this.call('onFill', f.symbol, fn, f);
  }

  /** Splits fills into round trips: a reduction closes (part of) the open trade, a reversal opens a new one. */
  private bookTrade(st: SymbolState, q: number, price: number, fee: number, ts: number): void {
    const bar = this.points; // the point this event's time will be recorded at
    const t = st.open;
    if (t === null || Math.sign(t.size) === Math.sign(q)) {
      if (t === null) {
        st.open = { size: q, entryTime: ts, entryBar: bar, entryPrice: price, fees: fee, mae: 0, mfe: 0 };
      } else {
        t.entryPrice = (t.entryPrice * t.size + price * q) / (t.size + q);
        t.size += q;
        t.fees += fee;
      }
      return;
    }
    const closing = Math.min(Math.abs(q), Math.abs(t.size));
    const share = closing / Math.abs(t.size);
    const entryFees = t.fees * share;
    const exitFees = fee * (closing / Math.abs(q));
    const size = Math.sign(t.size) * closing;
    const commissions = entryFees + exitFees;
    this.trades.push(this.record(st, t, size, price, ts, bar, commissions));
    t.fees -= entryFees;
    t.size -= size;
    if (t.size === 0) st.open = null;
    const rest = q + size; // what remains after closing (reversal)
    if (rest !== 0) {
      st.open = { size: rest, entryTime: ts, entryBar: bar, entryPrice: price, fees: fee - exitFees, mae: 0, mfe: 0 };
    }
  }

  private record(
    st: SymbolState,
    t: OpenTrade,
    size: number,
    exit: number,
    ts: number,
    bar: number,
    commissions: number,
  ): TradeRecord {
    const scale = Math.abs(size) / Math.abs(t.size);
    return {
      symbol: st.inst.symbol,
      size,
      entryTime: t.entryTime,
      exitTime: ts,
      entryBar: t.entryBar,
      exitBar: bar,
      entryPrice: t.entryPrice,
      exitPrice: exit,
      pnl: round8(size * (exit - t.entryPrice) * st.mult - commissions),
      returnPct: Math.sign(size) * (exit / t.entryPrice - 1) - commissions / (Math.abs(size) * t.entryPrice * st.mult),
      commissions: round8(commissions),
      mae: round8(t.mae * scale),
      mfe: round8(t.mfe * scale),
    };
  }

  /** Updates the open trade's excursions with a price range seen while it was open. */
  private excursion(st: SymbolState, high: number, low: number): void {
    const t = st.open;
    if (t === null) return;
    const a = (high - t.entryPrice) * t.size * st.mult;
    const b = (low - t.entryPrice) * t.size * st.mult;
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    if (lo < t.mae) t.mae = lo;
    if (hi > t.mfe) t.mfe = hi;
  }

  // ─────────────────────────── strategy calls ───────────────────────────

  /** Calls a strategy method with `this` = the per-run state; `arg` undefined means `(ctx)` only. */
  private call(method: string, symbol: string | undefined, fn: (...args: never[]) => void, arg?: unknown): void {
    if (this.failure) return;
    try {
      const f = fn as (this: unknown, a: unknown, b?: unknown) => void;
      if (arg === undefined) f.call(this.self, this.ctx);
      else f.call(this.self, arg, this.ctx);
    } catch (err) {
      const name = this.strategy.name ?? 'strategy';
      const at = method === 'onStart' ? 'the start (before the first event)' : microsToIso(this.now);
      const what =
        err instanceof Error ? `${isTradeKitError(err) ? `${err.code}: ` : ''}${err.message}` : describeValue(err);
      this.failure = new TradeKitError(
        'BACKTEST_STRATEGY_FAILED',
        `Strategy "${name}" threw in ${method} at ${at}${symbol ? ` (${symbol})` : ''}: ${what}. The run stopped there; error.details.result holds the report up to that event.`,
        { cause: err, details: { method, ts: this.now, time: at, symbol, strategy: name } },
      );
      throw this.failure;
    }
  }

  private deliverBar(st: SymbolState, series: BarSeries, bar: BarEvent, list: Binding[] | undefined): void {
    series.push(bar);
    this.barsSeen++;
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const b = list[i] as Binding;
        b.update(b.indicator, bar);
      }
    }
    const fn = this.strategy.onBar;
    if (fn) this.call('onBar', st.inst.symbol, fn, bar);
  }

  private deliverClosed(bars: BarEvent[]): void {
    for (let i = 0; i < bars.length; i++) {
      const b = bars[i] as BarEvent;
      const st = this.symbols.get(b.symbol);
      if (st) {
        const series = this.seriesOf(st, b.timeframe);
        this.deliverBar(st, series, b, this.bindings.get(series));
      }
    }
    bars.length = 0;
  }

  // ─────────────────────────── event loop ───────────────────────────

  private dataError(message: string, e: unknown): TradeKitError {
    return new TradeKitError('BACKTEST_DATA_INVALID', `${message} (event #${this.events + 1}: ${describeValue(e)}).`, {
      details: { index: this.events, value: e },
    });
  }

  private check(e: MarketEvent): SymbolState {
    if (!isMarketEvent(e)) throw this.dataError('Expected a market event (quote, trade, bar, book, status)', e);
    const st = this.symbols.get(e.symbol);
    if (!st) {
      throw this.dataError(
        `Expected events of the backtest's instruments (${[...this.symbols.keys()].join(', ')}), got symbol ${JSON.stringify(e.symbol)}; add it to \`instruments\``,
        e,
      );
    }
    if (!(e.ts >= this.lastTs)) {
      throw this.dataError(
        `Expected events in time order, but ts ${e.ts} comes after ${this.lastTs}; sort the data or merge the files with replay`,
        e,
      );
    }
    return st;
  }

  private step(e: MarketEvent): void {
    // In-memory data was checked whole before the run: only the symbol is looked up here.
    let st: SymbolState;
    if (!this.prechecked) st = this.check(e);
    else if (e.symbol === this.lastSymbol) st = this.lastState as SymbolState;
    else {
      st = this.symbols.get(e.symbol) as SymbolState;
      this.lastSymbol = e.symbol;
      this.lastState = st;
    }
    const ts = e.ts;
    if (ts !== this.lastTs) {
      if (this.started) this.point();
      else this.started = true;
      this.lastTs = ts;
    }
    this.now = ts;
    // Timed bars that closed before this event: the strategy sees them before anything later.
    // A bar event covers [start, ts): it moves time to its start only (it may complete a bar itself).
    if (this.aggregators.length > 0) {
      const reach = e.type === 'bar' ? e.start : ts;
      for (const a of this.aggregators) a.agg.advanceTo(reach, this.aggOut);
      if (this.aggOut.length > 0) this.deliverClosed(this.aggOut);
    }
    this.events++;
    if (e.type === 'bar' && this.idle()) {
      st.held = e;
      this.holding = true;
    } else {
      if (this.holding) this.release();
      this.exchange.onMarketEvent(e);
    }
    switch (e.type) {
      case 'bar': {
        st.mark = e.close;
        if (st.index === 0) {
          if (Number.isNaN(this.firstPrice)) this.firstPrice = e.close;
          this.lastPrice = e.close;
        }
        if (st.open !== null) this.excursion(st, e.high, e.low);
        if (this.timeframes === undefined) {
          let series = st.lastSeries;
          if (series === null || e.timeframe !== st.lastTf || series.timeframe !== e.timeframe) {
            series = this.inputSeries(st, e.timeframe);
            st.lastTf = e.timeframe;
            st.lastSeries = series;
            st.lastBindings = this.bindings.get(series);
          }
          this.deliverBar(st, series, e, st.lastBindings);
        } else if (this.timeframes.includes(e.timeframe)) {
          const series = this.seriesOf(st, e.timeframe);
          this.deliverBar(st, series, e, this.bindings.get(series));
        }
        break;
      }
      case 'trade': {
        st.mark = e.price;
        if (st.index === 0) {
          if (Number.isNaN(this.firstPrice)) this.firstPrice = e.price;
          this.lastPrice = e.price;
        }
        if (st.open !== null) this.excursion(st, e.price, e.price);
        const fn = this.strategy.onTrade;
        if (fn) this.call('onTrade', e.symbol, fn, e);
        break;
      }
      case 'quote': {
        if (Number.isFinite(e.bid) && Number.isFinite(e.ask)) {
          const mid = (e.bid + e.ask) / 2;
          st.mark = st.pos > 0 ? e.bid : st.pos < 0 ? e.ask : mid;
          if (st.open !== null) this.excursion(st, st.mark, st.mark);
        }
        const fn = this.strategy.onQuote;
        if (fn) this.call('onQuote', e.symbol, fn, e);
        break;
      }
      default:
        break;
    }
    // Bars this event completed (a smaller bar ending at a larger bar's close).
    if (this.aggregators.length > 0) {
      for (const a of this.aggregators) {
        if (e.type === 'bar' && e.timeframe === a.tf) continue;
        a.agg.push(e, this.aggOut);
      }
      if (this.aggOut.length > 0) this.deliverClosed(this.aggOut);
    }
    if (this.onProgress !== undefined && this.events % this.progressEvery === 0) {
      this.onProgress(this.events);
    }
  }

  /**
   * True when the exchange has nothing to do: no order open (pending, inactive or working) and no
   * timer pending on its clock. A bar then changes nothing there but the symbol's last price (and
   * the print cap of the bar's volume), which the next bar overwrites; so bars are held back, one
   * per symbol, and {@link release} feeds the latest ones just before anything reads or changes
   * the exchange. The parity tests compare this fill for fill and read for read with an exchange
   * fed every bar.
   */
  private idle(): boolean {
    return this.exchange.openOrderCount === 0 && this.clock.pending === 0;
  }

  /** Feeds the bars held back (the latest per symbol) to the exchange. */
  private release(): void {
    this.holding = false;
    const list = this.symbolList;
    for (let i = 0; i < list.length; i++) {
      const st = list[i] as SymbolState;
      const b = st.held;
      if (b !== null) {
        st.held = null;
        this.exchange.onMarketEvent(b);
      }
    }
  }

  async execute(): Promise<BacktestResult> {
    const data = this.data;
    // In-memory arrays are checked whole before the first event reaches the strategy.
    if (Array.isArray(data)) {
      let last = Number.NEGATIVE_INFINITY;
      let times = 0;
      let known: string | undefined;
      for (let i = 0; i < data.length; i++) {
        const e = data[i] as MarketEvent;
        if (!isMarketEvent(e) || !(e.symbol === known || this.symbols.has(e.symbol)) || !(e.ts >= last)) {
          this.events = i;
          this.lastTs = last;
          this.check(e);
        }
        if (e.ts !== last) times++;
        last = e.ts;
        known = e.symbol;
      }
      // One equity point per distinct time: sized once, the curve is neither grown nor copied.
      this.reserve(times);
      this.lastTs = Number.NEGATIVE_INFINITY;
      this.events = 0;
      if (data.length === 0) throw noData();
      this.prechecked = true;
    }
    try {
      this.inStart = true;
      const start = this.strategy.onStart;
      if (start) this.call('onStart', undefined, start);
      this.inStart = false;
      if (Array.isArray(data)) {
        for (let i = 0; i < data.length; i++) this.step(data[i] as MarketEvent);
      } else if (typeof (data as { batches?: unknown }).batches === 'function') {
        for await (const batch of (data as { batches(): AsyncIterable<readonly MarketEvent[]> }).batches()) {
          for (let i = 0; i < batch.length; i++) this.step(batch[i] as MarketEvent);
        }
      } else if (Symbol.iterator in (data as object)) {
        for (const e of data as Iterable<MarketEvent>) this.step(e);
      } else {
        for await (const e of data as AsyncIterable<MarketEvent>) this.step(e);
      }
      if (this.events === 0) {
        throw noData();
      }
      this.now = this.lastTs;
      const end = this.strategy.onEnd;
      if (end) this.call('onEnd', undefined, end);
    } catch (err) {
      if (this.failure && err === this.failure) {
        const result = this.finish();
        result.error = {
          code: this.failure.code,
          message: this.failure.message,
          method: this.failure.details.method as string,
          ts: this.now,
        };
        this.failure.details.result = result;
        throw this.failure;
      }
      throw err;
    }
    return this.finish();
  }

  private accountNow(): AccountSnapshot {
    if (this.holding) this.release();
    return this.exchange.getAccount('backtest');
  }

  private finish(): BacktestResult {
    if (this.started) this.point();
    else {
      // Stopped before the first event (onStart threw): one point at the starting cash.
      this.lastTs = 0;
      this.point();
    }
    const n = this.points;
    // Exactly full (the usual case for in-memory data): handed over as they are.
    const whole = n === this.eqTs.length;
    const ts = whole ? this.eqTs : this.eqTs.slice(0, n);
    const eq = whole ? this.eqVal : this.eqVal.slice(0, n);
    const price = whole ? this.eqPrice : this.eqPrice.slice(0, n);
    const buyHold =
      Number.isFinite(this.firstPrice) && Number.isFinite(this.lastPrice)
        ? { first: this.firstPrice, last: this.lastPrice }
        : undefined;
    const metrics = computeMetrics({
      ts,
      equity: eq,
      trades: this.trades,
      feesPaid: this.feesPaid,
      ...(buyHold ? { buyHold } : {}),
    });
    const openTrades: TradeRecord[] = [];
    const lastBar = n - 1;
    for (const st of this.symbolList) {
      const t = st.open;
      if (t) openTrades.push(this.record(st, t, t.size, st.mark, this.lastTs, lastBar, t.fees));
    }
    const result: BacktestResult = {
      strategy: this.strategy.name ?? 'strategy',
      params: { ...this.params },
      symbols: this.symbolList.map((s) => s.inst.symbol),
      events: this.events,
      bars: this.barsSeen,
      metrics,
      trades: this.trades,
      openTrades,
      fills: this.fills,
      equity: { ts, equity: eq, price },
      account: this.accountNow(),
    };
    if (buyHold) result.buyHold = buyHold;
    return result;
  }
}

/** Orders a strategy placed, for tests and reports. */
export type { Order };
