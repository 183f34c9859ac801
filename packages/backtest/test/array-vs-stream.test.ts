/**
 * The same events given as an array (checked whole before the run, sized curve) and as a
 * generator (checked event by event) must give byte-identical results: trades, open trades, fills, the
 * equity curve, metrics, the exact account, the JSON report — on one and two symbols, with
 * gaps, latency, market, limit, stop and bracket orders, cancels and modifies, custom indicator
 * updates, fill and order callbacks, progress reports and a strategy that throws.
 */
import type { BarEvent, MarketEvent, OrderRequest } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import {
  type BacktestOptions,
  type BacktestResult,
  EMA,
  Highest,
  SMA,
  type Strategy,
  defineStrategy,
  randomWalkBars,
  reportJson,
  runBacktest,
} from '../src/index.js';
import { smaCross } from './strategies.js';

const MNQ = { symbol: 'MNQ', tickSize: 0.25, multiplier: 2 };
const MES = { symbol: 'MES', tickSize: 0.25, multiplier: 5 };

/** Two symbols on the same clock, MES missing a bar now and then. */
function twoSymbols(count: number): BarEvent[] {
  const a = randomWalkBars({ count, seed: 11, symbol: 'MNQ' });
  const b = randomWalkBars({ count, seed: 12, symbol: 'MES', price: 5000 });
  const out: BarEvent[] = [];
  for (let i = 0; i < count; i++) {
    out.push(a[i] as BarEvent);
    if (i % 53 !== 7) out.push(b[i] as BarEvent);
  }
  return out;
}

/** Everything a result holds, as text (typed arrays as plain lists, the account as JSON). */
function dump(r: BacktestResult): string {
  return JSON.stringify({
    ...r,
    equity: {
      ts: Array.from(r.equity.ts),
      equity: Array.from(r.equity.equity),
      price: Array.from(r.equity.price),
    },
    report: reportJson(r, { maxPoints: 1_000_000 }),
  });
}

async function outcome(options: BacktestOptions): Promise<string> {
  try {
    return dump(await runBacktest(options));
  } catch (err) {
    const e = err as { code?: string; message: string; details?: { result?: BacktestResult } };
    return `threw ${e.code}: ${e.message}\n${e.details?.result ? dump(e.details.result) : ''}`;
  }
}

/** Equal texts, or the first difference with some context (the texts are long). */
function same(a: string, b: string): void {
  if (a === b) return;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  expect(`…${a.slice(Math.max(0, i - 150), i + 150)}…`).toBe(`…${b.slice(Math.max(0, i - 150), i + 150)}…`);
}

/** Runs the options with the data as an array (the bar loop) and as a generator (the general loop). */
async function both(options: Omit<BacktestOptions, 'data'>, data: readonly MarketEvent[]) {
  const progressA: number[] = [];
  const progressB: number[] = [];
  const withProgress = (log: number[]) =>
    options.onProgress ? { onProgress: (n: number) => log.push(n), progressEvery: options.progressEvery } : {};
  const array = await outcome({ ...options, ...withProgress(progressA), data: [...data] });
  const general = await outcome({
    ...options,
    ...withProgress(progressB),
    data: (function* () {
      yield* data;
    })(),
  });
  return { array, general, progressA, progressB };
}

/** Limit, stop and bracket entries, cancels and modifies, reversals: decided from the bar alone. */
const orders = defineStrategy({
  name: 'orders',
  params: { every: 7 },
  onStart(ctx) {
    const self = this as unknown as { fast: EMA; high: Highest; n: number };
    self.fast = ctx.indicator(new EMA(8));
    self.high = ctx.indicator(new Highest(12), { update: (ind, bar) => ind.update(bar.high) });
    self.n = 0;
  },
  onBar(bar, ctx) {
    const self = this as unknown as { fast: EMA; high: Highest; n: number };
    self.n++;
    if (!self.fast.ready || !self.high.ready) return;
    const pos = ctx.position(bar.symbol);
    const open = ctx.openOrders(bar.symbol);
    const k = self.n % (ctx.params.every * 6);
    const px = bar.close;
    const send = (r: Omit<OrderRequest, 'accountId'>) => ctx.placeOrder(r);
    if (k === 0 && open.length === 0) {
      send({ symbol: bar.symbol, side: 'buy', type: 'limit', quantity: 2, price: px - 0.5 });
    } else if (k === ctx.params.every && open.length === 0) {
      send({ symbol: bar.symbol, side: 'sell', type: 'stop', quantity: 1, stopPrice: bar.low - 0.25 });
    } else if (k === 2 * ctx.params.every && pos === 0) {
      send({
        symbol: bar.symbol,
        side: 'buy',
        type: 'limit',
        quantity: 1,
        price: px - 0.25,
        bracket: { stopLoss: { ticks: 10 }, takeProfit: { ticks: 14 } },
      });
    } else if (k === 3 * ctx.params.every && open.length > 0) {
      const o = open[0];
      if (o && o.type === 'limit' && o.price !== undefined) ctx.modifyOrder(o.id, { price: o.price - 0.25 });
    } else if (k === 4 * ctx.params.every && open.length > 0) {
      for (const o of open) ctx.cancelOrder(o.id);
    } else if (k === 5 * ctx.params.every) {
      if (pos !== 0) ctx.closePosition(bar.symbol);
      else if (px > self.fast.value) ctx.buy(1, { symbol: bar.symbol });
      else ctx.sell(2, { symbol: bar.symbol });
    }
  },
});

