/**
 * The vitest fixtures: `test` = vitest's `test.extend(tradekitFixtures)`. Every fixture is lazy
 * (created only when the test names it) and cleaned up after the test.
 */
import { type MarketConfig, createMarket, resolveConfig } from '@tradekit/market-sim';
import {
  Exchange,
  type ExchangeOptions,
  OrderBook,
  type TradingClient,
  createTradingClient,
} from '@tradekit/order-sim';
import { type ReplayController, type ReplayOptions, replay as openReplay } from '@tradekit/replay';
import { type BookSnapshotEvent, type Order, Rng, type Seed, VirtualClock, jsonToEvent } from '@tradekit/types';
import { type Venue, type VenueInstrumentSpec, type VenueOptions, createVenue } from '@tradekit/venue';
import {
  type FeedServer,
  type FeedServerOptions,
  type MockServer,
  type MockServerOptions,
  createFeedServer,
  createMockServer,
} from '@tradekit/ws-tester';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { type TestAPI, type TestContext, test as vitestTest } from 'vitest';
import { fixtureError } from './errors.js';
import { FixtureMarket, outsideTest, resolvePriceMoves } from './market.js';
import { trackOrder } from './registry.js';
import { type SampleName, samplePath } from './samples.js';
import { type ResolvedSeed, SEED_ENV, resolveSeed, seedReport } from './seed.js';
import { type Until, createUntil } from './until.js';

/** Per-test options: override them with `test.override({ … })` (or `test.scoped`) in a `describe`. */
export interface TradeKitOptions {
  /** Pin the seed; otherwise `TRADEKIT_SEED`, else one derived from the test's name. @default undefined */
  seed: Seed | undefined;
  /** The market-sim config of the `market` fixture (its `seed` is the test's). @default { symbols: ['MNQ'], preset: 'futures', duration: '1d' } */
  marketConfig: MarketConfig;
  /** Extra options of the `exchange` fixture (clock, instruments and seed come from the other fixtures). @default {} */
  exchangeOptions: Partial<Omit<ExchangeOptions, 'clock'>>;
  /** Account the `trading` fixture trades for. @default 'default' */
  accountId: string;
  /** Options of the `mockServer` fixture. @default { json: true } */
  mockServerOptions: MockServerOptions;
  /** Options of the `feedServer` fixture; its source defaults to the first 10 minutes of the test's market (same config and seed) on a clock of its own; call `start()` once clients are subscribed. @default { autoStart: false, speed: Infinity } */
  feedServerOptions: Partial<FeedServerOptions>;
  /** Bundled sample the `replay` fixture plays. @default 'mnq-quotes-trades' */
  replaySample: SampleName;
  /** Options of the `replay` fixture (no clock: as fast as it is read). @default {} */
  replayOptions: ReplayOptions;
  /**
   * Options of the `venue` fixture; `instruments` and `source` default to the test's market
   * (`marketConfig`, the test's seed), `accounts` to one account of user `trader` with API key
   * `sim-key`. The venue always runs on a virtual clock on 127.0.0.1, port 0. @default {}
   */
  venueOptions: Partial<Omit<VenueOptions, 'clock' | 'host' | 'port' | 'speed'>>;
}

/** API-key credentials of the `venue` fixture's first account. */
export interface VenueCredentials {
  userName: string;
  apiKey: string;
}

/**
 * The `venue` fixture: a running `@tradekit/venue` (its URLs, `advance` / `runUntil`, faults,
 * exchange) plus the credentials of its first account and a `connection` to spread into a client's
 * options.
 */
export type VenueFixture = Venue & {
  /** User name and API key of the first account (`Auth/loginKey`). */
  readonly credentials: VenueCredentials;
  /** `{ baseUrl, userHubUrl, marketHubUrl, credentials }`: what a ProjectX client needs to connect. */
  readonly connection: {
    baseUrl: string;
    userHubUrl: string;
    marketHubUrl: string;
    credentials: VenueCredentials;
  };
};

