import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isTradeKitError } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { generateSamples } from '../scripts/generate-samples.js';
import { SAMPLE_FILES, type SampleName, samplePath } from '../src/index.js';
import { packageDir } from './helpers/child-vitest.js';

const text = (path: string) => {
  const raw = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
};

describe('bundled sample data', () => {
  it('is small: under 2 MB in all', () => {
    const total = Object.keys(SAMPLE_FILES).reduce((n, k) => n + statSync(samplePath(k as SampleName)).size, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(2 * 1024 * 1024);
  });

  it('is what scripts/generate-samples.ts makes from market-sim with the fixed seed', {
    timeout: 120_000,
  }, async () => {
    mkdirSync(join(packageDir, '.tmp'), { recursive: true });
    const dir = mkdtempSync(join(packageDir, '.tmp', 'samples-'));
    try {
      const fresh = await generateSamples(dir);
      for (const name of Object.keys(SAMPLE_FILES) as SampleName[]) {
        const committed = text(samplePath(name));
        expect(committed.length, name).toBeGreaterThan(1000);
        // Compared decompressed: gzip bytes may differ between zlib builds, the data may not.
        expect(text(fresh[name] as string) === committed, `${name} differs from a fresh generation`).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown sample name gets the list and the nearest name', () => {
    let error: unknown;
    try {
      samplePath('mnq-bars' as SampleName);
    } catch (e) {
      error = e;
    }
    expect(isTradeKitError(error) && error.code).toBe('FIXTURE_SAMPLE_UNKNOWN');
    expect((error as Error).message).toBe(
      'Unknown sample "mnq-bars": expected one of "mnq-1m-bars", "mnq-quotes-trades", "mnq-book". Did you mean "mnq-1m-bars"?',
    );
  });
});
