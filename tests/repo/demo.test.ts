// The first run (`npm run demo`): after install and build, scripts/demo.mjs runs
// scripts/demo-run.ts on the built packages. This runs that step exactly as the demo does (a child
// `node --import tsx scripts/demo-run.ts <dir>`) and checks the summary it prints and writes.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt, exec } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'tradekit-demo-'));
beforeAll(() => ensureBuilt(), 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run demo', () => {
  it('runs the trading cycle through the sample client and a backtest, and prints what ran, fills, PnL and the HTML report', async () => {
    const r = await exec(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'demo-run.ts'), dir], {
      cwd: ROOT,
      timeout: 180_000,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    // The trading cycle: two bracket trades, the target then the stop; exact figures on a scripted market.
    expect(s.venue.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.trading.fills).toEqual([
      { side: 'buy', size: 1, price: 20000.25, pnl: null },
      { side: 'sell', size: 1, price: 20020.25, pnl: 40 },
      { side: 'buy', size: 1, price: 20025.25, pnl: null },
      { side: 'sell', size: 1, price: 20015, pnl: -20.5 },
    ]);
    expect(s.trading.finalPosition).toBe(0);
    expect(s.trading.realizedPnl).toBe(19.5);
    expect(s.trading.venueRealizedPnl).toBe(19.5);
    // The backtest and its report.
    expect(s.backtest.trades).toBeGreaterThan(0);
    expect(s.backtest.html).toBe(join(dir, 'backtest', 'report.html'));
    expect(readFileSync(s.backtest.html, 'utf8')).toMatch(/^<!doctype html>/i);
    expect(existsSync(s.backtest.json)).toBe(true);
    const report = JSON.parse(readFileSync(s.backtest.json, 'utf8'));
    expect(report.trades.length).toBe(s.backtest.trades);
    // The printed summary says what ran, the fills, the PnL and where the HTML report is.
    const out = r.stdout;
    expect(out).toContain('TradeKit demo: what ran');
    expect(out).toContain(`served the ProjectX Gateway API on ${s.venue.url}`);
    expect(out).toContain('Fills (4):');
    expect(out).toContain('sell 1 MNQ @ 20020.25   realized $40.00');
    expect(out).toContain('sell 1 MNQ @ 20015.00   realized -$20.50');
    expect(out).toContain('Realized PnL: $19.50 (the venue agrees: $19.50)');
    expect(out).toContain(`${s.backtest.trades} trades, net PnL`);
    expect(out).toMatch(/HTML report: .*backtest\/report\.html/);
  }, 240_000);

  it('scripts/demo.mjs installs, builds, then runs that step (and the root README leads with it)', () => {
    const demo = readFileSync(join(ROOT, 'scripts', 'demo.mjs'), 'utf8');
    expect(demo).toMatch(/installDependencies\(env\)/);
    expect(demo).toMatch(
      /'turbo',\s*'run',\s*'build',\s*'--filter=@tradekit\/venue\.\.\.',\s*'--filter=@tradekit\/backtest\.\.\.'/,
    );
    expect(demo).toMatch(/'--import', 'tsx', join\(ROOT, 'scripts', 'demo-run\.ts'\)/);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    expect(commands[0]).toMatch(/^npm run demo\b/);
    expect(commands[1]).toMatch(/^npm run test:all\b/);
  });
});
