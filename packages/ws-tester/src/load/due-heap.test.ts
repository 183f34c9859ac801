import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DueHeap, Wakeup } from './driver.js';

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

describe('Wakeup', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs once at the earliest time it was armed for, and can be armed again after', () => {
    vi.useFakeTimers({ now: 0 });
    const now = () => Date.now() * 1000; // µs
    const fired: number[] = [];
    const w = new Wakeup(() => fired.push(Date.now()), now);
    w.arm(200_000); // the loop's idle wake-up, 200 ms ahead
    w.arm(10_000); // a connection opened: its first send is due in 10 ms
    w.arm(50_000); // later than what is armed: no change
    vi.advanceTimersByTime(15);
    expect(fired).toEqual([10]);
    vi.advanceTimersByTime(300);
    expect(fired).toEqual([10]); // the 200 ms timer was replaced, not kept
    w.arm(now() + 5_000);
    vi.advanceTimersByTime(5);
    expect(fired).toEqual([10, 320]);
  });
});
