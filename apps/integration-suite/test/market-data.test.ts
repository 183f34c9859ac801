/**
 * Market data: the client's ticks are the venue's trades with no gap and no duplicate; a hole left
 * by a reconnect is reported (the gateway replays nothing) and the bars over it still have no gap
 * and no duplicate, equal to the gateway's bar history; duplicated frames are recognised; the depth
 * book follows the venue's book.
 */
import type { MarketEvent } from '@tradekit/types';
import type { Bar, Gap, Tick } from 'sample-client';
import { describe } from 'vitest';
import { S, T0, scripted, tape, test } from './support/fixtures.js';
import { nextState } from './support/wait.js';

const SECONDS = 120;
// A price that moves every second (so bars differ from one another).
const source = tape(SECONDS, (i) => 20000 + ((i * 7) % 13) * 0.25 - Math.floor(i / 30) * 2);
const trades = source.filter((e): e is Extract<MarketEvent, { type: 'trade' }> => e.type === 'trade');
const strip = (bars: readonly Bar[]) => bars.map(({ source: _s, ...b }) => b);

describe('market data', () => {
  test.override({ ...scripted(source), suiteOptions: { timeframe: { unit: 'second', size: 10 } } });

  test('ticks are the venue trades, in order, none missing, none twice; bars equal the gateway history', async ({
    suite,
    step,
    expect,
  }) => {
    const ticks: Tick[] = [];
    suite.on('tick', (t) => ticks.push(t));
    await step(`${SECONDS}s`);
    expect(ticks.map((t) => [t.time, t.price, t.size, t.side])).toEqual(
      trades.map((t) => [t.ts, t.price, t.size, t.side]),
    );
    // The last bar closed too: the venue's quote heartbeat at 14:32:00 moved time past its end.
    const bars = suite.data.bars();
    expect(bars.map((b) => (b.time - T0) / S)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]);
    expect(strip(bars)).toEqual(strip(await suite.data.history(T0, T0 + 120 * S)));
    expect(suite.marketStats).toMatchObject({ ticks: SECONDS, duplicateTicks: 0, malformed: 0, gaps: 0 });
  });

  test('after a market-hub drop: the hole is reported once, no tick twice, bars over it from history without gap', async ({
    venue,
    suite,
    step,
    expect,
  }) => {
    const ticks: Tick[] = [];
    const gaps: Gap[] = [];
    suite.on('tick', (t) => ticks.push(t));
    suite.on('gap', (g) => gaps.push(g));
    await step('25s');
    // The market hub goes down and stays down while 20 s of market pass.
    venue.refuseHubConnections(true);
    const down = nextState(suite, 'market', 'reconnecting');
    venue.disconnectHubs('market');
    await down;
    await venue.advance('20s');
    const back = nextState(suite, 'market', 'reconnected');
    venue.refuseHubConnections(false);
    await back;
    await step(`${SECONDS - 45}s`);

    // One hole, from the last event before the drop to the first after the resubscription.
    expect(gaps).toHaveLength(1);
    const [gap] = gaps as [Gap];
    expect(gap.from).toBe(T0 + 25 * S); // the quote of 14:30:25 was the last thing seen
    expect(gap.to).toBe(T0 + 45 * S); // the current quote sent on resubscribing at 14:30:45
    const missing = trades.filter((t) => t.ts > gap.from && t.ts < gap.to);
    expect(missing).toHaveLength(20);
    expect(ticks.map((t) => t.time)).toEqual(trades.filter((t) => !missing.includes(t)).map((t) => t.ts));
    // Bars: every 10 s bucket exactly once, equal to the gateway's, the ones the hole touched from history.
    const bars = suite.data.bars();
    expect(bars.map((b) => (b.time - T0) / S)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]);
    expect(strip(bars)).toEqual(strip(await suite.data.history(T0, T0 + 120 * S)));
    expect(bars.filter((b) => b.source === 'history').map((b) => (b.time - T0) / S)).toEqual([0, 20, 30, 40]);
    expect(suite.marketStats).toMatchObject({ gaps: 1, duplicateTicks: 0, malformed: 0, backfilledBars: 4 });
  });
});

describe('market data with duplicated frames', () => {
  // Every 3rd frame the venue sends on the market hub (connection 1) goes out twice.
  test.override({
    ...scripted(source, { faults: { rules: [{ type: 'duplicate', connections: [1], every: 3 }] } }),
    suiteOptions: { timeframe: { unit: 'second', size: 10 } },
  });

  test('a trade delivered twice is passed on once and counted', async ({ suite, step, expect }) => {
    const ticks: Tick[] = [];
    suite.on('tick', (t) => ticks.push(t));
    await step('60s');
    expect(ticks.map((t) => t.time)).toEqual(trades.filter((t) => t.ts <= T0 + 60 * S).map((t) => t.ts));
    expect(suite.marketStats.duplicateTicks).toBeGreaterThan(5);
    expect(strip(suite.data.bars())).toEqual(strip(await suite.data.history(T0, T0 + 60 * S)));
  });
});

describe('market depth', () => {
  // The test's market-sim market (futures preset): quotes, trades and 10-level books.
  test.override({ marketConfig: { symbols: ['MNQ'], preset: 'futures', duration: '10m' } });

  test('the depth book follows the venue: best levels equal its top of book, never crossed', async ({
    venue,
    suite,
    step,
    expect,
  }) => {
    let updates = 0;
    suite.on('depth', () => updates++);
    for (let i = 0; i < 6; i++) {
      await step('10s');
      const book = suite.data.depth(10);
      const view = venue.core.view('MNQ');
      expect(book.bids[0]?.price).toBe(view.bid);
      expect(book.asks[0]?.price).toBe(view.ask);
      expect(book.bids[0]?.price).toBeLessThan(book.asks[0]?.price as number);
      expect(book.bids.map((l) => l.price)).toEqual([...book.bids.map((l) => l.price)].sort((a, b) => b - a));
      expect(book.asks.map((l) => l.price)).toEqual([...book.asks.map((l) => l.price)].sort((a, b) => a - b));
    }
    expect(updates).toBeGreaterThan(50);
    expect(suite.data.depth(10).bids.length).toBeGreaterThan(1);
  });
});
