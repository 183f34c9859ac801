import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calibrate } from '../src/calibrate.js';
import { fitReport, fitReportMarkdown } from '../src/fit-report.js';
import { euStockBars } from './eustock.js';

/**
 * Real data (issue 22, item 5): the DAX's daily closes 1991–1998 from R's EuStockMarkets
 * (data/SOURCE.md). Statistics at the data's own bar size (1 day). The committed report
 * docs/fit-report-dax.md is this test's output (`pnpm exec tsx bench/fit-report.ts` rewrites it).
 */
describe('real data: DAX daily closes (R EuStockMarkets)', () => {
  it('calibrates, and samples from the fitted preset reproduce every applicable fact within tolerance', async () => {
    const preset = await calibrate(euStockBars('DAX'));
    expect(preset.interval).toBe(86_400_000_000);
    expect(preset.data.facts.bars).toBe(1860);
    expect(preset.instrument.tickSize).toBe(0.01);
    // Daily equity-index volatility, clustering and fat tails, as known for the 1990s DAX.
    expect(preset.process.volatility).toBeGreaterThan(0.1);
    expect(preset.process.volatility).toBeLessThan(0.3);
    expect(preset.defaulted).toEqual(expect.arrayContaining(['tradeRate', 'spreadTicks', 'seasonality']));
    const report = fitReport(preset, { seeds: [1, 2, 3] });
    const md = fitReportMarkdown(report, preset);
    const applicable = report.rows.filter((r) => r.pass !== null).map((r) => r.fact);
    expect(applicable).toEqual(['kurtosis', 'kurtosis60', 'hill', 'acfAbsMean', 'acf1']);
    expect(
      report.rows.filter((r) => r.pass === false),
      md,
    ).toEqual([]);
    expect(report.pass).toBe(true);
    const committed = readFileSync(new URL('../docs/fit-report-dax.md', import.meta.url), 'utf8');
    // Compared with spacing normalised, so a markdown formatter may re-align the table.
    const norm = (t: string) => t.replace(/[ \t-]+/g, ' ').trim();
    expect(norm(committed)).toBe(norm(md));
  }, 60_000);
});
