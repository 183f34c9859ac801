/** Reconnect backoff: exponential with a cap and optional jitter from a seeded generator. */
import type { IRetryPolicy, RetryContext } from '@microsoft/signalr';

/** Reconnect settings. */
export interface ReconnectOptions {
  /** First retry delay, ms. @default 500 */
  initialDelayMs?: number;
  /** Largest delay, ms. @default 30000 */
  maxDelayMs?: number;
  /** Growth per attempt. @default 2 */
  factor?: number;
  /** Attempts before giving up (`Infinity` never gives up). @default Infinity */
  maxAttempts?: number;
  /** Jitter as a fraction of the delay, from a seeded generator (0 = none). @default 0.2 */
  jitter?: number;
  /** Jitter seed. @default 1 */
  seed?: number;
}

/** Exponential backoff as a SignalR retry policy; `onRetry` sees every failed attempt's reason. */
export class ExponentialBackoff implements IRetryPolicy {
  private readonly initial: number;
  private readonly max: number;
  private readonly factor: number;
  private readonly maxAttempts: number;
  private readonly jitter: number;
  private state: number;

  constructor(
    opts: ReconnectOptions = {},
    private readonly onRetry?: (ctx: RetryContext) => void,
  ) {
    this.initial = opts.initialDelayMs ?? 500;
    this.max = opts.maxDelayMs ?? 30_000;
    this.factor = opts.factor ?? 2;
    this.maxAttempts = opts.maxAttempts ?? Number.POSITIVE_INFINITY;
    this.jitter = opts.jitter ?? 0.2;
    this.state = (opts.seed ?? 1) >>> 0 || 1;
    if (!(this.initial >= 0) || !(this.max >= this.initial) || !(this.factor >= 1) || !(this.maxAttempts >= 0))
      throw new RangeError(
        `Expected reconnect options with 0 ≤ initialDelayMs ≤ maxDelayMs, factor ≥ 1 and maxAttempts ≥ 0, got ${JSON.stringify(opts)}.`,
      );
  }

  /** The delay before attempt `n` (0-based), ms, without jitter. */
  baseDelay(n: number): number {
    return Math.min(this.max, this.initial * this.factor ** n);
  }

  /** The delay before attempt `n`, with jitter; null once `maxAttempts` are used up. */
  delay(n: number): number | null {
    if (n >= this.maxAttempts) return null;
    const base = this.baseDelay(n);
    if (this.jitter === 0 || base === 0) return base;
    // xorshift32: deterministic jitter so a run can be repeated.
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    const u = this.state / 2 ** 32;
    return Math.round(base * (1 - this.jitter + 2 * this.jitter * u));
  }

  /** SignalR's hook. */
  nextRetryDelayInMilliseconds(ctx: RetryContext): number | null {
    this.onRetry?.(ctx);
    return this.delay(ctx.previousRetryCount);
  }
}
