/**
 * Market data of one contract from the market hub: the latest quote, the tick tape, bars built from
 * the ticks and the depth book. The gateway replays nothing after a reconnect, so a drop leaves a
 * hole: the tick tape reports it as a `gap` (it cannot be refilled), and the bars of the buckets
 * the hole touched are fetched from `History/retrieveBars` once they are closed, so the bar series
 * has no gap and no duplicate.
 */
import { type Bar, BarBuilder, type Timeframe, barLength, bucketStart } from './bars.js';
import { type DepthBook, DepthBook as Book, type DepthSnapshot } from './depth.js';
import type { GatewayHttp } from './http.js';
import {
  BarUnit,
  type WireBar,
  type WireDepth,
  type WireMarketTrade,
  type WireQuote,
  entries,
  formatGatewayTime,
  parseGatewayTime,
} from './wire.js';

/** The latest quote. */
export interface Quote {
  bid: number;
  ask: number;
  last: number;
  /** Session volume. */
  volume: number;
  /** Quote time, epoch µs. */
  time: number;
}

/** One trade print from the market hub. */
export interface Tick {
  price: number;
  size: number;
  /** Aggressor side. */
  side: 'buy' | 'sell';
  /** Print time, epoch µs. */
  time: number;
}

/** A hole in the tick tape: nothing was received between `from` and `to` (epoch µs). */
export interface Gap {
  /** The last market event before the drop. */
  from: number;
  /** The first market event after the resubscription. */
  to: number;
}

/** A depth change with the book after it. */
export interface DepthUpdate {
  entries: WireDepth[];
  book: DepthSnapshot;
}

/** Counters of what the market hub delivered. */
export interface MarketDataStats {
  quotes: number;
  ticks: number;
  depthEntries: number;
  /**
   * Ticks not passed on as duplicates: older than the newest one seen, or identical (price, size,
   * side) to one already seen at the newest time.
   */
  duplicateTicks: number;
  /** Payloads that were not the documented shape, not passed on. */
  malformed: number;
  gaps: number;
  /** Bars fetched from history to fill gaps. */
  backfilledBars: number;
}

/** What {@link MarketData} reports to its suite. */
export interface MarketDataSink {
  quote(q: Quote): void;
  tick(t: Tick): void;
  bar(b: Bar): void;
  depth(d: DepthUpdate): void;
  gap(g: Gap): void;
  error(err: Error): void;
}

/** Market data of one contract. */
export class MarketData {
  private last: Quote | undefined;
  private readonly tape: Tick[] = [];
  private readonly closed: Bar[] = [];
  private readonly builder: BarBuilder;
  private readonly book: DepthBook = new Book();
  private readonly length: number;
  /** Newest market event time seen. */
  private lastEventTs = Number.NEGATIVE_INFINITY;
  private lastTickTs = Number.NEGATIVE_INFINITY;
  /** Prints seen at `lastTickTs` (price, size, side), to recognise one delivered twice. */
  private readonly sameTime = new Set<string>();
  /**
   * Buckets from `from` (inclusive) to `to` (exclusive) may miss prints: their bars come from
   * history. `to` is known once the first event after the (re)subscription arrives.
   */
  private taint: { from: number | undefined; to: number | undefined; gapFrom: number } | undefined;
  private barQueue: Promise<void> = Promise.resolve();
  /** Counters. */
  readonly stats: MarketDataStats = {
    quotes: 0,
    ticks: 0,
    depthEntries: 0,
    duplicateTicks: 0,
    malformed: 0,
    gaps: 0,
    backfilledBars: 0,
  };

  constructor(
    private readonly contractId: string,
    private readonly timeframe: Timeframe,
    private readonly http: GatewayHttp,
    private readonly sink: MarketDataSink,
    private readonly limits: { ticks: number; bars: number },
  ) {
    this.length = barLength(timeframe);
    this.builder = new BarBuilder(this.length);
    // Ticks before our subscription may already be in the first bucket: it comes from history too.
    this.taint = { from: undefined, to: undefined, gapFrom: Number.NaN };
  }

