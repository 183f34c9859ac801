/**
 * One contract every EventSource implementation passes (the unstorage pattern): the same events
 * through each reader read back equal, seek lands on the first event at or after the target,
 * reads can be repeated, and the report counts what was read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MarketEvent } from '@tradekit/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventSource, fromEvents, openSource, writeEvents } from './index.js';
import { sampleTrades } from './testing/events.js';
import { writeParquetFixture } from './testing/parquet.js';

const dir = mkdtempSync(join(tmpdir(), 'replay-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const events = sampleTrades(12_000, 31);

interface Impl {
  name: string;
  make: () => Promise<EventSource>;
  /** Whether a seek avoids parsing everything before the target. */
  skipsOnSeek: boolean;
}

const impls: Impl[] = [
  {
    name: 'csv',
    make: async () => {
      await writeEvents(join(dir, 'c.csv'), events);
      return openSource(join(dir, 'c.csv'));
    },
    skipsOnSeek: true,
  },
  {
    name: 'csv.gz',
    make: async () => {
      await writeEvents(join(dir, 'c.csv.gz'), events);
      return openSource(join(dir, 'c.csv.gz'));
    },
    skipsOnSeek: false,
  },
  {
    name: 'jsonl',
    make: async () => {
      await writeEvents(join(dir, 'j.jsonl'), events);
      return openSource(join(dir, 'j.jsonl'));
    },
    skipsOnSeek: true,
  },
  {
    name: 'jsonl.gz',
    make: async () => {
      await writeEvents(join(dir, 'j.jsonl.gz'), events);
      return openSource(join(dir, 'j.jsonl.gz'));
    },
    skipsOnSeek: false,
  },
  {
    name: 'parquet',
    make: async () => {
      await writeParquetFixture(join(dir, 'p.parquet'), events, 2000);
      return openSource(join(dir, 'p.parquet'));
    },
    skipsOnSeek: true,
  },
  { name: 'events (array)', make: async () => fromEvents(events), skipsOnSeek: false },
];

async function readAll(src: EventSource, from?: number): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const b of src.batches(from)) out.push(...b);
  return out;
}

describe.each(impls)('EventSource contract: $name', (impl) => {
  let src: EventSource;
  beforeAll(async () => {
    src = await impl.make();
  });

  it('reads every event back equal, in order', async () => {
    expect(await readAll(src)).toStrictEqual(events);
    expect(src.report).toMatchObject({
      events: events.length,
      firstTs: events[0]!.ts,
      lastTs: events[events.length - 1]!.ts,
    });
  });

  it('can be read again, and async-iterated event by event', async () => {
    let n = 0;
    for await (const e of src) {
      expect(e).toStrictEqual(events[n]);
      n++;
    }
    expect(n).toBe(events.length);
  });

  it('seeks to the first event at or after a time', async () => {
    for (const k of [0, 1, 5000, 11_999]) {
      expect(await readAll(src, events[k]!.ts)).toStrictEqual(events.slice(k));
    }
    expect(await readAll(src, events[11_999]!.ts + 1)).toEqual([]);
  });

  it.skipIf(!impl.skipsOnSeek)('a seek does not parse the data before the target', async () => {
    const before = src.report.rows;
    await readAll(src, events[10_000]!.ts);
    expect(src.report.rows - before).toBeLessThan(5000);
  });
});
