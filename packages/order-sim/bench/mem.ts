/**
 * Bytes retained per order after place + cancel (node --expose-gc --import tsx bench/mem.ts <src>):
 * on the JS heap (what the garbage collector traces) and in ArrayBuffers (typed arrays, untraced).
 */
import { VirtualClock } from '@tradekit/types';
const { Exchange } = await import(`${process.argv[2]}/index.ts`);
const gc = (globalThis as { gc: () => void }).gc;
const ex = new Exchange({
  clock: new VirtualClock(),
  instruments: [{ symbol: 'X', tickSize: 1 }],
  accounts: [{ id: 'a', balance: 1e12 }],
});
const N = 100_000;
for (let i = 0; i < 1000; i++)
  ex.cancelOrder(
    ex.placeOrder({ symbol: 'X', side: 'buy', type: 'limit', quantity: 1, price: 100 - (i % 50), accountId: 'a' }).id,
  );
gc();
const m0 = process.memoryUsage();
for (let i = 0; i < N; i++)
  ex.cancelOrder(
    ex.placeOrder({
      symbol: 'X',
      side: 'buy',
      type: 'limit',
      quantity: 1 + (i % 7),
      price: 100 - (i % 50),
      accountId: 'a',
    }).id,
  );
gc();
const m1 = process.memoryUsage();
// Keeps the exchange (and its orders) alive up to the measurement.
if (ex.getOrder('o1').status !== 'canceled') throw new Error('unexpected status');
console.log(
  `${((m1.heapUsed - m0.heapUsed) / N).toFixed(0)} B heap + ${((m1.arrayBuffers - m0.arrayBuffers) / N).toFixed(0)} B array buffers retained per closed order`,
);
