import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomWalkBars } from '@tradekit/backtest';
import { writeEvents } from '@tradekit/replay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-backtest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A user's TypeScript strategy: types, an interface, no build step.
const STRATEGY_TS = `
interface Ctx { params: { fast: number; slow: number }; position(): number; buy(q: number): unknown; sell(q: number): unknown }
const closes: number[] = [];
const avg = (n: number): number => closes.slice(-n).reduce((a, b) => a + b, 0) / n;
export default {
  name: 'cli-sma',
  params: { fast: 5, slow: 20 },
  onStart(): void { closes.length = 0; },
  onBar(bar: { close: number }, ctx: Ctx): void {
    closes.push(bar.close);
    if (closes.length < ctx.params.slow) return;
    const pos = ctx.position();
    if (avg(ctx.params.fast) > avg(ctx.params.slow) && pos <= 0) ctx.buy(1 - pos);
    else if (avg(ctx.params.fast) < avg(ctx.params.slow) && pos >= 0) ctx.sell(1 + pos);
  },
};
`;

const data = join(dir, 'bars.jsonl');
const strategy = join(dir, 'sma.ts');
beforeAll(async () => {
  await writeEvents(data, randomWalkBars({ count: 800, seed: 4 }));
  writeFileSync(strategy, STRATEGY_TS);
  writeFileSync(
    join(dir, 'boom.ts'),
    `export default { name: 'boom', onBar(bar: { ts: number }, ctx: { bars(): { count: number } }) { if (ctx.bars().count === 100) throw new Error('boom at 100'); } };`,
  );
});

describe('tradekit backtest', () => {
  it('runs a .ts strategy over a replay file, writes JSON + HTML; same inputs → identical report', async () => {
    const args = (out: string) => [
      'backtest',
      '--data',
      data,
      '--strategy',
      strategy,
      '--instrument',
      'MNQ:0.25:2',
      '--fee-per-contract',
      '0.62',
      '--params',
      'fast=8',
      '--report',
      out,
    ];
    const a = await cli(args(join(dir, 'a')));
    expect(a.stderr).not.toContain('error');
    expect(a.code).toBe(0);
    expect(a.stdout).toContain('cli-sma {"fast":8,"slow":20} on MNQ: 800 events, 800 bars');
    expect(a.stdout).toMatch(/# Trades\s+\d+/);
    const b = await cli(args(join(dir, 'b')));
    expect(b.code).toBe(0);
    const ra = readFileSync(join(dir, 'a', 'report.json'), 'utf8');
    expect(ra).toBe(readFileSync(join(dir, 'b', 'report.json'), 'utf8'));
    expect(readFileSync(join(dir, 'a', 'report.html'), 'utf8')).toBe(
      readFileSync(join(dir, 'b', 'report.html'), 'utf8'),
    );
    expect(JSON.parse(ra).metrics.trades).toBeGreaterThan(5);
  });

  it('--json prints the metrics; a market-sim config works as data', async () => {
    const cfg = join(dir, 'market.json');
    writeFileSync(cfg, JSON.stringify({ symbols: ['MNQ'], seed: 3, duration: '2h' }));
    const s = join(dir, 'bars1m.ts');
    writeFileSync(
      s,
      `export default { name: 'm', timeframes: ['1m'], onBar(_b: unknown, ctx: { position(): number; buy(q: number): unknown; sell(q: number): unknown }) { if (ctx.position() === 0) ctx.buy(1); else ctx.sell(1); } };`,
    );
    const r = await cli(['backtest', '--market', cfg, '--strategy', s, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.strategy).toBe('m');
    expect(out.metrics.trades).toBeGreaterThan(30); // 2 h of 1m bars aggregated from market-sim trades
    expect(out.metrics.exposurePct).toBeGreaterThan(0);
  });

  it('input errors exit 2 with the nearest key, the bad path, the missing option', async () => {
    const p = await cli([
      'backtest',
      '--data',
      data,
      '--strategy',
      strategy,
      '--instrument',
      'MNQ:0.25:2',
      '--params',
      'fsat=3',
    ]);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('Did you mean `fast`?');
    const f = await cli([
      'backtest',
      '--data',
      join(dir, 'nope.csv'),
      '--strategy',
      strategy,
      '--instrument',
      'MNQ:0.25',
    ]);
    expect(f.code).toBe(2);
    expect(f.stderr).toContain('nope.csv');
    const s = await cli(['backtest', '--data', data, '--strategy', join(dir, 'missing.ts')]);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('BACKTEST_STRATEGY_LOAD_FAILED');
    const i = await cli(['backtest', '--data', data, '--strategy', strategy, '--instrument', 'MNQ']);
    expect(i.code).toBe(2);
    const n = await cli(['backtest', '--data', data, '--strategy', strategy]);
    expect(n.code).toBe(2);
    expect(n.stderr).toMatch(/instruments/);
  });

  it('a strategy that throws: exit 2, error names method and time, partial report written', async () => {
    const out = join(dir, 'partial');
    const r = await cli([
      'backtest',
      '--data',
      data,
      '--strategy',
      join(dir, 'boom.ts'),
      '--instrument',
      'MNQ:0.25:2',
      '--report',
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"boom" threw in onBar at 2024-01-02T01:40:00\.000000Z \(MNQ\): boom at 100/);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    const rep = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(rep.events).toBe(100);
    expect(rep.error.method).toBe('onBar');
  });
});
