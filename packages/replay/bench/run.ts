/**
 * Throughput of the readers, parsed AND normalised into MarketEvents, single core, side by side
 * with a csv-parse pipeline doing the same normalisation. Run: `pnpm bench` (ROWS=… to resize).
 */
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { type TradeEvent, jsonToEvent } from '@tradekit/types';
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

/**
 * The peer: csv-parse records, normalised by hand into the same TradeEvent objects. Records are
 * pulled with the stream's `readable`/`read()` loop, csv-parse's fastest streaming API (a
 * `for await` over the parser is slower still).
 */
function countCsvParse(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const parser = parse({ from_line: 2 });
    parser.on('readable', () => {
      for (let r = parser.read() as string[] | null; r !== null; r = parser.read() as string[] | null) {
        const ts = Number(r[0]);
        const price = Number(r[2]);
        const size = Number(r[3]);
        const sideText = r[4];
        if (!Number.isInteger(ts) || Number.isNaN(price) || !(size >= 0)) return reject(new Error(`bad row ${n}`));
        const side = sideText === 'buy' ? 'buy' : sideText === 'sell' ? 'sell' : 'unknown';
        const e: TradeEvent = r[5]
          ? { type: 'trade', symbol: r[1] as string, ts, price, size, side, id: r[5] }
          : { type: 'trade', symbol: r[1] as string, ts, price, size, side };
        if (e.ts >= 0) n++;
      }
    });
    parser.on('error', reject);
    parser.on('end', () => resolve(n));
    createReadStream(path, { highWaterMark: 1 << 19 })
      .on('error', reject)
      .pipe(parser);
  });
}

/**
 * The Parquet peer: a bare hyparquet loop, one `parquetRead` per row group with `onChunk`, that
 * only touches the decoded columns (no events built): the ceiling for a reader built on
 * hyparquet's read API. Ours builds events and still runs faster, because it decodes the column
 * chunks itself (`src/parquet-columns.ts`, hyparquet only parses the page headers).
 */
async function countBareHyparquet(path: string): Promise<number> {
  const hp = await import('hyparquet');
  const file = await hp.asyncBufferFromFile(path);
  const metadata = await hp.parquetMetadataAsync(file);
  const columns = ['ts', 'symbol', 'price', 'size', 'side', 'id'];
  let n = 0;
  let sum = 0;
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows);
    await hp.parquetRead({
      file,
      metadata,
      columns,
      rowStart,
      rowEnd: rowStart + rows,
      onChunk: (c) => {
        const d = c.columnData as ArrayLike<unknown>;
        if (c.columnName === 'price') {
          for (let i = 0; i < d.length; i++) sum += d[i] as number;
          n += d.length;
        }
      },
    });
    rowStart += rows;
  }
  if (Number.isNaN(sum)) throw new Error('bad');
  return n;
}

/** The naive JSONL pipeline: split lines, JSON.parse, jsonToEvent (for context). */
async function countNaiveJsonl(path: string): Promise<number> {
  let n = 0;
  let carry = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 19 })) {
    const text = carry + (chunk as string);
    const lines = text.split('\n');
    carry = lines.pop() as string;
    for (const l of lines) if (l && jsonToEvent(JSON.parse(l)).ts >= 0) n++;
  }
  if (carry && jsonToEvent(JSON.parse(carry)).ts >= 0) n++;
  return n;
}

interface Rate {
  /** rows per second of wall time */
  wall: number;
  /** rows per second of this process's CPU time (user + system): steadier when the CPU is shared */
  cpu: number;
}

async function time(label: string, expected: number, fn: () => Promise<number>): Promise<Rate> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const n = await fn();
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    if (n !== expected) throw new Error(`${label}: read ${n} rows, expected ${expected}`);
    wall.push(n / secs);
    cpu.push(n / ((c.user + c.system) / 1e6));
  }
  process.stderr.write(`  ${label}, each run (wall): ${wall.map((x) => `${(x / 1e6).toFixed(2)} M/s`).join(', ')}\n`);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return { wall: median(wall), cpu: median(cpu) };
}

async function writeFiles(csv: string, jsonl: string, parquet: string): Promise<number> {
  process.stderr.write(`generating ${ROWS} trades...\n`);
  const events = sampleTrades(ROWS, 1);
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
  return pe.length;
}

