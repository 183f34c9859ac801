// Synthetic ceiling for issue 12 §3 (struct-of-arrays order state): the no-fill flow's order
// bookkeeping alone (pool of live orders, random cancels, every order kept), with the order state as
// (A) one object per order (+ id string + request copy, as WorkingOrder), (A2) the same, closed orders dropped (the
// ceiling of keeping closed orders outside the heap), (B) typed-array slots plus
// the request copy, (C) typed-array slots only. No matching, validation or money: it bounds what
// moving order state out of the heap can save per op. CPU time, interleaved, 7 rounds.
// Usage: node --expose-gc bench/soa-ceiling.mjs [ops]
const OPS = Number(process.argv[2] ?? 1000000);
class Rec {
  constructor(seq, req, acct, mkt, now) {
    this.id = `o${seq}`;
    this.seq = seq;
    this.account = acct;
    this.market = mkt;
    this.cside = req.side === 'buy' ? 0 : 1;
    this.type = req.type;
    this.tif = req.timeInForce ?? 'GTC';
    this.quantity = req.quantity;
    this.lots = 0;
    this.filledLots = 0;
    this.costTicks = 0;
    this.limit = 0;
    this.firstFill = 0;
    this.request = req;
    this.stopTrigger = 'last';
    this.status = 'pending_new';
    this.flags = 0;
    this.x = undefined;
    this.openPrev = null;
    this.openNext = null;
    this.node = null;
    this.createdAt = now;
    this.updatedAt = now;
  }
}
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
const acct = { id: 'a' },
  mkt = { sym: 'X' };
function runA(keepClosed) {
  const r = rng(42);
  const byId = [];
  const pool = [];
  let seq = 0;
  const c0 = process.cpuUsage();
  for (let i = 0; i < OPS; i++) {
    if (i < 10000 || r() < 0.59 || pool.length === 0) {
      const req = {
        symbol: 'X',
        side: r() < 0.5 ? 'buy' : 'sell',
        type: 'limit',
        quantity: 1 + (i % 7),
        price: 100 + (i % 50),
        accountId: 'a',
      };
      const w = new Rec(++seq, { ...req }, acct, mkt, i);
      w.lots = req.quantity;
      w.limit = req.price;
      w.status = 'new';
      byId.push(w);
      pool.push(seq);
      const view = {
        id: w.id,
        side: w.cside ? 'sell' : 'buy',
        quantity: w.quantity,
        status: w.status,
        price: w.limit,
        createdAt: w.createdAt,
      };
      if (view.id === '') throw 0;
    } else {
      const j = Math.floor(r() * pool.length);
      const s = pool[j];
      pool[j] = pool[pool.length - 1];
      pool.pop();
      const w = byId[s - 1];
      w.status = 'canceled';
      if (!keepClosed) byId[s - 1] = undefined;
      w.updatedAt = i;
    }
  }
  const c = process.cpuUsage(c0);
  return c.user + c.system;
}
function runB(keepReq) {
  const r = rng(42);
  let cap = 1024;
  let ints = new Int32Array(cap * 4);
  let nums = new Float64Array(cap * 6);
  const reqs = [];
  const pool = [];
  let seq = 0;
  const c0 = process.cpuUsage();
  for (let i = 0; i < OPS; i++) {
    if (i < 10000 || r() < 0.59 || pool.length === 0) {
      const req = {
        symbol: 'X',
        side: r() < 0.5 ? 'buy' : 'sell',
        type: 'limit',
        quantity: 1 + (i % 7),
        price: 100 + (i % 50),
        accountId: 'a',
      };
      const s = seq++;
      if (s >= cap) {
        cap *= 2;
        const a = new Int32Array(cap * 4);
        a.set(ints);
        ints = a;
        const b = new Float64Array(cap * 6);
        b.set(nums);
        nums = b;
      }
      if (keepReq) reqs.push({ ...req });
      ints[s * 4] = req.side === 'buy' ? 0 : 1;
      ints[s * 4 + 1] = 1;
      ints[s * 4 + 2] = 0;
      ints[s * 4 + 3] = 0;
      nums[s * 6] = req.quantity;
      nums[s * 6 + 1] = req.quantity;
      nums[s * 6 + 2] = req.price;
      nums[s * 6 + 3] = i;
      nums[s * 6 + 4] = i;
      nums[s * 6 + 5] = 0;
      pool.push(s + 1);
      const view = {
        id: `o${s + 1}`,
        side: ints[s * 4] ? 'sell' : 'buy',
        quantity: nums[s * 6],
        status: 'new',
        price: nums[s * 6 + 2],
        createdAt: nums[s * 6 + 3],
      };
      if (view.id === '') throw 0;
    } else {
      const j = Math.floor(r() * pool.length);
      const s = pool[j] - 1;
      pool[j] = pool[pool.length - 1];
      pool.pop();
      ints[s * 4 + 1] = 5;
      nums[s * 6 + 4] = i;
    }
  }
  const c = process.cpuUsage(c0);
  return c.user + c.system;
}
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const res = { A: [], A2: [], B: [], C: [] };
if (typeof gc !== 'function') throw new Error('run with node --expose-gc');
runA(true);
runA(false);
runB(true);
runB(false);
for (let k = 0; k < 7; k++) {
  gc();
  res.A.push(runA(true));
  gc();
  res.A2.push(runA(false));
  gc();
  res.B.push(runB(true));
  gc();
  res.C.push(runB(false));
}
const a = med(res.A);
console.log(
  `objects ${(OPS / a).toFixed(2)} M/s; objects, closed ones dropped ${(OPS / med(res.A2)).toFixed(2)} M/s (×${(a / med(res.A2)).toFixed(2)}); SoA+request copy ${(OPS / med(res.B)).toFixed(2)} M/s (×${(a / med(res.B)).toFixed(2)}); SoA no copy ${(OPS / med(res.C)).toFixed(2)} M/s (×${(a / med(res.C)).toFixed(2)})`,
);
console.log(
  'ratios B/A per round',
  res.A.map((x, i) => (x / res.B[i]).toFixed(2)).join(' '),
  ' A2/A',
  res.A.map((x, i) => (x / res.A2[i]).toFixed(2)).join(' '),
  ' C/A',
  res.A.map((x, i) => (x / res.C[i]).toFixed(2)).join(' '),
);
