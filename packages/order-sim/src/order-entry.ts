/**
 * Order entry: requests travel to the exchange (order-entry latency), are validated on arrival,
 * accepted or rejected, and go to the triggers (stops) or the engine (orders that may take
 * liquidity now). Cancels and modifies travel the same road, in order.
 */
import {
  type Order,
  type OrderRequest,
  type OrderStatus,
  type RejectReason,
  TradeKitError,
  defineInstrument,
  invalidValue,
  isOnGrid,
  lotsToQuantity,
  priceToTicks,
  quantityToLots,
} from '@tradekit/types';
import type { Engine } from './engine.js';
import type { LatencyModel } from './latency.js';
import { MarketState } from './market-state.js';
import type { OrderChanges } from './options.js';
import { STOP_WRONG_SIDE, checkRequest, outOfRange, riskCheck, validate } from './validation.js';
import { plainRequestCode } from './order-flags.js';
import { WorkingOrder } from './working-order.js';
import { isTerminal } from './orders.js';

/** The order-entry gateway of one exchange. */
export class OrderEntry {
  /** Arrival time of the last request sent (requests never overtake each other). */
  lastArrival = Number.NEGATIVE_INFINITY;
  /** Requests sent but not yet arrived. */
  inFlight = 0;

  constructor(
    private readonly ex: Engine,
    private readonly latency: LatencyModel,
  ) {}

  /**
   * Sends an order and returns its current view: `pending_new` while it travels (order-entry
   * latency), or already worked (new, filled…) when there is no latency. Rejections arrive as order events with status
   * `rejected`. Throws `ORDER_REQUEST_INVALID` for requests of the wrong shape (a programming error).
   */
  place(request: OrderRequest): Order {
    checkRequest(this.ex, request);
    const account = this.ex.accounting.account(request.accountId ?? 'default');
    const known = this.ex.marketOf(request.symbol);
    const m = known ?? new MarketState(defineInstrument({ symbol: request.symbol || '?', tickSize: 1 }));
    // A plain request (symbol, side, type, quantity, price, account, time in force) is read into
    // the order and not kept; any other is copied (the caller may reuse its object).
    const code = known !== undefined ? plainRequestCode(request) : 0;
    const w = new WorkingOrder(
      ++this.ex.store.seq,
      code === 0 ? { ...request } : request,
      account,
      m,
      this.ex.cfg.stopTrigger,
      this.ex.clock.now(),
    );
    if (code !== 0 && !w.dropRequest(code)) w.request = { ...request };
    this.ex.store.add(w);
    this.ex.store.report(w, null);
    // Without latency (and nothing in flight) the order arrives at once: no closure to allocate.
    if (this.latency.isZero && this.inFlight === 0) this.arrive(w);
    else this.send(() => this.arrive(w));
    return w.toOrder();
  }

  /**
   * Asks to cancel an order (travels with the order-entry latency). Returns false when the order is
   * already terminal. Throws `ORDER_UNKNOWN` for an id the exchange never saw.
   */
  cancel(orderId: string): boolean {
    const w = this.ex.store.get(orderId);
    if (isTerminal(w.status)) return false;
    if (w.status === 'inactive') {
      this.ex.store.setStatus(w, 'canceled');
      return true;
    }
    if (w.status === 'new' || w.status === 'partially_filled' || w.status === 'pending_replace')
      this.ex.store.setStatus(w, 'pending_cancel');
    if (this.latency.isZero && this.inFlight === 0) this.arriveCancel(w);
    else this.send(() => this.arriveCancel(w));
    return true;
  }

  private arriveCancel(w: WorkingOrder): void {
    if (isTerminal(w.status)) return;
    this.ex.store.setStatus(w, 'canceled');
  }

