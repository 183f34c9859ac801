import type { BarEvent } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { plainLoopSmaCross, toColumns } from '../bench/plain-loop.js';
import { type BacktestResult, SMA, defineStrategy, randomWalkBars, runBacktest } from '../src/index.js';
import { smaCross } from './strategies.js';

const MNQ = { symbol: 'MNQ', tickSize: 0.25, multiplier: 2 };
const fees = { perContract: 0.62 };

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    return err as Error & { code: string; details: Record<string, unknown> };
  }
  throw new Error('expected the run to fail');
}

describe('runBacktest', () => {
  it('SMA crossover: the same trades as a plain loop (signal at close, fill at the next open)', async () => {
    const bars = randomWalkBars({ count: 5000, seed: 11 });
    const r = await runBacktest({ strategy: smaCross, data: bars, instruments: [MNQ], exchange: { fees } });
    const plain = plainLoopSmaCross(toColumns(bars), 10, 30, 2, 0.62);
    expect(plain.length).toBeGreaterThan(100);
    expect(r.trades.map((t) => [t.size, t.entryTime, t.exitTime, t.entryPrice, t.exitPrice, t.pnl])).toEqual(
      plain.map((t) => [t.size, t.entryTime, t.exitTime, t.entryPrice, t.exitPrice, t.pnl]),
    );
    // Exact money from the exchange equals the numeric curve's end.
    expect(r.account.equity.toNumber()).toBe(r.equity.equity.at(-1));
    expect(r.metrics.feesPaid).toBeCloseTo(r.account.fees.toNumber(), 8);
  });

  it('is deterministic: two runs give the same result', async () => {
    const bars = randomWalkBars({ count: 1000, seed: 5 });
    const run = () => runBacktest({ strategy: smaCross, data: bars, instruments: [MNQ], exchange: { fees } });
    const strip = (r: BacktestResult) => JSON.stringify({ ...r, account: r.account.equity.toString() });
    expect(strip(await run())).toBe(strip(await run()));
  });

  it('takes bars from an async iterable and from a sync generator alike', async () => {
    const bars = randomWalkBars({ count: 500, seed: 2 });
    async function* gen() {
      yield* bars;
    }
    const a = await runBacktest({ strategy: smaCross, data: gen(), instruments: [MNQ] });
    const b = await runBacktest({ strategy: smaCross, data: bars.values(), instruments: [MNQ] });
    expect(a.trades).toEqual(b.trades);
    expect(a.trades.length).toBeGreaterThan(3);
  });

  it('several symbols: each trades on its own bars, one equity curve', async () => {
    const a = randomWalkBars({ count: 600, seed: 1, symbol: 'MNQ' });
    const b = randomWalkBars({ count: 600, seed: 2, symbol: 'MES', price: 5000 });
    const data = a.flatMap((x, i) => [x, b[i] as BarEvent]);
    const seen: Record<string, number> = {};
    const s = defineStrategy({
      name: 'two',
      onStart(ctx) {
        for (const sym of ctx.symbols)
          (this as unknown as Record<string, SMA>)[sym] = ctx.indicator(new SMA(20), { symbol: sym });
      },
      onBar(bar, ctx) {
        seen[bar.symbol] = (seen[bar.symbol] ?? 0) + 1;
        const sma = (this as unknown as Record<string, SMA>)[bar.symbol] as SMA;
        if (!sma.ready) return;
        const pos = ctx.position(bar.symbol);
        if (bar.close > sma.value && pos <= 0) ctx.buy(1 - pos, { symbol: bar.symbol });
        if (bar.close < sma.value && pos >= 0) ctx.sell(1 + pos, { symbol: bar.symbol });
      },
    });
    const r = await runBacktest({
      strategy: s,
      data,
      instruments: [MNQ, { symbol: 'MES', tickSize: 0.25, multiplier: 5 }],
    });
    expect(seen).toEqual({ MNQ: 600, MES: 600 });
    expect(new Set(r.trades.map((t) => t.symbol))).toEqual(new Set(['MNQ', 'MES']));
    expect(r.equity.ts.length).toBe(600); // one point per time, not per event
    expect(r.account.equity.toNumber()).toBeCloseTo(r.equity.equity.at(-1) as number, 6);
  });

  it('a strategy that throws stops the run with a typed error naming the method and the event time, with the partial result', async () => {
    const bars = randomWalkBars({ count: 300, seed: 4 });
    const boom = defineStrategy({
      ...smaCross,
      name: 'boom',
      onBar(bar, ctx) {
        smaCross.onBar?.call(this, bar, ctx as never);
        if (ctx.bars().count === 200) throw new Error('kaput');
      },
    });
    const err = await failure(runBacktest({ strategy: boom, data: bars, instruments: [MNQ] }));
    expect(err.code).toBe('BACKTEST_STRATEGY_FAILED');
    expect(err.message).toContain('"boom" threw in onBar at 2024-01-02T03:20:00.000000Z (MNQ): kaput');
    expect(err.details.method).toBe('onBar');
    expect(err.details.ts).toBe((bars[199] as BarEvent).ts);
    const partial = err.details.result as BacktestResult;
    expect(partial.events).toBe(200);
    expect(partial.equity.ts.at(-1)).toBe((bars[199] as BarEvent).ts);
    expect(partial.trades.length).toBeGreaterThan(0);
    expect(partial.error?.method).toBe('onBar');
  });

  it('errors in onFill and onStart name those methods', async () => {
    const bars = randomWalkBars({ count: 100, seed: 4 });
    const s1 = defineStrategy({
      name: 'f',
      onBar: (_b, ctx) => {
        if (ctx.position() === 0) ctx.buy(1);
      },
      onFill: () => {
        throw new TypeError('bad fill');
      },
    });
    const e1 = await failure(runBacktest({ strategy: s1, data: bars, instruments: [MNQ] }));
    expect(e1.message).toMatch(/threw in onFill at 2024-01-02T00:02:00\.000000Z \(MNQ\): bad fill/);
    const e2 = await failure(
      runBacktest({
        strategy: {
          name: 's',
          onStart: () => {
            throw new Error('no');
          },
        },
        data: bars,
        instruments: [MNQ],
      }),
    );
    expect(e2.message).toContain('threw in onStart at the start (before the first event): no');
  });

  it('bad parameters fail before any event, naming the nearest valid key', async () => {
    let started = false;
    const s = defineStrategy({
      ...smaCross,
      onStart: () => {
        started = true;
      },
    });
    const bars = randomWalkBars({ count: 50 });
    const e1 = await failure(runBacktest({ strategy: s, data: bars, instruments: [MNQ], params: { fsat: 5 } }));
    expect(e1.code).toBe('BACKTEST_PARAMS_INVALID');
    expect(e1.message).toContain('Did you mean `fast`?');
    const e2 = await failure(runBacktest({ strategy: s, data: bars, instruments: [MNQ], params: { fast: 'x' } }));
    expect(e2.message).toMatch(/`fast` to be a finite number like its default 10, got `"x"` \(string\)/);
    const e3 = await failure(runBacktest({ strategy: s, data: bars, instruments: [MNQ], params: { fast: 40 } }));
    expect(e3.message).toContain('fast (40) must be below slow (30)');
    const e4 = await failure(runBacktest({ strategy: s, data: bars, instruments: [MNQ], exchnge: {} } as never));
    expect(e4.code).toBe('BACKTEST_CONFIG_INVALID');
    expect(e4.message).toContain('Did you mean `exchange`?');
    expect(started).toBe(false);
  });

  it('bad data in an array fails before the run starts (order, unknown symbol, not an event)', async () => {
    let started = false;
    const s = defineStrategy({
      name: 'x',
      onStart: () => {
        started = true;
      },
    });
    const bars = randomWalkBars({ count: 50 });
    const swapped = [...bars];
    [swapped[10], swapped[11]] = [swapped[11] as BarEvent, swapped[10] as BarEvent];
    const e1 = await failure(runBacktest({ strategy: s, data: swapped, instruments: [MNQ] }));
    expect(e1.code).toBe('BACKTEST_DATA_INVALID');
    expect(e1.message).toMatch(/time order.*event #12/);
    const e2 = await failure(
      runBacktest({ strategy: s, data: [{ ...bars[0], symbol: 'ES' } as BarEvent], instruments: [MNQ] }),
    );
    expect(e2.message).toContain('got symbol "ES"');
    const e3 = await failure(runBacktest({ strategy: s, data: [{ type: 'bar' }] as never, instruments: [MNQ] }));
    expect(e3.code).toBe('BACKTEST_DATA_INVALID');
    const e4 = await failure(runBacktest({ strategy: s, data: [], instruments: [MNQ] }));
    expect(e4.code).toBe('BACKTEST_NO_DATA');
    expect(started).toBe(false);
    const e5 = await failure(runBacktest({ strategy: s, data: bars } as never));
    expect(e5.message).toMatch(/`instruments`/);
  });

  it('strategy state on `this` is per run', async () => {
    const bars = randomWalkBars({ count: 100 });
    const counter = defineStrategy({
      name: 'count',
      onStart() {
        (this as unknown as { n: number }).n = 0;
      },
      onBar() {
        (this as unknown as { n: number }).n++;
      },
      onEnd(ctx) {
        expect((this as unknown as { n: number }).n).toBe(ctx.bars().count);
      },
    });
    await runBacktest({ strategy: counter, data: bars, instruments: [MNQ] });
    await runBacktest({ strategy: counter, data: bars, instruments: [MNQ] });
    expect((counter as unknown as { n?: number }).n).toBeUndefined();
  });

  it('onOrderUpdate and onFill see a limit order through its life; brackets work from ctx', async () => {
    const bars = randomWalkBars({ count: 400, seed: 6 });
    const statuses: string[] = [];
    const fills: string[] = [];
    const s = defineStrategy({
      name: 'limits',
      onBar(bar, ctx) {
        if (ctx.bars().count === 5) {
          ctx.placeOrder({
            symbol: 'MNQ',
            side: 'buy',
            type: 'limit',
            quantity: 1,
            price: bar.close - 2,
            bracket: { stopLoss: { ticks: 20 }, takeProfit: { ticks: 20 } },
          });
        }
      },
      onOrderUpdate(o) {
        if (!o.parentId) statuses.push(o.status);
      },
      onFill(f) {
        fills.push(f.side);
      },
    });
    const r = await runBacktest({ strategy: s, data: bars, instruments: [MNQ] });
    expect(statuses.slice(0, 2)).toEqual(['pending_new', 'new']);
    expect(statuses.at(-1)).toBe('filled');
    expect(fills).toEqual(['buy', 'sell']); // the entry, then its stop-loss or take-profit
    expect(r.trades.length).toBe(1);
    expect(Math.abs((r.trades[0]?.exitPrice ?? 0) - (r.trades[0]?.entryPrice ?? 0))).toBe(5); // 20 ticks
    expect(r.trades[0]?.mae).toBeLessThanOrEqual(0);
    expect(r.trades[0]?.mfe).toBeGreaterThanOrEqual(0);
  });
});
