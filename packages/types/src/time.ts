/**
 * Time in TradeKit is an integer number of microseconds since the Unix epoch (UTC), held in a
 * plain `number`: exact up to year 2255, fine enough for latency models, no bigint in hot paths.
 * Durations are microseconds too.
 */
import { TradeKitError, describeValue } from './errors.js';

/** Epoch microseconds (UTC). */
export type Micros = number;

/** Microseconds per millisecond. */
export const US_PER_MS = 1_000;
/** Microseconds per second. */
export const US_PER_SECOND = 1_000_000;
/** Microseconds per minute. */
export const US_PER_MINUTE = 60_000_000;
/** Microseconds per hour. */
export const US_PER_HOUR = 3_600_000_000;
/** Microseconds per day. */
export const US_PER_DAY = 86_400_000_000;

/** Units a raw epoch number can be in. */
export type EpochUnit = 's' | 'ms' | 'us' | 'ns';

/** Converts a `Date` to epoch microseconds. */
export function dateToMicros(date: Date): Micros {
  return date.getTime() * US_PER_MS;
}

/** Converts epoch microseconds to a `Date` (sub-millisecond digits are dropped). */
export function microsToDate(ts: Micros): Date {
  return new Date(Math.floor(ts / US_PER_MS));
}

/** Converts epoch milliseconds to microseconds. */
export function msToMicros(ms: number): Micros {
  return Math.round(ms * US_PER_MS);
}

/** Converts microseconds to milliseconds (fractional). */
export function microsToMs(us: Micros): number {
  return us / US_PER_MS;
}

/** Converts epoch nanoseconds (number or bigint) to microseconds, rounding down. */
export function nsToMicros(ns: number | bigint): Micros {
  return typeof ns === 'bigint' ? Number(ns / 1000n) : Math.floor(ns / 1000);
}

/** Converts microseconds to nanoseconds as a bigint (exact). */
export function microsToNs(us: Micros): bigint {
  return BigInt(us) * 1000n;
}

/**
 * Formats epoch microseconds as ISO-8601 UTC with all six fractional digits,
 * e.g. `2024-01-02T14:30:00.123456Z`.
 */
export function microsToIso(ts: Micros): string {
  const ms = Math.floor(ts / US_PER_MS);
  const sub = ts - ms * US_PER_MS;
  const base = new Date(ms).toISOString(); // 2024-01-02T14:30:00.123Z
  return `${base.slice(0, 23)}${String(sub).padStart(3, '0')}Z`;
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses an ISO-8601 date or date-time to epoch microseconds, keeping up to 6 fractional digits
 * (more are truncated). A string without zone designator is read as UTC.
 * Returns `NaN` when the text is not ISO-8601; see {@link isoToMicrosStrict} for a throwing version.
 */
export function isoToMicros(text: string): Micros {
  const m = ISO_RE.exec(text);
  if (!m) return Number.NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    return Number.NaN;
  }
  let ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s));
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    ms -= sign * offsetMin * 60_000;
  }
  const micros = frac ? Number(`${frac}000000`.slice(0, 6)) : 0;
  return ms * US_PER_MS + micros;
}

/** Like {@link isoToMicros} but throws `TIME_INVALID` on text that is not ISO-8601. */
export function isoToMicrosStrict(text: string): Micros {
  const ts = isoToMicros(text);
  if (Number.isNaN(ts)) {
    throw new TradeKitError(
      'TIME_INVALID',
      `Expected an ISO-8601 date-time like "2024-01-02T14:30:00.123456Z", got ${describeValue(text)}.`,
      { details: { value: text } },
    );
  }
  return ts;
}

/**
 * Guesses the unit of a raw epoch number by its magnitude (valid for dates 1973–2286):
 * < 1e11 seconds, < 1e14 milliseconds, < 1e17 microseconds, otherwise nanoseconds.
 */
export function detectEpochUnit(value: number): EpochUnit {
  const a = Math.abs(value);
  if (a < 1e11) return 's';
  if (a < 1e14) return 'ms';
  if (a < 1e17) return 'us';
  return 'ns';
}

