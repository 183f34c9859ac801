/**
 * The `venue` fixture: a real venue on loopback playing the test's market on a virtual clock,
 * reached with plain fetch and the real @microsoft/signalr client, and always closed.
 */
import { createMarket } from '@tradekit/market-sim';
import { HttpTransportType, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { priceMove, test, tradekitFixtures } from '../src/index.js';
import { makeChildProject, runChildVitest, srcIndex } from './helpers/child-vitest.js';

async function post(url: string, body: unknown, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON the assertions check
  return (await res.json()) as Record<string, any>;
}

describe('venue fixture', () => {
  test('serves the test market over REST and SignalR on 127.0.0.1, stepped in virtual time', async ({
    venue,
    expect,
  }) => {
    expect(venue.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(venue.connection).toEqual({
      baseUrl: venue.url,
      userHubUrl: `${venue.url}/hubs/user`,
      marketHubUrl: `${venue.url}/hubs/market`,
      credentials: { userName: 'trader', apiKey: 'sim-key' },
    });
    expect(venue.clock.kind).toBe('virtual');
    const login = await post(`${venue.url}/api/Auth/loginKey`, venue.credentials);
    expect(login.success).toBe(true);
    const token = login.token as string;
    const contracts = await post(`${venue.url}/api/Contract/search`, { searchText: 'MNQ', live: false }, token);
    expect(contracts.contracts.map((c: { id: string }) => c.id)).toEqual(['CON.F.US.MNQ.U25']);

    const hub = new HubConnectionBuilder()
      .withUrl(venue.marketHubUrl, {
        skipNegotiation: true,
        transport: HttpTransportType.WebSockets,
        accessTokenFactory: () => token,
      })
      .configureLogging(LogLevel.None)
      .build();
    const quotes: string[] = [];
    let resolveQuote: () => void = () => {};
    const gotQuote = new Promise<void>((r) => (resolveQuote = r));
    hub.on('GatewayQuote', (_id: string, q: { timestamp: string }) => {
      quotes.push(q.timestamp);
      resolveQuote();
    });
    try {
      await hub.start();
      await hub.invoke('SubscribeContractQuotes', 'CON.F.US.MNQ.U25');
      const before = venue.clock.now();
      await venue.advance('10s');
      expect(venue.clock.now() - before).toBe(10_000_000);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        gotQuote,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('no GatewayQuote within 5 s of advancing the venue 10 s')), 5000);
        }),
      ]).finally(() => clearTimeout(timer));
      expect(quotes.length).toBeGreaterThan(0);
      const placed = await post(
        `${venue.url}/api/Order/place`,
        { accountId: 1, contractId: 'CON.F.US.MNQ.U25', type: 2, side: 0, size: 1 },
        token,
      );
      expect(placed.success).toBe(true);
      expect(venue.exchange.getPosition('1', 'MNQ').quantity).toBe(1);
    } finally {
      await hub.stop();
    }
  });

  test('plays the test market: the market-sim market of marketConfig and the test seed', async ({
    venue,
    marketConfig,
    resolvedSeed,
    expect,
  }) => {
    const t0 = venue.clock.now();
    await venue.advance('1m');
    let last = Number.NaN;
    let trades = 0;
    for (const e of createMarket({ ...marketConfig, seed: resolvedSeed.value })) {
      if (e.ts > t0 + 60_000_000) break;
      if (e.type === 'trade' && e.symbol === 'MNQ') {
        last = e.price;
        trades++;
      }
    }
    expect(trades).toBeGreaterThan(0);
    expect(venue.core.view('MNQ').last).toBe(last);
  });

  describe('with a priceMove in the market', () => {
    test.override({
      marketConfig: { symbols: ['MNQ'], duration: '10m', scenarios: [priceMove({ by: -60, from: '2m', to: '4m' })] },
    });
    test('plays the move (measured from the same market, as the market fixture does)', async ({ venue, expect }) => {
      await venue.advance('2m');
      const before = venue.core.view('MNQ');
      const mid0 = (before.bid + before.ask) / 2;
      await venue.advance('2m');
      const after = venue.core.view('MNQ');
      // The move carries the mid 60 points down; the walk around it adds a few points of noise.
      expect((after.bid + after.ask) / 2 - mid0).toBeGreaterThan(-75);
      expect((after.bid + after.ask) / 2 - mid0).toBeLessThan(-45);
    });
  });

  describe('with venueOptions', () => {
    test.override({
      venueOptions: {
        instruments: [{ symbol: 'ES', tickSize: 0.25, multiplier: 50, contractId: 'CON.F.US.EP.U25' }],
        source: [
          {
            type: 'quote',
            symbol: 'ES',
            ts: Date.UTC(2025, 0, 2, 14, 30) * 1000,
            bid: 6000,
            bidSize: 3,
            ask: 6000.25,
            askSize: 4,
          },
        ],
        accounts: [{ id: 9, name: 'PRAC-9', userName: 'alice', apiKey: 'k9', balance: 25000 }],
      },
    });
    test('uses the given instruments, source and accounts; credentials follow the first account', async ({
      venue,
      expect,
    }) => {
      expect(venue.credentials).toEqual({ userName: 'alice', apiKey: 'k9' });
      const { token } = await post(`${venue.url}/api/Auth/loginKey`, venue.credentials);
      const accounts = await post(`${venue.url}/api/Account/search`, { onlyActiveAccounts: true }, token);
      expect(accounts.accounts).toEqual([
        { id: 9, name: 'PRAC-9', balance: 25000, canTrade: true, isVisible: true, simulated: true },
      ]);
      await venue.advance('1s');
      expect(venue.core.view('ES').ask).toBe(6000.25);
    });
  });

  test('a port, host, clock or speed option is an error naming the option', async ({ expect }) => {
    for (const key of ['port', 'host', 'clock', 'speed']) {
      const ctx = { venueOptions: { [key]: 1 }, marketConfig: { symbols: ['MNQ'] }, resolvedSeed: { value: 1 } };
      const err = await tradekitFixtures.venue(ctx as never, async () => {}).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'FIXTURE_OPTION_INVALID' });
      expect(String((err as Error).message)).toContain(`venueOptions.${key}\` cannot be set`);
    }
  });
});

const project = makeChildProject('venue');
afterAll(() => project.cleanup());

describe('venue fixture clean-up', () => {
  test('closes the venue after a test that failed, so nothing it started outlives it', { timeout: 120_000 }, async ({
    expect,
  }) => {
    const report = join(project.dir, 'after.txt');
    project.write(
      'failing.test.ts',
      `import { writeFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { test } from ${JSON.stringify(srcIndex)};
let url = '';
test('fails while the venue is up', async ({ venue, expect }) => {
  url = venue.url;
  const res = await fetch(url + '/api/Status/ping');
  expect(await res.text()).toBe('pong');
  expect('the test').toBe('failing on purpose');
});
// Runs after the test's fixtures were torn down, in the same process.
afterAll(async () => {
  const state = await fetch(url + '/api/Status/ping').then(() => 'open', () => 'closed');
  writeFileSync(${JSON.stringify(report)}, url + ' ' + state);
});
`,
    );
    const run = runChildVitest(project.dir);
    expect(run.status, run.output).toBe(1);
    expect(run.tests.map((t) => [t.fullName, t.status])).toEqual([['fails while the venue is up', 'failed']]);
    expect(run.tests[0]?.failureMessages.join('\n')).toMatch(/failing on purpose/);
    // Checked in the child after the fixture's teardown: the port refused the connection.
    expect(readFileSync(report, 'utf8')).toMatch(/^http:\/\/127\.0\.0\.1:\d+ closed$/);
  });
});
