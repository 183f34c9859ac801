import { describe, expect, it } from 'vitest';
import {
  BarBuilder,
  DepthBook,
  DomType,
  ExponentialBackoff,
  GatewayError,
  barLength,
  formatGatewayTime,
  parseGatewayTime,
  tokenLifetimeMs,
} from '../src/index.js';
import { Emitter } from '../src/emitter.js';
import { Store } from '../src/store.js';
import { entries, unwrap } from '../src/wire.js';

const T = Date.UTC(2025, 0, 2, 14, 30) * 1000;

describe('gateway time', () => {
  it('keeps microseconds that Date.parse would drop, with either offset style', () => {
    expect(parseGatewayTime('2025-01-02T14:30:04.000001+00:00')).toBe(T + 4_000_001);
    expect(parseGatewayTime('2025-01-02T14:30:04.123Z')).toBe(T + 4_123_000);
    expect(parseGatewayTime('2025-01-02T15:30:04+01:00')).toBe(T + 4_000_000);
    expect(parseGatewayTime('2025-01-02T14:30:04.1234567+00:00')).toBe(T + 4_123_456);
    expect(parseGatewayTime('yesterday')).toBeNaN();
    expect(formatGatewayTime(T + 4_000_001)).toBe('2025-01-02T14:30:04.000001Z');
    expect(parseGatewayTime(formatGatewayTime(T + 987_654))).toBe(T + 987_654);
  });

  it('unwraps { action, data } user events and single-object market payloads', () => {
    expect(unwrap({ action: 1, data: { id: 3 } })).toEqual({ id: 3 });
    expect(unwrap({ id: 3, action: 1 })).toEqual({ id: 3, action: 1 });
    expect(entries({ price: 1 })).toEqual([{ price: 1 }]);
    expect(entries([{ price: 1 }, { price: 2 }])).toHaveLength(2);
  });
});

describe('BarBuilder', () => {
  it('folds prints into UTC buckets and closes a bar when time passes its end', () => {
    const b = new BarBuilder(barLength({ unit: 'second', size: 10 }));
    expect(b.add(T + 1, 100, 1)).toBeUndefined();
    expect(b.add(T + 5_000_000, 102, 2)).toBeUndefined();
    expect(b.add(T + 9_999_999, 99, 1)).toBeUndefined();
    const closed = b.add(T + 10_000_000, 101, 1);
    expect(closed).toEqual({ time: T, open: 100, high: 102, low: 99, close: 99, volume: 4, source: 'live' });
    expect(b.closeIfDue(T + 19_999_999)).toBeUndefined();
    expect(b.closeIfDue(T + 20_000_000)?.close).toBe(101);
    expect(b.current).toBeUndefined();
  });

  it('ignores a late print instead of reopening a closed bucket', () => {
    const b = new BarBuilder(1_000_000);
    b.add(T + 2_000_000, 100, 1);
    expect(b.add(T + 1_000_000, 90, 1)).toBeUndefined();
    expect(b.current).toMatchObject({ time: T + 2_000_000, low: 100 });
  });

  it('refuses a timeframe that is not a whole number of units', () => {
    expect(() => barLength({ unit: 'minute', size: 0 })).toThrow(/size a whole number ≥ 1/);
    expect(() => barLength({ unit: 'week' as 'minute', size: 1 })).toThrow(/unit second, minute or hour/);
  });
});

describe('DepthBook', () => {
  const e = (type: number, price: number, volume: number) => ({
    timestamp: '',
    type,
    price,
    volume,
    currentVolume: volume,
  });
  it('keeps levels, clears on Reset, trims levels through a new best price', () => {
    const book = new DepthBook();
    book.apply(e(DomType.Reset, 0, 0));
    for (const p of [100, 99.75, 99.5]) book.apply(e(DomType.Bid, p, 5));
    for (const p of [100.25, 100.5]) book.apply(e(DomType.Ask, p, 4));
    expect(book.snapshot(2)).toEqual({
      bids: [
        { price: 100, size: 5 },
        { price: 99.75, size: 5 },
      ],
      asks: [
        { price: 100.25, size: 4 },
        { price: 100.5, size: 4 },
      ],
    });
    book.apply(e(DomType.Bid, 99.75, 0));
    // The best ask drops to 100: the bid at 100 cannot still be there.
    book.apply(e(DomType.BestAsk, 100, 7));
    expect(book.snapshot()).toEqual({
      bids: [{ price: 99.5, size: 5 }],
      asks: [
        { price: 100, size: 7 },
        { price: 100.25, size: 4 },
        { price: 100.5, size: 4 },
      ],
    });
    expect(book.apply(e(DomType.Trade, 100, 1))).toBe(false);
    expect(book.ignored).toBe(1);
    book.apply(e(DomType.Reset, 0, 0));
    expect(book.snapshot()).toEqual({ bids: [], asks: [] });
  });
});

