/**
 * Every vendor preset against a fixture in the vendor's exact layout (made by
 * scripts/make-fixtures.mjs): the reader's events equal events built here independently from
 * the split text of each row, following the vendor's documented meaning of each column.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BookLevel, MarketEvent } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { FORMAT_PRESETS, PRESET_NAMES, openSource, replay } from './index.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');

async function collect(it: AsyncIterable<MarketEvent>): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

function rows(file: string, header: boolean): string[][] {
  const lines = readFileSync(join(fixtures, file), 'utf8').trimEnd().split('\n');
  return (header ? lines.slice(1) : lines).map((l) => l.split(','));
}

const us = (t: string) => Number(t);
const nsToUs = (t: string) => Number(BigInt(t) / 1000n);
const trade = (symbol: string, ts: number, price: number, size: number, side: string, id?: string): MarketEvent => {
  const e: MarketEvent = { type: 'trade', symbol, ts, price, size, side: side as 'buy' | 'sell' | 'unknown' };
  if (id) e.id = id;
  return e;
};

/** Per preset: the fixture, extra options, and the expected events built from the raw rows. */
const cases: Record<string, { file: string; options?: Record<string, unknown>; expected: () => MarketEvent[] }> = {
  'tardis-trades': {
    file: 'tardis-trades.csv',
    expected: () =>
      rows('tardis-trades.csv', true).map((c) =>
        trade(c[1] as string, us(c[2] as string), Number(c[6]), Number(c[7]), c[5] as string, c[4]),
      ),
  },
  'tardis-quotes': {
    file: 'tardis-quotes.csv',
    expected: () =>
      rows('tardis-quotes.csv', true).map((c) => ({
        type: 'quote',
        symbol: c[1] as string,
        ts: us(c[2] as string),
        bid: Number(c[6]),
        bidSize: Number(c[7]),
        ask: Number(c[5]),
        askSize: Number(c[4]),
      })),
  },
  'tardis-incremental-book-l2': {
    file: 'tardis-incremental-book-l2.csv',
    expected: () => {
      type Book = {
        type: 'book_snapshot' | 'book_delta';
        symbol: string;
        ts: number;
        bids: BookLevel[];
        asks: BookLevel[];
      };
      const out: Book[] = [];
      for (const c of rows('tardis-incremental-book-l2.csv', true)) {
        const type: Book['type'] = c[4] === 'true' ? 'book_snapshot' : 'book_delta';
        const ts = us(c[2] as string);
        const prev = out[out.length - 1];
        const last =
          prev && prev.ts === ts && prev.type === type
            ? prev
            : { type, symbol: c[1] as string, ts, bids: [], asks: [] };
        if (last !== prev) out.push(last);
        (c[5] === 'bid' ? last.bids : last.asks).push({ price: Number(c[6]), size: Number(c[7]) });
      }
      return out as MarketEvent[];
    },
  },
  'tardis-book-snapshot-25': {
    file: 'tardis-book-snapshot-25.csv',
    expected: () =>
      rows('tardis-book-snapshot-25.csv', true).map((c) => {
        const bids: BookLevel[] = [];
        const asks: BookLevel[] = [];
        for (let k = 0; k < 25; k++) {
          const base = 4 + k * 4;
          if (c[base] !== '') asks.push({ price: Number(c[base]), size: Number(c[base + 1]) });
          if (c[base + 2] !== '') bids.push({ price: Number(c[base + 2]), size: Number(c[base + 3]) });
        }
        return { type: 'book_snapshot', symbol: c[1] as string, ts: us(c[2] as string), bids, asks };
      }),
  },
  'binance-klines': {
    file: 'BTCUSDT-1m-2024-01-01.csv',
    expected: () =>
      rows('BTCUSDT-1m-2024-01-01.csv', false).map((c) => ({
        type: 'bar',
        symbol: 'BTCUSDT',
        timeframe: '1m',
        start: Number(c[0]) * 1000,
        ts: Number(c[0]) * 1000 + 60_000_000, // canonical ts is the close: close_time + 1 ms
        open: Number(c[1]),
        high: Number(c[2]),
        low: Number(c[3]),
        close: Number(c[4]),
        volume: Number(c[5]),
        trades: Number(c[8]),
      })),
  },
  'binance-trades': {
    file: 'BTCUSDT-trades-2024-01-01.csv',
    expected: () =>
      rows('BTCUSDT-trades-2024-01-01.csv', false).map((c) =>
        trade('BTCUSDT', Number(c[4]) * 1000, Number(c[1]), Number(c[2]), c[5] === 'True' ? 'sell' : 'buy', c[0]),
      ),
  },
  'databento-trades': {
    file: 'databento-trades.csv',
    expected: () =>
      rows('databento-trades.csv', true).map((c) =>
        trade(
          c[13] as string,
          nsToUs(c[1] as string),
          Number(c[8]),
          Number(c[9]),
          c[6] === 'A' ? 'sell' : c[6] === 'B' ? 'buy' : 'unknown',
        ),
      ),
  },
  'databento-mbp-1': {
    file: 'databento-mbp-1.csv',
    expected: () =>
      rows('databento-mbp-1.csv', true).map((c) => ({
        type: 'quote',
        symbol: c[19] as string,
        ts: nsToUs(c[1] as string),
        bid: Number(c[13]),
        ask: Number(c[14]),
        bidSize: Number(c[15]),
        askSize: Number(c[16]),
      })),
  },
  'coinbase-candles': {
    file: 'coinbase-candles.csv',
    options: { symbol: 'ETH-USD', timeframe: '5m' },
    expected: () =>
      rows('coinbase-candles.csv', true).map((c) => ({
        type: 'bar',
        symbol: 'ETH-USD',
        timeframe: '5m',
        start: Number(c[0]) * 1_000_000,
        ts: Number(c[0]) * 1_000_000 + 300_000_000,
        open: Number(c[3]),
        high: Number(c[2]),
        low: Number(c[1]),
        close: Number(c[4]),
        volume: Number(c[5]),
      })),
  },
  ohlcv: {
    file: 'ohlcv.csv',
    options: { symbol: 'AAPL', timeframe: '1m' },
    expected: () =>
      rows('ohlcv.csv', true).map((c) => ({
        type: 'bar',
        symbol: 'AAPL',
        timeframe: '1m',
        start: Date.parse(c[0] as string) * 1000,
        ts: Date.parse(c[0] as string) * 1000 + 60_000_000,
        open: Number(c[1]),
        high: Number(c[2]),
        low: Number(c[3]),
        close: Number(c[4]),
        volume: Number(c[5]),
      })),
  },
};

