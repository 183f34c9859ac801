import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from './events.js';
import {
  CSV_COLUMNS,
  csvHeader,
  csvKindOf,
  detectCsvKind,
  eventToCsvRows,
  eventToJsonLine,
  jsonToEvent,
} from './schema.js';

const samples: MarketEvent[] = [
  { type: 'quote', symbol: 'MNQ', ts: 1_700_000_000_000_000, bid: 20000.25, bidSize: 3, ask: 20000.5, askSize: 7 },
  { type: 'trade', symbol: 'MNQ', ts: 1_700_000_000_000_100, price: 20000.5, size: 2, side: 'buy', id: 't-1' },
  { type: 'trade', symbol: 'BTC-USD', ts: 1_700_000_000_000_200, price: 43000.01, size: 0.00012345, side: 'unknown' },
  {
    type: 'book_snapshot',
    symbol: 'MNQ',
    ts: 1_700_000_000_000_300,
    bids: [{ price: 20000.25, size: 5 }],
    asks: [
      { price: 20000.5, size: 4 },
      { price: 20000.75, size: 9 },
    ],
  },
  { type: 'book_delta', symbol: 'MNQ', ts: 1_700_000_000_000_400, bids: [{ price: 20000.25, size: 0 }], asks: [] },
  {
    type: 'bar',
    symbol: 'MNQ',
    ts: 1_700_000_060_000_000,
    start: 1_700_000_000_000_000,
    timeframe: '1m',
    open: 1,
    high: 2,
    low: 0.5,
    close: 1.5,
    volume: 10,
    trades: 4,
  },
  { type: 'status', symbol: 'MNQ', ts: 1_700_000_100_000_000, status: 'halt', reason: 'limit down, "LULD"' },
];

describe('canonical JSONL', () => {
  it('writes a fixed key order and reads every event type back unchanged', () => {
    expect(eventToJsonLine(samples[0]!)).toBe(
      '{"type":"quote","symbol":"MNQ","ts":1700000000000000,"bid":20000.25,"bidSize":3,"ask":20000.5,"askSize":7}',
    );
    expect(eventToJsonLine(samples[3]!)).toContain('"bids":[[20000.25,5]],"asks":[[20000.5,4],[20000.75,9]]');
    for (const e of samples) expect(jsonToEvent(JSON.parse(eventToJsonLine(e)))).toEqual(e);
  });

  it('property: random trades and quotes round-trip exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4e15 }),
        fc.double({ min: 0.01, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.constantFrom('buy', 'sell', 'unknown' as const),
        (ts, price, size, side) => {
          const e: MarketEvent = { type: 'trade', symbol: 'S', ts, price, size, side };
          expect(jsonToEvent(JSON.parse(eventToJsonLine(e)))).toEqual(e);
        },
      ),
    );
  });

  it('names the field, file and line of a bad record', () => {
    const bad = { type: 'quote', symbol: 'X', ts: 5, bid: 'n/a', bidSize: 1, ask: 2, askSize: 1 };
    try {
      jsonToEvent(bad, { file: 'q.jsonl', line: 1234 });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'DATA_INVALID_EVENT', details: { field: 'bid', file: 'q.jsonl', line: 1234 } });
      expect((err as Error).message).toContain(
        'Expected `bid` to be a finite number, got `"n/a"` (string) (q.jsonl:1234)',
      );
    }
    expect(() => jsonToEvent({ type: 'tick', symbol: 'X', ts: 1 })).toThrow(/one of quote, trade/);
    expect(() => jsonToEvent({ type: 'trade', symbol: 'X', ts: 1.5, price: 1, size: 1 })).toThrow(/integer epoch/);
    expect(() => jsonToEvent({ type: 'book_delta', symbol: 'X', ts: 1, bids: [[1, -1]], asks: [] })).toThrow(
      /`bids\[0\]`/,
    );
  });
});

describe('canonical CSV', () => {
  it('has a header per kind and detects the kind from a header', () => {
    expect(csvHeader('quote')).toBe('ts,symbol,bid,bid_size,ask,ask_size');
    for (const kind of Object.keys(CSV_COLUMNS) as Array<keyof typeof CSV_COLUMNS>) {
      expect(detectCsvKind(CSV_COLUMNS[kind])).toBe(kind);
    }
    expect(detectCsvKind(['TS', 'Symbol', 'Price', 'Size', 'Side'])).toBe('trade');
    expect(detectCsvKind(['time', 'px'])).toBeUndefined();
    expect(csvKindOf('book_delta')).toBe('book');
  });

  it('writes one row per book level and quotes fields that need it', () => {
    expect(eventToCsvRows(samples[3]!)).toEqual([
      '1700000000000300,MNQ,snapshot,bid,20000.25,5',
      '1700000000000300,MNQ,snapshot,ask,20000.5,4',
      '1700000000000300,MNQ,snapshot,ask,20000.75,9',
    ]);
    expect(eventToCsvRows(samples[6]!)).toEqual(['1700000100000000,MNQ,halt,"limit down, ""LULD"""']);
    expect(eventToCsvRows(samples[2]!)).toEqual(['1700000000000200,BTC-USD,43000.01,0.00012345,unknown,']);
    expect(eventToCsvRows({ type: 'book_snapshot', symbol: 'E', ts: 1, bids: [], asks: [] })).toEqual([
      '1,E,snapshot,,,',
    ]);
  });
});
