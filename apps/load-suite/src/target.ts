import type { MarketEvent } from '@tradekit/types';
import { type Venue, createVenue } from '@tradekit/venue';
import { type FeedServer, createFeedServer } from '@tradekit/ws-tester';
import { INSTRUMENT, loadMarket } from './market.js';

/** What the load runs against: the venue (ProjectX REST + hubs) and its market feed, on loopback. */
export interface LoadTarget {
  venue: Venue;
  /** ws-tester feed server publishing every market event the venue applies, as it applies it. */
  feed: FeedServer;
  /** Credentials of trader `i` (0-based): account `i + 1`. */
  trader(i: number): { accountId: number; userName: string; apiKey: string };
  close(): Promise<void>;
}

/** Options of {@link startTarget}. */
export interface TargetOptions {
  /** Trading accounts to create (one per trader). */
  traders: number;
  seed: number;
  /** A quote every this many ms of wall time. */
  quoteMs: number;
  /** Seconds of market data to serve (longer than the run). */
  seconds: number;
}

/**
 * Starts the venue on the real clock (the seeded market paced to wall time) with one account per
 * trader, and a ws-tester feed server fed from the venue's own market stream: the feed's clients
 * see exactly what the venue's order book sees, in the same order. Both listen on 127.0.0.1 with
 * ephemeral ports.
 */
export async function startTarget(options: TargetOptions): Promise<LoadTarget> {
  const trader = (i: number) => ({ accountId: i + 1, userName: `trader${i + 1}`, apiKey: `key-${i + 1}` });
  const venue = await createVenue({
    instruments: [INSTRUMENT],
    source: loadMarket(options),
    clock: 'real',
    accounts: Array.from({ length: Math.max(1, options.traders) }, (_, i) => {
      const t = trader(i);
      return { id: t.accountId, userName: t.userName, apiKey: t.apiKey, balance: 1_000_000 };
    }),
    // The market keeps quoting every quoteMs; no heartbeat resend is needed under load.
    projectx: { quoteHeartbeat: 0, rateLimit: false },
    json: false,
  });
  const bridge = new EventBridge();
  const unlisten = venue.core.listen({ market: (e) => bridge.push(e) });
  let feed: FeedServer;
  try {
    feed = await createFeedServer({ source: bridge, speed: Number.POSITIVE_INFINITY, host: '127.0.0.1', port: 0 });
  } catch (err) {
    unlisten();
    await venue.close();
    throw err;
  }
  return {
    venue,
    feed,
    trader,
    async close() {
      unlisten();
      bridge.end();
      await feed.close();
      await venue.close();
    },
  };
}

/** Push-to-pull: the venue pushes market events, the feed server pulls them as an async iterable. */
class EventBridge implements AsyncIterable<MarketEvent> {
  private readonly queue: MarketEvent[] = [];
  private wake: (() => void) | undefined;
  private ended = false;

  push(e: MarketEvent): void {
    if (this.ended) return;
    this.queue.push(e);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MarketEvent> {
    let head = 0;
    while (true) {
      if (head < this.queue.length) {
        const e = this.queue[head++] as MarketEvent;
        if (head > 4096) {
          this.queue.splice(0, head);
          head = 0;
        }
        yield e;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}
