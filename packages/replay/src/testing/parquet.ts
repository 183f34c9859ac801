/** Writes Parquet fixtures inside tests (hyparquet-writer is a dev dependency only). */
import { writeFileSync } from 'node:fs';
import {
  CSV_COLUMNS,
  type CsvKind,
  type MarketEvent,
  type QuoteEvent,
  type TradeEvent,
  eventToCsvRows,
} from '@tradekit/types';

/** Writes trades or quotes (one type per file) as a Parquet file with canonical column names. */
export async function writeParquetFixture(
  path: string,
  events: readonly MarketEvent[],
  rowGroupSize = 1000,
): Promise<void> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const first = events[0];
  const ts = { name: 'ts', data: BigInt64Array.from(events, (e) => BigInt(e.ts)), type: 'INT64' as const };
  const symbol = { name: 'symbol', data: events.map((e) => e.symbol), type: 'STRING' as const };
  let columnData: import('hyparquet-writer').ColumnSource[];
  if (first?.type === 'quote') {
    const q = events as QuoteEvent[];
    columnData = [
      ts,
      symbol,
      { name: 'bid', data: Float64Array.from(q, (e) => e.bid), type: 'DOUBLE' as const },
      { name: 'bid_size', data: Float64Array.from(q, (e) => e.bidSize), type: 'DOUBLE' as const },
      { name: 'ask', data: Float64Array.from(q, (e) => e.ask), type: 'DOUBLE' as const },
      { name: 'ask_size', data: Float64Array.from(q, (e) => e.askSize), type: 'DOUBLE' as const },
    ];
  } else {
    const t = events as TradeEvent[];
    columnData = [
      ts,
      symbol,
      { name: 'price', data: Float64Array.from(t, (e) => e.price), type: 'DOUBLE' as const },
      { name: 'size', data: Float64Array.from(t, (e) => e.size), type: 'DOUBLE' as const },
      { name: 'side', data: t.map((e) => e.side), type: 'STRING' as const },
      { name: 'id', data: t.map((e) => e.id ?? null), type: 'STRING' as const, nullable: true },
    ];
  }
  const buf = parquetWriteBuffer({ columnData, rowGroupSize });
  writeFileSync(path, new Uint8Array(buf));
}

/**
 * Writes any events of one CSV kind as a Parquet file whose columns are all strings, straight
 * from the canonical CSV rows (book events become one row per level).
 */
export async function writeParquetFromCsvRows(
  path: string,
  kind: CsvKind,
  events: readonly MarketEvent[],
): Promise<void> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const names = CSV_COLUMNS[kind];
  const rows = events.flatMap((e) => eventToCsvRows(e).map((r) => r.split(',')));
  const columnData = names.map((name, k) => ({
    name,
    data: rows.map((r) => (r[k] === '' ? null : (r[k] as string))),
    type: 'STRING' as const,
    nullable: true,
  }));
  writeFileSync(path, new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: 700 })));
}

/**
 * The same Parquet file with every DATA_PAGE_V2 (all hyparquet-writer writes) rewritten as a v1
 * DATA_PAGE, as pyarrow, Spark and DuckDB write by default: definition levels move into the
 * (compressed) page body behind a 4-byte length. Column chunk offsets and sizes are updated;
 * page indexes are dropped.
 */
export async function toDataPageV1(input: Uint8Array): Promise<Uint8Array> {
  const hp = await import('hyparquet');
  const { parquetHeader } = await import('hyparquet/src/column.js');
  const { ByteWriter } = await import('hyparquet-writer/src/bytewriter.js');
  const { writePageHeader } = await import('hyparquet-writer/src/datapage.js');
  const { writeMetadata } = await import('hyparquet-writer/src/metadata.js');
  const { snappyCompress } = await import('hyparquet-writer/src/snappy.js');
  const ab = input.buffer.slice(input.byteOffset, input.byteOffset + input.byteLength) as ArrayBuffer;
  const metadata = hp.parquetMetadata(ab);
  const out = new ByteWriter();
  const magic = new TextEncoder().encode('PAR1');
  out.appendBytes(magic);
  for (const rg of metadata.row_groups) {
    for (const c of rg.columns) {
      const m = c.meta_data;
      if (!m) throw new Error('no column metadata');
      const el = metadata.schema.find((s) => s.name === m.path_in_schema[0]);
      const optional = el?.repetition_type === 'OPTIONAL';
      const start = Number(m.dictionary_page_offset || m.data_page_offset);
      const reader = { view: new DataView(ab, start, Number(m.total_compressed_size)), offset: 0 };
      const chunkStart = out.offset;
      let dictOffset: number | undefined;
      let dataOffset: number | undefined;
      let uncompressed = 0;
      while (reader.offset < reader.view.byteLength) {
        const h = parquetHeader(reader);
        const body = new Uint8Array(ab, start + reader.offset, h.compressed_page_size);
        reader.offset += h.compressed_page_size;
        const h2 = h.data_page_header_v2;
        if (h.type === 'DICTIONARY_PAGE' || !h2) {
          dictOffset = out.offset;
          writePageHeader(out, h);
          out.appendBytes(body);
          uncompressed += h.uncompressed_page_size;
          continue;
        }
        dataOffset ??= out.offset;
        if (h2.repetition_levels_byte_length) throw new Error('nested columns are not converted');
        let levels = body.subarray(0, h2.definition_levels_byte_length);
        if (optional && levels.length === 0) levels = new Uint8Array([...varint(h2.num_values * 2), 1]);
        const values = body.subarray(h2.definition_levels_byte_length);
        let raw = values;
        if (h2.is_compressed !== false && m.codec === 'SNAPPY') {
          raw = new Uint8Array(h.uncompressed_page_size - h2.definition_levels_byte_length);
          hp.snappyUncompress(values, raw);
        }
        const v1 = new Uint8Array((optional ? 4 + levels.length : 0) + raw.length);
        if (optional) {
          new DataView(v1.buffer).setUint32(0, levels.length, true);
          v1.set(levels, 4);
        }
        v1.set(raw, optional ? 4 + levels.length : 0);
        const packed = m.codec === 'SNAPPY' ? snappyCompress(v1) : v1;
        writePageHeader(out, {
          type: 'DATA_PAGE',
          uncompressed_page_size: v1.length,
          compressed_page_size: packed.length,
          data_page_header: {
            num_values: h2.num_values,
            encoding: h2.encoding,
            definition_level_encoding: 'RLE',
            repetition_level_encoding: 'RLE',
          },
        });
        out.appendBytes(packed);
        uncompressed += v1.length;
      }
      c.meta_data = {
        ...m,
        data_page_offset: BigInt(dataOffset ?? chunkStart),
        dictionary_page_offset: dictOffset === undefined ? undefined : BigInt(dictOffset),
        total_compressed_size: BigInt(out.offset - chunkStart),
        total_uncompressed_size: BigInt(uncompressed),
        encoding_stats: undefined,
      };
      c.offset_index_offset = undefined;
      c.offset_index_length = undefined;
      c.column_index_offset = undefined;
      c.column_index_length = undefined;
    }
    rg.file_offset = undefined;
    rg.total_compressed_size = undefined;
  }
  writeMetadata(out, metadata);
  out.appendBytes(magic);
  return out.getBytes();
}

function varint(n: number): number[] {
  const bytes: number[] = [];
  while (n >= 0x80) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return bytes;
}