/** Converts a raw epoch number in the given unit to microseconds (rounding to the nearest µs). */
export function epochToMicros(value: number, unit: EpochUnit): Micros {
  switch (unit) {
    case 's':
      return Math.round(value * US_PER_SECOND);
    case 'ms':
      return Math.round(value * US_PER_MS);
    case 'us':
      return Math.round(value);
    case 'ns':
      return Math.floor(value / 1000);
  }
}

/**
 * Converts any accepted time input to epoch microseconds: a `Date`, an ISO-8601 string, a
 * numeric string or a number (unit given, or detected by magnitude).
 * Throws `TIME_INVALID` on anything else.
 */
export function toMicros(input: Date | string | number | bigint, unit?: EpochUnit): Micros {
  if (input instanceof Date) {
    const t = input.getTime();
    if (Number.isNaN(t)) throw new TradeKitError('TIME_INVALID', 'Expected a valid Date, got `Invalid Date`.');
    return t * US_PER_MS;
  }
  if (typeof input === 'bigint') {
    const u = unit ?? detectEpochUnit(Number(input));
    return u === 'ns' ? nsToMicros(input) : epochToMicros(Number(input), u);
  }
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) {
      throw new TradeKitError('TIME_INVALID', `Expected a finite epoch number, got ${describeValue(input)}.`, {
        details: { value: input },
      });
    }
    return epochToMicros(input, unit ?? detectEpochUnit(input));
  }
  if (typeof input === 'string') {
    const trimmed = input.trim();
    if (/^-?\d+(\.\d+)?$/.test(trimmed)) return toMicros(Number(trimmed), unit);
    return isoToMicrosStrict(trimmed);
  }
  throw new TradeKitError('TIME_INVALID', `Expected a Date, ISO string or epoch number, got ${describeValue(input)}.`, {
    details: { value: input },
  });
}

const DURATION_UNITS: Record<string, number> = {
  ns: 0.001,
  us: 1,
  µs: 1,
  ms: US_PER_MS,
  s: US_PER_SECOND,
  m: US_PER_MINUTE,
  min: US_PER_MINUTE,
  h: US_PER_HOUR,
  d: US_PER_DAY,
  w: 7 * US_PER_DAY,
};

const DURATION_RE = /(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|min|s|m|h|d|w)/gy;

/**
 * Parses a duration like `"250ms"`, `"1m"`, `"1h30m"`, `"1.5s"` or `"100us"` to microseconds.
 * A plain number is taken as microseconds already. Throws `DURATION_INVALID` otherwise.
 */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) {
      throw new TradeKitError(
        'DURATION_INVALID',
        `Expected a duration ≥ 0 in microseconds or a string like "250ms", got ${describeValue(input)}.`,
        { details: { value: input } },
      );
    }
    return input;
  }
  const text = String(input).trim();
  let total = 0;
  let pos = 0;
  DURATION_RE.lastIndex = 0;
  while (pos < text.length) {
    DURATION_RE.lastIndex = pos;
    const m = DURATION_RE.exec(text);
    if (!m) break;
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
    pos = DURATION_RE.lastIndex;
    while (text[pos] === ' ') pos++;
  }
  if (text.length === 0 || pos !== text.length) {
    throw new TradeKitError(
      'DURATION_INVALID',
      `Expected a duration like "250ms", "1m", "1h30m" or "1d" (units ns, us, ms, s, m, h, d, w), got ${describeValue(input)}.`,
      { details: { value: input } },
    );
  }
  return Math.round(total);
}

/** Formats a duration in microseconds compactly, e.g. `90000000` → `"1m30s"`, `1500` → `"1.5ms"`. */
export function formatDuration(us: number): string {
  if (us === 0) return '0s';
  if (us < 0) return `-${formatDuration(-us)}`;
  if (us < US_PER_MS) return `${us}us`;
  if (us < US_PER_SECOND) return `${+(us / US_PER_MS).toFixed(3)}ms`;
  const parts: string[] = [];
  let rest = us;
  for (const [unit, size] of [
    ['d', US_PER_DAY],
    ['h', US_PER_HOUR],
    ['m', US_PER_MINUTE],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${+(rest / US_PER_SECOND).toFixed(6)}s`);
  return parts.join('');
}
