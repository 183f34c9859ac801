/**
 * The same strategy through `runBacktest` and through a plain order-sim integration test (the
 * exchange driven by hand, as a user's test would) on the same events gives identical fills.
 */
import { Exchange } from '@tradekit/order-sim';
import { type BarEvent, type Fill, type OrderRequest, VirtualClock } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { SMA, defineStrategy, randomWalkBars, runBacktest } from '../src/index.js';

const MNQ = { symbol: 'MNQ', tickSize: 0.25, multiplier: 2 };
const exchangeOptions = {
  fees: { perContract: 0.62 },
  latency: { orderEntry: 250_000 },
  seed: 7,
};

/** One decision rule, shared by both harnesses: what to send after a closed bar. */
function decide(
  i: number,
  bar: BarEvent,
  pos: number,
  working: number,
  fast: SMA,
  slow: SMA,
): Omit<OrderRequest, 'accountId'>[] {
  const out: Omit<OrderRequest, 'accountId'>[] = [];
  if (!slow.ready) return out;
  if (i % 40 === 0 && pos === 0 && working === 0) {
    // A resting limit entry with a bracket (stop-loss and take-profit by ticks).
    out.push({
      symbol: 'MNQ',
      side: 'buy',
      type: 'limit',
      quantity: 2,
      price: bar.close - 1,
      bracket: { stopLoss: { ticks: 16 }, takeProfit: { ticks: 24 } },
    });
  } else if (pos < 0 && fast.value > slow.value) {
    out.push({ symbol: 'MNQ', side: 'buy', type: 'market', quantity: -pos });
  } else if (pos === 0 && working === 0 && fast.value < slow.value - 5) {
    out.push({ symbol: 'MNQ', side: 'sell', type: 'stop', quantity: 1, stopPrice: bar.low - 0.5, timeInForce: 'GTC' });
  }
  return out;
}

const fillRow = (
  f:
    | Fill
    | {
        id: string;
        orderId: string;
        ts: number;
        side: string;
        quantity: number;
        price: unknown;
        fee: unknown;
        liquidity: string;
      },
) => ({
  id: f.id,
  orderId: f.orderId,
  ts: f.ts,
  side: f.side,
  quantity: f.quantity,
  price: String(f.price),
  fee: String(f.fee),
  liquidity: f.liquidity,
});

describe('backtest ≡ order-sim integration test', () => {
  it('identical fills (market, limit, stop, bracket children; fees and entry latency)', async () => {
    const bars = randomWalkBars({ count: 3000, seed: 21 });

    // 1. The order-sim integration test, by hand.
    const clock = new VirtualClock({ start: 0 });
    const ex = new Exchange({
      clock,
      instruments: [MNQ],
      accounts: [{ id: 'backtest', balance: 100_000 }],
      ...exchangeOptions,
    });
    const plainFills: Fill[] = [];
    ex.on('fill', (e) => plainFills.push(e.fill));
    const fast = new SMA(10);
    const slow = new SMA(30);
    bars.forEach((bar, i) => {
      ex.onMarketEvent(bar);
      fast.update(bar.close);
      slow.update(bar.close);
      const pos = ex.getPosition('backtest', 'MNQ').quantity;
      const working = ex.getOrders({ accountId: 'backtest', open: true }).length;
      for (const r of decide(i, bar, pos, working, fast, slow)) ex.placeOrder({ ...r, accountId: 'backtest' });
    });

    // 2. The same rule as a backtest strategy.
    let i = 0;
    const strategy = defineStrategy({
      name: 'parity',
      onStart(ctx) {
        const self = this as unknown as { f: SMA; s: SMA };
        self.f = ctx.indicator(new SMA(10));
        self.s = ctx.indicator(new SMA(30));
      },
      onBar(bar, ctx) {
        const { f, s } = this as unknown as { f: SMA; s: SMA };
        for (const r of decide(i++, bar, ctx.position(), ctx.openOrders().length, f, s)) ctx.placeOrder(r);
      },
    });
    const result = await runBacktest({ strategy, data: bars, instruments: [MNQ], exchange: exchangeOptions });

    expect(plainFills.length).toBeGreaterThan(50);
    expect(new Set(plainFills.map((f) => f.liquidity))).toEqual(new Set(['maker', 'taker']));
    expect(result.fills.map(fillRow)).toEqual(plainFills.map(fillRow));
    expect(result.account.equity.toString()).toBe(ex.getAccount('backtest').equity.toString());
    expect(result.account.fees.toString()).toBe(ex.getAccount('backtest').fees.toString());
  });
});
