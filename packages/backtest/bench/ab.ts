/**
 * Same-process A/B of the engine's SMA(10/30) run: this package's sources against another copy of
 * `src/` (e.g. an older commit's, extracted with `git archive <commit> packages/backtest/src`
 * into a directory whose `node_modules` links to this package's). Interleaved rounds, CPU time
 * of each run (steadier than wall time on a shared machine); prints the median ratio.
 *
 * On a loaded machine one process per side is noisy (the same code measured 1.28x and then
 * 1.00x): prefer `ab-processes.sh`, which alternates fresh processes.
 *
 * Usage: tsx bench/ab.ts --base /tmp/base/src/index.ts [--bars 1000000 --rounds 7]
 */
import * as B from '../src/index.js';

const argv = process.argv;
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] as string) : dflt;
};
const BARS = Number(arg('bars', '1000000'));
const ROUNDS = Number(arg('rounds', '7'));
const A = (await import(arg('base', ''))) as typeof B;
const bars = B.randomWalkBars({ count: BARS, seed: 42 });
const MNQ = { symbol: 'MNQ', tickSize: 0.25, multiplier: 2 };
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
async function once(lib: typeof B): Promise<{ ms: number; trades: number; pnl: number }> {
  const c0 = cpu();
  const r = await lib.runBacktest({
    strategy: lib.BUILTIN_STRATEGIES['sma-cross'] as never,
    data: bars,
    instruments: [MNQ],
    exchange: { fees: { perContract: 0.62 } },
  });
  return { ms: cpu() - c0, trades: r.trades.length, pnl: r.metrics.equityFinal };
}
const a: number[] = [];
const b: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const x = r % 2 === 0 ? await once(A) : await once(B);
  const y = r % 2 === 0 ? await once(B) : await once(A);
  const [ra, rb] = r % 2 === 0 ? [x, y] : [y, x];
  if (ra.trades !== rb.trades || ra.pnl !== rb.pnl) throw new Error(`results differ: ${JSON.stringify([ra, rb])}`);
  a.push(ra.ms);
  b.push(rb.ms);
}
const med = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1] as number;
console.log(
  `base ${med(a).toFixed(0)} ms CPU, this ${med(b).toFixed(0)} ms CPU (median of ${ROUNDS}, ${BARS} bars): this is ${(med(a) / med(b)).toFixed(2)}× faster`,
);
