/**
 * The matching engine: wires the one-concept modules together and moves a market event through
 * them in one direction:
 *
 *   market event → market state (touch, last, displayed size) → matching core (fills)
 *     → order state + accounting (status, money) → contingent orders (OCO, brackets)
 *     → triggers (stops) → waiting market orders → event stream (reports)
 *
 * Orders enter through {@link OrderEntry} and take liquidity through {@link Engine.execute}.
 */
import {
  type BarEvent,
  type Clock,
  type Instrument,
  type MarketEvent,
  type OrderLevelEvent,
  Rng,
  TradeKitError,
  type TradeEvent,
  US_PER_DAY,
  describeValue,
  invalidValue,
  priceToTicks,
  sessionAt,
} from '@tradekit/types';
import { Accounting } from './accounting.js';
import { Contingent } from './contingent.js';
import { EventBus } from './event-stream.js';
import { LatencyModel } from './latency.js';
import { MarketState, sizeToLots } from './market-state.js';
import { BIG, MARKET_ACCOUNT, type ResolvedOptions } from './options.js';
import { BUY, type MatchSink, type QueueDecreaseModel, SELL } from './order-book.js';
import { OrderEntry } from './order-entry.js';
import { OrderStore, isTerminal, transition } from './orders.js';
import { Triggers } from './triggers.js';
import { WorkingOrder } from './working-order.js';

/** The state and the flow of one simulated exchange. */
export class Engine {
  readonly clock: Clock;
  readonly cfg: ResolvedOptions;
  readonly markets = new Map<string, MarketState>();
  readonly rngs: Record<string, Rng>;
  readonly bus: EventBus;
  readonly store: OrderStore;
  readonly accounting: Accounting;
  readonly contingent: Contingent;
  readonly triggers: Triggers;
  readonly entry: OrderEntry;
  readonly decreaseModel: QueueDecreaseModel | undefined;
  /** Last fill number issued (`f1`, `f2`…). */
  fillSeq = 0;
  // Executions found by the matching core, applied once the core is done: a stack of parallel
  // arrays (no object per execution). A nested match (a bracket leg executing while fills are
  // applied) pushes above the current range and pops back before the outer loop goes on.
  private readonly fMaker: (WorkingOrder | null)[] = [];
  private readonly fTaker: (WorkingOrder | null)[] = [];
  private readonly fTick: number[] = [];
  private readonly fLots: number[] = [];
  private fLen = 0;
  private taker: WorkingOrder | null = null;
  private gapTick = Number.NaN;
  readonly sink: MatchSink = (maker, tick, lots) => {
    let t = tick;
    // Order-level (L3) market orders rest in the core too; they are the market's liquidity.
    const m = maker === null || !(maker.ref instanceof WorkingOrder) ? null : maker.ref;
    if (m !== null && this.taker === null && !Number.isNaN(this.gapTick)) {
      t = m.cside === BUY ? Math.min(tick, this.gapTick) : Math.max(tick, this.gapTick);
    }
    const i = this.fLen++;
    this.fMaker[i] = m;
    this.fTaker[i] = this.taker;
    this.fTick[i] = t;
    this.fLots[i] = lots;
  };

  constructor(cfg: ResolvedOptions) {
    this.cfg = cfg;
    this.clock = cfg.clock;
    for (const inst of cfg.instruments) this.markets.set(inst.symbol, new MarketState(inst, cfg.markPrice));
    const root = new Rng(cfg.seed);
    this.rngs = {
      entry: root.fork('latency.entry'),
      ack: root.fork('latency.ack'),
      md: root.fork('latency.marketData'),
      queue: root.fork('queue'),
    };
    const lat = cfg.latency;
    const entryLatency = new LatencyModel('latency.orderEntry', lat.orderEntry, this.rngs.entry as Rng);
    const ackLatency = new LatencyModel('latency.ack', lat.ack, this.rngs.ack as Rng);
    const mdLatency = new LatencyModel('latency.marketData', lat.marketData, this.rngs.md as Rng);
    const qrng = this.rngs.queue as Rng;
    this.decreaseModel =
      cfg.queueModel === 'probabilistic'
        ? (o, before, after) => (before > 0 && qrng.next() < o.ahead / before ? o.ahead - (before - after) : o.ahead)
        : undefined;
    this.bus = new EventBus(this.clock, ackLatency, mdLatency);
    this.accounting = new Accounting(this.clock, cfg.fees, cfg.accounts, cfg.instruments, this.markets);
    this.store = new OrderStore(this.clock, this.bus, cfg.retainClosedOrders);
    this.store.onTerminal = (w) => this.retire(w);
    this.contingent = new Contingent(this);
    this.triggers = new Triggers(this);
    this.entry = new OrderEntry(this, entryLatency);
  }

