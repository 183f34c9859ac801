/**
 * Triggers: stop, stop-limit and trailing-stop orders wait here for the price they watch, then go
 * to the engine as market or limit orders.
 *
 * The price a stop watches (`stopTrigger`): `last` (default) is the last trade; with quotes only
 * and no trade yet, a sell stop fires when the bid touches it and a buy stop when the ask does.
 * `bid`, `ask` and `mid` watch the quote.
 */
import { isTerminalStatus } from '@tradekit/types';
import type { Engine } from './engine.js';
import type { MarketState } from './market-state.js';
import { BUY, SELL } from './order-book.js';
import type { WorkingOrder } from './working-order.js';

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

  /** Triggers stops whose price was reached. `gap` is the bar-open tick a gap fills at, if any. */
  check(m: MarketState, gap: number): void {
    if (m.stops.length === 0) return;
    for (const w of [...m.stops]) {
      if (isTerminalStatus(w.status) || w.triggered) continue;
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
      this.ex.store.report(w, w.status);
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
