import { OrderBook } from '@tradekit/order-sim';
import { type MarketEvent, isMarketEvent } from '@tradekit/types';
import { connectFeed } from '@tradekit/ws-tester';
import { describe } from 'vitest';
import WebSocket from 'ws';
import { SAMPLE_SPEC, test } from '../src/index.js';

/** Rejects after `ms` of wall time with a message: real sockets are awaited, never forever. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

describe('market, clock, exchange, trading', () => {
  test('the clock starts at the market start and the market plays onto it', async ({ clock, market, expect }) => {
    expect(clock.now()).toBe(market.sim.config.start);
    const played = await market.advance('1m');
    expect(played).toBeGreaterThan(0);
    expect(clock.now()).toBe(market.sim.config.start + 60_000_000);
    const { bid, ask } = market.price('MNQ');
    expect(bid).toBeOnTick(0.25);
    expect(ask).toBeOnTick(0.25);
    expect(ask as number).toBeGreaterThan(bid as number);
  });

  test('the exchange trades the market instruments and sees the market events', async ({
    exchange,
    market,
    trading,
    expect,
  }) => {
    expect(exchange.getInstrument('MNQ').tickSize).toBe(0.25);
    expect(trading.accountId).toBe('default');
    const seen: MarketEvent[] = [];
    exchange.on('market', (e) => seen.push(e));
    await market.advance('10s');
    expect(seen.length).toBe(market.eventsPlayed);
  });

  test('the same test name gives the same market; the seed is the one reported', async ({
    market,
    resolvedSeed,
    expect,
  }) => {
    expect(resolvedSeed.source).toBe('test-name');
    expect(market.seed).toBe(resolvedSeed.value);
    expect(market.sim.take(3)).toEqual(market.sim.take(3));
  });

  test('orderBook is an empty matching core; sampleOrderbook a 10-level MNQ snapshot', ({
    orderBook,
    sampleOrderbook,
    expect,
  }) => {
    expect(orderBook).toBeInstanceOf(OrderBook);
    expect(sampleOrderbook.type).toBe('book_snapshot');
    expect(sampleOrderbook.symbol).toBe('MNQ');
    expect(sampleOrderbook.bids).toHaveLength(10);
    expect(sampleOrderbook.asks).toHaveLength(10);
    const best = (sampleOrderbook.bids[0]?.price ?? 0) < (sampleOrderbook.asks[0]?.price ?? 0);
    expect(best).toBe(true);
    for (const l of [...sampleOrderbook.bids, ...sampleOrderbook.asks]) expect(l.price).toBeOnTick(0.25);
  });
});

describe('per-test options', () => {
  test.override({
    seed: 7,
    accountId: 'alice',
    exchangeOptions: { accounts: [{ id: 'alice', balance: 5000 }] },
    marketConfig: { symbols: ['ES'], preset: 'gbm', duration: '10m' },
  });

  test('override the seed, the account and the market', async ({ trading, market, resolvedSeed, expect }) => {
    expect(resolvedSeed).toEqual({ value: 7, source: 'option' });
    expect(market.instruments.map((i) => i.symbol)).toEqual(['ES']);
    expect(trading.accountId).toBe('alice');
    expect(trading.getAccount().balance).toEqualDecimal(5000);
  });
});

describe('your own fixtures on top', () => {
  const myTest = test.extend<{ flatAfter: () => Promise<void> }>({
    flatAfter: async ({ trading, until }, use) => {
      await use(async () => {
        await until(() => trading.getPosition('MNQ').quantity === 0, { timeout: '1h' });
      });
    },
  });

  myTest('a composed fixture uses the TradeKit ones', async ({ trading, until, flatAfter, expect }) => {
    const buy = trading.placeMarketOrder('MNQ', 'buy', 1);
    await until(() => trading.getOrder(buy.id).status === 'filled');
    trading.placeMarketOrder('MNQ', 'sell', 1);
    await flatAfter();
    expect(trading).toHavePosition('MNQ', 0);
  });
});

describe('WebSocket servers', () => {
  test('mockServer listens on an ephemeral loopback port and answers a real ws client', async ({
    mockServer,
    expect,
  }) => {
    expect(mockServer.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+/);
    mockServer.on('message', (msg: unknown, client: { send(v: unknown): void }) => client.send({ echo: msg }));
    const ws = new WebSocket(mockServer.url);
    try {
      await within(new Promise((r, j) => ws.once('open', r).once('error', j)), 5000, 'the connection');
      const reply = within(new Promise<string>((r) => ws.once('message', (d) => r(String(d)))), 5000, 'the echo');
      ws.send(JSON.stringify({ op: 'ping' }));
      expect(JSON.parse(await reply)).toEqual({ echo: { op: 'ping' } });
    } finally {
      ws.terminate();
    }
  });

  test('feedServer serves the test market to a real feed client', async ({ feedServer, expect }) => {
    const events: MarketEvent[] = [];
    const seqs: number[] = [];
    const sub = connectFeed({
      url: feedServer.url,
      symbols: ['MNQ'],
      reconnect: false,
      onEvent: (e, seq) => {
        events.push(e);
        seqs.push(seq);
      },
    });
    try {
      // Subscribed before the source starts, so the stream is whole from seq 1.
      await within(
        new Promise<void>((resolve) => {
          const poll = setInterval(() => {
            if (feedServer.stats().subscriptions === 1) {
              clearInterval(poll);
              resolve();
            }
          }, 5);
        }),
        5000,
        'the subscription',
      );
      feedServer.start();
      await within(sub.done, 20_000, 'the end of the feed');
      expect(events.length).toBeGreaterThan(100);
      expect(events.every(isMarketEvent)).toBe(true);
      expect(seqs[0]).toBe(1);
      expect(seqs.at(-1)).toBe(feedServer.seq('MNQ'));
      expect(seqs.every((s, i) => s === i + 1)).toBe(true);
    } finally {
      await sub.close();
    }
  });
});

describe('replay', () => {
  test('replays the bundled hour of quotes and trades', async ({ replay, expect }) => {
    const first: MarketEvent[] = [];
    for await (const e of replay) {
      first.push(e);
      if (first.length === 1000) break;
    }
    expect(first).toHaveLength(1000);
    expect(new Set(first.map((e) => e.type))).toEqual(new Set(['quote', 'trade']));
    expect(first[0]?.ts).toBeGreaterThanOrEqual(Date.parse(SAMPLE_SPEC.hourFrom) * 1000);
  });

  describe('another sample', () => {
    test.override({ replaySample: 'mnq-1m-bars' });
    test('plays the day of one-minute bars', async ({ replay, expect }) => {
      let bars = 0;
      for await (const e of replay) if (e.type === 'bar') bars++;
      expect(bars).toBe(1440);
      expect(replay.summary().malformed.count).toBe(0);
    });
  });
});
