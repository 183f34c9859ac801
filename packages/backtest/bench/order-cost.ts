/**
 * How much one order costs on order-sim's bar path (for the report on backtest throughput):
 * bars through `Exchange.onMarketEvent` with no orders, then with a market order every `k`
 * bars (filled at the next open, a `fill` listener attached as the backtest has). CPU time.
 */
import { Exchange } from '@tradekit/order-sim';
import { VirtualClock } from '@tradekit/types';
import { randomWalkBars } from '../src/index.js';

const N = 200_000;
const bars = randomWalkBars({ count: N, seed: 5 });
const MNQ = { symbol: 'MNQ', tickSize: 0.25, multiplier: 2 };
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
function run(every: number): { ms: number; orders: number } {
  const clock = new VirtualClock({ start: 0 });
  const ex = new Exchange({ clock, instruments: [MNQ], fees: { perContract: 0.62 }, retainClosedOrders: 10_000 });
  let fills = 0;
  ex.on('fill', () => fills++);
  let orders = 0;
  let side: 'buy' | 'sell' = 'buy';
  const t0 = cpu();
  for (let i = 0; i < N; i++) {
    ex.onMarketEvent(bars[i] as (typeof bars)[number]);
    if (every > 0 && i % every === 0) {
      ex.placeOrder({ symbol: 'MNQ', side, type: 'market', quantity: orders === 0 ? 1 : 2 });
      side = side === 'buy' ? 'sell' : 'buy';
      orders++;
    }
  }
  return { ms: cpu() - t0, orders };
}
for (let r = 0; r < 3; r++) {
  const base = run(0);
  const some = run(20);
  const per = ((some.ms - base.ms) * 1000) / some.orders;
  console.log(
    `bars only: ${(N / base.ms / 1000).toFixed(2)} M bars/s CPU; with an order every 20 bars: ${(N / some.ms / 1000).toFixed(2)} M bars/s; ≈ ${per.toFixed(1)} µs per order (place + fill)`,
  );
}
