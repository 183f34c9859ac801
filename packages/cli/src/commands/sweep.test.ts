import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomWalkBars } from '@tradekit/backtest';
import { writeEvents } from '@tradekit/replay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-sweep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const specPath = join(dir, 'spec.json');
beforeAll(async () => {
  const data = join(dir, 'bars.jsonl');
  await writeEvents(data, randomWalkBars({ count: 600, seed: 2 }));
  const strategy = join(dir, 'hold.ts');
  writeFileSync(
    strategy,
    `export default { name: 'breakout', params: { lookback: 10 }, onBar(b: { close: number }, ctx: any) {
      const s = ctx.bars(); if (s.length <= ctx.params.lookback) return;
      let hi = -Infinity; for (let i = 1; i <= ctx.params.lookback; i++) hi = Math.max(hi, s.high(i));
      if (b.close > hi && ctx.position() === 0) ctx.buy(1); else if (ctx.position() > 0 && b.close < s.low(1)) ctx.sell(1);
    } };`,
  );
  writeFileSync(
    specPath,
    JSON.stringify({
      strategy,
      data: { files: [data] },
      instruments: [{ symbol: 'MNQ', tickSize: 0.25, multiplier: 2 }],
      grid: { lookback: [5, 10, 20, 30, 40] },
      rankBy: 'returnPct',
    }),
  );
});

describe('tradekit sweep', () => {
  it('run prints the ranked report; shards merged equal one run byte for byte', async () => {
    const one = await cli(['sweep', 'run', '--spec', specPath]);
    expect(one.stderr).toBe('');
    expect(one.code).toBe(0);
    const report = JSON.parse(one.stdout);
    expect(report.rows.length).toBe(5);
    const outs = [0, 1].map((i) => join(dir, `s${i}.json`));
    for (const [i, out] of outs.entries()) {
      const r = await cli(['sweep', 'run', '--spec', specPath, '--shard', `${i}/2`, '--out', out]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`shard ${i}/2 from --shard`);
    }
    const merged = await cli(['sweep', 'merge', ...outs, '--out', join(dir, 'merged.json')]);
    expect(merged.code).toBe(0);
    expect(readFileSync(join(dir, 'merged.json'), 'utf8')).toBe(one.stdout);
  });

  it('errors exit 2: bad shard, missing shard, bad spec', async () => {
    expect((await cli(['sweep', 'run', '--spec', specPath, '--shard', '2/2'])).code).toBe(2);
    const out = join(dir, 'only.json');
    await cli(['sweep', 'run', '--spec', specPath, '--shard', '0/3', '--out', out]);
    const m = await cli(['sweep', 'merge', out]);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain('Missing shard(s) 1/3, 2/3');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ strategy: 'x.ts', data: { events: [] }, gird: {} }));
    const b = await cli(['sweep', 'run', '--spec', bad]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('Did you mean `grid`?');
  });
});
