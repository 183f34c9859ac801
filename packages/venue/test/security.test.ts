/**
 * Security: tokens on every route and hub; missing, wrong or expired → 401 and a closed socket;
 * accounts isolated on REST and hubs; bad bodies refused with clear 400/413; 429 past the rate
 * limit. After every refused request the exchange is exactly as before (snapshot compared).
 */
import { HubConnectionState } from '@microsoft/signalr';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type Venue, type VenueOptions, createVenue } from '../src/index.js';
import { MNQ, Recorder, hubClient, login, post, tape } from './helpers.js';

const ACCOUNTS = [
  { id: 1, userName: 'alice', apiKey: 'key-a' },
  { id: 2, userName: 'bob', apiKey: 'key-b' },
];
let venue: Venue | undefined;
const clients: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.stop();
  await venue?.close();
  venue = undefined;
});

async function start(extra: Partial<VenueOptions> = {}): Promise<Venue> {
  venue = await createVenue({ instruments: [MNQ], source: tape(120, () => 20000), accounts: ACCOUNTS, ...extra });
  await venue.advance('2s');
  return venue;
}

/** The HTTP status a raw WebSocket upgrade gets. */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'));
    const timer = setTimeout(() => reject(new Error('no upgrade answer within 5 s')), 5000);
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      clearTimeout(timer);
      ws.close();
      resolve(101);
    });
    ws.on('error', () => {});
  });
}

/** The whole exchange state, to prove a refused request changed nothing. */
function state(v: Venue): string {
  return JSON.stringify(v.exchange.snapshot());
}

const ORDER = { accountId: 1, contractId: 'CON.F.US.MNQ.U25', type: 1, side: 0, size: 1, limitPrice: 19990 };

describe('REST authentication', () => {
  it('refuses a missing, malformed, foreign or expired token with 401 and changes nothing', async () => {
    const v = await start({ projectx: { tokenLifetime: '1m' } });
    const api = `${v.url}/api`;
    const other = await createVenue({ instruments: [MNQ], accounts: ACCOUNTS });
    const foreign = await login(other.url, 'alice', 'key-a');
    await other.close();
    const before = state(v);
    expect((await post(`${api}/Order/place`, ORDER)).status).toBe(401);
    expect((await post(`${api}/Order/place`, ORDER, 'not-a-jwt')).status).toBe(401);
    // Same user, same claims, but signed by another venue's secret.
    expect((await post(`${api}/Order/place`, ORDER, foreign)).status).toBe(401);
    const token = await login(v.url, 'alice', 'key-a');
    // Change the signature's first character: every bit of it is used, so the bytes differ too.
    // (Rewriting the last two characters gave back the same token when it ended in "BA", and the
    // secret is random per venue: the test passed or failed by chance.)
    const sig = token.lastIndexOf('.') + 1;
    const tampered = `${token.slice(0, sig)}${token[sig] === 'A' ? 'B' : 'A'}${token.slice(sig + 1)}`;
    expect(tampered).not.toBe(token);
    expect((await post(`${api}/Order/place`, ORDER, tampered)).status).toBe(401);
    expect(state(v)).toBe(before);
    await v.advance('61s');
    const later = state(v);
    const expired = await post(`${api}/Order/place`, ORDER, token);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('expired');
    expect(state(v)).toBe(later);
    // Auth/validate tells an expired session apart (ValidateErrorCode 3), then a new login works.
    const validate = await post(`${api}/Auth/validate`, undefined, token);
    expect(validate.body).toMatchObject({ success: false, errorCode: 3, newToken: null });
    const fresh = await login(v.url, 'alice', 'key-a');
    expect((await post(`${api}/Order/place`, ORDER, fresh)).body.success).toBe(true);
  });

  it('refuses wrong credentials with errorCode 3 and logout ends the token', async () => {
    const v = await start();
    const bad = await post(`${v.url}/api/Auth/loginKey`, { userName: 'alice', apiKey: 'key-b' });
    expect(bad.status).toBe(200);
    expect(bad.body).toEqual({ token: null, success: false, errorCode: 3, errorMessage: 'Invalid credentials.' });
    const token = await login(v.url, 'alice', 'key-a');
    expect((await post(`${v.url}/api/Auth/logout`, {}, token)).body.success).toBe(true);
    expect((await post(`${v.url}/api/Account/search`, { onlyActiveAccounts: true }, token)).status).toBe(401);
  });
});

