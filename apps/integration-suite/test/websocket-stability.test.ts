/**
 * WebSocket stability: the client survives what real hub connections do — abrupt drops (1006),
 * clean closes, a refused token, malformed frames, delayed frames, bursts, being too slow to read,
 * a gateway restart — and each time it reconnects, resubscribes, resynchronises and trades on.
 */
import type { MarketEvent } from '@tradekit/types';
import type { HubStateChange, TradingSuite } from 'sample-client';
import { describe } from 'vitest';
import { CONTRACT, S, T0, scripted, tape, test } from './support/fixtures.js';
import { nextState } from './support/wait.js';

const quiet = tape(600, (i) => 20000 + (i % 5) * 0.25);
const tradeTimes = (from: number, to: number) =>
  quiet.filter((e) => e.type === 'trade' && e.ts >= from && e.ts <= to).map((e) => e.ts);

/** A market order placed after the trouble fills, and the client hears about it. */
async function tradesOn(suite: TradingSuite) {
  const { orderId } = await suite.orders.market('buy', 1);
  await suite.orders.waitFor(orderId, 'filled');
  await suite.positions.waitForSize(suite.positions.size());
}

function states(suite: TradingSuite): string[] {
  const log: string[] = [];
  suite.on('connection', (s: HubStateChange) => log.push(`${s.hub} ${s.state}`));
  return log;
}

