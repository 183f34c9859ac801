/**
 * A strategy written against the backtest API, run as a live client of a ProjectX gateway: orders
 * over REST, order / trade / position / account events from the user hub, quotes and trades from
 * the market hub (`@microsoft/signalr`, the client users run), closed bars from `History/retrieveBars`.
 * It only ever talks to the venue over the network; a driver tells it when the venue has moved
 * (`sync`), and it acts on what it received by then.
 */
import {
  HttpTransportType,
  type HubConnection,
  HubConnectionBuilder,
  HubConnectionState,
  LogLevel,
} from '@microsoft/signalr';
import { BarSeries, type IndicatorBinding, type Params, type Strategy, type StrategyContext } from '@tradekit/backtest';
import {
  type AccountSnapshot,
  type BarEvent,
  Decimal,
  type Fill,
  type Instrument,
  type Order,
  type OrderRequest,
  type OrderStatus,
  type Position,
  TradeKitError,
  type TradeEvent,
  describeValue,
  isoToMicros,
  parseTimeframe,
} from '@tradekit/types';
import { PARITY_FAILED, PARITY_UNSUPPORTED } from '../errors.js';
import { gatewayTime } from '../projectx/payloads.js';

/** Where the live client connects and what it trades. */
export interface LiveClientOptions {
  /** REST base, e.g. `http://127.0.0.1:5000` (routes under `/api`). */
  baseUrl: string;
  userHubUrl: string;
  marketHubUrl: string;
  userName: string;
  apiKey: string;
  accountId: number;
  /** Instruments with their contract ids. */
  instruments: ReadonlyArray<{ instrument: Instrument; contractId: string }>;
  /** Bar timeframes to poll, in delivery order (the strategy's, or the data's). */
  timeframes: readonly string[];
  /** Negotiate before the WebSocket (`true`) or connect straight to it like the official samples. @default false */
  negotiate?: boolean;
  /** Timeout of every network wait, ms. @default 10000 */
  timeoutMs?: number;
}

interface SymbolState {
  inst: Instrument;
  contractId: string;
  pos: number;
  avg: number;
  realized: Decimal;
  fees: Decimal;
  mark: number;
  series: Map<string, BarSeries>;
}

interface Poll {
  st: SymbolState;
  tf: string;
  micros: number;
  unit: number;
  unitNumber: number;
  series: BarSeries;
  /** Start of the last bar delivered (µs), or -∞. */
  last: number;
  /** Poll once the venue clock reaches this (the end of the bar after the last one delivered). */
  due: number;
}

interface Binding {
  indicator: unknown;
  update: (indicator: unknown, bar: BarEvent) => void;
}

type Action = () => Promise<void>;

const STATUS: Record<number, OrderStatus> = {
  1: 'new',
  2: 'filled',
  3: 'canceled',
  4: 'expired',
  5: 'rejected',
  6: 'pending_new',
  7: 'pending_cancel',
  8: 'inactive',
};
const TYPE: Record<number, Order['type']> = {
  1: 'limit',
  2: 'market',
  3: 'stop_limit',
  4: 'stop',
  5: 'trailing_stop',
  6: 'limit',
  7: 'limit',
};
const TERMINAL = new Set<OrderStatus>(['filled', 'canceled', 'expired', 'rejected']);

/** Gateway units for a time timeframe: seconds, minutes, hours, days. */
function unitOf(tf: string): { micros: number; unit: number; unitNumber: number } {
  const t = parseTimeframe(tf);
  if (t.kind !== 'time')
    throw new TradeKitError(
      PARITY_UNSUPPORTED,
      `Expected time bars for the live client (the gateway serves bars by time), got timeframe "${tf}".`,
    );
  const s = t.micros / 1_000_000;
  for (const [unit, size] of [
    [4, 86_400],
    [3, 3600],
    [2, 60],
    [1, 1],
  ] as const) {
    if (Number.isInteger(s / size) && s >= size) return { micros: t.micros, unit, unitNumber: s / size };
  }
  throw new TradeKitError(PARITY_UNSUPPORTED, `Expected a timeframe of whole seconds for gateway bars, got "${tf}".`);
}

const defaultUpdate = (ind: unknown, bar: BarEvent) => (ind as { update(x: number): unknown }).update(bar.close);

