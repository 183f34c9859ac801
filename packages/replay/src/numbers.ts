/**
 * Hand-rolled parsing of numbers and timestamps straight out of a text buffer, by index, so that
 * the CSV hot path allocates no substring per numeric field.
 */
import { type EpochUnit, isoToMicros } from '@tradekit/types';

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];

/**
 * Parses the decimal number in `s[start, end)`; `NaN` for anything that is not a number.
 * Mantissas of up to 15 digits are divided by an exact power of ten, which IEEE rounds
 * correctly, so the result equals `Number(text)`; longer ones and exponents go through `Number`.
 */
export function parseNumber(s: string, start: number, end: number): number {
  // Kept small so that it inlines into the row builders; anything unusual goes to the slow path.
  let i = start;
  let c = s.charCodeAt(i);
  const neg = c === 45;
  if (neg) i++;
  let m = 0;
  let frac = -1;
  for (; i < end; i++) {
    c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0) frac = 0;
    else return parseNumberSlow(s, start, end);
  }
  if (frac > 0) {
    // ≤ 15 significant digits: integer ÷ exact power of ten is correctly rounded.
    if (m > 999_999_999_999_999) return parseNumberSlow(s, start, end);
    const x = m / (POW10[frac] as number);
    return neg ? -x : x;
  }
  if (frac === 0 || m > Number.MAX_SAFE_INTEGER || end - start <= (neg ? 1 : 0)) return parseNumberSlow(s, start, end);
  return neg ? -m : m;
}

function parseNumberSlow(s: string, start: number, end: number): number {
  if (start >= end) return Number.NaN;
  const text = s.slice(start, end);
  const c = text.charCodeAt(0);
  // Number('') is 0, Number(' 1') is 1 and Number('0x1') is 1: keep NaN for anything but a decimal.
  if (!((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) || text.trim() !== text || /[xob]/i.test(text))
    return Number.NaN;
  return Number(text);
}

/** How a timestamp column is read: an epoch unit, `iso` for ISO-8601 text, or `auto` (detected from the first row). */
export type TsFormat = EpochUnit | 'iso' | 'auto';

/** Multiplier from each unit to µs (ns is handled by dropping digits). */
export const MULT: Record<EpochUnit, number> = { s: 1_000_000, ms: 1_000, us: 1, ns: 0 };

/**
 * Parses an epoch number in `unit` from `s[start, end)` to integer µs, exactly for integers of
 * up to 16 digits (19 for ns); `NaN` when the text is not a number.
 */
export function parseEpoch(s: string, start: number, end: number, unit: EpochUnit): number {
  return unit === 'ns' ? parseEpochNs(s, start, end) : parseEpochScaled(s, start, end, MULT[unit]);
}

/** {@link parseEpoch} for s/ms/µs with the multiplier to µs given (1e6, 1e3, 1): the CSV hot path. */
export function parseEpochScaled(s: string, start: number, end: number, mult: number): number {
  const len = end - start;
  if (len === 0 || len > 16) return parseEpochSlow(s, start, end, mult);
  // Two int32 accumulators (the last 9 digits and the ones before) instead of one double:
  // a 16-digit epoch in µs is otherwise a chain of 16 floating-point multiply-adds.
  const mid = len > 9 ? end - 9 : start;
  let hi = 0;
  let i = start;
  for (; i < mid; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return parseEpochSlow(s, start, end, mult);
    hi = (hi * 10 + d) | 0;
  }
  let lo = 0;
  for (; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return parseEpochSlow(s, start, end, mult);
    lo = (lo * 10 + d) | 0;
  }
  const whole = hi * 1e9 + lo;
  if (whole > Number.MAX_SAFE_INTEGER) return parseEpochSlow(s, start, end, mult);
  return whole * mult;
}

function parseEpochSlow(s: string, start: number, end: number, mult: number): number {
  if (start >= end) return Number.NaN;
  const text = s.slice(start, end);
  const x = Number(text);
  if (text.trim() !== text || Number.isNaN(x) || text.endsWith('.')) return Number.NaN;
  // Split whole and fraction so that 1704205800.123456 s lands on the exact microsecond.
  const dot = text.indexOf('.');
  if (dot > 0 && !/[eE]/.test(text)) {
    const w = Math.abs(Number(text.slice(0, dot)));
    const f = Math.round(Number(`0.${text.slice(dot + 1)}`) * mult);
    const v = w * mult + f;
    return text.charCodeAt(0) === 45 ? -v : v;
  }
  return Math.round(x * mult);
}

function parseEpochNs(s: string, start: number, end: number): number {
  if (start >= end) return Number.NaN;
  let i = start;
  let neg = false;
  if (s.charCodeAt(i) === 45) {
    neg = true;
    i++;
  }
  // Drop the last three digits instead of dividing: 19-digit ns do not fit a double exactly.
  const intEnd = end - 3;
  let whole = 0;
  const from = i;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    if (i < intEnd) whole = whole * 10 + (c - 48);
  }
  if (i === end && i > from) return neg ? -whole : whole;
  const x = Number(s.slice(start, end));
  return Number.isNaN(x) ? Number.NaN : Math.floor(x / 1000);
}

