/**
 * Must show (issue 17, item 4): the same strategy as a backtest and as a live client of the venue
 * (REST + both SignalR hubs over loopback, virtual clock stepped between events) on a bundled data
 * file gives identical orders, fills and PnL; a deliberately different setup is reported as a
 * mismatch with its cause, never green.
 */
import { fileURLToPath } from 'node:url';
import { defineStrategy, randomWalkBars, smaCrossStrategy } from '@tradekit/backtest';
import { describe, expect, it } from 'vitest';
import { formatParity, runParity } from '../src/index.js';

const DATA = { files: [fileURLToPath(new URL('./fixtures/mnq-1m.csv', import.meta.url))] };
const MNQ = { symbol: 'MNQ', tickSize: 0.25, multiplier: 2 };
const EXCHANGE = { fees: { perContract: 0.62 }, latency: { orderEntry: 250_000 }, seed: 7 };

/** A resting limit entry with a bracket, cancelled if not filled within 5 bars; exits by bracket only. */
const bracketStrategy = defineStrategy({
  name: 'bracket-dip',
  params: { every: 15, ticks: 8 },
  onBar(bar, ctx) {
    const self = this as unknown as { entry?: string; placedAt?: number; n?: number };
    self.n = (self.n ?? 0) + 1;
    const open = ctx.openOrders();
    if (self.entry && self.placedAt !== undefined && self.n - self.placedAt >= 5) {
      const entry = open.find((o) => o.id === self.entry && o.status !== 'filled');
      if (entry && entry.filledQuantity === 0 && ctx.position() === 0) ctx.cancelOrder(entry.id);
      self.entry = undefined;
    }
    if (self.n % ctx.params.every === 0 && ctx.position() === 0 && open.length === 0) {
      const o = ctx.placeOrder({
        symbol: 'MNQ',
        side: 'buy',
        type: 'limit',
        quantity: 1,
        price: bar.close - 0.5,
        bracket: { stopLoss: { ticks: ctx.params.ticks }, takeProfit: { ticks: ctx.params.ticks * 2 } },
      });
      self.entry = o.id;
      self.placedAt = self.n;
    }
  },
});

