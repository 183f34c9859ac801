/**
 * The client's state (orders, fills, positions, account) and the waits on it. Hub events and
 * REST resynchronisation both go through here, so an update seen twice changes nothing and is
 * announced once.
 */
import { GatewayError } from './errors.js';
import type { Account, Fill, Order, Position } from './model.js';

/** What the store announces. */
export interface StoreSink {
  order(o: Order): void;
  fill(f: Fill): void;
  position(p: Position): void;
  account(a: Account): void;
}

/** Orders, fills, positions and the account of one trading account. */
export class Store {
  readonly orders = new Map<number, Order>();
  readonly fills = new Map<number, Fill>();
  readonly positions = new Map<string, Position>();
  account: Account | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly sink: StoreSink) {}

  /** Applies an order update; false when it changed nothing (or is older than what is known). */
  applyOrder(o: Order): boolean {
    const prev = this.orders.get(o.id);
    if (prev !== undefined) {
      if (o.updatedAt < prev.updatedAt) return false;
      if (sameOrder(prev, o)) return false;
    }
    this.orders.set(o.id, o);
    this.sink.order(o);
    this.poke();
    return true;
  }

  /** Applies a fill; false when it was already known. */
  applyFill(f: Fill): boolean {
    if (this.fills.has(f.id)) return false;
    this.fills.set(f.id, f);
    this.sink.fill(f);
    this.poke();
    return true;
  }

  /** Applies a position (size 0 = flat); false when it changed nothing. */
  applyPosition(p: Position): boolean {
    const prev = this.positions.get(p.contractId);
    if (prev === undefined && p.size === 0) return false;
    if (prev !== undefined && prev.size === p.size && prev.averagePrice === p.averagePrice) return false;
    if (p.size === 0) this.positions.delete(p.contractId);
    else this.positions.set(p.contractId, p);
    this.sink.position(p);
    this.poke();
    return true;
  }

  /** Applies the account; false when it changed nothing. */
  applyAccount(a: Account): boolean {
    const prev = this.account;
    if (prev !== undefined && prev.balance === a.balance && prev.canTrade === a.canTrade && prev.name === a.name)
      return false;
    this.account = a;
    this.sink.account(a);
    this.poke();
    return true;
  }

  /** Re-runs pending waits (after any change). */
  poke(): void {
    for (const w of [...this.waiters]) w();
  }

  /**
   * Resolves with `check()`'s first defined result, checked now and after every change; rejects
   * with `TIMEOUT` and `message` after `timeoutMs` of wall time.
   */
  until<T>(check: () => T | undefined, timeoutMs: number, message: string): Promise<T> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const waiter = () => {
        let v: T | undefined;
        try {
          v = check();
        } catch (err) {
          done();
          reject(err);
          return;
        }
        if (v === undefined) return;
        done();
        resolve(v);
      };
      const timer = setTimeout(() => {
        done();
        reject(new GatewayError('TIMEOUT', `Timed out after ${timeoutMs} ms waiting for ${message}.`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
    });
  }
}

function sameOrder(a: Order, b: Order): boolean {
  return (
    a.status === b.status &&
    a.filledSize === b.filledSize &&
    a.avgFillPrice === b.avgFillPrice &&
    a.size === b.size &&
    a.limitPrice === b.limitPrice &&
    a.stopPrice === b.stopPrice
  );
}
