/** A level-2 book kept from `GatewayDepth` entries. */
import { DomType, type WireDepth } from './wire.js';

/** One price level. */
export interface DepthLevel {
  price: number;
  size: number;
}

/** Bids (best first) and asks (best first). */
export interface DepthSnapshot {
  bids: DepthLevel[];
  asks: DepthLevel[];
}

/** The book of one contract. */
export class DepthBook {
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();
  /** Entries that carried no book change (trades, fills, session high/low). */
  ignored = 0;

  /** Applies one entry. Returns false when it was not a book change. */
  apply(e: WireDepth): boolean {
    const size = e.currentVolume ?? e.volume;
    switch (e.type) {
      case DomType.Reset:
        this.bids.clear();
        this.asks.clear();
        return true;
      case DomType.Bid:
        set(this.bids, e.price, size);
        return true;
      case DomType.Ask:
        set(this.asks, e.price, size);
        return true;
      case DomType.BestBid:
      case DomType.NewBestBid:
        // Nothing can rest above the best bid.
        for (const p of this.bids.keys()) if (p > e.price) this.bids.delete(p);
        for (const p of this.asks.keys()) if (p <= e.price) this.asks.delete(p);
        set(this.bids, e.price, size);
        return true;
      case DomType.BestAsk:
      case DomType.NewBestAsk:
        for (const p of this.asks.keys()) if (p < e.price) this.asks.delete(p);
        for (const p of this.bids.keys()) if (p >= e.price) this.bids.delete(p);
        set(this.asks, e.price, size);
        return true;
      default:
        this.ignored++;
        return false;
    }
  }

  /** Clears the book (after a reconnect, until the next snapshot). */
  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  /** The best `levels` on each side. */
  snapshot(levels = 10): DepthSnapshot {
    const bids = [...this.bids].sort((a, b) => b[0] - a[0]).slice(0, levels);
    const asks = [...this.asks].sort((a, b) => a[0] - b[0]).slice(0, levels);
    return {
      bids: bids.map(([price, size]) => ({ price, size })),
      asks: asks.map(([price, size]) => ({ price, size })),
    };
  }
}

function set(side: Map<number, number>, price: number, size: number): void {
  if (size > 0) side.set(price, size);
  else side.delete(price);
}
