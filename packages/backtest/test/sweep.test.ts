import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { writeEvents } from '@tradekit/replay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SweepReport,
  type SweepSpec,
  expandParams,
  loadStrategy,
  mergeSweepReports,
  randomWalkBars,
  resolveShard,
  runSweep,
  sweepJson,
  walkForward,
} from '../src/index.js';

const run = promisify(execFile);
const pkg = resolve(__dirname, '..');
const STRATEGY = join(pkg, 'test/fixtures/sma-strategy.ts');
const MNQ = { symbol: 'MNQ', tickSize: 0.25, multiplier: 2 };
const bars = randomWalkBars({ count: 1500, seed: 8 });

const spec = (extra: Partial<SweepSpec> = {}): SweepSpec => ({
  strategy: STRATEGY,
  data: { events: bars },
  instruments: [MNQ],
  exchange: { fees: { perContract: 0.62 } },
  grid: { fast: [3, 5, 8], slow: [20, 40] },
  rankBy: 'returnPct',
  ...extra,
});

describe('sweeps', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bt-sweep-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a .ts strategy file loads with no build step', async () => {
    const s = await loadStrategy(STRATEGY);
    expect(s.name).toBe('sma-file');
    await expect(loadStrategy(join(dir, 'missing.ts'))).rejects.toMatchObject({
      code: 'BACKTEST_STRATEGY_LOAD_FAILED',
    });
  });

  it('grid order is fixed; random search is seeded', () => {
    expect(expandParams(spec()).map((p) => `${p.fast}/${p.slow}`)).toEqual([
      '3/20',
      '3/40',
      '5/20',
      '5/40',
      '8/20',
      '8/40',
    ]);
    const r = (seed: number) =>
      expandParams(
        spec({
          grid: undefined,
          random: { samples: 5, seed, space: { fast: { min: 2, max: 9, step: 1 }, slow: [20, 30] } },
        }),
      );
    expect(r(1)).toEqual(r(1));
    expect(r(1)).not.toEqual(r(2));
    for (const p of r(1)) expect([2, 3, 4, 5, 6, 7, 8, 9]).toContain(p.fast);
  });

  it('4 workers give the same ranked results as 1 worker (and as in-thread)', async () => {
    const progress: number[] = [];
    const one = await runSweep(spec(), { workers: 1 });
    const four = await runSweep(spec(), { workers: 4, onProgress: (d) => progress.push(d) });
    const inline = await runSweep(spec(), { workers: 0 });
    expect(one.rows.length).toBe(6);
    expect(sweepJson(four)).toBe(sweepJson(one));
    expect(sweepJson(inline)).toBe(sweepJson(one));
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    // Ranked best first by the chosen metric.
    const scores = one.rows.map((r) => r.score as number);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(new Set(scores).size).toBeGreaterThan(1);
  });

  it('bad parameters in the grid fail before any run, naming the parameter', async () => {
    await expect(runSweep(spec({ grid: { fats: [1] } }))).rejects.toMatchObject({ code: 'BACKTEST_PARAMS_INVALID' });
    await expect(runSweep(spec({ grid: { fast: [50] } }))).rejects.toThrow(/fast \(50\) must be below slow/);
    await expect(runSweep({ ...spec(), rankby: 'x' } as never)).rejects.toThrow(/Did you mean `rankBy`/);
  });

  it('shard indices come from the array-job engines', () => {
    expect(resolveShard('1/3', undefined, {})).toMatchObject({ index: 1, count: 3 });
    expect(resolveShard(undefined, 3, { JOB_COMPLETION_INDEX: '2' })).toMatchObject({
      index: 2,
      count: 3,
      source: 'JOB_COMPLETION_INDEX',
    });
    expect(
      resolveShard(undefined, undefined, {
        SLURM_ARRAY_TASK_ID: '5',
        SLURM_ARRAY_TASK_MIN: '4',
        SLURM_ARRAY_TASK_COUNT: '3',
      }),
    ).toMatchObject({ index: 1, count: 3 });
    expect(
      resolveShard(undefined, undefined, { AWS_BATCH_JOB_ARRAY_INDEX: '0', TRADEKIT_SHARD_COUNT: '2' }),
    ).toMatchObject({ index: 0, count: 2 });
    expect(resolveShard(undefined, 4, { TRADEKIT_SHARD_INDEX: '3' })).toMatchObject({ index: 3, count: 4 });
    expect(resolveShard(undefined, undefined, {})).toMatchObject({ index: 0, count: 1 });
    expect(() => resolveShard('3/3', undefined, {})).toThrow(/0\.\.2/);
    expect(() => resolveShard(undefined, 3, {})).toThrow(/shard index/);
    expect(() => resolveShard(undefined, undefined, { JOB_COMPLETION_INDEX: '1' })).toThrow(/shard count/);
    expect(() => resolveShard(undefined, 2, { JOB_COMPLETION_INDEX: 'x' })).toThrow(/JOB_COMPLETION_INDEX/);
  });

  it('3 shards as separate processes (index from JOB_COMPLETION_INDEX) merge to one run, byte for byte', async () => {
    const file = join(dir, 'bars.jsonl');
    await writeEvents(file, bars);
    const s = spec({ data: { files: [file] } });
    const specPath = join(dir, 'spec.json');
    await writeFile(specPath, JSON.stringify(s));
    const single = sweepJson(await runSweep(s));
    const outs = [0, 1, 2].map((i) => join(dir, `shard-${i}.json`));
    await Promise.all(
      outs.map((out, i) =>
        run(process.execPath, ['--import', 'tsx', 'test/fixtures/shard-main.ts', specPath, out], {
          cwd: pkg,
          env: { ...process.env, JOB_COMPLETION_INDEX: String(i), TRADEKIT_SHARD_COUNT: '3' },
          timeout: 60_000,
        }),
      ),
    );
    const parts = await Promise.all(outs.map(async (o) => JSON.parse(await readFile(o, 'utf8')) as SweepReport));
    expect(parts.map((p) => p.shard)).toEqual([0, 1, 2].map((index) => ({ index, count: 3 })));
    expect(parts.map((p) => p.rows.length)).toEqual([2, 2, 2]);
    expect(sweepJson(mergeSweepReports([parts[2], parts[0], parts[1]] as SweepReport[]))).toBe(single);
    expect(() => mergeSweepReports(parts.slice(0, 2))).toThrow(/Missing shard\(s\) 2\/3/);
    expect(() => mergeSweepReports([parts[0], parts[0]] as SweepReport[])).toThrow(/given twice/);
    const other = await runSweep(spec({ rankBy: 'sharpe' }), { shard: { index: 2, count: 3 } });
    expect(() => mergeSweepReports([parts[0], parts[1], other] as SweepReport[])).toThrow(/fingerprints differ/);
  });

  it('walk-forward: optimise in-sample, test out-of-sample, both reported', async () => {
    const start = (bars[0] as { ts: number }).ts;
    const steps = await walkForward(spec({ grid: { fast: [3, 8], slow: [20] } }), {
      start,
      inSample: 400 * 60_000_000,
      outOfSample: 200 * 60_000_000,
      windows: 3,
    });
    expect(steps.length).toBe(3);
    for (const [w, s] of steps.entries()) {
      expect(s.inSample.from).toBe(start + w * 200 * 60_000_000);
      expect(s.outOfSample.from).toBe(s.inSample.to);
      expect(s.outOfSample.metrics.start).toBeGreaterThanOrEqual(s.outOfSample.from);
      expect(s.outOfSample.metrics.end).toBeLessThan(s.outOfSample.to);
      expect(s.inSample.best.metrics.end).toBeLessThan(s.inSample.to);
      expect([3, 8]).toContain(s.inSample.best.params.fast);
    }
  });

  it('the shipped Kubernetes Indexed Job and GitHub Actions matrix agree with the CLI', async () => {
    const k8s = await readFile(join(pkg, 'deploy/k8s-indexed-job.yaml'), 'utf8');
    expect(k8s).toMatch(/completionMode: Indexed/);
    const completions = Number(/completions: (\d+)/.exec(k8s)?.[1]);
    expect(k8s).toContain(`--shards ${completions}`);
    expect(k8s).toContain(['shard-$', '{JOB_COMPLETION_INDEX}.json'].join(''));
    expect(resolveShard(undefined, completions, { JOB_COMPLETION_INDEX: String(completions - 1) }).index).toBe(
      completions - 1,
    );
    const gh = await readFile(join(pkg, 'deploy/github-actions-sweep.yml'), 'utf8');
    const shards = JSON.parse(/shard: (\[[^\]]*\])/.exec(gh)?.[1] ?? '[]') as number[];
    expect(shards).toEqual([0, 1, 2]);
    expect(gh).toContain(`--shards ${shards.length}`);
    expect(gh).toContain(['TRADEKIT_SHARD_INDEX: $', '{{ matrix.shard }}'].join(''));
    expect(gh).toContain(`tradekit sweep merge ${shards.map((i) => `shard-${i}.json`).join(' ')}`);
  });
});
