import { TradeKitError, describeValue, nearestName } from '@tradekit/types';
import {
  type LatencySummary,
  type Threshold,
  type ThresholdMetric,
  type ThresholdResult,
  evaluateThresholds,
  parseThreshold,
} from '@tradekit/ws-tester';

/** Which part of the run a threshold tests. */
export type Scope = 'feed' | 'orders' | 'hub';

/** A threshold of the suite: a scope and a ws-tester threshold on that scope's figures. */
export interface SuiteThreshold extends Threshold {
  scope: Scope;
}

/** A suite threshold checked against a run. */
export interface SuiteThresholdResult extends ThresholdResult {
  scope: Scope;
}

const LATENCY = ['min', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'];
const CONNECT = ['connect_p50', 'connect_p99', 'connect_max'];
/** Metrics each scope measures (aliases: `fills` for orders, `quotes` for hub = their message counts). */
const METRICS: Record<Scope, string[]> = {
  feed: [...LATENCY, ...CONNECT, 'errors', 'errors%', 'disconnects', 'throughput', 'messages'],
  orders: [...LATENCY, 'errors', 'errors%', 'throughput', 'messages', 'fills'],
  hub: [...CONNECT, 'errors', 'errors%', 'disconnects', 'throughput', 'messages', 'quotes'],
};
const ALIAS: Record<string, string> = { fills: 'messages', quotes: 'messages' };

function invalid(expression: unknown, why: string): TradeKitError {
  return new TradeKitError(
    'LOAD_SUITE_THRESHOLD_INVALID',
    `Expected a threshold like "orders.p99<250ms" or "feed.errors<=0", got ${describeValue(expression)}: ${why}`,
    { details: { value: expression } },
  );
}

/** Parses `"orders.p99<250ms"`; throws `LOAD_SUITE_THRESHOLD_INVALID` naming the nearest valid scope or metric. */
export function parseSuiteThreshold(expression: string): SuiteThreshold {
  if (typeof expression !== 'string') throw invalid(expression, 'not a string.');
  const m = /^\s*([a-z]+)\.(.+)$/i.exec(expression);
  if (!m) throw invalid(expression, 'it names no scope (feed., orders. or hub.).');
  const scope = (m[1] as string).toLowerCase();
  if (!(scope in METRICS)) {
    const near = nearestName(scope, Object.keys(METRICS));
    throw invalid(expression, `unknown scope "${scope}"${near ? `; did you mean "${near}"?` : ''}`);
  }
  const rest = m[2] as string;
  const metric = /^[a-z_%0-9.]+?(?=\s*[<>])/i.exec(rest)?.[0] ?? rest;
  const valid = METRICS[scope as Scope];
  if (!valid.includes(metric)) {
    const near = nearestName(metric, valid);
    throw invalid(
      expression,
      `${scope} has no metric "${metric}"${near ? `; did you mean "${near}"?` : ''} (valid: ${valid.join(', ')}).`,
    );
  }
  let text = ALIAS[metric] ? rest.replace(metric, ALIAS[metric] as string) : rest;
  // ws-tester writes a percentage budget as `errors<0.1%`; accept `errors%<0.1` and `errors%<0.1%` too.
  if (metric === 'errors%') text = `${text.replace('errors%', 'errors').trimEnd().replace(/%$/, '')}%`;
  const parsed = parseThreshold(text);
  return { ...parsed, expression: expression.trim(), scope: scope as Scope };
}

/** The figures of one scope, in ws-tester's metric names (latency in µs). */
export interface ScopeFigures {
  latency?: LatencySummary;
  connect?: LatencySummary;
  errors: number;
  /** Denominator of `errors%`. */
  operations: number;
  disconnects: number;
  messages: number;
  seconds: number;
}

/** Checks thresholds against each scope's figures; latency rules with no sample fail ("no samples"). */
export function checkThresholds(
  thresholds: readonly SuiteThreshold[],
  figures: Record<Scope, ScopeFigures>,
): SuiteThresholdResult[] {
  return thresholds.map((t) => {
    const f = figures[t.scope];
    const lat = f.latency;
    const con = f.connect;
    const values: Record<ThresholdMetric, number> = {
      min: lat?.min ?? 0,
      mean: lat?.mean ?? 0,
      p50: lat?.p50 ?? 0,
      p90: lat?.p90 ?? 0,
      p95: lat?.p95 ?? 0,
      p99: lat?.p99 ?? 0,
      p999: lat?.p999 ?? 0,
      max: lat?.max ?? 0,
      connect_p50: con?.p50 ?? 0,
      connect_p99: con?.p99 ?? 0,
      connect_max: con?.max ?? 0,
      errors: f.errors,
      'errors%': f.operations === 0 ? (f.errors > 0 ? 100 : 0) : (f.errors / f.operations) * 100,
      disconnects: f.disconnects,
      throughput: f.seconds > 0 ? Math.round((f.messages / f.seconds) * 10) / 10 : 0,
      messages: f.messages,
    };
    const samples: Partial<Record<ThresholdMetric, number>> = {};
    for (const k of LATENCY) samples[k as ThresholdMetric] = lat?.count ?? 0;
    for (const k of CONNECT) samples[k as ThresholdMetric] = con?.count ?? 0;
    const [r] = evaluateThresholds([t], values, samples);
    return { ...(r as ThresholdResult), scope: t.scope, expression: t.expression };
  });
}
