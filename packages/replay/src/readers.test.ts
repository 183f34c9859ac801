import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { MarketEvent } from '@tradekit/types';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openSource, parseEpoch, parseIso, parseNumber, replay, writeEvents } from './index.js';
import { sampleTrades } from './testing/events.js';
import { watchFileHandles } from './testing/handles.js';

const dir = mkdtempSync(join(tmpdir(), 'replay-readers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(it: AsyncIterable<MarketEvent>): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe('number and time parsing', () => {
  it('parseNumber equals Number() on plain decimals and rejects junk', () => {
    for (const t of [
      '0',
      '-0.5',
      '20000.25',
      '1e-8',
      '123456789012345678',
      '0.1',
      '.5',
      '7.',
      '0.1234567890123456',
      '0.30000000000000004',
      '-12.000001',
    ]) {
      expect(parseNumber(t, 0, t.length)).toBe(Number(t));
    }
    for (const t of ['', 'abc', '1.2.3', '12a', ' 1', '-', '0x10', '.']) expect(parseNumber(t, 0, t.length)).toBeNaN();
  });

  it('property: parseNumber equals Number() for every double printed by JavaScript', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const t = String(x);
        expect(parseNumber(t, 0, t.length)).toBe(Number(t));
      }),
      { numRuns: 2000, seed: 5 },
    );
  });

  it('parseEpoch converts s/ms/us/ns exactly to µs', () => {
    const p = (t: string, u: 's' | 'ms' | 'us' | 'ns') => parseEpoch(t, 0, t.length, u);
    expect(p('1704205800', 's')).toBe(1_704_205_800_000_000);
    expect(p('1704205800.123456', 's')).toBe(1_704_205_800_123_456);
    expect(p('1704205800123', 'ms')).toBe(1_704_205_800_123_000);
    expect(p('1704205800123.5', 'ms')).toBe(1_704_205_800_123_500);
    expect(p('1704205800123456', 'us')).toBe(1_704_205_800_123_456);
    expect(p('1704205800123456789', 'ns')).toBe(1_704_205_800_123_456);
    expect(p('17x', 's')).toBeNaN();
  });

  it('property: parseEpoch of integer text equals Number(text) × the unit, for 1 to 17 digits', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 99_999_999_999_999_999n }), fc.constantFrom('s', 'ms', 'us'), (x, u) => {
        const t = x.toString();
        const mult = u === 's' ? 1_000_000 : u === 'ms' ? 1000 : 1;
        // Exact while the result is a safe integer; beyond it, the same double as Number() gives.
        expect(parseEpoch(t, 0, t.length, u)).toBe(Number(t) * mult);
      }),
      { numRuns: 3000, seed: 11 },
    );
    const p = (t: string) => parseEpoch(t, 0, t.length, 'us');
    expect(p('9007199254740991')).toBe(9_007_199_254_740_991);
    expect(p('0000000000000001')).toBe(1);
    expect(p('123456789')).toBe(123_456_789);
    expect(p('1234567890')).toBe(1_234_567_890);
    expect(p('17040558001234x6')).toBeNaN();
    expect(p('')).toBeNaN();
  });

  it('parseIso handles the UTC fast path and other forms like isoToMicros', () => {
    const p = (t: string) => parseIso(t, 0, t.length);
    expect(p('2024-01-02T14:30:00.123456Z')).toBe(1_704_205_800_123_456);
    expect(p('2024-01-02T14:30:00Z')).toBe(1_704_205_800_000_000);
    expect(p('2024-01-02 14:30:00.5')).toBe(1_704_205_800_500_000);
    expect(p('2024-01-02T15:30:00.000001+01:00')).toBe(1_704_205_800_000_001);
    expect(p('2024-01-02T14:30:00.123456789Z')).toBe(1_704_205_800_123_456);
    expect(p('2024-13-02T14:30:00Z')).toBeNaN();
  });
});