/** Fixtures `test` provides; destructure the ones a test needs. */
export interface TradeKitFixtures extends TradeKitOptions {
  /** The seed this test runs with and where it came from (printed when the test fails). */
  resolvedSeed: ResolvedSeed;
  /** A seeded random generator for the test's own draws. */
  rng: Rng;
  /** The test's virtual clock, starting at the market's start. */
  clock: VirtualClock;
  /** A seeded market-sim market played onto `clock` (`advance`, `next`, `price`). */
  market: FixtureMarket;
  /** An order-sim exchange on `clock`, fed by `market`, with the market's instruments. */
  exchange: Exchange;
  /** The trading facade of `accountId` on `exchange`. */
  trading: TradingClient;
  /** An empty order-sim matching core (price-time priority on integer ticks). */
  orderBook: OrderBook;
  /** The first 10-level MNQ book snapshot of the bundled sample data. */
  sampleOrderbook: BookSnapshotEvent;
  /** A ws-tester mock WebSocket server on an ephemeral loopback port. */
  mockServer: MockServer;
  /** A ws-tester feed server on an ephemeral loopback port, serving the test's market. */
  feedServer: FeedServer;
  /** A replay of the bundled sample `replaySample`. */
  replay: ReplayController;
  /** Waits in virtual time until a condition holds (plays the market, fires timers). */
  until: Until;
  /**
   * A simulated venue (ProjectX REST + SignalR hubs, plain JSON profile) on an ephemeral loopback
   * port and its own virtual clock, playing the test's market; step it with `advance` / `runUntil`.
   * Closed after the test, whatever happened.
   */
  venue: VenueFixture;
}

type Use<T> = (value: T) => Promise<void>;

/** vitest passes `use` as the second argument; anything else means the fixture was called by hand. */
function checkUse(name: string, use: unknown): void {
  if (typeof use !== 'function') {
    throw fixtureError(
      'FIXTURE_OUTSIDE_TEST',
      `The ${name} fixture was called directly. Fixtures run through vitest: import { test } from '@tradekit/test-fixtures' (or test.extend(tradekitFixtures)) and name it in the test's arguments: test('…', async ({ ${name} }) => …).`,
      { fixture: name },
    );
  }
}

function nameOf(task: TestContext['task']): string {
  return task.fullTestName ?? task.name;
}

/** Markets created per clock, so `until` (which only needs the clock) finds the test's market. */
const marketsByClock = new WeakMap<VirtualClock, FixtureMarket>();
const seedsByClock = new WeakMap<VirtualClock, string>();

type Ctx = TestContext & TradeKitFixtures;

/**
 * The fixture definitions, to compose your own `test`:
 * `import { test as base } from 'vitest'; const test = base.extend(tradekitFixtures).extend({ … })`.
 */
