/**
 * The bundled sample data: a day of MNQ-like 1-minute bars, an hour of quotes and trades, and an
 * hour of 10-level book snapshots, in the canonical formats, generated from market-sim with a
 * fixed seed by `scripts/generate-samples.ts` (see the package README).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nearestName } from '@tradekit/types';
import { fixtureError } from './errors.js';

/** The bundled files, by name. */
export const SAMPLE_FILES = Object.freeze({
  /** 1 440 one-minute bars of MNQ for 2024-01-02 (canonical bar CSV). */
  'mnq-1m-bars': 'mnq-1m-bars.csv',
  /** Quotes and trades of MNQ, 14:30–15:30 UTC on 2024-01-02 (canonical JSONL, gzipped). */
  'mnq-quotes-trades': 'mnq-quotes-trades-1h.jsonl.gz',
  /** One 10-level book snapshot of MNQ per minute, 14:30–15:30 UTC (canonical JSONL, gzipped). */
  'mnq-book': 'mnq-book-snapshots-1h.jsonl.gz',
} as const);

/** Name of a bundled sample file. */
export type SampleName = keyof typeof SAMPLE_FILES;

/** The seed and market the samples were generated with (`scripts/generate-samples.ts`). */
export const SAMPLE_SPEC = Object.freeze({
  seed: 20240102,
  preset: 'futures',
  symbol: 'MNQ',
  start: '2024-01-02T00:00:00Z',
  duration: '1d',
  hourFrom: '2024-01-02T14:30:00Z',
  hourTo: '2024-01-02T15:30:00Z',
  bookLevels: 10,
});

/**
 * Absolute path of a bundled sample file (shipped in the package's `data/` folder).
 *
 * @example
 * import { replay } from '@tradekit/replay';
 * for await (const e of replay(samplePath('mnq-1m-bars'))) console.log(e.type);
 */
export function samplePath(name: SampleName): string {
  const file = (SAMPLE_FILES as Record<string, string>)[name];
  if (file === undefined) {
    const names = Object.keys(SAMPLE_FILES);
    const near = typeof name === 'string' ? nearestName(name, names) : undefined;
    throw fixtureError(
      'FIXTURE_SAMPLE_UNKNOWN',
      `Unknown sample ${JSON.stringify(name)}: expected one of ${names.map((n) => `"${n}"`).join(', ')}.${near ? ` Did you mean "${near}"?` : ''}`,
      { name },
    );
  }
  // Built: dist/data/ beside the module (the package ships dist/ only). Sources: data/ one level up.
  const built = fileURLToPath(new URL(`./data/${file}`, import.meta.url));
  return existsSync(built) ? built : fileURLToPath(new URL(`../data/${file}`, import.meta.url));
}
