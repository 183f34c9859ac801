import type {
  BarEvent,
  BookLevel,
  BookSnapshotEvent,
  MarketEvent,
  QuoteEvent,
  StatusEvent,
  TradeEvent,
} from '@tradekit/types';
import type { FeedSnapshotMessage } from './protocol.js';

/**
 * One symbol's state on the feed server: its sequence counter, the last known market state (for
 * snapshots), a ring of recent update frames (for resume) and its subscribers.
 */
export class SymbolChannel<Subscriber> {
  readonly symbol: string;
  seq = 0;
  readonly subscribers = new Set<Subscriber>();
  // Grows to `historySize` as updates come, so symbols that are only subscribed cost nothing.
  private readonly ring: string[] = [];
  private readonly historySize: number;
  private quote: QuoteEvent | null = null;
  private trade: TradeEvent | null = null;
  private bar: BarEvent | null = null;
  private status: StatusEvent | null = null;
  private bids: Map<number, number> | null = null;
  private asks: Map<number, number> | null = null;
  private bookTs = 0;

  constructor(symbol: string, historySize: number) {
    this.symbol = symbol;
    this.historySize = historySize;
  }

  /** Folds `event` into the state, stores its frame and returns its sequence number. */
  apply(event: MarketEvent, frameFor: (seq: number) => string): string {
    const seq = ++this.seq;
    switch (event.type) {
      case 'quote':
        this.quote = event;
        break;
      case 'trade':
        this.trade = event;
        break;
      case 'bar':
        this.bar = event;
        break;
      case 'status':
        this.status = event;
        break;
      case 'book_snapshot':
        this.bids = levelsToMap(event.bids);
        this.asks = levelsToMap(event.asks);
        this.bookTs = event.ts;
        break;
      case 'book_delta':
        if (!this.bids) this.bids = new Map();
        if (!this.asks) this.asks = new Map();
        applyLevels(this.bids, event.bids);
        applyLevels(this.asks, event.asks);
        this.bookTs = event.ts;
        break;
    }
    const frame = frameFor(seq);
    if (this.historySize > 0) this.ring[(seq - 1) % this.historySize] = frame;
    return frame;
  }

  /** Oldest sequence number still held for replay. */
  oldestHeld(): number {
    return Math.max(1, this.seq - this.historySize + 1);
  }

  /** The held frames with sequence numbers `from..this.seq`, or `undefined` when some are gone. */
  framesFrom(from: number): string[] | undefined {
    if (from > this.seq + 1 || from < this.oldestHeld() || this.historySize === 0) return undefined;
    const out: string[] = [];
    for (let s = from; s <= this.seq; s++) out.push(this.ring[(s - 1) % this.historySize] as string);
    return out;
  }

  snapshot(): FeedSnapshotMessage {
    let book: BookSnapshotEvent | null = null;
    if (this.bids && this.asks) {
      book = {
        type: 'book_snapshot',
        symbol: this.symbol,
        ts: this.bookTs,
        bids: mapToLevels(this.bids, -1),
        asks: mapToLevels(this.asks, 1),
      };
    }
    return {
      op: 'snapshot',
      symbol: this.symbol,
      seq: this.seq,
      quote: this.quote,
      book,
      trade: this.trade,
      bar: this.bar,
      status: this.status,
    };
  }
}

function levelsToMap(levels: readonly BookLevel[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const l of levels) if (l.size > 0) m.set(l.price, l.size);
  return m;
}

function applyLevels(m: Map<number, number>, levels: readonly BookLevel[]): void {
  for (const l of levels) {
    if (l.size === 0) m.delete(l.price);
    else m.set(l.price, l.size);
  }
}

function mapToLevels(m: Map<number, number>, direction: 1 | -1): BookLevel[] {
  const prices = [...m.keys()].sort((a, b) => (a - b) * direction);
  return prices.map((price) => ({ price, size: m.get(price) as number }));
}