/** Runs a backtest-API strategy against a ProjectX venue as a network client. */
export class LiveStrategyClient<P extends Params = Params> {
  /** REST requests sent. */
  requests = 0;
  /** Hub events received, by name. */
  readonly received: Record<string, number> = {};
  /** Fills received on the user hub, in arrival order. */
  readonly fills: Fill[] = [];
  private token = '';
  private tokenExp = Number.POSITIVE_INFINITY;
  private user: HubConnection | undefined;
  private market: HubConnection | undefined;
  private readonly userQueue: Array<{ name: string; data: Record<string, unknown> }> = [];
  private readonly marketQueue: Array<{ name: string; contractId: string; data: unknown }> = [];
  private readonly symbols = new Map<string, SymbolState>();
  private readonly byContract = new Map<string, SymbolState>();
  private readonly symbolList: SymbolState[] = [];
  private readonly polls: Poll[] = [];
  private readonly bindings = new Map<BarSeries, Binding[]>();
  private readonly orders = new Map<string, Order>();
  private readonly localOf = new Map<number, string>();
  private readonly gatewayOf = new Map<string, number>();
  private readonly byTag = new Map<string, string>();
  private readonly actions: Action[] = [];
  private nextLocal = 1;
  private now = 0;
  private inStart = false;
  private balance: Decimal;
  private readonly cash: Decimal;
  private readonly ctx: StrategyContext<P>;
  private readonly self: Strategy<P>;
  private readonly timeoutMs: number;
  private readonly history: number;

  /** A client for `strategy` with resolved `params`, connecting where `opts` says, starting with `cash`. */
  constructor(
    private readonly strategy: Strategy<P>,
    private readonly params: Readonly<P>,
    private readonly opts: LiveClientOptions,
    cash: number | string,
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.history = strategy.history ?? 512;
    this.cash = new Decimal(cash);
    this.balance = this.cash;
    for (const { instrument, contractId } of opts.instruments) {
      const st: SymbolState = {
        inst: instrument,
        contractId,
        pos: 0,
        avg: 0,
        realized: new Decimal(0),
        fees: new Decimal(0),
        mark: Number.NaN,
        series: new Map(),
      };
      this.symbols.set(instrument.symbol, st);
      this.byContract.set(contractId.toUpperCase(), st);
      this.symbolList.push(st);
    }
    for (const st of this.symbolList) {
      for (const tf of opts.timeframes) {
        const u = unitOf(tf);
        const series = new BarSeries(st.inst.symbol, tf, this.history);
        st.series.set(tf, series);
        this.polls.push({ st, tf, ...u, series, last: Number.NEGATIVE_INFINITY, due: Number.NEGATIVE_INFINITY });
      }
    }
    this.self = Object.create(strategy) as Strategy<P>;
    this.ctx = this.makeContext();
  }

  // ───────────────────────── network ─────────────────────────

  private async rest(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.requests++;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(`${this.opts.baseUrl}/api/${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: JSON.stringify(body),
        signal: ctl.signal,
      });
    } catch (err) {
      throw new TradeKitError(
        PARITY_FAILED,
        `The live client's request ${path} failed: ${(err as Error).message} (timeout ${this.timeoutMs} ms).`,
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
    }
    const text = await res.text();
    if (res.status !== 200) {
      throw new TradeKitError(
        PARITY_FAILED,
        `The venue answered ${path} with HTTP ${res.status}: ${text.slice(0, 300)}${res.status === 429 ? ' (rate limited: pass live.projectx.rateLimit = false, or fewer requests per minute)' : ''}.`,
        { details: { status: res.status } },
      );
    }
    return JSON.parse(text) as Record<string, unknown>;
  }

  private hub(url: string, onEvent: (conn: HubConnection) => void): HubConnection {
    const conn = new HubConnectionBuilder()
      .withUrl(`${url}?access_token=${encodeURIComponent(this.token)}`, {
        skipNegotiation: !this.opts.negotiate,
        transport: HttpTransportType.WebSockets,
        accessTokenFactory: () => this.token,
        timeout: this.timeoutMs,
      })
      .configureLogging(LogLevel.None)
      .build();
    conn.serverTimeoutInMilliseconds = 600_000;
    onEvent(conn);
    return conn;
  }

