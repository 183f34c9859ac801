import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRESET_NAMES } from './config.js';
import { createMarket } from './market.js';
import { BookInvariantChecker } from './realism.js';
import { type Scenario, flashCrash, halt, lowLiquidity, newsSpike, volatile } from './scenario.js';

const RUNS = 4;
const EVENTS_PER_RUN = 250_000; // 1 M events per preset

const scenarioArb = fc.oneof(
  fc.constant<Scenario[]>([]),
  fc.integer({ min: 0, max: 120 }).map((m) => [flashCrash({ from: `${m}m`, to: `${m + 30}m`, drop: 0.08, halt: 0.1 })]),
  fc
    .integer({ min: 0, max: 120 })
    .map((m) => [lowLiquidity({ from: `${m}m`, to: `${m + 60}m` }), halt({ from: `${m + 70}m`, to: `${m + 75}m` })]),
  fc
    .integer({ min: 0, max: 120 })
    .map((m) => [
      newsSpike({ from: `${m}m`, to: `${m + 20}m`, size: 0.01 }),
      volatile({ from: `${m + 5}m`, to: `${m + 90}m` }),
    ]),
);

describe('book invariants hold for every preset (property test, 1 M events each)', () => {
  for (const preset of PRESET_NAMES) {
    it(`${preset}: bid < ask, sorted levels, positive sizes, on-grid prices, quotes and prints match the book`, () => {
      let total = 0;
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 1_000_000 }),
          fc.integer({ min: 1, max: 12 }),
          fc.constantFrom('MNQ', 'BTC-USD', 'EURUSD', 'AAPL'),
          scenarioArb,
          (seed, levels, symbol, scenarios) => {
            const market = createMarket({
              preset,
              seed,
              symbols: [symbol],
              book: { levels },
              duration: '3d',
              maxEvents: EVENTS_PER_RUN,
              scenarios,
            });
            const checker = new BookInvariantChecker(market.instruments);
            for (const e of market) checker.check(e);
            const report = checker.report();
            total += report.events;
            expect(report.examples).toEqual([]);
            expect(report.ok).toBe(true);
          },
        ),
        { numRuns: RUNS, seed: 20240102 },
      );
      expect(total).toBeGreaterThanOrEqual(RUNS * EVENTS_PER_RUN * 0.9);
    });
  }
});
