/** Strategies shared by tests and the bench. */
import { SMA, type StrategyContext, defineStrategy } from '../src/index.js';

/** SMA(fast/slow) crossover: long while fast > slow, short while fast < slow, 1 contract. */
export const smaCross = defineStrategy({
  name: 'sma-cross',
  params: { fast: 10, slow: 30, size: 1 },
  validate(p) {
    if (p.fast >= p.slow) throw new Error(`fast (${p.fast}) must be below slow (${p.slow})`);
  },
  onStart(ctx) {
    const self = this as unknown as { f: SMA; s: SMA };
    self.f = ctx.indicator(new SMA(ctx.params.fast));
    self.s = ctx.indicator(new SMA(ctx.params.slow));
  },
  onBar(_bar, ctx: StrategyContext<{ fast: number; slow: number; size: number }>) {
    const { f, s } = this as unknown as { f: SMA; s: SMA };
    if (!s.ready) return;
    const pos = ctx.position();
    const size = ctx.params.size;
    if (f.value > s.value && pos <= 0) ctx.buy(size - pos);
    else if (f.value < s.value && pos >= 0) ctx.sell(size + pos);
  },
});
