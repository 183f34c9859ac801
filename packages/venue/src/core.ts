/**
 * The venue core: one exchange, one clock, one market source, one set of accounts and numeric ids.
 * Profiles (ProjectX, plain JSON, later Binance) are wire shapes over it: they read its events and
 * call its methods, and never own trading state of their own.
 */
import { Exchange, type ExchangeOptions } from '@tradekit/order-sim';
import {
  type AccountSnapshot,
  type Clock,
  Decimal,
  type ExchangeEvent,
  type Fill,
  type MarketEvent,
  type MarketEventSource,
  type Micros,
  type Order,
  type Position,
  RealClock,
  TradeKitError,
  VirtualClock,
  invalidValue,
  isVirtualClock,
  parseDuration,
} from '@tradekit/types';
import type { Contract } from './contracts.js';
import { CLOSED, CONFIG_INVALID, CONTROL_INVALID, SOURCE_FAILED } from './errors.js';
import { MarketView } from './market-view.js';

/** A trading account on the venue and the API user who owns it. */
export interface VenueAccountSpec {
  /** Numeric account id (gateways show accounts by number). */
  id: number;
  /** Account name. @default `SIM-<id>` */
  name?: string;
  /** API user who owns the account; one user may own several accounts. @default 'trader' */
  userName?: string;
  /** The user's API key (log in with `userName` + `apiKey`). @default 'sim-key' */
  apiKey?: string;
  /** Starting cash. @default 100000 */
  balance?: number | string;
  /** Whether the account may trade. @default true */
  canTrade?: boolean;
  /** @default true */
  isVisible?: boolean;
  /** @default true */
  simulated?: boolean;
}

/** A resolved account. */
export interface VenueAccount {
  readonly id: number;
  readonly name: string;
  readonly userName: string;
  readonly apiKey: string;
  readonly exchangeId: string;
  canTrade: boolean;
  readonly isVisible: boolean;
  readonly simulated: boolean;
}

/** A fill with what it realized: `null` when it opened or added to a position. */
export interface VenueFill {
  fill: Fill;
  /** Venue-wide trade number. */
  tradeId: number;
  /** Realized PnL of this fill before fees (`null` for an opening fill). */
  realizedPnl: Decimal | null;
  /** The position after the fill. */
  position: Position;
}

/** What the core tells its profiles. */
export interface CoreListener {
  market?(event: MarketEvent, view: MarketView, contract: Contract): void;
  order?(order: Order, previous: Order['status'] | null): void;
  fill?(fill: VenueFill): void;
  position?(position: Position, positionId: number, opened: Micros): void;
  account?(account: VenueAccount, snapshot: AccountSnapshot): void;
  /**
   * Real-clock pacing asks before applying each source event: a promise holds the source until the
   * listener has caught up (a deep fan-out queue), `undefined` lets it go on.
   */
  backlog?(): Promise<void> | undefined;
}

/** Options of the core. */
export interface CoreOptions {
  clock: Clock;
  contracts: Contract[];
  accounts: VenueAccountSpec[];
  source?: MarketEventSource;
  exchange?: Omit<ExchangeOptions, 'clock' | 'instruments' | 'accounts'>;
  historyLimit?: number;
  /** Real clock only: play the source this many times faster than its timestamps. */
  speed?: number;
}

const ACCOUNT_KEYS = ['id', 'name', 'userName', 'apiKey', 'balance', 'canTrade', 'isVisible', 'simulated'];

function resolveAccounts(specs: VenueAccountSpec[]): VenueAccount[] {
  if (!Array.isArray(specs) || specs.length === 0)
    throw invalidValue(CONFIG_INVALID, 'accounts', 'a non-empty array like [{ id: 1, apiKey: "key" }]', specs);
  const seen = new Set<number>();
  const keys = new Map<string, string>();
  return specs.map((a, i) => {
    if (typeof a !== 'object' || a === null) throw invalidValue(CONFIG_INVALID, `accounts[${i}]`, 'an object', a);
    for (const k of Object.keys(a)) {
      if (!ACCOUNT_KEYS.includes(k)) {
        throw new TradeKitError(
          CONFIG_INVALID,
          `Unknown key \`${k}\` in accounts[${i}]. Valid keys: ${[...ACCOUNT_KEYS].sort().join(', ')}.`,
          { details: { field: k } },
        );
      }
    }
    if (!Number.isSafeInteger(a.id) || a.id < 1)
      throw invalidValue(CONFIG_INVALID, `accounts[${i}].id`, 'an integer ≥ 1', a.id);
    if (seen.has(a.id)) throw invalidValue(CONFIG_INVALID, `accounts[${i}].id`, 'distinct account ids', a.id);
    seen.add(a.id);
    const userName = a.userName ?? 'trader';
    const apiKey = a.apiKey ?? 'sim-key';
    const known = keys.get(userName);
    if (known !== undefined && known !== apiKey)
      throw invalidValue(
        CONFIG_INVALID,
        `accounts[${i}].apiKey`,
        `the same apiKey as user ${userName}'s other accounts`,
        apiKey,
      );
    keys.set(userName, apiKey);
    return {
      id: a.id,
      name: a.name ?? `SIM-${a.id}`,
      userName,
      apiKey,
      exchangeId: String(a.id),
      canTrade: a.canTrade ?? true,
      isVisible: a.isVisible ?? true,
      simulated: a.simulated ?? true,
    };
  });
}

