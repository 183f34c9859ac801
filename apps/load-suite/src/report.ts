import { TradeKitError, describeValue } from '@tradekit/types';
import { type LatencySummary, type LoadReport, formatLoadSummary, mergeReports } from '@tradekit/ws-tester';
import { mergeLatency } from './histogram.js';
import type { LoadProfile } from './profiles.js';
import {
  type Scope,
  type ScopeFigures,
  type SuiteThresholdResult,
  checkThresholds,
  parseSuiteThreshold,
} from './thresholds.js';

/** One shard of a run split over machines: 0-based `index` of `count` (as Kubernetes and CI matrices number them). */
export interface SuiteShard {
  index: number;
  count: number;
}

/** The ProjectX market-hub clients' side of a run. */
export interface HubSection {
  clients: number;
  connected: number;
  /** `GatewayQuote` messages received, all clients together. */
  quotes: number;
  disconnects: number;
  errors: { total: number; byKind: Record<string, number> };
  connectTime: LatencySummary;
}

/** The traders' side of a run: market orders over REST, fills on the user hub. */
export interface OrdersSection {
  traders: number;
  placed: number;
  filled: number;
  rejected: number;
  unanswered: number;
  errors: { total: number; byKind: Record<string, number> };
  /** From just before `Order/place` is sent to the order's `GatewayUserTrade` on the user hub, µs. */
  roundTrip: LatencySummary;
}

/** The JSON report of a load-suite run (one shard, or shards merged). */
export interface SuiteReport {
  version: 1;
  kind: 'tradekit-load-suite';
  profile: LoadProfile;
  /** Shards this report covers (empty: one unsharded run). */
  shards: SuiteShard[];
  startedAt: string;
  /** Wall time of the run, µs (the longest shard, when merged). */
  elapsedUs: number;
  /** ws-tester load report of the feed subscribers (histograms encoded: merges are exact). */
  feed: LoadReport;
  hub: HubSection;
  orders: OrdersSection;
  thresholds: SuiteThresholdResult[];
  /** Why the suite failed, one line each; empty when it passed. */
  failures: string[];
  passed: boolean;
}

/** The figures thresholds are checked against, per scope. */
export function figuresOf(r: Pick<SuiteReport, 'feed' | 'hub' | 'orders' | 'profile'>): Record<Scope, ScopeFigures> {
  const { feed, hub, orders, profile } = r;
  return {
    feed: {
      latency: feed.latency,
      connect: feed.connectTime,
      errors: feed.errors.total,
      operations: feed.connects.attempted + feed.messages.received,
      disconnects: feed.disconnects,
      messages: feed.messages.received,
      seconds: feed.durationUs / 1e6,
    },
    orders: {
      latency: orders.roundTrip,
      errors: orders.errors.total,
      operations: orders.placed,
      disconnects: 0,
      messages: orders.filled,
      seconds: profile.hold,
    },
    hub: {
      connect: hub.connectTime,
      errors: hub.errors.total,
      operations: hub.clients + hub.quotes,
      disconnects: hub.disconnects,
      messages: hub.quotes,
      seconds: profile.rampUp + profile.hold,
    },
  };
}

/**
 * Checks the profile's thresholds and the rules that hold without any threshold: something was
 * measured in every scope that had clients, and no error went by unless a threshold on that
 * scope's `errors` / `errors%` sets a budget. Returns the report with `thresholds`, `failures`, `passed`.
 */
