/**
 * Benchmarks for @tradekit/types: RNG draws/s and VirtualClock scheduled-and-fired events/s,
 * side by side with peers in the same run. Run with `pnpm bench`.
 */
import FlatQueue from 'flatqueue';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { VirtualClock } from '../src/clock.js';
import { Rng, inverseNormalCdf } from '../src/rng.js';

interface Row {
  name: string;
  opsPerSec: number;
  note: string;
}

/** Runs `fn` (which performs `ops` operations) `repeats` times and keeps the median rate. */
function measure(name: string, ops: number, fn: () => number, note = '', repeats = 7): Row {
  fn(); // warm-up
  const rates: number[] = [];
  let sink = 0;
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    sink += fn();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(ops / dt);
  }
  rates.sort((a, b) => a - b);
  if (Number.isNaN(sink)) console.log('sink', sink);
  return { name, opsPerSec: rates[Math.floor(rates.length / 2)] as number, note };
}

const N = 5_000_000;
const rows: Row[] = [];

const rng = new Rng(42);
rows.push(
  measure(
    'Rng.normal() [tradekit, xoshiro128** + Acklam]',
    N,
    () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += rng.normal();
      return s;
    },
    'target ≥ 30 M/s',
  ),
);
rows.push(
  measure('Rng.next() doubles [tradekit]', N, () => {
    let s = 0;
    for (let i = 0; i < N; i++) s += rng.next();
    return s;
  }),
);
rows.push(
  measure('Rng.studentT(4) [tradekit]', N, () => {
    let s = 0;
    for (let i = 0; i < N; i++) s += rng.studentT(4);
    return s;
  }),
);

const pr = xoroshiro128plus(42);
rows.push(
  measure(
    'pure-rand xoroshiro128+ uniformFloat64 + Acklam [peer]',
    N,
    () => {
      let s = 0;
      for (let i = 0; i < N; i++) {
        const u = uniformFloat64(pr);
        s += inverseNormalCdf(u === 0 ? 1e-300 : u);
      }
      return s;
    },
    'peer: the library DESIGN.md measured',
  ),
);
rows.push(
  measure(
    'Math.random Box-Muller [unseeded reference]',
    N,
    () => {
      let s = 0;
      for (let i = 0; i < N; i += 2) {
        const u = 1 - Math.random();
        const v = Math.random();
        const r = Math.sqrt(-2 * Math.log(u));
        s += r * Math.cos(2 * Math.PI * v) + r * Math.sin(2 * Math.PI * v);
      }
      return s;
    },
    'not reproducible; reference only',
  ),
);

// VirtualClock "hold" model: 10k timers pending; each firing schedules one more. Every op is
// one timer scheduled AND fired.
const PENDING = 10_000;
const EVENTS = 2_000_000;
const delays = new Float64Array(1 << 16);
const drng = new Rng('delays');
for (let i = 0; i < delays.length; i++) delays[i] = Math.floor(drng.exponential(1 / 1000));

rows.push(
  measure(
    'VirtualClock schedule+fire, 10k pending [tradekit]',
    EVENTS,
    () => {
      const clock = new VirtualClock();
      let fired = 0;
      let k = 0;
      const cb = () => {
        fired++;
        if (fired + PENDING <= EVENTS) clock.setTimeout(cb, delays[k++ & 0xffff] as number);
      };
      for (let i = 0; i < PENDING; i++) clock.setTimeout(cb, delays[k++ & 0xffff] as number);
      clock.runAll();
      return fired;
    },
    'target ≥ 3 M/s',
  ),
);

rows.push(
  measure('VirtualClock 2M timers scheduled up front, then runAll [tradekit]', EVENTS, () => {
    const clock = new VirtualClock();
    let fired = 0;
    const cb = () => {
      fired++;
    };
    for (let i = 0; i < EVENTS; i++) clock.setTimeout(cb, delays[i & 0xffff] as number);
    clock.runAll();
    return fired;
  }),
);

rows.push(
  measure(
    'flatqueue scheduler, 10k pending (no cancel/intervals) [peer]',
    EVENTS,
    () => {
      const q = new FlatQueue<number>();
      const cbs: Array<() => void> = [];
      let now = 0;
      let seq = 0;
      let fired = 0;
      let k = 0;
      // Ties broken by a sequence number folded into the key, as a stable scheduler must.
      const schedule = (delay: number, cb: () => void) => {
        const id = cbs.length;
        cbs.push(cb);
        q.push(id, (now + delay) * 1e7 + (seq++ % 1e7));
      };
      const cb = () => {
        fired++;
        if (fired + PENDING <= EVENTS) schedule(delays[k++ & 0xffff] as number, cb);
      };
      for (let i = 0; i < PENDING; i++) schedule(delays[k++ & 0xffff] as number, cb);
      while (q.length > 0) {
        const key = q.peekValue() as number;
        const id = q.pop() as number;
        now = Math.floor(key / 1e7);
        (cbs[id] as () => void)();
      }
      return fired;
    },
    'peer: bare heap from DESIGN.md',
  ),
);

const fmt = (x: number) => `${(x / 1e6).toFixed(2)} M/s`;
const width = Math.max(...rows.map((r) => r.name.length));
console.log(`@tradekit/types benchmarks (Node ${process.version}, median of 7 runs)\n`);
for (const r of rows) console.log(`${r.name.padEnd(width)}  ${fmt(r.opsPerSec).padStart(12)}  ${r.note}`);
console.log(
  JSON.stringify({
    package: '@tradekit/types',
    results: rows.map((r) => ({ name: r.name, opsPerSec: Math.round(r.opsPerSec) })),
  }),
);