/** SMA crossovers on each symbol with fill and order callbacks writing to a log it trades on. */
const perSymbol = defineStrategy({
  name: 'per-symbol',
  params: {},
  onStart(ctx) {
    const self = this as unknown as { sma: Record<string, [SMA, SMA]>; fills: number; updates: number };
    self.sma = {};
    for (const s of ctx.symbols) {
      self.sma[s] = [
        ctx.indicator(new SMA(5), { symbol: s }),
        ctx.indicator(new SMA(15), { symbol: s, update: (ind, bar) => ind.update((bar.high + bar.low) / 2) }),
      ];
    }
    self.fills = 0;
    self.updates = 0;
  },
  onFill() {
    (this as unknown as { fills: number }).fills++;
  },
  onOrderUpdate() {
    (this as unknown as { updates: number }).updates++;
  },
  onBar(bar, ctx) {
    const self = this as unknown as { sma: Record<string, [SMA, SMA]>; fills: number; updates: number };
    const pair = self.sma[bar.symbol];
    if (pair === undefined) return;
    const [f, s] = pair;
    if (!s.ready) return;
    const pos = ctx.position(bar.symbol);
    const size = 1 + (self.fills % 2);
    if (f.value > s.value && pos <= 0) ctx.buy(size - pos, { symbol: bar.symbol });
    else if (f.value < s.value && pos >= 0) ctx.sell(size + pos, { symbol: bar.symbol });
    if (self.updates % 97 === 0 && ctx.bars(bar.symbol).length > 3) ctx.account();
  },
});

describe('the bar loop of in-memory arrays equals the general loop', () => {
  it('SMA crossover on one symbol (the bench strategy), with progress reports', async () => {
    const r = await both(
      {
        strategy: smaCross as Strategy,
        instruments: [MNQ],
        exchange: { fees: { perContract: 0.62 } },
        onProgress: () => {},
        progressEvery: 1000,
      },
      randomWalkBars({ count: 6000, seed: 3 }),
    );
    same(r.array, r.general);
    expect(r.progressA).toEqual(r.progressB);
    expect(r.progressA.length).toBe(6);
  });

  it('limit, stop and bracket orders, cancels, modifies and custom indicator updates', async () => {
    const data = randomWalkBars({ count: 5000, seed: 21 });
    for (const exchange of [{ fees: { perContract: 0.62 } }, { latency: { orderEntry: 30_000_000 }, seed: 4 }]) {
      const r = await both({ strategy: orders as Strategy, instruments: [MNQ], exchange }, data);
      same(r.array, r.general);
      expect(r.array).toContain('"liquidity":"maker"'); // resting limits filled
    }
  });

  it('two symbols with gaps: per-symbol indicators, fills and order callbacks', async () => {
    const data = twoSymbols(3000);
    for (const strategy of [perSymbol, orders] as Strategy[]) {
      const r = await both({ strategy, instruments: [MNQ, MES], exchange: { fees: { perContract: 1.1 } } }, data);
      same(r.array, r.general);
    }
  });

  it('5-minute bars, a parameter override and an indicator bound to a timeframe', async () => {
    const data = randomWalkBars({ count: 3000, seed: 8, barMicros: 300_000_000, timeframe: '5m' });
    const tf = defineStrategy({
      name: 'tf',
      params: { fast: 4, slow: 9 },
      onStart(ctx) {
        const self = this as unknown as { f: SMA; s: SMA };
        self.f = ctx.indicator(new SMA(ctx.params.fast), { timeframe: '5m' });
        self.s = ctx.indicator(new SMA(ctx.params.slow));
      },
      onBar(_bar, ctx) {
        const { f, s } = this as unknown as { f: SMA; s: SMA };
        if (!s.ready) return;
        if (f.value > s.value && ctx.position() <= 0) ctx.buy(1 - ctx.position());
        else if (f.value < s.value && ctx.position() >= 0) ctx.sell(1 + ctx.position());
      },
    });
    const r = await both({ strategy: tf as Strategy, params: { slow: 11 }, instruments: [MNQ] }, data);
    same(r.array, r.general);
  });

  it('an array holding something that is not an event fails before the run, as a data error', async () => {
    for (const bad of [null, 42, { type: 'bar' }]) {
      const data = [...randomWalkBars({ count: 5, seed: 1 }), bad] as MarketEvent[];
      const r = await both({ strategy: smaCross as Strategy, instruments: [MNQ] }, data);
      expect(r.array).toMatch(/^threw BACKTEST_DATA_INVALID: Expected a market event .*event #6/);
    }
  });

  it('a strategy that throws mid-run: the same error and partial result', async () => {
    const boom = defineStrategy({
      name: 'boom',
      params: {},
      onBar(bar, ctx) {
        if (ctx.bars().length === 400) throw new Error('kaput');
        if (ctx.bars().length % 50 === 0) ctx.buy(1, { symbol: bar.symbol });
      },
    });
    const r = await both({ strategy: boom as Strategy, instruments: [MNQ] }, randomWalkBars({ count: 1000, seed: 5 }));
    same(r.array, r.general);
    expect(r.array).toMatch(/^threw BACKTEST_STRATEGY_FAILED/);
  });
});
