/**
 * The engine's SMA(10/30) bench run `--runs` times on `--bars` bars, for instruction counts:
 * `bench/instructions.sh` runs this under callgrind with 1 and 2 runs and divides the
 * difference by the bar count, so start-up, bar generation and JIT warm-up cancel out.
 *
 * Usage: tsx bench/steady.ts --bars 100000 --runs 2
 */
import { randomWalkBars, runBacktest } from '../src/index.js';
import { smaCross } from '../test/strategies.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const BARS = arg('bars', 100_000);
const RUNS = arg('runs', 1);
const bars = randomWalkBars({ count: BARS, seed: 42 });
let trades = 0;
for (let r = 0; r < RUNS; r++) {
  const res = await runBacktest({
    strategy: smaCross,
    data: bars,
    instruments: [{ symbol: 'MNQ', tickSize: 0.25, multiplier: 2 }],
    exchange: { fees: { perContract: 0.62 } },
  });
  trades = res.trades.length;
}
console.log(`${RUNS} run(s) of ${BARS} bars: ${trades} trades`);
