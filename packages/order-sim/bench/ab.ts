/**
 * Same-process A/B of two order-sim source trees on the bench's Exchange rows (fill-heavy,
 * no-fill, backtest path), interleaved rounds, CPU time (process.cpuUsage): for a shared machine.
 *
 * Usage: node --expose-gc --import tsx bench/ab.ts <dirA/src> <dirB/src> [--rounds 7] [--ops 100000] [--only fill,nofill,md]
 * Prints per-row medians of CPU ops/s, the median of the per-round ratios B/A, and the ratio of
 * the best rounds (on a loaded machine interference only adds time, so the best run of each tree
 * is the least disturbed one).
 */
import { Rng, VirtualClock } from '@tradekit/types';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const only = (() => {
  const i = process.argv.indexOf('--only');
  return i >= 0 ? String(process.argv[i + 1]).split(',') : ['fill', 'nofill', 'md'];
})();
const [dirA, dirB] = process.argv.slice(2, 4) as [string, string];
const ROUNDS = arg('rounds', 7);
const OPS = arg('ops', 100_000);
const RESTING = 10_000;
const MD = arg('md', 500_000);
const MID = 100_000;
const DEPTH = 50;
const BUY = 0;
const ADD = 0;
const CANCEL = 1;
const MARKET = 2;

function generate(preload: number, ops: number, seed: number) {
  const rng = new Rng(seed);
  const n = preload + ops;
  const f = {
    n,
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
      f.kind[i] = ADD;
      f.tick[i] = side === BUY ? MID - cross : MID + cross;
      f.qty[i] = 1 + Math.floor(rng.next() * 10);
      f.id[i] = nextId;
      pool.push(nextId++);
    } else if (r < 0.85 && pool.length > 0) {
      f.kind[i] = CANCEL;
      const j = Math.floor(rng.next() * pool.length);
      f.id[i] = pool[j] as number;
      pool[j] = pool[pool.length - 1] as number;
      pool.pop();
    } else {
      f.kind[i] = MARKET;
      f.qty[i] = 1 + Math.floor(rng.next() * 20);
    }
  }
  return f;
}
const flow = generate(RESTING, OPS, 42);

// biome-ignore lint/suspicious/noExplicitAny: two copies of the class
type Ex = any;
function runExchange(Exchange: Ex, noFills: boolean): { cpu: number; ops: number; volume: number } {
  const clock = new VirtualClock();
  const ex = new Exchange({
    clock,
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
    const side = flow.side[i] === BUY ? 'buy' : 'sell';
    const accountId = (flow.id[i] as number) % 2 === 0 ? 'a' : 'b';
    if (k === ADD) {
      let price = flow.tick[i] as number;
      if (noFills && (flow.side[i] === BUY ? price >= MID : price <= MID))
        price = flow.side[i] === BUY ? MID - 1 : MID + 1;
      const o = ex.placeOrder({ symbol: 'X', side, type: 'limit', quantity: flow.qty[i] as number, price, accountId });
      ids[flow.id[i] as number] = o.id;
      ran++;
    } else if (k === CANCEL) {
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
  for (let i = 0; i < RESTING; i++) exec(i);
  ran = 0;
  const c0 = process.cpuUsage();
  for (let i = RESTING; i < RESTING + OPS; i++) exec(i);
  const c = process.cpuUsage(c0);
  return { cpu: c.user + c.system, ops: ran, volume };
}

function runMd(Exchange: Ex, events: number): { cpu: number; ops: number; volume: number } {
  const clock = new VirtualClock();
  const ex = new Exchange({ clock, instruments: [{ symbol: 'ES', tickSize: 0.25, multiplier: 50 }] });
  let fills = 0;
  ex.on('fill', () => fills++);
  const rng = new Rng(7);
  let bid = 4000;
  const c0 = process.cpuUsage();
  for (let i = 0; i < events; i++) {
    if ((i & 1023) === 0) {
      ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 1, price: bid - 1 });
      ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'limit', quantity: 1, price: bid + 1 });
    }
    const u = rng.next();
    bid += u < 0.2 ? 0.25 : u < 0.4 ? -0.25 : 0;
    if (i % 4 === 3) ex.onMarketEvent({ type: 'trade', symbol: 'ES', ts: i, price: bid, size: 1, side: 'buy' });
    else ex.onMarketEvent({ type: 'quote', symbol: 'ES', ts: i, bid, bidSize: 10, ask: bid + 0.25, askSize: 10 });
  }
  const c = process.cpuUsage(c0);
  return { cpu: c.user + c.system, ops: events, volume: fills };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const A = (await import(`${dirA}/index.ts`)).Exchange;
if (dirB === 'profile') {
  // One tree only, for `node --cpu-prof`: the rows in --only, --rounds times.
  for (let r = 0; r < ROUNDS; r++)
    for (const row of only) row === 'md' ? runMd(A, MD) : runExchange(A, row === 'nofill');
  process.exit(0);
}
const B = (await import(`${dirB}/index.ts`)).Exchange;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc --import tsx');
const run = (E: Ex, row: string) => {
  // Collect the previous run's garbage first, so that no run pays for another's.
  gc();
  return row === 'md' ? runMd(E, MD) : runExchange(E, row === 'nofill');
};
// Warm-up, and a check that both trees trade the same.
for (const row of only) {
  const a = run(A, row);
  const b = run(B, row);
  if (a.volume !== b.volume || a.ops !== b.ops)
    throw new Error(`${row}: A volume ${a.volume} ops ${a.ops}, B volume ${b.volume} ops ${b.ops}`);
}
const rates: Record<string, { a: number[]; b: number[]; r: number[] }> = {};
for (const row of only) rates[row] = { a: [], b: [], r: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const row of only) {
    const first = r % 2 === 0;
    const x = first ? run(A, row) : run(B, row);
    const y = first ? run(B, row) : run(A, row);
    const a = first ? x : y;
    const b = first ? y : x;
    const ra = (a.ops * 1e6) / a.cpu;
    const rb = (b.ops * 1e6) / b.cpu;
    const t = rates[row] as { a: number[]; b: number[]; r: number[] };
    t.a.push(ra);
    t.b.push(rb);
    t.r.push(rb / ra);
  }
}
for (const row of only) {
  const t = rates[row] as { a: number[]; b: number[]; r: number[] };
  console.log(
    `${row.padEnd(7)} A ${(median(t.a) / 1e6).toFixed(3)} M/s  B ${(median(t.b) / 1e6).toFixed(3)} M/s  B/A median ×${median(t.r).toFixed(3)}  best B/best A ×${(Math.max(...t.b) / Math.max(...t.a)).toFixed(3)}  [${t.r.map((x) => x.toFixed(2)).join(' ')}]`,
  );
}