describe('CSV options', () => {
  it('maps vendor columns, a fixed symbol, ISO timestamps and a custom delimiter', async () => {
    const f = join(dir, 'vendor.csv');
    writeFileSync(
      f,
      'Timestamp;Px;Qty;Aggressor\n2024-01-02T14:30:00.000001Z;20000.25;3;B\n2024-01-02T14:30:00.5Z;20000.5;1;S\n',
    );
    const out = await collect(
      openSource(f, {
        delimiter: ';',
        kind: 'trade',
        symbol: 'MNQ',
        columns: { ts: 'Timestamp', price: 'Px', size: 'Qty', side: 'Aggressor' },
      }),
    );
    expect(out).toStrictEqual([
      { type: 'trade', symbol: 'MNQ', ts: 1_704_205_800_000_001, price: 20000.25, size: 3, side: 'buy' },
      { type: 'trade', symbol: 'MNQ', ts: 1_704_205_800_500_000, price: 20000.5, size: 1, side: 'sell' },
    ]);
  });

  it('detects epoch ms, reads headerless files by canonical order, and CRLF line ends', async () => {
    const f = join(dir, 'noheader.csv');
    writeFileSync(f, '1704205800123,ES,1,2,3,4\r\n1704205800124,ES,1,2,3,4\r\n');
    const out = await collect(openSource(f, { kind: 'quote' }));
    expect(out.map((e) => e.ts)).toEqual([1_704_205_800_123_000, 1_704_205_800_124_000]);
    expect(out[0]).toMatchObject({ bid: 1, bidSize: 2, ask: 3, askSize: 4 });
  });

  it('maps columns by index and reads epoch nanoseconds', async () => {
    const f = join(dir, 'idx.csv');
    writeFileSync(f, 'a,b,c\n1704205800123456789,5,7\n');
    const out = await collect(openSource(f, { kind: 'trade', symbol: 'X', columns: { ts: 0, price: 1, size: 2 } }));
    expect(out).toStrictEqual([
      { type: 'trade', symbol: 'X', ts: 1_704_205_800_123_456, price: 5, size: 7, side: 'unknown' },
    ]);
  });

  it('keeps multi-byte UTF-8 intact across read chunks (plain and gzip)', async () => {
    const events: MarketEvent[] = [];
    for (let i = 0; i < 20_000; i++) {
      events.push({
        type: 'status',
        symbol: i % 2 ? 'ÄÖÜ€' : '日本株',
        ts: 1000 + i,
        status: 'halt',
        reason: `café ☕ 😀 ${'é'.repeat(i % 7)}`,
      });
    }
    for (const ext of ['csv', 'jsonl', 'csv.gz', 'jsonl.gz']) {
      const f = join(dir, `utf8.${ext}`);
      await writeEvents(f, events);
      expect(await collect(openSource(f, { ts: 'us' }))).toStrictEqual(events);
    }
  });

  it('closes the file when the consumer stops early, with the next read already under way', async () => {
    const events = sampleTrades(60_000, 3); // a few read chunks
    for (const ext of ['csv', 'jsonl']) {
      const f = join(dir, `early-stop.${ext}`);
      await writeEvents(f, events);
      // Watch the file handles the reader itself opens (not a process-wide count, which other
      // work in the same worker changes): every one must be closed when the loop exits.
      const { handles, restore } = watchFileHandles();
      let seen = 0;
      try {
        for await (const batch of openSource(f).batches()) {
          seen += batch.length;
          break;
        }
      } finally {
        restore();
      }
      expect(seen).toBeGreaterThan(0);
      expect(seen).toBeLessThan(events.length);
      expect(handles.length).toBeGreaterThan(0); // the reader opened the file through fs.promises
      expect(handles.filter((h) => !h.closed)).toEqual([]);
      // And a full read afterwards still yields every event.
      expect(await collect(openSource(f))).toHaveLength(events.length);
    }
  });

  it('quoted multi-line fields that straddle read chunks parse exactly (plain and gzip)', async () => {
    const events: MarketEvent[] = [];
    for (let i = 0; i < 30_000; i++) {
      const reason = i % 3 === 0 ? `line one, "quoted"\nline two\r\nline ${i}` : i % 3 === 1 ? 'plain' : '';
      const e: MarketEvent = { type: 'status', symbol: i % 2 ? 'A,B' : 'C', ts: 1000 + i, status: 'halt' };
      if (reason) e.reason = reason;
      events.push(e);
    }
    for (const ext of ['csv', 'csv.gz']) {
      const f = join(dir, `multiline.${ext}`);
      await writeEvents(f, events);
      expect(await collect(openSource(f, { ts: 'us' }))).toStrictEqual(events);
    }
  });

  it('empty files give no events; a BOM before the first JSONL line is ignored', async () => {
    for (const name of ['empty.csv', 'empty.jsonl', 'empty.csv.gz']) {
      const f = join(dir, name);
      writeFileSync(f, name.endsWith('.gz') ? gzipSync('') : '');
      expect(await collect(openSource(f))).toEqual([]);
    }
    const f = join(dir, 'bom.jsonl');
    writeFileSync(f, '\ufeff{"type":"trade","symbol":"A","ts":1704205800000000,"price":1,"size":1,"side":"buy"}\n');
    expect(await collect(openSource(f))).toHaveLength(1);
  });

  it('detects a trade file without a side column (side becomes unknown)', async () => {
    const f = join(dir, 'noside.csv');
    writeFileSync(f, 'ts,symbol,price,size\n1704205800000000,A,1.5,2\n');
    expect(await collect(openSource(f))).toStrictEqual([
      { type: 'trade', symbol: 'A', ts: 1_704_205_800_000_000, price: 1.5, size: 2, side: 'unknown' },
    ]);
  });

  it('a one-shot generator source cannot seek back; an array can', async () => {
    function* gen(): Generator<MarketEvent> {
      for (let i = 0; i < 3; i++) yield { type: 'trade', symbol: 'G', ts: 1000 + i, price: 1, size: 1, side: 'buy' };
    }
    const r = replay(gen());
    expect((await r.next()).value).toMatchObject({ ts: 1000 });
    r.seek(1000);
    await expect(r.next()).rejects.toMatchObject({ code: 'REPLAY_NOT_RESTARTABLE' });
    const arr = [...gen()];
    const r2 = replay([arr]);
    await r2.next();
    await r2.next();
    r2.seek(1000);
    expect((await r2.next()).value).toBe(arr[0]);
  });

  it('explains a missing column and an unknown layout', async () => {
    const f = join(dir, 'cols.csv');
    writeFileSync(f, 'time,px\n1,2\n');
    await expect(collect(openSource(f))).rejects.toMatchObject({ code: 'REPLAY_CSV_COLUMNS' });
    await expect(collect(openSource(f, { kind: 'trade' }))).rejects.toThrow(
      /Expected a `symbol` column .* or pass `symbol: 'XYZ'`/,
    );
    await expect(collect(openSource(f, { kind: 'trade', symbol: 'A' }))).rejects.toThrow(
      /Expected a `price` column .*columns: \{ price:/,
    );
  });

  it('reads quoted fields with commas, quotes and newlines', async () => {
    const f = join(dir, 'quoted.csv');
    writeFileSync(f, 'ts,symbol,status,reason\n1000,A,halt,"circuit, ""breaker""\nlevel 1"\n2000,A,open,\n');
    const out = await collect(openSource(f, { ts: 'us' }));
    expect(out).toStrictEqual([
      { type: 'status', symbol: 'A', ts: 1000, status: 'halt', reason: 'circuit, "breaker"\nlevel 1' },
      { type: 'status', symbol: 'A', ts: 2000, status: 'open' },
    ]);
  });

  it('reports an unknown extension and a missing file with codes', async () => {
    expect(() => openSource('data.xlsx')).toThrowError(expect.objectContaining({ code: 'REPLAY_UNKNOWN_FORMAT' }));
    await expect(collect(openSource(join(dir, 'nope.csv')))).rejects.toMatchObject({ code: 'REPLAY_FILE_UNREADABLE' });
    const bad = join(dir, 'notgz.csv.gz');
    writeFileSync(bad, 'ts,symbol\n');
    await expect(collect(openSource(bad))).rejects.toMatchObject({ code: 'REPLAY_BAD_GZIP' });
  });

  it('reads JSONL with ISO timestamps and gzip detected by extension', async () => {
    const f = join(dir, 'iso.jsonl.gz');
    writeFileSync(
      f,
      gzipSync('{"type":"trade","symbol":"A","ts":"2024-01-02T14:30:00.000002Z","price":1,"size":2,"side":"sell"}\n'),
    );
    expect(await collect(openSource(f))).toStrictEqual([
      { type: 'trade', symbol: 'A', ts: 1_704_205_800_000_002, price: 1, size: 2, side: 'sell' },
    ]);
  });
});

describe('seek', () => {
  const events = sampleTrades(30_000, 21);
  const target = (events[20_000] as MarketEvent).ts;

  for (const ext of ['csv', 'jsonl']) {
    it(`${ext}: binary search starts near the target without reading the file before it`, async () => {
      const f = join(dir, `seek.${ext}`);
      await writeEvents(f, events);
      const src = openSource(f);
      expect(src.seekMethod).toBe('binary-search');
      const out: MarketEvent[] = [];
      for await (const b of src.batches(target)) out.push(...b);
      expect(out).toStrictEqual(events.slice(20_000));
      // Only rows after the landing point (≤ 128 KiB before the target) were parsed.
      expect(src.report.rows).toBeLessThan(10_000 + 4000);
    });
  }

  it('book CSV (several rows per event): a seek never splits an event', async () => {
    const book: MarketEvent[] = [];
    for (let i = 0; i < 8000; i++) {
      const px = 100 + (i % 50) * 0.25;
      const levels = (n: number, d: number) =>
        Array.from({ length: n }, (_, k) => ({ price: px + d * k * 0.25, size: k + 1 }));
      book.push({
        type: i % 10 ? 'book_delta' : 'book_snapshot',
        symbol: 'B',
        ts: 1_704_205_800_000_000 + i * 10,
        bids: levels(3, -1),
        asks: levels(2, 1),
      });
    }
    const f = join(dir, 'book.csv');
    await writeEvents(f, book);
    for (const k of [1, 3333, 7999]) {
      const out: MarketEvent[] = [];
      for await (const b of openSource(f).batches(book[k]!.ts)) out.push(...b);
      expect(out).toStrictEqual(book.slice(k));
    }
  });

  it('gzip seeks by scanning and still lands on the first event at or after the target', async () => {
    const f = join(dir, 'seek.csv.gz');
    await writeEvents(f, events);
    const r = replay(f, { from: target });
    expect(r.sources[0]?.seekMethod).toBe('scan');
    const out = await collect(r);
    expect(out).toStrictEqual(events.slice(20_000));
    expect(r.summary().rows).toBe(30_000);
  });

  it('controller seek jumps forwards and backwards in a CSV file', async () => {
    const f = join(dir, 'seek2.csv');
    await writeEvents(f, events);
    const r = replay(f);
    expect((await r.next()).value).toStrictEqual(events[0]);
    r.seek(target);
    expect((await r.next()).value).toStrictEqual(events[20_000]);
    r.seek((events[5] as MarketEvent).ts);
    expect((await r.next()).value).toStrictEqual(events[5]);
    expect((await r.next()).value).toStrictEqual(events[6]);
    r.seek('2100-01-01T00:00:00Z');
    expect((await r.next()).done).toBe(true);
    await r.stop();
  });

  it('errors after a seek say the line is unknown instead of a wrong number', async () => {
    const f = join(dir, 'seekbad.csv');
    const lines = ['ts,symbol,price,size,side,id', ...events.map((e) => `${e.ts},MNQ,1,1,buy,`)];
    lines[25_000] = `${(events[24_999] as MarketEvent).ts},MNQ,oops,1,buy,`;
    writeFileSync(f, lines.join('\n'));
    await expect(collect(replay(f, { from: target }))).rejects.toThrow(
      /seekbad\.csv \(line unknown after a seek\) column 3 \(price\)/,
    );
  });
});
