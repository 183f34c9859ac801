/**
 * `TradingSuite`: one contract on one account over the ProjectX Gateway — REST for requests and
 * resynchronisation, the user hub for orders, fills, positions and the account, the market hub for
 * quotes, trades and depth — kept consistent across drops.
 */
import type { ReconnectOptions } from './backoff.js';
import type { Bar, Timeframe } from './bars.js';
import { Emitter } from './emitter.js';
import { GatewayError } from './errors.js';
import { type Credentials, GatewayHttp } from './http.js';
import { HubLink, type HubStateChange } from './hub.js';
import { type DepthUpdate, type Gap, MarketData, type MarketDataStats, type Quote, type Tick } from './market-data.js';
import { type Account, type Fill, type Order, type Position, toAccount, toFill, toOrder, toPosition } from './model.js';
import { OrderManager } from './orders.js';
import { PositionManager } from './positions.js';
import { Store } from './store.js';
import {
  type WireAccount,
  type WireContract,
  type WireOrder,
  type WirePosition,
  type WireTrade,
  formatGatewayTime,
  parseGatewayTime,
  unwrap,
} from './wire.js';

/** Options of {@link TradingSuite.create}. */
export interface TradingSuiteOptions {
  /** REST base (`https://api.topstepx.com`; a trailing `/api` is accepted too). */
  baseUrl: string;
  /** User hub URL (`https://rtc.topstepx.com/hubs/user`). */
  userHubUrl: string;
  /** Market hub URL (`https://rtc.topstepx.com/hubs/market`). */
  marketHubUrl: string;
  credentials: Credentials;
  /** Account by name (case-insensitive) or id. @default the first active account */
  account?: string | number;
  /** Bars built from ticks. @default { unit: 'minute', size: 1 } */
  timeframe?: Timeframe;
  /** Subscribe to market depth. @default true */
  depth?: boolean;
  /** Hub reconnect backoff. @default { initialDelayMs: 500, maxDelayMs: 30000, factor: 2 } */
  reconnect?: ReconnectOptions;
  /** Negotiate before the WebSocket (pysignalr style) instead of connecting straight to it. @default false */
  negotiate?: boolean;
  /** Hub server timeout, ms (no message for this long → reconnect). @default 30000 */
  serverTimeoutMs?: number;
  /** REST request timeout, ms. @default 10000 */
  requestTimeoutMs?: number;
  /** Default bound of the `waitFor…` helpers, ms. @default 10000 */
  waitMs?: number;
  /** Bracket tick sign convention the gateway expects. @default 'by-side' */
  bracketTicks?: 'by-side' | 'signed';
  /** Prefix of automatic order tags. @default 'sc-<random>' */
  tagPrefix?: string;
  /** Ticks and bars kept in memory. @default { ticks: 100000, bars: 10000 } */
  keep?: { ticks?: number; bars?: number };
}

/** A resynchronisation's outcome. */
export interface ResyncReport {
  reason: string;
  /** Orders whose state changed (missed updates). */
  ordersUpdated: number[];
  /** Fills that had been missed. */
  fillsRecovered: number[];
  /** Contracts whose position changed. */
  positionsChanged: string[];
}

/** Events of a {@link TradingSuite}. */
export interface SuiteEvents {
  [key: string]: unknown;
  quote: Quote;
  tick: Tick;
  /** A closed bar. */
  bar: Bar;
  depth: DepthUpdate;
  /** A hole in the tick tape after a reconnect. */
  gap: Gap;
  order: Order;
  fill: Fill;
  position: Position;
  account: Account;
  connection: HubStateChange;
  resync: ResyncReport;
  error: Error;
}

/** The contract the suite trades. */
export interface SuiteContract {
  id: string;
  name: string;
  symbolId: string | undefined;
  tickSize: number;
  tickValue: number;
}

let suiteCount = 0;

/** One contract, one account: orders, positions, market data and events. */
export class TradingSuite extends Emitter<SuiteEvents> {
  /** Orders: market, limit, stop, bracket, cancel, modify, waits. */
  readonly orders: OrderManager;
  /** Positions and PnL. */
  readonly positions: PositionManager;
  /** Quotes, ticks, bars, depth. */
  readonly data: MarketData;
  /** REST access (for routes the suite does not wrap). */
  readonly http: GatewayHttp;
  private readonly store: Store;
  private readonly user: HubLink;
  private readonly market: HubLink;
  private serverTime = Number.NEGATIVE_INFINITY;
  private dropAt: number | undefined;
  private positionEvents = 0;
  private accountEvents = 0;
  private resyncing: Promise<ResyncReport> | undefined;
  private closed = false;
  /** Resynchronisations run. */
  resyncs = 0;

