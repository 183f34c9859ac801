/**
 * Generates the bundled sample data from market-sim with a fixed seed:
 *   pnpm --filter @tradekit/test-fixtures generate:samples        (writes data/)
 * `generateSamples(dir)` is also used by a test that regenerates them into a temporary folder
 * and compares the decompressed bytes with the committed files.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMarket } from '@tradekit/market-sim';
import { bookSnapshots, writeEvents } from '@tradekit/replay';
import { type MarketEvent, isoToMicros } from '@tradekit/types';
import { SAMPLE_FILES, SAMPLE_SPEC } from '../src/samples.js';

/** Writes every sample file into `dir`; returns the paths by sample name. */
export async function generateSamples(dir: string): Promise<Record<string, string>> {
  mkdirSync(dir, { recursive: true });
  const s = SAMPLE_SPEC;
  const market = createMarket({
    seed: s.seed,
    preset: s.preset,
    symbols: [s.symbol],
    start: s.start,
    duration: s.duration,
    book: { levels: s.bookLevels },
  });
  const from = isoToMicros(s.hourFrom);
  const to = isoToMicros(s.hourTo);
  const out = Object.fromEntries(Object.entries(SAMPLE_FILES).map(([k, f]) => [k, join(dir, f)]));
  await writeEvents(out['mnq-1m-bars'] as string, market.bars('1m'));
  function* hour(types: ReadonlySet<string>): Generator<MarketEvent> {
    for (const e of market) {
      if (e.ts >= to) return;
      if (e.ts >= from && types.has(e.type)) yield e;
    }
  }
  await writeEvents(out['mnq-quotes-trades'] as string, hour(new Set(['quote', 'trade'])));
  function* bookUntilEnd(): Generator<MarketEvent> {
    for (const e of market) {
      if (e.ts >= to) return;
      if (e.type === 'book_snapshot' || e.type === 'book_delta') yield e;
    }
  }
  const snapshots = async function* () {
    for await (const e of bookSnapshots(bookUntilEnd(), { interval: '1m', depth: s.bookLevels })) {
      if (e.ts >= from && e.ts < to) yield e;
    }
  };
  await writeEvents(out['mnq-book'] as string, snapshots());
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = fileURLToPath(new URL('../data/', import.meta.url));
  const paths = await generateSamples(dir);
  for (const p of Object.values(paths)) console.log(`wrote ${p}`);
}
