/** ProjectX REST routes, market-hub events and the control endpoint, on the virtual clock. */
import { afterEach, describe, expect, it } from 'vitest';
import { type Venue, type VenueOptions, createVenue } from '../src/index.js';
import { MNQ, Recorder, S, T0, hubClient, login, post, tape } from './helpers.js';

let venue: Venue | undefined;
const clients: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.stop();
  await venue?.close();
  venue = undefined;
});

async function start(extra: Partial<VenueOptions> = {}): Promise<{ v: Venue; api: string; token: string }> {
  // Bid rises one tick a second from 20000.
  venue = await createVenue({ instruments: [MNQ], source: tape(600, (i) => 20000 + i * 0.25), ...extra });
  await venue.advance('150s');
  return { v: venue, api: `${venue.url}/api`, token: await login(venue.url) };
}
const C = 'CON.F.US.MNQ.U25';

describe('ProjectX REST', () => {
  it('routes case-insensitively, answers ping, lists and finds contracts', async () => {
    const { api, token } = await start();
    const lower = await post(
      `${api.replace('/api', '/API')}/contract/SEARCHBYID`,
      { contractId: C.toLowerCase() },
      token,
    );
    expect(lower.body).toMatchObject({ success: true, contract: { id: C, name: 'MNQU5' }, contracts: [{ id: C }] });
    const ping = await fetch(`${api}/Status/ping`);
    expect(await ping.text()).toBe('pong');
    const search = await post(`${api}/Contract/search`, { searchText: 'mnq', live: false }, token);
    expect(search.body.contracts).toHaveLength(1);
    expect((await post(`${api}/Contract/search`, { searchText: 'ES', live: false }, token)).body.contracts).toEqual([]);
    expect((await post(`${api}/Contract/available`, { live: true }, token)).body.contracts).toHaveLength(1);
    const missing = await post(`${api}/Contract/searchById`, { contractId: 'CON.F.US.EP.Z25' }, token);
    expect(missing.body).toMatchObject({ success: false, contract: null });
    expect((await post(`${api}/Nope/nothing`, {}, token)).status).toBe(404);
    const validate = await post(`${api}/Auth/validate`, undefined, token);
    expect(validate.body).toMatchObject({ success: true, errorCode: 0 });
    expect((await post(`${api}/Account/search`, { onlyActiveAccounts: true }, validate.body.newToken)).status).toBe(
      200,
    );
  });

  it('serves bars newest first, limited to the most recent, with the documented error codes', async () => {
    const { api, token } = await start();
    const req = {
      contractId: C,
      live: false,
      startTime: '2025-01-02T14:30:00Z',
      endTime: '2025-01-02T15:00:00Z',
      unit: 2,
      unitNumber: 1,
      limit: 2,
      includePartialBar: false,
    };
    const r = await post(`${api}/History/retrieveBars`, req, token);
    // 150 s played: minutes 14:30 and 14:31 are complete, 14:32 is forming.
    expect(r.body.bars).toEqual([
      { t: '2025-01-02T14:31:00.000000+00:00', o: 20015, h: 20029.75, l: 20015, c: 20029.75, v: 60 },
      { t: '2025-01-02T14:30:00.000000+00:00', o: 20000, h: 20014.75, l: 20000, c: 20014.75, v: 60 },
    ]);
    const partial = await post(`${api}/History/retrieveBars`, { ...req, includePartialBar: true, limit: 10 }, token);
    expect(partial.body.bars[0]).toMatchObject({ t: '2025-01-02T14:32:00.000000+00:00', o: 20030, v: 30 });
    const fiveSec = await post(`${api}/History/retrieveBars`, { ...req, unit: 1, unitNumber: 5, limit: 1 }, token);
    expect(fiveSec.body.bars).toEqual([
      { t: '2025-01-02T14:32:25.000000+00:00', o: 20036.25, h: 20037.25, l: 20036.25, c: 20037.25, v: 5 },
    ]);
    expect((await post(`${api}/History/retrieveBars`, { ...req, unit: 9 }, token)).body.errorCode).toBe(2);
    expect((await post(`${api}/History/retrieveBars`, { ...req, unitNumber: 0 }, token)).body.errorCode).toBe(3);
    expect((await post(`${api}/History/retrieveBars`, { ...req, limit: 20_001 }, token)).body.errorCode).toBe(4);
    expect((await post(`${api}/History/retrieveBars`, { ...req, contractId: 'X' }, token)).body.errorCode).toBe(1);
    expect((await post(`${api}/History/retrieveBars`, { ...req, startTime: 'yesterday' }, token)).status).toBe(400);
  });

  it('places, modifies, cancels and searches orders with the numeric enums', async () => {
    const { v, api, token } = await start();
    const bid = 20000 + 150 * 0.25;
    const place = (body: object) =>
      post(`${api}/Order/place`, { accountId: 1, contractId: C, size: 1, ...body }, token);
    const limit = await place({ type: 1, side: 0, limitPrice: bid - 5, customTag: 'a' });
    expect(limit.body.success).toBe(true);
    // A rejected order is still created and its id returned (errorCode 2).
    const offTick = await place({ type: 1, side: 0, limitPrice: bid - 5.1 });
    expect(offTick.body).toMatchObject({ success: false, errorCode: 2 });
    expect(offTick.body.orderId).toBe(limit.body.orderId + 1);
    expect((await place({ type: 1, side: 0, limitPrice: bid - 6, customTag: 'a' })).body).toMatchObject({
      success: false,
      errorCode: 2,
      orderId: null,
    });
    expect((await place({ type: 9, side: 0 })).body.errorCode).toBe(2);
    expect((await place({ type: 1, side: 0 })).body.errorMessage).toMatch(/limitPrice/);
    const join = await place({ type: 6, side: 0 });
    const trail = await place({ type: 5, side: 1, trailPrice: bid - 2.5 });
    expect(trail.body.success).toBe(true);
    expect((await place({ type: 5, side: 1, trailPrice: bid - 300 })).body.errorMessage).toMatch(/1000-tick/);

    const mod = await post(
      `${api}/Order/modify`,
      { accountId: 1, orderId: limit.body.orderId, limitPrice: bid - 4, size: 3 },
      token,
    );
    expect(mod.body).toMatchObject({ success: true, errorCode: 0 });
    expect(
      (await post(`${api}/Order/modify`, { accountId: 1, orderId: limit.body.orderId, limitPrice: bid - 4.1 }, token))
        .body.errorCode,
    ).toBe(3);
    expect((await post(`${api}/Order/modify`, { accountId: 1, orderId: 999 }, token)).body.errorCode).toBe(2);

    const open = await post(`${api}/Order/searchOpen`, { accountId: 1 }, token);
    const byId = Object.fromEntries(open.body.orders.map((o: { id: number }) => [o.id, o]));
    expect(byId[limit.body.orderId]).toMatchObject({
      type: 1,
      side: 0,
      size: 3,
      limitPrice: bid - 4,
      status: 1,
      customTag: 'a',
      symbolId: 'F.US.MNQ',
    });
    expect(byId[join.body.orderId]).toMatchObject({ type: 6, limitPrice: bid, status: 1 });
    // The distance is taken from the last trade (20037.25), not the bid: 9 ticks = 2.25.
    expect(byId[trail.body.orderId]).toMatchObject({ type: 5, trailPrice: 2.25, status: 1 });

    expect((await post(`${api}/Order/cancel`, { accountId: 1, orderId: limit.body.orderId }, token)).body.success).toBe(
      true,
    );
    expect(
      (await post(`${api}/Order/cancel`, { accountId: 1, orderId: limit.body.orderId }, token)).body.errorCode,
    ).toBe(3);
    const got = await post(`${api}/Order/searchById`, { accountId: 1, orderId: limit.body.orderId }, token);
    expect(got.body.order.status).toBe(3);
    const all = await post(
      `${api}/Order/search`,
      { accountId: 1, startTimestamp: '2025-01-02T14:00:00Z', endTimestamp: '2025-01-02T15:00:00Z' },
      token,
    );
    expect(all.body.orders.map((o: { status: number }) => o.status).sort()).toEqual([1, 1, 3, 5]);
    expect(v.exchange.getOrders({ open: true })).toHaveLength(2);
  });

  it('closes positions fully and partly with their own error codes', async () => {
    const { api, token } = await start();
    expect((await post(`${api}/Position/closeContract`, { accountId: 1, contractId: C }, token)).body.errorCode).toBe(
      2,
    );
    await post(`${api}/Order/place`, { accountId: 1, contractId: C, type: 2, side: 1, size: 3 }, token);
    const pos = await post(`${api}/Position/searchOpen`, { accountId: 1 }, token);
    expect(pos.body.positions).toEqual([
      {
        id: 1,
        accountId: 1,
        contractId: C,
        creationTimestamp: '2025-01-02T14:32:30.000000+00:00',
        type: 2,
        size: 3,
        averagePrice: 20037.5,
      },
    ]);
    expect(
      (await post(`${api}/Position/partialCloseContract`, { accountId: 1, contractId: C, size: 4 }, token)).body
        .errorCode,
    ).toBe(5);
    expect(
      (await post(`${api}/Position/partialCloseContract`, { accountId: 1, contractId: C, size: 1 }, token)).body
        .success,
    ).toBe(true);
    expect((await post(`${api}/Position/searchOpen`, { accountId: 1 }, token)).body.positions[0].size).toBe(2);
    expect((await post(`${api}/Position/closeContract`, { accountId: 1, contractId: 'X' }, token)).body.errorCode).toBe(
      3,
    );
    expect((await post(`${api}/Position/closeContract`, { accountId: 1, contractId: C }, token)).body.success).toBe(
      true,
    );
    expect((await post(`${api}/Position/searchOpen`, { accountId: 1 }, token)).body.positions).toEqual([]);
  });

  it('reads signed bracket ticks when asked to, and refuses a leg on the wrong side', async () => {
    const { api, token } = await start({ projectx: { bracketTicks: 'signed' } });
    const base = { accountId: 1, contractId: C, type: 2, side: 0, size: 1 };
    const wrong = await post(`${api}/Order/place`, { ...base, stopLossBracket: { ticks: 8, type: 4 } }, token);
    expect(wrong.body).toMatchObject({ success: false, errorCode: 2 });
    expect(wrong.body.errorMessage).toMatch(/wrong side/);
    const right = await post(
      `${api}/Order/place`,
      { ...base, stopLossBracket: { ticks: -8, type: 4 }, takeProfitBracket: { ticks: 8, type: 1 } },
      token,
    );
    expect(right.body.success).toBe(true);
  });
});

