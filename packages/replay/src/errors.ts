/**
 * Error codes of @tradekit/replay and the helpers that build their messages.
 * Every code is listed in docs/errors/replay.md.
 */
import { type CsvKind, TradeKitError, describeValue, detectCsvKind, invalidValue } from '@tradekit/types';

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

/**
 * The canonical kind of a set of column names; like `detectCsvKind`, but a trade file without a
 * `side` column (common in vendor exports) is still a trade file (its side becomes `unknown`).
 */
export function detectKind(names: readonly string[]): CsvKind | undefined {
  const kind = detectCsvKind(names);
  if (kind !== undefined) return kind;
  const set = new Set(names.map((n) => n.trim().toLowerCase()));
  return set.has('ts') && set.has('symbol') && set.has('price') && set.has('size') && !set.has('kind')
    ? 'trade'
    : undefined;
}