  /** The latest quote, once one arrived. */
  quote(): Quote | undefined {
    return this.last;
  }

  /** Received ticks, oldest first (the most recent `maxTicks`). */
  ticks(): readonly Tick[] {
    return this.tape;
  }

  /** Closed bars, oldest first (the most recent `maxBars`). */
  bars(): readonly Bar[] {
    return this.closed;
  }

  /** The bar still forming from live ticks. */
  currentBar(): Bar | undefined {
    return this.builder.current;
  }

  /** The depth book's best `levels` per side. */
  depth(levels = 10): DepthSnapshot {
    return this.book.snapshot(levels);
  }

  /** Resolves when every bar closed so far (history backfills included) has been emitted. */
  settled(): Promise<void> {
    return this.barQueue;
  }

  /** Bars of `[from, to)` (epoch µs) from `History/retrieveBars`, oldest first. */
  async history(from: number, to: number, includePartialBar = false): Promise<Bar[]> {
    const res = await this.http.call<{ bars: WireBar[] | null }>('History/retrieveBars', {
      contractId: this.contractId,
      live: false,
      startTime: formatGatewayTime(from),
      endTime: formatGatewayTime(to),
      unit: BarUnit[this.timeframe.unit],
      unitNumber: this.timeframe.size,
      limit: 20_000,
      includePartialBar,
    });
    if (!res.success)
      throw new Error(`History/retrieveBars failed: errorCode ${res.errorCode} ${res.errorMessage ?? ''}`);
    return (res.bars ?? [])
      .map((b) => ({
        time: parseGatewayTime(b.t),
        open: b.o,
        high: b.h,
        low: b.l,
        close: b.c,
        volume: b.v,
        source: 'history' as const,
      }))
      .sort((a, b) => a.time - b.time);
  }

  /**
   * The market hub connection dropped: nothing arrives until it is back and subscribed again, and
   * nothing missed is replayed. Idempotent while the hole is still open.
   */
  dropped(): void {
    if (this.taint !== undefined && this.taint.to === undefined) return;
    this.book.clear();
    const from = Number.isFinite(this.lastEventTs) ? bucketStart(this.lastEventTs, this.length) : undefined;
    // A second drop before the first hole's bars were fetched: keep the earlier start.
    const prev = this.taint;
    this.taint = {
      from: prev?.from !== undefined && (from === undefined || prev.from < from) ? prev.from : from,
      to: undefined,
      gapFrom: this.lastEventTs,
    };
    this.builder.discard();
  }

  /** `GatewayQuote` handler. */
  onQuote(contractId: unknown, data: unknown): void {
    if (contractId !== this.contractId) return;
    const q = data as Partial<WireQuote> | null;
    const time = typeof q?.timestamp === 'string' ? parseGatewayTime(q.timestamp) : Number.NaN;
    if (q === null || typeof q !== 'object' || Number.isNaN(time)) {
      this.malformed('GatewayQuote', data);
      return;
    }
    const prev = this.last;
    const quote: Quote = {
      bid: num(q.bestBid) ?? prev?.bid ?? Number.NaN,
      ask: num(q.bestAsk) ?? prev?.ask ?? Number.NaN,
      last: num(q.lastPrice) ?? prev?.last ?? Number.NaN,
      volume: num(q.volume) ?? prev?.volume ?? 0,
      time,
    };
    this.last = quote;
    this.stats.quotes++;
    this.seen(time);
    this.sink.quote(quote);
  }

