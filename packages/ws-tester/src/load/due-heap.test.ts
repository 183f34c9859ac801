import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DueHeap } from './driver.js';

type Item = Parameters<DueHeap['push']>[0];
const item = (nextDue: number) => ({ nextDue }) as unknown as Item;

describe('DueHeap', () => {
  it('always exposes the earliest due connection while tops are rescheduled and popped', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.oneof(fc.integer({ min: 1, max: 500 }), fc.constant(-1)), { maxLength: 200 }),
        (dues, ops) => {
          const heap = new DueHeap();
          const live = dues.map(item);
          for (const c of live) heap.push(c);
          for (const op of ops) {
            const top = heap.top();
            if (!top) break;
            expect(top.nextDue).toBe(Math.min(...live.map((c) => c.nextDue)));
            if (op < 0) {
              heap.pop();
              live.splice(live.indexOf(top), 1);
            } else {
              top.nextDue += op;
              heap.topChanged();
            }
          }
        },
      ),
    );
  });
});
