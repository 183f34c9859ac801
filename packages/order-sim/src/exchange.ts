/**
 * The simulated exchange: consumes market events and the users' orders, fills orders against the
 * market's displayed liquidity and against each other, and reports order, fill, position and
 * account events — all on one Clock, all reproducible from one seed.
 *
 * `Exchange` is a thin facade: the work happens in one module per concept (see `engine.ts`).
 */
import {
  type AccountSnapshot,
  type Clock,
  type ExchangeEvent,
  type Instrument,
  type MarketEvent,
  type MarketEventSource,
  type Order,
  type OrderLevelEvent,
  type OrderRequest,
  type Position,
  invalidValue,
  isVirtualClock,
  lotsToQuantity,
} from '@tradekit/types';
import { Engine } from './engine.js';
import type { Listener } from './event-stream.js';
import {
  type ExchangeEventMap,
  type ExchangeOptions,
  type OrderChanges,
  type OrderFilter,
  resolveOptions,
} from './options.js';
import {
  type ExchangeSnapshot,
  checkSnapshot,
  optionsOf,
  restoreInto,
  snapshotOptions,
  takeSnapshot,
} from './snapshot.js';

export type {
  AccountSpec,
  ExchangeEventMap,
  ExchangeOptions,
  FillPolicy,
  LatencyOptions,
  OrderChanges,
  OrderFilter,
  OrderLevelEvent,
  QueueModel,
} from './options.js';
export type { ExchangeSnapshot } from './snapshot.js';

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
  private readonly engine: Engine;
  private readonly config: ExchangeSnapshot['options'];

  constructor(options: ExchangeOptions) {
    const cfg = resolveOptions(options);
    this.clock = cfg.clock;
    this.engine = new Engine(cfg);
    this.config = snapshotOptions(this.engine, options);
  }

  // ───────────────────────────── events ─────────────────────────────

  /**
   * Subscribes to one kind of event; returns a function that unsubscribes.
   *
   * @example
   * const off = exchange.on('fill', (e) => console.log(e.fill.price.toString()));
   */
  on<K extends keyof ExchangeEventMap>(type: K, listener: Listener<ExchangeEventMap[K]>): () => void {
    return this.engine.bus.on(type, listener);
  }

  /**
   * Every exchange event (order, fill, position, account) as an async iterator, in emission
   * order. Memory is bounded: more than `bufferSize` unread events fail the iterator with
   * `EXCHANGE_EVENT_BUFFER_OVERFLOW`. Ends after {@link close}.
   */
  events(options: { bufferSize?: number } = {}): AsyncIterableIterator<ExchangeEvent> {
    return this.engine.bus.events(options.bufferSize ?? 100_000);
  }

  /** Ends every `events()` iterator. */
  close(): void {
    this.engine.bus.close();
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
          this.engine.applyMarketEvent(e);
          n++;
        }
      }
    } else if (Symbol.asyncIterator in (source as object)) {
      for await (const e of source as AsyncIterable<MarketEvent>) {
        const wait = reach(e.ts);
        if (wait) await wait;
        this.engine.applyMarketEvent(e);
        n++;
      }
    } else {
      for (const e of source as Iterable<MarketEvent>) {
        const wait = reach(e.ts);
        if (wait) await wait;
        this.engine.applyMarketEvent(e);
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
    this.engine.applyMarketEvent(event);
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
    this.engine.applyOrderLevelEvent(event);
  }

  // ───────────────────────────── orders ─────────────────────────────

  /**
   * Sends an order and returns its current view: `pending_new` while it travels (order-entry
   * latency), or already worked (new, filled…) when there is no latency. Rejections arrive as order events with status
   * `rejected`. Throws `ORDER_REQUEST_INVALID` for requests of the wrong shape (a programming error).
   */
  placeOrder(request: OrderRequest): Order {
    return this.engine.entry.place(request);
  }

  /**
   * Asks to cancel an order (travels with the order-entry latency). Returns false when the order is
   * already terminal. Throws `ORDER_UNKNOWN` for an id the exchange never saw.
   */
  cancelOrder(orderId: string): boolean {
    return this.engine.entry.cancel(orderId);
  }

  /**
   * Asks to change an order's price, stop price or total quantity. A price change or a size
   * increase sends the order to the back of the queue; a decrease keeps its place.
   * Throws `ORDER_NOT_MODIFIABLE` for terminal or inactive orders.
   */
  modifyOrder(orderId: string, changes: OrderChanges): Order {
    return this.engine.entry.modify(orderId, changes);
  }

  // ───────────────────────────── queries ─────────────────────────────

  /** An order's current view. Throws `ORDER_UNKNOWN` for an unknown id. */
  getOrder(orderId: string): Order {
    return this.engine.store.get(orderId).toOrder();
  }

  /** Orders, oldest first, optionally filtered. */
  getOrders(filter: OrderFilter = {}): Order[] {
    return this.engine.store.list(filter);
  }

  /**
   * Orders not yet terminal (pending, inactive bracket legs, working), over all accounts, in
   * O(1): with none open and no timer pending on the clock, a bar changes only the last price.
   */
  get openOrderCount(): number {
    return this.engine.store.open.size;
  }

  /** The net position of an account in a symbol (flat when it never traded). */
  getPosition(accountId: string, symbol: string): Position {
    const a = this.engine.accounting.account(accountId);
    const m = this.engine.market(symbol);
    return a.position(m.inst).toPosition(m.markTick());
  }

  /** An account's balances, equity, margin and positions now. */
  getAccount(accountId = 'default'): AccountSnapshot {
    const e = this.engine;
    return e.accounting.snapshot(e.accounting.account(accountId), e.store.open);
  }

  /** The instrument of a symbol. Throws `EXCHANGE_UNKNOWN_SYMBOL` otherwise. */
  getInstrument(symbol: string): Instrument {
    return this.engine.market(symbol).inst;
  }

  /**
   * Where a resting limit order stands: displayed size ahead of it at its price (`ahead`) and the
   * quantity of orders (simulated, or the venue's from order-level data) queued before it; `undefined` when it is not resting.
   */
  getQueuePosition(orderId: string): { ahead: number; ordersAhead: number } | undefined {
    const w = this.engine.store.get(orderId);
    const node = w.node;
    if (node === null || node.ref !== w || node.level === null) return undefined;
    let ordersAhead = 0;
    for (let o = node.prev; o !== null; o = o.prev) ordersAhead += lotsToQuantity(w.market.inst, o.qty);
    return { ahead: lotsToQuantity(w.market.inst, node.ahead), ordersAhead };
  }

  // ─────────────────────────── snapshot ───────────────────────────

  /**
   * A JSON-serialisable image of the whole exchange (orders, queues, books, positions, accounts,
   * random streams). Throws `EXCHANGE_SNAPSHOT_BUSY` while requests or events are in flight:
   * run the clock until they land first.
   */
  snapshot(): ExchangeSnapshot {
    return takeSnapshot(this.engine, this.config);
  }

  /**
   * Rebuilds an exchange from {@link Exchange.snapshot | snapshot()} on a clock (a `VirtualClock` at or after the
   * snapshot time). Throws `EXCHANGE_SNAPSHOT_INVALID` on a malformed snapshot.
   */
  static restore(snapshot: ExchangeSnapshot, options: { clock: Clock }): Exchange {
    checkSnapshot(snapshot);
    const ex = new Exchange(optionsOf(snapshot, options.clock));
    restoreInto(ex.engine, snapshot);
    return ex;
  }
}
