import { writeFileSync } from 'node:fs';
import { openSource, writeEvents } from '/work/main/packages/replay/src/index.js';
import { sampleTrades } from '/work/main/packages/replay/src/testing/events.js';
const steps = (process.env.STEPS ?? '').split(',');
async function prep() {
  const events = sampleTrades(2_000_000, 1);
  if (steps.includes('csv')) await writeEvents('/tmp/csvprobe/w.csv', events);
  if (steps.includes('jsonl')) await writeEvents('/tmp/csvprobe/w.jsonl', events);
  if (steps.includes('pq')) {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const pe = events.slice(0, 1_000_000) as any[];
    const buf = parquetWriteBuffer({ columnData: [
      { name: 'ts', data: BigInt64Array.from(pe, (e) => BigInt(e.ts)), type: 'INT64' },
      { name: 'symbol', data: pe.map((e) => e.symbol), type: 'STRING' },
      { name: 'price', data: Float64Array.from(pe, (e) => e.price), type: 'DOUBLE' },
    ], rowGroupSize: 100_000 });
    writeFileSync('/tmp/csvprobe/w.parquet', new Uint8Array(buf));
  }
}
await prep();
const out = [];
for (let r = 0; r < 4; r++) {
  const t0 = process.hrtime.bigint();
  let n = 0;
  for await (const b of openSource('/tmp/csvprobe/trades.csv').batches()) n += b.length;
  out.push((n / (Number(process.hrtime.bigint() - t0) / 1e9) / 1e6).toFixed(2));
}
console.log(process.env.STEPS, out.join(' '));