  private within<T>(p: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new TradeKitError(PARITY_FAILED, `Timed out after ${this.timeoutMs} ms waiting for ${what}.`)),
        this.timeoutMs,
      );
      p.then(
        (v) => {
          clearTimeout(t);
          resolve(v);
        },
        (err) => {
          clearTimeout(t);
          reject(
            new TradeKitError(PARITY_FAILED, `The live client failed ${what}: ${(err as Error)?.message ?? err}`, {
              cause: err,
            }),
          );
        },
      );
    });
  }

  private readExp(): void {
    try {
      const claims = JSON.parse(Buffer.from(this.token.split('.')[1] ?? '', 'base64url').toString()) as {
        exp?: number;
      };
      this.tokenExp = typeof claims.exp === 'number' ? claims.exp * 1_000_000 : Number.POSITIVE_INFINITY;
    } catch {
      this.tokenExp = Number.POSITIVE_INFINITY;
    }
  }

  /** Logs in, connects both hubs and subscribes, as a gateway client does at start. */
  async connect(): Promise<void> {
    const r = await this.rest('Auth/loginKey', { userName: this.opts.userName, apiKey: this.opts.apiKey });
    if (r.success !== true || typeof r.token !== 'string')
      throw new TradeKitError(PARITY_FAILED, `The venue refused the live client's login: ${JSON.stringify(r)}.`);
    this.token = r.token;
    this.readExp();
    await this.connectHubs();
  }

  private async connectHubs(): Promise<void> {
    const user = this.hub(this.opts.userHubUrl, (c) => {
      for (const name of ['GatewayUserOrder', 'GatewayUserTrade', 'GatewayUserPosition', 'GatewayUserAccount']) {
        c.on(name, (data: Record<string, unknown>) => {
          this.received[name] = (this.received[name] ?? 0) + 1;
          this.userQueue.push({ name, data });
        });
      }
    });
    const market = this.hub(this.opts.marketHubUrl, (c) => {
      for (const name of ['GatewayQuote', 'GatewayTrade']) {
        c.on(name, (contractId: string, data: unknown) => {
          this.received[name] = (this.received[name] ?? 0) + 1;
          this.marketQueue.push({ name, contractId, data });
        });
      }
    });
    this.user = user;
    this.market = market;
    await this.within(Promise.all([user.start(), market.start()]), 'the hub connections');
    const acct = this.opts.accountId;
    await this.within(
      Promise.all([
        user.invoke('SubscribeAccounts'),
        user.invoke('SubscribeOrders', acct),
        user.invoke('SubscribePositions', acct),
        user.invoke('SubscribeTrades', acct),
        ...this.symbolList.flatMap((st) => [
          market.invoke('SubscribeContractQuotes', st.contractId),
          ...(this.strategy.onTrade ? [market.invoke('SubscribeContractTrades', st.contractId)] : []),
        ]),
      ]),
      'the hub subscriptions',
    );
  }

  /**
   * Before the token expires on the venue clock: `Auth/validate` for a new one, and new hub
   * connections with it (the venue ends a hub connection when its token expires).
   */
  async refreshToken(venueNow: number, horizon: number): Promise<void> {
    if (venueNow + horizon < this.tokenExp - 3_600_000_000) return;
    await this.barrier();
    this.drainQueues();
    const r = await this.rest('Auth/validate', {});
    if (r.success !== true || typeof r.newToken !== 'string')
      throw new TradeKitError(PARITY_FAILED, `Auth/validate failed: ${JSON.stringify(r)}.`);
    this.token = r.newToken;
    this.readExp();
    await Promise.all([this.user?.stop(), this.market?.stop()]);
    await this.connectHubs();
  }

  /** Both hubs have delivered everything the venue pushed before this call (an invocation completes after them). */
  private async barrier(): Promise<void> {
    const user = this.user as HubConnection;
    const market = this.market as HubConnection;
    if (user.state !== HubConnectionState.Connected || market.state !== HubConnectionState.Connected)
      throw new TradeKitError(
        PARITY_FAILED,
        `A hub connection was lost (user ${user.state}, market ${market.state}); events may be missing, so the run stops.`,
      );
    const first = (this.symbolList[0] as SymbolState).contractId;
    // Idempotent calls with no side effect: their completions come after every earlier push.
    await this.within(
      Promise.all([user.invoke('SubscribeAccounts'), market.invoke('UnsubscribeContractMarketDepth', first)]),
      'the hubs to catch up',
    );
  }

  /** Ends the hub connections. */
  async close(): Promise<void> {
    await Promise.allSettled([this.user?.stop(), this.market?.stop()]);
  }

  // ───────────────────────── the strategy ─────────────────────────

  private call(method: string, fn: ((...a: never[]) => void) | undefined, arg?: unknown): void {
    if (!fn) return;
    const f = fn as (this: unknown, a: unknown, b?: unknown) => void;
    try {
      if (arg === undefined) f.call(this.self, this.ctx);
      else f.call(this.self, arg, this.ctx);
    } catch (err) {
      const name = this.strategy.name ?? 'strategy';
      throw new TradeKitError(
        'BACKTEST_STRATEGY_FAILED',
        `Strategy "${name}" threw in ${method} at ${gatewayTime(this.now)} in the live run: ${(err as Error)?.message ?? describeValue(err)}.`,
        { cause: err, details: { method, ts: this.now } },
      );
    }
  }

  /** Runs the queued REST calls of the strategy, in order. */
  private async flush(): Promise<boolean> {
    if (this.actions.length === 0) return false;
    while (this.actions.length > 0) await (this.actions.shift() as Action)();
    return true;
  }

  /** `onStart` (and the orders it sends). */
  async start(now: number): Promise<void> {
    this.now = now;
    this.inStart = true;
    this.call('onStart', this.strategy.onStart);
    this.inStart = false;
    await this.settle();
  }

  /** `onEnd` at the time of the last event, then the orders it sends. */
  async end(now: number): Promise<void> {
    await this.sync(now);
    this.call('onEnd', this.strategy.onEnd);
    await this.settle();
  }

  /** Sends what the strategy queued; while that changes anything, catches up with the hubs and reacts. */
  private async settle(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      if (!(await this.flush())) return;
      await this.barrier();
      this.drainUser();
    }
    throw new TradeKitError(
      PARITY_FAILED,
      'The strategy kept sending orders from its order and fill callbacks (1000 rounds).',
    );
  }

  /**
   * The venue moved to `now`: take in every event pushed so far (user events, then market
   * events), poll the bars that closed, and let the strategy act, as a live client would.
   */
  async sync(now: number): Promise<void> {
    this.now = now;
    await this.barrier();
    this.drainUser();
    await this.settle();
    this.drainMarket();
    await this.settle();
    for (const p of this.polls) {
      if (now < p.due) continue;
      const bars = await this.fetchBars(p, now);
      for (const b of bars) {
        this.deliverBar(p, b);
        await this.settle();
      }
      // Next poll at the end of the bar after the last one delivered; while that bar has not come
      // (another symbol's event came first at the same time, or a gap), poll at every step.
      if (bars.length > 0) p.due = p.last + 2 * p.micros;
    }
  }

  private drainQueues(): void {
    this.drainUser();
    this.drainMarket();
  }

  private async fetchBars(p: Poll, now: number): Promise<BarEvent[]> {
    const from = Number.isFinite(p.last) ? p.last + p.micros : now - 1000 * p.micros;
    const r = await this.rest('History/retrieveBars', {
      contractId: p.st.contractId,
      live: false,
      startTime: gatewayTime(Math.max(0, from)),
      endTime: gatewayTime(now + 1),
      unit: p.unit,
      unitNumber: p.unitNumber,
      limit: 20_000,
      includePartialBar: false,
    });
    if (r.success !== true)
      throw new TradeKitError(PARITY_FAILED, `History/retrieveBars failed: ${JSON.stringify(r).slice(0, 300)}.`);
    const list = (r.bars as Array<{ t: string; o: number; h: number; l: number; c: number; v: number }>) ?? [];
    const out: BarEvent[] = [];
    for (let i = list.length - 1; i >= 0; i--) {
      const b = list[i] as { t: string; o: number; h: number; l: number; c: number; v: number };
      const start = isoToMicros(b.t);
      if (start <= p.last) continue;
      p.last = start;
      out.push({
        type: 'bar',
        symbol: p.st.inst.symbol,
        ts: start + p.micros,
        start,
        timeframe: p.tf,
        open: b.o,
        high: b.h,
        low: b.l,
        close: b.c,
        volume: b.v,
      });
    }
    return out;
  }

  private deliverBar(p: Poll, bar: BarEvent): void {
    p.series.push(bar);
    p.st.mark = bar.close;
    const list = this.bindings.get(p.series);
    if (list) for (const b of list) b.update(b.indicator, bar);
    this.call('onBar', this.strategy.onBar, bar);
  }

  private drainUser(): void {
    while (this.userQueue.length > 0) {
      const { name, data } = this.userQueue.shift() as { name: string; data: Record<string, unknown> };
      switch (name) {
        case 'GatewayUserOrder': {
          const o = this.orderFrom(data);
          if (o) this.call('onOrderUpdate', this.strategy.onOrderUpdate, o);
          break;
        }
        case 'GatewayUserTrade': {
          const f = this.fillFrom(data);
          if (f) {
            this.fills.push(f);
            this.call('onFill', this.strategy.onFill, f);
          }
          break;
        }
        case 'GatewayUserPosition': {
          const st = this.byContract.get(String(data.contractId).toUpperCase());
          if (st) {
            const size = Number(data.size);
            st.pos = size === 0 ? 0 : data.type === 2 ? -size : size;
            st.avg = Number(data.averagePrice) || 0;
          }
          break;
        }
        case 'GatewayUserAccount':
          if (data.id === this.opts.accountId && typeof data.balance === 'number')
            this.balance = new Decimal(data.balance);
          break;
      }
    }
  }

  private drainMarket(): void {
    while (this.marketQueue.length > 0) {
      const { name, contractId, data } = this.marketQueue.shift() as {
        name: string;
        contractId: string;
        data: unknown;
      };
      const st = this.byContract.get(contractId.toUpperCase());
      if (!st) continue;
      if (name === 'GatewayQuote') {
        const q = data as { lastPrice?: number | null };
        if (typeof q.lastPrice === 'number') st.mark = q.lastPrice;
        continue;
      }
      const list = (Array.isArray(data) ? data : [data]) as Array<{
        price: number;
        volume: number;
        type: number;
        timestamp: string;
      }>;
      for (const t of list) {
        st.mark = t.price;
        const e: TradeEvent = {
          type: 'trade',
          symbol: st.inst.symbol,
          ts: isoToMicros(t.timestamp),
          price: t.price,
          size: t.volume,
          side: t.type === 1 ? 'sell' : 'buy',
        };
        this.call('onTrade', this.strategy.onTrade, e);
      }
    }
  }

  private orderFrom(d: Record<string, unknown>): Order | undefined {
    const gid = Number(d.id);
    let id = this.localOf.get(gid);
    const tag = typeof d.customTag === 'string' ? d.customTag : null;
    if (id === undefined && tag !== null) id = this.byTag.get(tag);
    if (id === undefined) id = `G${gid}`;
    this.localOf.set(gid, id);
    this.gatewayOf.set(id, gid);
    const st = this.byContract.get(String(d.contractId).toUpperCase());
    if (!st) return undefined;
    const status0 = STATUS[Number(d.status)] ?? 'new';
    const filled = Number(d.fillVolume) || 0;
    const status: OrderStatus = status0 === 'new' && filled > 0 ? 'partially_filled' : status0;
    const parent = typeof d.parentOrderId === 'number' ? this.localOf.get(d.parentOrderId) : undefined;
    const prev = this.orders.get(id);
    const quantity = Number(d.size);
    const o: Order = {
      id,
      clientOrderId: tag ?? id,
      accountId: String(d.accountId),
      symbol: st.inst.symbol,
      side: d.side === 1 ? 'sell' : 'buy',
      type: TYPE[Number(d.type)] ?? 'market',
      timeInForce: 'GTC',
      quantity,
      filledQuantity: filled,
      remainingQuantity: TERMINAL.has(status) ? 0 : quantity - filled,
      ...(typeof d.limitPrice === 'number' ? { price: d.limitPrice } : {}),
      ...(typeof d.stopPrice === 'number' ? { stopPrice: d.stopPrice } : {}),
      stopTrigger: 'last',
      triggered: false,
      postOnly: false,
      reduceOnly: false,
      status,
      avgFillPrice: typeof d.filledPrice === 'number' ? new Decimal(d.filledPrice) : null,
      ...(parent !== undefined ? { parentId: parent } : {}),
      createdAt: prev?.createdAt ?? isoToMicros(String(d.creationTimestamp)),
      updatedAt: isoToMicros(String(d.updateTimestamp)),
    };
    this.orders.set(id, o);
    return o;
  }

  private fillFrom(d: Record<string, unknown>): Fill | undefined {
    const st = this.byContract.get(String(d.contractId).toUpperCase());
    if (!st) return undefined;
    const gid = Number(d.orderId);
    const orderId = this.localOf.get(gid) ?? `G${gid}`;
    const side = d.side === 1 ? 'sell' : 'buy';
    const qty = Number(d.size);
    const price = new Decimal(d.price as number);
    const fee = new Decimal((d.fees as number) ?? 0);
    // Keep a local position between position events (the strategy may read it in onFill).
    const signed = side === 'buy' ? qty : -qty;
    const p = price.toNumber();
    if (st.pos === 0 || Math.sign(st.pos) === Math.sign(signed)) {
      st.avg = (st.avg * Math.abs(st.pos) + p * qty) / (Math.abs(st.pos) + qty);
    } else if (Math.abs(signed) > Math.abs(st.pos)) st.avg = p;
    st.pos += signed;
    if (st.pos === 0) st.avg = 0;
    if (typeof d.profitAndLoss === 'number') st.realized = st.realized.plus(d.profitAndLoss);
    st.fees = st.fees.plus(fee);
    st.mark = p;
    return {
      id: `t${String(d.id)}`,
      orderId,
      clientOrderId: this.orders.get(orderId)?.clientOrderId ?? orderId,
      accountId: String(d.accountId),
      symbol: st.inst.symbol,
      side,
      price,
      quantity: qty,
      fee,
      liquidity: 'taker',
      ts: isoToMicros(String(d.creationTimestamp)),
    };
  }

  // ───────────────────────── the context ─────────────────────────

  private sym(symbol: string | undefined): SymbolState {
    if (symbol === undefined) return this.symbolList[0] as SymbolState;
    const s = this.symbols.get(symbol);
    if (!s)
      throw new TradeKitError(
        'BACKTEST_CONFIG_INVALID',
        `Expected symbol to be one of ${[...this.symbols.keys()].join(', ')}, got ${describeValue(symbol)}.`,
      );
    return s;
  }

  private seriesOf(st: SymbolState, timeframe: string | undefined): BarSeries {
    const tf = timeframe ?? this.opts.timeframes[0];
    const s = tf === undefined ? undefined : st.series.get(tf);
    if (!s)
      throw new TradeKitError(
        'BACKTEST_CONFIG_INVALID',
        `Expected timeframe to be one of ${this.opts.timeframes.join(', ') || '(none: the data has no bars)'}, got ${describeValue(timeframe)}.`,
      );
    return s;
  }

  /** The gateway Order/place body of a request, or an error for what the gateway cannot express. */
  private placeBody(r: Omit<OrderRequest, 'accountId'>, tag: string): Record<string, unknown> {
    const st = this.sym(r.symbol);
    const unsupported = (what: string) =>
      new TradeKitError(
        PARITY_UNSUPPORTED,
        `The ProjectX gateway cannot express ${what}; the live run cannot send this order (${JSON.stringify(r)}).`,
      );
    if (r.timeInForce !== undefined && r.timeInForce !== 'GTC') throw unsupported(`timeInForce ${r.timeInForce}`);
    if (r.postOnly) throw unsupported('postOnly');
    if (r.reduceOnly) throw unsupported('reduceOnly');
    if (r.ocoGroup !== undefined) throw unsupported('OCO groups');
    if (r.expireAt !== undefined) throw unsupported('expireAt');
    if (r.stopTrigger !== undefined && r.stopTrigger !== 'last') throw unsupported(`stopTrigger ${r.stopTrigger}`);
    const body: Record<string, unknown> = {
      accountId: this.opts.accountId,
      contractId: st.contractId,
      side: r.side === 'buy' ? 0 : 1,
      size: r.quantity,
      customTag: tag,
    };
    switch (r.type) {
      case 'market':
        body.type = 2;
        break;
      case 'limit':
        Object.assign(body, { type: 1, limitPrice: r.price });
        break;
      case 'stop':
        Object.assign(body, { type: 4, stopPrice: r.stopPrice });
        break;
      case 'stop_limit':
        Object.assign(body, { type: 3, limitPrice: r.price, stopPrice: r.stopPrice });
        break;
      default:
        throw unsupported(`${r.type} orders through this client`);
    }
    if (r.bracket) {
      const leg = (x: unknown, type: number, name: string) => {
        if (x === undefined) return undefined;
        if (typeof x === 'object' && x !== null && 'ticks' in x) return { ticks: (x as { ticks: number }).ticks, type };
        throw unsupported(`a ${name} as a price (brackets are { ticks, type })`);
      };
      const sl = leg(r.bracket.stopLoss, 4, 'stop-loss');
      const tp = leg(r.bracket.takeProfit, 1, 'take-profit');
      if (sl) body.stopLossBracket = sl;
      if (tp) body.takeProfitBracket = tp;
    }
    return body;
  }

  private send(r: Omit<OrderRequest, 'accountId'>): Order {
    const id = `L${this.nextLocal++}`;
    const tag = `parity-${id}`;
    const body = this.placeBody(r, tag);
    this.byTag.set(tag, id);
    const o: Order = {
      id,
      clientOrderId: tag,
      accountId: String(this.opts.accountId),
      symbol: r.symbol,
      side: r.side,
      type: r.type,
      timeInForce: 'GTC',
      quantity: r.quantity,
      filledQuantity: 0,
      remainingQuantity: r.quantity,
      ...(r.price !== undefined ? { price: r.price } : {}),
      ...(r.stopPrice !== undefined ? { stopPrice: r.stopPrice } : {}),
      stopTrigger: 'last',
      triggered: false,
      postOnly: false,
      reduceOnly: false,
      status: 'pending_new',
      avgFillPrice: null,
      createdAt: this.now,
      updatedAt: this.now,
    };
    this.orders.set(id, o);
    this.actions.push(async () => {
      const res = await this.rest('Order/place', body);
      if (typeof res.orderId === 'number') {
        this.localOf.set(res.orderId, id);
        this.gatewayOf.set(id, res.orderId);
      }
      if (res.success !== true && res.orderId == null) {
        // Refused before it reached the exchange: no order event will come.
        const cur = this.orders.get(id) as Order;
        const rejected: Order = {
          ...cur,
          status: 'rejected',
          remainingQuantity: 0,
          rejectMessage: String(res.errorMessage),
        };
        this.orders.set(id, rejected);
        this.call('onOrderUpdate', this.strategy.onOrderUpdate, rejected);
      }
    });
    return o;
  }

  private makeContext(): StrategyContext<P> {
    const run = this;
    const quick = (side: 'buy' | 'sell', quantity: number, o: Record<string, unknown> = {}) =>
      run.send({
        type: 'market',
        ...o,
        symbol: (o.symbol as string | undefined) ?? (run.symbolList[0] as SymbolState).inst.symbol,
        side,
        quantity,
      } as Omit<OrderRequest, 'accountId'>);
    const position = (st: SymbolState): Position => ({
      accountId: String(run.opts.accountId),
      symbol: st.inst.symbol,
      quantity: st.pos,
      avgPrice: new Decimal(st.avg),
      realizedPnl: st.realized,
      unrealizedPnl:
        st.pos === 0 || !Number.isFinite(st.mark)
          ? new Decimal(0)
          : new Decimal(st.mark).minus(st.avg).times(st.pos).times(st.inst.multiplier),
      fees: st.fees,
      ...(Number.isFinite(st.mark) ? { markPrice: st.mark } : {}),
    });
    return {
      params: this.params,
      get now() {
        return run.now;
      },
      symbols: this.symbolList.map((s) => s.inst.symbol),
      instrument: (symbol) => run.sym(symbol).inst,
      bars: (symbol, timeframe) => run.seriesOf(run.sym(symbol), timeframe),
      indicator: <I>(indicator: I, binding: IndicatorBinding<I> = {}) => {
        if (!run.inStart)
          throw new TradeKitError(
            'BACKTEST_STRATEGY_INVALID',
            'Expected ctx.indicator() to be called in onStart (indicators must see every bar from the first one).',
          );
        const series = run.seriesOf(run.sym(binding.symbol), binding.timeframe);
        const list = run.bindings.get(series) ?? [];
        list.push({ indicator, update: (binding.update ?? defaultUpdate) as Binding['update'] });
        run.bindings.set(series, list);
        return indicator;
      },
      placeOrder: (r) => run.send(r),
      buy: (q, o) => quick('buy', q, o as Record<string, unknown>),
      sell: (q, o) => quick('sell', q, o as Record<string, unknown>),
      closePosition: (symbol) => {
        const st = run.sym(symbol);
        if (st.pos === 0) return undefined;
        return run.send({
          symbol: st.inst.symbol,
          side: st.pos > 0 ? 'sell' : 'buy',
          type: 'market',
          quantity: Math.abs(st.pos),
        });
      },
      cancelOrder: (id) => {
        const o = run.orders.get(id);
        if (!o || TERMINAL.has(o.status)) return false;
        run.actions.push(async () => {
          const gid = run.gatewayOf.get(id);
          if (gid !== undefined) await run.rest('Order/cancel', { accountId: run.opts.accountId, orderId: gid });
        });
        return true;
      },
      modifyOrder: (id, changes) => {
        const o = run.orders.get(id);
        if (!o) throw new TradeKitError('ORDER_NOT_FOUND', `Expected a known order id, got ${describeValue(id)}.`);
        const c = changes as { quantity?: number; price?: number; stopPrice?: number };
        run.actions.push(async () => {
          const gid = run.gatewayOf.get(id);
          if (gid === undefined) return;
          await run.rest('Order/modify', {
            accountId: run.opts.accountId,
            orderId: gid,
            ...(c.quantity !== undefined ? { size: c.quantity } : {}),
            ...(c.price !== undefined ? { limitPrice: c.price } : {}),
            ...(c.stopPrice !== undefined ? { stopPrice: c.stopPrice } : {}),
          });
        });
        return { ...o, ...(c.quantity !== undefined ? { quantity: c.quantity } : {}) };
      },
      openOrders: (symbol) =>
        [...run.orders.values()].filter(
          (o) => !TERMINAL.has(o.status) && (symbol === undefined || o.symbol === symbol),
        ),
      position: (symbol) => run.sym(symbol).pos,
      getPosition: (symbol) => position(run.sym(symbol)),
      account: (): AccountSnapshot => {
        const positions = run.symbolList.map(position);
        const unrealized = positions.reduce((a, p) => a.plus(p.unrealizedPnl), new Decimal(0));
        const realized = positions.reduce((a, p) => a.plus(p.realizedPnl), new Decimal(0));
        const fees = positions.reduce((a, p) => a.plus(p.fees), new Decimal(0));
        const equity = run.balance.plus(unrealized);
        return {
          accountId: String(run.opts.accountId),
          currency: 'USD',
          balance: run.balance,
          equity,
          realizedPnl: realized,
          unrealizedPnl: unrealized,
          fees,
          marginUsed: new Decimal(0),
          buyingPower: equity,
          positions,
          ts: run.now,
        };
      },
      get equity() {
        let e = run.balance.toNumber();
        for (const st of run.symbolList)
          if (st.pos !== 0 && Number.isFinite(st.mark)) e += (st.mark - st.avg) * st.pos * st.inst.multiplier;
        return e;
      },
    };
  }

  /** The account as the gateway reports it at the end: balance, open positions, trades. */
  async finalState(): Promise<{
    balance: string;
    realizedPnl: string;
    fees: string;
    positions: Array<{ symbol: string; quantity: number; avgPrice: string }>;
    marks: Record<string, number>;
  }> {
    const acct = this.opts.accountId;
    const a = await this.rest('Account/search', { onlyActiveAccounts: false });
    const me = (a.accounts as Array<{ id: number; balance: number }> | undefined)?.find((x) => x.id === acct);
    if (!me) throw new TradeKitError(PARITY_FAILED, `Account/search did not list account ${acct}.`);
    const t = await this.rest('Trade/search', { accountId: acct });
    let realized = new Decimal(0);
    let fees = new Decimal(0);
    for (const x of (t.trades as Array<{ profitAndLoss: number | null; fees: number }>) ?? []) {
      if (typeof x.profitAndLoss === 'number') realized = realized.plus(x.profitAndLoss);
      fees = fees.plus(x.fees);
    }
    const p = await this.rest('Position/searchOpen', { accountId: acct });
    const positions = (
      (p.positions as Array<{ contractId: string; size: number; type: number; averagePrice: number }>) ?? []
    )
      .map((x) => ({
        symbol: this.byContract.get(x.contractId.toUpperCase())?.inst.symbol ?? x.contractId,
        quantity: x.type === 2 ? -x.size : x.size,
        avgPrice: new Decimal(x.averagePrice).toString(),
      }))
      .sort((x, y) => x.symbol.localeCompare(y.symbol));
    const marks: Record<string, number> = {};
    for (const st of this.symbolList) marks[st.inst.symbol] = st.mark;
    return {
      balance: new Decimal(me.balance).toString(),
      realizedPnl: realized.toString(),
      fees: fees.toString(),
      positions,
      marks,
    };
  }
}
