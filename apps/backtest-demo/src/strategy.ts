/**
 * The sample strategy: EMA trend with an RSI pullback entry, protected by a bracket.
 * Long when the fast EMA is above the slow one and RSI dips below `rsiLow` then turns up;
 * short on the mirror image. Every entry is a market order with a stop-loss and a take-profit
 * in ticks (a ProjectX-style bracket), so the same code runs as a backtest and as a live client
 * of the venue.
 */
import { EMA, RSI, defineStrategy } from '@tradekit/backtest';

interface State {
  fast: EMA;
  slow: EMA;
  rsi: RSI;
  prevRsi: number;
}

export const emaPullback = defineStrategy({
  name: 'ema-pullback',
  params: { fast: 9, slow: 21, rsiPeriod: 14, rsiLow: 45, rsiHigh: 55, stopTicks: 12, targetTicks: 20, size: 1 },
  validate(p) {
    if (!(p.fast < p.slow)) throw new Error(`fast (${p.fast}) must be below slow (${p.slow})`);
    if (!(p.rsiLow < p.rsiHigh)) throw new Error(`rsiLow (${p.rsiLow}) must be below rsiHigh (${p.rsiHigh})`);
  },
  onStart(ctx) {
    const s = this as unknown as State;
    s.fast = ctx.indicator(new EMA(ctx.params.fast));
    s.slow = ctx.indicator(new EMA(ctx.params.slow));
    s.rsi = ctx.indicator(new RSI(ctx.params.rsiPeriod));
    s.prevRsi = Number.NaN;
  },
  onBar(_bar, ctx) {
    const s = this as unknown as State;
    const rsi = s.rsi.value;
    const prev = s.prevRsi;
    s.prevRsi = rsi;
    if (!s.slow.ready || !s.rsi.ready || Number.isNaN(prev)) return;
    // One position (or one working entry) at a time: the bracket takes it out.
    if (ctx.position() !== 0 || ctx.openOrders().length > 0) return;
    const p = ctx.params;
    const bracket = { stopLoss: { ticks: p.stopTicks }, takeProfit: { ticks: p.targetTicks } };
    const up = s.fast.value > s.slow.value;
    if (up && prev < p.rsiLow && rsi >= p.rsiLow) ctx.buy(p.size, { bracket });
    else if (!up && prev > p.rsiHigh && rsi <= p.rsiHigh) ctx.sell(p.size, { bracket });
  },
});

export default emaPullback;
