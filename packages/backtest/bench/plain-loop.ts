/**
 * The limit: the SMA(fast/slow) crossover as a bare loop over typed arrays — no exchange, no
 * events — computing the same trades as the engine (signal on a bar's close, fill at the next
 * bar's open, reversal = close + open on the same bar, per-contract fee on each side).
 */
import type { BarEvent } from '@tradekit/types';

/** A round trip of the plain loop. */
export interface PlainTrade {
  size: number;
  entryTime: number;
  exitTime: number;
  entryPrice: number;
  exitPrice: number;
  pnl: number;
}

/** Columns of bars, as a fast backtester would hold them. */
export interface BarColumns {
  ts: Float64Array;
  open: Float64Array;
  close: Float64Array;
}

/** Bars to columns. */
export function toColumns(bars: readonly BarEvent[]): BarColumns {
  const n = bars.length;
  const c = { ts: new Float64Array(n), open: new Float64Array(n), close: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const b = bars[i] as BarEvent;
    c.ts[i] = b.ts;
    c.open[i] = b.open;
    c.close[i] = b.close;
  }
  return c;
}

const round8 = (x: number) => (Math.abs(x) < 9e7 ? Math.round(x * 1e8) / 1e8 : x);

/** Runs the crossover; returns the closed trades. */
export function plainLoopSmaCross(
  cols: BarColumns,
  fast: number,
  slow: number,
  multiplier: number,
  feePerContract: number,
): PlainTrade[] {
  const { ts, open, close } = cols;
  const n = ts.length;
  const trades: PlainTrade[] = [];
  let sumF = 0;
  let sumS = 0;
  let pos = 0;
  let want = 0; // position the pending order leads to
  let entryPrice = 0;
  let entryTime = 0;
  for (let i = 0; i < n; i++) {
    if (want !== pos) {
      const px = open[i] as number;
      const t = ts[i] as number;
      if (pos !== 0) {
        trades.push({
          size: pos,
          entryTime,
          exitTime: t,
          entryPrice,
          exitPrice: px,
          pnl: round8(pos * (px - entryPrice) * multiplier - 2 * Math.abs(pos) * feePerContract),
        });
      }
      pos = want;
      entryPrice = px;
      entryTime = t;
    }
    const c = close[i] as number;
    sumF += c;
    sumS += c;
    if (i >= fast) sumF -= close[i - fast] as number;
    if (i >= slow) sumS -= close[i - slow] as number;
    if (i + 1 < slow) continue;
    const f = sumF / fast;
    const s = sumS / slow;
    if (f > s && pos <= 0) want = 1;
    else if (f < s && pos >= 0) want = -1;
  }
  return trades;
}