/** Reads a (sync or async) source one event at a time with a one-event look-ahead. */
class SourceReader {
  private readonly it: Iterator<MarketEvent> | AsyncIterator<MarketEvent>;
  private peeked: MarketEvent | undefined;
  done = false;
  count = 0;
  constructor(source: MarketEventSource) {
    const s = source as AsyncIterable<MarketEvent> & Iterable<MarketEvent>;
    if (typeof s?.[Symbol.asyncIterator] === 'function') this.it = s[Symbol.asyncIterator]();
    else if (typeof s?.[Symbol.iterator] === 'function') this.it = s[Symbol.iterator]();
    else
      throw invalidValue(
        CONFIG_INVALID,
        'source',
        'an iterable or async iterable of market events (an array, market-sim, replay)',
        source,
      );
  }
  async peek(): Promise<MarketEvent | undefined> {
    if (this.peeked !== undefined || this.done) return this.peeked;
    let r: IteratorResult<MarketEvent>;
    try {
      r = await this.it.next();
    } catch (err) {
      this.done = true;
      throw new TradeKitError(SOURCE_FAILED, `The market source failed: ${(err as Error).message}`, { cause: err });
    }
    if (r.done) this.done = true;
    else this.peeked = r.value;
    return this.peeked;
  }
  take(): MarketEvent {
    const e = this.peeked as MarketEvent;
    this.peeked = undefined;
    this.count++;
    return e;
  }
  async close(): Promise<void> {
    this.done = true;
    try {
      await this.it.return?.();
    } catch {
      // closing a source that already failed
    }
  }
}

/** The shared trading core of a venue. */
export class VenueCore {
  readonly clock: Clock;
  readonly exchange: Exchange;
  readonly contracts: readonly Contract[];
  readonly accounts = new Map<number, VenueAccount>();
  private readonly byExchangeAccount = new Map<string, VenueAccount>();
  private readonly bySymbol = new Map<string, Contract>();
  private readonly byContractId = new Map<string, Contract>();
  private readonly views = new Map<string, MarketView>();
  private readonly listeners = new Set<CoreListener>();
  private readonly reader: SourceReader | undefined;
  // Numeric ids: gateways number orders, trades and positions.
  private readonly orderNumbers = new Map<string, number>();
  private readonly orderIds = new Map<number, string>();
  private nextOrder = 1;
  private nextTrade = 1;
  private nextPosition = 1;
  private readonly positions = new Map<string, { id: number; opened: Micros; qty: number; realized: Decimal }>();
  private readonly pendingFills = new Map<string, Fill[]>();
  private closed = false;
  private pump: Promise<void> | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly speed: number;
  private sourceError: unknown;

  constructor(options: CoreOptions) {
    this.clock = options.clock;
    this.contracts = options.contracts;
    for (const c of options.contracts) {
      this.bySymbol.set(c.symbol, c);
      this.byContractId.set(c.contractId.toUpperCase(), c);
      this.views.set(c.symbol, new MarketView(options.historyLimit ?? 1_000_000));
    }
    for (const a of resolveAccounts(options.accounts)) {
      this.accounts.set(a.id, a);
      this.byExchangeAccount.set(a.exchangeId, a);
    }
    const specs = options.accounts;
    this.exchange = new Exchange({
      ...(options.exchange ?? {}),
      clock: this.clock,
      instruments: options.contracts.map((c) => c.instrument),
      accounts: [...this.accounts.values()].map((a, i) => ({
        id: a.exchangeId,
        balance: specs[i]?.balance ?? 100_000,
      })),
    });
    this.speed = options.speed ?? 1;
    if (!(this.speed > 0)) throw invalidValue(CONFIG_INVALID, 'speed', 'a number > 0', options.speed);
    if (options.source !== undefined) this.reader = new SourceReader(options.source);
    this.exchange.on('market', (e) => this.onMarket(e));
    this.exchange.on('event', (e) => this.onExchange(e));
  }

