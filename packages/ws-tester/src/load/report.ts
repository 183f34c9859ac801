import { TradeKitError, describeValue } from '@tradekit/types';
import type { DriverResult, LoadErrorKind } from './driver.js';
import { type LatencySummary, mergeHistograms } from './histogram.js';
import {
  type Threshold,
  type ThresholdMetric,
  type ThresholdResult,
  evaluateThresholds,
  parseThreshold,
} from './thresholds.js';

/** One shard of a run that was split across processes or machines (`--shard i/n`). */
export interface LoadShard {
  /** 1-based shard number. */
  index: number;
  /** Number of shards. */
  count: number;
}

/** The outcome of a load run, as written by `--json` and read back by `mergeReports`. */
export interface LoadReport {
  /** Report format version. */
  version: 1;
  url: string;
  mode: 'echo' | 'subscribe';
  /** Connections planned (all shards of this report). */
  connections: number;
  /** Planned run length, µs. */
  durationUs: number;
  /** Messages per second per connection, when the run was rate-driven. */
  rate: number | null;
  /** True when latency is measured from each request's due time (rate-driven runs). */
  correctedForCoordinatedOmission: boolean;
  /** The shards this report covers (one entry per merged run; empty for an unsharded run). */
  shards: LoadShard[];
  /** Worker threads used (summed over merged runs). */
  workers: number;
  /** Wall time the run started, ISO-8601. */
  startedAt: string;
  /** Measured run length, µs (the longest of merged runs). */
  elapsedUs: number;
  connects: { attempted: number; succeeded: number; failed: number };
  messages: { sent: number; received: number };
  /** Messages received per second over the planned duration. */
  throughput: number;
  /** Errors by kind; `rate` is a percentage of connect attempts plus requests (echo) or updates (subscribe). */
  errors: { total: number; rate: number; byKind: Partial<Record<LoadErrorKind, number>> };
  /** Connections closed by the server or the network before the end. */
  disconnects: number;
  /** Per-message latency, µs. */
  latency: LatencySummary;
  /** Time from connect attempt to open, µs. */
  connectTime: LatencySummary;
  thresholds: ThresholdResult[];
  /** Errors alone did not fail the run (`allowErrors`, `--allow-errors`). */
  allowErrors?: boolean;
  /** A run with no successful round trip did not fail by itself (`allowEmpty`, `--allow-empty`). */
  allowEmpty?: boolean;
  /**
   * Why the run failed, one line each (empty when it passed): a failed threshold, a threshold
   * with no samples, errors without `allowErrors` or an error threshold, no successful round trip.
   */
  failures?: string[];
  /**
   * True only when every threshold passed, the run had at least one successful round trip (a
   * matched reply in echo mode, an update in subscribe mode) and no error, unless opted out with
   * `allowEmpty` / `allowErrors` (a threshold on `errors` or `errors%` also states what is allowed).
   */
  passed: boolean;
}

/** Fields of a report that do not come from the counters. */
export interface ReportContext {
  url: string;
  mode: 'echo' | 'subscribe';
  connections: number;
  durationUs: number;
  rate: number | null;
  shards: LoadShard[];
  workers: number;
  startedAt: string;
  elapsedUs: number;
  thresholds: readonly Threshold[];
  allowErrors?: boolean;
  allowEmpty?: boolean;
}

/** Builds a report from per-thread results. */
export function buildReport(context: ReportContext, parts: readonly DriverResult[]): LoadReport {
  const byKind: Partial<Record<LoadErrorKind, number>> = {};
  let attempted = 0;
  let succeeded = 0;
  let sent = 0;
  let received = 0;
  let disconnects = 0;
  for (const p of parts) {
    attempted += p.connectAttempts;
    succeeded += p.connected;
    sent += p.sent;
    received += p.received;
    disconnects += p.disconnects;
    for (const [k, v] of Object.entries(p.errors))
      byKind[k as LoadErrorKind] = (byKind[k as LoadErrorKind] ?? 0) + (v ?? 0);
  }
  return finish(context, {
    connects: { attempted, succeeded, failed: attempted - succeeded },
    messages: { sent, received },
    byKind,
    disconnects,
    latency: mergeHistograms(parts.map((p) => p.latency)),
    connectTime: mergeHistograms(parts.map((p) => p.connect)),
  });
}

interface Tallies {
  connects: LoadReport['connects'];
  messages: LoadReport['messages'];
  byKind: Partial<Record<LoadErrorKind, number>>;
  disconnects: number;
  latency: LatencySummary;
  connectTime: LatencySummary;
}

