/** History/retrieveBars: base bars aggregated into gateway units, newest first. */
import type { Micros } from '@tradekit/types';
import type { BaseBar, MarketView } from '../market-view.js';
import { gatewayTime } from './payloads.js';

const S = 1_000_000;
const DAY = 86_400 * S;
/** 1970-01-05 was a Monday: weeks start there. */
const MONDAY = 4 * DAY;

/** Start of the bucket that holds `t` for `unit` × `n` (UTC: seconds … days, Monday weeks, calendar months). */
export function bucketStart(t: Micros, unit: number, n: number): Micros {
  switch (unit) {
    case 1:
    case 2:
    case 3:
    case 4: {
      const size = [0, S, 60 * S, 3600 * S, DAY][unit] as number;
      return Math.floor(t / (size * n)) * size * n;
    }
    case 5: {
      const size = 7 * DAY * n;
      return Math.floor((t - MONDAY) / size) * size + MONDAY;
    }
    default: {
      const d = new Date(Math.floor(t / 1000));
      const m = d.getUTCFullYear() * 12 + d.getUTCMonth();
      const start = Math.floor(m / n) * n;
      return Date.UTC(Math.floor(start / 12), start % 12, 1) * 1000;
    }
  }
}

function bucketEnd(start: Micros, unit: number, n: number): Micros {
  if (unit <= 5) {
    const size = [0, S, 60 * S, 3600 * S, DAY, 7 * DAY][unit] as number;
    return start + size * n;
  }
  const d = new Date(Math.floor(start / 1000));
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1) * 1000;
}

/** Bars of `view` whose bucket starts in [from, to), newest first; the bucket still forming is left out unless `partial`. */
export function aggregateBars(
  view: MarketView,
  from: Micros,
  to: Micros,
  unit: number,
  n: number,
  now: Micros,
  partial: boolean,
): Array<Record<string, unknown>> {
  const base = view.barsBetween(bucketStart(from, unit, n), to);
  const out: Array<{ t: number; o: number; h: number; l: number; c: number; v: number }> = [];
  let cur: (BaseBar & { end: number }) | undefined;
  for (const b of base) {
    const start = bucketStart(b.t, unit, n);
    if (cur === undefined || cur.t !== start) {
      if (cur !== undefined) out.push(cur);
      cur = { t: start, o: b.o, h: b.h, l: b.l, c: b.c, v: b.v, end: bucketEnd(start, unit, n) };
    } else {
      if (b.h > cur.h) cur.h = b.h;
      if (b.l < cur.l) cur.l = b.l;
      cur.c = b.c;
      cur.v += b.v;
    }
  }
  if (cur !== undefined) out.push(cur);
  const bars: Array<Record<string, unknown>> = [];
  for (let i = out.length - 1; i >= 0; i--) {
    const b = out[i] as BaseBar & { end: number };
    if (b.t < from || b.t >= to) continue;
    if (!partial && b.end > now) continue;
    bars.push({ t: gatewayTime(b.t), o: b.o, h: b.h, l: b.l, c: b.c, v: b.v });
  }
  return bars;
}
