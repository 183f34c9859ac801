/**
 * Damaged input: every good row before the damage arrives, and every loss is counted
 * (issue 13, section 2), plus the exactness fixes of section 1.6.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import type { MarketEvent, TradeEvent } from '@tradekit/types';
import { afterAll, describe, expect, it } from 'vitest';
import { openSource, replay, writeEvents } from './index.js';
import { sampleTrades } from './testing/events.js';

const dir = mkdtempSync(join(tmpdir(), 'replay-damaged-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(it: AsyncIterable<MarketEvent>): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

async function failure(p: Promise<unknown>): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

const tradeLine = (e: MarketEvent) => {
  const t = e as TradeEvent;
  return `${t.ts},${t.symbol},${t.price},${t.size},${t.side},${t.id ?? ''}`;
};

/** Yields to the event loop a few times, so a slow consumer lets the reader run ahead and buffer. */
async function dawdle(): Promise<void> {
  for (let k = 0; k < 5; k++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('a truncated .gz file', () => {
  const events = sampleTrades(200_000, 21);
  const whole = join(dir, 'whole.csv.gz');
  const cut = join(dir, 'cut.csv.gz');

  it('delivers every row gunzip can recover, then REPLAY_BAD_GZIP, however slowly it is read', async () => {
    await writeEvents(whole, events);
    const bytes = readFileSync(whole);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    // What `gunzip -c` recovers: every complete line of the decompressible prefix.
    const text = gunzipSync(readFileSync(cut), { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
    const recoverable = text.slice(0, text.lastIndexOf('\n')).split('\n').length - 1; // minus the header
    expect(recoverable).toBeGreaterThan(100_000);
    for (const slow of [false, true]) {
      const got: MarketEvent[] = [];
      const err = await failure(
        (async () => {
          for await (const batch of openSource(cut).batches()) {
            got.push(...batch);
            if (slow) await dawdle();
          }
        })(),
      );
      expect(err).toMatchObject({ code: 'REPLAY_BAD_GZIP' });
      expect(err.message).toMatch(/truncated|unexpected end/i);
      expect(got.length).toBe(recoverable);
      expect(got).toStrictEqual(events.slice(0, recoverable));
    }
  });
});

describe('a lone timestamp typo', () => {
  const events = sampleTrades(5000, 22);
  const lines = ['ts,symbol,price,size,side,id', ...events.map(tradeLine)];
  // Line 1001 (row 1000) gets a time one day ahead.
  const bad = events[999] as TradeEvent;
  lines[1000] = tradeLine({ ...bad, ts: bad.ts + 86_400_000_000 });
  const f = join(dir, 'typo.csv');
  writeFileSync(f, `${lines.join('\n')}\n`);

  it('skip drops that row only and counts it; every good row after it arrives', async () => {
    const r = replay(f, { outOfOrder: 'skip' });
    const got = await collect(r);
    expect(got).toStrictEqual(events.filter((_, i) => i !== 999));
    expect(r.summary().outOfOrder).toMatchObject({ count: 1, skipped: 1 });
    expect(r.summary().outOfOrder.examples[0]).toMatchObject({ line: 1001, ts: bad.ts + 86_400_000_000 });
  });

  it('error names the bad line (not the good one after it)', async () => {
    const err = await failure(collect(openSource(f)));
    expect(err).toMatchObject({ code: 'REPLAY_OUT_OF_ORDER', details: { line: 1001 } });
    expect(err.message).toContain(`${f}:1001`);
  });

  it('a late row (behind its neighbours) is still the one dropped', async () => {
    const late = [...lines];
    const e = events[2000] as TradeEvent;
    late[2001] = tradeLine({ ...e, ts: e.ts - 3_600_000_000 });
    const g = join(dir, 'late.csv');
    writeFileSync(g, `${late.join('\n')}\n`);
    const r = replay(g, { outOfOrder: 'skip' });
    const got = await collect(r);
    expect(got).toStrictEqual(events.filter((_, i) => i !== 999 && i !== 2000));
    expect(r.summary().outOfOrder.examples.map((x) => x.line)).toEqual([1001, 2002]);
  });

  it('reorder drops that row only and counts it (not as reordered); every good row arrives in order', async () => {
    const r = replay(f, { outOfOrder: 'reorder' });
    const got = await collect(r);
    expect(got).toStrictEqual(events.filter((_, i) => i !== 999));
    const s = r.summary();
    expect(s.outOfOrder).toMatchObject({ count: 1, skipped: 1 });
    expect(s.outOfOrder.examples[0]).toMatchObject({ line: 1001, ts: bad.ts + 86_400_000_000 });
    expect(s.reordered).toBe(0);
  });

  it('reorder still moves rows back within the window around an outlier', async () => {
    const mk = (ts: number): MarketEvent => ({ type: 'trade', symbol: 'A', ts, price: 1, size: 1, side: 'buy' });
    // 9_000_000 is ahead of both neighbours by far more than the window: dropped. 1500 overtakes
    // 2000 and 2500 within the window (those two count as reordered), 500 is too late (skipped).
    const r = replay([[1000, 2000, 9_000_000, 2500, 1500, 3000, 500, 4000].map(mk)], {
      outOfOrder: 'reorder',
      reorderWindow: 1000,
    });
    expect((await collect(r)).map((e) => e.ts)).toEqual([1000, 1500, 2000, 2500, 3000, 4000]);
    const s = r.summary();
    expect(s.outOfOrder).toMatchObject({ count: 2, skipped: 2 });
    expect(s.outOfOrder.examples.map((x) => x.ts)).toEqual([9_000_000, 500]);
    expect(s.reordered).toBe(2);
  });

  it('reorder keeps a real jump ahead (a gap) and a jump on the last row', async () => {
    const mk = (ts: number): MarketEvent => ({ type: 'trade', symbol: 'A', ts, price: 1, size: 1, side: 'buy' });
    const r = replay([[1000, 2000, 9_000_000, 9_000_500, 9_000_200, 20_000_000].map(mk)], {
      outOfOrder: 'reorder',
      reorderWindow: 1000,
    });
    expect((await collect(r)).map((e) => e.ts)).toEqual([1000, 2000, 9_000_000, 9_000_200, 9_000_500, 20_000_000]);
    expect(r.summary()).toMatchObject({ reordered: 1, outOfOrder: { count: 0 } });
  });

  it('the outlier is dropped even when it is the last row of a read batch', async () => {
    // Events straight from memory, batches of 4096: the outlier is the last event of batch one.
    const ev = sampleTrades(6000, 23);
    const copy = ev.map((e) => ({ ...e }));
    (copy[4095] as TradeEvent).ts += 86_400_000_000;
    const r = replay([copy], { outOfOrder: 'skip' });
    expect(await collect(r)).toStrictEqual(ev.filter((_, i) => i !== 4095));
  });
});

describe('an unclosed quote', () => {
  const events = sampleTrades(3000, 24);
  const lines = ['ts,symbol,price,size,side,id', ...events.map(tradeLine)];
  lines[501] = `${(events[500] as TradeEvent).ts},MNQ,1,1,buy,"t500 never closed`;
  const f = join(dir, 'quote.csv');
  writeFileSync(f, `${lines.join('\n')}\n`);

  it('loses only its own row: the rest of the file arrives and the loss is counted', async () => {
    const r = replay(f, { malformed: 'skip' });
    const got = await collect(r);
    expect(got).toStrictEqual(events.filter((_, i) => i !== 500));
    expect(r.summary().malformed).toMatchObject({ count: 1, skipped: 1 });
    expect(r.summary().malformed.examples[0]).toMatchObject({ line: 502 });
  });

  it('error names the line of the open quote', async () => {
    const err = await failure(collect(openSource(f)));
    expect(err).toMatchObject({ code: 'REPLAY_MALFORMED_ROW', details: { line: 502 } });
    expect(err.message).toMatch(/quote/);
  });

  it('a quoted field may span up to maxFieldLines lines (configurable)', async () => {
    const g = join(dir, 'multi.csv');
    writeFileSync(g, `ts,symbol,status,reason\n1000,A,halt,"a\nb\nc\nd"\n2000,A,open,\n`);
    expect(await collect(openSource(g, { ts: 'us' }))).toHaveLength(2);
    const r = replay(g, { ts: 'us', maxFieldLines: 2, malformed: 'skip' });
    expect((await collect(r)).map((e) => e.ts)).toEqual([2000]);
    // The row with the long field, and the three lines it dragged along that are no rows.
    expect(r.summary().malformed.count).toBeGreaterThanOrEqual(1);
  });
});

describe('counting', () => {
  it('reordered counts each moved event once, and never one that was skipped', async () => {
    const mk = (ts: number): MarketEvent => ({ type: 'trade', symbol: 'A', ts, price: 1, size: 1, side: 'buy' });
    // 1500 moves back within the window (reordered); 500 is too late (skipped, not reordered).
    const r = replay([[1000, 2000, 1500, 3000, 500, 4000].map(mk)], { outOfOrder: 'reorder', reorderWindow: 600 });
    expect((await collect(r)).map((e) => e.ts)).toEqual([1000, 1500, 2000, 3000, 4000]);
    expect(r.summary()).toMatchObject({ reordered: 1, outOfOrder: { count: 1, skipped: 1 } });
  });

  it('blank lines are counted', async () => {
    const f = join(dir, 'blank.csv');
    writeFileSync(f, 'ts,symbol,price,size,side,id\n1000,A,1,1,buy,\n\n\r\n2000,A,1,1,buy,\n');
    const r = replay(f, { ts: 'us' });
    expect(await collect(r)).toHaveLength(2);
    expect(r.summary().blankLines).toBe(2);
    const j = join(dir, 'blank.jsonl');
    writeFileSync(j, '\n{"type":"trade","symbol":"A","ts":1000,"price":1,"size":1,"side":"buy"}\n\n');
    const rj = replay(j, { ts: 'us' });
    expect(await collect(rj)).toHaveLength(1);
    expect(rj.summary().blankLines).toBe(2);
  });

  it('an empty file reports the gap threshold in force', async () => {
    const f = join(dir, 'empty2.csv');
    writeFileSync(f, '');
    const r = replay(f, { gapThreshold: '1m' });
    expect(await collect(r)).toEqual([]);
    expect(r.summary().gaps.thresholdUs).toBe(60_000_000);
  });
});

describe('canonical CSV round trip of book events', () => {
  it('two book_delta events with the same ts and symbol read back as two', async () => {
    const ev: MarketEvent[] = [
      { type: 'book_snapshot', symbol: 'A', ts: 1000, bids: [{ price: 1, size: 1 }], asks: [{ price: 2, size: 1 }] },
      { type: 'book_delta', symbol: 'A', ts: 2000, bids: [{ price: 1, size: 2 }], asks: [] },
      { type: 'book_delta', symbol: 'A', ts: 2000, bids: [], asks: [{ price: 2, size: 0 }] },
      { type: 'book_delta', symbol: 'A', ts: 2000, bids: [], asks: [] },
      { type: 'book_delta', symbol: 'A', ts: 2000, bids: [{ price: 1.5, size: 3 }], asks: [] },
      { type: 'book_snapshot', symbol: 'A', ts: 3000, bids: [], asks: [] },
      { type: 'book_snapshot', symbol: 'A', ts: 3000, bids: [], asks: [{ price: 2, size: 4 }] },
    ];
    for (const ext of ['csv', 'csv.gz']) {
      const f = join(dir, `book-same-ts.${ext}`);
      await writeEvents(f, ev);
      expect(await collect(openSource(f, { ts: 'us' }))).toStrictEqual(ev);
    }
  });
});

describe('exactness (section 1.6)', () => {
  it('JSONL 19-digit nanosecond numbers read exactly, like CSV', async () => {
    const f = join(dir, 'ns.jsonl');
    writeFileSync(
      f,
      '{"type":"trade","symbol":"A","ts":1704205800123456789,"price":1,"size":1,"side":"buy"}\n' +
        '{"type":"trade","symbol":"A","ts":1704205800123457999,"price":1,"size":1,"side":"buy"}\n',
    );
    expect((await collect(openSource(f))).map((e) => e.ts)).toEqual([1704205800123456, 1704205800123457]);
  });

  it('a UTF-8 BOM on a headerless plain CSV is ignored (as in the gzipped file)', async () => {
    const body = '\ufeff1704205800000000,A,1,1,buy,\n1704205800000001,A,1,1,sell,\n';
    for (const ext of ['csv', 'csv.gz']) {
      const f = join(dir, `bom.${ext}`);
      writeFileSync(f, ext.endsWith('gz') ? gzipSync(body) : body);
      const got = await collect(openSource(f, { kind: 'trade' }));
      expect(got.map((e) => e.ts)).toEqual([1704205800000000, 1704205800000001]);
    }
  });

  it('a headerless file mapped by index alone reads (header: false, columns by index)', async () => {
    const f = join(dir, 'idx.csv');
    writeFileSync(f, '1704205800000000,100.25,3\n1704205800000500,100.5,1\n');
    const got = await collect(openSource(f, { header: false, symbol: 'X', columns: { ts: 0, price: 1, size: 2 } }));
    expect(got).toStrictEqual([
      { type: 'trade', symbol: 'X', ts: 1704205800000000, price: 100.25, size: 3, side: 'unknown' },
      { type: 'trade', symbol: 'X', ts: 1704205800000500, price: 100.5, size: 1, side: 'unknown' },
    ]);
  });

  it('RFC 1123 / HTTP-date timestamps read in CSV (quoted, they hold a comma) and JSONL', async () => {
    const f = join(dir, 'http.csv');
    writeFileSync(
      f,
      'ts,symbol,price,size,side,id\n"Tue, 02 Jan 2024 14:30:00 GMT",A,1,1,buy,\n"Tue, 02 Jan 2024 14:30:01 GMT",A,2,1,sell,\n',
    );
    expect((await collect(openSource(f))).map((e) => e.ts)).toEqual([1704205800000000, 1704205801000000]);
    const j = join(dir, 'http.jsonl');
    writeFileSync(
      j,
      '{"type":"trade","symbol":"A","ts":"Tue, 02 Jan 2024 14:30:00 GMT","price":1,"size":1,"side":"buy"}\n',
    );
    expect((await collect(openSource(j))).map((e) => e.ts)).toEqual([1704205800000000]);
  });
});

describe('Parquet rows off the column fast path', () => {
  it('unusual values take the general row path: converted, or counted as malformed with their row', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const f = join(dir, 'odd.parquet');
    const ts = [1000n, 2000n, 3000n, 4000n, 5000n];
    writeFileSync(
      f,
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'ts', data: BigInt64Array.from(ts), type: 'INT64' },
            { name: 'symbol', data: ['A', 'A', '', 'A', 'A'], type: 'STRING' },
            { name: 'price', data: Float64Array.from([1, 2, 3, Number.NaN, 5]), type: 'DOUBLE' },
            { name: 'size', data: Float64Array.from([1, 1, 1, 1, 1]), type: 'DOUBLE' },
            { name: 'side', data: ['B', 'sell', 'buy', 'buy', 'bogus'], type: 'STRING' },
          ],
        }),
      ),
    );
    const r = replay(f, { malformed: 'skip', ts: 'us' });
    expect(await collect(r)).toStrictEqual([
      { type: 'trade', symbol: 'A', ts: 1000, price: 1, size: 1, side: 'buy' },
      { type: 'trade', symbol: 'A', ts: 2000, price: 2, size: 1, side: 'sell' },
    ]);
    const m = r.summary().malformed;
    expect(m.count).toBe(3);
    expect(m.examples.map((e) => [e.line, e.column])).toEqual([
      [3, 'symbol'],
      [4, 'price'],
      [5, 'side'],
    ]);
  });
});
