import { type TradeKitError, assertKnownKeys, expectNumber, invalidValue, parseDuration } from '@tradekit/types';

/** Error codes thrown by market-sim; each is listed in `docs/errors/market-sim.md`. */
export type SimErrorCode =
  | 'SIM_INVALID_CONFIG'
  | 'SIM_INVALID_PARAMETER'
  | 'SIM_INVALID_TICK_SIZE'
  | 'SIM_UNKNOWN_PRESET'
  | 'SIM_CORRELATION_NOT_PSD'
  | 'SIM_CORRELATION_SHAPE'
  | 'SIM_INVALID_SCENARIO'
  | 'SIM_INVALID_SERIES'
  | 'SIM_UNKNOWN_KEY'
  | 'SIM_INVALID_PRESET'
  | 'SIM_PRESET_VERSION'
  | 'SIM_CALIBRATION_DATA';

/** A finite number check that names the field, for process and microstructure parameters. */
export function requireNumber(
  field: string,
  value: unknown,
  opts: { min?: number; max?: number; exclusiveMin?: boolean; integer?: boolean } = {},
  code: SimErrorCode = 'SIM_INVALID_PARAMETER',
): number {
  return expectNumber(code, field, value, opts);
}

/** A `SIM_*` error with the standard message shape. */
export function simError(
  code: SimErrorCode,
  field: string,
  expectation: string,
  value: unknown,
  hint?: string,
): TradeKitError {
  return invalidValue(code, field, expectation, value, hint);
}

/** Parses a duration parameter (`"30m"` or µs) > 0, naming the field on error. */
export function requireDuration(field: string, value: unknown, code: SimErrorCode = 'SIM_INVALID_PARAMETER'): number {
  let us: number;
  try {
    us = parseDuration(value as string | number);
  } catch {
    throw invalidValue(code, field, 'a duration like "30m", "2h" or a number of µs', value);
  }
  if (!(us > 0)) throw invalidValue(code, field, 'a duration > 0', value);
  return us;
}

/**
 * Throws `SIM_UNKNOWN_KEY` when a plain options object has a key outside `keys`, naming the key,
 * the nearest valid one and `where` the object sits (a misspelling must never fall back to a default).
 */
export function checkKeys(value: unknown, keys: readonly string[], where: string): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    assertKnownKeys(value, keys, { code: 'SIM_UNKNOWN_KEY', where });
  }
}
