/** Error codes create-tradekit raises (listed in its docs/ERRORS.md). */
export type CreateErrorCode =
  | 'CREATE_TEMPLATE_UNKNOWN'
  | 'CREATE_TEMPLATE_MISSING'
  | 'CREATE_TARGET_INVALID'
  | 'CREATE_TARGET_NOT_EMPTY';

/**
 * An error of create-tradekit with a stable `code`. The package has no dependency at all (so that
 * `npm create tradekit` installs one package), hence its own class instead of `TradeKitError`;
 * it has the same shape (`name`, `code`, `details`) and `isTradeKitError()` accepts it.
 */
export class CreateError extends Error {
  /** The stable code. */
  readonly code: CreateErrorCode;
  /** The offending value. */
  readonly details: Record<string, unknown>;

  constructor(code: CreateErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'TradeKitError';
    this.code = code;
    this.details = details;
    // The brand `isTradeKitError()` of @tradekit/types looks for.
    Object.defineProperty(this, Symbol.for('tradekit.error'), { value: true });
  }
}
