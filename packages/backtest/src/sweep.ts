/**
 * Parameter sweeps: grid and random search over worker threads (tinypool), deterministic
 * order, ranking by a chosen metric; shards for array jobs on existing engines (Kubernetes
 * Indexed Jobs, CI matrices, Slurm, AWS Batch) and an exact merge; walk-forward.
 */
import { createHash } from 'node:crypto';
import type { ExchangeOptions } from '@tradekit/order-sim';
import {
  type Instrument,
  type InstrumentSpec,
  Rng,
  TradeKitError,
  assertKnownKeys,
  describeValue,
} from '@tradekit/types';
import { type DataSpec, openData } from './data.js';
import { runBacktest } from './engine.js';
import { loadStrategy } from './load.js';
import type { Metrics } from './metrics.js';
import type { Params } from './strategy.js';

/** A random-search dimension: a list of values, or a numeric range (with an optional step). */
export type RandomDimension = readonly (number | string | boolean)[] | { min: number; max: number; step?: number };

/** What to sweep. Plain data: it travels to workers and shards as JSON. */
export interface SweepSpec {
  /** Path of the strategy module (.ts or .js). */
  strategy: string;
  /** The events (files, market-sim config, or events). */
  data: DataSpec;
  /** @default the data's or strategy's instruments */
  instruments?: readonly (Instrument | InstrumentSpec)[];
  /** order-sim options (fees, latency, fillPolicy…). */
  exchange?: Omit<ExchangeOptions, 'clock' | 'instruments' | 'accounts'>;
  /** Starting cash. @default 100000 */
  cash?: number;
  /** Fixed parameters applied to every run. */
  params?: Record<string, number | string | boolean>;
  /** Grid: every combination of these values (keys in sorted order, the last key varies fastest). */
  grid?: Record<string, readonly (number | string | boolean)[]>;
  /** Random search: `samples` draws from `space`, seeded. */
  random?: { samples: number; seed?: number; space: Record<string, RandomDimension> };
  /** Metric to rank by. @default 'sharpe' */
  rankBy?: keyof Metrics;
  /** 'desc' ranks the highest first. @default 'desc' (except drawdown durations: 'asc') */
  order?: 'asc' | 'desc';
}

/** One evaluated parameter set. */
export interface SweepRow {
  /** Position in the full parameter list (stable across shards and workers). */
  index: number;
  params: Params;
  /** The ranking metric's value (null when undefined). */
  score: number | null;
  metrics: Metrics;
}

/** A sweep report; `shard` is present only on a shard's partial result. */
export interface SweepReport {
  format: 'tradekit.sweep/1';
  strategy: string;
  /** SHA-256 of the spec as canonical JSON: shards of different specs do not merge. */
  fingerprint: string;
  rankBy: string;
  order: 'asc' | 'desc';
  /** Parameter sets in the whole sweep. */
  total: number;
  shard?: { index: number; count: number };
  /** Rows ranked best first (ties: lower index first). */
  rows: SweepRow[];
}

/** Options of {@link runSweep}. */
export interface SweepOptions {
  /** Worker threads; 0 runs in this thread. @default 0 */
  workers?: number;
  /** Run only this slice of the parameter list. @default { index: 0, count: 1 } */
  shard?: { index: number; count: number };
  /** Called after each finished run with (done, total of this shard). */
  onProgress?: (done: number, total: number) => void;
}

const SPEC_KEYS = [
  'strategy',
  'data',
  'instruments',
  'exchange',
  'cash',
  'params',
  'grid',
  'random',
  'rankBy',
  'order',
];

const sweepError = (message: string, details: Record<string, unknown> = {}) =>
  new TradeKitError('SWEEP_CONFIG_INVALID', message, { details });

/** JSON with object keys sorted, for fingerprints. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** The spec's fingerprint (SHA-256 of its canonical JSON). */
export function sweepFingerprint(spec: SweepSpec): string {
  return createHash('sha256').update(canonical(spec)).digest('hex');
}