  /**
   * Asks to change an order's price, stop price or total quantity. A price change or a size
   * increase sends the order to the back of the queue; a decrease keeps its place.
   * Throws `ORDER_NOT_MODIFIABLE` for terminal or inactive orders.
   */
  modify(orderId: string, changes: OrderChanges): Order {
    const w = this.ex.store.get(orderId);
    if (typeof changes !== 'object' || changes === null)
      throw invalidValue('ORDER_REQUEST_INVALID', 'changes', 'an object like { price: 101 }', changes);
    for (const k of ['price', 'stopPrice', 'quantity'] as const) {
      if (changes[k] !== undefined && (typeof changes[k] !== 'number' || !Number.isFinite(changes[k]))) {
        throw invalidValue('ORDER_REQUEST_INVALID', `changes.${k}`, 'a finite number', changes[k]);
      }
    }
    if (
      isTerminal(w.status) ||
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
    if (w.status !== 'pending_replace') this.ex.store.setStatus(w, 'pending_replace');
    this.send(() => this.applyModify(w, changes, back ?? (w.filledLots > 0 ? 'partially_filled' : 'new')));
    return w.toOrder();
  }

  /** Sends an action to the exchange: at once without latency, else after it (in order). */
  private send(action: () => void): void {
    if (this.latency.isZero && this.inFlight === 0) {
      action();
      return;
    }
    const now = this.ex.clock.now();
    const at = Math.max(now + this.latency.next(), this.lastArrival);
    this.lastArrival = at;
    this.inFlight++;
    this.ex.clock.setTimeout(() => {
      this.inFlight--;
      action();
    }, at - now);
  }

  private reject(w: WorkingOrder, reason: RejectReason, message: string): void {
    w.rejectReason = reason;
    w.rejectMessage = message;
    this.ex.store.setStatus(w, 'rejected');
  }

  private arrive(w: WorkingOrder): void {
    if (w.status !== 'pending_new') return;
    const bad = validate(this.ex, w) ?? riskCheck(this.ex, w);
    if (bad) {
      this.reject(w, bad[0], bad[1]);
      return;
    }
    this.accept(w);
  }

  private accept(w: WorkingOrder): void {
    const m = w.market;
    this.ex.store.setStatus(w, 'new');
    const r = w.req;
    if (r !== null) {
      if (r.ocoGroup !== undefined) this.ex.contingent.join(w, r.ocoGroup);
      if (r.bracket && (r.bracket.stopLoss || r.bracket.takeProfit)) this.ex.contingent.createChildren(w);
    }
    this.ex.scheduleExpiry(w);
    if (w.type === 'stop' || w.type === 'stop_limit' || w.type === 'trailing_stop') {
      m.stops.push(w);
      this.ex.triggers.check(m, Number.NaN);
      return;
    }
    this.ex.execute(w, Number.NaN);
  }

  private applyModify(w: WorkingOrder, changes: OrderChanges, back: OrderStatus): void {
    if (isTerminal(w.status)) return;
    const m = w.market;
    const inst = m.inst;
    const bad = (msg: string, reason: RejectReason = 'ORDER_INVALID'): void => {
      w.rejectReason = reason;
      w.rejectMessage = msg;
      this.ex.store.setStatus(
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
    const far = changes.price !== undefined ? outOfRange(w, 'price', newTick, w.cside) : undefined;
    if (far) {
      bad(`Modify refused: ${far[1]}`, far[0]);
      return;
    }
    if (changes.stopPrice !== undefined && (w.type === 'stop' || w.type === 'stop_limit') && !w.triggered) {
      const msg = this.ex.triggers.wrongSide(m, w, priceToTicks(inst, changes.stopPrice));
      if (msg) {
        bad(`Modify refused: ${msg}`, STOP_WRONG_SIDE);
        return;
      }
    }
    const priceChanged = changes.price !== undefined && newTick !== w.limitTick;
    const increased = newLots > w.lots;
    // The request as sent stays what it was: a plain one is copied before the order changes.
    w.keepRequest();
    w.rejectReason = undefined;
    w.rejectMessage = undefined;
    w.lots = newLots;
    w.quantity = lotsToQuantity(inst, newLots);
    if (changes.stopPrice !== undefined) w.stopTick = priceToTicks(inst, changes.stopPrice);
    if (changes.price !== undefined) w.limitTick = newTick;
    this.ex.store.setStatus(w, w.filledLots > 0 ? 'partially_filled' : 'new');
    const node = w.node !== null && w.node.ref === w && w.node.level !== null ? w.node : null;
    if (node !== null) {
      if (priceChanged || increased) {
        m.book.unlink(node);
        w.node = null;
        this.ex.execute(w, Number.NaN);
      } else {
        node.qty = w.remainingLots;
      }
    } else if (m.stops.includes(w)) {
      this.ex.triggers.check(m, Number.NaN);
    }
  }
}
