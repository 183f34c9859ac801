/**
 * The market-hub fan-out writes one pre-built frame to every subscriber: the bytes a client reads
 * must be exactly those ws.send would have framed, for every frame-length form (7-bit, 16-bit,
 * 64-bit lengths), and with a fault script the per-connection fault path still applies.
 */
import type { MarketEvent } from '@tradekit/types';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type Venue, createVenue } from '../src/index.js';
import { MNQ, S, T0, hubClient, login, until } from './helpers.js';

const RS = '\u001e';

function book(levels: number, ts: number): MarketEvent {
  const bids = Array.from({ length: levels }, (_, i) => ({ price: 20000 - i * 0.25, size: 1 + (i % 7) }));
  const asks = Array.from({ length: levels }, (_, i) => ({ price: 20000.25 + i * 0.25, size: 1 + (i % 5) }));
  return { type: 'book_snapshot', symbol: 'MNQ', ts, bids, asks };
}

/** A raw SignalR JSON client that records every text frame after the handshake. */
async function rawClient(
  url: string,
  token: string,
): Promise<{ frames: string[]; invoke: (t: string, ...a: unknown[]) => Promise<void>; ws: WebSocket }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}?access_token=${token}`);
  const frames: string[] = [];
  const waiting = new Map<string, () => void>();
  let id = 0;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('handshake timed out after 5 s')), 5000);
    ws.on('open', () => ws.send(`{"protocol":"json","version":1}${RS}`));
    ws.on('error', reject);
    ws.on('message', (data, binary) => {
      const text = data.toString();
      if (binary) throw new Error('expected text frames');
      if (text === `{}${RS}`) {
        clearTimeout(t);
        resolve();
        return;
      }
      for (const part of text.split(RS).filter(Boolean)) {
        const m = JSON.parse(part);
        if (m.type === 3) waiting.get(m.invocationId)?.();
        else frames.push(part);
      }
    });
  });
  const invoke = (target: string, ...args: unknown[]) =>
    new Promise<void>((resolve, reject) => {
      const invocationId = String(++id);
      const t = setTimeout(() => reject(new Error(`${target} did not complete within 5 s`)), 5000);
      waiting.set(invocationId, () => {
        clearTimeout(t);
        resolve();
      });
      ws.send(`${JSON.stringify({ type: 1, target, arguments: args, invocationId })}${RS}`);
    });
  return { frames, invoke, ws };
}

let venue: Venue | undefined;
afterEach(async () => {
  await venue?.close();
  venue = undefined;
});

describe('market-hub fan-out', () => {
  it.each([
    ['shared frames', true, false, 256],
    ['ws.send per socket', false, false, 256],
    ['through a fault script', true, true, 256],
    // One socket per event-loop turn: the pushes are still queued when the barrier call arrives.
    ['shared frames, sliced', true, false, 1],
    ['ws.send per socket, sliced', false, false, 1],
    ['through a fault script, sliced', true, true, 2],
  ])('%s: every subscriber gets the same events, small to over 64 KiB', async (_name, shared, faults, slice) => {
    const events: MarketEvent[] = [
      { type: 'quote', symbol: 'MNQ', ts: T0, bid: 20000, bidSize: 3, ask: 20000.25, askSize: 4 },
      book(2, T0 + S),
      book(1500, T0 + 2 * S), // > 64 KiB (64-bit length)
      { type: 'quote', symbol: 'MNQ', ts: T0 + 3 * S, bid: 20000.5, bidSize: 3, ask: 20000.75, askSize: 4 },
    ];
    venue = await createVenue({
      instruments: [MNQ],
      source: events,
      projectx: { quoteHeartbeat: 0, fanoutSlice: slice },
      maxPayload: 1 << 20,
      // A rule that never fires still puts every frame through the fault path.
      ...(faults ? { faults: [{ type: 'drop', connections: [1000] }] } : {}),
    } as never);
    (venue.projectx as { sharedFrames: boolean }).sharedFrames = shared;
    const token = await login(venue.url);
    const clients = await Promise.all([0, 1, 2].map(() => rawClient(venue?.marketHubUrl as string, token)));
    for (const c of clients) {
      await c.invoke('SubscribeContractQuotes', MNQ.contractId);
      await c.invoke('SubscribeContractMarketDepth', MNQ.contractId);
    }
    await venue.advance('10s');
    for (const c of clients) await c.invoke('UnsubscribeContractTrades', MNQ.contractId); // barrier
    const first = clients[0]?.frames ?? [];
    // Per event: the quote and its best bid/ask depth entries; each book, its depth and the quote.
    expect(first.map((f) => JSON.parse(f).target)).toEqual([
      'GatewayQuote',
      'GatewayDepth',
      'GatewayDepth',
      'GatewayQuote',
      'GatewayDepth',
      'GatewayQuote',
      'GatewayQuote',
      'GatewayDepth',
    ]);
    expect(Math.max(...first.map((f) => Buffer.byteLength(f)))).toBeGreaterThan(65_536);
    expect(JSON.parse(first[4] as string).arguments[1]).toHaveLength(3001); // reset + 3000 levels
    expect(Math.min(...first.map((f) => Buffer.byteLength(f)))).toBeLessThan(65_536);
    for (const c of clients) expect(c.frames).toEqual(first);
    for (const c of clients) c.ws.terminate();
  });
});

describe('sliced market-hub fan-out', () => {
  const quotes = (n: number): MarketEvent[] =>
    Array.from({ length: n }, (_, i) => ({
      type: 'quote' as const,
      symbol: 'MNQ',
      ts: T0 + i * S,
      bid: 20000 + i * 0.25,
      bidSize: 3,
      ask: 20000.25 + i * 0.25,
      askSize: 4,
    }));
  const bids = (frames: string[]) => frames.map((f) => JSON.parse(f).arguments[1].bestBid);

  it.each([
    ['shared frames', true],
    ['ws.send per socket', false],
  ])(
    '%s: a hub call completes after every push queued before it; each subscriber gets every quote once, in order',
    async (_name, shared) => {
      const n = 300;
      venue = await createVenue({
        instruments: [MNQ],
        source: quotes(n),
        projectx: { quoteHeartbeat: 0, fanoutSlice: 2 },
      });
      (venue.projectx as { sharedFrames: boolean }).sharedFrames = shared;
      const token = await login(venue.url);
      const clients = await Promise.all([0, 1, 2, 3, 4].map(() => rawClient(venue?.marketHubUrl as string, token)));
      for (const c of clients) await c.invoke('SubscribeContractQuotes', MNQ.contractId);
      await venue.advance(`${n}s`);
      // 5 sockets per quote, 2 per turn: the pushes were queued, not written in one go.
      expect(venue.projectx?.fanout.maxPendingSeen).toBeGreaterThan(100);
      // The barrier: each completion must come after all n quotes, whatever the order the calls arrive in.
      const counts = await Promise.all(
        clients.map(async (c) => {
          await c.invoke('UnsubscribeContractTrades', MNQ.contractId);
          return c.frames.length;
        }),
      );
      expect(counts).toEqual([n, n, n, n, n]);
      const expected = quotes(n).map((q) => (q.type === 'quote' ? q.bid : 0));
      for (const c of clients) expect(bids(c.frames)).toEqual(expected);
      expect(venue.projectx?.pushed.GatewayQuote).toBe(5 * n);
      expect(venue.projectx?.fanout.pendingWrites).toBe(0);
      for (const c of clients) c.ws.terminate();
    },
  );

  it.each([
    ['without negotiation', false],
    ['negotiating', true],
  ])(
    'unmodified @microsoft/signalr clients (%s): a call made after the pushes completes after all of them',
    async (_n, negotiate) => {
      const n = 100;
      venue = await createVenue({
        instruments: [MNQ],
        source: quotes(n),
        projectx: { quoteHeartbeat: 0, fanoutSlice: 1 },
      });
      const token = await login(venue.url);
      const conns = [0, 1, 2].map(() => hubClient(venue?.marketHubUrl as string, () => token, negotiate));
      const got = conns.map((c) => {
        const bidsSeen: number[] = [];
        c.on('GatewayQuote', (_id: string, q: { bestBid: number }) => bidsSeen.push(q.bestBid));
        return bidsSeen;
      });
      try {
        await Promise.all(conns.map((c) => c.start()));
        for (const c of conns) await c.invoke('SubscribeContractQuotes', MNQ.contractId);
        await venue.advance(`${n}s`);
        expect(venue.projectx?.fanout.maxPendingSeen).toBeGreaterThan(100);
        const seen = await Promise.all(
          conns.map(async (c, i) => {
            await c.invoke('UnsubscribeContractTrades', MNQ.contractId);
            return (got[i] as number[]).slice();
          }),
        );
        const expected = Array.from({ length: n }, (_, i) => 20000 + i * 0.25);
        for (const s of seen) expect(s).toEqual(expected);
      } finally {
        await Promise.all(conns.map((c) => c.stop()));
      }
    },
  );

  it('a subscribe while pushes are queued answers after them, and its snapshot quote follows its completion', async () => {
    const n = 50;
    venue = await createVenue({
      instruments: [MNQ],
      source: quotes(n),
      projectx: { quoteHeartbeat: 0, fanoutSlice: 1 },
    });
    const token = await login(venue.url);
    const [a, b] = await Promise.all([0, 1].map(() => rawClient(venue?.marketHubUrl as string, token)));
    if (!a || !b) throw new Error('two clients expected');
    await a.invoke('SubscribeContractQuotes', MNQ.contractId);
    await b.invoke('SubscribeContractQuotes', MNQ.contractId);
    await venue.advance(`${n}s`);
    // b subscribes again (idempotent) while its pushes wait: the completion comes after all n,
    // then the snapshot of the current quote.
    await b.invoke('SubscribeContractQuotes', MNQ.contractId);
    expect(b.frames).toHaveLength(n);
    await a.invoke('UnsubscribeContractTrades', MNQ.contractId);
    await b.invoke('UnsubscribeContractTrades', MNQ.contractId);
    expect(a.frames).toHaveLength(n);
    expect(b.frames).toHaveLength(n + 1);
    expect(bids(b.frames).at(-1)).toBe(20000 + (n - 1) * 0.25);
    for (const c of [a, b]) c.ws.terminate();
  });

  it('on the real clock a source that outruns the fan-out is held (not cut): every client gets every quote', async () => {
    const n = 200;
    let go: () => void = () => {};
    const started = new Promise<void>((r) => {
      go = r;
    });
    // Every quote due at once: the pacer is behind from the first event and applies one per turn,
    // while the fan-out writes one socket per turn to five clients.
    async function* burst(): AsyncGenerator<MarketEvent> {
      await started;
      for (const q of quotes(n)) yield { ...q, ts: T0 };
    }
    venue = await createVenue({
      instruments: [MNQ],
      source: burst(),
      clock: 'real',
      projectx: { quoteHeartbeat: 0, fanoutSlice: 1, maxPendingWrites: 40 },
    });
    const token = await login(venue.url);
    const clients = await Promise.all([0, 1, 2, 3, 4].map(() => rawClient(venue?.marketHubUrl as string, token)));
    for (const c of clients) await c.invoke('SubscribeContractQuotes', MNQ.contractId);
    go();
    await until(
      () => clients.every((c) => c.frames.length >= n) || clients.some((c) => c.ws.readyState !== 1),
      'all quotes',
      20_000,
    );
    expect(venue.projectx?.fanout.overloads).toBe(0);
    expect(venue.projectx?.fanout.maxPendingSeen).toBeLessThan(40);
    for (const c of clients) expect(bids(c.frames)).toEqual(quotes(n).map((q) => (q.type === 'quote' ? q.bid : 0)));
    for (const c of clients) c.ws.terminate();
  });

  it('past maxPendingWrites the waiting connections are closed with VENUE_FANOUT_OVERLOAD and counted', async () => {
    venue = await createVenue({
      instruments: [MNQ],
      source: quotes(20),
      projectx: { quoteHeartbeat: 0, fanoutSlice: 1, maxPendingWrites: 8 },
    });
    const token = await login(venue.url);
    const clients = await Promise.all([0, 1, 2].map(() => rawClient(venue?.marketHubUrl as string, token)));
    for (const c of clients) await c.invoke('SubscribeContractQuotes', MNQ.contractId);
    const closed = clients.map(
      (c) =>
        new Promise<number>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('socket not closed within 5 s')), 5000);
          c.ws.on('close', (code) => {
            clearTimeout(t);
            resolve(code);
          });
        }),
    );
    await venue.advance('20s');
    expect(await Promise.all(closed)).toEqual([1000, 1000, 1000]);
    for (const c of clients) {
      const last = JSON.parse(c.frames.at(-1) as string);
      expect(last.type).toBe(7);
      expect(last.allowReconnect).toBe(true);
      expect(last.error).toMatch(/^VENUE_FANOUT_OVERLOAD: .*more than 8 market-hub writes behind/);
      // What did reach the client came in order, without holes.
      const got = bids(c.frames.slice(0, -1));
      expect(got).toEqual(got.map((_, i) => 20000 + i * 0.25));
    }
    expect(venue.projectx?.fanout.overloads).toBeGreaterThanOrEqual(1);
    expect(venue.projectx?.fanout.overloadCut).toBe(3);
  });

  it.each([
    [{ fanoutSlice: 0 }, /Expected `projectx.fanoutSlice` to be an integer > 0 \(default 256\), got `0` \(number\)\./],
    [{ fanoutSlice: 1.5 }, /`projectx.fanoutSlice`/],
    [{ maxPendingWrites: '65536' }, /Expected `projectx.maxPendingWrites` to be an integer > 0 \(default 65536\)/],
    [{ fanoutSlize: 64 }, /Unknown key `fanoutSlize` in projectx options. Did you mean `fanoutSlice`\?/],
  ])('refuses projectx %o with VENUE_CONFIG_INVALID', async (projectx, message) => {
    const err = await createVenue({ instruments: [MNQ], source: [], projectx } as never).then(
      (v) => {
        venue = v;
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'VENUE_CONFIG_INVALID' });
    expect((err as Error).message).toMatch(message);
  });
});

describe('textFrame', () => {
  it('builds the bytes ws frames for a final unmasked text message, for every length form', async () => {
    const { Sender } = (await import('ws')) as unknown as {
      Sender: { frame(data: Buffer, o: Record<string, unknown>): Buffer[] };
    };
    const { textFrame } = await import('../src/server.js');
    for (const n of [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) {
      const payload = Buffer.alloc(n, 0x61);
      const expected = Buffer.concat(
        Sender.frame(payload, { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }),
      );
      expect(textFrame(payload).equals(expected), `length ${n}`).toBe(true);
    }
  });
});