/** Checks a spec's shape (unknown keys name the nearest valid one). */
export function checkSweepSpec(spec: SweepSpec): void {
  if (typeof spec !== 'object' || spec === null)
    throw sweepError(`Expected a sweep spec object, got ${describeValue(spec)}.`);
  assertKnownKeys(spec, SPEC_KEYS, { code: 'SWEEP_CONFIG_INVALID', where: 'the sweep spec' });
  if (typeof spec.strategy !== 'string' || spec.strategy === '')
    throw sweepError(`Expected \`strategy\` to be the path of a strategy file, got ${describeValue(spec.strategy)}.`);
  if (spec.grid === undefined && spec.random === undefined)
    throw sweepError(
      'Expected `grid` or `random` in the sweep spec, got neither. Example: grid: { fast: [5, 10], slow: [20, 30] }.',
    );
  if (spec.grid !== undefined) {
    for (const [k, vs] of Object.entries(spec.grid)) {
      if (!Array.isArray(vs) || vs.length === 0)
        throw sweepError(`Expected grid \`${k}\` to be a non-empty array of values, got ${describeValue(vs)}.`, {
          field: k,
        });
    }
  }
  if (spec.random !== undefined) {
    const r = spec.random;
    if (!Number.isInteger(r.samples) || r.samples < 1)
      throw sweepError(`Expected random.samples to be an integer ≥ 1, got ${describeValue(r.samples)}.`);
  }
  if (spec.order !== undefined && spec.order !== 'asc' && spec.order !== 'desc')
    throw sweepError(`Expected \`order\` to be "asc" or "desc", got ${describeValue(spec.order)}.`);
}

/**
 * Every parameter set of a sweep, in a fixed order: the grid's combinations (sorted keys, the
 * last varying fastest), then the random draws (seeded), each merged over `params`.
 *
 * @example
 * expandParams({ strategy: 's.ts', data: { events: [] }, grid: { a: [1, 2], b: [3] } }); // [{a:1,b:3},{a:2,b:3}]
 */
export function expandParams(spec: SweepSpec): Params[] {
  const base = spec.params ?? {};
  const out: Params[] = [];
  if (spec.grid) {
    const keys = Object.keys(spec.grid).sort();
    const rec = (i: number, acc: Params) => {
      if (i === keys.length) {
        out.push({ ...base, ...acc });
        return;
      }
      const k = keys[i] as string;
      for (const v of (spec.grid as Record<string, readonly (number | string | boolean)[]>)[k] ?? [])
        rec(i + 1, { ...acc, [k]: v });
    };
    rec(0, {});
  }
  if (spec.random) {
    const rng = new Rng(spec.random.seed ?? 0);
    const keys = Object.keys(spec.random.space).sort();
    for (let s = 0; s < spec.random.samples; s++) {
      const p: Params = { ...base };
      for (const k of keys) {
        const dim = spec.random.space[k] as RandomDimension;
        if (Array.isArray(dim)) p[k] = dim[Math.floor(rng.next() * dim.length)] as number | string | boolean;
        else {
          const { min, max, step } = dim as { min: number; max: number; step?: number };
          if (!(max >= min)) throw sweepError(`Expected random.space.${k} to have max ≥ min, got ${min}..${max}.`);
          if (step) p[k] = min + Math.floor(rng.next() * (Math.floor((max - min) / step) + 1)) * step;
          else p[k] = min + rng.next() * (max - min);
        }
      }
      out.push(p);
    }
  }
  return out;
}

/**
 * The shard to run: `--shard i/n` if given, else the array-job index of the engine running us —
 * `JOB_COMPLETION_INDEX` (Kubernetes Indexed Job), `SLURM_ARRAY_TASK_ID` (minus
 * `SLURM_ARRAY_TASK_MIN`), `AWS_BATCH_JOB_ARRAY_INDEX` (AWS Batch), `TRADEKIT_SHARD_INDEX` (set
 * from a CI matrix value) — with the count from `count`, `SLURM_ARRAY_TASK_COUNT` or
 * `TRADEKIT_SHARD_COUNT`. No index anywhere: the whole sweep (`0/1`). Throws `SWEEP_SHARD_INVALID`.
 *
 * @example
 * resolveShard('2/3'); // { index: 2, count: 3 }
 * resolveShard(undefined, 3, { JOB_COMPLETION_INDEX: '1' }); // { index: 1, count: 3, source: 'JOB_COMPLETION_INDEX' }
 */
