/**
 * Error codes of @tradekit/replay and the helpers that build their messages.
 * Every code is listed in docs/errors/replay.md.
 */
import { TradeKitError, describeValue, invalidValue } from '@tradekit/types';

/** Builds a `REPLAY_INVALID_OPTION` error in the standard "Expected … got …" shape. */
export function invalidOption(field: string, expectation: string, value: unknown, hint?: string): TradeKitError {
  return invalidValue('REPLAY_INVALID_OPTION', field, expectation, value, hint);
}

/** Cuts a data row for error messages so that a huge line never floods the terminal. */
export function clipRow(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** Where a bad record is, for messages: `trades.csv:1234 column 3 (price)`. */
export function location(file: string, line: number | undefined, column?: number | string, field?: string): string {
  let where = file;
  if (line !== undefined && line > 0) where += `:${line}`;
  else if (line !== undefined) where += ' (line unknown after a seek)';
  if (column !== undefined) where += ` column ${column}`;
  if (field !== undefined && field !== column) where += ` (${field})`;
  return where;
}

/** The `REPLAY_MALFORMED_ROW` error for a data row that cannot become an event. */
export function malformedRow(
  file: string,
  line: number,
  column: number | string | undefined,
  field: string,
  expectation: string,
  value: unknown,
  text: string,
): TradeKitError {
  return new TradeKitError(
    'REPLAY_MALFORMED_ROW',
    `Expected \`${field}\` to be ${expectation}, got ${describeValue(value)} at ${location(file, line, column, field)}. ` +
      `Row: ${JSON.stringify(clipRow(text))}. Fix the row, or pass \`malformed: 'skip'\` to skip bad rows and count them in the summary.`,
    { details: { file, line, column, field, value, row: clipRow(text) } },
  );
}
