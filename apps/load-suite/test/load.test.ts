// The load suite end to end, each run in its own process as CI runs it. One file, so its runs go
// one after another: each is a whole venue + feed + clients on this machine.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CI_PROFILE } from '../src/profiles.js';
import { type SuiteReport, mergeSuiteReports } from '../src/report.js';
import { loadSuite } from './cli.js';

const APP = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'load-suite-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the CI profile', () => {
  it('passes its thresholds and writes the JSON and terminal reports', { timeout: 240_000 }, async () => {
    const out = join(dir, 'reports', 'ci.json');
    const r = await loadSuite(['run', '--profile', 'ci', '--out', out]);
    expect(r.stderr).toContain('report written to');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(await readFile(out, 'utf8')) as SuiteReport;
    expect(report.passed).toBe(true);
    expect(report.failures).toEqual([]);
    expect(report.thresholds.map((t) => t.expression)).toEqual(CI_PROFILE.thresholds);
    for (const t of report.thresholds) {
      expect(t.passed, t.expression).toBe(true);
      expect(t.actual, t.expression).not.toBeNull();
    }
    // Every kind of client measured something.
    expect(report.feed.connects.succeeded).toBe(CI_PROFILE.clients);
    expect(report.feed.messages.received).toBeGreaterThan(0);
    expect(report.feed.latency.count).toBe(report.feed.messages.received);
    expect(report.hub.connected).toBe(CI_PROFILE.hubClients);
    expect(report.hub.quotes).toBeGreaterThan(0);
    expect(report.orders.placed).toBeGreaterThan(0);
    expect(report.orders.filled).toBe(report.orders.placed);
    expect(report.orders.roundTrip.count).toBe(report.orders.filled);
    // The terminal report shows each scope and the verdict.
    for (const s of ['feed (ws-tester load driver', 'hub (ProjectX market hub', 'orders (', 'result     PASSED'])
      expect(r.stdout).toContain(s);
  });

  it('fails (exit 1) when a threshold is too strict, naming it in both reports', { timeout: 240_000 }, async () => {
    const out = join(dir, 'strict.json');
    const r = await loadSuite(['run', '--profile', 'ci', '--hold', '2', '--threshold', 'orders.p50<1us', '--out', out]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const report = JSON.parse(await readFile(out, 'utf8')) as SuiteReport;
    expect(report.passed).toBe(false);
    const strict = report.thresholds.find((t) => t.expression === 'orders.p50<1us');
    expect(strict?.passed).toBe(false);
    expect(strict?.actual).toBeGreaterThan(1);
    expect(report.failures).toEqual([expect.stringMatching(/^threshold orders\.p50<1us: actual \d+/)]);
    expect(r.stdout).toContain('threshold  FAIL  orders.p50<1us');
    expect(r.stdout).toContain('result     FAILED');
  });

  it('refuses a misspelled threshold with exit 2 before starting anything', { timeout: 240_000 }, async () => {
    const r = await loadSuite(['run', '--threshold', 'orders.fils>=1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('did you mean "fills"?');
  });
});

describe('shards', () => {
  it('2 shards run as separate processes (index from JOB_COMPLETION_INDEX and from a CI matrix) merge into one report', {
    timeout: 240_000,
  }, async () => {
    const a = join(dir, 'shard-0.json');
    const b = join(dir, 'shard-1.json');
    const args = ['run', '--profile', 'ci', '--shards', '2'];
    // One after the other: each is a whole copy of the test (its own venue and feed) on this machine.
    const r0 = await loadSuite([...args, '--out', a], { JOB_COMPLETION_INDEX: '0' });
    const r1 = await loadSuite([...args, '--out', b], { TRADEKIT_SHARD_INDEX: '1' });
    expect(r0.code, r0.stdout + r0.stderr).toBe(0);
    expect(r1.code, r1.stdout + r1.stderr).toBe(0);
    const s0 = JSON.parse(await readFile(a, 'utf8')) as SuiteReport;
    const s1 = JSON.parse(await readFile(b, 'utf8')) as SuiteReport;
    expect(s0.shards).toEqual([{ index: 0, count: 2 }]);
    expect(s1.shards).toEqual([{ index: 1, count: 2 }]);
    // Each shard ran its half of every kind of client.
    expect(s0.feed.connects.attempted + s1.feed.connects.attempted).toBe(CI_PROFILE.clients);
    expect(s0.hub.clients + s1.hub.clients).toBe(CI_PROFILE.hubClients);
    expect(s0.orders.traders + s1.orders.traders).toBe(CI_PROFILE.traders);
    expect(s0.orders.traders).toBeGreaterThan(0);
    expect(s1.orders.traders).toBeGreaterThan(0);

    const out = join(dir, 'merged.json');
    const m = await loadSuite(['merge', b, a, '--out', out]);
    expect(m.code, m.stdout + m.stderr).toBe(0);
    const merged = JSON.parse(await readFile(out, 'utf8')) as SuiteReport;
    expect(merged.shards).toEqual([
      { index: 0, count: 2 },
      { index: 1, count: 2 },
    ]);
    expect(merged.feed.connects.succeeded).toBe(s0.feed.connects.succeeded + s1.feed.connects.succeeded);
    expect(merged.feed.messages.received).toBe(s0.feed.messages.received + s1.feed.messages.received);
    expect(merged.feed.latency.count).toBe(s0.feed.latency.count + s1.feed.latency.count);
    expect(merged.hub.quotes).toBe(s0.hub.quotes + s1.hub.quotes);
    expect(merged.orders.filled).toBe(s0.orders.filled + s1.orders.filled);
    // Histograms merge bucket by bucket: every sample counted once, the merged extremes are the
    // shards' extremes to the histogram's precision (3 significant digits), the median lies between.
    const rt = merged.orders.roundTrip;
    const [q0, q1] = [s0.orders.roundTrip, s1.orders.roundTrip];
    expect(rt.count).toBe(q0.count + q1.count);
    expect(Math.abs(rt.max - Math.max(q0.max, q1.max))).toBeLessThanOrEqual(Math.max(q0.max, q1.max) * 1e-3);
    expect(Math.abs(rt.min - Math.min(q0.min, q1.min))).toBeLessThanOrEqual(Math.min(q0.min, q1.min) * 1e-3);
    expect(rt.p50).toBeGreaterThanOrEqual(Math.min(q0.p50, q1.p50) * 0.999);
    expect(rt.p50).toBeLessThanOrEqual(Math.max(q0.p50, q1.p50) * 1.001);
    expect(merged.thresholds.map((t) => t.expression)).toEqual(CI_PROFILE.thresholds);
    expect(merged.passed).toBe(true);
    expect(m.stdout).toContain('shards 0/2, 1/2');
    // The library merge is the same.
    expect(mergeSuiteReports([s0, s1])).toEqual(merged);
    // A missing or duplicated shard is refused.
    expect(() => mergeSuiteReports([s0])).toThrow(/shard\(s\) 1\/2 missing/);
    expect(() => mergeSuiteReports([s0, s0])).toThrow(/shard 0\/2 appears twice/);
    const missing = await loadSuite(['merge', a]);
    expect(missing.code).toBe(2);
  });

  it('the shipped Kubernetes Indexed Job and GitHub Actions matrix agree with the CLI', async () => {
    const k8s = await readFile(join(APP, 'deploy/k8s-indexed-job.yaml'), 'utf8');
    expect(k8s).toMatch(/completionMode: Indexed/);
    const completions = Number(/completions: (\d+)/.exec(k8s)?.[1]);
    expect(completions).toBeGreaterThan(1);
    expect(k8s).toContain(`--shards ${completions}`);
    expect(k8s).toContain(['shard-$', '{JOB_COMPLETION_INDEX}.json'].join(''));
    const files = Array.from({ length: completions }, (_, i) => `/results/shard-${i}.json`).join(' ');
    expect(k8s).toContain(`src/cli.ts merge ${files}`);
    const gh = await readFile(join(APP, 'deploy/github-actions-load.yml'), 'utf8');
    const shards = JSON.parse(/shard: (\[[^\]]*\])/.exec(gh)?.[1] ?? '[]') as number[];
    expect(shards).toEqual([0, 1]);
    expect(gh).toContain(`--shards ${shards.length}`);
    expect(gh).toContain(['TRADEKIT_SHARD_INDEX: $', '{{ matrix.shard }}'].join(''));
    expect(gh).toContain(`src/cli.ts merge ${shards.map((i) => `reports/shard-${i}.json`).join(' ')}`);
  });
});
