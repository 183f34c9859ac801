import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type MarketEvent, VirtualClock, csvHeader, eventToJsonLine, isOnGrid, jsonToEvent } from '@tradekit/types';
import { afterAll, describe, expect, it } from 'vitest';
import { createMarket } from './market.js';
import { correlation } from './realism.js';

const GOLDEN = {
  seed: 42,
  duration: '10m',
  symbols: ['MNQ', 'BTC-USD'],
  correlation: [
    [1, 0.7],
    [0.7, 1],
  ],
  book: { levels: 5 },
} as const;

/**
 * Hash of the canonical JSONL of GOLDEN. It changes whenever the generator changes on purpose
 * (then update it and say so in the commit); any other change means determinism broke.
 */
const GOLDEN_SHA256 = '83a4e848005a9de5f13291db85431065327efc73dde8f12c4177aa2454ffac5c';

function sha(events: Iterable<MarketEvent>): string {
  const h = createHash('sha256');
  for (const e of events) h.update(`${eventToJsonLine(e)}\n`);
  return h.digest('hex');
}

const dir = mkdtempSync(join(tmpdir(), 'market-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createMarket', () => {
  it('is deterministic: same seed and config → byte-identical JSONL (golden hash)', async () => {
    const cfg = { ...GOLDEN, correlation: GOLDEN.correlation.map((r) => [...r]), symbols: [...GOLDEN.symbols] };
    const a = sha(createMarket(cfg));
    const b = sha(createMarket(cfg));
    expect(a).toBe(b);
    expect(a).toBe(GOLDEN_SHA256);
    const file = join(dir, 'golden.jsonl');
    await createMarket(cfg).writeJsonl(file);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(GOLDEN_SHA256);
  });

  it('a different seed gives different output', () => {
    const cfg = { duration: '5m', symbols: ['MNQ'] };
    expect(sha(createMarket({ ...cfg, seed: 1 }))).not.toBe(sha(createMarket({ ...cfg, seed: 2 })));
  });

  it('adding a symbol does not change another symbol’s stream (forked RNG streams)', () => {
    const only = createMarket({ seed: 5, duration: '2m', symbols: ['MNQ'] });
    const both = createMarket({ seed: 5, duration: '2m', symbols: ['MNQ', 'ES'] });
    expect(sha([...both].filter((e) => e.symbol === 'MNQ'))).toBe(sha(only));
  });

  it('merges symbols into one time-ordered stream, prices on the grid', () => {
    const m = createMarket({ seed: 3, duration: '10m', symbols: ['MNQ', 'ES', 'BTC-USD'] });
    let last = -Infinity;
    const seen = new Set<string>();
    for (const e of m) {
      expect(e.ts).toBeGreaterThanOrEqual(last);
      last = e.ts;
      seen.add(e.symbol);
      const inst = m.instruments.find((i) => i.symbol === e.symbol)!;
      if (e.type === 'trade') expect(isOnGrid(inst, e.price)).toBe(true);
      if (e.type === 'quote') expect(isOnGrid(inst, e.bid) && isOnGrid(inst, e.ask)).toBe(true);
    }
    expect([...seen].sort()).toEqual(['BTC-USD', 'ES', 'MNQ']);
  });

  it('correlates symbols as configured (1-minute returns)', () => {
    const m = createMarket({
      seed: 9,
      duration: '2d',
      symbols: [
        { symbol: 'ES', microstructure: { seasonality: false } },
        { symbol: 'NQ', microstructure: { seasonality: false } },
      ],
      preset: 'gbm',
      correlation: [
        [1, 0.8],
        [0.8, 1],
      ],
    });
    const mids: Record<string, number[]> = { ES: [], NQ: [] };
    const cur: Record<string, number> = {};
    let bucket = Number.NaN;
    for (const e of m) {
      if (e.type !== 'quote') continue;
      const b = Math.floor(e.ts / 60_000_000);
      if (b !== bucket) {
        if (cur.ES && cur.NQ) {
          mids.ES!.push(cur.ES);
          mids.NQ!.push(cur.NQ);
        }
        bucket = b;
      }
      cur[e.symbol] = (e.bid + e.ask) / 2;
    }
    const ret = (x: number[]) => x.slice(1).map((v, i) => Math.log(v / x[i]!));
    const rho = correlation(ret(mids.ES!), ret(mids.NQ!));
    expect(rho).toBeGreaterThan(0.7);
    expect(rho).toBeLessThan(0.9);
  });

  it('take(n) returns the first n events; maxEvents stops the iterator', () => {
    const m = createMarket({ seed: 1, duration: '1h' });
    const first = m.take(100);
    expect(first).toHaveLength(100);
    expect(first[0]).toMatchObject({ type: 'status', status: 'open' });
    expect([...createMarket({ seed: 1, duration: '1h', maxEvents: 100 })]).toEqual(first);
  });

  it('emits a book snapshot first, then deltas, when the book is on', () => {
    const events = createMarket({ seed: 1, duration: '1m', book: { levels: 10 } }).take(200);
    const snap = events.find((e) => e.type === 'book_snapshot');
    expect(snap).toBeDefined();
    expect(events.findIndex((e) => e.type === 'book_snapshot')).toBeLessThan(
      events.findIndex((e) => e.type === 'book_delta'),
    );
    if (snap?.type === 'book_snapshot') {
      expect(snap.bids).toHaveLength(10);
      expect(snap.asks).toHaveLength(10);
    }
  });

  it('gives every book event of a symbol its own timestamp, keeping the merged stream ordered', () => {
    const m = createMarket({ seed: 12, duration: '30m', symbols: ['MNQ', 'ES'], book: { levels: 10 } });
    const lastBook: Record<string, number> = {};
    let last = -Infinity;
    for (const e of m) {
      expect(e.ts).toBeGreaterThanOrEqual(last);
      last = e.ts;
      if (e.type === 'book_delta' || e.type === 'book_snapshot') {
        expect(e.ts).toBeGreaterThan(lastBook[e.symbol] ?? -Infinity);
        lastBook[e.symbol] = e.ts;
      }
    }
  });

  it('seasonality makes the open and close busier than midday (U-shape)', () => {
    const m = createMarket({
      seed: 3,
      duration: '1d',
      symbols: [{ symbol: 'ES', microstructure: { seasonality: { amplitude: 1, open: '14:30', close: '21:00' } } }],
    });
    const perHour = new Array<number>(24).fill(0);
    for (const e of m) if (e.type === 'trade') perHour[new Date(e.ts / 1000).getUTCHours()]! += 1;
    const open = perHour[14]!;
    const midday = perHour[17]!;
    const close = perHour[20]!;
    expect(open).toBeGreaterThan(1.5 * midday);
    expect(close).toBeGreaterThan(1.5 * midday);
  });

  it('trade sizes are heavy-tailed and both aggressor sides trade', () => {
    const sizes: number[] = [];
    const sides = { buy: 0, sell: 0, unknown: 0 };
    for (const e of createMarket({ seed: 8, duration: '6h', book: { levels: 10 } })) {
      if (e.type !== 'trade') continue;
      sizes.push(e.size);
      sides[e.side]++;
    }
    sizes.sort((a, b) => a - b);
    const median = sizes[Math.floor(sizes.length / 2)]!;
    const p999 = sizes[Math.floor(sizes.length * 0.999)]!;
    expect(p999 / median).toBeGreaterThan(20);
    expect(sides.buy / (sides.buy + sides.sell)).toBeGreaterThan(0.4);
    expect(sides.sell / (sides.buy + sides.sell)).toBeGreaterThan(0.4);
  });

  it('trades cluster in time (Hawkes): inter-arrival times are over-dispersed', () => {
    const gaps: number[] = [];
    let last = Number.NaN;
    for (const e of createMarket({
      seed: 2,
      duration: '6h',
      symbols: [{ symbol: 'MNQ', microstructure: { seasonality: false } }],
    })) {
      if (e.type !== 'trade') continue;
      if (!Number.isNaN(last) && e.ts !== last) gaps.push(e.ts - last);
      last = e.ts;
    }
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length);
    // Poisson arrivals give a coefficient of variation of 1.
    expect(sd / mean).toBeGreaterThan(1.2);
  });

  it('stream() under a VirtualClock advances virtual time to each event instead of sleeping', async () => {
    const m = createMarket({ seed: 1, duration: '10m' });
    const clock = new VirtualClock({ start: m.config.start });
    let n = 0;
    for await (const e of m.stream({ clock })) {
      expect(clock.now()).toBe(e.ts);
      if (++n === 500) break;
    }
    expect(clock.now()).toBeGreaterThan(m.config.start);
  });

  it('stream() at speed 60 maps one market minute onto one clock second', async () => {
    const m = createMarket({ seed: 1, duration: '3m' });
    const clock = new VirtualClock({ start: 0 });
    let lastEvent: MarketEvent | undefined;
    for await (const e of m.stream({ clock, speed: 60 })) lastEvent = e;
    expect(lastEvent).toBeDefined();
    expect(clock.now()).toBe(Math.round((lastEvent!.ts - m.config.start) / 60));
    expect(clock.now()).toBeLessThanOrEqual(3_000_000);
  });

  it('bars() aggregates trades into bars stamped at close', () => {
    const m = createMarket({ seed: 4, duration: '30m' });
    const bars = [...m.bars('1m')];
    expect(bars.length).toBeGreaterThan(25);
    const trades = [...m].filter((e) => e.type === 'trade');
    const b0 = bars[0]!;
    expect(b0.ts - b0.start).toBe(60_000_000);
    const inFirst = trades.filter((t) => t.ts >= b0.start && t.ts < b0.ts);
    expect(b0.open).toBe(inFirst[0]!.price);
    expect(b0.close).toBe(inFirst.at(-1)!.price);
    expect(b0.high).toBe(Math.max(...inFirst.map((t) => t.price)));
    expect(b0.trades).toBe(inFirst.length);
    for (let i = 1; i < bars.length; i++) expect(bars[i]!.ts).toBeGreaterThan(bars[i - 1]!.ts);
  });

  it('writeJsonl streams canonical lines that read back as the same events', async () => {
    const m = createMarket({ seed: 6, duration: '2m', book: { levels: 3 } });
    const file = join(dir, 'out.jsonl');
    const summary = await m.writeJsonl(file);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(summary.events);
    const events = [...m];
    expect(lines.map((l) => jsonToEvent(JSON.parse(l)))).toEqual(events);
    const sink = new PassThrough();
    let text = '';
    sink.on('data', (c) => {
      text += c;
    });
    await m.writeJsonl(sink);
    expect(text).toBe(readFileSync(file, 'utf8'));
  });

  it('writeCsv writes one canonical file per kind', async () => {
    const m = createMarket({ seed: 6, duration: '2m', book: { levels: 3 } });
    const summary = await m.writeCsv(join(dir, 'ticks.csv'));
    expect(summary.files.map((f) => f.slice(dir.length + 1)).sort()).toEqual([
      'ticks.book.csv',
      'ticks.quote.csv',
      'ticks.status.csv',
      'ticks.trade.csv',
    ]);
    const trades = readFileSync(join(dir, 'ticks.trade.csv'), 'utf8').trimEnd().split('\n');
    expect(trades[0]).toBe(csvHeader('trade'));
    expect(trades.length - 1).toBe([...m].filter((e) => e.type === 'trade').length);
    const one = await m.writeCsv(join(dir, 'q.csv'), { kind: 'quote' });
    expect(one.files).toEqual([join(dir, 'q.csv')]);
  });
});