export const tradekitFixtures = {
  seed: [undefined as Seed | undefined, { injected: false }] as [Seed | undefined, { injected: boolean }],
  marketConfig: { symbols: ['MNQ'], preset: 'futures', duration: '1d' } as MarketConfig,
  exchangeOptions: {} as Partial<Omit<ExchangeOptions, 'clock'>>,
  accountId: 'default',
  mockServerOptions: { json: true } as MockServerOptions,
  feedServerOptions: { autoStart: false, speed: Number.POSITIVE_INFINITY } as Partial<FeedServerOptions>,
  replaySample: 'mnq-quotes-trades' as SampleName,
  replayOptions: {} as ReplayOptions,
  venueOptions: {} as Partial<Omit<VenueOptions, 'clock' | 'host' | 'port' | 'speed'>>,

  resolvedSeed: async ({ seed, task, onTestFailed }: Ctx, use: Use<ResolvedSeed>) => {
    checkUse('resolvedSeed', use);
    const name = nameOf(task);
    const resolved = resolveSeed(seed, name, process.env[SEED_ENV]);
    onTestFailed(({ task: t }) => {
      const line = seedReport(resolved, name);
      // Appended to the failure itself, so the reporter shows it with the error.
      for (const e of t.result?.errors ?? []) {
        if (typeof e.message !== 'string' || e.message.includes('[tradekit] test')) continue;
        const original = e.message;
        e.message = `${original}\n\n${line}`;
        // Reporters that print the stack (JSON, JUnit) read the message from there.
        if (typeof e.stack === 'string' && original !== '') e.stack = e.stack.replace(original, e.message);
      }
      console.error(line);
    });
    await use(resolved);
  },

  rng: async ({ resolvedSeed }: Ctx, use: Use<Rng>) => {
    checkUse('rng', use);
    await use(new Rng(resolvedSeed.value).fork('test'));
  },

  clock: async ({ marketConfig, resolvedSeed, task }: Ctx, use: Use<VirtualClock>) => {
    checkUse('clock', use);
    const { start } = resolveConfig({ ...marketConfig, seed: resolvedSeed.value });
    const clock = new VirtualClock({ start });
    seedsByClock.set(clock, seedReport(resolvedSeed, nameOf(task)));
    await use(clock);
  },

  market: async ({ marketConfig, resolvedSeed, clock, task }: Ctx, use: Use<FixtureMarket>) => {
    checkUse('market', use);
    const market = new FixtureMarket({ ...marketConfig, seed: resolvedSeed.value }, clock, nameOf(task));
    marketsByClock.set(clock, market);
    try {
      await use(market);
    } finally {
      market.close();
    }
  },

  exchange: async ({ exchangeOptions, market, clock, resolvedSeed }: Ctx, use: Use<Exchange>) => {
    checkUse('exchange', use);
    const exchange = new Exchange({
      instruments: market.instruments,
      seed: resolvedSeed.value,
      ...exchangeOptions,
      clock,
    });
    // Orders handed out are remembered with their exchange, so matchers can read their latest state.
    const place = exchange.placeOrder.bind(exchange);
    const get = exchange.getOrder.bind(exchange);
    const list = exchange.getOrders.bind(exchange);
    const modify = exchange.modifyOrder.bind(exchange);
    exchange.placeOrder = (r) => trackOrder(place(r), exchange);
    exchange.getOrder = (id) => trackOrder(get(id), exchange);
    exchange.getOrders = (f) => list(f).map((o: Order) => trackOrder(o, exchange));
    exchange.modifyOrder = (id, c) => trackOrder(modify(id, c), exchange);
    const disconnect = market.connect((e) => exchange.onMarketEvent(e));
    try {
      await use(exchange);
    } finally {
      disconnect();
      exchange.close();
    }
  },

  trading: async ({ exchange, accountId }: Ctx, use: Use<TradingClient>) => {
    checkUse('trading', use);
    await use(createTradingClient(exchange, { accountId }));
  },

  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  orderBook: async ({}: Ctx, use: Use<OrderBook>) => {
    checkUse('orderBook', use);
    await use(new OrderBook());
  },

  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  sampleOrderbook: async ({}: Ctx, use: Use<BookSnapshotEvent>) => {
    checkUse('sampleOrderbook', use);
    await use(firstBookSnapshot());
  },

  mockServer: async ({ mockServerOptions }: Ctx, use: Use<MockServer>) => {
    checkUse('mockServer', use);
    const server = await createMockServer({ ...mockServerOptions, host: '127.0.0.1', port: 0 });
    try {
      await use(server);
    } finally {
      await server.stop();
    }
  },

  feedServer: async ({ feedServerOptions, marketConfig, resolvedSeed }: Ctx, use: Use<FeedServer>) => {
    checkUse('feedServer', use);
    const { start } = resolveConfig({ ...marketConfig, seed: resolvedSeed.value });
    const source =
      feedServerOptions.source ?? createMarket({ ...marketConfig, seed: resolvedSeed.value, duration: '10m' });
    const server = await createFeedServer({
      clock: new VirtualClock({ start }),
      ...feedServerOptions,
      source,
      host: '127.0.0.1',
      port: 0,
    });
    try {
      await use(server);
    } finally {
      await server.close();
    }
  },

  replay: async ({ replaySample, replayOptions }: Ctx, use: Use<ReplayController>) => {
    checkUse('replay', use);
    const r = openReplay(samplePath(replaySample), replayOptions);
    try {
      await use(r);
    } finally {
      await r.stop();
    }
  },

  venue: async ({ venueOptions, marketConfig, resolvedSeed }: Ctx, use: Use<VenueFixture>) => {
    checkUse('venue', use);
    for (const key of ['clock', 'host', 'port', 'speed'] as const) {
      if (key in (venueOptions ?? {}))
        throw fixtureError(
          'FIXTURE_OPTION_INVALID',
          `The venue fixture always runs on a virtual clock on 127.0.0.1, port 0; \`venueOptions.${key}\` cannot be set. Call createVenue() from @tradekit/venue yourself for another set-up.`,
          { option: key },
        );
    }
    let { instruments, source } = venueOptions;
    if (instruments === undefined || source === undefined) {
      // priceMove() scenarios are measured from the same market first, as the `market` fixture does.
      const market = createMarket(resolvePriceMoves({ ...marketConfig, seed: resolvedSeed.value }));
      // The market's instruments without sessions: the source decides when the market trades.
      instruments ??= market.instruments.map(
        (i): VenueInstrumentSpec => ({
          symbol: i.symbol,
          tickSize: i.tickSize,
          multiplier: i.multiplier,
          lotSize: i.lotSize,
          currency: i.currency,
        }),
      );
      source ??= market;
    }
    const accounts = venueOptions.accounts ?? [{ id: 1, userName: 'trader', apiKey: 'sim-key' }];
    const venue = await createVenue({
      ...venueOptions,
      instruments,
      source,
      accounts,
      clock: 'virtual',
      host: '127.0.0.1',
      port: 0,
    });
    const credentials: VenueCredentials = {
      userName: accounts[0]?.userName ?? 'trader',
      apiKey: accounts[0]?.apiKey ?? 'sim-key',
    };
    const fixture = Object.assign(venue, {
      credentials,
      connection: { baseUrl: venue.url, userHubUrl: venue.userHubUrl, marketHubUrl: venue.marketHubUrl, credentials },
    });
    try {
      await use(fixture);
    } finally {
      await venue.close();
    }
  },

  until: async ({ clock, task }: Ctx, use: Use<Until>) => {
    checkUse('until', use);
    let ended = false;
    const name = nameOf(task);
    const until = createUntil({
      clock,
      market: () => marketsByClock.get(clock),
      seedNote: () => seedsByClock.get(clock) ?? '',
      guard: () => {
        if (ended) throw outsideTest('until', name);
      },
    });
    try {
      await use(until);
    } finally {
      ended = true;
    }
  },
};

