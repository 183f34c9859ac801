/**
 * Must show: an unmodified @microsoft/signalr client (with and without negotiation) and plain
 * fetch drive the ProjectX profile through a full trading cycle on the virtual clock.
 */
import { HubConnectionState } from '@microsoft/signalr';
import { describe, expect, it } from 'vitest';
import { createVenue } from '../src/index.js';
import { MNQ, Recorder, S, T0, hubClient, login, post, tape } from './helpers.js';

// Bid 20000.00 for 20 s, then a drop to 19990.00 (the bracket's stop at 19998.25 fills at the bid),
// then steady again.
const events = tape(60, (i) => (i < 20 ? 20000 : 19990));

describe.each([
  ['without negotiation (official sample)', false],
  ['with negotiation (pysignalr, signalrcore)', true],
])('ProjectX full trading cycle %s', (_name, negotiate) => {
  it('authenticates, trades, brackets, stops out flat with the right PnL, survives a hub drop', async () => {
    const venue = await createVenue({ instruments: [MNQ], source: events, accounts: [{ id: 7, name: 'PRAC-7' }] });
    const api = `${venue.url}/api`;
    let token = '';
    const market = hubClient(venue.marketHubUrl, () => token, negotiate);
    const user = hubClient(venue.userHubUrl, () => token, negotiate);
    try {
      // Authenticate: a JWT with an exp claim.
      token = await login(venue.url);
      const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());
      expect(claims.exp - claims.iat).toBe(86_400);
      const accounts = await post(`${api}/Account/search`, { onlyActiveAccounts: true }, token);
      expect(accounts.body).toEqual({
        accounts: [{ id: 7, name: 'PRAC-7', balance: 100000, canTrade: true, isVisible: true, simulated: true }],
        success: true,
        errorCode: 0,
        errorMessage: null,
      });
      const contract = await post(`${api}/Contract/searchById`, { contractId: 'CON.F.US.MNQ.U25' }, token);
      expect(contract.body.contract).toMatchObject({
        id: 'CON.F.US.MNQ.U25',
        tickSize: 0.25,
        tickValue: 0.5,
        symbolId: 'F.US.MNQ',
      });

      // Hubs: subscribe to quotes and to the account's user events.
      const quotes = new Recorder(market, ['GatewayQuote', 'GatewayTrade']);
      const events_ = new Recorder(user, [
        'GatewayUserOrder',
        'GatewayUserTrade',
        'GatewayUserPosition',
        'GatewayUserAccount',
      ]);
      const subscribeMarket = () => market.invoke('SubscribeContractQuotes', 'CON.F.US.MNQ.U25');
      const subscribeUser = async () => {
        await user.invoke('SubscribeAccounts');
        await user.invoke('SubscribeOrders', 7);
        await user.invoke('SubscribePositions', 7);
        await user.invoke('SubscribeTrades', 7);
      };
      // As the official samples do: re-invoke every Subscribe call on reconnect.
      const resubscribed: Promise<unknown>[] = [];
      market.onreconnected(() => void resubscribed.push(subscribeMarket()));
      user.onreconnected(() => void resubscribed.push(subscribeUser()));
      await market.start();
      await user.start();
      expect(venue.negotiations).toBe(negotiate ? 2 : 0);
      await subscribeMarket();
      await subscribeUser();

      await venue.advance('5s');
      const q = await quotes.next('GatewayQuote', (d) => d.timestamp === '2025-01-02T14:30:04.000001+00:00');
      expect(q).toMatchObject({ symbol: 'F.US.MNQ', bestBid: 20000, bestAsk: 20000.25, lastPrice: 20000 });

      // Market order: order, trade and position updates.
      const placed = await post(
        `${api}/Order/place`,
        { accountId: 7, contractId: 'CON.F.US.MNQ.U25', type: 2, side: 0, size: 1 },
        token,
      );
      expect(placed.body).toMatchObject({ success: true, errorCode: 0, errorMessage: null });
      const id1 = placed.body.orderId as number;
      const filled = await events_.next('GatewayUserOrder', (o) => o.id === id1 && o.status === 2);
      expect(filled).toMatchObject({
        accountId: 7,
        contractId: 'CON.F.US.MNQ.U25',
        type: 2,
        side: 0,
        size: 1,
        fillVolume: 1,
        filledPrice: 20000.25,
      });
      const t1 = await events_.next('GatewayUserTrade', (t) => t.orderId === id1);
      expect(t1).toMatchObject({ price: 20000.25, size: 1, side: 0, profitAndLoss: null, fees: 0, voided: false });
      const p1 = await events_.next('GatewayUserPosition', (p) => p.size === 1);
      expect(p1).toMatchObject({
        accountId: 7,
        contractId: 'CON.F.US.MNQ.U25',
        type: 1,
        size: 1,
        averagePrice: 20000.25,
      });

      // Close it: one round trip, -0.25 points × $2.
      const close = await post(
        `${api}/Position/closeContract`,
        { accountId: 7, contractId: 'CON.F.US.MNQ.U25' },
        token,
      );
      expect(close.body.success).toBe(true);
      const t2 = await events_.next('GatewayUserTrade', (t) => t.side === 1);
      expect(t2).toMatchObject({ price: 20000, profitAndLoss: -0.5 });
      await events_.next('GatewayUserPosition', (p) => p.size === 0);

      // Bracket: market entry, stop 8 ticks below, target 16 ticks above.
      const bracket = await post(
        `${api}/Order/place`,
        {
          accountId: 7,
          contractId: 'CON.F.US.MNQ.U25',
          type: 2,
          side: 0,
          size: 1,
          stopLossBracket: { ticks: 8, type: 4 },
          takeProfitBracket: { ticks: 16, type: 1 },
        },
        token,
      );
      expect(bracket.body.success).toBe(true);
      const entryId = bracket.body.orderId as number;
      await events_.next('GatewayUserOrder', (o) => o.id === entryId && o.status === 2);
      const open = await post(`${api}/Order/searchOpen`, { accountId: 7 }, token);
      const legs = open.body.orders as Array<Record<string, unknown>>;
      expect(legs.map((o) => [o.type, o.side, o.stopPrice, o.limitPrice, o.parentOrderId, o.status])).toEqual([
        [4, 1, 19998.25, null, entryId, 1],
        [1, 1, null, 20004.25, entryId, 1],
      ]);

      // The price drops at 14:30:20: the stop fills at the bid, the target is cancelled.
      await venue.runUntil(T0 + 21 * S);
      const stop = await events_.next('GatewayUserOrder', (o) => o.type === 4 && o.status === 2);
      expect(stop.filledPrice).toBe(19990);
      await events_.next('GatewayUserOrder', (o) => o.type === 1 && o.status === 3);
      const t4 = await events_.next('GatewayUserTrade', (t) => t.orderId === stop.id);
      expect(t4).toMatchObject({ price: 19990, profitAndLoss: -20.5 });
      await events_.next('GatewayUserPosition', (p) => p.size === 0);
      const flat = await post(`${api}/Position/searchOpen`, { accountId: 7 }, token);
      expect(flat.body.positions).toEqual([]);
      const acct = await events_.next('GatewayUserAccount', (a) => a.balance === 100000 - 21);
      expect(acct.id).toBe(7);
      const trades = await post(`${api}/Trade/search`, { accountId: 7, startTimestamp: '2025-01-02T00:00:00Z' }, token);
      const pnl = (trades.body.trades as Array<{ profitAndLoss: number | null }>).reduce(
        (s, t) => s + (t.profitAndLoss ?? 0),
        0,
      );
      expect(pnl).toBe(-21);

      // The hubs drop; the clients reconnect and resubscribe; nothing missed is replayed.
      const reconnected = Promise.all([
        new Promise<void>((r) => market.onreconnected(() => r())),
        new Promise<void>((r) => user.onreconnected(() => r())),
      ]);
      expect(venue.disconnectHubs('all')).toBe(2);
      await reconnected;
      await Promise.all(resubscribed);
      expect(resubscribed).toHaveLength(2);
      expect(market.state).toBe(HubConnectionState.Connected);
      await venue.advance('3s');
      await quotes.next('GatewayQuote', (d) => d.timestamp === '2025-01-02T14:30:23.000001+00:00');

      // Trading continues on the new connections.
      const again = await post(
        `${api}/Order/place`,
        { accountId: 7, contractId: 'CON.F.US.MNQ.U25', type: 2, side: 1, size: 2 },
        token,
      );
      await events_.next('GatewayUserOrder', (o) => o.id === again.body.orderId && o.status === 2);
      await events_.next('GatewayUserPosition', (p) => p.type === 2 && p.size === 2);
      const cover = await post(
        `${api}/Position/partialCloseContract`,
        { accountId: 7, contractId: 'CON.F.US.MNQ.U25', size: 2 },
        token,
      );
      expect(cover.body.success).toBe(true);
      await events_.next('GatewayUserPosition', (p) => p.size === 0);
      expect(venue.exchange.getAccount('7').balance.toString()).toBe(String(100000 - 21 - 1));
    } finally {
      await market.stop();
      await user.stop();
      await venue.close();
    }
  });
});
