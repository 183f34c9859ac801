/**
 * The demo: the sample strategy backtested on the bundled session (JSON + HTML report), then the
 * same strategy run as a live client of the venue (REST + SignalR hubs on loopback, virtual
 * clock) on the same data, compared order for order and fill for fill.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BacktestResult, openData, runBacktest, writeReport } from '@tradekit/backtest';
import { type ParityReport, formatParity, runParity } from '@tradekit/venue';
import { emaPullback } from './strategy.js';

/** The bundled data: one seeded synthetic session of MNQ 1-minute bars (390 bars). */
export const DATA_FILE = fileURLToPath(new URL('../data/mnq-2025-03-03-1m.csv', import.meta.url));
/** Micro E-mini Nasdaq-100: tick 0.25, $2 per point. */
export const MNQ = { symbol: 'MNQ', tickSize: 0.25, multiplier: 2, contractId: 'CON.F.US.MNQ.H25' };
/** The exchange model both runs use: $0.62 per contract per side, 250 ms order entry. */
export const EXCHANGE = { fees: { perContract: 0.62 }, latency: { orderEntry: '250ms' }, seed: 7 };

/** What {@link runDemo} produced. */
export interface DemoResult {
  backtest: BacktestResult;
  report: { json: string; html: string };
  parity: ParityReport;
  parityFile: string;
  summary: string;
}

/** Runs the backtest (writing its report into `outDir`) and the parity check. */
export async function runDemo(outDir: string, dataFile = DATA_FILE): Promise<DemoResult> {
  mkdirSync(outDir, { recursive: true });
  const instruments = [MNQ];
  const { contractId: _, ...instrument } = MNQ;
  const backtest = await runBacktest({
    strategy: emaPullback,
    data: openData({ files: [dataFile] }).data,
    instruments: [instrument],
    exchange: EXCHANGE,
  });
  const report = await writeReport(backtest, outDir);
  const parity = await runParity({
    strategy: emaPullback,
    data: { files: [dataFile] },
    instruments,
    exchange: EXCHANGE,
  });
  const parityFile = join(outDir, 'parity.json');
  writeFileSync(parityFile, `${JSON.stringify(parity, null, 2)}\n`);
  const m = backtest.metrics;
  const summary = [
    `backtest  ${backtest.strategy} on ${backtest.symbols.join(', ')}: ${backtest.bars} bars, ${backtest.fills.length} fills, ${m.trades} round trips, return ${m.returnPct.toFixed(3)} %, equity ${backtest.account.equity.toString()}`,
    `report    ${report.html}`,
    formatParity(parity, 10).trimEnd(),
    `parity    ${parityFile}`,
  ].join('\n');
  return { backtest, report, parity, parityFile, summary };
}
