/** Parquet only, ours vs bare hyparquet, interleaved (for iterating on the Parquet reader): `pnpm tsx bench/parquet-quick.ts`. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TradeEvent } from '@tradekit/types';
import { openSource } from '../src/index.js';
import { sampleTrades } from '../src/testing/events.js';

const ROWS = Number(process.env.PARQUET_ROWS ?? 500_000);
const dir = mkdtempSync(join(tmpdir(), 'replay-pq-'));
const file = join(dir, 't.parquet');
{
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const pe = sampleTrades(ROWS, 1) as TradeEvent[];
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
  writeFileSync(file, new Uint8Array(buf));
}
const hp = await import('hyparquet');
async function bare(): Promise<number> {
  const f = await hp.asyncBufferFromFile(file);
  const metadata = await hp.parquetMetadataAsync(f);
  let n = 0;
  let rowStart = 0;
  for (const g of metadata.row_groups) {
    const rows = Number(g.num_rows);
    await hp.parquetRead({
      file: f,
      metadata,
      columns: ['ts', 'symbol', 'price', 'size', 'side', 'id'],
      rowStart,
      rowEnd: rowStart + rows,
      onChunk: (c) => {
        if (c.columnName === 'price') n += (c.columnData as ArrayLike<unknown>).length;
      },
    });
    rowStart += rows;
  }
  return n;
}
async function ours(): Promise<number> {
  let n = 0;
  for await (const b of openSource(file).batches()) n += b.length;
  return n;
}
const cpu = async (fn: () => Promise<number>) => {
  const c0 = process.cpuUsage();
  const n = await fn();
  const c = process.cpuUsage(c0);
  return n / ((c.user + c.system) / 1e6);
};
const a: number[] = [];
const b: number[] = [];
for (let k = 0; k < Number(process.env.REPEATS ?? 5); k++) {
  a.push(await cpu(bare));
  b.push(await cpu(ours));
}
const med = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)] as number;
console.log(
  `cpu-time rows/s  bare hyparquet ${(med(a) / 1e6).toFixed(2)} M  tradekit ${(med(b) / 1e6).toFixed(2)} M  ratio ${(med(b) / med(a)).toFixed(2)} (runs: ${a.map((x, i) => `${(x / 1e6).toFixed(2)}/${((b[i] as number) / 1e6).toFixed(2)}`).join(' ')})`,
);
rmSync(dir, { recursive: true, force: true });
