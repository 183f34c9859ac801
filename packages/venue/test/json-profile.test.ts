/** The plain JSON profile (REST under /json, one WebSocket at /json/ws) and the real-clock mode. */
// biome-ignore-all lint/suspicious/noExplicitAny: messages are parsed JSON checked by the tests
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type Venue, createVenue } from '../src/index.js';
import { MNQ, T0, tape } from './helpers.js';

let venue: Venue | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await venue?.close();
  venue = undefined;
});
const ACCOUNTS = [
  { id: 1, userName: 'alice', apiKey: 'key-a' },
  { id: 2, userName: 'bob', apiKey: 'key-b' },
];

async function call(method: string, url: string, key: string | undefined, body?: unknown) {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as any };
}

/** Opens the JSON WebSocket and collects its messages; `next` waits (5 s timeout) for a match. */
async function openWs(url: string, key: string) {
  const ws = new WebSocket(`${url}?access_token=${key}`);
  sockets.push(ws);
  const messages: any[] = [];
  const waiters: Array<[(m: any) => boolean, (m: any) => void]> = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    messages.push(m);
    for (const [i, [pred, res]] of waiters.entries()) {
      if (pred(m)) {
        waiters.splice(i, 1);
        res(m);
        break;
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = (pred: (m: any) => boolean) => {
    const found = messages.find(pred);
    if (found) {
      messages.splice(messages.indexOf(found), 1);
      return Promise.resolve(found);
    }
    return new Promise<any>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no matching message within 5 s')), 5000);
      waiters.push([
        pred,
        (m) => {
          clearTimeout(t);
          messages.splice(messages.indexOf(m), 1);
          resolve(m);
        },
      ]);
    });
  };
  return { ws, messages, next };
}

