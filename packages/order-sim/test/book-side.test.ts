import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BookSide } from '../src/book-side.js';

// nextLevelWithin(t, limit) is nextLevel(t) cut at `limit`: the matching loops rely on it to stop
// at their limit instead of walking every empty tick to orders resting far away.
describe('BookSide.nextLevelWithin', () => {
  it('includes a level exactly at the limit and stops before one past it, on both sides', () => {
    for (const isBid of [true, false]) {
      const side = new BookSide(isBid);
      const step = isBid ? -1 : 1;
      for (const t of [1000, 1000 + 5 * step]) {
        side.level(t).external = 1;
        side.activate(t);
      }
      expect(side.nextLevelWithin(1000, 1000 + 5 * step)?.tick).toBe(1000 + 5 * step);
      expect(side.nextLevelWithin(1000, 1000 + 4 * step)).toBeUndefined();
      expect(side.nextLevelWithin(1000, isBid ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY)?.tick).toBe(
        1000 + 5 * step,
      );
      expect(side.nextLevelWithin(1000 + 5 * step, 1000 + 50 * step)).toBeUndefined();
    }
  });

  it('equals nextLevel when that level lies within the limit, else undefined', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.uniqueArray(fc.integer({ min: 900, max: 1100 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 880, max: 1120 }),
        fc.oneof(
          fc.integer({ min: 850, max: 1150 }),
          fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
        ),
        (isBid, ticks, from, limit) => {
          const side = new BookSide(isBid);
          for (const t of ticks) {
            const lv = side.level(t);
            lv.external = 1;
            side.activate(t);
          }
          side.level(from); // `from` may be an empty level
          const next = side.nextLevel(from);
          const within = side.nextLevelWithin(from, limit);
          const inside = next !== undefined && (isBid ? next.tick >= limit : next.tick <= limit);
          expect(within).toBe(inside ? next : undefined);
        },
      ),
      { numRuns: 500 },
    );
  });
});
