/**
 * Fixed-window request limits on the venue clock (so a test reaches the limit at one virtual
 * instant and sees it lift after advancing the window).
 */
import type { Clock } from '@tradekit/types';

/** One limit: at most `requests` per `windowUs`. */
export interface WindowLimit {
  requests: number;
  windowUs: number;
}

/** The outcome of counting one request. */
export interface RateDecision {
  allowed: boolean;
  /** Seconds until the window resets (for `Retry-After`). */
  retryAfterS: number;
  remaining: number;
}

/** Counts requests per key in fixed windows that start at a key's first request. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly clock: Clock,
    readonly limit: WindowLimit,
  ) {}

  /** Counts a request of `key` and says whether it may pass. A refused request is not counted. */
  take(key: string): RateDecision {
    const now = this.clock.now();
    let w = this.windows.get(key);
    if (w === undefined || now >= w.start + this.limit.windowUs) {
      if (this.windows.size > 50_000) this.sweep(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    const retryAfterS = Math.max(1, Math.ceil((w.start + this.limit.windowUs - now) / 1e6));
    if (w.count >= this.limit.requests) return { allowed: false, retryAfterS, remaining: 0 };
    w.count++;
    return { allowed: true, retryAfterS, remaining: this.limit.requests - w.count };
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (now >= w.start + this.limit.windowUs) this.windows.delete(k);
  }
}
