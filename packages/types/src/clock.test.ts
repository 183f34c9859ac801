import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RealClock, VirtualClock, isVirtualClock } from './clock.js';
import { isTradeKitError } from './errors.js';

describe('VirtualClock', () => {
  it('fires timers in time order and sets now() to each timer time', () => {
    const clock = new VirtualClock({ start: 1_000 });
    const seen: Array<[string, number]> = [];
    clock.setTimeout(() => seen.push(['b', clock.now()]), 200);
    clock.setTimeout(() => seen.push(['a', clock.now()]), 100);
    clock.scheduleAt(1_300, () => seen.push(['c', clock.now()]));
    expect(clock.pending).toBe(3);
    expect(clock.runAll()).toBe(3);
    expect(seen).toEqual([
      ['a', 1_100],
      ['b', 1_200],
      ['c', 1_300],
    ]);
    expect(clock.pending).toBe(0);
  });

  it('keeps scheduling order for timers due at the same time', () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    for (let i = 0; i < 50; i++) clock.scheduleAt(10, () => seen.push(i));
    clock.runAll();
    expect(seen).toEqual([...Array(50).keys()]);
  });

  it('advanceTo fires only what is due and lands exactly on the target', () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(1), 10);
    clock.setTimeout(() => seen.push(2), 20);
    expect(clock.advanceTo(15)).toBe(1);
    expect(clock.now()).toBe(15);
    expect(seen).toEqual([1]);
    expect(clock.advanceBy(5)).toBe(1);
    expect(clock.now()).toBe(20);
    expect(seen).toEqual([1, 2]);
  });

  it('cancels timers, including from inside another callback', () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    const later = clock.setTimeout(() => seen.push('later'), 20);
    clock.setTimeout(() => {
      seen.push('first');
      clock.clearTimeout(later);
    }, 10);
    clock.runAll();
    expect(seen).toEqual(['first']);
    expect(later.done).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('runs intervals until cancelled and keeps the handle valid', () => {
    const clock = new VirtualClock();
    const times: number[] = [];
    const h = clock.setInterval(() => {
      times.push(clock.now());
      if (times.length === 3) clock.clearTimeout(h);
    }, 5);
    clock.runAll();
    expect(times).toEqual([5, 10, 15]);
  });

  it('runUntil stops on a predicate, leaving the clock at that timer', () => {
    const clock = new VirtualClock();
    let n = 0;
    for (let i = 1; i <= 10; i++) clock.scheduleAt(i * 10, () => n++);
    clock.runUntil(1_000, () => n === 4);
    expect(n).toBe(4);
    expect(clock.now()).toBe(40);
    expect(clock.nextTime()).toBe(50);
  });

  it('refuses to go back in time with CLOCK_BACKWARDS', () => {
    const clock = new VirtualClock({ start: 100 });
    try {
      clock.advanceTo(50);
      expect.unreachable();
    } catch (err) {
      expect(isTradeKitError(err) && err.code).toBe('CLOCK_BACKWARDS');
    }
  });

  it('rejects bad delays with CLOCK_INVALID_DELAY', () => {
    const clock = new VirtualClock();
    expect(() => clock.setTimeout(() => {}, -1)).toThrow(/Expected `delayUs`/);
    expect(() => clock.setTimeout(() => {}, Number.NaN)).toThrow(/got `NaN`/);
    expect(() => clock.setInterval(() => {}, 0)).toThrow(/zero interval/);
  });

  it('detects a runaway interval in runAll', () => {
    const clock = new VirtualClock();
    clock.setInterval(() => {}, 1);
    expect(() => clock.runAll(1_000)).toThrow(expect.objectContaining({ code: 'CLOCK_RUNAWAY' }));
  });

  it('sleep() resolves in virtual time when driven by runAsync', async () => {
    const clock = new VirtualClock();
    const stamps: number[] = [];
    const worker = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(1_000);
        stamps.push(clock.now());
      }
    })();
    await clock.runAsync();
    await worker;
    expect(stamps).toEqual([1_000, 2_000, 3_000]);
  });

  it('waitUntil() advances virtual time at once and fires due timers on the way', async () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 500);
    await clock.waitUntil(2_000);
    expect(clock.now()).toBe(2_000);
    expect(fired).toEqual([500]);
  });

  it('property: any schedule fires sorted by (time, scheduling order)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 50 }),
        (delays, cancels) => {
          const clock = new VirtualClock();
          const fired: Array<{ t: number; i: number }> = [];
          const handles = delays.map((d, i) => clock.setTimeout(() => fired.push({ t: clock.now(), i }), d));
          const cancelled = new Set<number>();
          for (const c of cancels) {
            if (handles.length === 0) break;
            const idx = c % handles.length;
            clock.cancel(handles[idx]);
            cancelled.add(idx);
          }
          clock.runAll();
          const expected = delays
            .map((d, i) => ({ t: d, i }))
            .filter((x) => !cancelled.has(x.i))
            .sort((a, b) => a.t - b.t || a.i - b.i);
          expect(fired).toEqual(expected);
        },
      ),
    );
  });

  it('property: nested scheduling from callbacks never fires a timer before now', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })), { maxLength: 100 }),
        (pairs) => {
          const clock = new VirtualClock();
          let last = 0;
          let ok = true;
          for (const [a, b] of pairs) {
            clock.setTimeout(() => {
              if (clock.now() < last) ok = false;
              last = clock.now();
              clock.setTimeout(() => {
                if (clock.now() < last) ok = false;
                last = clock.now();
              }, b);
            }, a);
          }
          clock.runAll();
          expect(ok).toBe(true);
        },
      ),
    );
  });
});

describe('RealClock', () => {
  it('reports wall time in epoch microseconds and can start at a chosen time', () => {
    const clock = new RealClock();
    const wallUs = Date.now() * 1000;
    expect(Math.abs(clock.now() - wallUs)).toBeLessThan(5_000_000);
    const shifted = new RealClock({ start: 1_000_000 });
    expect(shifted.now()).toBeGreaterThanOrEqual(1_000_000);
    expect(shifted.now()).toBeLessThan(1_000_000 + 60_000_000);
    expect(isVirtualClock(clock)).toBe(false);
  });

  it('fires a timeout and can cancel one', async () => {
    const clock = new RealClock();
    let cancelledFired = false;
    const h = clock.setTimeout(() => {
      cancelledFired = true;
    }, 1_000);
    clock.clearTimeout(h);
    const before = clock.now();
    await clock.sleep(2_000);
    expect(clock.now()).toBeGreaterThanOrEqual(before);
    expect(cancelledFired).toBe(false);
  });
});
