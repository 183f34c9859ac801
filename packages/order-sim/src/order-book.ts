/**
 * The matching core: one price-time-priority book per instrument on integer ticks and integer
 * lots. No Decimal, no event objects: executions are reported through a {@link MatchSink}
 * callback so the exchange decides what to allocate.
 *
 * Each price level holds the market's displayed (external) size and an intrusive doubly linked
 * list of simulated resting orders. A resting order remembers how much displayed size was ahead
 * of it (`ahead`), which prints and size decreases eat away.
 */
import { TradeKitError } from '@tradekit/types';

import {
  BUY,
  BookSide,
  type CoreSide,
  type MatchSink,
  PriceLevel,
  type QueueDecreaseModel,
  RestingOrder,
  SELL,
} from './book-side.js';

export { BUY, SELL, type CoreSide, RestingOrder, PriceLevel, type MatchSink, type QueueDecreaseModel };

/**
 * A price-time-priority order book on integer ticks with O(1) cancel.
 *
 * @example
 * const book = new OrderBook();
 * book.add(1, 1, SELL, 100, 5);                 // account 1 rests 5 lots at tick 100
 * book.match(BUY, 100, 3, 2, (maker, tick, lots) => console.log(maker?.id, tick, lots)); // 1 100 3
 */
export class OrderBook {
  private readonly sides: [BookSide, BookSide] = [new BookSide(true), new BookSide(false)];
  // A plain array indexed by id: ids are small increasing integers in practice, and array slots
  // cost a fraction of Map operations on the add/cancel path.
  private byId: (RestingOrder | undefined)[] = [];
  private count = 0;
  // Nodes of fully filled or cancelled orders, reused by add(): the hot path then allocates nothing.
  // A node handed out by a MatchSink is only valid during that callback; check `ref` before reuse.
  private readonly pool: RestingOrder[] = [];
  private lastPrintFilled = 0;

  /** Best bid tick (orders or displayed size), or -Infinity. */
  get bestBid(): number {
    return this.sides[BUY].best;
  }

  /** Best ask tick, or +Infinity. */
  get bestAsk(): number {
    return this.sides[SELL].best;
  }

  /** Best tick of one side holding resting orders (displayed size alone does not count), or ±Infinity. */
  bestResting(side: CoreSide): number {
    return this.sides[side].queuedBest;
  }

  /**
   * True when an order could rest at `tick` on `side` without stretching either side's price
   * ladder beyond its span (16,777,216 ticks): the exchange rejects an order priced outside it.
   */
  fits(side: CoreSide, tick: number): boolean {
    return this.sides[side].fits(tick) && this.sides[side === BUY ? SELL : BUY].fits(tick);
  }

  /** Number of simulated orders resting. */
  get size(): number {
    return this.count;
  }

  /** The resting order with this core id. */
  get(id: number): RestingOrder | undefined {
    return this.byId[id];
  }

  /** The level at `tick` on `side`, if one was ever created. */
  levelAt(side: CoreSide, tick: number): PriceLevel | undefined {
    return this.sides[side].get(tick);
  }

  /** Displayed external lots at a price. */
  externalAt(side: CoreSide, tick: number): number {
    return this.sides[side].get(tick)?.external ?? 0;
  }

  /**
   * Submits a limit order: matches what crosses (`limitTick` ±Infinity for a market order), then
   * rests the remainder unless `rest` is false. Returns the resting order, or `null` when nothing rests.
   */
  add(
    id: number,
    account: number,
    side: CoreSide,
    limitTick: number,
    lots: number,
    sink?: MatchSink,
    rest = true,
    ref?: unknown,
  ): RestingOrder | null {
    const best = side === BUY ? this.sides[SELL].best : this.sides[BUY].best;
    const crosses = side === BUY ? best <= limitTick : best >= limitTick;
    const left = sink === undefined || !crosses ? lots : lots - this.match(side, limitTick, lots, account, sink);
    if (left <= 0 || !rest) return null;
    let order = this.pool.pop();
    if (order === undefined) order = new RestingOrder(id, account, side, limitTick, left, ref);
    else {
      order.id = id;
      order.account = account;
      order.side = side;
      order.tick = limitTick;
      order.qty = left;
      order.ref = ref;
    }
    this.rest(order);
    return order;
  }