describe('websocket stability', () => {
  test.override(scripted(quiet));

  test('an abrupt drop of both hubs (1006): both reconnect, resubscribe, and data and fills flow again', async ({
    venue,
    suite,
    step,
    expect,
  }) => {
    const log = states(suite);
    await step('5s');
    const back = Promise.all([nextState(suite, 'user', 'reconnected'), nextState(suite, 'market', 'reconnected')]);
    expect(venue.disconnectHubs('all', 'drop')).toBe(2);
    await back;
    expect(log).toEqual(
      expect.arrayContaining(['user reconnecting', 'market reconnecting', 'user reconnected', 'market reconnected']),
    );
    const ticks: number[] = [];
    suite.on('tick', (t) => ticks.push(t.time));
    await step('5s');
    expect(ticks).toEqual(tradeTimes(T0 + 5 * S + 1, T0 + 10 * S));
    await tradesOn(suite);
    expect(suite.reconnects).toEqual({ user: 1, market: 1 });
    expect(venue.hubConnectionCount()).toBe(2);
  });

  test('a clean close that allows reconnecting is handled the same way', async ({ venue, suite, step, expect }) => {
    await step('2s');
    const back = nextState(suite, 'user', 'reconnected');
    venue.disconnectHubs('user', 'close');
    await back;
    expect(suite.reconnects).toEqual({ user: 1, market: 0 });
    await tradesOn(suite);
  });

  describe('auth failure', () => {
    // Connection attempts: 0 user hub, 1 market hub, 2 the user hub's first reconnect → 401.
    test.override(scripted(quiet, { faults: { rules: [{ type: 'reject', status: 401, connections: [2] }] } }));

    test('a reconnect refused with 401 makes the client renew its token, then it reconnects', async ({
      venue,
      suite,
      step,
      expect,
    }) => {
      const auth = () =>
        (suite.http.requests.get('Auth/loginKey') ?? 0) + (suite.http.requests.get('Auth/validate') ?? 0);
      expect(auth()).toBe(1);
      await step('1s');
      const back = nextState(suite, 'user', 'reconnected');
      venue.disconnectHubs('user');
      await back;
      // The refused attempt renewed the token (Auth/validate) before the next one.
      expect(suite.http.requests.get('Auth/validate')).toBeGreaterThanOrEqual(1);
      expect(auth()).toBeGreaterThanOrEqual(2);
      await tradesOn(suite);
    });
  });

  describe('malformed frames', () => {
    // The market hub's 12th frame is not JSON; its 20th is valid JSON of the wrong shape.
    test.override(
      scripted(quiet, {
        faults: {
          rules: [
            { type: 'corrupt', kind: 'invalid-json', connections: [1], messages: [11] },
            {
              type: 'burst',
              count: 1,
              connections: [1, 2],
              messages: [19],
              message: `${JSON.stringify({ type: 1, target: 'GatewayTrade', arguments: [CONTRACT, [{ price: 'NaN?' }]] })}\u001e`,
            },
          ],
        },
      }),
    );

    test('an unparsable frame ends the connection and the client comes back; a wrong-shaped payload is counted, not used', async ({
      suite,
      step,
      expect,
    }) => {
      const errors: string[] = [];
      suite.on('error', (e) => errors.push(e.message));
      const back = nextState(suite, 'market', 'reconnected');
      await step('5s');
      await back;
      await step('10s');
      expect(suite.reconnects.market).toBe(1);
      expect(suite.marketStats.malformed).toBe(1);
      expect(errors.some((m) => /not the documented shape/.test(m))).toBe(true);
      expect(suite.data.ticks().every((t) => Number.isFinite(t.price))).toBe(true);
      expect(suite.data.ticks().at(-1)?.time).toBe(T0 + 14 * S + 1); // the venue is at 14:30:15.000000
    });
  });

  describe('delayed frames', () => {
    // Every market-hub frame from the 5th on is held 3 s of venue time (order kept, as TCP does).
    test.override(scripted(quiet, { faults: { rules: [{ type: 'delay', delay: '3s', connections: [1], from: 4 }] } }));

    test('data arrives late but complete and in order', async ({ venue, suite, expect }) => {
      await venue.advance('10s');
      // Frames sent in the last 3 s are held at the venue: the trade of 14:30:06.000001 is the last
      // released (the one of 14:30:07.000001 is due at 14:30:10.000001).
      await suite.until(() => suite.data.ticks().at(-1)?.time === T0 + 6 * S + 1, 'the ticks up to 14:30:06', 10_000);
      const seen = suite.data.ticks().map((t) => t.time);
      expect(seen).toEqual(tradeTimes(T0, T0 + 6 * S + 1));
      await venue.advance('5s');
      await suite.until(() => suite.data.ticks().at(-1)?.time === T0 + 11 * S + 1, 'the ticks up to 14:30:11', 10_000);
      expect(suite.data.ticks().map((t) => t.time)).toEqual(tradeTimes(T0, T0 + 11 * S + 1));
      expect(suite.marketStats).toMatchObject({ duplicateTicks: 0, gaps: 0 });
    });
  });

  describe('bursts', () => {
    // After the 10th market-hub frame, 2000 copies of it at once.
    test.override(
      scripted(quiet, { faults: { rules: [{ type: 'burst', count: 2000, connections: [1], messages: [9] }] } }),
    );

    test('a burst of 2000 repeated frames is absorbed: duplicates counted, the tape unchanged', async ({
      suite,
      step,
      expect,
    }) => {
      await step('20s');
      expect(suite.data.ticks().map((t) => t.time)).toEqual(tradeTimes(T0, T0 + 20 * S));
      expect(suite.connected).toBe(true);
      expect(suite.marketStats.quotes + suite.marketStats.duplicateTicks).toBeGreaterThan(2000);
    });
  });

  describe('slow consumer', () => {
    // A busy book: 20 snapshots a second of 100 levels a side (~20 KB each) on top of the tape, and a
    // venue that cuts a connection with more than 64 KiB waiting to be read.
    const book: MarketEvent[] = [];
    for (let i = 0; i < 60 * 20; i++) {
      const ts = T0 + i * 50_000 + 2;
      const mid = 20000 + (Math.floor(i / 20) % 5) * 0.25;
      const levels = (side: number) =>
        Array.from({ length: 100 }, (_, k) => ({ price: mid + side * (k + (side > 0 ? 1 : 0)) * 0.25, size: 5 + k }));
      book.push({ type: 'book_snapshot', symbol: 'MNQ', ts, bids: levels(-1), asks: levels(1) });
    }
    const busy = [...quiet, ...book].sort((a, b) => a.ts - b.ts);
    test.override({
      ...scripted(busy, { projectx: { maxBufferedBytes: 65_536 } }),
      suiteOptions: { timeframe: { unit: 'second', size: 10 } },
    });

    test('a client that does not read fast enough is cut; it reconnects, reports the hole, the bars stay whole', async ({
      venue,
      suite,
      step,
      expect,
    }) => {
      await step('2s');
      const cut = nextState(suite, 'market', 'reconnecting');
      const back = nextState(suite, 'market', 'reconnected');
      // A minute of the busy book pushed in one go: the client cannot read while the venue writes.
      await venue.advance('58s');
      await cut;
      await back;
      await step('10s');
      expect(venue.projectx?.slowConsumersCut).toBeGreaterThanOrEqual(1);
      expect(suite.marketStats.gaps).toBeGreaterThanOrEqual(1);
      const bars = suite.data.bars();
      const starts = bars.map((b) => b.time);
      expect(starts.length).toBeGreaterThan(0);
      expect(new Set(starts).size).toBe(starts.length);
      expect(bars.map(({ source: _s, ...b }) => b)).toEqual(
        (await suite.data.history(T0, (starts.at(-1) as number) + 60 * S)).map(({ source: _s, ...b }) => b),
      );
      await tradesOn(suite);
    });
  });

  test('a gateway restart: everything drops, the port is closed for 5 s of venue time, the client comes back', async ({
    venue,
    suite,
    step,
    expect,
  }) => {
    await step('2s');
    const { orderId } = await suite.orders.limit('buy', 1, 19000);
    await suite.orders.waitFor(orderId, 'open');
    const down = nextState(suite, 'user', 'reconnecting');
    const restarted = venue.restart({ downtime: '5s' });
    await down;
    const back = Promise.all([
      nextState(suite, 'user', 'reconnected'),
      nextState(suite, 'market', 'reconnected'),
      suite.waitFor('resync', () => true, 10_000, 'the resync after the restart'),
    ]);
    await venue.advance('5s');
    await restarted;
    await back;
    // The resting order survived the restart and the client still knows it.
    expect(suite.orders.get(orderId)?.status).toBe('open');
    await tradesOn(suite);
  });
});
