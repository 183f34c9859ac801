import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeEvents } from '@tradekit/replay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openData, randomWalkBars, runBacktest, smaCrossStrategy } from '../src/index.js';

const MNQ = { symbol: 'MNQ', tickSize: 0.25, multiplier: 2 };

describe('data sources', () => {
  let dir = '';
  const bars = randomWalkBars({ count: 300, seed: 13 });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bt-data-'));
    await writeEvents(join(dir, 'bars.jsonl'), bars);
    await copyFile(join(dir, 'bars.jsonl'), join(dir, 'bars.data'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('replay files (with reader options passed through) give the same trades as the array', async () => {
    const fromArray = await runBacktest({ strategy: smaCrossStrategy, data: bars, instruments: [MNQ] });
    const fromFile = await runBacktest({
      strategy: smaCrossStrategy,
      data: openData({ files: [join(dir, 'bars.data')], replay: { format: 'jsonl' } }).data,
      instruments: [MNQ],
    });
    expect(fromArray.trades.length).toBeGreaterThan(3);
    expect(fromFile.trades).toEqual(fromArray.trades);
  });

  it('a market-sim config brings its instruments; from/to cut a window', async () => {
    const { data, instruments } = openData({
      market: { symbols: ['MNQ'], seed: 2, duration: '1h' },
      from: '2024-01-02T00:10:00Z',
      to: '2024-01-02T00:20:00Z',
    });
    expect(instruments?.[0]?.symbol).toBe('MNQ');
    const r = await runBacktest({ strategy: { name: 'x', timeframes: ['1m'] }, data, instruments: instruments ?? [] });
    expect(r.metrics.start).toBeGreaterThanOrEqual(Date.UTC(2024, 0, 2, 0, 10) * 1000);
    expect(r.metrics.end).toBeLessThan(Date.UTC(2024, 0, 2, 0, 20) * 1000);
    expect(r.bars).toBe(9); // minutes 10..19 close inside the window except the last
  });

  it('a missing file fails before anything runs', () => {
    expect(() => openData({ files: [join(dir, 'nope.csv')] })).toThrow(/nope\.csv.*no such file/);
  });
});