  /** Puts an order at the back of its price level's queue, behind the displayed size there. */
  rest(order: RestingOrder): void {
    const bs = this.sides[order.side];
    const lv = bs.level(order.tick);
    const wasEmpty = lv.count === 0 && lv.external === 0;
    order.ahead = lv.external;
    order.level = lv;
    order.next = null;
    order.prev = lv.tail;
    if (lv.tail === null) lv.head = order;
    else lv.tail.next = order;
    lv.tail = order;
    if (lv.count++ === 0) bs.queueAdded(order.tick);
    // Negative ids rest anonymously: reachable through unlink() only, never by cancel(id).
    if (order.id >= 0) {
      if (!Number.isInteger(order.id) || order.id > 0x7fffffff) {
        throw new TradeKitError(
          'EXCHANGE_INVALID_ARGUMENT',
          `Expected a core order id to be an integer up to 2147483647 (or negative for anonymous orders), got ${order.id}.`,
        );
      }
      this.byId[order.id] = order;
    }
    this.count++;
    if (wasEmpty) bs.activate(order.tick);
  }

  /** Removes a resting order (O(1)). Returns false when it was not resting. */
  cancel(id: number): boolean {
    const order = this.byId[id];
    if (order === undefined) return false;
    this.unlink(order);
    this.release(order);
    return true;
  }

  /** Hands a node that left the book (and that nobody reads any more) back for reuse by {@link add}. */
  release(order: RestingOrder): void {
    order.ref = undefined;
    if (this.pool.length < 65_536) this.pool.push(order);
  }

  /** Removes the given resting order from its level. */
  unlink(order: RestingOrder): void {
    const lv = order.level;
    if (lv === null) return;
    if (order.prev === null) lv.head = order.next;
    else order.prev.next = order.next;
    if (order.next === null) lv.tail = order.prev;
    else order.next.prev = order.prev;
    order.prev = null;
    order.next = null;
    order.level = null;
    lv.count--;
    if (order.id >= 0) this.byId[order.id] = undefined;
    this.count--;
    if (lv.count === 0) {
      const bs = this.sides[order.side];
      bs.queueEmptied(lv.tick);
      if (lv.external === 0) bs.deactivate(lv.tick);
    }
  }

  /**
   * Matches an incoming order against the opposite side, best price first, up to `limitTick`
   * (inclusive). Orders of the same `account` are skipped (no self-trade). Returns lots filled.
   */
  match(side: CoreSide, limitTick: number, lots: number, account: number, sink: MatchSink): number {
    const opp = this.sides[side === BUY ? SELL : BUY];
    let rem = lots;
    let tick = opp.best;
    while (rem > 0 && (side === BUY ? tick <= limitTick : tick >= limitTick) && Number.isFinite(tick)) {
      const lv = opp.get(tick) as PriceLevel;
      rem = this.takeLevel(opp, lv, rem, account, sink);
      if (rem === 0) break;
      if (lv.count === 0 && lv.external === 0) {
        // Emptied: deactivate() already found the next best.
        tick = opp.best;
        continue;
      }
      const nxt = opp.nextLevelWithin(tick, limitTick);
      if (nxt === undefined) break;
      tick = nxt.tick;
    }
    return lots - rem;
  }

  /**
   * Takes up to `rem` lots from one level in queue order: displayed size ahead of each order,
   * then the order, then displayed size behind everyone. Returns what is left to fill.
   */
  private takeLevel(bs: BookSide, lv: PriceLevel, rem: number, account: number, sink: MatchSink): number {
    let extTaken = 0;
    let o = lv.head;
    while (rem > 0) {
      if (o === null) {
        if (lv.external > 0) {
          const x = Math.min(lv.external, rem);
          lv.external -= x;
          extTaken += x;
          rem -= x;
          // The level empties at exactly one moment: here, or in unlink() for its last order.
          if (lv.external === 0 && lv.count === 0) bs.deactivate(lv.tick);
          sink(null, lv.tick, x);
        }
        break;
      }
      const need = o.ahead - extTaken;
      if (need > 0 && lv.external > 0) {
        let x = Math.min(need, lv.external);
        if (x > rem) x = rem;
        lv.external -= x;
        extTaken += x;
        rem -= x;
        sink(null, lv.tick, x);
        if (rem === 0) break;
      }
      if (o.account === account) {
        o = o.next;
        continue;
      }
      const x = Math.min(o.qty, rem);
      o.qty -= x;
      rem -= x;
      const next = o.next;
      if (o.qty === 0) {
        this.unlink(o);
        sink(o, lv.tick, x);
        this.release(o);
      } else sink(o, lv.tick, x);
      o = next;
    }
    if (extTaken > 0) {
      for (let q = lv.head; q !== null; q = q.next) q.ahead = q.ahead > extTaken ? q.ahead - extTaken : 0;
    }
    return rem;
  }