  private constructor(
    readonly symbol: string,
    readonly contract: SuiteContract,
    readonly accountId: number,
    http: GatewayHttp,
    private readonly opts: TradingSuiteOptions,
  ) {
    super();
    this.http = http;
    const waitMs = opts.waitMs ?? 10_000;
    this.store = new Store({
      order: (o) => this.emit('order', o),
      fill: (f) => this.emit('fill', f),
      position: (p) => this.emit('position', p),
      account: (a) => this.emit('account', a),
    });
    suiteCount++;
    this.orders = new OrderManager(http, accountId, contract, this.store, {
      tagPrefix: opts.tagPrefix ?? `sc-${Math.floor(Math.random() * 36 ** 6).toString(36)}${suiteCount}`,
      bracketTicks: opts.bracketTicks ?? 'by-side',
      waitMs,
    });
    this.data = new MarketData(
      contract.id,
      opts.timeframe ?? { unit: 'minute', size: 1 },
      http,
      {
        quote: (q) => this.emit('quote', q),
        tick: (t) => this.emit('tick', t),
        bar: (b) => this.emit('bar', b),
        depth: (d) => this.emit('depth', d),
        gap: (g) => this.emit('gap', g),
        error: (e) => this.emit('error', e),
      },
      { ticks: opts.keep?.ticks ?? 100_000, bars: opts.keep?.bars ?? 10_000 },
    );
    this.positions = new PositionManager(
      http,
      accountId,
      contract,
      this.store,
      () => this.data.quote()?.last ?? this.data.ticks().at(-1)?.price,
      waitMs,
    );
    const common = {
      token: () => http.getToken(),
      tokenRefused: () => http.forgetToken(),
      ...(opts.reconnect !== undefined ? { reconnect: opts.reconnect } : {}),
      negotiate: opts.negotiate ?? false,
      serverTimeoutMs: opts.serverTimeoutMs ?? 30_000,
      onError: (e: Error) => this.emit('error', e),
    };
    this.user = new HubLink({
      ...common,
      name: 'user',
      url: opts.userHubUrl,
      onState: (s) => {
        if (s.state === 'reconnecting' || s.state === 'disconnected') this.dropAt ??= this.serverTime;
        this.emit('connection', s);
      },
      onResubscribed: () => {
        this.resync('user hub reconnected').catch((e: Error) => this.emit('error', e));
      },
    });
    this.market = new HubLink({
      ...common,
      name: 'market',
      url: opts.marketHubUrl,
      onState: (s) => {
        if (s.state === 'reconnecting' || s.state === 'disconnected') this.data.dropped();
        this.emit('connection', s);
      },
      onResubscribed: () => {},
    });
    this.wire();
  }

  /**
   * Logs in, picks the account, resolves `symbol` (`MNQ`, a contract name like `MNQU5`, or a
   * `CON.F.US.MNQ.U25` id), connects both hubs, subscribes and loads the open orders and positions.
   *
   * @example
   * const suite = await TradingSuite.create('MNQ', { baseUrl, userHubUrl, marketHubUrl, credentials: { userName, apiKey } });
   */
  static async create(symbol: string, options: TradingSuiteOptions): Promise<TradingSuite> {
    for (const k of ['baseUrl', 'userHubUrl', 'marketHubUrl'] as const)
      if (typeof options?.[k] !== 'string')
        throw new GatewayError(
          'INVALID_ARGUMENT',
          `Expected options.${k} to be a URL string, got ${JSON.stringify(options?.[k])}.`,
        );
    if (typeof options.credentials?.userName !== 'string' || typeof options.credentials?.apiKey !== 'string')
      throw new GatewayError('INVALID_ARGUMENT', 'Expected options.credentials to be { userName, apiKey }.');
    const http = new GatewayHttp({
      baseUrl: options.baseUrl,
      credentials: options.credentials,
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    });
    await http.login();
    const want = options.account;
    const pick = (list: WireAccount[]) =>
      want === undefined
        ? list[0]
        : list.find((a) => (typeof want === 'number' ? a.id === want : a.name.toLowerCase() === want.toLowerCase()));
    let accounts = await http.call<{ accounts: WireAccount[] | null }>('Account/search', { onlyActiveAccounts: true });
    let list = accounts.accounts ?? [];
    let account = pick(list);
    if (account === undefined && want !== undefined) {
      // An account asked for by name may be inactive (e.g. it cannot trade): it is still the user's.
      accounts = await http.call<{ accounts: WireAccount[] | null }>('Account/search', { onlyActiveAccounts: false });
      list = accounts.accounts ?? [];
      account = pick(list);
    }
    if (!accounts.success || account === undefined)
      throw new GatewayError(
        'ACCOUNT_NOT_FOUND',
        `No active account${want === undefined ? '' : ` ${JSON.stringify(want)}`}; the gateway lists ${JSON.stringify(list.map((a) => a.name))}.`,
      );
    const contract = await resolveContract(http, symbol);
    const suite = new TradingSuite(symbol, contract, account.id, http, options);
    suite.store.applyAccount(toAccount(account));
    try {
      await suite.connect();
    } catch (err) {
      await suite.disconnect();
      throw err;
    }
    return suite;
  }

