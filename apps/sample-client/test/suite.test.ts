/** The suite against a real venue on loopback: set-up, orders, events, reconnects and reconciliation. */
import { createVenue } from '@tradekit/venue';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError, TradingSuite } from '../src/index.js';
import { CONTRACT, MNQ, S, T0, start, tape } from './helpers.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});
async function setup(...args: Parameters<typeof start>) {
  const s = await start(...args);
  cleanup.push(s.close);
  return s;
}

describe('TradingSuite.create', () => {
  it('logs in, picks the account, resolves the symbol and connects both hubs', async () => {
    const { venue, suite } = await setup({
      accounts: [
        { id: 4, name: 'PRAC-4' },
        { id: 5, name: 'PRAC-5' },
      ],
    });
    expect(suite.contract).toEqual({
      id: CONTRACT,
      name: 'MNQU5',
      symbolId: 'F.US.MNQ',
      tickSize: 0.25,
      tickValue: 0.5,
    });
    expect(suite.account).toEqual({ id: 4, name: 'PRAC-4', balance: 100000, canTrade: true });
    expect(suite.connected).toBe(true);
    expect(venue.hubConnectionCount('user')).toBe(1);
    expect(venue.hubConnectionCount('market')).toBe(1);
  });

  it('takes an account by name and a contract by id, with negotiation', async () => {
    const venue = await createVenue({
      instruments: [MNQ],
      source: tape(10, () => 20000),
      accounts: [
        { id: 4, name: 'PRAC-4' },
        { id: 5, name: 'PRAC-5' },
      ],
    });
    cleanup.push(() => venue.close());
    const suite = await TradingSuite.create(CONTRACT, {
      baseUrl: `${venue.url}/api`,
      userHubUrl: venue.userHubUrl,
      marketHubUrl: venue.marketHubUrl,
      credentials: { userName: 'trader', apiKey: 'sim-key' },
      account: 'prac-5',
      negotiate: true,
    });
    cleanup.push(() => suite.disconnect());
    expect([suite.accountId, suite.contract.id, venue.negotiations]).toEqual([5, CONTRACT, 2]);
  });

  it('fails clearly on wrong credentials, an unknown symbol or account', async () => {
    const venue = await createVenue({ instruments: [MNQ], source: tape(10, () => 20000) });
    cleanup.push(() => venue.close());
    const opts = {
      baseUrl: venue.url,
      userHubUrl: venue.userHubUrl,
      marketHubUrl: venue.marketHubUrl,
      credentials: { userName: 'trader', apiKey: 'sim-key' },
    };
    const bad = await TradingSuite.create('MNQ', {
      ...opts,
      credentials: { userName: 'trader', apiKey: 'nope' },
    }).catch((e) => e);
    expect(bad).toBeInstanceOf(GatewayError);
    expect([bad.code, bad.errorCode]).toEqual(['AUTH_FAILED', 3]);
    const sym = await TradingSuite.create('ZZZ', opts).catch((e) => e);
    expect(sym.code).toBe('CONTRACT_NOT_FOUND');
    const acct = await TradingSuite.create('MNQ', { ...opts, account: 'nobody' }).catch((e) => e);
    expect(acct.code).toBe('ACCOUNT_NOT_FOUND');
    expect(acct.message).toMatch(/SIM-1/);
    expect(venue.hubConnectionCount()).toBe(0);
  });
});

describe('market data', () => {
  it('delivers quotes, ticks, depth and bars built from ticks equal to the gateway history', async () => {
    const { venue, suite } = await setup(
      { source: tape(65, (i) => 20000 + (i % 7) * 0.25) },
      { timeframe: { unit: 'second', size: 10 } },
    );
    const ticks: number[] = [];
    suite.on('tick', (t) => ticks.push(t.time));
    await venue.advance('65s');
    await suite.flush();
    expect(ticks).toEqual(Array.from({ length: 65 }, (_, i) => T0 + i * S + 1));
    expect(suite.data.quote()).toMatchObject({ bid: 20000 + (64 % 7) * 0.25, ask: 20000 + (64 % 7) * 0.25 + 0.25 });
    expect(suite.data.depth(1).bids[0]?.price).toBe(suite.data.quote()?.bid);
    const bars = suite.data.bars();
    expect(bars.map((b) => (b.time - T0) / S)).toEqual([0, 10, 20, 30, 40, 50]);
    const history = await suite.data.history(T0, T0 + 60 * S);
    expect(bars.map(({ source: _s, ...b }) => b)).toEqual(history.map(({ source: _s, ...b }) => b));
    expect(suite.marketStats).toMatchObject({ ticks: 65, duplicateTicks: 0, malformed: 0, gaps: 0 });
  });
});

