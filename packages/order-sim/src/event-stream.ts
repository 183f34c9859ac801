/**
 * The event stream: listeners by event kind, `events()` iterators, and when each report reaches the
 * user (acknowledgement and market-data latency). Events nobody listens to are never built.
 */
import { type Clock, type ExchangeEvent, type MarketEvent, TradeKitError, invalidValue } from '@tradekit/types';
import type { LatencyModel } from './latency.js';
import type { ExchangeEventMap, OrderTriggerEvent } from './options.js';

/** A listener of one event kind. */
export type Listener<T> = (event: T) => void;

/** Listeners, iterators and delivery times of everything the exchange reports. */
export class EventBus {
  private readonly listeners = new Map<keyof ExchangeEventMap, Set<Listener<never>>>();
  private readonly streams = new Set<EventStream>();
  private closed = false;
  /** Delivery time of the last report (reports never overtake each other). */
  lastDelivery = Number.NEGATIVE_INFINITY;
  private lastMdDelivery = Number.NEGATIVE_INFINITY;
  /** Reports scheduled but not yet delivered. */
  undelivered = 0;
  /**
   * Whether anyone reads each kind of report, kept up to date by every (un)subscription, so the
   * exchange asks with a field read instead of map lookups several times per operation.
   */
  wantsFill = false;
  wantsOrder = false;
  wantsPosition = false;
  wantsAccount = false;

  constructor(
    private readonly clock: Clock,
    private readonly ackLatency: LatencyModel,
    private readonly mdLatency: LatencyModel,
  ) {}

  /** Subscribes to one kind of event; returns a function that unsubscribes. */
  on<K extends keyof ExchangeEventMap>(type: K, listener: Listener<ExchangeEventMap[K]>): () => void {
    if (typeof listener !== 'function')
      throw invalidValue('EXCHANGE_INVALID_ARGUMENT', 'listener', 'a function', listener);
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener as Listener<never>);
    this.refresh();
    return () => {
      const had = set.delete(listener as Listener<never>);
      this.refresh();
      return had;
    };
  }

  /** Recomputes the `wants…` fields after a subscription changed. */
  private refresh(): void {
    this.wantsFill = this.wants('fill');
    this.wantsOrder = this.wants('order');
    this.wantsPosition = this.wants('position');
    this.wantsAccount = this.wants('account');
  }

  /** A bounded async iterator of every exchange event. */
  events(bufferSize: number): AsyncIterableIterator<ExchangeEvent> {
    const stream = new EventStream(bufferSize, () => {
      this.streams.delete(stream);
      this.refresh();
    });
    if (this.closed) stream.end();
    else this.streams.add(stream);
    this.refresh();
    return stream;
  }

  /** Ends every iterator. */
  close(): void {
    this.closed = true;
    for (const s of this.streams) s.end();
    this.streams.clear();
    this.refresh();
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
  reportAt(): number {
    const now = this.clock.now();
    if (this.ackLatency.isZero) return now;
    const at = Math.max(now + this.ackLatency.next(), this.lastDelivery);
    this.lastDelivery = at;
    return at;
  }

  /** Hands an event to the listeners at `at` (from {@link reportAt}). */
  emit(ev: ExchangeEvent, at: number): void {
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
  wants(type: keyof ExchangeEventMap): boolean {
    return (
      this.streams.size > 0 || (this.listeners.get(type)?.size ?? 0) > 0 || (this.listeners.get('event')?.size ?? 0) > 0
    );
  }

  /** True when someone listens to stop triggers. */
  wantsTrigger(): boolean {
    return (this.listeners.get('trigger')?.size ?? 0) > 0;
  }

  /** Hands a trigger event to `trigger` listeners at `at` (it is not an `ExchangeEvent`). */
  emitTrigger(ev: OrderTriggerEvent, at: number): void {
    const deliver = (): void => {
      const set = this.listeners.get('trigger');
      if (set) for (const fn of set) (fn as Listener<OrderTriggerEvent>)(ev);
    };
    if (this.ackLatency.isZero && this.undelivered === 0) {
      deliver();
      return;
    }
    this.undelivered++;
    this.clock.setTimeout(() => {
      this.undelivered--;
      deliver();
    }, at - this.clock.now());
  }

  /** Hands a market event to `market` listeners after the market-data latency. */
  market(e: MarketEvent): void {
    if (!this.listeners.has('market')) return;
    if (this.mdLatency.isZero) this.dispatchMarket(e);
    else {
      const now = this.clock.now();
      const at = Math.max(now + this.mdLatency.next(), this.lastMdDelivery);
      this.lastMdDelivery = at;
      this.clock.setTimeout(() => this.dispatchMarket(e), at - now);
    }
  }

  private dispatchMarket(e: MarketEvent): void {
    const set = this.listeners.get('market');
    if (set) for (const fn of set) (fn as Listener<MarketEvent>)(e);
  }
}

/** A bounded async queue of exchange events. */
export class EventStream implements AsyncIterableIterator<ExchangeEvent> {
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