  /** Lots that an order could take now up to `limitTick` (for FOK and post-only checks). */
  available(side: CoreSide, limitTick: number, account: number, upTo = Number.POSITIVE_INFINITY): number {
    const opp = this.sides[side === BUY ? SELL : BUY];
    let total = 0;
    let tick = opp.best;
    while (Number.isFinite(tick) && (side === BUY ? tick <= limitTick : tick >= limitTick)) {
      const lv = opp.get(tick) as PriceLevel;
      total += lv.external;
      for (let o = lv.head; o !== null; o = o.next) if (o.account !== account) total += o.qty;
      if (total >= upTo) return total;
      const nxt = opp.nextLevelWithin(tick, limitTick);
      if (nxt === undefined) break;
      tick = nxt.tick;
    }
    return total;
  }

  /**
   * Sets the displayed external size at a price (a market-data refresh). A decrease moves resting
   * orders there forward through `onDecrease` (default: never more than what is displayed).
   */
  setExternal(side: CoreSide, tick: number, lots: number, onDecrease?: QueueDecreaseModel): void {
    const bs = this.sides[side];
    const lv = lots > 0 ? bs.level(tick) : bs.get(tick);
    if (lv === undefined) return;
    const before = lv.external;
    if (before === lots) return;
    const wasEmpty = lv.count === 0 && before === 0;
    lv.external = lots;
    if (lots < before) {
      for (let o = lv.head; o !== null; o = o.next) {
        let a = onDecrease === undefined ? o.ahead : onDecrease(o, before, lots);
        if (a > lots) a = lots;
        if (a < 0) a = 0;
        o.ahead = a;
      }
    }
    const isEmpty = lv.count === 0 && lots === 0;
    if (wasEmpty && !isEmpty) bs.activate(tick);
    else if (!wasEmpty && isEmpty) bs.deactivate(tick);
  }

  /** Removes all displayed external size on one side (before a full book snapshot). */
  clearExternal(side: CoreSide): void {
    const bs = this.sides[side];
    for (const lv of bs.levels) if (lv !== undefined && lv.external > 0) this.setExternal(side, lv.tick, 0);
  }

  /** Best tick with displayed external size on one side, or NaN when none. */
  bestExternal(side: CoreSide): number {
    const bs = this.sides[side];
    let t = bs.best;
    while (Number.isFinite(t)) {
      const lv = bs.get(t) as PriceLevel;
      if (lv.external > 0) return t;
      const n = bs.nextLevel(t);
      if (n === undefined) break;
      t = n.tick;
    }
    return Number.NaN;
  }

  /** Resting orders on one side in priority order (best price first, FIFO within a price). */
  restingOrders(side: CoreSide): RestingOrder[] {
    const out: RestingOrder[] = [];
    const bs = this.sides[side];
    let t = bs.best;
    while (Number.isFinite(t)) {
      const lv = bs.get(t) as PriceLevel;
      for (let o = lv.head; o !== null; o = o.next) out.push(o);
      const n = bs.nextLevel(t);
      if (n === undefined) break;
      t = n.tick;
    }
    return out;
  }

  /** Ticks with displayed external size on one side, best first, as `[tick, lots]` pairs. */
  externalLevels(side: CoreSide): [number, number][] {
    const out: [number, number][] = [];
    for (const lv of this.sides[side].levels) if (lv !== undefined && lv.external > 0) out.push([lv.tick, lv.external]);
    if (side === BUY) out.reverse();
    return out;
  }