describe('plain JSON profile', () => {
  it('trades over REST and streams market and user events over one WebSocket, per user', async () => {
    venue = await createVenue({ instruments: [MNQ], source: tape(30, () => 20000), accounts: ACCOUNTS });
    const base = `${venue.url}/json`;
    expect((await call('GET', `${base}/instruments`, undefined)).status).toBe(401);
    const inst = await call('GET', `${base}/instruments`, 'key-a');
    expect(inst.body[0]).toMatchObject({ symbol: 'MNQ', tickSize: 0.25, contractId: 'CON.F.US.MNQ.U25' });
    const a = await openWs(venue.wsUrl, 'key-a');
    const b = await openWs(venue.wsUrl, 'key-b');
    a.ws.send(JSON.stringify({ op: 'subscribe', channels: ['quotes:MNQ', 'orders', 'fills', 'positions'], id: 1 }));
    await a.next((m) => m.type === 'subscribed' && m.id === 1);
    b.ws.send(JSON.stringify({ op: 'subscribe', channels: ['orders'] }));
    await b.next((m) => m.type === 'subscribed');
    a.ws.send('not json');
    expect((await a.next((m) => m.type === 'error')).code).toBe('VENUE_INVALID_JSON');
    a.ws.send(JSON.stringify({ op: 'subscribe', channels: ['quotes:ES'] }));
    expect((await a.next((m) => m.type === 'error')).code).toBe('VENUE_UNKNOWN_CHANNEL');

    await venue.advance('2s');
    const q = await a.next((m) => m.type === 'market');
    expect(q.event).toEqual({
      type: 'quote',
      symbol: 'MNQ',
      ts: T0,
      bid: 20000,
      bidSize: 10,
      ask: 20000.25,
      askSize: 10,
    });

    const placed = await call('POST', `${base}/orders`, 'key-a', {
      symbol: 'MNQ',
      side: 'buy',
      type: 'market',
      quantity: 2,
    });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ accountId: '1', status: 'filled', avgFillPrice: '20000.25' });
    const fill = await a.next((m) => m.type === 'fill');
    expect(fill).toMatchObject({ fill: { price: '20000.25', quantity: 2 }, realizedPnl: null });
    await a.next((m) => m.type === 'position' && m.position.quantity === 2);

    const bad = await call('POST', `${base}/orders`, 'key-a', {
      symbol: 'MNQ',
      side: 'buy',
      type: 'market',
      quantity: 1,
      colour: 'red',
    });
    expect(bad.status).toBe(400);
    expect(
      (
        await call('POST', `${base}/orders`, 'key-a', {
          symbol: 'MNQ',
          side: 'buy',
          type: 'market',
          quantity: 1,
          accountId: 2,
        })
      ).status,
    ).toBe(404);
    const resting = await call('POST', `${base}/orders`, 'key-a', {
      symbol: 'MNQ',
      side: 'sell',
      type: 'limit',
      quantity: 2,
      price: 20010,
    });
    expect(resting.body.status).toBe('new');
    expect((await call('DELETE', `${base}/orders/${resting.body.id}`, 'key-b')).status).toBe(404);
    expect((await call('PATCH', `${base}/orders/${resting.body.id}`, 'key-a', { price: 20005 })).body.price).toBe(
      20005,
    );
    expect((await call('DELETE', `${base}/orders/${resting.body.id}`, 'key-a')).body.status).toBe('canceled');
    const open = await call('GET', `${base}/orders?open=true`, 'key-a');
    expect(open.body).toEqual([]);
    const accounts = await call('GET', `${base}/accounts`, 'key-a');
    expect(accounts.body).toHaveLength(1);
    expect(accounts.body[0].positions[0]).toMatchObject({ symbol: 'MNQ', quantity: 2 });
    // Bob saw none of Alice's orders.
    expect(b.messages.filter((m) => m.type === 'order')).toEqual([]);
  });

  it('refuses a WebSocket without a valid key', async () => {
    venue = await createVenue({ instruments: [MNQ], accounts: ACCOUNTS });
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${venue?.wsUrl}?access_token=nope`);
      const t = setTimeout(() => reject(new Error('no answer within 5 s')), 5000);
      ws.on('unexpected-response', (_q, res) => {
        clearTimeout(t);
        resolve(res.statusCode ?? 0);
      });
      ws.on('error', () => {});
    });
    expect(status).toBe(401);
  });
});

describe('real clock', () => {
  it('paces the source to wall time (timestamps shifted onto now) and serves it live', async () => {
    // Forty quotes 200 ms apart, played at 2× speed: 100 ms apart in wall time, 4 s in all, so a
    // client that subscribes late on a loaded machine still sees the last ones live.
    const events = Array.from({ length: 40 }, (_, i) => ({
      type: 'quote' as const,
      symbol: 'MNQ',
      ts: T0 + i * 200_000,
      bid: 20000 + i * 0.25,
      bidSize: 1,
      ask: 20000.25 + i * 0.25,
      askSize: 1,
    }));
    const before = Date.now() * 1000;
    venue = await createVenue({ instruments: [MNQ], source: events, clock: 'real', speed: 2, accounts: ACCOUNTS });
    const a = await openWs(venue.wsUrl, 'key-a');
    a.ws.send(JSON.stringify({ op: 'subscribe', channels: ['quotes:MNQ'] }));
    const last = await a.next((m) => m.type === 'market' && m.event.bid === 20000 + 39 * 0.25);
    expect(last.event.ts).toBeGreaterThan(before);
    // Whatever arrived after subscribing is spaced exactly as the source, divided by the speed.
    const seen = [...a.messages.filter((m) => m.type === 'market').map((m) => m.event), last.event];
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i].ts - seen[i - 1].ts).toBe(100_000 * Math.round((seen[i].bid - seen[i - 1].bid) / 0.25));
    }
    const v = venue;
    expect(v.core.eventsApplied).toBe(40);
    expect(v.core.sourceDone).toBe(true);
    await expect(v.advance('1s')).rejects.toThrow(/virtual clock/);
  });
});

describe('real clock under overload', () => {
  it('lets network I/O run between overdue source events instead of applying the backlog in one go', async () => {
    // 5,000 events all due at once: a backlog, as after a stall.
    const events = Array.from({ length: 5000 }, (_, i) => ({
      type: 'quote' as const,
      symbol: 'MNQ',
      ts: T0,
      bid: 20000 + (i % 2) * 0.25,
      bidSize: 1,
      ask: 20000.25 + (i % 2) * 0.25,
      askSize: 1,
    }));
    venue = await createVenue({ instruments: [MNQ], source: events, clock: 'real' });
    const v = venue;
    const atFirstIo = await new Promise<number>((resolve) => setImmediate(() => resolve(v.core.eventsApplied)));
    expect(atFirstIo).toBeLessThan(5000);
    const end = Date.now() + 10_000;
    while (!v.core.sourceDone && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    expect(v.core.eventsApplied).toBe(5000);
  });
});