  /** The account as last seen. */
  get account(): Account {
    return this.store.account as Account;
  }

  /** Whether both hubs are connected. */
  get connected(): boolean {
    return this.user.connected && this.market.connected;
  }

  /** Reconnects completed per hub. */
  get reconnects(): { user: number; market: number } {
    return { user: this.user.reconnects, market: this.market.reconnects };
  }

  /** Market data counters. */
  get marketStats(): MarketDataStats {
    return this.data.stats;
  }

  /**
   * Waits for the next `event` whose payload satisfies `pred`; rejects with `TIMEOUT` and `message`
   * after `timeoutMs` of wall time.
   */
  waitFor<K extends keyof SuiteEvents & string>(
    event: K,
    pred: (data: SuiteEvents[K]) => boolean = () => true,
    timeoutMs = this.opts.waitMs ?? 10_000,
    message = `a matching ${event} event`,
  ): Promise<SuiteEvents[K]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new GatewayError('TIMEOUT', `Timed out after ${timeoutMs} ms waiting for ${message}.`));
      }, timeoutMs);
      const off = this.on(event, (d) => {
        if (!pred(d)) return;
        clearTimeout(timer);
        off();
        resolve(d);
      });
    });
  }

  /** Waits until `check()` holds, re-checked after every order, fill, position and account change. */
  until(check: () => boolean, message: string, timeoutMs = this.opts.waitMs ?? 10_000): Promise<void> {
    return this.store.until(() => (check() ? true : undefined), timeoutMs, message).then(() => undefined);
  }

  /**
   * A round trip on both hubs: resolves once every event the gateway pushed before it has been
   * handled (and any bar backfill is done).
   */
  async flush(): Promise<void> {
    await Promise.all([this.user.roundTrip(), this.market.roundTrip()]);
    await this.data.settled();
  }

  /**
   * Reloads open orders, missed order updates and fills, positions and the balance from REST. Runs
   * after every user-hub reconnect; call it yourself after an uncertain request.
   */
  resync(reason = 'requested'): Promise<ResyncReport> {
    if (this.resyncing !== undefined) return this.resyncing;
    this.resyncing = this.runResync(reason).finally(() => {
      this.resyncing = undefined;
    });
    return this.resyncing;
  }

  /** Stops both hubs. Safe to call twice. */
  async disconnect(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.user.stop(), this.market.stop()]);
    await this.resyncing?.catch(() => undefined);
  }

  /** Same as {@link disconnect}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.disconnect();
  }

  private wire(): void {
    const mine = (o: { accountId?: number } | null | undefined) => o?.accountId === this.accountId;
    this.user.on('GatewayUserOrder', (p) => {
      const w = unwrap<WireOrder>(p);
      if (!mine(w)) return;
      this.tick(w.updateTimestamp ?? w.creationTimestamp);
      this.store.applyOrder(toOrder(w));
    });
    this.user.on('GatewayUserTrade', (p) => {
      const w = unwrap<WireTrade>(p);
      if (!mine(w)) return;
      this.tick(w.creationTimestamp);
      this.store.applyFill(toFill(w));
    });
    this.user.on('GatewayUserPosition', (p) => {
      const w = unwrap<WirePosition>(p);
      if (!mine(w)) return;
      this.positionEvents++;
      this.store.applyPosition(toPosition(w));
    });
    this.user.on('GatewayUserAccount', (p) => {
      const w = unwrap<WireAccount>(p);
      if (w?.id !== this.accountId) return;
      this.accountEvents++;
      this.store.applyAccount(toAccount(w));
    });
    this.market.on('GatewayQuote', (id, d) => {
      this.data.onQuote(id, d);
      const q = this.data.quote();
      if (q !== undefined && q.time > this.serverTime) this.serverTime = q.time;
    });
    this.market.on('GatewayTrade', (id, d) => this.data.onTrade(id, d));
    this.market.on('GatewayDepth', (id, d) => this.data.onDepth(id, d));
  }

  private tick(ts: string | null | undefined): void {
    const t = typeof ts === 'string' ? parseGatewayTime(ts) : Number.NaN;
    if (t > this.serverTime) this.serverTime = t;
  }

  private async connect(): Promise<void> {
    // One after the other: the order of connection attempts is then the same on every run.
    await this.user.start();
    await this.market.start();
    await this.user.subscribe('SubscribeAccounts');
    await this.user.subscribe('SubscribeOrders', this.accountId);
    await this.user.subscribe('SubscribePositions', this.accountId);
    await this.user.subscribe('SubscribeTrades', this.accountId);
    await this.market.subscribe('SubscribeContractQuotes', this.contract.id);
    await this.market.subscribe('SubscribeContractTrades', this.contract.id);
    if (this.opts.depth ?? true) await this.market.subscribe('SubscribeContractMarketDepth', this.contract.id);
    await this.resync('initial');
  }

  private async runResync(reason: string): Promise<ResyncReport> {
    const report: ResyncReport = { reason, ordersUpdated: [], fillsRecovered: [], positionsChanged: [] };
    const posSeq = this.positionEvents;
    const acctSeq = this.accountEvents;
    // Orders: what is open now, then the final state of every order we thought was working.
    const open = await this.orders.searchOpen();
    for (const o of open) if (this.store.applyOrder(o)) report.ordersUpdated.push(o.id);
    const openIds = new Set(open.map((o) => o.id));
    const missing = this.orders.working().filter((o) => !openIds.has(o.id) && o.status !== 'suspended');
    const working = this.orders.working();
    let from = this.dropAt;
    for (const o of working)
      if (Number.isFinite(o.updatedAt) && (from === undefined || o.updatedAt < from)) from = o.updatedAt;
    const since = from === undefined || !Number.isFinite(from) ? 0 : from - 1_000_000;
    if (reason !== 'initial' || missing.length > 0) {
      for (const o of await this.orders.search(since)) {
        if (this.store.applyOrder(o)) report.ordersUpdated.push(o.id);
      }
      const trades = await this.http.call<{ trades: WireTrade[] | null }>('Trade/search', {
        accountId: this.accountId,
        startTimestamp: formatGatewayTime(since),
      });
      if (trades.success)
        for (const t of trades.trades ?? []) {
          if (t.voided) continue;
          if (this.store.applyFill(toFill(t))) report.fillsRecovered.push(t.id);
        }
    }
    // Positions: the gateway's list is the truth, unless a newer hub event came in meanwhile.
    const positions = await this.positions.searchOpen();
    if (this.positionEvents === posSeq) {
      const seen = new Set<string>();
      for (const p of positions) {
        seen.add(p.contractId);
        if (this.store.applyPosition(p)) report.positionsChanged.push(p.contractId);
      }
      for (const p of [...this.store.positions.values()])
        if (!seen.has(p.contractId) && this.store.applyPosition({ ...p, size: 0, averagePrice: 0 }))
          report.positionsChanged.push(p.contractId);
    }
    const accounts = await this.http.call<{ accounts: WireAccount[] | null }>('Account/search', {
      onlyActiveAccounts: false,
    });
    const a = accounts.accounts?.find((x) => x.id === this.accountId);
    if (a !== undefined && this.accountEvents === acctSeq) this.store.applyAccount(toAccount(a));
    this.dropAt = undefined;
    this.resyncs++;
    if (reason !== 'initial') this.emit('resync', report);
    return report;
  }
}

async function resolveContract(http: GatewayHttp, symbol: string): Promise<SuiteContract> {
  const map = (c: WireContract): SuiteContract => ({
    id: c.id,
    name: c.name,
    symbolId: c.symbolId,
    tickSize: c.tickSize,
    tickValue: c.tickValue,
  });
  if (/^CON\./i.test(symbol)) {
    const res = await http.call<{ contract?: WireContract | null; contracts?: WireContract[] | null }>(
      'Contract/searchById',
      { contractId: symbol },
    );
    const c = res.contract ?? res.contracts?.[0];
    if (!res.success || !c) throw new GatewayError('CONTRACT_NOT_FOUND', `Contract ${symbol} is not listed.`);
    return map(c);
  }
  const res = await http.call<{ contracts: WireContract[] | null }>('Contract/search', {
    searchText: symbol,
    live: false,
  });
  const list = res.contracts ?? [];
  const upper = symbol.toUpperCase();
  const c =
    list.find((x) => x.name.toUpperCase() === upper) ??
    list.find((x) => x.activeContract && x.symbolId?.toUpperCase().endsWith(`.${upper}`)) ??
    list
      .filter((x) => x.activeContract && x.name.toUpperCase().startsWith(upper))
      .sort((a, b) => a.name.localeCompare(b.name))[0];
  if (!res.success || c === undefined)
    throw new GatewayError(
      'CONTRACT_NOT_FOUND',
      `No contract matches ${JSON.stringify(symbol)}; the gateway found ${JSON.stringify(list.map((x) => x.name))}.`,
    );
  return map(c);
}