describe('trading sessions of the instrument', () => {
  // 14:30–21:00 UTC on weekdays; 2024-01-02 is a Tuesday.
  const sessions = [{ open: '14:30', close: '21:00', days: [1, 2, 3, 4, 5] }];
  const run = (start: string | number, step?: string) =>
    createMarket({
      seed: 3,
      start,
      duration: '8h',
      ...(step ? { step } : {}),
      symbols: [{ symbol: 'ES', instrument: { sessions } }],
    }).take(10_000_000);

  it('trades only inside sessions, with status events at the open and exactly at the close', () => {
    const events = run('2024-01-02T14:00:00Z');
    const open = Date.UTC(2024, 0, 2, 14, 30) * 1000;
    const close = Date.UTC(2024, 0, 2, 21, 0) * 1000;
    const market = events.filter((e) => e.type !== 'status');
    expect(market.length).toBeGreaterThan(1000);
    expect(market.every((e) => e.ts >= open && e.ts < close)).toBe(true);
    const status = events.filter((e) => e.type === 'status').map((e) => [e.ts, e.status, e.reason]);
    expect(status).toEqual([
      [Date.UTC(2024, 0, 2, 14, 0) * 1000, 'close', 'session closed'],
      [open, 'open', 'session open'],
      [close, 'close', 'session closed'],
    ]);
    // Events stay in time order around the transitions.
    for (let i = 1; i < events.length; i++) expect(events[i]!.ts).toBeGreaterThanOrEqual(events[i - 1]!.ts);
  });

  it('stops at the close exactly even when steps do not line up with it', () => {
    const close = Date.UTC(2024, 0, 2, 21, 0) * 1000;
    const events = run(Date.UTC(2024, 0, 2, 14, 0) * 1000 + 333_333, '7s');
    const last = events.filter((e) => e.type !== 'status').at(-1)!;
    expect(last.ts).toBeLessThan(close);
    expect(events.find((e) => e.type === 'status' && e.status === 'close' && e.ts === close)).toBeDefined();
  });

  it('puts the intraday U-shape of activity on the session when seasonality gives no open', () => {
    // 09:30–16:00 New York (UTC−5 in January) = 14:30–21:00 UTC.
    const events = createMarket({
      seed: 4,
      start: '2024-01-02T14:30:00Z',
      duration: '390m',
      symbols: [
        {
          symbol: 'ES',
          instrument: { sessions: [{ open: '09:30', close: '16:00', utcOffsetMinutes: -300 }] },
          microstructure: { seasonality: { amplitude: 1 } },
        },
      ],
    }).take(10_000_000);
    const open = Date.UTC(2024, 0, 2, 14, 30) * 1000;
    const trades = (fromMin: number, toMin: number) =>
      events.filter((e) => e.type === 'trade' && e.ts >= open + fromMin * 60e6 && e.ts < open + toMin * 60e6).length;
    const first = trades(0, 30);
    const midday = trades(180, 210);
    const last = trades(360, 390);
    // U-shape with amplitude 1: about 2× the mean rate at the open and close, 0.5× at midday.
    expect(first).toBeGreaterThan(2 * midday);
    expect(last).toBeGreaterThan(2 * midday);
  });

  it('is closed all weekend', () => {
    // Saturday 2024-01-06.
    const events = run('2024-01-06T14:00:00Z');
    expect(events.filter((e) => e.type !== 'status')).toEqual([]);
  });
});