export function resolveShard(
  arg?: string,
  count?: number,
  env: Record<string, string | undefined> = process.env,
): { index: number; count: number; source: string } {
  const fail = (msg: string, value: unknown) => new TradeKitError('SWEEP_SHARD_INVALID', msg, { details: { value } });
  const int = (name: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (v === undefined || v.trim() === '' || !Number.isInteger(n) || n < min)
      throw fail(`Expected ${name} to be an integer ≥ ${min}, got ${describeValue(v)}.`, v);
    return n;
  };
  let index: number;
  let n: number | undefined = count;
  let source: string;
  if (arg !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(arg.trim());
    if (!m) throw fail(`Expected --shard as i/n with 0 ≤ i < n (e.g. 0/3), got ${describeValue(arg)}.`, arg);
    index = Number(m[1]);
    n = Number(m[2]);
    source = '--shard';
  } else if (env.JOB_COMPLETION_INDEX !== undefined) {
    index = int('JOB_COMPLETION_INDEX', env.JOB_COMPLETION_INDEX, 0);
    source = 'JOB_COMPLETION_INDEX';
  } else if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const min = env.SLURM_ARRAY_TASK_MIN === undefined ? 0 : int('SLURM_ARRAY_TASK_MIN', env.SLURM_ARRAY_TASK_MIN, 0);
    index = int('SLURM_ARRAY_TASK_ID', env.SLURM_ARRAY_TASK_ID, 0) - min;
    if (n === undefined && env.SLURM_ARRAY_TASK_COUNT !== undefined)
      n = int('SLURM_ARRAY_TASK_COUNT', env.SLURM_ARRAY_TASK_COUNT, 1);
    source = 'SLURM_ARRAY_TASK_ID';
  } else if (env.AWS_BATCH_JOB_ARRAY_INDEX !== undefined) {
    index = int('AWS_BATCH_JOB_ARRAY_INDEX', env.AWS_BATCH_JOB_ARRAY_INDEX, 0);
    source = 'AWS_BATCH_JOB_ARRAY_INDEX';
  } else if (env.TRADEKIT_SHARD_INDEX !== undefined) {
    index = int('TRADEKIT_SHARD_INDEX', env.TRADEKIT_SHARD_INDEX, 0);
    source = 'TRADEKIT_SHARD_INDEX';
  } else {
    if (count !== undefined && count !== 1)
      throw fail(
        `Expected a shard index with --shards ${count}: pass --shard i/${count}, or run as an array job (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX or TRADEKIT_SHARD_INDEX).`,
        count,
      );
    return { index: 0, count: 1, source: 'none' };
  }
  if (n === undefined && env.TRADEKIT_SHARD_COUNT !== undefined)
    n = int('TRADEKIT_SHARD_COUNT', env.TRADEKIT_SHARD_COUNT, 1);
  if (n === undefined)
    throw fail(
      `Expected the shard count (--shards n, or TRADEKIT_SHARD_COUNT) with ${source}=${index}, got none.`,
      index,
    );
  if (!(Number.isInteger(n) && n >= 1 && index >= 0 && index < n))
    throw fail(`Expected shard index ${index} to be in 0..${n - 1} (from ${source}).`, index);
  return { index, count: n, source };
}

const LOWER_IS_BETTER = new Set(['maxDrawdownDuration', 'avgDrawdownDuration', 'volatilityAnnPct', 'maxDrawdown']);

function orderOf(spec: SweepSpec): 'asc' | 'desc' {
  return spec.order ?? (LOWER_IS_BETTER.has(spec.rankBy ?? 'sharpe') ? 'asc' : 'desc');
}

