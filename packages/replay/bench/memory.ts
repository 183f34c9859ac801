/**
 * Memory: generates a ~2 GB canonical trades CSV in a temp dir (never committed, deleted after),
 * replays it with the built package in a child process (plain node) and reports that process's
 * peak RSS (target < 200 MB). Run: `pnpm build && pnpm tsx bench/memory.ts` (SIZE_GB=… to resize).
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

async function generate(file: string, bytes: number): Promise<number> {
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  out.write('ts,symbol,price,size,side,id\n');
  let written = 0;
  let rows = 0;
  let ts = 1_704_205_800_000_000;
  let ticks = 80_000;
  let seed = 12345;
  const rand = () => {
    // xorshift32: fast, deterministic, good enough for synthetic rows
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const sides = ['buy', 'sell', 'unknown'];
  while (written < bytes) {
    let chunk = '';
    for (let i = 0; i < 20_000; i++) {
      ts += 1 + Math.floor(rand() * 2000);
      ticks += Math.floor(rand() * 5) - 2;
      const id = rows % 3 === 0 ? `t${rows}` : '';
      chunk += `${ts},MNQ,${ticks * 0.25},${1 + Math.floor(rand() * 20)},${sides[rows % 3]},${id}\n`;
      rows++;
    }
    written += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

async function main(): Promise<void> {
  const childScript = fileURLToPath(new URL('./memory-child.mjs', import.meta.url));
  if (!existsSync(fileURLToPath(new URL('../dist/index.js', import.meta.url)))) {
    throw new Error('bench/memory.ts replays with the built package: run `pnpm build` first.');
  }
  const gb = Number(process.env.SIZE_GB ?? 2);
  const dir = mkdtempSync(join(tmpdir(), 'replay-mem-'));
  try {
    const file = join(dir, 'big.csv');
    process.stderr.write(`generating ~${gb} GB CSV in ${dir}...\n`);
    const rows = await generate(file, gb * 1024 ** 3);
    const size = statSync(file).size;
    process.stderr.write(`replaying ${rows} rows (${(size / 1024 ** 3).toFixed(2)} GiB) in a child process...\n`);
    const res = spawnSync(process.execPath, [childScript, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (res.status !== 0) throw new Error(`child failed: ${res.stderr}`);
    const r = JSON.parse(res.stdout.trim().split('\n').pop() as string);
    if (r.rows !== rows) throw new Error(`replayed ${r.rows} rows, generated ${rows}`);
    const mb = (x: number) => `${(x / 1024 ** 2).toFixed(1)} MB`;
    console.log(`\n@tradekit/replay memory: ${(size / 1024 ** 3).toFixed(2)} GiB CSV, ${rows} rows`);
    console.log(
      `  peak RSS (getrusage maxRSS)   ${mb(r.maxRss)}   target < 200 MB  ${r.maxRss < 200 * 1024 ** 2 ? 'OK' : 'OVER'}`,
    );
    console.log(`  peak RSS (sampled per batch)  ${mb(r.sampledPeakRss)}`);
    console.log(
      `  throughput                    ${(r.rowsPerSec / 1e6).toFixed(2)} M rows/s (${r.seconds.toFixed(1)} s)`,
    );
    console.log(
      JSON.stringify({
        package: '@tradekit/replay',
        bench: 'memory',
        bytes: size,
        rows,
        maxRss: r.maxRss,
        sampledPeakRss: r.sampledPeakRss,
        rowsPerSec: r.rowsPerSec,
      }),
    );
    if (r.maxRss >= 200 * 1024 ** 2) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
