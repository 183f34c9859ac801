import { Rng, VirtualClock } from '@tradekit/types';
import { Exchange } from '../src/index.js';
const clock = new VirtualClock();
const ex = new Exchange({ clock, instruments: [{ symbol: 'ES', tickSize: 0.25, multiplier: 50 }] });
const rng = new Rng(1);
let bid = 4000;
let ids: string[] = [];
const N = 200_000;
let fills = 0;
ex.on('fill', () => fills++);
const t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) {
  const u = rng.next();
  bid += u < 0.2 ? 0.25 : u < 0.4 ? -0.25 : 0;
  ex.onMarketEvent({ type: 'quote', symbol: 'ES', ts: i, bid, bidSize: 10, ask: bid + 0.25, askSize: 10 });
  for (const id of ids) ex.cancelOrder(id);
  ids = [
    ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 1, price: bid - 0.5 }).id,
    ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'limit', quantity: 1, price: bid + 0.75 }).id,
  ];
}
const s = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(
  `${(N / s / 1e3).toFixed(1)} k quotes/s with 2 cancels + 2 places each (${((4 * N) / s / 1e3).toFixed(0)} k order ops/s), fills ${fills}`,
);
