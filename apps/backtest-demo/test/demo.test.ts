import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo.js';

const out = mkdtempSync(join(tmpdir(), 'backtest-demo-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('backtest-demo', () => {
  it('backtests the sample strategy on the bundled session, writes the HTML report, and the live run over the venue matches it', async () => {
    const d = await runDemo(out);
    // The backtest traded, and its reports are there.
    expect(d.backtest.bars).toBe(390);
    expect(d.backtest.fills.length).toBeGreaterThanOrEqual(4);
    expect(d.backtest.metrics.trades).toBeGreaterThanOrEqual(2);
    const html = readFileSync(d.report.html, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('ema-pullback');
    expect(JSON.parse(readFileSync(d.report.json, 'utf8')).strategy).toBe('ema-pullback');
    // Parity: identical orders, bracket legs, fills and PnL, over REST + both hubs.
    expect(d.parity.differences).toEqual([]);
    expect(d.parity.match).toBe(true);
    expect(d.parity.fills.live).toEqual(d.parity.fills.backtest);
    expect(d.parity.fills.live.length).toBe(d.backtest.fills.length);
    expect(d.parity.pnl.live.balance).toBe(d.backtest.account.balance.toString());
    expect(d.parity.orders.backtest.some((o) => o.legs.some((l) => l.includes('filled')))).toBe(true);
    expect(existsSync(d.parityFile)).toBe(true);
    expect(d.summary).toContain('parity MATCH');
  }, 120_000);
});
