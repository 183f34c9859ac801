/**
 * Throughput of the readers, parsed AND normalised into MarketEvents, single core, side by side
 * with a csv-parse pipeline doing the same normalisation. Run: `pnpm bench` (ROWS=… to resize).
 */
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import type { MarketEvent, TradeEvent } from '@tradekit/types';
import { openSource, writeEvents } from '../src/index.js';
import { sampleTrades } from '../src/testing/events.js';

const ROWS = Number(process.env.ROWS ?? 2_000_000);
const PARQUET_ROWS = Number(process.env.PARQUET_ROWS ?? 1_000_000);
const REPEATS = Number(process.env.REPEATS ?? 3);

const dir = mkdtempSync(join(tmpdir(), 'replay-bench-'));

async function countOurs(path: string): Promise<number> {
  let n = 0;
  let sum = 0;
  for await (const batch of openSource(path).batches()) {
    n += batch.length;
    sum += (batch[batch.length - 1] as TradeEvent).price;
  }
  if (Number.isNaN(sum)) throw new Error('bad');
  return n;
}

/** The peer: csv-parse records, normalised by hand into the same TradeEvent objects. */
async function countCsvParse(path: string): Promise<number> {
  let n = 0;
  const parser = createReadStream(path, { highWaterMark: 1 << 20 }).pipe(parse({ from_line: 2, relax_column_count: false }));
  for await (const r of parser as AsyncIterable<string[]>) {
    const ts = Number(r[0]);
    const price = Number(r[2]);
    const size = Number(r[3]);
    const sideText = r[4];
    if (!Number.isInteger(ts) || Number.isNaN(price) || !(size >= 0)) throw new Error(`bad row ${n}`);
    const side = sideText === 'buy' ? 'buy' : sideText === 'sell' ? 'sell' : 'unknown';
    const e: TradeEvent = r[5] ? { type: 'trade', symbol: r[1] as string, ts, price, size, side, id: r[5] } : { type: 'trade', symbol: r[1] as string, ts, price, size, side };
    if (e.ts < 0) throw new Error('bad');
    n++;
  }
  return n;
}

async function time(label: string, expected: number, fn: () => Promise<number>): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = process.hrtime.bigint();
    const n = await fn();
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (n !== expected) throw new Error(`${label}: read ${n} rows, expected ${expected}`);
    rates.push(n / secs);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] as number;
}

async function main(): Promise<void> {
  process.stderr.write(`generating ${ROWS} trades...\n`);
  const events = sampleTrades(ROWS, 1);
  const csv = join(dir, 'trades.csv');
  const jsonl = join(dir, 'trades.jsonl');
  const parquet = join(dir, 'trades.parquet');
  await writeEvents(csv, events);
  await writeEvents(jsonl, events);
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const pe = events.slice(0, PARQUET_ROWS) as TradeEvent[];
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'ts', data: BigInt64Array.from(pe, (e) => BigInt(e.ts)), type: 'INT64' },
      { name: 'symbol', data: pe.map((e) => e.symbol), type: 'STRING' },
      { name: 'price', data: Float64Array.from(pe, (e) => e.price), type: 'DOUBLE' },
      { name: 'size', data: Float64Array.from(pe, (e) => e.size), type: 'DOUBLE' },
      { name: 'side', data: pe.map((e) => e.side), type: 'STRING' },
      { name: 'id', data: pe.map((e) => e.id ?? null), type: 'STRING', nullable: true },
    ],
    rowGroupSize: 100_000,
  });
  writeFileSync(parquet, new Uint8Array(buf));
  process.stderr.write('measuring (median of each)...\n');

  const results: Record<string, number> = {};
  // Interleave ours and the peer so that CPU noise from neighbours hits both alike.
  results.csv_tradekit = await time('csv tradekit', ROWS, () => countOurs(csv));
  results.csv_csvparse = await time('csv csv-parse', ROWS, () => countCsvParse(csv));
  results.jsonl_tradekit = await time('jsonl tradekit', ROWS, () => countOurs(jsonl));
  results.parquet_tradekit = await time('parquet tradekit', pe.length, () => countOurs(parquet));

  const fmt = (x: number) => `${(x / 1e6).toFixed(2)} M rows/s`;
  const rows: [string, string, string][] = [
    ['CSV  → events (tradekit)', fmt(results.csv_tradekit), 'target ≥ 2.5 M'],
    ['CSV  → events (csv-parse pipeline)', fmt(results.csv_csvparse), 'peer'],
    ['  ratio tradekit / csv-parse', `${(results.csv_tradekit / results.csv_csvparse).toFixed(2)}×`, 'target ≥ 3×'],
    ['JSONL → events (tradekit)', fmt(results.jsonl_tradekit), 'target ≥ 1.5 M'],
    ['Parquet → events (tradekit, hyparquet)', fmt(results.parquet_tradekit), 'measured'],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log(`\n@tradekit/replay bench: ${ROWS} trade rows (${PARQUET_ROWS} for Parquet), Node ${process.version}, single core\n`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
  const json = { package: '@tradekit/replay', rows: ROWS, parquetRows: pe.length, ...results, csvRatio: results.csv_tradekit / results.csv_csvparse };
  mkdirSync(join(import.meta.dirname ?? '.', '..', 'bench-results'), { recursive: true });
  writeFileSync(join(import.meta.dirname ?? '.', '..', 'bench-results', 'replay.json'), `${JSON.stringify(json, null, 2)}\n`);
  console.log(JSON.stringify(json));
}

main()
  .finally(() => rmSync(dir, { recursive: true, force: true }))
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