/** Ranks rows: best score first, nulls last, ties by index. */
export function rankRows(rows: readonly SweepRow[], order: 'asc' | 'desc'): SweepRow[] {
  return [...rows].sort((a, b) => {
    if (a.score === null || b.score === null) {
      if (a.score === b.score) return a.index - b.index;
      return a.score === null ? 1 : -1;
    }
    const d = order === 'desc' ? b.score - a.score : a.score - b.score;
    return d !== 0 ? d : a.index - b.index;
  });
}

/** One run in this thread (what a worker does too). */
export async function evaluate(spec: SweepSpec, params: Params): Promise<Metrics> {
  const strategy = await loadStrategy(spec.strategy);
  const { data, instruments } = openData(spec.data);
  const r = await runBacktest({
    strategy,
    data,
    params,
    ...((spec.instruments ?? instruments) ? { instruments: spec.instruments ?? instruments } : {}),
    ...(spec.exchange ? { exchange: spec.exchange } : {}),
    ...(spec.cash !== undefined ? { cash: spec.cash } : {}),
  });
  return r.metrics;
}

function workerUrl(): URL {
  // From the sources (tests, tsx) the worker is a .ts file loaded through a small jiti shim.
  return import.meta.url.endsWith('.ts')
    ? new URL('./sweep-worker-dev.mjs', import.meta.url)
    : new URL('./sweep-worker.js', import.meta.url);
}

/**
 * Runs a sweep (or one shard of it) and returns the ranked report. Same spec → same report,
 * whatever the number of workers; shards merged with {@link mergeSweepReports} give the same
 * bytes as one run.
 *
 * @example
 * const report = await runSweep({ strategy: 'sma.ts', data: { market: { symbols: ['MNQ'], duration: '1d' } }, grid: { fast: [5, 10] } }, { workers: 4 });
 */
export async function runSweep(spec: SweepSpec, options: SweepOptions = {}): Promise<SweepReport> {
  checkSweepSpec(spec);
  const all = expandParams(spec);
  const shard = options.shard ?? { index: 0, count: 1 };
  if (
    !(
      Number.isInteger(shard.count) &&
      shard.count >= 1 &&
      Number.isInteger(shard.index) &&
      shard.index >= 0 &&
      shard.index < shard.count
    )
  ) {
    throw new TradeKitError(
      'SWEEP_SHARD_INVALID',
      `Expected a shard i/n with 0 ≤ i < n, got ${shard.index}/${shard.count}.`,
      {
        details: { value: shard },
      },
    );
  }
  // Round-robin slices keep shards balanced when cost grows along the grid.
  const mine = all.map((params, index) => ({ params, index })).filter((t) => t.index % shard.count === shard.index);
  // Everything that can fail on input fails here, before any worker starts.
  const strategy = await loadStrategy(spec.strategy);
  for (const t of mine) {
    const { resolveParams } = await import('./strategy.js');
    resolveParams(strategy, t.params);
  }
  openData(spec.data);
  const rankBy = (spec.rankBy ?? 'sharpe') as keyof Metrics;
  const workers = options.workers ?? 0;
  if (!(Number.isInteger(workers) && workers >= 0))
    throw sweepError(`Expected \`workers\` to be an integer ≥ 0, got ${describeValue(workers)}.`);
  const results: SweepRow[] = new Array(mine.length);
  let done = 0;
  const finish = (k: number, metrics: Metrics) => {
    const t = mine[k] as { params: Params; index: number };
    const v = metrics[rankBy];
    results[k] = {
      index: t.index,
      params: t.params,
      score: typeof v === 'number' && Number.isFinite(v) ? v : null,
      metrics,
    };
    done++;
    options.onProgress?.(done, mine.length);
  };
  if (workers === 0) {
    for (let k = 0; k < mine.length; k++) finish(k, await evaluate(spec, (mine[k] as { params: Params }).params));
  } else {
    const { Tinypool } = await import('tinypool');
    const pool = new Tinypool({
      filename: workerUrl().href,
      minThreads: workers,
      maxThreads: workers,
      isolateWorkers: false,
    });
    try {
      await Promise.all(mine.map((t, k) => pool.run({ spec, params: t.params }).then((m: Metrics) => finish(k, m))));
    } finally {
      await pool.destroy();
    }
  }
  const report: SweepReport = {
    format: 'tradekit.sweep/1',
    strategy: spec.strategy,
    fingerprint: sweepFingerprint(spec),
    rankBy,
    order: orderOf(spec),
    total: all.length,
    rows: rankRows(results, orderOf(spec)),
  };
  if (shard.count > 1) report.shard = { index: shard.index, count: shard.count };
  return report;
}

