/**
 * What the venue knows about one contract's market: top of book, last trade, session statistics
 * and one-second base bars for bar history. Updated once per market event, in plain numbers.
 */
import type { MarketEvent, Micros } from '@tradekit/types';

/** One-second base bar (or coarser, when the source gives bars). */
export interface BaseBar {
  /** Bar start, epoch µs. */
  t: Micros;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

const SECOND = 1_000_000;

/** Market state of one symbol as the venue shows it. */
export class MarketView {
  bid = Number.NaN;
  ask = Number.NaN;
  bidSize = 0;
  askSize = 0;
  last = Number.NaN;
  open = Number.NaN;
  high = Number.NaN;
  low = Number.NaN;
  /** Reference for `change`: the first price seen (the venue has no previous session close). */
  reference = Number.NaN;
  volume = 0;
  lastTs: Micros = 0;
  /** Bars, oldest first, from `head` on. */
  private bars: BaseBar[] = [];
  private head = 0;

  constructor(private readonly historyLimit: number) {}

  /** Folds one market event in. Returns true when the top of book or last price changed. */
  apply(e: MarketEvent): boolean {
    this.lastTs = e.ts;
    switch (e.type) {
      case 'quote': {
        const changed =
          e.bid !== this.bid || e.ask !== this.ask || e.bidSize !== this.bidSize || e.askSize !== this.askSize;
        this.bid = e.bid;
        this.ask = e.ask;
        this.bidSize = e.bidSize;
        this.askSize = e.askSize;
        if (Number.isNaN(this.reference) && e.bid > 0 && e.ask > 0) this.reference = (e.bid + e.ask) / 2;
        return changed;
      }
      case 'trade':
        this.print(e.ts, e.price, e.size);
        return true;
      case 'bar':
        this.print(e.start, e.open, 0);
        this.print(e.start, e.high, 0);
        this.print(e.start, e.low, 0);
        this.print(e.start, e.close, e.volume);
        return true;
      case 'book_snapshot':
      case 'book_delta': {
        const b = e.bids[0];
        const a = e.asks[0];
        let changed = false;
        if (e.type === 'book_snapshot' || (b && b.price >= (this.bid || 0))) {
          if (b && b.size > 0) {
            changed ||= b.price !== this.bid || b.size !== this.bidSize;
            this.bid = b.price;
            this.bidSize = b.size;
          }
        }
        if (e.type === 'book_snapshot' || (a && (Number.isNaN(this.ask) || a.price <= this.ask))) {
          if (a && a.size > 0) {
            changed ||= a.price !== this.ask || a.size !== this.askSize;
            this.ask = a.price;
            this.askSize = a.size;
          }
        }
        return changed;
      }
      default:
        return false;
    }
  }

  /** A trade print: last price, session stats and the base bar of its second. */
  private print(ts: Micros, price: number, size: number): void {
    this.last = price;
    if (Number.isNaN(this.open)) this.open = price;
    if (Number.isNaN(this.reference)) this.reference = price;
    if (!(this.high >= price)) this.high = price;
    if (!(this.low <= price)) this.low = price;
    this.volume += size;
    const t = Math.floor(ts / SECOND) * SECOND;
    const bar = this.bars[this.bars.length - 1];
    if (bar !== undefined && bar.t === t) {
      if (price > bar.h) bar.h = price;
      if (price < bar.l) bar.l = price;
      bar.c = price;
      bar.v += size;
      return;
    }
    if (bar !== undefined && t < bar.t) return; // out of order: keep bars monotonic
    this.bars.push({ t, o: price, h: price, l: price, c: price, v: size });
    if (this.bars.length - this.head > this.historyLimit) {
      this.head++;
      if (this.head > 4096 && this.head * 2 > this.bars.length) {
        this.bars = this.bars.slice(this.head);
        this.head = 0;
      }
    }
  }

  /** Base bars with `from ≤ t < to`, oldest first. */
  barsBetween(from: Micros, to: Micros): BaseBar[] {
    const bars = this.bars;
    let lo = this.head;
    let hi = bars.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((bars[mid] as BaseBar).t < from) lo = mid + 1;
      else hi = mid;
    }
    const out: BaseBar[] = [];
    for (let i = lo; i < bars.length; i++) {
      const b = bars[i] as BaseBar;
      if (b.t >= to) break;
      out.push(b);
    }
    return out;
  }
}
