/**
 * Error codes of `@tradekit/test-fixtures`; every one is listed in the package's error table.
 */
import { TradeKitError } from '@tradekit/types';

/** Codes this package throws. */
export type FixtureErrorCode =
  | 'FIXTURE_UNTIL_TIMEOUT'
  | 'FIXTURE_UNTIL_STEP_LIMIT'
  | 'FIXTURE_UNTIL_STALLED'
  | 'FIXTURE_OUTSIDE_TEST'
  | 'FIXTURE_OPTION_INVALID'
  | 'FIXTURE_MATCHER_INVALID'
  | 'FIXTURE_SAMPLE_UNKNOWN'
  | 'FIXTURE_SOURCE_CONTRACT';

/** Builds a {@link TradeKitError} with one of this package's codes. */
export function fixtureError(
  code: FixtureErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): TradeKitError {
  return new TradeKitError(code, message, { details });
}