export function judge(r: Omit<SuiteReport, 'thresholds' | 'failures' | 'passed'>): SuiteReport {
  const parsed = r.profile.thresholds.map(parseSuiteThreshold);
  // A shard runs 1/n of the clients: a minimum on a count (`fills>=8`) is for the whole run, so a
  // report covering k of n shards checks k/n of it. The merged report checks the full figure.
  const count = r.shards[0]?.count ?? 1;
  const share = r.shards.length / count;
  if (r.shards.length > 0 && share < 1) {
    for (const t of parsed) {
      if ((t.metric === 'messages' || t.metric === 'throughput') && (t.op === '>' || t.op === '>='))
        t.value = Math.round(t.value * share * 1000) / 1000;
    }
  }
  const thresholds = checkThresholds(parsed, figuresOf(r));
  const failures: string[] = [];
  for (const t of thresholds) {
    if (!t.passed)
      failures.push(`threshold ${t.expression}: ${t.actual === null ? 'no samples' : `actual ${round(t.actual)}`}`);
  }
  const budget = (s: Scope) => parsed.some((t) => t.scope === s && (t.metric === 'errors' || t.metric === 'errors%'));
  if (r.feed.messages.received === 0) failures.push('feed: no update received by any subscriber');
  if (r.feed.errors.total > 0 && !budget('feed')) failures.push(`feed: ${r.feed.errors.total} errors`);
  if (r.hub.clients > 0 && r.hub.quotes === 0) failures.push('hub: no GatewayQuote received by any hub client');
  if (r.hub.errors.total > 0 && !budget('hub')) failures.push(`hub: ${r.hub.errors.total} errors`);
  if (r.orders.traders > 0 && r.orders.filled === 0) failures.push('orders: no order was filled');
  if (r.orders.errors.total > 0 && !budget('orders')) failures.push(`orders: ${r.orders.errors.total} errors`);
  return { ...r, thresholds, failures, passed: failures.length === 0 };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function invalidReport(i: number, value: unknown, why: string): TradeKitError {
  return new TradeKitError(
    'LOAD_SUITE_REPORT_INVALID',
    `Expected report ${i + 1} to be a load-suite shard report (written by \`load-suite run --out\`), got ${describeValue(value)}: ${why}`,
    { details: { index: i } },
  );
}

/**
 * Merges shard reports into one: counts add up, latency histograms merge exactly, thresholds are
 * checked again on the totals. Refuses reports of different profiles, duplicated or missing shards.
 */
export function mergeSuiteReports(input: readonly SuiteReport[]): SuiteReport {
  if (!Array.isArray(input) || input.length === 0) throw invalidReport(0, input, 'no reports to merge.');
  input.forEach((r, i) => {
    if (typeof r !== 'object' || r === null || r.kind !== 'tradekit-load-suite' || r.version !== 1)
      throw invalidReport(i, r, 'not a version 1 load-suite report.');
  });
  // In shard order, so the merge is the same whatever order the files come in.
  const reports = [...input].sort((a, b) => (a.shards[0]?.index ?? 0) - (b.shards[0]?.index ?? 0));
  const first = reports[0] as SuiteReport;
  const profileText = JSON.stringify(first.profile);
  reports.forEach((r, i) => {
    if (JSON.stringify(r.profile) !== profileText)
      throw invalidReport(i, r.profile.name, `its profile differs from report 1's (${first.profile.name}).`);
  });
  const shards = reports.flatMap((r) => r.shards);
  const count = shards[0]?.count ?? 0;
  if (reports.length > 1 || count > 1) {
    const seen = new Set<number>();
    for (const s of shards) {
      if (s.count !== count) throw invalidReport(0, s, `shard counts differ (${s.count} vs ${count}).`);
      if (seen.has(s.index)) throw invalidReport(0, s, `shard ${s.index}/${count} appears twice.`);
      seen.add(s.index);
    }
    const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
    if (missing.length > 0)
      throw invalidReport(0, missing, `shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')} missing.`);
  }
  const sum = (f: (r: SuiteReport) => number) => reports.reduce((a, r) => a + f(r), 0);
  const kinds = (f: (r: SuiteReport) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const r of reports) for (const [k, v] of Object.entries(f(r))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const feedThresholds = first.profile.thresholds
    .map(parseSuiteThreshold)
    .filter((t) => t.scope === 'feed')
    .map((t) => t.expression.slice('feed.'.length));
  return judge({
    version: 1,
    kind: 'tradekit-load-suite',
    profile: first.profile,
    shards: [...shards].sort((a, b) => a.index - b.index),
    startedAt: reports.map((r) => r.startedAt).sort()[0] as string,
    elapsedUs: Math.max(...reports.map((r) => r.elapsedUs)),
    feed: mergeReports(
      reports.map((r) => r.feed),
      { thresholds: feedThresholds },
    ),
    hub: {
      clients: sum((r) => r.hub.clients),
      connected: sum((r) => r.hub.connected),
      quotes: sum((r) => r.hub.quotes),
      disconnects: sum((r) => r.hub.disconnects),
      errors: { total: sum((r) => r.hub.errors.total), byKind: kinds((r) => r.hub.errors.byKind) },
      connectTime: mergeLatency(reports.map((r) => r.hub.connectTime.histogram)),
    },
    orders: {
      traders: sum((r) => r.orders.traders),
      placed: sum((r) => r.orders.placed),
      filled: sum((r) => r.orders.filled),
      rejected: sum((r) => r.orders.rejected),
      unanswered: sum((r) => r.orders.unanswered),
      errors: { total: sum((r) => r.orders.errors.total), byKind: kinds((r) => r.orders.errors.byKind) },
      roundTrip: mergeLatency(reports.map((r) => r.orders.roundTrip.histogram)),
    },
  });
}

const ms = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us} µs`);
const kindsText = (k: Record<string, number>) =>
  Object.entries(k)
    .filter(([, v]) => v > 0)
    .map(([n, v]) => `${n} ${v}`)
    .join(', ');

/** The terminal report: one block per scope, every threshold with its figure, the verdict. */
export function formatSuiteReport(r: SuiteReport): string {
  const p = r.profile;
  const shards = r.shards.length > 0 ? `  shards ${r.shards.map((s) => `${s.index}/${s.count}`).join(', ')}` : '';
  const L: string[] = [];
  L.push(
    `load-suite  profile ${p.name}  ramp ${p.rampUp} s, hold ${p.hold} s  elapsed ${(r.elapsedUs / 1e6).toFixed(1)} s${shards}`,
  );
  L.push('');
  L.push(`feed (ws-tester load driver, ${r.feed.connections} subscribers)`);
  for (const line of formatLoadSummary(r.feed).trimEnd().split('\n').slice(1)) {
    if (!line.startsWith('threshold') && !line.startsWith('result') && !line.startsWith('  ')) L.push(`  ${line}`);
  }
  L.push('');
  const h = r.hub;
  L.push(`hub (ProjectX market hub, @microsoft/signalr, ${h.clients} clients)`);
  L.push(
    `  connects   ${h.connected}/${h.clients} ok   connect p50 ${ms(h.connectTime.p50)}  p99 ${ms(h.connectTime.p99)}  max ${ms(h.connectTime.max)}`,
  );
  L.push(`  quotes     ${h.quotes} GatewayQuote received`);
  L.push(
    `  errors     ${h.errors.total}${h.errors.total ? `: ${kindsText(h.errors.byKind)}` : ''}   disconnects ${h.disconnects}`,
  );
  L.push('');
  const o = r.orders;
  const rt = o.roundTrip;
  L.push(`orders (${o.traders} traders, ${p.orderRate}/s each; REST Order/place → GatewayUserTrade)`);
  L.push(`  placed     ${o.placed}  filled ${o.filled}  rejected ${o.rejected}  unanswered ${o.unanswered}`);
  L.push(`  round trip p50 ${ms(rt.p50)}  p90 ${ms(rt.p90)}  p99 ${ms(rt.p99)}  max ${ms(rt.max)}  (n=${rt.count})`);
  L.push(`  errors     ${o.errors.total}${o.errors.total ? `: ${kindsText(o.errors.byKind)}` : ''}`);
  L.push('');
  for (const t of r.thresholds) {
    const unit = t.metric === 'errors%' ? '%' : /^(min|mean|p\d+|max|connect_)/.test(t.metric) ? ' µs' : '';
    const actual = t.actual === null ? 'no samples' : `actual ${round(t.actual)}${unit}`;
    L.push(`threshold  ${t.passed ? 'PASS' : 'FAIL'}  ${t.expression}  (${actual})`);
  }
  if (r.passed) L.push('result     PASSED');
  else {
    L.push(`result     FAILED: ${r.failures[0]}`);
    for (const f of r.failures.slice(1)) L.push(`           ${f}`);
  }
  return `${L.join('\n')}\n`;
}