describe('market hub', () => {
  it('pushes trades and depth as arrays with the documented fields, and keeps quiet markets talking', async () => {
    venue = await createVenue({ instruments: [MNQ], source: tape(5, () => 20000) });
    const token = await login(venue.url);
    const c = hubClient(venue.marketHubUrl, () => token, true);
    clients.push(c);
    const rec = new Recorder(c, ['GatewayQuote', 'GatewayTrade', 'GatewayDepth']);
    await c.start();
    for (const m of ['SubscribeContractQuotes', 'SubscribeContractTrades', 'SubscribeContractMarketDepth'])
      await c.invoke(m, C);
    await expect(c.invoke('SubscribeContractQuotes', 'CON.F.US.NOPE.Z25')).rejects.toThrow(/not found/);
    await expect(c.invoke('SubscribeOrders', 1)).rejects.toThrow(/does not exist/);
    await venue.advance('2s');
    const trade = await rec.next('GatewayTrade');
    expect(trade).toEqual([
      { symbolId: 'F.US.MNQ', price: 20000, timestamp: '2025-01-02T14:30:00.000001+00:00', type: 1, volume: 1 },
    ]);
    const depth = await rec.next('GatewayDepth');
    expect(depth.map((d: { type: number; price: number }) => [d.type, d.price])).toEqual([
      [4, 20000],
      [3, 20000.25],
    ]);
    // The source ends at 14:30:05; the heartbeat resends the last quote every 5 s of venue time.
    await venue.advance('30s');
    await rec.next('GatewayQuote', (q) => q.timestamp === '2025-01-02T14:30:30.000000+00:00');
    await c.invoke('UnsubscribeContractQuotes', C);
    const n = rec.count('GatewayQuote');
    await venue.advance('30s');
    await c.invoke('SubscribeContractTrades', C); // a round trip: everything sent before it has arrived
    expect(rec.count('GatewayQuote')).toBe(n);
  });
});