/** A sweep report as text (same report → same bytes). */
export function sweepJson(report: SweepReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * Merges shard reports into the report one run gives (byte for byte once serialised).
 * Throws `SWEEP_MERGE_INVALID` if the shards come from different specs, overlap or miss one.
 */
export function mergeSweepReports(parts: readonly SweepReport[]): SweepReport {
  const fail = (msg: string) => new TradeKitError('SWEEP_MERGE_INVALID', msg, {});
  if (parts.length === 0) throw fail('Expected at least one shard report to merge, got none.');
  const first = parts[0] as SweepReport;
  const count = first.shard?.count ?? 1;
  const seen = new Set<number>();
  for (const p of parts) {
    if (p.format !== 'tradekit.sweep/1')
      throw fail(`Expected sweep reports (format tradekit.sweep/1), got ${describeValue(p.format)}.`);
    if (p.fingerprint !== first.fingerprint)
      throw fail(
        `Expected shards of one sweep, but fingerprints differ (${first.fingerprint.slice(0, 12)}… vs ${p.fingerprint.slice(0, 12)}…): were they run with the same spec?`,
      );
    const c = p.shard?.count ?? 1;
    if (c !== count) throw fail(`Expected every shard to be of ${count}, got one of ${c}.`);
    const i = p.shard?.index ?? 0;
    if (seen.has(i)) throw fail(`Shard ${i}/${count} was given twice.`);
    seen.add(i);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0)
    throw fail(`Missing shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')}; run them and merge again.`);
  const rows = parts.flatMap((p) => p.rows);
  if (rows.length !== first.total) throw fail(`Expected ${first.total} rows in total, the shards hold ${rows.length}.`);
  return {
    format: 'tradekit.sweep/1',
    strategy: first.strategy,
    fingerprint: first.fingerprint,
    rankBy: first.rankBy,
    order: first.order,
    total: first.total,
    rows: rankRows(rows, first.order),
  };
}

/** Options of {@link walkForward}: window lengths in µs. */
export interface WalkForwardOptions extends SweepOptions {
  /** First event time (µs) of the first window. */
  start: number;
  /** In-sample (optimisation) window length, µs. */
  inSample: number;
  /** Out-of-sample (test) window length, µs; windows step by this much. */
  outOfSample: number;
  /** Number of windows. */
  windows: number;
}

/** One walk-forward step: the best in-sample parameters and how they did out of sample. */
export interface WalkForwardStep {
  inSample: { from: number; to: number; best: SweepRow };
  outOfSample: { from: number; to: number; metrics: Metrics };
}

/**
 * Walk-forward analysis: for each window, sweep the in-sample period, take the best parameters
 * by `rankBy`, and run them on the following out-of-sample period. Windows step by the
 * out-of-sample length.
 */
export async function walkForward(spec: SweepSpec, options: WalkForwardOptions): Promise<WalkForwardStep[]> {
  const steps: WalkForwardStep[] = [];
  for (let w = 0; w < options.windows; w++) {
    const isFrom = options.start + w * options.outOfSample;
    const isTo = isFrom + options.inSample;
    const oosTo = isTo + options.outOfSample;
    const inner: SweepSpec = { ...spec, data: { ...spec.data, from: isFrom, to: isTo } as DataSpec };
    const report = await runSweep(inner, { ...(options.workers !== undefined ? { workers: options.workers } : {}) });
    const best = report.rows[0] as SweepRow;
    const metrics = await evaluate({ ...spec, data: { ...spec.data, from: isTo, to: oosTo } as DataSpec }, best.params);
    steps.push({ inSample: { from: isFrom, to: isTo, best }, outOfSample: { from: isTo, to: oosTo, metrics } });
  }
  return steps;
}
