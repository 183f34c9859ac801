/**
 * Calibration throughput on 10 M trades, side by side in one run with replay's bare read of the
 * same file (the limit: calibrate reads through replay). Each measurement runs in its own child
 * process so that its peak RSS is its own. The file is generated here, in .tmp (not committed).
 * Run: pnpm exec tsx bench/calibrate.ts   (BENCH_TRADES=… to change the size, BENCH_ROUNDS=…)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { replay } from '@tradekit/replay';
import { Rng, csvHeader } from '@tradekit/types';
import { calibrate } from '../src/calibrate.js';

const TRADES = Number(process.env.BENCH_TRADES ?? 10_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const dir = fileURLToPath(new URL('../.tmp/', import.meta.url));
const file = `${dir}bench-trades-${TRADES}.csv`;

/** A GARCH-like random walk of trades on a 0.25 grid, ~2 trades a second (≈ 58 days for 10 M). */
async function generate(): Promise<void> {
  if (existsSync(file) && statSync(file).size > TRADES * 20) return;
  mkdirSync(dir, { recursive: true });
  const rng = new Rng('bench-calibrate');
  const fh = await open(file, 'w');
  let buf = `${csvHeader('trade')}\n`;
  let ts = 1_704_153_600_000_000;
  let ticks = 80_000;
  let h = 1;
  for (let i = 0; i < TRADES; i++) {
    ts += 1 + Math.floor(-Math.log(1 - rng.next()) * 500_000);
    const z = rng.normal() * Math.sqrt(h);
    h = 0.02 + 0.97 * h + 0.01 * z * z;
    ticks += Math.round(z * 1.5);
    const size = 1 + Math.floor(-Math.log(1 - rng.next()) * 2);
    buf += `${ts},MNQ,${(ticks * 25) / 100},${size},${rng.next() < 0.5 ? 'buy' : 'sell'},\n`;
    if (buf.length > 1 << 20) {
      await fh.write(buf);
      buf = '';
    }
  }
  await fh.write(buf);
  await fh.close();
}

async function child(mode: string): Promise<void> {
  const t0 = performance.now();
  let rows = 0;
  if (mode === 'read') {
    for await (const _ of replay(file)) rows++;
  } else {
    const preset = await calibrate(replay(file));
    rows = preset.data.events;
  }
  const s = (performance.now() - t0) / 1000;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ mode, rows, seconds: s, rowsPerSec: rows / s, peakRssMb: rssMb })}\n`);
}

async function main(): Promise<void> {
  await generate();
  const results: Record<string, Array<{ rowsPerSec: number; peakRssMb: number; rows: number }>> = {
    read: [],
    calibrate: [],
  };
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of ['read', 'calibrate']) {
      const out = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), mode], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      if (out.status !== 0) throw new Error(`bench child ${mode} failed: ${out.stderr}`);
      const line = JSON.parse(out.stdout.trim().split('\n').pop() as string);
      results[mode]?.push(line);
      console.log(
        `round ${r + 1} ${mode.padEnd(9)} ${(line.rowsPerSec / 1e6).toFixed(2)} M rows/s  ${line.seconds.toFixed(1)} s  peak RSS ${line.peakRssMb.toFixed(0)} MB  (${line.rows} rows)`,
      );
    }
  }
  const med = (x: number[]) => [...x].sort((a, b) => a - b)[x.length >> 1] as number;
  const read = med((results.read ?? []).map((x) => x.rowsPerSec));
  const cal = med((results.calibrate ?? []).map((x) => x.rowsPerSec));
  const rss = Math.max(...(results.calibrate ?? []).map((x) => x.peakRssMb));
  const summary = {
    trades: TRADES,
    bareReadRowsPerSec: Math.round(read),
    calibrateRowsPerSec: Math.round(cal),
    ratio: Number((cal / read).toFixed(3)),
    calibratePeakRssMb: Math.round(rss),
    targets: { ratio: 0.5, peakRssMb: 200 },
  };
  console.log(
    `calibrate ${(cal / 1e6).toFixed(2)} M rows/s vs replay bare read ${(read / 1e6).toFixed(2)} M rows/s: ${(100 * summary.ratio).toFixed(0)} % (target ≥ 50 %); peak RSS ${summary.calibratePeakRssMb} MB (target < 200 MB)`,
  );
  mkdirSync(fileURLToPath(new URL('../bench-results/', import.meta.url)), { recursive: true });
  writeFileSync(new URL('../bench-results/calibrate.json', import.meta.url), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(JSON.stringify(summary));
}

const mode = process.argv[2];
if (mode) await child(mode);
else await main();
