/**
 * Per-symbol market state: the touch (best bid and ask), the last price and where it came from,
 * the mark, and the market's displayed liquidity, which lives in the matching core as the
 * external size of each price level. A market event updates this state first; matching comes
 * after, in the engine.
 */
import {
  type BookDeltaEvent,
  type BookSnapshotEvent,
  Decimal,
  type Instrument,
  lotsToQuantity,
  type MarketStatus,
  type QuoteEvent,
  priceToTicks,
  quantityToLots,
  ticksToPrice,
} from '@tradekit/types';
import { type FeeSchedule, feeUnits } from './fees.js';
import { BIG, type MarkRule } from './options.js';
import { BUY, OrderBook, type QueueDecreaseModel, type RestingOrder, SELL } from './order-book.js';
import type { WorkingOrder } from './working-order.js';

/** Entries kept in each per-market Decimal cache (prices, fees) before it starts over. */
const PRICE_CACHE = 8192;
/**
 * Entries kept in the fee cache: keyed by tick × lots × liquidity × first fill, a busy book
 * (100 ticks × 20 lot sizes × 4) passed 8192 and cleared the cache every few hundred fills.
 */
const FEE_CACHE = 32_768;

/** Lots of a market size (a size off the lot grid rounds down). */
export function sizeToLots(inst: Instrument, size: number): number {
  if (!(size > 0)) return 0;
  const l = quantityToLots(inst, size);
  return Number.isNaN(l) ? Math.floor(size / inst.lotSize + 1e-9) : l;
}

/** The market of one instrument as the exchange sees it. */
export class MarketState {
  readonly inst: Instrument;
  /** The matching core: displayed (external) size per level and the simulated resting orders. */
  readonly book = new OrderBook();
  status: MarketStatus = 'open';
  hasDepth = false;
  hasQuote = false;
  /** Market (displayed) best bid/ask ticks, NaN when unknown. */
  bidTick = Number.NaN;
  askTick = Number.NaN;
  quoteBidTick = Number.NaN;
  quoteAskTick = Number.NaN;
  lastTick = Number.NaN;
  /** Where the last price came from. */
  lastSource: 'none' | 'trade' | 'bar' = 'none';
  /** Lots orders may still take at the last print or bar (`fillPolicy.printShare`); BIG = no cap. */
  printLots = BIG;
  /** Working stop orders waiting for their trigger. */
  stops: WorkingOrder[] = [];
  /** Market orders waiting for liquidity (no book, or the book ran dry). */
  waiting: WorkingOrder[] = [];
  /**
   * Stops triggered by a print through a stale book (the print came before the book update, as
   * CME sends them): they execute against the book once it refreshes, never the stale one.
   */
  awaitingBook: WorkingOrder[] = [];
  /** True when the last trade is more recent than the quote (or book) mid. */
  tradeIsLatest = false;
  /** Market orders from order-level data, by the venue's order id. */
  l3 = new Map<string, { node: RestingOrder; ref: object }>();
  private lastFillTick = Number.NaN;
  private lastFillPrice: Decimal | undefined;
  private readonly prices = new Map<number, Decimal>();
  private readonly fees = new Map<number, { fee: Decimal; units: number }>();
  private readonly smallFees = new Map<number, { fee: Decimal; units: number }>();
  /** The last fee from {@link fee} in integer units of 10^-`FEE_PLACES` (fees.ts) (NaN when it does not fit). */
  lastFeeUnits = Number.NaN;

  /**
   * `10 ** sizeDecimals` and the lot in units of it, which `lotsToQuantity` / `quantityToLots`
   * compute on every call (a power and a rounding); {@link qty} and {@link lotsOf} do the same
   * arithmetic with them (instruments are frozen).
   */
  private readonly sizeScale: number;
  private readonly lotUnit: number;

  constructor(
    inst: Instrument,
    readonly markRule: MarkRule = 'latest',
  ) {
    this.inst = inst;
    this.sizeScale = 10 ** inst.sizeDecimals;
    this.lotUnit = Math.round(inst.lotSize * this.sizeScale);
  }

  /** `lotsToQuantity(this.inst, lots)`. */
  qty(lots: number): number {
    return (lots * this.lotUnit) / this.sizeScale;
  }

  /** `quantityToLots(this.inst, quantity)`. */
  lotsOf(quantity: number): number {
    const unit = this.lotUnit;
    const scaled = quantity * this.sizeScale;
    const lots = Math.round(scaled / unit);
    return Math.abs(lots * unit - scaled) <= 1e-6 * unit ? lots : Number.NaN;
  }

  /** True when the market trades (no halt, not closed): only then do orders fill or trigger. */
  get isOpen(): boolean {
    return this.status === 'open';
  }

  /** The Decimal price of a fill at `tick`, cached per tick (Decimals are immutable, so fills share them). */
  fillPrice(tick: number): Decimal {
    if (tick === this.lastFillTick && this.lastFillPrice !== undefined) return this.lastFillPrice;
    let d = this.prices.get(tick);
    if (d === undefined) {
      if (this.prices.size >= PRICE_CACHE) this.prices.clear();
      d = new Decimal(ticksToPrice(this.inst, tick));
      this.prices.set(tick, d);
    }
    this.lastFillTick = tick;
    this.lastFillPrice = d;
    return d;
  }