let sampleBook: BookSnapshotEvent | undefined;

function firstBookSnapshot(): BookSnapshotEvent {
  if (sampleBook === undefined) {
    const text = gunzipSync(readFileSync(samplePath('mnq-book'))).toString('utf8');
    const first = text.slice(0, text.indexOf('\n'));
    sampleBook = jsonToEvent(JSON.parse(first)) as BookSnapshotEvent;
  }
  // A fresh copy per test, so one test's edits never reach another.
  return structuredClone(sampleBook);
}

/**
 * vitest's `test` with the TradeKit fixtures: `clock`, `market`, `exchange`, `trading`,
 * `orderBook`, `sampleOrderbook`, `mockServer`, `feedServer`, `replay`, `until`, `rng`, `venue`.
 *
 * @example
 * import { test } from '@tradekit/test-fixtures';
 * test('buys', async ({ trading, until, expect }) => {
 *   const order = trading.placeMarketOrder('MNQ', 'buy', 1);
 *   await until(() => trading.getOrder(order.id).status === 'filled');
 *   expect(order).toBeFilled();
 * });
 */
export const test: TestAPI<TradeKitFixtures> = (vitestTest.extend as (f: unknown) => TestAPI<TradeKitFixtures>)(
  tradekitFixtures,
);

/** Alias of {@link test}. */
export const it = test;