describe('hub authentication', () => {
  it.each([false, true])('refuses missing, wrong and expired tokens (negotiate %s)', async (negotiate) => {
    const v = await start({ projectx: { tokenLifetime: '1m' } });
    for (const bad of ['', 'garbage']) {
      // Without negotiation the client only sees a failed WebSocket; the raw upgrade shows the 401.
      const c = hubClient(v.userHubUrl, () => bad, negotiate);
      await expect(c.start()).rejects.toThrow(negotiate ? /401|Unauthorized/ : /WebSocket failed to connect/);
      expect(c.state).toBe(HubConnectionState.Disconnected);
      expect(await upgradeStatus(`${v.userHubUrl}?access_token=${bad}`)).toBe(401);
    }
    const token = await login(v.url, 'alice', 'key-a');
    const c = hubClient(v.userHubUrl, () => token, negotiate);
    clients.push(c);
    await c.start();
    const closed = new Promise<void>((r) => c.onreconnecting(() => r()));
    // The token expires while the connection is open: the venue closes it.
    await v.advance('61s');
    await closed;
    expect(c.state).not.toBe(HubConnectionState.Connected);
    // The expired token no longer opens a connection.
    const late = hubClient(v.marketHubUrl, () => token, negotiate);
    await expect(late.start()).rejects.toThrow(negotiate ? /401|Unauthorized/ : /WebSocket failed to connect/);
    expect(await upgradeStatus(`${v.marketHubUrl}?access_token=${token}`)).toBe(401);
  });
});

describe('account isolation', () => {
  it('never lets one user read or touch another account over REST, and changes nothing', async () => {
    const v = await start();
    const api = `${v.url}/api`;
    const alice = await login(v.url, 'alice', 'key-a');
    const bob = await login(v.url, 'bob', 'key-b');
    const bobOrder = await post(`${api}/Order/place`, { ...ORDER, accountId: 2 }, bob);
    expect(bobOrder.body.success).toBe(true);
    const id = bobOrder.body.orderId;
    const before = state(v);
    const tries: Array<[string, object, number]> = [
      ['Order/place', { ...ORDER, accountId: 2 }, 1],
      ['Order/cancel', { accountId: 2, orderId: id }, 1],
      ['Order/cancel', { accountId: 1, orderId: id }, 2],
      ['Order/modify', { accountId: 1, orderId: id, limitPrice: 19995 }, 2],
      ['Order/modify', { accountId: 2, orderId: id, limitPrice: 19995 }, 1],
      ['Order/searchOpen', { accountId: 2 }, 1],
      ['Order/search', { accountId: 2, startTimestamp: '2025-01-01T00:00:00Z' }, 1],
      ['Order/searchById', { accountId: 1, orderId: id }, 1],
      ['Position/searchOpen', { accountId: 2 }, 1],
      ['Position/closeContract', { accountId: 2, contractId: 'CON.F.US.MNQ.U25' }, 1],
      ['Trade/search', { accountId: 2 }, 1],
    ];
    for (const [route, body, code] of tries) {
      const r = await post(`${api}/${route}`, body, alice);
      expect([route, r.status, r.body.success, r.body.errorCode]).toEqual([route, 200, false, code]);
    }
    const accounts = await post(`${api}/Account/search`, { onlyActiveAccounts: false }, alice);
    expect(accounts.body.accounts.map((a: { id: number }) => a.id)).toEqual([1]);
    expect(state(v)).toBe(before);
  });

  it('refuses hub subscriptions to another account and never pushes its events', async () => {
    const v = await start();
    const alice = await login(v.url, 'alice', 'key-a');
    const bob = await login(v.url, 'bob', 'key-b');
    const c = hubClient(v.userHubUrl, () => alice, false);
    clients.push(c);
    const rec = new Recorder(c, ['GatewayUserOrder', 'GatewayUserTrade', 'GatewayUserPosition', 'GatewayUserAccount']);
    await c.start();
    for (const m of ['SubscribeOrders', 'SubscribePositions', 'SubscribeTrades']) {
      await expect(c.invoke(m, 2)).rejects.toThrow(/Account 2 not found/);
    }
    await c.invoke('SubscribeAccounts');
    await c.invoke('SubscribeOrders', 1);
    // Bob trades; then Alice places one order: the only events Alice sees are her own.
    await post(`${v.url}/api/Order/place`, { ...ORDER, accountId: 2, type: 2 }, bob);
    const mine = await post(`${v.url}/api/Order/place`, ORDER, alice);
    await rec.next('GatewayUserOrder', (o) => o.id === mine.body.orderId);
    expect(rec.events.every((e) => e.args[0].accountId === 1 || e.args[0].id === 1)).toBe(true);
    expect(rec.count('GatewayUserAccount')).toBe(0);
  });
});