  /**
   * The fee of a fill of `lots` at `tick` (the fee schedule depends only on these, the
   * liquidity and whether it is the order's first fill), cached: fills repeat prices and sizes.
   */
  fee(fees: FeeSchedule, tick: number, lots: number, liquidity: 'maker' | 'taker', first: boolean): Decimal {
    // Without a rate on notional (per-contract and per-order fees only) the price plays no part:
    // the key leaves the tick out (a small integer key, and one entry per size, not per price).
    const priceFree = fees.priceFree(liquidity);
    // Without a fee per order the first fill costs what any other does: one key for both (half
    // the entries, so more hits and a smaller table).
    const flags = (liquidity === 'maker' ? 2 : 0) + (first && !fees.firstFree ? 1 : 0);
    // Small ticks and sizes get a key below 2^30 (a small integer: no heap number per lookup).
    const small = lots < 512 && Number.isInteger(tick) && tick > -524_288 && tick < 524_288;
    const cacheable =
      small ||
      (lots < 1_048_576 && (priceFree || (tick > -536_870_912 && tick < 536_870_912 && Number.isInteger(tick))));
    const cache = small ? this.smallFees : this.fees;
    const key = !cacheable
      ? 0
      : small
        ? (priceFree ? -1 - lots : tick * 512 + lots) * 4 + flags
        : (priceFree ? -1 - lots : tick * 1_048_576 + lots) * 4 + flags;
    if (cacheable) {
      const hit = cache.get(key);
      if (hit !== undefined) {
        this.lastFeeUnits = hit.units;
        return hit.fee;
      }
    }
    const fee = fees.fee(lotsToQuantity(this.inst, lots), this.fillPrice(tick), this.inst.multiplier, liquidity, first);
    const units = feeUnits(fee);
    if (cacheable) {
      if (cache.size >= FEE_CACHE) cache.clear();
      cache.set(key, { fee, units });
    }
    this.lastFeeUnits = units;
    return fee;
  }

  /**
   * The mark in ticks (may be a half tick), NaN when there is no price yet, by
   * `markPrice`: `latest` of last trade and mid, `last` trade first, or `mid` first.
   */
  markTick(): number {
    const mid =
      Number.isNaN(this.bidTick) || Number.isNaN(this.askTick) ? Number.NaN : (this.bidTick + this.askTick) / 2;
    const last = this.lastTick;
    const rule = this.markRule;
    const midFirst = rule === 'mid' || (rule === 'latest' && !this.tradeIsLatest);
    if (midFirst) return Number.isNaN(mid) ? last : mid;
    return Number.isNaN(last) ? mid : last;
  }

  /** A quote: the new touch; without depth data, the quoted sizes are the displayed liquidity. */
  applyQuote(e: QuoteEvent, decrease: QueueDecreaseModel | undefined): void {
    const inst = this.inst;
    const bid = priceToTicks(inst, e.bid);
    const ask = priceToTicks(inst, e.ask);
    this.hasQuote = true;
    if (!this.hasDepth) {
      const book = this.book;
      // A new touch on an empty level is shown before the old one is cleared: the side's best
      // then moves to a level that exists instead of searching the ladder from the old touch for
      // whatever rests further away. Showing size on an empty level shrinks no queue, so the
      // seeded decrease model draws exactly as before (clears, then sets, bid before ask).
      const hasBid = Number.isFinite(e.bid);
      const hasAsk = Number.isFinite(e.ask);
      const bidFirst = hasBid && book.externalAt(BUY, bid) === 0;
      const askFirst = hasAsk && book.externalAt(SELL, ask) === 0;
      if (bidFirst) book.setExternal(BUY, bid, sizeToLots(inst, e.bidSize), decrease);
      if (askFirst) book.setExternal(SELL, ask, sizeToLots(inst, e.askSize), decrease);
      if (!Number.isNaN(this.quoteBidTick) && this.quoteBidTick !== bid)
        book.setExternal(BUY, this.quoteBidTick, 0, decrease);
      if (!Number.isNaN(this.quoteAskTick) && this.quoteAskTick !== ask)
        book.setExternal(SELL, this.quoteAskTick, 0, decrease);
      if (hasBid && !bidFirst) book.setExternal(BUY, bid, sizeToLots(inst, e.bidSize), decrease);
      if (hasAsk && !askFirst) book.setExternal(SELL, ask, sizeToLots(inst, e.askSize), decrease);
      this.quoteBidTick = bid;
      this.quoteAskTick = ask;
    }
    this.bidTick = bid;
    this.askTick = ask;
    this.tradeIsLatest = false;
  }

  /** An L2 snapshot or delta: the displayed liquidity per level, and the touch it implies. */
  applyBook(e: BookSnapshotEvent | BookDeltaEvent, decrease: QueueDecreaseModel | undefined): void {
    const inst = this.inst;
    const book = this.book;
    if (!this.hasDepth || e.type === 'book_snapshot') {
      book.clearExternal(BUY);
      book.clearExternal(SELL);
      this.hasDepth = true;
      this.quoteBidTick = Number.NaN;
      this.quoteAskTick = Number.NaN;
    }
    for (const l of e.bids) book.setExternal(BUY, priceToTicks(inst, l.price), sizeToLots(inst, l.size), decrease);
    for (const l of e.asks) book.setExternal(SELL, priceToTicks(inst, l.price), sizeToLots(inst, l.size), decrease);
    this.bidTick = book.bestExternal(BUY);
    this.askTick = book.bestExternal(SELL);
    this.tradeIsLatest = false;
  }

  /** A print or a bar's price: the new last price. */
  setLast(tick: number, source: 'trade' | 'bar'): void {
    this.lastTick = tick;
    this.lastSource = source;
    this.tradeIsLatest = true;
  }
}
