import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MarketEvent, TradeEvent } from '@tradekit/types';
import type { ColumnSource } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { openSource } from './open.js';
import { StringColumn, TIMESTAMP_PARSERS, decodeColumnChunk } from './parquet-columns.js';
import { sampleTrades } from './testing/events.js';
import { watchFileHandles } from './testing/handles.js';
import { toDataPageV1, writeParquetFixture } from './testing/parquet.js';

const dir = mkdtempSync(join(tmpdir(), 'replay-pqcols-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 2000;
const at = (i: number) => (i * 7919) % 101; // a fixed, scrambled pattern
const nullEvery = (k: number, v: (i: number) => unknown) =>
  Array.from({ length: N }, (_, i) => (i % k === 3 ? null : v(i)));
const BIG = 2n ** 53n;

/** Every kind of flat column the fast path decodes, with nulls, extremes and non-ASCII text. */
function columns(encoding?: 'PLAIN'): { schema: import('hyparquet').SchemaElement[]; data: ColumnSource[] } {
  const cols: [import('hyparquet').SchemaElement, unknown[] | ArrayLike<unknown>][] = [
    [
      { name: 'i64', type: 'INT64', repetition_type: 'REQUIRED' },
      BigInt64Array.from({ length: N }, (_, i) =>
        i % 50 === 0 ? -BIG - BigInt(i) : i % 51 === 0 ? BIG + BigInt(i) : BigInt(1_700_000_000_000_000 + i * 997),
      ),
    ],
    [{ name: 'i64n', type: 'INT64', repetition_type: 'OPTIONAL' }, nullEvery(5, (i) => BigInt(i - 1000))],
    [
      { name: 'tsms', type: 'INT64', repetition_type: 'OPTIONAL', converted_type: 'TIMESTAMP_MILLIS' },
      nullEvery(7, (i) => BigInt(1_704_205_800_000 + i)),
    ],
    [
      {
        name: 'tsus',
        type: 'INT64',
        repetition_type: 'REQUIRED',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      },
      Array.from({ length: N }, (_, i) => BigInt(1_704_205_800_000_000 + i * 13)),
    ],
    [
      {
        name: 'tsns',
        type: 'INT64',
        repetition_type: 'OPTIONAL',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' },
      },
      nullEvery(9, (i) =>
        i % 17 === 0 ? -1_704_205_800_000_000_001n - BigInt(i) : 1_704_205_800_123_456_789n + BigInt(i) * 1001n,
      ),
    ],
    [
      { name: 'f64', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
      nullEvery(4, (i) =>
        i % 13 === 0 ? Number.NaN : i % 14 === 0 ? -0 : i % 15 === 0 ? Number.POSITIVE_INFINITY : i * 0.25 - 100.125,
      ),
    ],
    [{ name: 'f32', type: 'FLOAT', repetition_type: 'REQUIRED' }, Float32Array.from({ length: N }, (_, i) => i / 3)],
    [
      { name: 'i32', type: 'INT32', repetition_type: 'REQUIRED' },
      Int32Array.from({ length: N }, (_, i) => i * 1_000_003 - 2e9),
    ],
    [
      { name: 'str', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'UTF8' },
      nullEvery(3, (i) =>
        i % 5 === 0
          ? ''
          : i % 7 === 0
            ? `ünïcødé €${i}`
            : i % 11 === 0
              ? `a long id of more than sixteen chars ${i}`
              : `t${i}`,
      ),
    ],
    [
      { name: 'dstr', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', logical_type: { type: 'STRING' } },
      nullEvery(6, (i) => ['buy', 'sell', 'unknown', 'ÄB'][at(i) % 4]),
    ],
    [
      { name: 'dstrreq', type: 'BYTE_ARRAY', repetition_type: 'REQUIRED' },
      Array.from({ length: N }, (_, i) => `S${at(i) % 3}`),
    ],
    [
      { name: 'df64', type: 'DOUBLE', repetition_type: 'REQUIRED' },
      Float64Array.from({ length: N }, (_, i) => 100 + (at(i) % 9) * 0.25),
    ],
  ];
  return {
    schema: [{ name: 'root', num_children: cols.length }, ...cols.map(([el]) => el)],
    data: cols.map(([el, data]) => ({ name: el.name, data: data as never, ...(encoding ? { encoding } : {}) })),
  };
}

async function write(
  name: string,
  opts: { plain?: boolean; codec?: 'SNAPPY' | 'UNCOMPRESSED'; pageSize?: number; v1?: boolean },
) {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const { schema, data } = columns(opts.plain ? 'PLAIN' : undefined);
  let bytes: Uint8Array = new Uint8Array(
    parquetWriteBuffer({ columnData: data, schema, rowGroupSize: 700, codec: opts.codec, pageSize: opts.pageSize }),
  );
  if (opts.v1) bytes = await toDataPageV1(bytes);
  const f = join(dir, name);
  writeFileSync(f, bytes);
  return { f, bytes };
}

const values = (c: ArrayLike<unknown> | StringColumn) => (c instanceof StringColumn ? c.toArray() : Array.from(c));

/** Each column chunk decoded by the fast path, beside hyparquet's general path on the same chunk. */
async function bothPaths(bytes: Uint8Array) {
  const hp = await import('hyparquet');
  const { parquetHeader } = await import('hyparquet/src/column.js');
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = hp.parquetMetadata(ab);
  const out: {
    column: string;
    group: number;
    pages: string[];
    fast: unknown[] | undefined;
    general: unknown[];
  }[] = [];
  let rowStart = 0;
  for (const [g, group] of metadata.row_groups.entries()) {
    const rows = Number(group.num_rows);
    const general = new Map<string, unknown[]>();
    await hp.parquetRead({
      file: ab,
      metadata,
      rowStart,
      rowEnd: rowStart + rows,
      parsers: TIMESTAMP_PARSERS,
      onChunk: (c) => general.set(c.columnName, [...(general.get(c.columnName) ?? []), ...Array.from(c.columnData)]),
    });
    for (const c of group.columns) {
      const m = c.meta_data as NonNullable<typeof c.meta_data>;
      const el = metadata.schema.find((s) => s.name === m.path_in_schema[0]) as import('hyparquet').SchemaElement;
      const start = Number(m.dictionary_page_offset || m.data_page_offset);
      const chunk = new Uint8Array(ab, start, Number(m.total_compressed_size));
      const fast = decodeColumnChunk(chunk, m, el, rows, { parquetHeader, snappyUncompress: hp.snappyUncompress });
      const pages: string[] = [];
      const reader = { view: new DataView(ab, start, chunk.length), offset: 0 };
      while (reader.offset < chunk.length) {
        const h = parquetHeader(reader);
        reader.offset += h.compressed_page_size;
        pages.push(`${h.type}:${h.data_page_header?.encoding ?? h.data_page_header_v2?.encoding ?? ''}`);
      }
      out.push({
        column: el.name,
        group: g,
        pages,
        fast: fast === undefined ? undefined : values(fast),
        general: general.get(el.name) ?? [],
      });
    }
    rowStart += rows;
  }
  return out;
}

describe('Parquet column fast path', () => {
  const cases = [
    { name: 'v2-snappy-dict.parquet', opts: {} },
    { name: 'v2-plain-uncompressed.parquet', opts: { plain: true, codec: 'UNCOMPRESSED' as const } },
    { name: 'v2-small-pages.parquet', opts: { pageSize: 600 } },
    { name: 'v1-snappy-dict.parquet', opts: { v1: true } },
    { name: 'v1-plain-small-pages.parquet', opts: { v1: true, plain: true, pageSize: 600 } },
    { name: 'v1-uncompressed.parquet', opts: { v1: true, codec: 'UNCOMPRESSED' as const } },
  ];
  for (const { name, opts } of cases) {
    it(`decodes every column chunk exactly as hyparquet's general path: ${name}`, async () => {
      const { bytes } = await write(name, opts);
      const chunks = await bothPaths(bytes);
      expect(chunks.length).toBe(12 * 3);
      // The file holds the pages this case is about.
      const pages = new Set(chunks.flatMap((c) => c.pages));
      const data = opts.v1 ? 'DATA_PAGE' : 'DATA_PAGE_V2';
      expect([...pages].some((p) => p.startsWith(`${data}:`))).toBe(true);
      expect([...pages].some((p) => !p.startsWith(`${data}:`) && p !== 'DICTIONARY_PAGE:')).toBe(false);
      expect(pages.has(`${data}:RLE_DICTIONARY`)).toBe(!opts.plain);
      if (opts.pageSize) expect(Math.max(...chunks.map((c) => c.pages.length))).toBeGreaterThan(3);
      for (const c of chunks) {
        expect(c.general, `${c.column} in group ${c.group}`).toHaveLength(c.group < 2 ? 700 : 600);
        // Taken by the fast path, not handed back to the general one...
        expect(c.fast, `${c.column} in group ${c.group}`).toBeDefined();
        // ...and equal value for value (Object.is: NaN, -0, nulls and bigints included).
        expect(c.fast, `${c.column} in group ${c.group}`).toStrictEqual(c.general);
      }
    });
  }

  it('hands encodings it does not decode (delta, byte stream split) back to the general path', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const bytes = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          {
            name: 'ts',
            data: BigInt64Array.from({ length: 500 }, (_, i) => BigInt(1e15 + i)),
            type: 'INT64',
            encoding: 'DELTA_BINARY_PACKED',
          },
          {
            name: 'price',
            data: Float64Array.from({ length: 500 }, (_, i) => i / 4),
            type: 'DOUBLE',
            encoding: 'BYTE_STREAM_SPLIT',
          },
          { name: 'size', data: Float64Array.from({ length: 500 }, () => 1), type: 'DOUBLE' },
        ],
      }),
    );
    const chunks = await bothPaths(bytes);
    expect(chunks.map((c) => [c.column, c.fast === undefined])).toEqual([
      ['ts', true],
      ['price', true],
      ['size', false],
    ]);
    // The reader still reads the file (through hyparquet) to the right events.
    const f = join(dir, 'delta.parquet');
    writeFileSync(f, bytes);
    const events: MarketEvent[] = [];
    for await (const b of openSource(f, { kind: 'trade', symbol: 'X', ts: 'us' }).batches()) events.push(...b);
    expect(events).toHaveLength(500);
    expect(events[499]).toStrictEqual({
      type: 'trade',
      symbol: 'X',
      ts: 1e15 + 499,
      price: 499 / 4,
      size: 1,
      side: 'unknown',
    });
  });

  it('reads trades from v1 and v2 data pages to the same events as were written', async () => {
    const trades = sampleTrades(5000, 4) as TradeEvent[];
    const v2 = join(dir, 'trades-v2.parquet');
    await writeParquetFixture(v2, trades, 1200);
    const v1 = join(dir, 'trades-v1.parquet');
    writeFileSync(v1, await toDataPageV1(new Uint8Array(readFileSync(v2))));
    for (const f of [v2, v1]) {
      const events: MarketEvent[] = [];
      for await (const b of openSource(f).batches()) events.push(...b);
      expect(events).toStrictEqual(trades);
    }
  });

  it('closes its file handle when the consumer stops early', async () => {
    const f = join(dir, 'early.parquet');
    await writeParquetFixture(f, sampleTrades(30_000, 5), 5000);
    // Watch the handles the reader itself opens (not a process-wide count).
    const { handles, restore } = watchFileHandles();
    let seen = 0;
    try {
      for await (const b of openSource(f).batches()) {
        seen += b.length;
        break;
      }
    } finally {
      restore();
    }
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(30_000);
    expect(handles.length).toBe(1);
    expect(handles.filter((h) => !h.closed)).toEqual([]);
  });
});
