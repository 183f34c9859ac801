import { isTradeKitError } from '@tradekit/types';
import { describe } from 'vitest';
import { type FixtureMarket, type Until, test, tradekitFixtures } from '../src/index.js';

async function failure(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected the promise to reject, but it resolved');
}

describe('until', () => {
  test('plays the market until the condition holds, without sleeping', async ({ market, trading, until, expect }) => {
    const order = trading.placeMarketOrder('MNQ', 'buy', 1);
    const waited = await until(() => trading.getOrder(order.id).status === 'filled');
    expect(order).toBeFilled();
    expect(waited).toBeGreaterThanOrEqual(0); // the first quote may come at the market's first µs
    expect(market.eventsPlayed).toBeGreaterThan(0);
  });

  test('fires timers when the test uses no market', async ({ clock, until, expect }) => {
    let rang = false;
    clock.setTimeout(() => {
      rang = true;
    }, 30_000_000);
    expect(await until(() => rang)).toBe(30_000_000);
  });

  test('lets async code awaiting the clock run between timers', async ({ clock, until, expect }) => {
    let ticks = 0;
    void (async () => {
      for (let i = 0; i < 5; i++) {
        await clock.sleep(1_000_000);
        ticks++;
      }
    })();
    expect(await until(() => ticks === 5, { timeout: '1m' })).toBe(5_000_000);
  });

  test('a condition that never holds ends at the virtual-time limit with what it waited for and the seed', async ({
    market,
    until,
    expect,
  }) => {
    const start = market.clock.now();
    const e = await failure(until(() => market.price('MNQ').bid === -1, { timeout: '2m' }));
    expect(e.code).toBe('FIXTURE_UNTIL_TIMEOUT');
    expect(e.message).toContain('until() waited 2m of virtual time (to 2024-01-02T00:02:00.000000Z');
    expect(e.message).toContain('for `() => market.price("MNQ").bid === -1`, but it never held');
    expect(e.message).toMatch(/ran with seed \d+ \(derived from the test name\); reproduce with TRADEKIT_SEED=\d+/);
    expect(market.clock.now() - start).toBe(120_000_000);
  });

  test('a busy market or an endless interval ends at the step limit', async ({ clock, market, until, expect }) => {
    expect(market.done).toBe(false);
    const e = await failure(until(() => false, { timeout: '1d', maxSteps: 500, message: 'the strategy to flatten' }));
    expect(e.code).toBe('FIXTURE_UNTIL_STEP_LIMIT');
    expect(e.message).toContain('until() gave up after 500 steps');
    expect(e.message).toContain('the condition `the strategy to flatten` never held');
    const timer = clock.setInterval(() => {}, 1000);
    const e2 = await failure(until(() => false, { timeout: '1d', maxSteps: 50 }));
    expect(e2.code).toBe('FIXTURE_UNTIL_STEP_LIMIT');
    clock.clearTimeout(timer);
  });

  test('nothing left to happen fails at once instead of hanging', async ({ until, expect }) => {
    const e = await failure(until(() => false));
    expect(e.code).toBe('FIXTURE_UNTIL_STALLED');
    expect(e.message).toContain('nothing is left to happen: the test uses no market and no timer is pending');
  });

  test('rejects a condition that is not a function', async ({ until, expect }) => {
    const e = await failure(until(true as never));
    expect(e.code).toBe('FIXTURE_OPTION_INVALID');
    expect(e.message).toContain("Write until(() => order.status === 'filled')");
  });
});

describe('fixtures used outside their test', () => {
  let leakedUntil: Until | undefined;
  let leakedMarket: FixtureMarket | undefined;

  test('a test that keeps its fixtures in outer variables', ({ until, market, expect }) => {
    leakedUntil = until;
    leakedMarket = market;
    expect(market.price('MNQ')).toEqual({});
  });

  test('gets a clear error when another test uses them', async ({ expect }) => {
    expect(leakedUntil).toBeDefined();
    const e = await failure((leakedUntil as Until)(() => true));
    expect(e.code).toBe('FIXTURE_OUTSIDE_TEST');
    expect(e.message).toContain(
      'The until fixture of test "fixtures used outside their test > a test that keeps its fixtures in outer variables" was used after that test ended.',
    );
    let thrown: unknown;
    try {
      (leakedMarket as FixtureMarket).price('MNQ');
    } catch (err) {
      thrown = err;
    }
    expect(isTradeKitError(thrown) && thrown.code).toBe('FIXTURE_OUTSIDE_TEST');
  });

  test('a fixture function called by hand, not through test.extend, says how to use it', async ({ expect }) => {
    const e = await failure(
      (tradekitFixtures.market as (ctx: unknown, use: unknown) => Promise<void>)({}, undefined),
    ).catch((err) => err);
    expect(e.code).toBe('FIXTURE_OUTSIDE_TEST');
    expect(e.message).toContain('The market fixture was called directly.');
  });
});
