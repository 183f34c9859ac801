/**
 * Typed errors shared by every TradeKit package.
 *
 * Every error a user can trigger with bad input is a {@link TradeKitError} with a stable
 * `code` (listed in `docs/ERRORS.md`), a message that says what was expected, what came and
 * how to fix it, and optional structured `details` (file, line, column, field, value…).
 */

const BRAND = Symbol.for('tradekit.error');

/** Structured context attached to an error: where it happened and what was wrong. */
export interface TradeKitErrorDetails {
  /** The config field or order field that was wrong, e.g. `volatility` or `price`. */
  field?: string;
  /** The offending value, as received. */
  value?: unknown;
  /** Data file the bad row came from. */
  file?: string;
  /** 1-based line number in that file. */
  line?: number;
  /** 1-based column number, or the column's name. */
  column?: number | string;
  /** Anything else worth showing. */
  [key: string]: unknown;
}

/** Options for {@link TradeKitError}. */
export interface TradeKitErrorOptions {
  /** The underlying error, passed through unchanged. */
  cause?: unknown;
  /** Structured context, see {@link TradeKitErrorDetails}. */
  details?: TradeKitErrorDetails;
}

/**
 * Base class of every error TradeKit throws on purpose.
 *
 * @example
 * throw new TradeKitError('CONFIG_INVALID', 'Expected `volatility` to be a number ≥ 0, got `-1` (number).', {
 *   details: { field: 'volatility', value: -1 },
 * });
 */
export class TradeKitError extends Error {
  /** Stable, machine-readable code such as `ORDER_PRICE_OFF_TICK`. Never changes between versions. */
  readonly code: string;
  /** Structured context (field, value, file, line, column…). */
  readonly details: TradeKitErrorDetails;

  constructor(code: string, message: string, options: TradeKitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TradeKitError';
    this.code = code;
    this.details = options.details ?? {};
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * True for a {@link TradeKitError}, also one thrown by another copy of this package
 * (duplicate installs, other realms), where `instanceof` would say false.
 */
export function isTradeKitError(value: unknown): value is TradeKitError {
  return (
    typeof value === 'object' &&
    value !== null &&
    ((value as Record<symbol, unknown>)[BRAND] === true || value instanceof TradeKitError)
  );
}

/**
 * Shows a received value the way error messages print it: the value in backticks and its type,
 * truncated to 60 characters. `describeValue(0)` → "`0` (number)".
 */
export function describeValue(value: unknown): string {
  let text: string;
  let kind: string = typeof value;
  if (value === null) kind = 'null';
  else if (Array.isArray(value)) kind = 'array';
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'bigint') text = `${value}n`;
  else if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null)
    text = String(value);
  else if (typeof value === 'function') text = `[function ${(value as { name?: string }).name || 'anonymous'}]`;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  if (text.length > 60) text = `${text.slice(0, 57)}...`;
  return `\`${text}\` (${kind})`;
}

/**
 * Throws `CONFIG_INVALID`-style errors with the standard message shape:
 * "Expected `<field>` to be <expectation>, got <value>. <hint>".
 */
export function invalidValue(
  code: string,
  field: string,
  expectation: string,
  value: unknown,
  hint?: string,
): TradeKitError {
  const message = `Expected \`${field}\` to be ${expectation}, got ${describeValue(value)}.${hint ? ` ${hint}` : ''}`;
  return new TradeKitError(code, message, { details: { field, value } });
}

/** Asserts a finite number, optionally within bounds; throws {@link invalidValue} otherwise. */
export function expectNumber(
  code: string,
  field: string,
  value: unknown,
  opts: { min?: number; max?: number; exclusiveMin?: boolean; integer?: boolean } = {},
): number {
  const { min, max, exclusiveMin, integer } = opts;
  let expectation = integer ? 'an integer' : 'a finite number';
  if (min !== undefined && max !== undefined)
    expectation += ` from ${min}${exclusiveMin ? ' (exclusive)' : ''} to ${max}`;
  else if (min !== undefined) expectation += exclusiveMin ? ` > ${min}` : ` ≥ ${min}`;
  else if (max !== undefined) expectation += ` ≤ ${max}`;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value)) ||
    (min !== undefined && (exclusiveMin ? value <= min : value < min)) ||
    (max !== undefined && value > max)
  ) {
    const hint = Number.isNaN(value)
      ? 'NaN usually comes from a division by zero or a missing value upstream.'
      : undefined;
    throw invalidValue(code, field, expectation, value, hint);
  }
  return value;
}