  /** `GatewayTrade` handler. */
  onTrade(contractId: unknown, data: unknown): void {
    if (contractId !== this.contractId) return;
    for (const e of entries<Partial<WireMarketTrade>>(data)) {
      const time = typeof e?.timestamp === 'string' ? parseGatewayTime(e.timestamp) : Number.NaN;
      if (typeof e?.price !== 'number' || typeof e.volume !== 'number' || Number.isNaN(time)) {
        this.malformed('GatewayTrade', e);
        continue;
      }
      // Older than the newest tick, or the very same print again at the newest time: a duplicate.
      const key = `${e.price}|${e.volume}|${e.type}`;
      if (time < this.lastTickTs || (time === this.lastTickTs && this.sameTime.has(key))) {
        this.stats.duplicateTicks++;
        continue;
      }
      if (time > this.lastTickTs) this.sameTime.clear();
      this.sameTime.add(key);
      this.lastTickTs = time;
      const tick: Tick = { price: e.price, size: e.volume, side: e.type === 1 ? 'sell' : 'buy', time };
      this.stats.ticks++;
      this.tape.push(tick);
      if (this.tape.length > this.limits.ticks) this.tape.splice(0, this.tape.length - this.limits.ticks);
      this.seen(time);
      if (!this.tainted(time)) {
        const closed = this.builder.add(time, tick.price, tick.size);
        if (closed) this.emitBar(closed);
      }
      this.sink.tick(tick);
    }
  }

  /** `GatewayDepth` handler. */
  onDepth(contractId: unknown, data: unknown): void {
    if (contractId !== this.contractId) return;
    const list: WireDepth[] = [];
    for (const e of entries<Partial<WireDepth>>(data)) {
      if (typeof e?.type !== 'number' || typeof e.price !== 'number') {
        this.malformed('GatewayDepth', e);
        continue;
      }
      this.stats.depthEntries++;
      this.book.apply(e as WireDepth);
      list.push(e as WireDepth);
    }
    if (list.length > 0) this.sink.depth({ entries: list, book: this.book.snapshot() });
  }

  /** Every market event moves time on: bars whose bucket ended close, a gap learns its end. */
  private seen(time: number): void {
    const taint = this.taint;
    if (taint !== undefined && taint.to === undefined) {
      // The first event after a (re)subscription: the hole ends here; its bucket is tainted too.
      taint.to = bucketStart(time, this.length) + this.length;
      if (taint.from === undefined) taint.from = bucketStart(time, this.length);
      else {
        this.stats.gaps++;
        this.sink.gap({ from: taint.gapFrom, to: time });
      }
    }
    if (time > this.lastEventTs) this.lastEventTs = time;
    if (taint?.to !== undefined && time >= taint.to) {
      // Every tainted bucket is closed on the server: fetch them, in order with the live bars.
      const { from, to } = taint as { from: number; to: number };
      this.taint = undefined;
      this.builder.discard();
      this.barQueue = this.barQueue.then(() => this.backfill(from, to));
    }
    const closed = this.builder.closeIfDue(time);
    if (closed) this.emitBar(closed);
  }

  private tainted(time: number): boolean {
    const t = this.taint;
    return t !== undefined && (t.to === undefined || time < t.to);
  }

  private async backfill(from: number, to: number): Promise<void> {
    let bars: Bar[];
    try {
      bars = await this.history(from, to);
    } catch (err) {
      this.sink.error(
        new Error(
          `Could not fill the bar gap ${formatGatewayTime(from)} – ${formatGatewayTime(to)}: ${(err as Error).message}`,
          { cause: err },
        ),
      );
      return;
    }
    for (const b of bars) {
      const lastClosed = this.closed[this.closed.length - 1];
      if (lastClosed !== undefined && b.time <= lastClosed.time) continue;
      this.stats.backfilledBars++;
      this.push(b);
    }
  }

  private emitBar(bar: Bar): void {
    this.barQueue = this.barQueue.then(() => {
      const lastClosed = this.closed[this.closed.length - 1];
      if (lastClosed !== undefined && bar.time <= lastClosed.time) return;
      this.push(bar);
    });
  }

  private push(bar: Bar): void {
    this.closed.push(bar);
    if (this.closed.length > this.limits.bars) this.closed.splice(0, this.closed.length - this.limits.bars);
    this.sink.bar(bar);
  }

  private malformed(what: string, data: unknown): void {
    this.stats.malformed++;
    this.sink.error(
      new Error(`Ignored a ${what} payload that is not the documented shape: ${JSON.stringify(data)?.slice(0, 200)}`),
    );
  }
}

function num(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}
