/**
 * MessageQueue: everything received, plus a read cursor that `next()` awaits — the
 * `server.nextMessage` / `server.connected` behaviour of jest-websocket-mock.
 */
import { TradeKitError } from '@tradekit/types';

/** An append-only log with an awaitable read cursor. */
export class MessageQueue<T> {
  /** Every item in arrival order (reading with `next()` does not remove them). */
  readonly items: T[] = [];
  private cursor = 0;
  private readonly waiters: Array<{ resolve: (v: T) => void; reject: (e: unknown) => void }> = [];
  private closedError: Error | undefined;

  /** Appends an item, handing it to the oldest waiter if one is waiting. */
  push(item: T): void {
    this.items.push(item);
    const waiter = this.waiters.shift();
    if (waiter) {
      this.cursor++;
      waiter.resolve(item);
    }
  }

  /** Items not read by `next()` yet. */
  get unread(): number {
    return this.items.length - this.cursor;
  }

  /** The next unread item: at once if one is there, else when it arrives. */
  next(): Promise<T> {
    if (this.cursor < this.items.length) return Promise.resolve(this.items[this.cursor++] as T);
    if (this.closedError) return Promise.reject(this.closedError);
    const p = new Promise<T>((resolve, reject) => this.waiters.push({ resolve, reject }));
    // Marked handled so a getter nobody awaited cannot raise an unhandled rejection at stop().
    p.catch(() => {});
    return p;
  }

  /**
   * Like {@link next} but rejects with `WS_TIMEOUT` after `timeoutMs` of wall time. The waiter is
   * withdrawn on timeout, so a late item stays unread for the next reader.
   */
  nextWithin(timeoutMs: number, what: string, none = 'none came'): Promise<T> {
    if (this.cursor < this.items.length) return Promise.resolve(this.items[this.cursor++] as T);
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (v: T) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(
          new TradeKitError(
            'WS_TIMEOUT',
            `Expected ${what} within ${timeoutMs} ms, but ${none}. Raise \`timeout\` if the peer is slow.`,
            {
              details: { timeoutMs },
            },
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Rejects current and future waiters (the server stopped). */
  close(error: Error): void {
    this.closedError = error;
    for (const w of this.waiters.splice(0)) w.reject(error);
  }
}
