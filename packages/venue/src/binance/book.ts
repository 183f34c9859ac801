/**
 * The L2 book a Binance market shows, with Binance's update ids: every applied market event that
 * changes levels gets the ids `U..u` (one per changed level), and the REST snapshot reports the last
 * id applied, so a client that buffers the diff stream and syncs on `lastUpdateId` (as ccxt does)
 * ends with the same book.
 */
import type { MarketEvent } from '@tradekit/types';

/** One diff of the book: the new absolute size of each changed level (0 removes it). */
export interface BookDiff {
  /** First and last update id of this diff. */
  U: number;
  u: number;
  /** Last update id of the previous diff (futures `pu`). */
  pu: number;
  bids: Array<[number, number]>;
  asks: Array<[number, number]>;
}

/** An L2 book fed by market events. */
export class DiffBook {
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();
  /** Last update id applied. */
  lastUpdateId: number;
  private fromBookEvents = false;

  constructor(firstUpdateId = 1000) {
    this.lastUpdateId = firstUpdateId;
  }

  /** Applies a market event; returns the diff it made, or `undefined` when no level changed. */
  apply(e: MarketEvent): BookDiff | undefined {
    const bids: Array<[number, number]> = [];
    const asks: Array<[number, number]> = [];
    const set = (side: Map<number, number>, out: Array<[number, number]>, price: number, size: number) => {
      const prev = side.get(price) ?? 0;
      if (prev === size) return;
      if (size > 0) side.set(price, size);
      else side.delete(price);
      out.push([price, size]);
    };
    const replace = (side: Map<number, number>, out: Array<[number, number]>, levels: Array<[number, number]>) => {
      const keep = new Set<number>();
      for (const [p, q] of levels) {
        if (q > 0) keep.add(p);
      }
      for (const p of [...side.keys()]) if (!keep.has(p)) set(side, out, p, 0);
      for (const [p, q] of levels) if (q > 0) set(side, out, p, q);
    };
    switch (e.type) {
      case 'book_snapshot':
        this.fromBookEvents = true;
        replace(
          this.bids,
          bids,
          e.bids.map((l) => [l.price, l.size]),
        );
        replace(
          this.asks,
          asks,
          e.asks.map((l) => [l.price, l.size]),
        );
        break;
      case 'book_delta':
        this.fromBookEvents = true;
        for (const l of e.bids) set(this.bids, bids, l.price, l.size);
        for (const l of e.asks) set(this.asks, asks, l.price, l.size);
        break;
      case 'quote':
        // A source without book events shows its top of book as a one-level book.
        if (this.fromBookEvents) return undefined;
        replace(this.bids, bids, e.bid > 0 ? [[e.bid, e.bidSize]] : []);
        replace(this.asks, asks, e.ask > 0 ? [[e.ask, e.askSize]] : []);
        break;
      default:
        return undefined;
    }
    const n = bids.length + asks.length;
    if (n === 0) return undefined;
    const pu = this.lastUpdateId;
    this.lastUpdateId += n;
    return { U: pu + 1, u: this.lastUpdateId, pu, bids, asks };
  }

  /** Best bid price (NaN when the side is empty). */
  bestBid(): number {
    let best = Number.NaN;
    for (const p of this.bids.keys()) if (!(p <= best)) best = p;
    return best;
  }

  /** Best ask price (NaN when the side is empty). */
  bestAsk(): number {
    let best = Number.NaN;
    for (const p of this.asks.keys()) if (!(p >= best)) best = p;
    return best;
  }

  /** The best `limit` levels of each side: bids high to low, asks low to high. */
  snapshot(limit: number): { bids: Array<[number, number]>; asks: Array<[number, number]> } {
    const bids = [...this.bids.entries()].sort((a, b) => b[0] - a[0]).slice(0, limit);
    const asks = [...this.asks.entries()].sort((a, b) => a[0] - b[0]).slice(0, limit);
    return { bids, asks };
  }
}