describe('paper-trading parity (backtest vs live client over the venue)', () => {
  it('SMA crossover on the bundled 1-minute file: identical orders, fills and PnL', async () => {
    const r = await runParity({
      strategy: smaCrossStrategy,
      data: DATA,
      instruments: [MNQ],
      params: { fast: 5, slow: 20 },
      exchange: EXCHANGE,
    });
    expect(r.differences, formatParity(r)).toEqual([]);
    expect(r.match).toBe(true);
    expect(r.events).toEqual({ backtest: 240, live: 240 });
    expect(r.fills.backtest.length).toBeGreaterThan(5);
    expect(r.fills.live).toEqual(r.fills.backtest);
    expect(r.orders.live.map((o) => [o.ts, o.side, o.quantity, o.status])).toEqual(
      r.orders.backtest.map((o) => [o.ts, o.side, o.quantity, o.status]),
    );
    expect(r.pnl.live).toEqual(r.pnl.backtest);
    expect(r.pnl.backtest.fees).not.toBe('0');
    // The live side really went over the network: order, trade and position events from the user hub.
    expect(r.live.hubEvents.GatewayUserTrade).toBe(r.fills.live.length);
    expect(r.live.hubEvents.GatewayUserOrder).toBeGreaterThan(r.orders.live.length);
    expect(r.live.restRequests).toBeGreaterThan(r.orders.live.length);
    expect(formatParity(r)).toMatch(/^parity MATCH: sma-cross/);
  }, 120_000);

  it('limit entries with brackets, cancels and stop / target exits (negotiating hubs): identical', async () => {
    const r = await runParity({
      strategy: bracketStrategy,
      data: DATA,
      instruments: [MNQ],
      exchange: EXCHANGE,
      live: { negotiate: true },
    });
    expect(r.differences, formatParity(r)).toEqual([]);
    expect(r.match).toBe(true);
    const legs = r.orders.backtest.flatMap((o) => o.legs);
    expect(legs.some((l) => /^stop sell filled/.test(l))).toBe(true);
    expect(legs.some((l) => /^limit sell filled/.test(l))).toBe(true);
    expect(r.actions.backtest.filter((a) => a.action === 'cancel').length).toBeGreaterThan(0);
    expect(r.actions.live).toEqual(r.actions.backtest);
  }, 120_000);

  it('a latency model that differs between the runs is a mismatch, and the report names it', async () => {
    const r = await runParity({
      strategy: smaCrossStrategy,
      data: DATA,
      instruments: [MNQ],
      params: { fast: 5, slow: 20 },
      exchange: EXCHANGE,
      // 90 s order entry: the live orders reach the venue after the next bar (fill one bar later).
      live: { exchange: { latency: { orderEntry: '90s' } } },
    });
    expect(r.match).toBe(false);
    expect(r.causes).toEqual(['latency model differs: backtest {"orderEntry":250000}, live {"orderEntry":"90s"}']);
    const fill = r.differences.filter((d) => d.kind === 'fill');
    expect(fill.map((d) => d.field)).toContain('ts');
    expect(fill.every((d) => d.cause.startsWith('latency model differs'))).toBe(true);
    expect(r.differences.some((d) => d.kind === 'pnl')).toBe(true);
    const text = formatParity(r);
    expect(text).toMatch(/^parity MISMATCH/);
    expect(text).toContain('latency model differs');
  }, 120_000);

  it('pacing: a client that catches up every 5 minutes trades later, and the report says why', async () => {
    const r = await runParity({
      strategy: smaCrossStrategy,
      data: { ...DATA, to: '2025-01-02T16:30:00Z' },
      instruments: [MNQ],
      params: { fast: 5, slow: 20 },
      exchange: EXCHANGE,
      live: { pacing: { every: '5m' } },
    });
    expect(r.match).toBe(false);
    expect(r.causes).toHaveLength(1);
    expect(r.causes[0]).toMatch(/^pacing: the venue advanced 300 s per step/);
    expect(r.differences.filter((d) => d.kind === 'fill').length).toBeGreaterThan(0);
  }, 120_000);

  it('two symbols with bars at the same times: each bar reaches the live client in the same order', async () => {
    const a = randomWalkBars({ count: 60, seed: 1 });
    const b = randomWalkBars({ count: 60, seed: 2, symbol: 'ES', price: 5000 });
    const data = a.flatMap((bar, i) => [bar, b[i] as (typeof b)[number]]);
    const flip = defineStrategy({
      name: 'flip-both',
      onBar(bar, ctx) {
        if (ctx.position(bar.symbol) === 0) ctx.buy(1, { symbol: bar.symbol });
        else ctx.sell(1, { symbol: bar.symbol });
      },
    });
    const r = await runParity({
      strategy: flip,
      data,
      instruments: [MNQ, { symbol: 'ES', tickSize: 0.25, multiplier: 50 }],
      exchange: EXCHANGE,
    });
    expect(r.differences, formatParity(r)).toEqual([]);
    expect(new Set(r.fills.live.map((f) => f.symbol))).toEqual(new Set(['MNQ', 'ES']));
    expect(r.fills.live.length).toBeGreaterThan(100);
  }, 120_000);

  it('a strategy that never trades is not a match: nothing was compared', async () => {
    const r = await runParity({
      strategy: defineStrategy({ name: 'idle', onBar() {} }),
      data: { ...DATA, to: '2025-01-02T14:45:00Z' },
      instruments: [MNQ],
    });
    expect(r.match).toBe(false);
    expect(r.differences).toEqual([expect.objectContaining({ kind: 'empty' })]);
  }, 60_000);

  it('refuses what the gateway cannot express, with a clear code', async () => {
    const oco = defineStrategy({
      name: 'oco',
      onBar(bar, ctx) {
        if (ctx.openOrders().length === 0)
          ctx.placeOrder({ symbol: 'MNQ', side: 'buy', type: 'limit', quantity: 1, price: bar.low, ocoGroup: 'g' });
      },
    });
    await expect(
      runParity({ strategy: oco, data: { ...DATA, to: '2025-01-02T14:45:00Z' }, instruments: [MNQ] }),
    ).rejects.toMatchObject({
      code: 'BACKTEST_STRATEGY_FAILED',
      message: expect.stringMatching(/cannot express OCO groups/),
    });
    await expect(
      runParity({ strategy: smaCrossStrategy, data: DATA, instruments: [MNQ], live: { pacng: 'event' } } as never),
    ).rejects.toThrow(/Did you mean `pacing`/);
  }, 60_000);
});