describe('request validation and limits', () => {
  it('refuses malformed JSON, schema violations and oversized bodies with 400/413 and changes nothing', async () => {
    const v = await start({ bodyLimit: 1024 });
    const api = `${v.url}/api`;
    const token = await login(v.url, 'alice', 'key-a');
    const before = state(v);
    const malformed = await post(`${api}/Order/place`, '{"accountId": 1,', token);
    expect(malformed.status).toBe(400);
    expect(malformed.body.detail).toMatch(/not valid JSON/);
    const missing = await post(
      `${api}/Order/place`,
      { contractId: 'CON.F.US.MNQ.U25', type: 2, side: 0, size: 1 },
      token,
    );
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ status: 400, title: 'One or more validation errors occurred.' });
    expect(missing.body.detail).toContain('accountId');
    const wrongType = await post(`${api}/Order/place`, { ...ORDER, size: '1' }, token);
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.detail).toContain('size');
    const big = await post(`${api}/Order/place`, { ...ORDER, customTag: 'x'.repeat(2000) }, token);
    expect(big.status).toBe(413);
    const unknownContract = await post(`${api}/Order/place`, { ...ORDER, contractId: 'CON.F.US.XYZ.Z99' }, token);
    expect(unknownContract.body).toMatchObject({ success: false, errorCode: 8, orderId: null });
    expect(state(v)).toBe(before);
  });

  it('answers 429 with Retry-After past the limit, changes nothing, and lets requests through after the window', async () => {
    const v = await start({
      projectx: { rateLimit: { requests: 5, window: '60s', bars: { requests: 2, window: '30s' } } },
    });
    const api = `${v.url}/api`;
    const token = await login(v.url, 'alice', 'key-a');
    for (let i = 0; i < 5; i++)
      expect((await post(`${api}/Order/searchOpen`, { accountId: 1 }, token)).status).toBe(200);
    const before = state(v);
    const refused = await post(`${api}/Order/place`, ORDER, token);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBe(60);
    expect(state(v)).toBe(before);
    // Bars have their own, stricter limit.
    const bars = {
      contractId: 'CON.F.US.MNQ.U25',
      live: false,
      startTime: '2025-01-02T14:00:00Z',
      endTime: '2025-01-02T15:00:00Z',
      unit: 2,
      unitNumber: 1,
      limit: 10,
      includePartialBar: false,
    };
    expect((await post(`${api}/History/retrieveBars`, bars, token)).status).toBe(200);
    expect((await post(`${api}/History/retrieveBars`, bars, token)).status).toBe(200);
    expect((await post(`${api}/History/retrieveBars`, bars, token)).status).toBe(429);
    await v.advance('60s');
    expect((await post(`${api}/Order/place`, ORDER, token)).body.success).toBe(true);
  });
});
