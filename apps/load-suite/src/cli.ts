#!/usr/bin/env node
/**
 * load-suite command line.
 *
 *   load-suite run [--profile ci|workstation] [--clients N] [--hub-clients N] [--traders N]
 *                  [--order-rate R] [--ramp-up S] [--hold S] [--workers N] [--threshold RULE]...
 *                  [--shard i/n | --shards n] [--out report.json] [--json]
 *   load-suite merge shard-0.json shard-1.json … [--out merged.json] [--json]
 *
 * Exit codes: 0 passed, 1 a threshold (or a rule) failed, 2 usage or input error, 3 internal error.
 * Shard index: `--shard i/n`, else JOB_COMPLETION_INDEX (Kubernetes Indexed Job), SLURM_ARRAY_TASK_ID,
 * AWS_BATCH_JOB_ARRAY_INDEX or TRADEKIT_SHARD_INDEX (a CI matrix value) with `--shards n`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveShard } from '@tradekit/backtest';
import { isTradeKitError } from '@tradekit/types';
import { type LoadProfile, PROFILES } from './profiles.js';
import { type SuiteReport, formatSuiteReport, mergeSuiteReports } from './report.js';
import { runSuite } from './suite.js';
import { parseSuiteThreshold } from './thresholds.js';

class UsageError extends Error {}

const NUMERIC: Array<[string, keyof LoadProfile, number, number]> = [
  ['clients', 'clients', 0, 50_000],
  ['hub-clients', 'hubClients', 0, 10_000],
  ['traders', 'traders', 0, 10_000],
  ['order-rate', 'orderRate', 0.01, 1_000],
  ['ramp-up', 'rampUp', 0, 3_600],
  ['hold', 'hold', 0.1, 3_600],
  ['workers', 'workers', 0, 256],
  ['seed', 'seed', 0, 2 ** 32],
];

/** Builds the profile a `run` uses from `--profile` and the overrides. */
export function profileFromArgs(values: Record<string, unknown>): LoadProfile {
  const name = (values.profile as string | undefined) ?? 'ci';
  const base = PROFILES[name];
  if (!base)
    throw new UsageError(`Expected --profile to be one of ${Object.keys(PROFILES).join(', ')}, got "${name}".`);
  const profile: LoadProfile = { ...base, thresholds: [...base.thresholds] };
  for (const [flag, key, min, max] of NUMERIC) {
    const v = values[flag];
    if (v === undefined) continue;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new UsageError(`Expected --${flag} to be a number from ${min} to ${max}, got "${v}".`);
    (profile as unknown as Record<string, number>)[key] = n;
  }
  const extra = (values.threshold as string[] | undefined) ?? [];
  if (extra.length > 0) {
    for (const t of extra) parseSuiteThreshold(t);
    // A rule on a metric the profile already limits replaces the profile's rule.
    const metricOf = (t: string) => parseSuiteThreshold(t).expression.split(/[<>]/)[0];
    const replaced = new Set(extra.map(metricOf));
    profile.thresholds = [...profile.thresholds.filter((t) => !replaced.has(metricOf(t))), ...extra];
  }
  return profile;
}

function writeReport(path: string | undefined, report: SuiteReport): void {
  if (!path) return;
  const file = resolve(path);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  } catch (err) {
    throw new UsageError(`Could not write the report to ${file}: ${(err as Error).message}`);
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(
      'usage: load-suite run [--profile ci|workstation] [--threshold RULE]... [--shard i/n | --shards n] [--out FILE] [--json]\n       load-suite merge FILE... [--out FILE] [--json]\n',
    );
    return command === undefined ? 2 : 0;
  }
  if (command === 'run') {
    const { values } = parseArgs({
      args: rest,
      strict: true,
      options: {
        profile: { type: 'string' },
        threshold: { type: 'string', multiple: true },
        shard: { type: 'string' },
        shards: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        ...Object.fromEntries(NUMERIC.map(([flag]) => [flag, { type: 'string' as const }])),
      },
    });
    const profile = profileFromArgs(values);
    let shards: number | undefined;
    if (values.shards !== undefined) {
      shards = Number(values.shards);
      if (!Number.isInteger(shards) || shards < 1)
        throw new UsageError(`Expected --shards to be an integer ≥ 1, got "${values.shards}".`);
    }
    const s = resolveShard(values.shard, shards);
    const shard = s.count > 1 || s.source !== 'none' ? { index: s.index, count: s.count } : undefined;
    const log = (line: string) =>
      process.stderr.write(`[load-suite${shard ? ` ${shard.index}/${shard.count}` : ''}] ${line}\n`);
    const report = await runSuite(profile, { shard, log });
    writeReport(values.out, report);
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatSuiteReport(report));
    if (values.out) process.stderr.write(`[load-suite] report written to ${resolve(values.out)}\n`);
    return report.passed ? 0 : 1;
  }
  if (command === 'merge') {
    const { values, positionals } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: true,
      options: { out: { type: 'string' }, json: { type: 'boolean' } },
    });
    if (positionals.length === 0) throw new UsageError('Expected one or more shard reports to merge, got none.');
    const reports = positionals.map((p) => {
      try {
        return JSON.parse(readFileSync(p, 'utf8')) as SuiteReport;
      } catch (err) {
        throw new UsageError(`Could not read the shard report ${p}: ${(err as Error).message}`);
      }
    });
    const merged = mergeSuiteReports(reports);
    writeReport(values.out, merged);
    process.stdout.write(values.json ? `${JSON.stringify(merged, null, 2)}\n` : formatSuiteReport(merged));
    return merged.passed ? 0 : 1;
  }
  throw new UsageError(`Unknown command "${command}": use run or merge.`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const usage =
      err instanceof UsageError ||
      (isTradeKitError(err) && /INVALID|SHARD/.test(err.code)) ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`load-suite: ${(err as Error).message}\n`);
    process.exitCode = usage ? 2 : 3;
  },
);
