import * as hdr from 'hdr-histogram-js';

/** Latency figures in microseconds, read from an HDR histogram. */
export interface LatencySummary {
  /** Values recorded. */
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  /** The histogram in the standard compressed base64 encoding; merges exactly with others. */
  histogram: string;
}

/** The recording side: what the driver calls per message. */
export interface LatencyRecorder {
  record(valueUs: number): void;
  /** Encodes the histogram (standard compressed base64) and frees it. */
  finish(): string;
}

let wasmReady: Promise<boolean> | undefined;

/** Loads the WASM histogram engine once per thread; false when it is not available. */
export function initHistograms(): Promise<boolean> {
  wasmReady ??= hdr.initWebAssembly().then(
    () => true,
    () => false,
  );
  return wasmReady;
}

const BUILD = {
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000_000,
  numberOfSignificantValueDigits: 3,
} as const;

/** A histogram of values in µs (1 µs to 1 h, 3 significant digits), WASM when loaded. */
export async function createLatencyRecorder(): Promise<LatencyRecorder> {
  const wasm = await initHistograms();
  const h = hdr.build({ ...BUILD, useWebAssembly: wasm, bitBucketSize: wasm ? 64 : 32 });
  let encoded: string | undefined;
  return {
    record(v) {
      // Sub-microsecond round trips round up to the histogram's floor rather than vanish.
      h.recordValue(Math.max(1, v));
    },
    finish() {
      if (encoded === undefined) {
        encoded = hdr.encodeIntoCompressedBase64(h);
        h.destroy();
      }
      return encoded;
    },
  };
}

/** Sums encoded histograms exactly and summarizes the result. */
export function mergeHistograms(encoded: readonly string[]): LatencySummary {
  const total = hdr.build({ ...BUILD, bitBucketSize: 32, useWebAssembly: false });
  for (const e of encoded) {
    if (!e) continue;
    const h = hdr.decodeFromCompressedBase64(e, 32, false);
    total.add(h);
  }
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
