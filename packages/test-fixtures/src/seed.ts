/**
 * Seeds for fixture-based tests: taken from the test's name unless given, overridable from the
 * environment (`TRADEKIT_SEED`) so a failing run can be reproduced or a CI job can explore seeds.
 */
import type { Seed } from '@tradekit/types';

/** Environment variable that overrides the seed of every test that did not pin its own. */
export const SEED_ENV = 'TRADEKIT_SEED';

/** Where a test's seed came from. */
export type SeedSource = 'option' | 'env' | 'test-name';

/** The seed a test runs with, and where it came from. */
export interface ResolvedSeed {
  /** The seed handed to market-sim, order-sim and `rng`. */
  value: Seed;
  /** `option` (pinned with `test.scoped({ seed })`), `env` (`TRADEKIT_SEED`) or `test-name`. */
  source: SeedSource;
}

/**
 * A stable 32-bit seed from a test's full name (FNV-1a over its UTF-16 code units), so renaming a
 * test is the only thing that changes its data.
 *
 * @example
 * seedFromName('orders > fills a market order'); // the same number on every run and platform
 */
export function seedFromName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Picks a test's seed: the pinned option first, then `TRADEKIT_SEED`, then the test's name.
 * A numeric `TRADEKIT_SEED` becomes a number (so `TRADEKIT_SEED=42` equals `seed: 42`).
 */
export function resolveSeed(option: Seed | undefined, testName: string, env: string | undefined): ResolvedSeed {
  if (option !== undefined) return { value: option, source: 'option' };
  if (env !== undefined && env.trim() !== '') {
    const t = env.trim();
    return { value: /^\d{1,15}$/.test(t) ? Number(t) : t, source: 'env' };
  }
  return { value: seedFromName(testName), source: 'test-name' };
}

/** The line printed (and appended to the failure) so the run can be reproduced. */
export function seedReport(seed: ResolvedSeed, testName: string): string {
  const how =
    seed.source === 'option'
      ? 'pinned with test.scoped({ seed })'
      : seed.source === 'env'
        ? `from ${SEED_ENV}`
        : 'derived from the test name';
  return `[tradekit] test "${testName}" ran with seed ${JSON.stringify(seed.value)} (${how}); reproduce with ${SEED_ENV}=${String(seed.value)}`;
}