  private lastSymbol: unknown = undefined;
  private lastMarket: MarketState | undefined = undefined;

  /**
   * The market of a symbol, or undefined: `markets.get` with the last symbol found remembered
   * (orders and market data mostly repeat one symbol; the markets never change after construction).
   */
  marketOf(symbol: string): MarketState | undefined {
    if (symbol === this.lastSymbol) return this.lastMarket;
    const m = this.markets.get(symbol);
    if (m !== undefined) {
      this.lastSymbol = symbol;
      this.lastMarket = m;
    }
    return m;
  }

  /** The market of a symbol; throws `EXCHANGE_UNKNOWN_SYMBOL` otherwise. */
  market(symbol: string): MarketState {
    const m = this.marketOf(symbol);
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

  // ─────────────────────────── market data ───────────────────────────

  /** Applies one market event now (time has already been advanced to it). */
  applyMarketEvent(e: MarketEvent): void {
    this.bus.market(e);
    const m = this.marketOf(e.symbol);
    if (m === undefined) return;
    switch (e.type) {
      case 'quote':
        m.applyQuote(e, this.decreaseModel);
        this.afterBookChange(m);
        break;
      case 'trade':
        this.onTrade(m, e);
        break;
      case 'book_snapshot':
      case 'book_delta':
        m.applyBook(e, this.decreaseModel);
        this.afterBookChange(m);
        break;
      case 'bar':
        this.onBar(m, e);
        break;
      case 'status': {
        const wasOpen = m.isOpen;
        m.status = e.status;
        if (e.status === 'close')
          for (const w of [...this.store.open]) if (w.market === m && w.tif === 'DAY') this.expire(w);
        // Back from a halt or a close: orders meet the market as it is now.
        if (!wasOpen && m.isOpen) this.afterBookChange(m);
        break;
      }
      default:
        throw invalidValue(
          'EXCHANGE_INVALID_ARGUMENT',
          'event.type',
          'a market event type',
          (e as { type?: unknown }).type,
        );
    }
  }

  /** Lots orders may take at a print or bar of `lots` under `fillPolicy.printShare`. */
  private printCap(lots: number): number {
    const share = this.cfg.fillPolicy.printShare;
    return share === undefined ? BIG : Math.floor(lots * share + 1e-9);
  }

  private afterBookChange(m: MarketState): void {
    // Halted or closed: the market state follows the data, but nothing fills or triggers.
    if (!m.isOpen) return;
    const s = this.fLen;
    m.book.crossExternal(this.sink);
    if (this.fLen > s) this.applyFrom(s);
    this.triggers.check(m, Number.NaN);
    if (m.awaitingBook.length > 0) this.executeAwaitingBook(m);
    this.retryWaiting(m, Number.NaN);
  }

  /** Stops triggered by a print through a stale book execute against the refreshed book. */
  private executeAwaitingBook(m: MarketState): void {
    const list = m.awaitingBook;
    m.awaitingBook = [];
    for (const w of list) if (!isTerminal(w.status)) this.execute(w, Number.NaN);
  }

  private onTrade(m: MarketState, e: TradeEvent): void {
    const tick = priceToTicks(m.inst, e.price);
    m.setLast(tick, 'trade');
    const lots = sizeToLots(m.inst, e.size);
    m.printLots = this.printCap(lots);
    if (!m.isOpen) return;
    if (m.book.size > 0 && lots > 0) {
      // With order-level data, executions at the price come as order_execute events instead.
      const q = this.cfg.queueModel;
      const atPrice = q !== 'risk-averse' && q !== 'fifo';
      const s = this.fLen;
      m.book.print(tick, lots, this.sink, atPrice);
      if (this.fLen > s) this.applyFrom(s);
    }
    this.triggers.check(m, Number.NaN, tick);
    this.retryWaiting(m, tick);
  }

  private onBar(m: MarketState, e: BarEvent): void {
    const inst = m.inst;
    const o = priceToTicks(inst, e.open);
    const h = priceToTicks(inst, e.high);
    const l = priceToTicks(inst, e.low);
    const c = priceToTicks(inst, e.close);
    if (!m.isOpen) {
      m.setLast(c, 'bar');
      return;
    }
    let lowFirst = c >= o;
    if (this.cfg.fillPolicy.barPath === 'stop_first') {
      let sellHit = false;
      let buyHit = false;
      for (const w of m.stops) {
        if (Number.isNaN(w.stopTick)) continue;
        if (w.cside === SELL && l <= w.stopTick) sellHit = true;
        if (w.cside === BUY && h >= w.stopTick) buyHit = true;
      }
      if (sellHit !== buyHit) lowFirst = sellHit;
    }
    // The OHLC path, without an array per bar.
    const p1 = lowFirst ? l : h;
    const p2 = lowFirst ? h : l;
    for (let i = 0; i < 4; i++) {
      const p = i === 0 ? o : i === 1 ? p1 : i === 2 ? p2 : c;
      if (i > 0 && p === (i === 1 ? o : i === 2 ? p1 : p2)) continue;
      m.setLast(p, 'bar');
      // The bar's volume in lots matters only under a print share.
      if (i === 0)
        m.printLots = this.cfg.fillPolicy.printShare === undefined ? BIG : this.printCap(sizeToLots(inst, e.volume));
      if (m.book.size > 0) {
        if (i === 0) this.gapTick = p;
        const s = this.fLen;
        m.book.print(p, BIG, this.sink, this.cfg.queueModel !== 'risk-averse');
        this.gapTick = Number.NaN;
        if (this.fLen > s) this.applyFrom(s);
      }
      if (i === 0) this.retryWaiting(m, p);
      this.triggers.check(m, i === 0 ? p : Number.NaN);
    }
  }

  /** Applies one order-level (L3) event. Unknown symbols are ignored. */
  applyOrderLevelEvent(event: OrderLevelEvent): void {
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
          sizeToLots(inst, event.size),
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
        const lots = sizeToLots(inst, event.size);
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
        let vol = sizeToLots(inst, event.size);
        // The volume that hit this order would have hit the simulated orders queued before it first.
        const s = this.fLen;
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
        // The venue's own order follows the data, so later messages about it stay consistent.
        live.qty -= sizeToLots(inst, event.size);
        if (live.qty <= 0) {
          m.book.unlink(live);
          m.l3.delete(event.orderId);
        }
        m.setLast(tick, 'trade');
        if (this.fLen > s) this.applyFrom(s);
        this.triggers.check(m, Number.NaN);
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

  // ──────────────────────────── execution ────────────────────────────

  /** The price a market order fills at without a book (last trade, or last close by policy). */
  touchTick(m: MarketState, market: boolean): number {
    if (m.lastSource === 'trade') return m.lastTick;
    if (m.lastSource === 'bar' && (!market || this.cfg.fillPolicy.barMarketOrders === 'last_close')) return m.lastTick;
    return Number.NaN;
  }

  /** Runs an order that may take liquidity now, then rests or waits with what is left. */
  execute(w: WorkingOrder, touch: number): void {
    const m = w.market;
    const isLimit = w.type === 'limit' || w.type === 'stop_limit';
    const limit = isLimit ? w.limitTick : w.cside === BUY ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    this.take(w, limit, touch);
    if (isTerminal(w.status) || w.remainingLots <= 0) return;
    if (w.tif === 'IOC' || w.tif === 'FOK') {
      this.store.setStatus(w, 'canceled');
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
    const s = this.fLen;
    this.taker = w;
    try {
      m.book.match(w.cside, limit, w.remainingLots, w.account.key, this.sink);
    } catch (err) {
      this.fLen = s;
      throw err;
    } finally {
      this.taker = null;
    }
    if (this.fLen > s) this.applyFrom(s);
    if (isTerminal(w.status) || w.remainingLots <= 0 || m.hasDepth || m.hasQuote) return;
    const t = Number.isNaN(touch) ? this.touchTick(m, w.type !== 'limit' && w.type !== 'stop_limit') : touch;
    if (Number.isNaN(t)) return;
    const ok = !Number.isFinite(limit) || (w.cside === BUY ? t <= limit : t >= limit);
    if (!ok) return;
    const lots = Math.min(w.remainingLots, m.printLots);
    if (lots <= 0) return;
    if (m.printLots !== BIG) m.printLots -= lots;
    this.applyFill(w, t, lots, 'taker');
  }

  /** Market orders that waited for liquidity try again. */
  retryWaiting(m: MarketState, touch: number): void {
    if (m.waiting.length === 0) return;
    const list = m.waiting;
    m.waiting = [];
    for (const w of list) {
      w.waiting = false;
      if (isTerminal(w.status)) continue;
      this.execute(w, touch);
    }
  }

  /** Applies the executions found since `start` (makers first, as the core found them), then pops them. */
  private applyFrom(start: number): void {
    const end = this.fLen;
    for (let i = start; i < end; i++) {
      const maker = this.fMaker[i] as WorkingOrder | null;
      const taker = this.fTaker[i] as WorkingOrder | null;
      const tick = this.fTick[i] as number;
      const lots = this.fLots[i] as number;
      if (maker !== null) this.applyFill(maker, tick, lots, 'maker');
      if (taker !== null) this.applyFill(taker, tick, lots, 'taker');
    }
    for (let i = start; i < end; i++) {
      this.fMaker[i] = null;
      this.fTaker[i] = null;
    }
    this.fLen = start;
  }

  /** One fill of `w`: order state, money, reports, then contingent orders react. */
  applyFill(w: WorkingOrder, tick: number, lots: number, liquidity: 'maker' | 'taker'): void {
    if (isTerminal(w.status) || lots <= 0) return;
    const m = w.market;
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
    const { price, quantity, fee, position } = this.accounting.book(w, tick, lots, liquidity, first);
    const next = w.filledLots >= w.lots ? 'filled' : 'partially_filled';
    const prev = transition(w, next);
    w.updatedAt = now;
    if (next === 'filled') this.store.close(w);
    // Numbered whether or not anyone listens, so fill ids never depend on subscriptions.
    const fillSeq = ++this.fillSeq;
    const bus = this.bus;
    const at = bus.reportAt();
    const acct = w.account;
    if (bus.wantsFill)
      bus.emit(
        {
          type: 'fill',
          ts: now,
          fill: {
            id: `f${fillSeq}`,
            orderId: w.id,
            clientOrderId: w.clientOrderId,
            accountId: acct.id,
            symbol: m.inst.symbol,
            side: w.side,
            price,
            quantity,
            fee,
            liquidity,
            ts: now,
          },
        },
        at,
      );
    if (bus.wantsOrder) bus.emit({ type: 'order', ts: now, order: w.toOrder(), previousStatus: prev }, at);
    if (bus.wantsPosition) bus.emit({ type: 'position', ts: now, position: position.toPosition(m.markTick()) }, at);
    if (bus.wantsAccount)
      bus.emit({ type: 'account', ts: now, account: this.accounting.snapshot(acct, this.store.open) }, at);
    this.contingent.onFill(w);
  }

  /** Leaves every working structure once terminal. */
  private retire(w: WorkingOrder): void {
    const m = w.market;
    const node = w.node;
    if (node !== null) {
      w.node = null;
      // Still ours and resting: it leaves the book and goes back to the core's pool (nothing
      // else holds it: readers check `node.ref === w` first).
      if (node.ref === w && node.level !== null) {
        m.book.unlink(node);
        m.book.release(node);
      }
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
    if (m.awaitingBook.length > 0) {
      const k = m.awaitingBook.indexOf(w);
      if (k >= 0) m.awaitingBook.splice(k, 1);
    }
    this.contingent.onClose(w);
  }

  /** Expires an order (DAY at the session's close, GTD at `expireAt`). */
  expire(w: WorkingOrder): void {
    if (isTerminal(w.status)) return;
    this.store.setStatus(w, 'expired');
  }

  /** Schedules a DAY or GTD order's expiry on the clock. */
  scheduleExpiry(w: WorkingOrder): void {
    const now = this.clock.now();
    let at = Number.NaN;
    if (w.tif === 'GTD') at = w.request.expireAt as number;
    else if (w.tif === 'DAY') {
      const s = sessionAt(w.market.inst, now);
      at = s && Number.isFinite(s.close) ? s.close : (Math.floor(now / US_PER_DAY) + 1) * US_PER_DAY;
    }
    if (!Number.isNaN(at)) w.timer = this.clock.setTimeout(() => this.expire(w), Math.max(0, at - now));
  }

  /** The instrument of a symbol. */
  instrument(symbol: string): Instrument {
    return this.market(symbol).inst;
  }
}
