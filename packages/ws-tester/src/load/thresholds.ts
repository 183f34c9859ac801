import { TradeKitError, describeValue } from '@tradekit/types';

/** A metric a threshold can test. Latency metrics are in µs; `errors%` is a percentage. */
export type ThresholdMetric =
  | 'min'
  | 'mean'
  | 'p50'
  | 'p90'
  | 'p95'
  | 'p99'
  | 'p999'
  | 'max'
  | 'connect_p50'
  | 'connect_p99'
  | 'connect_max'
  | 'errors'
  | 'errors%'
  | 'disconnects'
  | 'throughput'
  | 'messages';

/** A comparison operator. */
export type ThresholdOperator = '<' | '<=' | '>' | '>=';

/** A parsed threshold such as `p99<50ms`. */
export interface Threshold {
  /** The text it was parsed from. */
  expression: string;
  metric: ThresholdMetric;
  op: ThresholdOperator;
  /** Limit in the metric's unit (µs for latencies, percent for `errors%`, messages/s for throughput). */
  value: number;
}

/** A threshold checked against a run. */
export interface ThresholdResult extends Threshold {
  /** The run's figure, in the same unit as `value`; `null` when the run measured no sample of it. */
  actual: number | null;
  /** Samples behind the figure: latencies (or connects, for `connect_*`) recorded; for counts, the count itself. */
  samples: number;
  /** False when the figure misses the limit, and always when there was no sample (never green by default). */
  passed: boolean;
  /** Why it failed, when not obvious from `actual`: `"no samples"`. */
  note?: string;
}

/** Which thresholds measure latency (they need samples to mean anything). */
export function isLatencyMetric(metric: ThresholdMetric): boolean {
  return LATENCY_METRICS.has(metric);
}

const LATENCY_METRICS = new Set([
  'min',
  'mean',
  'p50',
  'p90',
  'p95',
  'p99',
  'p999',
  'max',
  'connect_p50',
  'connect_p99',
  'connect_max',
]);
const COUNT_METRICS = new Set(['errors', 'disconnects', 'throughput', 'messages']);
const ALIASES: Record<string, string> = {
  'p99.9': 'p999',
  avg: 'mean',
  median: 'p50',
  error: 'errors',
  error_rate: 'errors%',
  rps: 'throughput',
  'connect.p50': 'connect_p50',
  'connect.p99': 'connect_p99',
  'connect.max': 'connect_max',
};
const TIME_UNITS: Record<string, number> = { us: 1, µs: 1, ms: 1_000, s: 1_000_000 };
const RE = /^\s*([a-z_][a-z0-9_.]*)\s*(<=|>=|<|>)\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s|%|\/s)?\s*$/i;

const HINT =
  'Write thresholds like "p99<50ms", "p50<=2ms", "max<1s", "connect_p99<100ms", "errors<0.1%", "errors<5", "disconnects<1" or "throughput>1000".';

/**
 * Parses a threshold expression; throws `WS_THRESHOLD_INVALID` on anything it cannot read.
 *
 * @example
 * parseThreshold('p99<50ms'); // { metric: 'p99', op: '<', value: 50000, expression: 'p99<50ms' }
 */
export function parseThreshold(expression: string): Threshold {
  const fail = (why: string): never => {
    throw new TradeKitError(
      'WS_THRESHOLD_INVALID',
      `Expected \`threshold\` to be ${why}, got ${describeValue(expression)}. ${HINT}`,
      {
        details: { field: 'threshold', value: expression },
      },
    );
  };
  if (typeof expression !== 'string') fail('a string');
  const m = RE.exec(expression);
  if (!m) return fail('<metric><op><number><unit>');
  const [, rawMetric, op, num, rawUnit] = m as unknown as [
    string,
    string,
    ThresholdOperator,
    string,
    string | undefined,
  ];
  const lower = rawMetric.toLowerCase();
  let metric = ALIASES[lower] ?? lower;
  const unit = rawUnit?.toLowerCase();
  let value = Number(num);
  if (LATENCY_METRICS.has(metric)) {
    if (unit === undefined || !(unit in TIME_UNITS))
      return fail(`a latency limit with a unit (us, ms or s) for \`${rawMetric}\``);
    value *= TIME_UNITS[unit as string] as number;
  } else if (metric === 'errors' && unit === '%') {
    metric = 'errors%';
  } else if (metric === 'errors%') {
    if (unit !== undefined && unit !== '%') return fail('a percentage for `errors%`');
  } else if (COUNT_METRICS.has(metric)) {
    if (unit !== undefined && !(metric === 'throughput' && unit === '/s'))
      return fail(`a plain number for \`${rawMetric}\``);
  } else {
    return fail(
      `a known metric (p50, p90, p95, p99, p999, min, mean, max, connect_p99, errors, disconnects, throughput) instead of \`${rawMetric}\``,
    );
  }
  return { expression: expression.trim(), metric: metric as ThresholdMetric, op, value };
}

/**
 * Checks thresholds against figures keyed by metric. A latency threshold whose metric has no
 * sample (`samples[metric] === 0`: nothing connected, no reply matched) fails with the note
 * "no samples", as k6 does: a limit on nothing measured is not a pass.
 */
export function evaluateThresholds(
  thresholds: readonly Threshold[],
  figures: Record<ThresholdMetric, number>,
  samples: Partial<Record<ThresholdMetric, number>> = {},
): ThresholdResult[] {
  return thresholds.map((t) => {
    const n = samples[t.metric] ?? (LATENCY_METRICS.has(t.metric) ? 0 : figures[t.metric]);
    if (LATENCY_METRICS.has(t.metric) && n === 0) {
      return { ...t, actual: null, samples: 0, passed: false, note: 'no samples' };
    }
    const actual = figures[t.metric];
    let passed: boolean;
    switch (t.op) {
      case '<':
        passed = actual < t.value;
        break;
      case '<=':
        passed = actual <= t.value;
        break;
      case '>':
        passed = actual > t.value;
        break;
      case '>=':
        passed = actual >= t.value;
        break;
    }
    return { ...t, actual, samples: n, passed };
  });
}