  /** Adds a profile's listener; returns a function that removes it. */
  listen(listener: CoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The contract of a symbol. */
  contractOfSymbol(symbol: string): Contract | undefined {
    return this.bySymbol.get(symbol);
  }

  /** The contract with this id (case-insensitive). */
  contractById(contractId: string): Contract | undefined {
    return this.byContractId.get(contractId.toUpperCase());
  }

  /** Market state of a symbol. */
  view(symbol: string): MarketView {
    return this.views.get(symbol) as MarketView;
  }

  /** The venue account behind an exchange account id. */
  accountOf(exchangeId: string): VenueAccount | undefined {
    return this.byExchangeAccount.get(exchangeId);
  }

  /** The number of an exchange order id (assigned on first sight). */
  orderNumber(orderId: string): number {
    let n = this.orderNumbers.get(orderId);
    if (n === undefined) {
      n = this.nextOrder++;
      this.orderNumbers.set(orderId, n);
      this.orderIds.set(n, orderId);
    }
    return n;
  }

  /** The exchange order id of an order number. */
  orderIdOf(orderNumber: number): string | undefined {
    return this.orderIds.get(orderNumber);
  }

  /** Position number and opening time of an account's position in a symbol, if open. */
  positionInfo(exchangeAccountId: string, symbol: string): { id: number; opened: Micros } | undefined {
    const p = this.positions.get(`${exchangeAccountId}|${symbol}`);
    return p && p.qty !== 0 ? p : undefined;
  }

  /** Number of source events applied so far. */
  get eventsApplied(): number {
    return this.reader?.count ?? 0;
  }

  /** True when the source has no more events (or there is none). */
  get sourceDone(): boolean {
    return this.reader === undefined || this.reader.done;
  }

  // ───────────────────────── time control ─────────────────────────

  /**
   * Virtual clock: applies every source event with `ts ≤ target` (firing the clock's timers on the
   * way, so latency and pacing stay exact), then moves the clock to `target`.
   */
  async runUntil(target: Micros): Promise<void> {
    const clock = this.clock;
    if (!isVirtualClock(clock))
      throw new TradeKitError(
        CONTROL_INVALID,
        'advance/runUntil need a virtual clock; this venue runs on the real clock and paces its source by itself. Create it with `clock: "virtual"`.',
      );
    if (typeof target !== 'number' || !Number.isFinite(target))
      throw invalidValue(CONTROL_INVALID, 'ts', 'epoch microseconds (a finite number)', target);
    // Calls queue one after another: two concurrent advances never interleave their events.
    const run = this.running.then(() => this.runVirtual(clock, target));
    this.running = run.catch(() => undefined);
    return run;
  }

  private async runVirtual(clock: VirtualClock, target: Micros): Promise<void> {
    this.assertOpen();
    const reader = this.reader;
    while (reader !== undefined && !this.closed) {
      const e = await reader.peek();
      if (e === undefined || e.ts > target) break;
      reader.take();
      if (e.ts > clock.now()) clock.runUntil(e.ts);
      this.exchange.onMarketEvent(e);
    }
    if (target > clock.now()) clock.runUntil(target);
  }

  /**
   * Virtual clock: applies exactly the next source event (firing timers due before it) and returns
   * its time, or `undefined` when the source is done. Drivers that must act between any two events
   * (paper-trading parity) step with it.
   */
  async step(): Promise<Micros | undefined> {
    const clock = this.clock;
    if (!isVirtualClock(clock))
      throw new TradeKitError(
        CONTROL_INVALID,
        'step needs a virtual clock; this venue runs on the real clock and paces its source by itself. Create it with `clock: "virtual"`.',
      );
    const run = this.running.then(async () => {
      this.assertOpen();
      const reader = this.reader;
      if (reader === undefined) return undefined;
      const e = await reader.peek();
      if (e === undefined || this.closed) return undefined;
      reader.take();
      if (e.ts > clock.now()) clock.runUntil(e.ts);
      this.exchange.onMarketEvent(e);
      return e.ts;
    });
    this.running = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Virtual clock: {@link runUntil} now + `duration`. */
  async advance(duration: number | string): Promise<void> {
    let us: number;
    try {
      us = parseDuration(duration);
    } catch (err) {
      throw new TradeKitError(
        CONTROL_INVALID,
        `Expected a duration like "1s", "250ms" or a number of µs ≥ 0, got ${JSON.stringify(duration)}.`,
        { cause: err },
      );
    }
    return this.runUntil(this.clock.now() + us);
  }

  /** The time of the next source event, if any (virtual clock). */
  async nextEventTime(): Promise<Micros | undefined> {
    return (await this.reader?.peek())?.ts;
  }

  /** Real clock: starts pacing the source (event time mapped onto wall time from now). */
  startPacing(): void {
    if (this.pump !== undefined || this.reader === undefined || isVirtualClock(this.clock)) return;
    const reader = this.reader;
    const clock = this.clock;
    this.pump = (async () => {
      const first = await reader.peek();
      if (first === undefined) return;
      const origin = clock.now();
      const base = first.ts;
      while (!this.closed) {
        const e = await reader.peek();
        if (e === undefined || this.closed) return;
        const due = origin + Math.round((e.ts - base) / this.speed);
        if (due > clock.now()) await clock.waitUntil(due);
        // Behind schedule, the loop would only await microtasks and starve the sockets (no sends
        // flushed, no request served) until the whole backlog is applied: yield to I/O each event.
        else await new Promise<void>((resolve) => setImmediate(resolve));
        // A listener still writing earlier events (the market-hub fan-out) holds the source, so
        // the venue falls behind in market time, as when one write blocked, instead of queueing
        // without bound while REST and hub calls are still served.
        for (const l of this.listeners) {
          const hold = l.backlog?.();
          if (hold !== undefined) await hold;
        }
        if (this.closed) return;
        reader.take();
        this.exchange.onMarketEvent({ ...e, ts: due } as MarketEvent);
      }
    })().catch((err) => {
      this.sourceError = err;
    });
  }

  /** The error the paced source stopped with, if any. */
  get pacingError(): unknown {
    return this.sourceError;
  }

  /** Stops the source and ends the exchange's event streams. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reader?.close();
    this.exchange.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new TradeKitError(CLOSED, 'The venue is closed; create a new one.');
  }

  // ───────────────────────── events ─────────────────────────

  private onMarket(e: MarketEvent): void {
    const c = this.bySymbol.get(e.symbol);
    if (c === undefined) return;
    const view = this.views.get(e.symbol) as MarketView;
    view.apply(e);
    for (const l of this.listeners) l.market?.(e, view, c);
  }

  private onExchange(e: ExchangeEvent): void {
    switch (e.type) {
      case 'order':
        this.orderNumber(e.order.id);
        for (const l of this.listeners) l.order?.(e.order, e.previousStatus);
        return;
      case 'fill': {
        // The position event of the same execution follows at once; it tells what the fill realized.
        const key = `${e.fill.accountId}|${e.fill.symbol}`;
        const list = this.pendingFills.get(key);
        if (list) list.push(e.fill);
        else this.pendingFills.set(key, [e.fill]);
        return;
      }
      case 'position': {
        const p = e.position;
        const key = `${p.accountId}|${p.symbol}`;
        let state = this.positions.get(key);
        if (state === undefined) {
          state = { id: 0, opened: e.ts, qty: 0, realized: new Decimal(0) };
          this.positions.set(key, state);
        }
        const fills = this.pendingFills.get(key);
        this.pendingFills.delete(key);
        const before = state.qty;
        if (before === 0 && p.quantity !== 0) {
          state.id = this.nextPosition++;
          state.opened = e.ts;
        } else if (Math.sign(before) !== Math.sign(p.quantity) && p.quantity !== 0) {
          // A reversal opens a new position.
          state.id = this.nextPosition++;
          state.opened = e.ts;
        }
        const realized = p.realizedPnl.minus(state.realized);
        state.realized = p.realizedPnl;
        state.qty = p.quantity;
        if (fills) {
          for (const [i, fill] of fills.entries()) {
            const closing = before !== 0 && before > 0 !== (fill.side === 'buy');
            const vf: VenueFill = {
              fill,
              tradeId: this.nextTrade++,
              realizedPnl: closing ? (i === fills.length - 1 ? realized : new Decimal(0)) : null,
              position: p,
            };
            for (const l of this.listeners) l.fill?.(vf);
          }
        }
        for (const l of this.listeners) l.position?.(p, state.id, state.opened);
        return;
      }
      case 'account': {
        const a = this.byExchangeAccount.get(e.account.accountId);
        if (a) for (const l of this.listeners) l.account?.(a, e.account);
        return;
      }
    }
  }
}

/** Creates the venue's clock from the `clock` option. */
export function makeClock(option: 'virtual' | 'real' | Clock | undefined, start: Micros | undefined): Clock {
  if (option === undefined || option === 'virtual') return new VirtualClock({ start: start ?? 0 });
  if (option === 'real') return new RealClock();
  if (typeof option === 'object' && option !== null && typeof option.now === 'function') return option;
  throw invalidValue(CONFIG_INVALID, 'clock', '"virtual", "real" or a Clock', option);
}
