/**
 * Faults at the venue: ws-tester fault scripts on the hubs, REST faults (reject, delay, drop) by
 * route and request index, and stale quotes. Everything on the virtual clock.
 */
import { HubConnectionState } from '@microsoft/signalr';
import { afterEach, describe, expect, it } from 'vitest';
import { type Venue, createVenue } from '../src/index.js';
import { MNQ, Recorder, T0, S, hubClient, login, post, tape, until } from './helpers.js';

let venue: Venue | undefined;
const clients: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.stop();
  await venue?.close();
  venue = undefined;
});
const C = 'CON.F.US.MNQ.U25';
const ORDER = { accountId: 1, contractId: C, type: 2, side: 0, size: 1 };

describe('hub faults (ws-tester fault scripts)', () => {
  it('drops the first market-hub connection mid-stream; the client reconnects, resubscribes, and nothing missed is replayed', async () => {
    venue = await createVenue({
      instruments: [MNQ],
      source: tape(60, (i) => 20000 + i * 0.25),
      // Connection attempt 0 is dropped when the server sends its 5th message (index 4).
      faults: { rules: [{ type: 'drop', connections: [0], messages: [4] }] },
    });
    const token = await login(venue.url);
    const c = hubClient(venue.marketHubUrl, () => token, false);
    clients.push(c);
    const rec = new Recorder(c, ['GatewayQuote']);
    const resubscribed: Promise<unknown>[] = [];
    const reconnected = new Promise<void>((r) =>
      c.onreconnected(() => {
        resubscribed.push(c.invoke('SubscribeContractQuotes', C));
        r();
      }),
    );
    await c.start();
    await c.invoke('SubscribeContractQuotes', C);
    await venue.advance('10s');
    await reconnected;
    await Promise.all(resubscribed);
    // Messages 0 (completion) to 3 arrived: the quotes of 14:30:00-14:30:02; the rest of the first 10 s is gone.
    const before = rec.events.map((e) => e.args[1].timestamp);
    expect(before.slice(0, 3)).toEqual([
      '2025-01-02T14:30:00.000000+00:00',
      '2025-01-02T14:30:00.000001+00:00',
      '2025-01-02T14:30:01.000000+00:00',
    ]);
    await venue.advance('1s');
    const next = await rec.next('GatewayQuote', (q) => q.timestamp === '2025-01-02T14:30:11.000000+00:00');
    expect(next.bestBid).toBe(20000 + 11 * 0.25);
    const seen = new Set(rec.events.map((e) => e.args[1].timestamp));
    expect(seen.has('2025-01-02T14:30:05.000000+00:00')).toBe(false);
    expect(c.state).toBe(HubConnectionState.Connected);
  });

  it('closes user hubs on demand and the client resubscribes (close with allowReconnect)', async () => {
    venue = await createVenue({ instruments: [MNQ], source: tape(30, () => 20000) });
    await venue.advance('1s');
    const token = await login(venue.url);
    const c = hubClient(venue.userHubUrl, () => token, true);
    clients.push(c);
    const rec = new Recorder(c, ['GatewayUserOrder']);
    await c.start();
    await c.invoke('SubscribeOrders', 1);
    const again = new Promise<void>((r) => c.onreconnected(() => void c.invoke('SubscribeOrders', 1).then(() => r())));
    expect(venue.disconnectHubs('user', 'close')).toBe(1);
    await again;
    const placed = await post(`${venue.url}/api/Order/place`, ORDER, token);
    await rec.next('GatewayUserOrder', (o) => o.id === placed.body.orderId && o.status === 2);
  });
});

describe('REST faults', () => {
  it('rejects chosen requests with 503 without touching the exchange, then lets the next through', async () => {
    venue = await createVenue({
      instruments: [MNQ],
      source: tape(30, () => 20000),
      projectx: { restFaults: [{ type: 'reject', route: 'Order/place', requests: [0, 2] }] },
    });
    await venue.advance('1s');
    const token = await login(venue.url);
    const api = `${venue.url}/api`;
    const r0 = await post(`${api}/Order/place`, ORDER, token);
    expect(r0.status).toBe(503);
    expect(venue.exchange.getOrders()).toHaveLength(0);
    expect((await post(`${api}/Order/place`, ORDER, token)).body.success).toBe(true);
    expect((await post(`${api}/Order/place`, ORDER, token)).status).toBe(503);
    expect(venue.exchange.getOrders()).toHaveLength(1);
    expect(venue.projectx?.restFaults.hits.reject).toBe(2);
  });

  it('delays a request on the venue clock: it is handled when the test advances time', async () => {
    venue = await createVenue({
      instruments: [MNQ],
      source: tape(30, (i) => 20000 + i),
      projectx: { restFaults: [{ type: 'delay', route: 'order/place', delay: '2s' }] },
    });
    await venue.advance('1s');
    const token = await login(venue.url);
    const pending = post(`${venue.url}/api/Order/place`, ORDER, token);
    const v = venue;
    await until(() => v.projectx?.restFaults.hits.delay === 1, 'the delayed request to arrive');
    expect(v.exchange.getOrders()).toHaveLength(0);
    await v.advance('2s');
    const res = await pending;
    expect(res.body.success).toBe(true);
    // It reached the exchange 2 s later, at that time's ask.
    const [order] = v.exchange.getOrders();
    expect(order?.createdAt).toBe(T0 + 3 * S);
    expect(order?.avgFillPrice?.toNumber()).toBe(20003.25);
  });

  it('drops a request: the client sees a failed fetch and nothing reached the exchange', async () => {
    venue = await createVenue({
      instruments: [MNQ],
      source: tape(30, () => 20000),
      projectx: { restFaults: [{ type: 'drop', route: 'Order/place', requests: [0] }] },
    });
    await venue.advance('1s');
    const token = await login(venue.url);
    await expect(post(`${venue.url}/api/Order/place`, ORDER, token)).rejects.toThrow(/fetch failed/);
    expect(venue.exchange.getOrders()).toHaveLength(0);
  });
});