describe('control endpoint', () => {
  it('advances and runs the virtual clock over HTTP, and refuses on a real clock', async () => {
    const { v } = await start();
    const status = await (await fetch(`${v.url}/venue/status`)).json();
    expect(status).toMatchObject({ clock: 'virtual', now: T0 + 150 * S, eventsApplied: 301 });
    const adv = await post(`${v.url}/venue/advance`, { by: '10s' });
    expect(adv.body.now).toBe(T0 + 160 * S);
    const run = await post(`${v.url}/venue/runUntil`, { ts: '2025-01-02T14:35:00Z' });
    expect(run.body).toMatchObject({ now: T0 + 300 * S, nowIso: '2025-01-02T14:35:00.000000Z' });
    expect((await post(`${v.url}/venue/advance`, { by: 'soon' })).status).toBe(400);
    // step: exactly one source event (the trade of second 300, then the quote of second 301).
    const stepped = await post(`${v.url}/venue/step`, {});
    expect(stepped.body).toMatchObject({ now: T0 + 300 * S + 1, eventsApplied: 602 });
    const stepped2 = await post(`${v.url}/venue/step`, {});
    expect(stepped2.body).toMatchObject({ now: T0 + 301 * S, eventsApplied: 603 });
    expect(await v.step()).toBe(T0 + 301 * S + 1);
    await v.close();
    venue = await createVenue({ instruments: [MNQ], clock: 'real', control: { token: 'ctl' } });
    expect((await post(`${venue.url}/venue/advance`, { by: '1s' })).status).toBe(401);
    expect((await post(`${venue.url}/venue/advance`, { by: '1s' }, 'ctl')).status).toBe(409);
  });

  it('refuses unknown options naming the nearest valid one', async () => {
    await expect(createVenue({ instruments: [MNQ], acounts: [] } as never)).rejects.toThrow(
      /Unknown key `acounts`.*Did you mean `accounts`/,
    );
    await expect(createVenue({ instruments: [{ ...MNQ, contractID: 'x' }] } as never)).rejects.toThrow(
      /Did you mean `contractId`/,
    );
  });
});

