/**
 * Public market data of both surfaces: depth snapshot, 24 h ticker, recent and aggregate trades,
 * klines, all read from the core's market view and the profile's diff book.
 */
import type { BaseBar } from '../market-view.js';
import { reject } from './errors.js';
import { type BinanceMarket, fmtPrice, fmtQty } from './markets.js';
import type { BinanceProfile, Params } from './profile.js';

const MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** Kline intervals the venue serves. */
export const INTERVALS = ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w'];

/** Milliseconds of a kline interval like `1m`; throws -1120 otherwise. */
export function intervalMs(interval: string | undefined): number {
  if (interval === undefined || interval === '') throw reject.mandatory('interval');
  if (!INTERVALS.includes(interval)) throw reject.badInterval();
  return Number(interval.slice(0, -1)) * (MS[interval.slice(-1)] as number);
}

function limitOf(params: Params, dflt: number, max: number): number {
  const v = params.limit;
  if (v === undefined || v === '') return dflt;
  if (!/^\d+$/.test(v)) throw reject.badParam('limit');
  return Math.min(Math.max(1, Number(v)), max);
}

/** `GET depth`: the book with its last update id. */
export function depth(p: BinanceProfile, m: BinanceMarket, params: Params): Record<string, unknown> {
  const limit = limitOf(params, 100, 5000);
  const book = p.books.get(m.symbol);
  if (book === undefined) throw reject.badSymbol();
  const snap = book.snapshot(limit);
  const out: Record<string, unknown> = {
    lastUpdateId: book.lastUpdateId,
    bids: snap.bids.map(([px, q]) => [fmtPrice(m, px), fmtQty(m, q)]),
    asks: snap.asks.map(([px, q]) => [fmtPrice(m, px), fmtQty(m, q)]),
  };
  if (m.surface === 'usdm') {
    out.E = p.nowMs();
    out.T = p.nowMs();
  }
  return out;
}

/** `GET ticker/24hr` of one market (session statistics since the venue started). */
export function ticker24h(p: BinanceProfile, m: BinanceMarket): Record<string, unknown> {
  const v = p.core.view(m.symbol);
  const num = (x: number) => (Number.isFinite(x) ? fmtPrice(m, x) : fmtPrice(m, 0));
  const last = Number.isFinite(v.last) ? v.last : Number.isFinite(v.bid) ? v.bid : 0;
  const open = Number.isFinite(v.open) ? v.open : last;
  const change = last - open;
  const qv = p.quoteVolume.get(m.symbol) ?? 0;
  const now = p.nowMs();
  const out: Record<string, unknown> = {
    symbol: m.id,
    priceChange: fmtPrice(m, change),
    priceChangePercent: open > 0 ? ((change / open) * 100).toFixed(3) : '0.000',
    weightedAvgPrice: v.volume > 0 ? fmtPrice(m, qv / v.volume) : num(last),
    lastPrice: num(last),
    lastQty: fmtQty(m, 0),
    openPrice: num(open),
    highPrice: num(Number.isFinite(v.high) ? v.high : last),
    lowPrice: num(Number.isFinite(v.low) ? v.low : last),
    volume: fmtQty(m, v.volume),
    quoteVolume: qv.toFixed(8),
    openTime: now - 86_400_000,
    closeTime: now,
    firstId: 0,
    lastId: 0,
    count: p.tradeCount.get(m.symbol) ?? 0,
  };
  if (m.surface === 'spot') {
    const t = p.touch(m);
    out.prevClosePrice = num(open);
    out.bidPrice = num(t.bid);
    out.bidQty = fmtQty(m, t.bidSize);
    out.askPrice = num(t.ask);
    out.askQty = fmtQty(m, t.askSize);
  }
  return out;
}

