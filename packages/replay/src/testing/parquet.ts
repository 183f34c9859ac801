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
