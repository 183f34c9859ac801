/** Regenerates DF_HILL_TABLE in src/calibrate.ts (about a minute per ν): `pnpm exec tsx bench/df-table.ts`. */
import { Rng } from '@tradekit/types';
import { hillTailIndex } from '../src/realism.js';
// Hill (top 2.5 %) of normalised sums of 60 standardised Student-t(ν) draws, 400k sums per ν.
const nus = [2.05, 2.1, 2.2, 2.3, 2.4, 2.5, 2.6, 2.8, 3, 3.5, 4, 5, 6, 8, 12, 20, 50];
const out: string[] = [];
for (const nu of nus) {
  const rng = new Rng(`df-table/${nu}`);
  const M = 400_000;
  const x = new Float64Array(M);
  const sc = Math.sqrt((nu - 2) / nu);
  for (let i = 0; i < M; i++) {
    let s = 0;
    for (let k = 0; k < 60; k++) s += rng.normal() * Math.sqrt(nu / (2 * rng.gamma(nu / 2))) * sc;
    x[i] = s / Math.sqrt(60);
  }
  out.push(`[${nu}, ${hillTailIndex(x, 0.025).toFixed(3)}]`);
  console.log(out[out.length - 1]);
}
