import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MarketEvent, type TradeEvent, isTradeKitError } from '@tradekit/types';
import { afterAll, describe, expect, it } from 'vitest';
import { openSource, replay, writeEvents } from './index.js';
import { sampleTrades } from './testing/events.js';

const dir = mkdtempSync(join(tmpdir(), 'replay-checks-'));
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

describe('malformed rows', () => {
  const events = sampleTrades(2000, 11);
  const file = join(dir, 'bad-1234.csv');
  const lines = [
    'ts,symbol,price,size,side,id',
    ...events.map((e) => {
      const t = e as TradeEvent;
      return `${t.ts},${t.symbol},${t.price},${t.size},${t.side},${t.id ?? ''}`;
    }),
  ];
  // Line 1234 of the file (header is line 1) gets a broken price.
  lines[1233] = (lines[1233] as string).replace(/^(\d+,MNQ,)[^,]+/, '$112.3.4');
  writeFileSync(file, `${lines.join('\n')}\n`);

  it('policy error: names the file, line 1234, the column and the row text', async () => {
    const err = await failure(collect(replay(file)));
    expect(isTradeKitError(err)).toBe(true);
    expect(err.code).toBe('REPLAY_MALFORMED_ROW');
    expect(err.message).toContain(`${file}:1234 column 3 (price)`);
    expect(err.message).toContain('got `"12.3.4"` (string)');
    expect(err.message).toContain(lines[1233]);
    expect(err.details).toMatchObject({ file, line: 1234, column: 3, field: 'price' });
  });

  it('policy skip: every good row comes through and the summary counts the bad one', async () => {
    const r = replay(file, { malformed: 'skip' });
    const out = await collect(r);
    expect(out).toStrictEqual([...events.slice(0, 1232), ...events.slice(1233)]);
    const s = r.summary();
    expect(s.malformed.count).toBe(1);
    expect(s.malformed.skipped).toBe(1);
    expect(s.malformed.examples[0]).toMatchObject({ file, line: 1234, column: 3, text: lines[1233] });
    expect(s.emitted).toBe(1999);
  });

  it('JSONL: bad JSON and bad fields name line and column/field', async () => {
    const jl = join(dir, 'bad.jsonl');
    writeFileSync(
      jl,
      [
        '{"type":"trade","symbol":"A","ts":1000,"price":1,"size":1,"side":"buy"}',
        '{"type":"trade","symbol":"A","ts":1001,"price":1,"size":1,"side":"buy"',
        '{"type":"trade","symbol":"A","ts":1002,"price":"x","size":1,"side":"buy"}',
        '{"type":"trade","symbol":"A","ts":1003,"price":2,"size":1,"side":"buy"}',
      ].join('\n'),
    );
    const err = await failure(collect(openSource(jl, { ts: 'us' })));
    expect(err.message).toMatch(/bad\.jsonl:2 column \d+/);
    const r = replay(jl, { malformed: 'skip', ts: 'us' });
    expect((await collect(r)).map((e) => e.ts)).toEqual([1000, 1003]);
    const s = r.summary();
    expect(s.malformed.count).toBe(2);
    expect(s.malformed.examples[1]).toMatchObject({ line: 3, column: 'price' });
  });

  it('a row with a missing column is malformed, naming the missing column', async () => {
    const f = join(dir, 'short.csv');
    writeFileSync(f, 'ts,symbol,price,size,side,id\n1000,A,1,1,buy,\n1001,A,1\n');
    const err = await failure(collect(openSource(f)));
    expect(err.message).toContain('short.csv:3 column 4 (size)');
  });
});

describe('out-of-order timestamps', () => {
  const ev = [1000, 2000, 1500, 3000, 2900, 4000].map(
    (ts, i): MarketEvent => ({ type: 'trade', symbol: 'A', ts, price: i, size: 1, side: 'buy' }),
  );
  const f = join(dir, 'ooo.jsonl');

  it('error (default) names file, line and both times', async () => {
    await writeEvents(f, ev);
    const err = await failure(collect(openSource(f, { ts: 'us' })));
    expect(err).toMatchObject({ code: 'REPLAY_OUT_OF_ORDER', details: { line: 3, value: 1500, previous: 2000 } });
    expect(err.message).toContain(`${f}:3`);
  });

  it('skip drops the late events and counts them', async () => {
    const r = replay(f, { outOfOrder: 'skip', ts: 'us' });
    expect((await collect(r)).map((e) => e.ts)).toEqual([1000, 2000, 3000, 4000]);
    expect(r.summary().outOfOrder).toMatchObject({ count: 2, skipped: 2 });
  });

  it('reorder sorts within the window and skips what is later than the window', async () => {
    const r = replay(f, { outOfOrder: 'reorder', reorderWindow: 600, ts: 'us' });
    expect((await collect(r)).map((e) => e.ts)).toEqual([1000, 1500, 2000, 2900, 3000, 4000]);
    expect(r.summary()).toMatchObject({ reordered: 2, outOfOrder: { count: 0 } });
    // 1500 arrives after 3000: more than the 200 µs window late, so 2000 was already handed on.
    const late = [1000, 2000, 3000, 1500, 4000].map(
      (ts): MarketEvent => ({ type: 'trade', symbol: 'A', ts, price: 1, size: 1, side: 'buy' }),
    );
    const narrow = replay([late], { outOfOrder: 'reorder', reorderWindow: 200 });
    expect((await collect(narrow)).map((e) => e.ts)).toEqual([1000, 2000, 3000, 4000]);
    expect(narrow.summary().outOfOrder.skipped).toBe(1);
  });
});

describe('duplicates, gaps and crossed quotes', () => {
  const q = (ts: number, bid: number, ask: number): MarketEvent => ({
    type: 'quote',
    symbol: 'Q',
    ts,
    bid,
    bidSize: 1,
    ask,
    askSize: 1,
  });
  const ev = [q(1000, 1, 2), q(1000, 1, 2), q(2000, 3, 2), q(90_000_000, 1, 2)];

  it('flags by default and keeps the events; summary lists examples', async () => {
    const r = replay([ev], { gapThreshold: '1m' });
    expect(await collect(r)).toHaveLength(4);
    const s = r.summary();
    expect(s.duplicates).toMatchObject({ count: 1, skipped: 0 });
    expect(s.crossedQuotes).toMatchObject({ count: 1, skipped: 0 });
    expect(s.gaps).toMatchObject({ count: 1, thresholdUs: 60_000_000 });
    expect(s.gaps.examples[0]?.message).toContain('Gap of 1m29.998s for Q');
  });

  it('skip policies drop them; error policies throw with a code', async () => {
    const r = replay([ev], { duplicates: 'skip', crossedQuotes: 'skip' });
    expect((await collect(r)).map((e) => e.ts)).toEqual([1000, 90_000_000]);
    await expect(collect(replay([ev], { duplicates: 'error' }))).rejects.toMatchObject({
      code: 'REPLAY_DUPLICATE_EVENT',
    });
    await expect(collect(replay([ev], { crossedQuotes: 'error' }))).rejects.toMatchObject({
      code: 'REPLAY_CROSSED_QUOTE',
    });
  });

  it('rejects bad policy values with the standard message', () => {
    expect(() => replay([ev], { malformed: 'ignore' as 'skip' })).toThrow(
      "Expected `malformed` to be one of 'error', 'skip', got `\"ignore\"` (string).",
    );
    expect(() => replay([ev], { gapThreshold: 'soon' })).toThrow(/Expected `gapThreshold` to be a duration/);
  });
});
