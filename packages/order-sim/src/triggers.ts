/**
 * Triggers: stop, stop-limit and trailing-stop orders wait here for the price they watch, then go
 * to the engine as market or limit orders.
 *
 * The price a stop watches (`stopTrigger`): `last` (default) is the last trade; with quotes only
 * and no trade yet, a sell stop fires when the bid touches it and a buy stop when the ask does.
 * `bid`, `ask` and `mid` watch the quote.
 */
import { ticksToPrice } from '@tradekit/types';
import type { Engine } from './engine.js';
import type { MarketState } from './market-state.js';
import { BUY, SELL } from './order-book.js';
import type { WorkingOrder } from './working-order.js';
import { isTerminal } from './orders.js';

/** The stops of one exchange. */
export class Triggers {
  constructor(private readonly ex: Engine) {}

  /** The price (in ticks, maybe a half tick for `mid`) a stop watches now; NaN when unknown. */
  price(m: MarketState, w: WorkingOrder): number {
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

  /**
   * Why a stop at `stopTick` may not be placed now: the price it watches has already reached it
   * (a sell stop at or above it, a buy stop at or below it). `undefined` when it may, or when
   * `stopThroughMarket: 'trigger'` allows it.
   */
  wrongSide(m: MarketState, w: WorkingOrder, stopTick: number, what = 'stop'): string | undefined {
    if (this.ex.cfg.stopThroughMarket === 'trigger' || Number.isNaN(stopTick)) return undefined;
    const p = this.price(m, w);
    if (Number.isNaN(p)) return undefined;
    const sell = w.cside === SELL;
    if (sell ? p > stopTick : p < stopTick) return undefined;
    const inst = m.inst;
    const watched = `${w.stopTrigger === 'last' && Number.isNaN(m.lastTick) ? (sell ? 'bid' : 'ask') : w.stopTrigger} ${ticksToPrice(inst, p)}`;
    return `A ${w.side} ${what} at ${ticksToPrice(inst, stopTick)} is ${sell ? 'at or above' : 'at or below'} the price it watches (${watched}), so it would trigger at once. Place a ${w.side} stop ${sell ? 'below' : 'above'} the market, use a limit order, or set stopThroughMarket: 'trigger' to let such stops fire at once.`;
  }

  /**
   * Triggers stops whose price was reached. `gap` is the bar-open tick a gap fills at, if any;
   * `print` the tick of the trade that moved the price, if a trade did.
   */
  check(m: MarketState, gap: number, print = Number.NaN): void {
    if (m.stops.length === 0 || !m.isOpen) return;
    for (const w of [...m.stops]) {
      if (isTerminal(w.status) || w.triggered) continue;
      const p = this.price(m, w);
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
      this.ex.store.reportTrigger(w);
      // A print through the book we hold means the book is stale (the print came first): the
      // stop executes against the book once it refreshes, never better than the print.
      if (!Number.isNaN(print) && (m.hasDepth || m.hasQuote)) {
        const stale = w.cside === SELL ? m.book.bestBid > print : m.book.bestAsk < print;
        if (stale) {
          m.awaitingBook.push(w);
          continue;
        }
      }
      // Without a book a stop fills where the path crossed it: at the gap, else at the stop price.
      const touch =
        m.hasDepth || m.hasQuote
          ? Number.NaN
          : !Number.isNaN(gap)
            ? gap
            : m.lastSource === 'bar'
              ? w.stopTick
              : Number.NaN;
      this.ex.execute(w, touch);
    }
  }
}
