import type { LatencySummary } from '@tradekit/ws-tester';
import * as hdr from 'hdr-histogram-js';

// The same histogram shape as ws-tester's load driver (µs, 3 significant digits), so summaries
// read alike and encoded histograms from shards merge exactly.
const SETTINGS = {
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000_000,
  numberOfSignificantValueDigits: 3 as const,
};

/** Records latencies in µs; `summary()` gives percentiles and the encoded histogram. */
export class LatencyRecorder {
  private readonly h = hdr.build({ ...SETTINGS, bitBucketSize: 32, useWebAssembly: false });

  record(us: number): void {
    this.h.recordValue(Math.max(1, Math.min(SETTINGS.highestTrackableValue, Math.round(us))));
  }

  summary(): LatencySummary {
    return summarize(this.h);
  }
}

/** Merges encoded histograms exactly (counts add up bucket by bucket). */
export function mergeLatency(encoded: readonly string[]): LatencySummary {
  const total = hdr.build({ ...SETTINGS, bitBucketSize: 32, useWebAssembly: false });
  for (const e of encoded) if (e) total.add(hdr.decodeFromCompressedBase64(e, 32, false));
  return summarize(total);
}

function summarize(h: hdr.Histogram): LatencySummary {
  const count = h.totalCount;
  const at = (p: number) => (count === 0 ? 0 : h.getValueAtPercentile(p));
  return {
    count,
    min: count === 0 ? 0 : h.minNonZeroValue,
    mean: count === 0 ? 0 : Math.round(h.mean * 10) / 10,
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: count === 0 ? 0 : h.maxValue,
    histogram: hdr.encodeIntoCompressedBase64(h),
  };
}