  /**
   * A print of `lots` at `tick` on the market: resting orders priced through the print fill first
   * (best price first), then orders at the print price advance in the queue and fill once the
   * displayed size ahead of them has traded. `atPrice` false fills only trade-throughs
   * (risk-averse). The print's volume is shared, never reused. Returns lots filled.
   */
  print(tick: number, lots: number, sink: MatchSink, atPrice = true): number {
    let rem = lots;
    let filled = 0;
    // Buy orders at or above the print and sell orders at or below it are candidates.
    for (let s = 0; s < 2 && rem > 0; s++) {
      const bs = this.sides[s as CoreSide];
      const isBid = bs.isBid;
      let t = bs.best;
      while (rem > 0 && Number.isFinite(t) && (isBid ? t >= tick : t <= tick)) {
        const lv = bs.get(t) as PriceLevel;
        // Levels past the print are no candidates: look no further than it.
        const nxt = t === tick ? undefined : bs.nextLevelWithin(t, tick);
        if (t !== tick) {
          for (let o = lv.head; o !== null && rem > 0; ) {
            const x = Math.min(o.qty, rem);
            o.qty -= x;
            rem -= x;
            filled += x;
            const next = o.next;
            if (o.qty === 0) {
              this.unlink(o);
              sink(o, t, x);
              this.release(o);
            } else sink(o, t, x);
            o = next;
          }
        } else if (atPrice && lv.count > 0) {
          rem = this.printAtLevel(lv, rem, sink);
          filled += this.lastPrintFilled;
        } else if (!atPrice) {
          break;
        }
        if (nxt === undefined) break;
        t = nxt.tick;
      }
    }
    return filled;
  }

  private printAtLevel(lv: PriceLevel, rem: number, sink: MatchSink): number {
    let traded = 0;
    let filled = 0;
    for (let o = lv.head; o !== null && rem > 0; ) {
      const need = o.ahead - traded;
      if (need > 0) {
        const x = Math.min(need, rem);
        traded += x;
        rem -= x;
        if (rem === 0) break;
      }
      const x = Math.min(o.qty, rem);
      o.qty -= x;
      rem -= x;
      filled += x;
      const next = o.next;
      if (o.qty === 0) {
        this.unlink(o);
        sink(o, lv.tick, x);
        this.release(o);
      } else sink(o, lv.tick, x);
      o = next;
    }
    if (traded > 0) for (let q = lv.head; q !== null; q = q.next) q.ahead = q.ahead > traded ? q.ahead - traded : 0;
    this.lastPrintFilled = filled;
    return rem;
  }

  /**
   * Resting orders crossed by the opposite side's displayed size (the market moved through them):
   * buys at or above the best displayed ask fill at their own price against that size.
   */
  crossExternal(sink: MatchSink): void {
    for (let s = 0; s < 2; s++) {
      const mine = this.sides[s as CoreSide];
      const opp = this.sides[s === BUY ? SELL : BUY];
      // From the best level with resting orders: walking down from the displayed best instead
      // costs a step per tick between the market and the nearest order, on every book change.
      let t = mine.queuedBest;
      while (Number.isFinite(t)) {
        const lv = mine.get(t) as PriceLevel;
        if (lv.count === 0) {
          const n = mine.nextLevel(t);
          if (n === undefined) break;
          t = n.tick;
          continue;
        }
        // Find displayed opposite size priced at or through this level.
        let avail = 0;
        let ot = opp.best;
        while (Number.isFinite(ot) && (mine.isBid ? ot <= t : ot >= t)) {
          avail += (opp.get(ot) as PriceLevel).external;
          const n = opp.nextLevelWithin(ot, t);
          if (n === undefined) break;
          ot = n.tick;
        }
        if (avail === 0) break;
        let ot2 = opp.best;
        for (let o = lv.head; o !== null && avail > 0; ) {
          const next = o.next;
          let x = Math.min(o.qty, avail);
          avail -= x;
          // Consume the displayed size that crossed, best first.
          let y = x;
          while (y > 0 && Number.isFinite(ot2)) {
            const olv = opp.get(ot2) as PriceLevel;
            const take = Math.min(olv.external, y);
            if (take > 0) this.setExternal(opp.isBid ? BUY : SELL, ot2, olv.external - take);
            y -= take;
            if (olv.external === 0) {
              const n = opp.nextLevel(ot2);
              ot2 = n === undefined ? Number.NaN : n.tick;
            }
          }
          x -= y;
          o.qty -= x;
          if (o.qty === 0) {
            this.unlink(o);
            sink(o, t, x);
            this.release(o);
          } else sink(o, t, x);
          o = next;
        }
        const n = mine.nextLevel(t);
        if (n === undefined) break;
        t = n.tick;
      }
    }
  }
}
