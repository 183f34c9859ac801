import { describe, expect, it } from 'vitest';
import { mergeLatency } from '../src/histogram.js';
import { checkThresholds, parseSuiteThreshold } from '../src/thresholds.js';

const none = { errors: 0, operations: 0, disconnects: 0, messages: 0, seconds: 1 };

describe('suite thresholds', () => {
  it('parse a scope, a metric (with the fills and quotes aliases) and a limit in the metric unit', () => {
    expect(parseSuiteThreshold('orders.p99<250ms')).toMatchObject({
      scope: 'orders',
      metric: 'p99',
      op: '<',
      value: 250_000,
    });
    expect(parseSuiteThreshold('orders.fills>=8')).toMatchObject({ scope: 'orders', metric: 'messages', value: 8 });
    expect(parseSuiteThreshold('hub.quotes>=20')).toMatchObject({ scope: 'hub', metric: 'messages', value: 20 });
    expect(parseSuiteThreshold('feed.errors%<0.1%')).toMatchObject({ scope: 'feed', metric: 'errors%', value: 0.1 });
  });

  it('name the nearest scope or metric when misspelled', () => {
    expect(() => parseSuiteThreshold('order.p99<1s')).toThrow(/did you mean "orders"/);
    expect(() => parseSuiteThreshold('hub.p99<1s')).toThrow(/hub has no metric "p99"/);
    expect(() => parseSuiteThreshold('p99<1s')).toThrow(/names no scope/);
  });

  it('fail a latency rule that measured nothing, and pass or fail on the figures', () => {
    const t = ['orders.p99<1s', 'orders.fills>=2', 'feed.errors<=0'].map(parseSuiteThreshold);
    const empty = checkThresholds(t, { feed: none, orders: none, hub: none });
    expect(empty.map((r) => r.passed)).toEqual([false, false, true]);
    expect(empty[0]).toMatchObject({ actual: null, note: 'no samples' });
    const latency = mergeLatency([]);
    expect(latency.count).toBe(0);
  });
});
