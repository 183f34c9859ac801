import { expect, it } from 'vitest';
import { calibrate } from '../src/calibrate.js';
import { createMarket } from '../src/market.js';
import { RECOVERY_CASES, caseSymbol } from './recovery-presets.js';

/**
 * Tolerances of parameter recovery from 20 days of 1-minute bars, from the spread measured over
 * seeds 1–6 of the three cases (14 runs; estimate / truth): volatility 0.82–1.13, alpha
 * 0.38–1.54, half-life 0.22–2.73, df −0.11…+0.03, trade rate 0.92–1.16, coupling γ
 * −0.28…+0.07, size tail index ±0.005. Documented in docs/calibration.md.
 */
export const TOLERANCE = {
  volatility: { ratio: 1.3 },
  alpha: { ratio: 3 },
  halfLife: { ratio: 5 },
  df: { abs: 0.25 },
  tradeRate: { ratio: 1.25 },
  volatilityCoupling: { abs: 0.4 },
  sizeTailIndex: { abs: 0.05 },
};

const within = (est: number, truth: number, ratio: number) =>
  expect(Math.abs(Math.log(est / truth)), `${est} vs ${truth} (×/÷ ${ratio})`).toBeLessThanOrEqual(Math.log(ratio));

/** Generates 20 days of a case, calibrates, and checks every fitted parameter. */
export function recoveryTests(name: string, seeds: number[]): void {
  const c = RECOVERY_CASES.find((x) => x.name === name);
  if (!c) throw new Error(`no case ${name}`);
  for (const seed of seeds) {
    it(`${name}, seed ${seed}: every fitted parameter within its tolerance of the truth`, async () => {
      const p = await calibrate(createMarket({ seed, duration: '20d', symbols: [caseSymbol(c)] }));
      const m = p.microstructure;
      expect(p.symbol).toBe(c.symbol);
      expect(p.instrument.tickSize).toBe(c.tickSize);
      // A quiet minute (no quote, no trade) has no bar: a few at the low-activity hours.
      expect(p.data.facts.bars).toBeGreaterThan(0.99 * 20 * 1440);
      within(p.process.volatility, c.truth.volatility, TOLERANCE.volatility.ratio);
      within(p.process.alpha, c.truth.alpha, TOLERANCE.alpha.ratio);
      within(p.process.halfLife / 3.6e9, c.truth.halfLifeHours, TOLERANCE.halfLife.ratio);
      expect(Math.abs(p.process.df - c.truth.df)).toBeLessThanOrEqual(TOLERANCE.df.abs);
      within(m.tradeRate as number, c.micro.tradeRate as number, TOLERANCE.tradeRate.ratio);
      expect(Math.abs((m.volatilityCoupling as number) - (c.micro.volatilityCoupling ?? 1))).toBeLessThanOrEqual(
        TOLERANCE.volatilityCoupling.abs,
      );
      expect(Math.abs((m.sizeTailIndex as number) - (c.micro.sizeTailIndex ?? 1.7))).toBeLessThanOrEqual(
        TOLERANCE.sizeTailIndex.abs,
      );
      expect(m.spreadTicks).toBe(c.micro.spreadTicks ?? 1);
      expect(m.minTradeLots).toBe(1);
      if (c.micro.seasonality) expect(p.microstructure.seasonality).toBeDefined();
    }, 120_000);
  }
}
