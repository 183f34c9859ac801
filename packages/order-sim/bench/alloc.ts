/**
 * Bytes allocated per operation on the bench's Exchange rows (fill-heavy, no-fill, backtest path):
 * runs a chunk of operations with the young generation large enough that no collection happens
 * inside it, and reads the heap growth (every byte allocated in the chunk, kept or not).
 *
 * Usage: node --expose-gc --max-semi-space-size=256 --min-semi-space-size=256 --import tsx bench/alloc.ts <src> [--ops 20000]
 */
import { Rng, VirtualClock } from '@tradekit/types';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const OPS = arg('ops', 20_000);
const RESTING = 10_000;
const MID = 100_000;
const DEPTH = 50;

function generate(preload: number, ops: number, seed: number) {
  const rng = new Rng(seed);
  const n = preload + ops;
  const f = {
    kind: new Uint8Array(n),
    side: new Uint8Array(n),
    tick: new Int32Array(n),
    qty: new Int32Array(n),
    id: new Int32Array(n),
  };
  const pool: number[] = [];
  let nextId = 1;
  for (let i = 0; i < n; i++) {
    const r = i < preload ? 0 : rng.next();
    const side = rng.next() < 0.5 ? 0 : 1;
    f.side[i] = side;
    if (r < 0.5) {
      const off = 1 + Math.floor(rng.next() * DEPTH);
      const cross = i >= preload && rng.next() < 0.05 ? -1 - Math.floor(rng.next() * 3) : off;
      f.kind[i] = 0;
      f.tick[i] = side === 0 ? MID - cross : MID + cross;
      f.qty[i] = 1 + Math.floor(rng.next() * 10);
      f.id[i] = nextId;
      pool.push(nextId++);
    } else if (r < 0.85 && pool.length > 0) {
      f.kind[i] = 1;
      const j = Math.floor(rng.next() * pool.length);
      f.id[i] = pool[j] as number;
      pool[j] = pool[pool.length - 1] as number;
      pool.pop();
    } else {
      f.kind[i] = 2;
      f.qty[i] = 1 + Math.floor(rng.next() * 20);
    }
  }
  return f;
}
// Warm-up on one flow, measure on another (same shape), so the JIT has settled.
const flows = [generate(RESTING, OPS * 3, 1), generate(RESTING, OPS * 3, 42)];
const { Exchange } = await import(`${process.argv[2]}/index.ts`);
const gc = (globalThis as { gc: () => void }).gc;

function exchangeRow(flow: ReturnType<typeof generate>, noFills: boolean): number {
  const ex = new Exchange({
    clock: new VirtualClock(),
    instruments: [{ symbol: 'X', tickSize: 1 }],
    accounts: [
      { id: 'a', balance: 1e12 },
      { id: 'b', balance: 1e12 },
    ],
    fees: { perContract: 0.1, makerBps: -0.2, takerBps: 0.5 },
  });
  let volume = 0;
  ex.on('fill', (e: { fill: { liquidity: string; quantity: number } }) => {
    if (e.fill.liquidity === 'taker') volume += e.fill.quantity;
  });
  const ids: string[] = [];
  let ran = 0;
  const exec = (i: number) => {
    const k = flow.kind[i];
    const side = flow.side[i] === 0 ? 'buy' : 'sell';
    const accountId = (flow.id[i] as number) % 2 === 0 ? 'a' : 'b';
    if (k === 0) {
      let price = flow.tick[i] as number;
      if (noFills && (flow.side[i] === 0 ? price >= MID : price <= MID)) price = flow.side[i] === 0 ? MID - 1 : MID + 1;
      const o = ex.placeOrder({ symbol: 'X', side, type: 'limit', quantity: flow.qty[i] as number, price, accountId });
      ids[flow.id[i] as number] = o.id;
      ran++;
    } else if (k === 1) {
      const id = ids[flow.id[i] as number];
      if (id !== undefined) ex.cancelOrder(id);
      ran++;
    } else if (!noFills) {
      ex.placeOrder({
        symbol: 'X',
        side,
        type: 'market',
        quantity: flow.qty[i] as number,
        accountId: i % 2 === 0 ? 'a' : 'b',
        timeInForce: 'IOC',
      });
      ran++;
    }
  };
  for (let i = 0; i < RESTING + OPS; i++) exec(i);
  ran = 0;
  gc();
  gc();
  const h0 = process.memoryUsage().heapUsed;
  for (let i = RESTING + OPS; i < RESTING + 2 * OPS; i++) exec(i);
  const h1 = process.memoryUsage().heapUsed;
  if (volume < 0) throw new Error('unreachable');
  return (h1 - h0) / ran;
}

function mdRow(events: number): number {
  const ex = new Exchange({
    clock: new VirtualClock(),
    instruments: [{ symbol: 'ES', tickSize: 0.25, multiplier: 50 }],
  });
  let fills = 0;
  ex.on('fill', () => fills++);
  const rng = new Rng(7);
  let bid = 4000;
  let h0 = 0;
  for (let i = 0; i < 2 * events; i++) {
    if (i === events) {
      gc();
      gc();
      h0 = process.memoryUsage().heapUsed;
    }
    if ((i & 1023) === 0) {
      ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 1, price: bid - 1 });
      ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'limit', quantity: 1, price: bid + 1 });
    }
    const u = rng.next();
    bid += u < 0.2 ? 0.25 : u < 0.4 ? -0.25 : 0;
    if (i % 4 === 3) ex.onMarketEvent({ type: 'trade', symbol: 'ES', ts: i, price: bid, size: 1, side: 'buy' });
    else ex.onMarketEvent({ type: 'quote', symbol: 'ES', ts: i, bid, bidSize: 10, ask: bid + 0.25, askSize: 10 });
  }
  const h1 = process.memoryUsage().heapUsed;
  return (h1 - h0) / events;
}

for (const noFills of [false, true]) exchangeRow(flows[0] as ReturnType<typeof generate>, noFills);
mdRow(50_000);
// The least of three runs: the JIT's own allocations (code, feedback) land in some runs only.
const least = (f: () => number) => Math.min(f(), f(), f());
const fill = least(() => exchangeRow(flows[1] as ReturnType<typeof generate>, false));
const nofill = least(() => exchangeRow(flows[1] as ReturnType<typeof generate>, true));
const md = least(() => mdRow(50_000));
console.log(
  `bytes allocated per op: fill-heavy ${fill.toFixed(0)} B, no-fill ${nofill.toFixed(0)} B; backtest path ${md.toFixed(1)} B per event`,
);