describe('orders', () => {
  it('places, modifies and cancels a limit order; a stop fills when the market trades through it', async () => {
    const { venue, suite } = await setup({ source: tape(60, (i) => (i < 10 ? 20000 : 19990)) });
    await venue.advance('1s');
    const lim = await suite.orders.limit('buy', 1, 19950.1); // rounded to the grid
    let o = await suite.orders.waitFor(lim.orderId, 'open');
    expect([o.limitPrice, o.customTag]).toEqual([19950, lim.customTag]);
    await suite.orders.modify(lim.orderId, { limitPrice: 19960, size: 2 });
    o = await suite.orders.waitFor(lim.orderId, (x) => x.limitPrice === 19960);
    expect(o.size).toBe(2);
    await suite.orders.cancel(lim.orderId);
    await suite.orders.waitFor(lim.orderId, 'cancelled');

    const stop = await suite.orders.stop('sell', 1, 19995);
    await suite.orders.waitFor(stop.orderId, 'open');
    await venue.advance('10s');
    const filled = await suite.orders.waitFor(stop.orderId, 'filled');
    expect(filled.avgFillPrice).toBe(19990);
    await suite.positions.waitForSize(-1);
    expect(suite.orders.working()).toEqual([]);
  });

  it('brackets a market entry: legs at the tick distances, the stop fills and the target is cancelled', async () => {
    const { venue, suite } = await setup({ source: tape(60, (i) => (i < 10 ? 20000 : 19940)) });
    await venue.advance('1s');
    const b = await suite.orders.bracket({ side: 'buy', size: 1, stopLossTicks: 40, takeProfitTicks: 80 });
    const entry = await suite.orders.waitFor(b.orderId, 'filled');
    expect(entry.avgFillPrice).toBe(20000.25);
    await suite.until(() => suite.orders.legsOf(b.orderId).target !== undefined, 'the bracket legs');
    const legs = suite.orders.legsOf(b.orderId);
    expect([legs.stop?.stopPrice, legs.target?.limitPrice]).toEqual([19990.25, 20020.25]);
    await venue.advance('10s');
    await suite.orders.waitFor(legs.stop?.id as number, 'filled');
    await suite.orders.waitFor(legs.target?.id as number, 'cancelled');
    await suite.positions.waitForSize(0);
    await suite.until(() => suite.positions.fills().length === 2, 'both fills');
    expect(suite.positions.realizedPnl()).toBe(-120.5);
  });

  it('throws ORDER_REJECTED with the gateway reason and the id it gave the order', async () => {
    const { venue, suite } = await setup();
    await venue.advance('1s');
    const err = await suite.orders
      .limit('buy', 1, 19950, { customTag: 'dup' })
      .then(() => suite.orders.limit('buy', 1, 19950, { customTag: 'dup' }))
      .catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.code).toBe('ORDER_REJECTED');
    expect(err.errorCode).toBe(2);
    expect(err.message).toMatch(/customTag|tag/i);
    expect(() => suite.orders.bracket({ side: 'buy', size: 1, stopLossTicks: 0, takeProfitTicks: 4 })).toThrow(
      /stopLossTicks/,
    );
    await expect(suite.orders.market('buy', 0)).rejects.toThrow(/size to be a whole number > 0, got 0/);
  });
});

describe('drops and reconciliation', () => {
  it('resynchronises after a user-hub drop: the fill missed during the outage is recovered once', async () => {
    const { venue, suite } = await setup({ source: tape(60, (i) => (i < 10 ? 20000 : 19990)) });
    await venue.advance('1s');
    const lim = await suite.orders.limit('buy', 1, 19995);
    await suite.orders.waitFor(lim.orderId, 'open');
    const fills: number[] = [];
    suite.on('fill', (f) => fills.push(f.id));
    // Cut the user hub and let the limit fill before the client is back.
    const resynced = suite.waitFor('resync', () => true, 5000, 'the resync after the reconnect');
    venue.disconnectHubs('user');
    await venue.advance('10s');
    const report = await resynced;
    const o = await suite.orders.waitFor(lim.orderId, 'filled');
    expect(o.avgFillPrice).toBe(19995);
    expect(suite.positions.size()).toBe(1);
    await suite.flush();
    expect(fills).toHaveLength(1);
    expect(report.reason).toBe('user hub reconnected');
    expect(suite.reconnects.user).toBe(1);
  });

  it('a placement whose request was dropped is looked up by its tag, not sent twice', async () => {
    const { venue, suite } = await setup({
      projectx: { restFaults: [{ type: 'drop', route: 'Order/place', requests: [0] }] },
    });
    await venue.advance('1s');
    const err = await suite.orders.market('buy', 1, { customTag: 'first' }).catch((e) => e);
    expect(err.code).toBe('SUBMISSION_UNCERTAIN');
    expect(venue.exchange.getOrders()).toHaveLength(0);
    const again = await suite.orders.market('buy', 1, { customTag: 'second' });
    await suite.orders.waitFor(again.orderId, 'filled');
    expect(venue.exchange.getOrders()).toHaveLength(1);
  });

  it('logs in again when the token expires on an open connection and carries on', async () => {
    const { venue, suite } = await setup({ source: tape(10, () => 20000) });
    const states: string[] = [];
    suite.on('connection', (s) => states.push(`${s.hub} ${s.state}`));
    const logins = () => suite.http.requests.get('Auth/loginKey') ?? 0;
    expect(logins()).toBe(1);
    const back = suite.waitFor('resync', () => true, 5000, 'the resync after the token expired');
    await venue.advance(25 * 3600 * S);
    await back;
    expect(states).toContain('user reconnected');
    expect(logins()).toBeGreaterThanOrEqual(2);
    const placed = await suite.orders.limit('buy', 1, 19900);
    await suite.orders.waitFor(placed.orderId, 'open');
  });
});