let cachedDay = '';
let cachedDayMs = 0;

function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Parses ISO-8601 text in `s[start, end)` to epoch µs. The common UTC form
 * `YYYY-MM-DDTHH:MM:SS(.ffffff)Z` takes a fast path with a cached day; other forms go through
 * `isoToMicros`. `NaN` when not ISO-8601.
 */
export function parseIso(s: string, start: number, end: number): number {
  const len = end - start;
  if (len >= 19 && len <= 30 && s.charCodeAt(start + 4) === 45) {
    const sep = s.charCodeAt(start + 10);
    const last = s.charCodeAt(end - 1);
    if ((sep === 84 || sep === 32) && (last === 90 || (last >= 48 && last <= 57)) && s.charCodeAt(start + 13) === 58) {
      const day = s.slice(start, start + 10);
      let dayMs: number;
      if (day === cachedDay) dayMs = cachedDayMs;
      else {
        const y = Number(day.slice(0, 4));
        const mo = two(day, 5);
        const d = two(day, 8);
        if (!(y >= 0) || mo < 1 || mo > 12 || d < 1 || d > 31 || day.charCodeAt(7) !== 45)
          return isoToMicros(s.slice(start, end));
        dayMs = Date.UTC(y, mo - 1, d);
        cachedDay = day;
        cachedDayMs = dayMs;
      }
      const h = two(s, start + 11);
      const mi = two(s, start + 14);
      const sec = two(s, start + 17);
      if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60 || s.charCodeAt(start + 16) !== 58) {
        return isoToMicros(s.slice(start, end));
      }
      let us = 0;
      let i = start + 19;
      const stop = last === 90 ? end - 1 : end;
      if (i < stop) {
        const dot = s.charCodeAt(i);
        if (dot !== 46 && dot !== 44) return isoToMicros(s.slice(start, end));
        i++;
        let n = 0;
        for (; i < stop; i++) {
          const c = s.charCodeAt(i) - 48;
          if (c < 0 || c > 9) return isoToMicros(s.slice(start, end));
          if (n < 6) us = us * 10 + c;
          n++;
        }
        if (n === 0) return Number.NaN;
        for (; n < 6; n++) us *= 10;
      }
      return (dayMs + h * 3_600_000 + mi * 60_000 + sec * 1000) * 1000 + us;
    }
  }
  const text = s.slice(start, end);
  if (HTTP_DATE.test(text)) return Date.parse(text) * 1000;
  return isoToMicros(text);
}

/** RFC 1123 / HTTP-date, `Tue, 02 Jan 2024 14:30:00 GMT` (second precision), read as a text time like ISO. */
const HTTP_DATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** True when `s[start, end)` looks like ISO-8601 (or an RFC 1123 HTTP-date) rather than an epoch number. */
export function looksIso(s: string, start: number, end: number): boolean {
  if (end - start < 10) return false;
  if (s.charCodeAt(start + 4) === 45) return true;
  // `Tue, 02 Jan ...`: a weekday name and a comma.
  return s.charCodeAt(start + 3) === 44 && end - start === 29;
}

/** True when `s` holds `text` at `i` (a char loop: cheaper than `startsWith` for short symbols). */
export function textAt(s: string, i: number, text: string): boolean {
  for (let k = 0; k < text.length; k++) if (s.charCodeAt(i + k) !== text.charCodeAt(k)) return false;
  return true;
}
