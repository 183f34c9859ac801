// Replays one file with the built package under plain node (no TypeScript loader in the RSS)
// and prints rows, time and peak RSS as JSON. Spawned by bench/memory.ts.
import { replay } from '../dist/index.js';

const file = process.argv[2];
let rows = 0;
let peak = 0;
const t0 = performance.now();
const r = replay(file);
for await (const batch of r.batches()) {
  rows += batch.length;
  const rss = process.memoryUsage.rss();
  if (rss > peak) peak = rss;
}
const seconds = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    rows,
    seconds,
    rowsPerSec: rows / seconds,
    sampledPeakRss: peak,
    maxRss: process.resourceUsage().maxRSS * 1024,
    malformed: r.summary().malformed.count,
  }),
);
