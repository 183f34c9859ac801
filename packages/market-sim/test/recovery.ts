import { expect, it } from 'vitest';
import { calibrate } from '../src/calibrate.js';
import { fitReport, fitReportMarkdown } from '../src/fit-report.js';
import { createMarket } from '../src/market.js';
import type { MarketPreset } from '../src/preset.js';
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

/**
 * Seeds of the fit report's samples: disjoint from the data seeds (a sample drawn with the data's
 * own seed would share its random stream and agree too easily), three so the median is robust.
 */
export const FIT_SAMPLE_SEEDS = [101, 102, 103];

/**
 * Generates 20 days of a case, calibrates, and checks every fitted parameter; then the fit
 * report on that preset (issue 22, "Fit (tested)"): every applicable fact of the generated
 * samples within its tolerance of the data's.
 */
export function recoveryTests(name: string, seeds: number[]): void {
  const c = RECOVERY_CASES.find((x) => x.name === name);
  if (!c) throw new Error(`no case ${name}`);
  for (const seed of seeds) {
    // Calibrated once, shared by the two tests of this seed.
    let calibrated: Promise<MarketPreset> | undefined;
    const preset = () => {
      calibrated ??= calibrate(createMarket({ seed, duration: '20d', symbols: [caseSymbol(c)] }));
      return calibrated;
    };
    it(`${name}, seed ${seed}: every fitted parameter within its tolerance of the truth`, async () => {
      const p = await preset();
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

    it(`${name}, seed ${seed}: every applicable fact of the fit report's samples within tolerance of the data`, async () => {
      const p = await preset();
      const report = fitReport(p, { seeds: FIT_SAMPLE_SEEDS });
      const applicable = report.rows.filter((r) => r.pass !== null).map((r) => r.fact);
      // Every fact of issue 22 item 3 applies to these samples (quotes, trades, 1-minute bars).
      expect(applicable).toEqual(report.rows.map((r) => r.fact));
      expect(applicable.length).toBe(13);
      expect(
        report.rows.filter((r) => r.pass === false),
        fitReportMarkdown(report, p),
      ).toEqual([]);
      expect(report.pass).toBe(true);
    }, 180_000);
  }
}