describe('user hub order events', () => {
  it('carry the customTag and the gateway type from the very first event (sent while the order is placed)', async () => {
    venue = await createVenue({ instruments: [MNQ], source: tape(5, () => 20000) });
    await venue.advance('1s');
    const token = await login(venue.url);
    const c = hubClient(venue.userHubUrl, () => token, false);
    clients.push(c);
    const rec = new Recorder(c, ['GatewayUserOrder']);
    await c.start();
    await c.invoke('SubscribeOrders', 1);
    const placed = await post(
      `${venue.url}/api/Order/place`,
      { accountId: 1, contractId: C, type: 6, side: 0, size: 1, customTag: 'join-1' },
      token,
    );
    const first = await rec.next('GatewayUserOrder', (o) => o.id === placed.body.orderId);
    expect(first).toMatchObject({ customTag: 'join-1', type: 6, limitPrice: 20000 });
  });
});

describe('unconfirmed wire shapes as options', () => {
  it('wraps user events as { action, data }, sends one trade object per event, and can stay silent when flat', async () => {
    venue = await createVenue({
      instruments: [MNQ],
      source: tape(10, () => 20000),
      projectx: { userEvents: 'wrapped', marketPayload: 'object', flatPosition: 'silent' },
    });
    const token = await login(venue.url);
    const u = hubClient(venue.userHubUrl, () => token, false);
    const m = hubClient(venue.marketHubUrl, () => token, false);
    clients.push(u, m);
    const ur = new Recorder(u, ['GatewayUserOrder', 'GatewayUserPosition']);
    const mr = new Recorder(m, ['GatewayTrade']);
    await u.start();
    await m.start();
    await u.invoke('SubscribeOrders', 1);
    await u.invoke('SubscribePositions', 1);
    await m.invoke('SubscribeContractTrades', C);
    await venue.advance('1s');
    expect(await mr.next('GatewayTrade')).toMatchObject({ symbolId: 'F.US.MNQ', price: 20000, volume: 1 });
    const placed = await post(
      `${venue.url}/api/Order/place`,
      { accountId: 1, contractId: C, type: 2, side: 0, size: 1 },
      token,
    );
    const created = await ur.next('GatewayUserOrder');
    expect(created).toMatchObject({ action: 0, data: { id: placed.body.orderId } });
    await ur.next('GatewayUserOrder', (e) => e.action === 1 && e.data.status === 2);
    await ur.next('GatewayUserPosition', (e) => e.data.size === 1);
    await post(`${venue.url}/api/Position/closeContract`, { accountId: 1, contractId: C }, token);
    await ur.next('GatewayUserOrder', (e) => e.data.side === 1 && e.data.status === 2);
    await u.invoke('SubscribeTrades', 1); // round trip: all events of the close have arrived
    expect(ur.events.filter((e) => e.name === 'GatewayUserPosition')).toHaveLength(1);
  });
});
