/**
 * The parts of the matching core's book: resting-order nodes, price levels, and one side of the
 * book as a dense ladder of levels indexed by tick (best level and best level with resting orders
 * tracked as orders come and go).
 */
import { TradeKitError } from '@tradekit/types';

/** Buy side index in the core (plain numbers keep the hot loop monomorphic). */
export const BUY = 0;
/** Sell side index in the core. */
export const SELL = 1;
/** A side in the core: {@link BUY} or {@link SELL}. */
export type CoreSide = 0 | 1;

/** A simulated order resting in the core book; the node of its price level's queue. */
export class RestingOrder {
  /** Core id (unique per book). */
  id: number;
  /** Integer account key; orders of the same account never match each other. */
  account: number;
  side: CoreSide;
  /** Limit price in ticks. */
  tick: number;
  /** Remaining lots. */
  qty: number;
  /** Displayed external lots still ahead of this order in the queue. */
  ahead = 0;
  prev: RestingOrder | null = null;
  next: RestingOrder | null = null;
  level: PriceLevel | null = null;
  /** The exchange's own record for this order. */
  ref: unknown;

  constructor(id: number, account: number, side: CoreSide, tick: number, qty: number, ref?: unknown) {
    this.id = id;
    this.account = account;
    this.side = side;
    this.tick = tick;
    this.qty = qty;
    this.ref = ref;
  }
}

/** One price of one side: displayed external size plus the FIFO of simulated orders. */
export class PriceLevel {
  readonly tick: number;
  head: RestingOrder | null = null;
  tail: RestingOrder | null = null;
  /** Number of simulated orders queued here. */
  count = 0;
  /** Displayed external lots at this price (after liquidity consumption). */
  external = 0;
  constructor(tick: number) {
    this.tick = tick;
  }
}

/** Receives every execution the core makes. `maker` is `null` for the market's displayed liquidity. */
export type MatchSink = (maker: RestingOrder | null, tick: number, lots: number) => void;

/**
 * How a displayed-size decrease at a resting order's price moves it in the queue.
 * Gets the order, the size before and after; returns the new `ahead`.
 */
export type QueueDecreaseModel = (order: RestingOrder, before: number, after: number) => number;

const NONE_BID = Number.NEGATIVE_INFINITY;
const NONE_ASK = Number.POSITIVE_INFINITY;
/** Most ticks one side of a book may span. */
export const MAX_LADDER = 1 << 24;

/** One side of the book: a dense ladder of price levels indexed by tick. */
export class BookSide {
  readonly isBid: boolean;
  levels: (PriceLevel | undefined)[] = [];
  base = 0;
  /** Best tick, or ±Infinity when the side is empty. */
  best: number;
  /** Number of levels with orders or external size. */
  active = 0;
  /** Best tick holding resting orders (not just displayed size), or ±Infinity. */
  queuedBest: number;
  /** Number of levels holding resting orders. */
  queued = 0;

  constructor(isBid: boolean) {
    this.isBid = isBid;
    this.best = isBid ? NONE_BID : NONE_ASK;
    this.queuedBest = this.best;
  }

  /** A level just got its first resting order. */
  queueAdded(tick: number): void {
    this.queued++;
    if (this.isBid ? tick > this.queuedBest : tick < this.queuedBest) this.queuedBest = tick;
  }

  /** A level just lost its last resting order. */
  queueEmptied(tick: number): void {
    this.queued--;
    if (tick !== this.queuedBest) return;
    this.queuedBest =
      this.queued === 0 ? (this.isBid ? NONE_BID : NONE_ASK) : this.mustFind(tick, true, this.queued).tick;
  }

  /** {@link scan} where a level must exist (`count` levels are known to): a miss is a bug. */
  private mustFind(tick: number, queuedOnly: boolean, count: number): PriceLevel {
    const lv = this.scan(tick, queuedOnly);
    if (lv !== undefined) return lv;
    throw new TradeKitError(
      'EXCHANGE_INTERNAL',
      `Book side lost track of its ${queuedOnly ? 'queued ' : ''}levels (${count}). Please report this bug.`,
    );
  }