/** `GET trades` (recent trades) or `GET aggTrades` (each trade its own aggregate). */
export function trades(p: BinanceProfile, m: BinanceMarket, params: Params, agg: boolean): unknown[] {
  const limit = limitOf(params, 500, 1000);
  let list = p.publicTrades.get(m.symbol) ?? [];
  const start = params.startTime !== undefined ? Number(params.startTime) * 1000 : undefined;
  const end = params.endTime !== undefined ? Number(params.endTime) * 1000 : undefined;
  const from = params.fromId !== undefined ? Number(params.fromId) : undefined;
  if (start !== undefined || end !== undefined || from !== undefined) {
    list = list.filter(
      (t) =>
        (start === undefined || t.ts >= start) &&
        (end === undefined || t.ts <= end) &&
        (from === undefined || t.id >= from),
    );
    list = list.slice(0, limit);
  } else list = list.slice(-limit);
  return list.map((t) =>
    agg
      ? {
          a: t.id,
          p: fmtPrice(m, t.p),
          q: fmtQty(m, t.q),
          f: t.id,
          l: t.id,
          T: Math.floor(t.ts / 1000),
          m: t.m,
          M: true,
        }
      : {
          id: t.id,
          price: fmtPrice(m, t.p),
          qty: fmtQty(m, t.q),
          quoteQty: (t.p * t.q).toFixed(8),
          time: Math.floor(t.ts / 1000),
          isBuyerMaker: t.m,
          isBestMatch: true,
        },
  );
}

/** One kline aggregated from the view's one-second bars: `[openTime, o, h, l, c, v, closeTime, quoteVolume, trades, takerBase, takerQuote, "0"]`. */
export function kline(m: BinanceMarket, openMs: number, ivMs: number, bars: BaseBar[]): unknown[] | undefined {
  if (bars.length === 0) return undefined;
  const first = bars[0] as BaseBar;
  let h = first.h;
  let l = first.l;
  let v = 0;
  let qv = 0;
  for (const b of bars) {
    if (b.h > h) h = b.h;
    if (b.l < l) l = b.l;
    v += b.v;
    qv += b.c * b.v;
  }
  const last = bars[bars.length - 1] as BaseBar;
  return [
    openMs,
    fmtPrice(m, first.o),
    fmtPrice(m, h),
    fmtPrice(m, l),
    fmtPrice(m, last.c),
    fmtQty(m, v),
    openMs + ivMs - 1,
    qv.toFixed(8),
    bars.length,
    '0',
    '0',
    '0',
  ];
}

/** `GET klines`: klines with trades in them, oldest first. */
export function klines(p: BinanceProfile, m: BinanceMarket, params: Params): unknown[] {
  const iv = intervalMs(params.interval);
  const limit = limitOf(params, 500, 1500);
  const view = p.core.view(m.symbol);
  const nowMs = p.nowMs();
  const endMs = params.endTime !== undefined ? Number(params.endTime) : nowMs;
  let startMs: number;
  if (params.startTime !== undefined) startMs = Math.floor(Number(params.startTime) / iv) * iv;
  else startMs = Math.floor(endMs / iv) * iv - (limit - 1) * iv;
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) throw reject.badParam('startTime');
  // Every interval from the first trade on, as Binance lists them: one without trades is flat at the last close.
  const bars = view.barsBetween(startMs * 1000, (endMs + 1) * 1000);
  const out: unknown[] = [];
  let i = 0;
  let close: number | undefined;
  for (let open = startMs; open <= endMs && out.length < limit; open += iv) {
    const group: BaseBar[] = [];
    while (i < bars.length && (bars[i] as BaseBar).t < (open + iv) * 1000) group.push(bars[i++] as BaseBar);
    const k = kline(m, open, iv, group);
    if (k) {
      out.push(k);
      close = (group[group.length - 1] as BaseBar).c;
    } else if (close !== undefined) {
      const c = fmtPrice(m, close);
      out.push([open, c, c, c, c, fmtQty(m, 0), open + iv - 1, '0.00000000', 0, '0', '0', '0']);
    }
  }
  return out;
}