describe('stale quotes', () => {
  it('stops quote delivery for a contract while the exchange keeps trading on the market', async () => {
    venue = await createVenue({ instruments: [MNQ], source: tape(60, (i) => 20000 + i * 0.25) });
    const token = await login(venue.url);
    const c = hubClient(venue.marketHubUrl, () => token, false);
    clients.push(c);
    const rec = new Recorder(c, ['GatewayQuote']);
    await c.start();
    await c.invoke('SubscribeContractQuotes', C);
    await venue.advance('2s');
    await rec.next('GatewayQuote', (q) => q.timestamp === '2025-01-02T14:30:02.000000+00:00');
    venue.setStaleQuotes(C, true);
    const n = rec.count('GatewayQuote');
    await venue.advance('20s');
    // A market order still fills at the live ask (14:30:22), which the client never saw.
    const placed = await post(`${venue.url}/api/Order/place`, ORDER, token);
    expect(placed.body.success).toBe(true);
    expect(venue.exchange.getOrders()[0]?.avgFillPrice?.toNumber()).toBe(20000 + 22 * 0.25 + 0.25);
    await c.invoke('UnsubscribeContractTrades', C); // round trip barrier
    expect(rec.count('GatewayQuote')).toBe(n);
    venue.setStaleQuotes(C, false);
    await venue.advance('1s');
    await rec.next('GatewayQuote', (q) => q.timestamp === '2025-01-02T14:30:23.000000+00:00');
  });
});

describe('answers lost, hub outages and restarts', () => {
  it('lose-response: the order is placed, its answer never arrives', async () => {
    venue = await createVenue({
      instruments: [MNQ],
      source: tape(30, () => 20000),
      projectx: { restFaults: [{ type: 'lose-response', route: 'Order/place', requests: [0] }] },
    });
    await venue.advance('1s');
    const token = await login(venue.url);
    await expect(post(`${venue.url}/api/Order/place`, ORDER, token)).rejects.toThrow(/fetch failed/);
    expect(venue.exchange.getOrders()).toHaveLength(1);
    expect(venue.projectx?.restFaults.hits['lose-response']).toBe(1);
    // The next one is answered.
    expect((await post(`${venue.url}/api/Order/place`, ORDER, token)).body.success).toBe(true);
  });

  it('refuseHubConnections: new hub connections get 503 until it is lifted; REST keeps working', async () => {
    venue = await createVenue({ instruments: [MNQ], source: tape(30, () => 20000) });
    const token = await login(venue.url);
    venue.refuseHubConnections(true);
    for (const negotiate of [false, true]) {
      const c = hubClient(venue.userHubUrl, () => token, negotiate);
      await expect(c.start()).rejects.toThrow(negotiate ? /503/ : /WebSocket failed to connect/);
    }
    expect(venue.hubConnectionCount()).toBe(0);
    expect((await post(`${venue.url}/api/Account/search`, { onlyActiveAccounts: true }, token)).status).toBe(200);
    venue.refuseHubConnections(false);
    const c = hubClient(venue.userHubUrl, () => token, false);
    clients.push(c);
    await c.start();
    await c.invoke('SubscribeAccounts');
    expect(venue.hubConnectionCount('user')).toBe(1);
  });

  it('restart: drops every connection, refuses them during the downtime on the venue clock, keeps the exchange', async () => {
    venue = await createVenue({ instruments: [MNQ], source: tape(30, () => 20000) });
    await venue.advance('1s');
    const token = await login(venue.url);
    expect((await post(`${venue.url}/api/Order/place`, ORDER, token)).body.success).toBe(true);
    const c = hubClient(venue.userHubUrl, () => token, false);
    clients.push(c);
    await c.start();
    const closed = new Promise<void>((r) => c.onreconnecting(() => r()));
    const back = venue.restart({ downtime: '2s' });
    await closed;
    await expect(fetch(`${venue.url}/api/Status/ping`)).rejects.toThrow(/fetch failed/);
    await venue.advance('2s');
    await back;
    expect(await (await fetch(`${venue.url}/api/Status/ping`)).text()).toBe('pong');
    const c2 = hubClient(venue.userHubUrl, () => token, false);
    clients.push(c2);
    await c2.start();
    await c2.invoke('SubscribeAccounts');
    const v = venue;
    await until(() => v.hubConnectionCount('user') === 1, 'a client to connect after the restart');
    const open = await post(`${venue.url}/api/Position/searchOpen`, { accountId: 1 }, token);
    expect(open.body.positions).toHaveLength(1);
  });
});
