/**
 * One side of a process-level A/B (see `ab-processes.sh`): the SMA(10/30) run on `--bars` bars,
 * `--runs` times in this process, with the engine from `--lib` (default this package's src);
 * prints the median CPU ms of one run.
 */
import * as here from '../src/index.js';

const argv = process.argv;
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] as string) : dflt;
};
const lib = (argv.includes('--lib') ? await import(arg('lib', '')) : here) as typeof here;
const bars = lib.randomWalkBars({ count: Number(arg('bars', '1000000')), seed: 42 });
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const times: number[] = [];
for (let r = 0; r < Number(arg('runs', '7')); r++) {
  const c0 = cpu();
  await lib.runBacktest({
    strategy: lib.BUILTIN_STRATEGIES['sma-cross'] as never,
    data: bars,
    instruments: [{ symbol: 'MNQ', tickSize: 0.25, multiplier: 2 }],
    exchange: { fees: { perContract: 0.62 } },
  });
  times.push(cpu() - c0);
}
console.log(([...times].sort((a, b) => a - b)[times.length >> 1] as number).toFixed(0));
