import type { MarketEvent, QuoteEvent, StatusEvent } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { createMarket } from './market.js';
import { gbm } from './process.js';
import {
  defineScenario,
  flashCrash,
  halt,
  lowLiquidity,
  newsSpike,
  sessionGap,
  trending,
  volatile,
} from './scenario.js';

const START = Date.UTC(2024, 0, 2) * 1000;
const MIN = 60_000_000;

function quotes(events: MarketEvent[], from = -Infinity, to = Infinity): QuoteEvent[] {
  return events.filter((e): e is QuoteEvent => e.type === 'quote' && e.ts >= from && e.ts < to);
}
const mid = (q: QuoteEvent) => (q.bid + q.ask) / 2;
const avgSpread = (qs: QuoteEvent[]) => qs.reduce((a, q) => a + (q.ask - q.bid), 0) / qs.length;

function quiet(scenarios: ReturnType<typeof trending>[], extra: object = {}) {
  return createMarket({
    seed: 11,
    duration: '2h',
    symbols: [{ symbol: 'MNQ', process: gbm({ volatility: 0.1 }), microstructure: { seasonality: false } }],
    scenarios,
    ...extra,
  });
}

describe('scenarios', () => {
  it('flashCrash: spread blows out, price drops by the given %, trading halts, then partly rebounds', () => {
    const events = [
      ...quiet([flashCrash({ from: '30m', to: '90m', drop: 0.1, rebound: 0.5, halt: 0.1 })], { book: { levels: 5 } }),
    ];
    const before = quotes(events, START + 20 * MIN, START + 30 * MIN);
    const p0 = mid(before.at(-1)!);
    const during = quotes(events, START + 30 * MIN, START + 48 * MIN);
    const low = Math.min(...during.map(mid));
    expect(low / p0).toBeLessThan(0.92);
    expect(avgSpread(quotes(events, START + 33 * MIN, START + 45 * MIN))).toBeGreaterThan(3 * avgSpread(before));
    const statuses = events.filter((e): e is StatusEvent => e.type === 'status').map((e) => e.status);
    expect(statuses).toEqual(['open', 'halt', 'open']);
    const haltAt = events.find((e) => e.type === 'status' && e.status === 'halt')!.ts;
    const resumeAt = events.find((e, i) => i > 0 && e.type === 'status' && e.status === 'open')!.ts;
    expect(events.filter((e) => e.type === 'trade' && e.ts >= haltAt && e.ts < resumeAt)).toHaveLength(0);
    const after = quotes(events, START + 95 * MIN);
    const end = mid(after.at(-1)!);
    expect(end).toBeGreaterThan(low * 1.02);
    expect(end).toBeLessThan(p0 * 0.99);
  });

  it('halt stops quotes and trades for its window and announces halt and resume', () => {
    const events = [...quiet([halt({ from: '10m', to: '20m', reason: 'regulatory' })])];
    const inside = events.filter((e) => e.ts > START + 10 * MIN && e.ts < START + 20 * MIN);
    expect(inside).toHaveLength(0);
    const s = events.filter((e): e is StatusEvent => e.type === 'status');
    expect(s.map((e) => [e.status, e.ts - START])).toEqual([
      ['open', 0],
      ['halt', 10 * MIN],
      ['open', 20 * MIN],
    ]);
    expect(s[1]!.reason).toBe('regulatory');
  });

  it('sessionGap closes the market and reopens with a gap', () => {
    const events = [...quiet([sessionGap({ from: '30m', to: '60m', gap: 0.03 })])];
    const before = mid(quotes(events, -Infinity, START + 30 * MIN).at(-1)!);
    const after = mid(quotes(events, START + 60 * MIN).at(0)!);
    expect(after / before).toBeGreaterThan(1.02);
    expect(events.some((e) => e.type === 'status' && e.status === 'close')).toBe(true);
  });

  it('trending drifts the price in its window', () => {
    const events = [...quiet([trending({ from: 0, to: '2h', drift: 500 })])];
    const qs = quotes(events);
    expect(mid(qs.at(-1)!) / mid(qs[0]!)).toBeGreaterThan(1.05);
  });

  it('lowLiquidity widens the spread, thins the book and slows trading', () => {
    const normal = [...quiet([])];
    const thin = [...quiet([lowLiquidity()])];
    expect(avgSpread(quotes(thin))).toBeGreaterThan(2 * avgSpread(quotes(normal)));
    const trades = (ev: MarketEvent[]) => ev.filter((e) => e.type === 'trade').length;
    expect(trades(thin)).toBeLessThan(trades(normal) * 0.5);
    const depth = (ev: MarketEvent[]) => quotes(ev).reduce((a, q) => a + q.bidSize, 0) / quotes(ev).length;
    expect(depth(thin)).toBeLessThan(depth(normal) * 0.5);
  });

  it('volatile and newsSpike raise volatility; newsSpike jumps in the given direction', () => {
    // Realised variance of 1-minute mids (quote-to-quote changes are mostly tick noise).
    const rv = (ev: MarketEvent[], from: number, to: number) => {
      let s = 0;
      let prev = Number.NaN;
      for (let t = from + MIN; t <= to; t += MIN) {
        const q = quotes(ev, t - MIN, t).at(-1);
        if (!q) continue;
        if (!Number.isNaN(prev)) s += Math.log(mid(q) / prev) ** 2;
        prev = mid(q);
      }
      return s;
    };
    const calm = [...quiet([])];
    const wild = [...quiet([volatile({ from: '1h', to: '2h', multiplier: 4 })])];
    expect(rv(wild, START + 60 * MIN, START + 120 * MIN)).toBeGreaterThan(
      5 * rv(calm, START + 60 * MIN, START + 120 * MIN),
    );
    const news = [...quiet([newsSpike({ from: '1h', to: '1h10m', size: 0.02, direction: 'down' })])];
    const pre = mid(quotes(news, -Infinity, START + 60 * MIN).at(-1)!);
    const post = mid(quotes(news, START + 60 * MIN).at(0)!);
    expect(post / pre).toBeLessThan(0.985);
  });

  it('defineScenario lets users write their own with the same API', () => {
    const seen: number[] = [];
    const widen = defineScenario<{ ticks: number }>('widen', (c, step, p) => {
      c.spreadAddTicks += p.ticks;
      seen.push(step.progress);
    });
    const events = [...quiet([widen({ from: '10m', to: '20m', ticks: 6 })])];
    const inside = quotes(events, START + 11 * MIN, START + 19 * MIN);
    for (const q of inside) expect(q.ask - q.bid).toBeGreaterThanOrEqual(6 * 0.25);
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBeLessThan(1);
    expect(seen).toHaveLength(600);
  });

  it('rejects a window that ends before it starts', () => {
    expect(() => quiet([halt({ from: '20m', to: '10m' })])).toThrow(
      expect.objectContaining({ code: 'SIM_INVALID_SCENARIO' }),
    );
  });
});