function finish(context: ReportContext, t: Tallies): LoadReport {
  const total = Object.values(t.byKind).reduce((a, b) => a + (b ?? 0), 0);
  const ops = t.connects.attempted + (context.mode === 'echo' ? t.messages.sent : t.messages.received);
  const errorRate = ops === 0 ? (total > 0 ? 100 : 0) : (total / ops) * 100;
  const seconds = context.durationUs / 1e6;
  const throughput = seconds > 0 ? Math.round((t.messages.received / seconds) * 10) / 10 : 0;
  const figures: Record<ThresholdMetric, number> = {
    min: t.latency.min,
    mean: t.latency.mean,
    p50: t.latency.p50,
    p90: t.latency.p90,
    p95: t.latency.p95,
    p99: t.latency.p99,
    p999: t.latency.p999,
    max: t.latency.max,
    connect_p50: t.connectTime.p50,
    connect_p99: t.connectTime.p99,
    connect_max: t.connectTime.max,
    errors: total,
    'errors%': errorRate,
    disconnects: t.disconnects,
    throughput,
    messages: t.messages.received,
  };
  const thresholds = evaluateThresholds(context.thresholds, figures, {
    min: t.latency.count,
    mean: t.latency.count,
    p50: t.latency.count,
    p90: t.latency.count,
    p95: t.latency.count,
    p99: t.latency.count,
    p999: t.latency.count,
    max: t.latency.count,
    connect_p50: t.connectTime.count,
    connect_p99: t.connectTime.count,
    connect_max: t.connectTime.count,
  });
  const allowErrors = context.allowErrors === true;
  const allowEmpty = context.allowEmpty === true;
  const failures: string[] = [];
  for (const r of thresholds) {
    if (r.passed) continue;
    failures.push(
      r.note === 'no samples'
        ? `threshold ${r.expression} has no samples (${/^connect_/.test(r.metric) ? 'no connection opened' : 'no reply was measured'})`
        : `threshold ${r.expression} failed`,
    );
  }
  if (t.latency.count === 0 && !allowEmpty) {
    failures.push(
      `no successful round trip: ${context.mode === 'echo' ? 'no reply was matched to a request' : 'no update arrived'} (pass allowEmpty / --allow-empty to accept an empty run)`,
    );
  }
  const errorBudget = context.thresholds.some((x) => x.metric === 'errors' || x.metric === 'errors%');
  if (total > 0 && !allowErrors && !errorBudget) {
    failures.push(
      `${total} errors (${Math.round(errorRate * 1000) / 1000}%): a run with errors fails unless you set an error threshold such as errors<1% or pass allowErrors / --allow-errors`,
    );
  }
  return {
    version: 1,
    url: context.url,
    mode: context.mode,
    connections: context.connections,
    durationUs: context.durationUs,
    rate: context.rate,
    correctedForCoordinatedOmission: context.mode === 'echo' && context.rate !== null,
    shards: context.shards,
    workers: context.workers,
    startedAt: context.startedAt,
    elapsedUs: context.elapsedUs,
    connects: t.connects,
    messages: t.messages,
    throughput,
    errors: { total, rate: Math.round(errorRate * 1e6) / 1e6, byKind: t.byKind },
    disconnects: t.disconnects,
    latency: t.latency,
    connectTime: t.connectTime,
    thresholds,
    allowErrors,
    allowEmpty,
    failures,
    passed: failures.length === 0,
  };
}

/**
 * Combines reports of runs made side by side (`--shard i/n` on several machines, or repeated
 * runs) into one: counters add up, histograms merge exactly, thresholds are checked again on
 * the whole.
 *
 * @example
 * const whole = mergeReports([shard1, shard2]);
 * console.log(whole.latency.p99, whole.passed);
 */