async function main(): Promise<void> {
  const csv = join(dir, 'trades.csv');
  const jsonl = join(dir, 'trades.jsonl');
  const parquet = join(dir, 'trades.parquet');
  // Files are written in a helper so that the sample events are garbage before measuring:
  // millions of live objects would slow every major GC of the readers under test.
  const parquetRows = await writeFiles(csv, jsonl, parquet);
  const pe = { length: parquetRows };
  process.stderr.write('measuring (median of each)...\n');

  const results: Record<string, Rate> = {};
  // Interleave ours and the peers so that CPU noise from neighbours hits both alike.
  results.csv_tradekit = await time('csv tradekit', ROWS, () => countOurs(csv));
  results.csv_csvparse = await time('csv csv-parse', ROWS, () => countCsvParse(csv));
  results.jsonl_tradekit = await time('jsonl tradekit', ROWS, () => countOurs(jsonl));
  results.jsonl_naive = await time('jsonl naive', ROWS, () => countNaiveJsonl(jsonl));
  results.parquet_hyparquet = await time('parquet bare hyparquet', pe.length, () => countBareHyparquet(parquet));
  results.parquet_tradekit = await time('parquet tradekit', pe.length, () => countOurs(parquet));

  const r = results as Record<string, Rate>;
  const fmt = (x: number) => `${(x / 1e6).toFixed(2)} M/s`;
  const ratio = (a: Rate, b: Rate) => [`${(a.wall / b.wall).toFixed(2)}×`, `${(a.cpu / b.cpu).toFixed(2)}×`];
  const rows: string[][] = [
    ['rows → MarketEvents, 1 core', 'wall', 'cpu-time', 'target'],
    ['CSV   tradekit', fmt(r.csv_tradekit!.wall), fmt(r.csv_tradekit!.cpu), '≥ 2.5 M/s'],
    ['CSV   csv-parse pipeline (peer)', fmt(r.csv_csvparse!.wall), fmt(r.csv_csvparse!.cpu), ''],
    ['      tradekit / csv-parse', ...ratio(r.csv_tradekit!, r.csv_csvparse!), '≥ 3×'],
    ['JSONL tradekit', fmt(r.jsonl_tradekit!.wall), fmt(r.jsonl_tradekit!.cpu), '≥ 1.5 M/s'],
    ['JSONL JSON.parse + jsonToEvent (naive)', fmt(r.jsonl_naive!.wall), fmt(r.jsonl_naive!.cpu), ''],
    [
      'Parquet tradekit (hyparquet, row groups)',
      fmt(r.parquet_tradekit!.wall),
      fmt(r.parquet_tradekit!.cpu),
      '≥ 2 M/s',
    ],
    ['Parquet bare hyparquet row-group loop (peer)', fmt(r.parquet_hyparquet!.wall), fmt(r.parquet_hyparquet!.cpu), ''],
    ['      tradekit / bare hyparquet', ...ratio(r.parquet_tradekit!, r.parquet_hyparquet!), '≥ 0.8×'],
  ];
  const widths = [0, 1, 2, 3].map((k) => Math.max(...rows.map((x) => (x[k] ?? '').length)));
  console.log(
    `\n@tradekit/replay bench: ${ROWS} trade rows (${pe.length} for Parquet), Node ${process.version}, median of ${REPEATS}`,
  );
  console.log("(cpu-time = rows per second of this process's CPU time; steadier than wall time on a shared machine)\n");
  for (const x of rows)
    console.log(
      x.map((c, k) => (k === 0 ? c.padEnd(widths[k] as number) : c.padStart(widths[k] as number))).join('  '),
    );
  const json = {
    package: '@tradekit/replay',
    rows: ROWS,
    parquetRows: pe.length,
    ...Object.fromEntries(
      Object.entries(r).flatMap(([k, v]) => [
        [`${k}_wall`, v.wall],
        [`${k}_cpu`, v.cpu],
      ]),
    ),
    csvRatioWall: r.csv_tradekit!.wall / r.csv_csvparse!.wall,
    csvRatioCpu: r.csv_tradekit!.cpu / r.csv_csvparse!.cpu,
    parquetRatioWall: r.parquet_tradekit!.wall / r.parquet_hyparquet!.wall,
    parquetRatioCpu: r.parquet_tradekit!.cpu / r.parquet_hyparquet!.cpu,
  };
  const outDir = join(import.meta.dirname ?? '.', '..', 'bench-results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'replay.json'), `${JSON.stringify(json, null, 2)}\n`);
  console.log(JSON.stringify(json));
}

main()
  .finally(() => rmSync(dir, { recursive: true, force: true }))
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
