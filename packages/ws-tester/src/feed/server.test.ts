import { type MarketEvent, type QuoteEvent, VirtualClock, isTradeKitError } from '@tradekit/types';
import { afterEach, describe, expect, it } from 'vitest';
import { connectFeed } from './client.js';
import { type FeedServer, createFeedServer } from './server.js';
import { GatedSource, openClient } from './test-client.js';

const quote = (symbol: string, i: number): QuoteEvent => ({
  type: 'quote',
  symbol,
  ts: 1_700_000_000_000_000 + i * 1_000,
  bid: 100 + i * 0.25,
  bidSize: 1 + i,
  ask: 100.25 + i * 0.25,
  askSize: 2 + i,
});

const servers: FeedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function feed(opts: Parameters<typeof createFeedServer>[0]): Promise<FeedServer> {
  const s = await createFeedServer({ port: 0, ...opts });
  servers.push(s);
  return s;
}
const updates = (ms: Array<Record<string, unknown>>) => ms.filter((m) => m.op === 'update');
const seqsOf = (ms: Array<Record<string, unknown>>) => updates(ms).map((m) => m.seq);

describe('createFeedServer', () => {
  it('sends a snapshot per symbol, then sequenced updates of subscribed symbols only', async () => {
    const src = new GatedSource<MarketEvent>();
    const server = await feed({ source: src, clock: new VirtualClock({ start: 5 }) });
    await src.push(quote('A', 0), quote('B', 0));
    const c = await openClient(server.url);
    c.send({ op: 'subscribe', symbols: ['A'], id: 7 });
    await c.waitFor((m) => m.some((x) => x.op === 'snapshot'));
    expect(c.messages[0]).toEqual({ op: 'subscribed', symbols: ['A'], id: 7 });
    expect(c.messages[1]).toMatchObject({ op: 'snapshot', symbol: 'A', seq: 1, quote: quote('A', 0), book: null });
    await src.push(quote('A', 1), quote('B', 1), quote('A', 2));
    await c.waitFor((m) => updates(m).length === 2);
    expect(updates(c.messages).map((m) => [m.seq, (m.event as MarketEvent).symbol])).toEqual([
      [2, 'A'],
      [3, 'A'],
    ]);
    // Speed 1 on a virtual clock: sent = clock start + (event ts − first event ts).
    expect(updates(c.messages)[0]).toEqual({ op: 'update', seq: 2, sent: 5 + 1_000, event: quote('A', 1) });
    expect(server.seq('B')).toBe(2);
    c.send({ op: 'unsubscribe', symbols: ['A'] });
    await c.waitFor((m) => m.some((x) => x.op === 'unsubscribed'));
    await src.push(quote('A', 3));
    c.send({ op: 'ping', id: 'p' });
    await c.waitFor((m) => m.some((x) => x.op === 'pong'));
    expect(updates(c.messages)).toHaveLength(2);
    c.ws.close();
  });

  it('folds book snapshots and deltas into the snapshot a late subscriber gets', async () => {
    const t = 1_700_000_000_000_000;
    const events: MarketEvent[] = [
      {
        type: 'book_snapshot',
        symbol: 'X',
        ts: t,
        bids: [
          { price: 10, size: 1 },
          { price: 9, size: 2 },
        ],
        asks: [{ price: 11, size: 3 }],
      },
      {
        type: 'book_delta',
        symbol: 'X',
        ts: t + 1,
        bids: [
          { price: 10, size: 0 },
          { price: 9.5, size: 4 },
        ],
        asks: [{ price: 10.5, size: 1 }],
      },
      { type: 'trade', symbol: 'X', ts: t + 2, price: 10.5, size: 1, side: 'buy', id: 't1' },
      { type: 'status', symbol: 'X', ts: t + 3, status: 'halt', reason: 'news' },
    ];
    const server = await feed({ source: events, clock: new VirtualClock() });
    await server.done;
    const c = await openClient(server.url);
    c.send({ op: 'subscribe', symbols: ['X'] });
    await c.waitFor((m) => m.some((x) => x.op === 'snapshot'));
    const snap = c.messages.find((x) => x.op === 'snapshot');
    expect(snap).toEqual({
      op: 'snapshot',
      symbol: 'X',
      seq: 4,
      quote: null,
      bar: null,
      book: {
        type: 'book_snapshot',
        symbol: 'X',
        ts: t + 1,
        bids: [
          { price: 9.5, size: 4 },
          { price: 9, size: 2 },
        ],
        asks: [
          { price: 10.5, size: 1 },
          { price: 11, size: 3 },
        ],
      },
      trade: events[2],
      status: events[3],
    });
    c.ws.close();
  });

  it('lets a reconnecting client resume from its next sequence number with none lost', async () => {
    const src = new GatedSource<MarketEvent>();
    const server = await feed({ source: src, clock: new VirtualClock(), history: 100 });
    const a = await openClient(server.url);
    a.send({ op: 'subscribe', symbols: ['A'] });
    await a.waitFor((m) => m.some((x) => x.op === 'snapshot'));
    await src.push(...[1, 2, 3, 4, 5].map((i) => quote('A', i)));
    await a.waitFor((m) => updates(m).length === 5);
    a.ws.terminate();
    await a.closed;
    // Published while the client is away.
    await src.push(...[6, 7, 8].map((i) => quote('A', i)));
    const last = updates(a.messages).at(-1)?.seq as number;
    const b = await openClient(server.url);
    b.send({ op: 'subscribe', symbols: ['A'], fromSeq: last + 1 });
    await b.waitFor((m) => updates(m).length === 3);
    expect(b.messages.some((x) => x.op === 'snapshot')).toBe(false);
    expect(b.messages.find((x) => x.op === 'resumed')).toEqual({ op: 'resumed', symbol: 'A', fromSeq: 6, seq: 8 });
    await src.push(quote('A', 9));
    await b.waitFor((m) => updates(m).length === 4);
    const all = [...seqsOf(a.messages), ...seqsOf(b.messages)];
    expect(all).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...updates(a.messages), ...updates(b.messages)].map((m) => m.event)).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => quote('A', i)),
    );
    b.ws.close();
  });

  it('answers a resume that arrives after the end with the missed updates, then the end again', async () => {
    const src = new GatedSource<MarketEvent>();
    const server = await feed({ source: src, clock: new VirtualClock(), history: 100 });
    await src.push(...[1, 2, 3, 4].map((i) => quote('A', i)));
    src.end();
    await server.done;
    // A client that had seen seq 2 reconnects after the source ended: the end comes first, on connect.
    const c = await openClient(server.url);
    await c.waitFor((m) => m.some((x) => x.op === 'end'));
    c.send({ op: 'subscribe', symbols: ['A'], fromSeq: 3 });
    await c.waitFor((m) => m.filter((x) => x.op === 'end').length === 2);
    expect(c.messages.map((m) => (m.op === 'update' ? `update ${m.seq}` : m.op))).toEqual([
      'end',
      'subscribed',
      'resumed',
      'update 3',
      'update 4',
      'end',
    ]);
    expect(c.messages.at(-1)).toEqual({ op: 'end', seqs: { A: 4 } });
    c.ws.close();
  });

  it('connectFeed on a feed that already ended gets the snapshot, then finishes', async () => {
    const src = new GatedSource<MarketEvent>();
    const server = await feed({ source: src, clock: new VirtualClock() });
    await src.push(quote('A', 1), quote('A', 2));
    src.end();
    await server.done;
    const snapshots: unknown[] = [];
    const sub = connectFeed({ url: server.url, symbols: ['A'], onSnapshot: (m) => snapshots.push(m) });
    await sub.done;
    expect(snapshots).toEqual([expect.objectContaining({ op: 'snapshot', symbol: 'A', seq: 2, quote: quote('A', 2) })]);
  });

  it('answers a resume it can no longer serve with a fresh snapshot', async () => {
    const events = Array.from({ length: 20 }, (_, i) => quote('A', i));
    const server = await feed({ source: events, clock: new VirtualClock(), history: 5 });
    await server.done;
    const c = await openClient(server.url);
    c.send({ op: 'subscribe', symbols: ['A'], fromSeq: 3 });
    await c.waitFor((m) => m.some((x) => x.op === 'snapshot'));
    expect(c.messages.find((x) => x.op === 'snapshot')).toMatchObject({ seq: 20, quote: events[19] });
    c.send({ op: 'subscribe', symbols: ['A'], fromSeq: { A: 17 } });
    await c.waitFor((m) => updates(m).length === 4);
    expect(seqsOf(c.messages)).toEqual([17, 18, 19, 20]);
    c.ws.close();
  });

  it('keeps the stream whole for connectFeed across abrupt drops', async () => {
    const src = new GatedSource<MarketEvent>();
    const server = await feed({ source: src, clock: new VirtualClock() });
    const got: Array<[number, MarketEvent]> = [];
    let snapshots = 0;
    const sub = connectFeed({
      url: server.url,
      symbols: ['A', 'B'],
      reconnectDelay: 0,
      onEvent: (e, seq) => got.push([seq, e]),
      onSnapshot: () => snapshots++,
    });
    const waitGot = (n: number) =>
      new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (got.length >= n) {
            clearInterval(t);
            resolve();
          }
        }, 5);
      });
    const until = (cond: () => boolean) =>
      new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (cond()) {
            clearInterval(t);
            resolve();
          }
        }, 5);
      });
    await until(() => snapshots === 2);
    const sent: MarketEvent[] = [];
    for (let round = 0; round < 3; round++) {
      const batch = Array.from({ length: 10 }, (_, i) => quote(i % 2 ? 'B' : 'A', round * 10 + i));
      sent.push(...batch);
      await src.push(...batch.slice(0, 5));
      await waitGot(sent.length - 5);
      server.dropClients();
      await src.push(...batch.slice(5)); // published while the client is down
      await until(() => server.stats().clients === 1 && sub.connections === round + 2);
    }
    src.end();
    await sub.done;
    expect(sub.connections).toBe(4);
    expect(sub.gaps).toBe(0);
    expect(snapshots).toBe(2); // every reconnect resumed, none fell back to a snapshot
    // Sequencing is per symbol: after a resume each symbol's missed updates come in order.
    for (const sym of ['A', 'B']) {
      expect(got.filter(([, e]) => e.symbol === sym).map(([, e]) => e)).toEqual(sent.filter((e) => e.symbol === sym));
    }
    const seqA = got.filter(([, e]) => e.symbol === 'A').map(([s]) => s);
    expect(seqA).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });

  it('paces by event time at a speed multiplier on the clock', async () => {
    const clock = new VirtualClock({ start: 1_000_000 });
    const t0 = 1_700_000_000_000_000;
    const ts = [0, 1_000, 1_000, 5_000, 20_000];
    const events = ts.map((d, i) => ({ ...quote('A', i), ts: t0 + d }));
    const server = await feed({ source: events, clock, speed: 4, autoStart: false });
    const c = await openClient(server.url);
    c.send({ op: 'subscribe', symbols: ['A'] });
    await c.waitFor((m) => m.some((x) => x.op === 'snapshot'));
    server.start();
    await c.waitFor((m) => m.some((x) => x.op === 'end'));
    expect(updates(c.messages).map((m) => m.sent)).toEqual(ts.map((d) => 1_000_000 + d / 4));
    expect(clock.now()).toBe(1_005_000);
    c.ws.close();
  });

  it('paces at a fixed rate regardless of event time', async () => {
    const clock = new VirtualClock({ start: 0 });
    const events = Array.from({ length: 6 }, (_, i) => quote('A', i));
    const server = await feed({ source: events, clock, rate: 200, autoStart: false });
    const c = await openClient(server.url);
    c.send({ op: 'subscribe', symbols: ['A'] });
    await c.waitFor((m) => m.some((x) => x.op === 'snapshot'));
    server.start();
    await c.waitFor((m) => m.some((x) => x.op === 'end'));
    expect(updates(c.messages).map((m) => m.sent)).toEqual([0, 5_000, 10_000, 15_000, 20_000, 25_000]);
    expect(c.messages.at(-1)).toEqual({ op: 'end', seqs: { A: 6 } });
    c.ws.close();
  });

  it('answers bad frames with a protocol error to that client only and keeps serving everyone', async () => {
    const src = new GatedSource<MarketEvent>();
    const server = await feed({ source: src, clock: new VirtualClock(), maxPayload: 1024 });
    const bad = await openClient(server.url);
    const good = await openClient(server.url);
    good.send({ op: 'subscribe', symbols: ['A'] });
    await good.waitFor((m) => m.some((x) => x.op === 'snapshot'));
    bad.sendRaw('{not json');
    bad.send({ op: 'launch', symbols: ['A'] });
    bad.sendRaw(JSON.stringify({ op: 'subscribe', symbols: ['A'], pad: 'x'.repeat(5000) }));
    bad.sendRaw(Buffer.from([1, 2, 3]));
    bad.send({ op: 'subscribe', symbols: [] });
    bad.send({ op: 'subscribe', symbols: ['A'], fromSeq: -2 });
    bad.send([1, 2]);
    await bad.waitFor((m) => m.length === 7, 'seven errors');
    expect(bad.messages.map((m) => m.code)).toEqual([
      'WS_FEED_INVALID_JSON',
      'WS_FEED_UNKNOWN_OP',
      'WS_FEED_FRAME_TOO_LARGE',
      'WS_FEED_BINARY_FRAME',
      'WS_FEED_INVALID_REQUEST',
      'WS_FEED_INVALID_REQUEST',
      'WS_FEED_INVALID_REQUEST',
    ]);
    expect(bad.messages.every((m) => m.op === 'error' && typeof m.message === 'string')).toBe(true);
    // The bad client is still connected and can subscribe properly now.
    bad.send({ op: 'subscribe', symbols: ['A'] });
    await bad.waitFor((m) => m.some((x) => x.op === 'snapshot'));
    await src.push(quote('A', 1), quote('A', 2));
    await good.waitFor((m) => updates(m).length === 2);
    await bad.waitFor((m) => updates(m).length === 2);
    expect(seqsOf(good.messages)).toEqual([1, 2]);
    expect(good.messages.some((m) => m.op === 'error')).toBe(false);
    expect(server.stats()).toMatchObject({ clients: 2, published: 2, protocolErrors: 7 });
    bad.ws.close();
    good.ws.close();
  });

  it('serves a large synchronous source unpaced to several clients, complete and in order', async () => {
    const n = 5_000;
    const events = Array.from({ length: n }, (_, i) => quote(i % 3 ? 'A' : 'B', i));
    const server = await feed({ source: events, speed: Number.POSITIVE_INFINITY, autoStart: false });
    const clients = await Promise.all([openClient(server.url), openClient(server.url)]);
    for (const c of clients) {
      c.send({ op: 'subscribe', symbols: ['A', 'B'] });
      await c.waitFor((m) => m.filter((x) => x.op === 'snapshot').length === 2);
    }
    server.start();
    for (const c of clients) {
      await c.waitFor((m) => m.some((x) => x.op === 'end'), 'end');
      expect(updates(c.messages).map((m) => m.event)).toEqual(events);
      const seqA = updates(c.messages)
        .filter((m) => (m.event as MarketEvent).symbol === 'A')
        .map((m) => m.seq);
      expect(seqA).toEqual(Array.from({ length: seqA.length }, (_, i) => i + 1));
      c.ws.close();
    }
    expect((await server.done).delivered).toBe(2 * n);
  });

  it('stops a real-time wait at close() instead of holding the process open', async () => {
    const hourApart = [quote('A', 0), { ...quote('A', 1), ts: quote('A', 0).ts + 3_600_000_000 }];
    const server = await createFeedServer({ source: hourApart, speed: 1 });
    const c = await openClient(server.url);
    c.send({ op: 'subscribe', symbols: ['A'] });
    await c.waitFor((m) => m.some((x) => x.op === 'snapshot' && x.seq === 1) || updates(m).length === 1);
    expect(server.seq('A')).toBe(1);
    await server.close();
    const stats = await server.done; // resolves now, not in an hour
    expect(stats.published).toBe(1);
  });

  it('rejects bad options with WS_FEED_INVALID_OPTION', async () => {
    const codeOf = async (p: Promise<unknown>) => {
      try {
        await p;
        return 'ok';
      } catch (e) {
        return isTradeKitError(e) ? e.code : String(e);
      }
    };
    expect(await codeOf(createFeedServer({ source: 5 as never }))).toBe('WS_FEED_INVALID_OPTION');
    expect(await codeOf(createFeedServer({ source: [], speed: 0 }))).toBe('WS_FEED_INVALID_OPTION');
    expect(await codeOf(createFeedServer({ source: [], rate: -1 }))).toBe('WS_FEED_INVALID_OPTION');
  });
});