  /** The first level after `tick`, going away from the best, with orders (or also displayed size, unless `queuedOnly`). */
  private scan(tick: number, queuedOnly: boolean): PriceLevel | undefined {
    const levels = this.levels;
    const step = this.isBid ? -1 : 1;
    const end = this.isBid ? -1 : levels.length;
    for (let i = tick - this.base + step; i !== end; i += step) {
      const lv = levels[i];
      if (lv !== undefined && (lv.count > 0 || (!queuedOnly && lv.external > 0))) return lv;
    }
    return undefined;
  }

  get(tick: number): PriceLevel | undefined {
    return this.levels[tick - this.base];
  }

  level(tick: number): PriceLevel {
    let i = tick - this.base;
    if (i < 0 || i >= this.levels.length) {
      this.grow(tick);
      i = tick - this.base;
    }
    let lv = this.levels[i];
    if (lv === undefined) {
      lv = new PriceLevel(tick);
      this.levels[i] = lv;
    }
    return lv;
  }

  private grow(tick: number): void {
    const old = this.levels;
    if (old.length === 0) {
      this.base = tick - 512;
      this.levels = new Array(1024);
      return;
    }
    const lo = Math.min(this.base, tick);
    const hi = Math.max(this.base + old.length, tick + 1);
    const span = hi - lo;
    if (span > MAX_LADDER) {
      throw new TradeKitError(
        'EXCHANGE_PRICE_RANGE',
        `Expected prices within ${MAX_LADDER} ticks of each other on one book, got tick ${tick} with the book spanning ${this.base}…${this.base + old.length}. Check the instrument's tickSize and the prices fed in.`,
        { details: { value: tick } },
      );
    }
    const pad = Math.min(span, 4096);
    const newBase = lo - pad;
    const next: (PriceLevel | undefined)[] = new Array(span + 2 * pad);
    const shift = this.base - newBase;
    for (let i = 0; i < old.length; i++) next[i + shift] = old[i];
    this.levels = next;
    this.base = newBase;
  }

  /** True when a level at `tick` keeps this side within the ladder's span. */
  fits(tick: number): boolean {
    if (!Number.isSafeInteger(tick)) return false;
    if (this.levels.length === 0) return true;
    const lo = Math.min(this.base, tick);
    const hi = Math.max(this.base + this.levels.length, tick + 1);
    return hi - lo <= MAX_LADDER;
  }

  /** A level just became non-empty. */
  activate(tick: number): void {
    this.active++;
    if (this.isBid ? tick > this.best : tick < this.best) this.best = tick;
  }

  /** A level just became empty. */
  deactivate(tick: number): void {
    this.active--;
    if (tick !== this.best) return;
    this.best = this.active === 0 ? (this.isBid ? NONE_BID : NONE_ASK) : this.mustFind(tick, false, this.active).tick;
  }

  /**
   * The next non-empty level after `tick` going away from the best, if it lies at or before
   * `limit` (a tick, or ±Infinity for no bound); undefined otherwise. Stops at `limit` instead of
   * walking every empty tick out to orders resting far from the market.
   */
  nextLevelWithin(tick: number, limit: number): PriceLevel | undefined {
    const levels = this.levels;
    const base = this.base;
    if (this.isBid) {
      const stop = Math.max(limit - base, 0);
      for (let i = tick - base - 1; i >= stop; i--) {
        const lv = levels[i];
        if (lv !== undefined && (lv.count > 0 || lv.external > 0)) return lv;
      }
    } else {
      const stop = Math.min(limit - base, levels.length - 1);
      for (let i = tick - base + 1; i <= stop; i++) {
        const lv = levels[i];
        if (lv !== undefined && (lv.count > 0 || lv.external > 0)) return lv;
      }
    }
    return undefined;
  }

  /** The next non-empty level after `tick` going away from the best, or undefined. */
  nextLevel(tick: number): PriceLevel | undefined {
    return this.scan(tick, false);
  }
}