export function mergeReports(
  reports: readonly LoadReport[],
  options: { thresholds?: readonly string[]; allowErrors?: boolean; allowEmpty?: boolean } = {},
): LoadReport {
  if (!Array.isArray(reports) || reports.length === 0) {
    throw new TradeKitError(
      'WS_REPORT_INVALID',
      `Expected \`reports\` to be a non-empty array of load reports, got ${describeValue(reports)}.`,
    );
  }
  for (let i = 0; i < reports.length; i++) checkReport(reports[i], i);
  const first = reports[0] as LoadReport;
  const byKind: Partial<Record<LoadErrorKind, number>> = {};
  for (const r of reports) {
    for (const [k, v] of Object.entries(r.errors.byKind) as Array<[LoadErrorKind, number | undefined]>) {
      byKind[k] = (byKind[k] ?? 0) + (v ?? 0);
    }
  }
  const sum = (f: (r: LoadReport) => number) => reports.reduce((a, r) => a + f(r), 0);
  const thresholdTexts = options.thresholds ?? [
    ...new Set(reports.flatMap((r) => r.thresholds.map((t: ThresholdResult) => t.expression))),
  ];
  const shards = reports.flatMap((r) => r.shards);
  const started = reports.map((r) => r.startedAt).sort()[0] as string;
  return finish(
    {
      url: first.url,
      mode: first.mode,
      connections: sum((r) => r.connections),
      durationUs: Math.max(...reports.map((r) => r.durationUs)),
      rate: first.rate,
      shards,
      workers: sum((r) => r.workers),
      startedAt: started,
      elapsedUs: Math.max(...reports.map((r) => r.elapsedUs)),
      thresholds: thresholdTexts.map(parseThreshold),
      // The shards' opt-ins carry over only when every shard made them.
      allowErrors: options.allowErrors ?? reports.every((r) => r.allowErrors === true),
      allowEmpty: options.allowEmpty ?? reports.every((r) => r.allowEmpty === true),
    },
    {
      connects: {
        attempted: sum((r) => r.connects.attempted),
        succeeded: sum((r) => r.connects.succeeded),
        failed: sum((r) => r.connects.failed),
      },
      messages: { sent: sum((r) => r.messages.sent), received: sum((r) => r.messages.received) },
      byKind,
      disconnects: sum((r) => r.disconnects),
      latency: mergeHistograms(reports.map((r) => r.latency.histogram)),
      connectTime: mergeHistograms(reports.map((r) => r.connectTime.histogram)),
    },
  );
}

function checkReport(r: unknown, i: number): asserts r is LoadReport {
  const o = r as Partial<LoadReport> | null;
  if (
    typeof o !== 'object' ||
    o === null ||
    o.version !== 1 ||
    typeof o.latency?.histogram !== 'string' ||
    typeof o.connectTime?.histogram !== 'string' ||
    typeof o.messages?.received !== 'number' ||
    typeof o.connects?.attempted !== 'number'
  ) {
    throw new TradeKitError(
      'WS_REPORT_INVALID',
      `Expected \`reports[${i}]\` to be a load report written by \`tradekit ws-load --json\` (version 1, with encoded histograms), got ${describeValue(r)}.`,
      { details: { field: `reports[${i}]`, value: r } },
    );
  }
}

const ms = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us} µs`);

/** A plain-text summary of a report for terminals. */
export function formatLoadSummary(report: LoadReport): string {
  const lines: string[] = [];
  const shard =
    report.shards.length > 0 ? ` shards ${report.shards.map((s) => `${s.index}/${s.count}`).join(',')}` : '';
  lines.push(
    `ws-load ${report.mode} ${report.url}  connections ${report.connections}  duration ${(report.durationUs / 1e6).toFixed(1)} s${report.rate ? `  rate ${report.rate}/s per connection` : ''}${shard}`,
  );
  lines.push(
    `connects   ${report.connects.succeeded}/${report.connects.attempted} ok   connect p50 ${ms(report.connectTime.p50)}  p99 ${ms(report.connectTime.p99)}  max ${ms(report.connectTime.max)}`,
  );
  lines.push(
    `messages   sent ${report.messages.sent}  received ${report.messages.received}  throughput ${report.throughput.toFixed(1)} msg/s`,
  );
  const L = report.latency;
  lines.push(
    `latency    p50 ${ms(L.p50)}  p90 ${ms(L.p90)}  p99 ${ms(L.p99)}  p99.9 ${ms(L.p999)}  max ${ms(L.max)}  (n=${L.count}${report.correctedForCoordinatedOmission ? ', corrected for coordinated omission' : ''})`,
  );
  const kinds = Object.entries(report.errors.byKind)
    .filter(([, v]) => (v ?? 0) > 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  lines.push(
    `errors     ${report.errors.total} (${report.errors.rate.toFixed(3)}%)${kinds ? `: ${kinds}` : ''}   disconnects ${report.disconnects}`,
  );
  for (const t of report.thresholds) {
    const unit = t.metric === 'errors%' ? '%' : /^(min|mean|p\d+|max|connect_)/.test(t.metric) ? ' µs' : '';
    const actual =
      t.actual === null || t.actual === undefined
        ? 'no samples'
        : `actual ${Math.round(t.actual * 1000) / 1000}${unit}`;
    lines.push(`threshold  ${t.passed ? 'PASS' : 'FAIL'}  ${t.expression}  (${actual})`);
  }
  if (report.passed) lines.push('result     PASSED');
  else {
    const why = report.failures ?? [];
    lines.push(`result     FAILED${why.length > 0 ? `: ${why[0]}` : ''}`);
    for (const w of why.slice(1)) lines.push(`           ${w}`);
  }
  return `${lines.join('\n')}\n`;
}
