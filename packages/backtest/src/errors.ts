/** Error helpers of the backtest package: every error is a `TradeKitError` with a stable code. */
import { TradeKitError, describeValue } from '@tradekit/types';

/** Error codes thrown by `@tradekit/backtest` (documented in docs/errors/backtest.md). */
export type BacktestErrorCode =
  | 'BACKTEST_CONFIG_INVALID'
  | 'BACKTEST_PARAMS_INVALID'
  | 'BACKTEST_DATA_INVALID'
  | 'BACKTEST_STRATEGY_INVALID'
  | 'BACKTEST_STRATEGY_FAILED'
  | 'BACKTEST_LOOKAHEAD'
  | 'BACKTEST_INDICATOR_INVALID'
  | 'BACKTEST_STRATEGY_LOAD_FAILED'
  | 'BACKTEST_NO_DATA'
  | 'SWEEP_CONFIG_INVALID'
  | 'SWEEP_SHARD_INVALID'
  | 'SWEEP_MERGE_INVALID';

/** Builds "Expected `field` to be …, got … ." errors. */
export function invalid(
  code: BacktestErrorCode,
  field: string,
  expected: string,
  value: unknown,
  hint = '',
): TradeKitError {
  return new TradeKitError(
    code,
    `Expected \`${field}\` to be ${expected}, got ${describeValue(value)}.${hint ? ` ${hint}` : ''}`,
    { details: { field, value } },
  );
}