describe('vendor presets on fixtures in the vendor layout', () => {
  it('every preset has a fixture case, a documented source and its vendor columns', () => {
    expect(Object.keys(cases).sort()).toEqual([...PRESET_NAMES].sort());
    for (const p of Object.values(FORMAT_PRESETS)) {
      expect(p.source.length).toBeGreaterThan(10);
      expect(p.columns.length).toBeGreaterThan(3);
    }
  });

  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: ${c.file} reads to the events its rows mean`, async () => {
      const expected = c.expected();
      expect(expected.length).toBeGreaterThanOrEqual(100);
      const r = replay(join(fixtures, c.file), { format: name, ...c.options });
      const got = await collect(r);
      expect(got).toStrictEqual(expected);
      expect(r.summary().malformed.count).toBe(0);
    });
  }

  it('binance-klines: 2025 spot files in µs read like the ms files', async () => {
    const got = await collect(openSource(join(fixtures, 'BTCUSDT-1m-2025-01-01.csv'), { format: 'binance-klines' }));
    const first = rows('BTCUSDT-1m-2025-01-01.csv', false)[0] as string[];
    expect(got).toHaveLength(300);
    expect(got[0]).toMatchObject({
      type: 'bar',
      symbol: 'BTCUSDT',
      start: Number(first[0]),
      ts: Number(first[0]) + 60_000_000,
    });
  });

  it('databento: raw fixed-point prices read with priceDecimals: 9', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'replay-presets-'));
    const f = join(dir, 'raw.csv');
    writeFileSync(
      f,
      'ts_recv,ts_event,rtype,publisher_id,instrument_id,action,side,depth,price,size,flags,ts_in_delta,sequence,symbol\n' +
        '1704205800000015000,1704205800000000123,0,2,13,T,B,0,168370000000,5,0,900,1,AAPL\n',
    );
    expect(await collect(openSource(f, { format: 'databento-trades', priceDecimals: 9 }))).toStrictEqual([
      trade('AAPL', 1704205800000000, 168.37, 5, 'buy'),
    ]);
  });

  it('an unknown preset name names the nearest one; a missing timeframe says how to pass it', async () => {
    expect(() => openSource('x.csv', { format: 'tardis-trade' })).toThrow(/Did you mean `tardis-trades`/);
    const err = await collect(
      openSource(join(fixtures, 'coinbase-candles.csv'), { format: 'coinbase-candles', symbol: 'X' }),
    ).catch((e) => e as Error);
    expect(err).toMatchObject({ code: 'REPLAY_CSV_COLUMNS' });
    expect((err as Error).message).toContain("timeframe: '1m'");
  });
});
