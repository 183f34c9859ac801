import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type MarketEvent, VirtualClock, isTradeKitError, jsonToEvent } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { recordSession } from './recorder.js';
import { createFeedServer } from './server.js';
import { GatedSource } from './test-client.js';

const t0 = 1_700_000_000_000_000;
const session: MarketEvent[] = [
  { type: 'status', symbol: 'MNQ', ts: t0, status: 'open' },
  {
    type: 'book_snapshot',
    symbol: 'MNQ',
    ts: t0 + 1,
    bids: [{ price: 17000, size: 3 }],
    asks: [{ price: 17000.25, size: 4 }],
  },
  { type: 'quote', symbol: 'MNQ', ts: t0 + 2, bid: 17000, bidSize: 3, ask: 17000.25, askSize: 4 },
  { type: 'trade', symbol: 'MNQ', ts: t0 + 3, price: 17000.25, size: 1, side: 'buy', id: 'x1' },
  { type: 'book_delta', symbol: 'MNQ', ts: t0 + 3, bids: [], asks: [{ price: 17000.25, size: 3 }] },
  { type: 'quote', symbol: 'ES', ts: t0 + 4, bid: 5000, bidSize: 10, ask: 5000.25, askSize: 12 },
  {
    type: 'bar',
    symbol: 'MNQ',
    ts: t0 + 60_000_000,
    start: t0,
    timeframe: '1m',
    open: 17000,
    high: 17000.25,
    low: 17000,
    close: 17000.25,
    volume: 1,
    trades: 1,
  },
  { type: 'quote', symbol: 'NQ', ts: t0 + 60_000_001, bid: 1, bidSize: 1, ask: 2, askSize: 1 },
];

describe('recordSession', () => {
  it('writes what the feed served as canonical JSONL that parses back to the same events', async () => {
    const src = new GatedSource<MarketEvent>();
    await using server = await createFeedServer({ source: src, clock: new VirtualClock() });
    const dir = mkdtempSync(join(tmpdir(), 'ws-rec-'));
    const file = join(dir, 'session.jsonl');
    const rec = recordSession({ url: server.url, subscribe: ['MNQ', 'ES'], out: file });
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (server.stats().subscriptions > 0) {
          clearInterval(t);
          resolve();
        }
      }, 5);
    });
    // Subscribed before any event: the snapshots are empty, so the file is exactly the stream.
    await src.push(...session);
    src.end();
    const summary = await rec.done;
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const back = lines.map((l, i) => jsonToEvent(JSON.parse(l), { file, line: i + 1 }));
    const expected = session.filter((e) => e.symbol !== 'NQ');
    expect(back).toEqual(expected);
    expect(summary).toEqual({ events: expected.length, gaps: 0, connections: 1 });
  });

  it('starts a late recording from the snapshot state and stops at maxEvents', async () => {
    const src = new GatedSource<MarketEvent>();
    await using server = await createFeedServer({ source: src, clock: new VirtualClock() });
    await src.push(...session.slice(0, 5));
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c) => chunks.push(String(c)));
    const rec = recordSession({ url: server.url, subscribe: ['MNQ'], out, maxEvents: 5 });
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (server.stats().subscriptions > 0) {
          clearInterval(t);
          resolve();
        }
      }, 5);
    });
    await src.push(...session.slice(5));
    const summary = await rec.done;
    const back = chunks
      .join('')
      .trimEnd()
      .split('\n')
      .map((l) => jsonToEvent(JSON.parse(l)));
    // status, quote, folded book, trade from the snapshot (by time), then the live bar.
    expect(back.map((e) => e.type)).toEqual(['status', 'quote', 'book_snapshot', 'trade', 'bar']);
    expect(back[2]).toEqual({
      type: 'book_snapshot',
      symbol: 'MNQ',
      ts: t0 + 3,
      bids: [{ price: 17000, size: 3 }],
      asks: [{ price: 17000.25, size: 3 }],
    });
    expect(summary.events).toBe(5);
  });

  it('rejects an empty symbol list', () => {
    try {
      recordSession({ url: 'ws://127.0.0.1:1', subscribe: [], out: new PassThrough() });
      expect.unreachable();
    } catch (e) {
      expect(isTradeKitError(e) && e.code).toBe('WS_RECORD_INVALID_OPTION');
    }
  });
});
