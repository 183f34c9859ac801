/**
 * @tradekit/test-fixtures: vitest fixtures (a seeded market, a simulated exchange, a trading
 * client, WebSocket servers, a replay of bundled sample data), domain matchers, waiting in
 * virtual time and a contract suite for event sources. Importing this module registers the
 * matchers and snapshot serializers with vitest's `expect`.
 * @packageDocumentation
 */
import { expect } from 'vitest';
import { type TradeKitMatchers, tradekitMatchers, tradekitSerializers } from './matchers.js';

expect.extend(tradekitMatchers);
for (const s of tradekitSerializers) expect.addSnapshotSerializer(s);

// `Assertion` (not `Matchers`): vitest's ExpectStatic extends both `Matchers<any>` and
// `AsymmetricMatchersContaining`, so declaring the matchers on both clashes under skipLibCheck: false.
declare module 'vitest' {
  // biome-ignore lint/suspicious/noExplicitAny: must match vitest's own declaration
  interface Assertion<T = any> extends TradeKitMatchers<T> {}
  interface AsymmetricMatchersContaining extends TradeKitMatchers {}
}

export {
  test,
  it,
  tradekitFixtures,
  type TradeKitFixtures,
  type TradeKitOptions,
  type VenueFixture,
  type VenueCredentials,
} from './fixtures.js';
export {
  FixtureMarket,
  priceMove,
  resolvePriceMoves,
  type MarketPrices,
  type PriceMoveOptions,
} from './market.js';
export { createUntil, type Until, type UntilOptions, type UntilContext, type Condition } from './until.js';
export {
  SEED_ENV,
  seedFromName,
  resolveSeed,
  seedReport,
  type ResolvedSeed,
  type SeedSource,
} from './seed.js';
export { SAMPLE_FILES, SAMPLE_SPEC, samplePath, type SampleName } from './samples.js';
export {
  tradekitMatchers,
  tradekitSerializers,
  decimalSerializer,
  orderSerializer,
  fillSerializer,
  isDecimal,
  type TradeKitMatchers,
  type DecimalLike,
  type TickSpec,
  type PositionExpectation,
  type RealizedPnlOptions,
  type SnapshotSerializer,
} from './matchers.js';
export { describeEventSource, type EventSourceContract, type MakeEventSource } from './contract.js';
export type { FixtureErrorCode } from './errors.js';
