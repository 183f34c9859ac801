/** Writes docs/fit-report-dax.md (+ .json): the fit report on R's EuStockMarkets DAX closes. */
import { writeFileSync } from 'node:fs';
import { calibrate } from '../src/calibrate.js';
import { fitReport, fitReportMarkdown } from '../src/fit-report.js';
import { euStockBars } from '../test/eustock.js';

const preset = await calibrate(euStockBars('DAX'));
const report = fitReport(preset, { seeds: [1, 2, 3] });
writeFileSync(new URL('../docs/fit-report-dax.md', import.meta.url), fitReportMarkdown(report, preset));
writeFileSync(
  new URL('../docs/fit-report-dax.json', import.meta.url),
  `${JSON.stringify({ preset, report }, null, 2)}\n`,
);
console.log(fitReportMarkdown(report, preset));
