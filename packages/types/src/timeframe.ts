/** Bar timeframes: time (`"1m"`, `"5s"`), tick count (`"500t"`) or volume (`"1000v"`). */
import { TradeKitError, describeValue } from './errors.js';
import { parseDuration } from './time.js';

/** A parsed timeframe. */
export type Timeframe =
  | { kind: 'time' /** bar length in µs */; micros: number; text: string }
  | { kind: 'tick' /** trades per bar */; count: number; text: string }
  | { kind: 'volume' /** volume per bar */; volume: number; text: string };

/**
 * Parses a bar timeframe. Throws `TIMEFRAME_INVALID` on anything else.
 * @example parseTimeframe('5m') // { kind: 'time', micros: 300000000, text: '5m' }
 */
export function parseTimeframe(text: string): Timeframe {
  const t = String(text).trim();
  const m = /^(\d+(?:\.\d+)?)(t|v)$/.exec(t);
  if (m) {
    const n = Number(m[1]);
    if (n > 0)
      return m[2] === 't' ? { kind: 'tick', count: Math.round(n), text: t } : { kind: 'volume', volume: n, text: t };
  } else {
    try {
      const micros = parseDuration(t);
      if (micros > 0) return { kind: 'time', micros, text: t };
    } catch {
      // fall through to the error below, which lists all the forms
    }
  }
  throw new TradeKitError(
    'TIMEFRAME_INVALID',
    `Expected a timeframe like "1s", "1m", "5m", "1h", "1d" (time bars), "500t" (tick bars) or "1000v" (volume bars), got ${describeValue(text)}.`,
    { details: { value: text } },
  );
}