describe('ExponentialBackoff', () => {
  it('grows by the factor up to the cap and gives up after maxAttempts', () => {
    const b = new ExponentialBackoff({ initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0, maxAttempts: 6 });
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => b.delay(n))).toEqual([100, 200, 400, 800, 1000, 1000, null]);
  });

  it('jitters within ±jitter, the same way for the same seed', () => {
    const run = (seed: number) => {
      const b = new ExponentialBackoff({ initialDelayMs: 1000, maxDelayMs: 1000, jitter: 0.2, seed });
      return Array.from({ length: 50 }, (_, n) => b.delay(n) as number);
    };
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(run(8)).not.toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(800);
    expect(Math.max(...a)).toBeLessThanOrEqual(1200);
    expect(new Set(a).size).toBeGreaterThan(10);
  });

  it('is the SignalR retry policy and reports each failure', () => {
    const reasons: string[] = [];
    const b = new ExponentialBackoff({ initialDelayMs: 10, jitter: 0, maxAttempts: 2 }, (ctx) =>
      reasons.push(ctx.retryReason.message),
    );
    const ctx = (n: number) => ({ previousRetryCount: n, elapsedMilliseconds: 0, retryReason: new Error(`e${n}`) });
    expect(b.nextRetryDelayInMilliseconds(ctx(0))).toBe(10);
    expect(b.nextRetryDelayInMilliseconds(ctx(1))).toBe(20);
    expect(b.nextRetryDelayInMilliseconds(ctx(2))).toBeNull();
    expect(reasons).toEqual(['e0', 'e1', 'e2']);
  });

  it('refuses nonsense settings', () => {
    expect(() => new ExponentialBackoff({ initialDelayMs: 10, maxDelayMs: 5 })).toThrow(/initialDelayMs ≤ maxDelayMs/);
  });
});

describe('tokenLifetimeMs', () => {
  const jwt = (claims: object) => `x.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
  it('reads exp − iat, whatever the server clock says', () => {
    expect(tokenLifetimeMs(jwt({ iat: 1000, exp: 1000 + 86_400 }))).toBe(86_400_000);
    expect(tokenLifetimeMs(jwt({ exp: 5 }))).toBeUndefined();
    expect(tokenLifetimeMs('not-a-jwt')).toBeUndefined();
  });
});

describe('Store', () => {
  const order = (status: 'open' | 'filled', updatedAt: number) => ({
    id: 1,
    contractId: 'C',
    side: 'buy' as const,
    type: 'limit' as const,
    size: 1,
    limitPrice: 100,
    stopPrice: null,
    status,
    filledSize: status === 'filled' ? 1 : 0,
    avgFillPrice: status === 'filled' ? 100 : null,
    customTag: null,
    parentId: null,
    linkedId: null,
    updatedAt,
  });
  const sinks = () => {
    const seen: string[] = [];
    const store = new Store({
      order: (o) => seen.push(`order ${o.status}`),
      fill: (f) => seen.push(`fill ${f.id}`),
      position: (p) => seen.push(`position ${p.size}`),
      account: (a) => seen.push(`account ${a.balance}`),
    });
    return { store, seen };
  };

  it('announces each change once and never goes back to an older order state', () => {
    const { store, seen } = sinks();
    expect(store.applyOrder(order('open', 1))).toBe(true);
    expect(store.applyOrder(order('open', 1))).toBe(false);
    expect(store.applyOrder(order('filled', 2))).toBe(true);
    expect(store.applyOrder(order('open', 1))).toBe(false); // a stale REST answer after the hub event
    const fill = {
      id: 9,
      orderId: 1,
      contractId: 'C',
      side: 'buy' as const,
      size: 1,
      price: 100,
      pnl: null,
      fees: 0,
      time: 2,
    };
    expect(store.applyFill(fill)).toBe(true);
    expect(store.applyFill(fill)).toBe(false);
    expect(store.applyPosition({ contractId: 'C', size: 0, averagePrice: 0, openedAt: 0 })).toBe(false);
    expect(store.applyPosition({ contractId: 'C', size: 1, averagePrice: 100, openedAt: 0 })).toBe(true);
    expect(store.applyPosition({ contractId: 'C', size: 0, averagePrice: 0, openedAt: 0 })).toBe(true);
    expect(seen).toEqual(['order open', 'order filled', 'fill 9', 'position 1', 'position 0']);
  });

  it('until() resolves on a change and fails with its message when nothing comes', async () => {
    const { store } = sinks();
    const waiting = store.until(() => store.orders.get(1)?.status, 1000, 'order 1');
    store.applyOrder(order('open', 1));
    await expect(waiting).resolves.toBe('open');
    const err = await store.until(() => undefined, 20, 'something that never happens').catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toMatch(/Timed out after 20 ms waiting for something that never happens/);
  });
});

describe('Emitter', () => {
  it('reports a throwing listener on error and still calls the others', () => {
    class E extends Emitter<{ x: number; error: unknown }> {
      fire(n: number) {
        this.emit('x', n);
      }
    }
    const e = new E();
    const got: unknown[] = [];
    e.on('error', (err) => got.push((err as Error).message));
    e.on('x', () => {
      throw new Error('boom');
    });
    e.on('x', (n) => got.push(n));
    const off = e.once('x', (n) => got.push(`once ${n}`));
    e.fire(1);
    e.fire(2);
    off();
    expect(got).toEqual(['boom', 1, 'once 1', 'boom', 2]);
  });
});
