/** Example strategies shipped with the package (also reachable by name from the CLI). */
import { SMA } from './indicators.js';
import { defineStrategy } from './strategy.js';

interface SmaState {
  fast: SMA;
  slow: SMA;
}

/**
 * SMA(fast/slow) crossover: long `size` while the fast average is above the slow one, short
 * while below; orders at a bar's close fill at the next bar's open.
 *
 * @example
 * await runBacktest({ strategy: smaCrossStrategy, data: bars, params: { fast: 10, slow: 30 }, instruments });
 */
export const smaCrossStrategy = defineStrategy({
  name: 'sma-cross',
  params: { fast: 10, slow: 30, size: 1 },
  validate(p) {
    if (!(p.fast < p.slow)) throw new Error(`fast (${p.fast}) must be below slow (${p.slow})`);
    if (!(Number.isInteger(p.size) && p.size > 0)) throw new Error(`size (${p.size}) must be a positive integer`);
  },
  onStart(ctx) {
    const self = this as unknown as SmaState;
    self.fast = ctx.indicator(new SMA(ctx.params.fast));
    self.slow = ctx.indicator(new SMA(ctx.params.slow));
  },
  onBar(_bar, ctx) {
    const { fast, slow } = this as unknown as SmaState;
    if (!slow.ready) return;
    const pos = ctx.position();
    const size = ctx.params.size;
    if (fast.value > slow.value && pos <= 0) ctx.buy(size - pos);
    else if (fast.value < slow.value && pos >= 0) ctx.sell(size + pos);
  },
});

/** Built-in strategies by name (`tradekit backtest --strategy sma-cross`). */
export const BUILTIN_STRATEGIES: Readonly<Record<string, typeof smaCrossStrategy>> = Object.freeze({
  'sma-cross': smaCrossStrategy,
});
