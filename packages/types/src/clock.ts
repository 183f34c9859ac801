/**
 * One clock for every delay in every package. Under a {@link VirtualClock} a whole pipeline runs
 * as fast as the CPU allows and identically on every run; under a {@link RealClock} the same code
 * paces itself to wall time.
 */
import { TradeKitError, describeValue } from './errors.js';
import type { Micros } from './time.js';

/** A scheduled callback. Pass it to `clearTimeout` / `cancel` to cancel it. */
export interface TimerHandle {
  /** Time the timer is (next) due, epoch µs. */
  readonly time: Micros;
  /** True once fired (one-shot) or cancelled. */
  readonly done: boolean;
}

/** What every package schedules on. All durations are microseconds. */
export interface Clock {
  /** `virtual` for simulated time, `real` for wall time. */
  readonly kind: 'virtual' | 'real';
  /** Current time, epoch µs. */
  now(): Micros;
  /** Calls `callback` once after `delayUs`. */
  setTimeout(callback: () => void, delayUs: number): TimerHandle;
  /** Calls `callback` every `intervalUs` (first call after one interval). */
  setInterval(callback: () => void, intervalUs: number): TimerHandle;
  /** Cancels a timeout or interval; a no-op for one already done. */
  clearTimeout(handle: TimerHandle | undefined): void;
  /** Resolves after `delayUs` of this clock's time. */
  sleep(delayUs: number): Promise<void>;
  /**
   * Resolves once the clock reaches `ts`. On a `VirtualClock` outside a timer callback this
   * advances virtual time to `ts` at once (firing what is due) instead of waiting: this is how a
   * paced source drives simulated time.
   */
  waitUntil(ts: Micros): Promise<void>;
}

/** Internal timer record; the object itself is the handle (no id map on the hot path). */
class Timer implements TimerHandle {
  time: number;
  seq: number;
  callback: (() => void) | null;
  interval: number;
  done = false;
  constructor(time: number, seq: number, callback: () => void, interval: number) {
    this.time = time;
    this.seq = seq;
    this.callback = callback;
    this.interval = interval;
  }
}

function checkDelay(field: string, value: number): void {
  if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY) {
    throw new TradeKitError(
      'CLOCK_INVALID_DELAY',
      `Expected \`${field}\` to be a finite number of microseconds ≥ 0, got ${describeValue(value)}.`,
      { details: { field, value } },
    );
  }
}

/** Options for {@link VirtualClock}. */
export interface VirtualClockOptions {
  /** Start time, epoch µs. @default 0 */
  start?: Micros;
}

/**
 * A discrete-event scheduler in simulated time. Timers due at the same time fire in the order
 * they were scheduled (a sequence number breaks ties), so runs are reproducible.
 *
 * @example
 * const clock = new VirtualClock({ start: 0 });
 * clock.setTimeout(() => console.log(clock.now()), 1_000); // prints 1000
 * clock.runAll();
 */
export class VirtualClock implements Clock {
  readonly kind = 'virtual' as const;
  private current: number;
  private seq = 0;
  // A 4-ary min-heap on (time, seq): keys in typed arrays, timers beside them.
  private ht = new Float64Array(0);
  private hs = new Float64Array(0);
  private ho: Array<Timer | undefined> = [];
  private size = 0;
  private live = 0;
  private firing = false;

  constructor(options: VirtualClockOptions = {}) {
    const start = options.start ?? 0;
    if (!Number.isFinite(start)) {
      throw new TradeKitError('CLOCK_INVALID_TIME', `Expected \`start\` to be epoch µs, got ${describeValue(start)}.`);
    }
    this.current = start;
  }

  now(): Micros {
    return this.current;
  }

  /** Number of timers waiting to fire. */
  get pending(): number {
    return this.live;
  }

  /** True while a timer callback is running. */
  get isFiring(): boolean {
    return this.firing;
  }

  /** Time of the next live timer, or `undefined` when none is scheduled. */
  nextTime(): Micros | undefined {
    this.dropCancelledTop();
    return this.size > 0 ? (this.ht[0] as number) : undefined;
  }

  /** Schedules `callback` at absolute time `ts` (a time in the past fires at the next step, at `now`). */
  scheduleAt(ts: Micros, callback: () => void): TimerHandle {
    if (typeof ts !== 'number' || Number.isNaN(ts)) {
      throw new TradeKitError('CLOCK_INVALID_TIME', `Expected \`ts\` to be epoch µs, got ${describeValue(ts)}.`);
    }
    const t = new Timer(ts < this.current ? this.current : ts, this.seq++, callback, 0);
    this.push(t);
    return t;
  }

  /** Schedules `callback` after `delayUs`. */
  scheduleAfter(delayUs: number, callback: () => void): TimerHandle {
    checkDelay('delayUs', delayUs);
    const t = new Timer(this.current + delayUs, this.seq++, callback, 0);
    this.push(t);
    return t;
  }

  setTimeout(callback: () => void, delayUs: number): TimerHandle {
    return this.scheduleAfter(delayUs, callback);
  }

  setInterval(callback: () => void, intervalUs: number): TimerHandle {
    checkDelay('intervalUs', intervalUs);
    if (intervalUs === 0) {
      throw new TradeKitError(
        'CLOCK_INVALID_DELAY',
        'Expected `intervalUs` > 0, got `0` (number): a zero interval never lets time advance.',
      );
    }
    const t = new Timer(this.current + intervalUs, this.seq++, callback, intervalUs);
    this.push(t);
    return t;
  }

  /** Cancels a timer. */
  cancel(handle: TimerHandle | undefined): void {
    const t = handle as Timer | undefined;
    if (!t || t.done) return;
    t.done = true;
    t.callback = null;
    this.live--;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    this.cancel(handle);
  }

  sleep(delayUs: number): Promise<void> {
    return new Promise((resolve) => this.scheduleAfter(delayUs, resolve));
  }

  waitUntil(ts: Micros): Promise<void> {
    if (ts <= this.current) return Promise.resolve();
    if (this.firing) return new Promise((resolve) => this.scheduleAt(ts, resolve));
    this.advanceTo(ts);
    return Promise.resolve();
  }

  /**
   * Fires every timer due at or before `ts` in time order, then sets the clock to `ts`.
   * Throws `CLOCK_BACKWARDS` for a time before `now()`.
   * @returns the number of timers fired.
   */
  advanceTo(ts: Micros): number {
    if (ts < this.current) {
      throw new TradeKitError(
        'CLOCK_BACKWARDS',
        `Cannot move a VirtualClock back in time: now is ${this.current}, asked for ${ts}. Time only moves forward.`,
        { details: { now: this.current, value: ts } },
      );
    }
    const fired = this.fireWhile(ts, Number.POSITIVE_INFINITY);
    this.current = ts;
    return fired;
  }

  /** Advances by a duration. @returns the number of timers fired. */
  advanceBy(durationUs: number): number {
    checkDelay('durationUs', durationUs);
    return this.advanceTo(this.current + durationUs);
  }

  /**
   * Fires timers until none is due at or before `ts` (the clock ends at `ts`), or until
   * `stop()` returns true after a timer (the clock stays at that timer's time).
   */
  runUntil(ts: Micros, stop?: () => boolean): number {
    if (!stop) return this.advanceTo(ts);
    let fired = 0;
    while (true) {
      this.dropCancelledTop();
      if (this.size === 0 || (this.ht[0] as number) > ts) break;
      this.fireOne();
      fired++;
      if (stop()) return fired;
    }
    if (ts > this.current && ts !== Number.POSITIVE_INFINITY) this.current = ts;
    return fired;
  }

  /**
   * Fires timers in order until none is left (timers scheduled by callbacks included).
   * Throws `CLOCK_RUNAWAY` after `maxTimers` (default 10 million), e.g. an endless interval.
   */
  runAll(maxTimers = 10_000_000): number {
    const fired = this.fireWhile(Number.POSITIVE_INFINITY, maxTimers);
    if (this.live > 0 && fired >= maxTimers) {
      throw new TradeKitError(
        'CLOCK_RUNAWAY',
        `runAll() fired ${fired} timers and more keep coming (an interval?). Use runUntil(ts) or cancel the interval.`,
        { details: { fired } },
      );
    }
    return fired;
  }

  /** Fires the next timer only. @returns false when none was left. */
  step(): boolean {
    this.dropCancelledTop();
    if (this.size === 0) return false;
    this.fireOne();
    return true;
  }

  /**
   * Like {@link runUntil} / {@link runAll} for async code: lets promise continuations run
   * between timers (they may schedule more), so `await clock.sleep()` loops work in virtual time.
   */
  async runAsync(options: { until?: Micros; maxTimers?: number } = {}): Promise<number> {
    const until = options.until ?? Number.POSITIVE_INFINITY;
    const max = options.maxTimers ?? 10_000_000;
    let fired = 0;
    await flushMicrotasks();
    while (fired < max) {
      this.dropCancelledTop();
      if (this.size === 0 || (this.ht[0] as number) > until) break;
      this.fireOne();
      fired++;
      await flushMicrotasks();
    }
    if (until !== Number.POSITIVE_INFINITY && until > this.current) this.current = until;
    return fired;
  }

  private fireWhile(limit: number, max: number): number {
    let fired = 0;
    while (this.size > 0 && fired < max) {
      if ((this.ho[0] as Timer).done) {
        this.popTop();
        continue;
      }
      if ((this.ht[0] as number) > limit) break;
      this.fireOne();
      fired++;
    }
    return fired;
  }

  private fireOne(): void {
    const t = this.ho[0] as Timer;
    this.current = t.time;
    const cb = t.callback as () => void;
    if (t.interval > 0) {
      // Reschedule in place: the handle stays valid for cancel().
      t.time += t.interval;
      t.seq = this.seq++;
      this.siftDown(0, t);
    } else {
      this.popTop();
      t.done = true;
      t.callback = null;
      this.live--;
    }
    const wasFiring = this.firing;
    this.firing = true;
    try {
      cb();
    } finally {
      this.firing = wasFiring;
    }
  }

  private dropCancelledTop(): void {
    while (this.size > 0 && (this.ho[0] as Timer).done) this.popTop();
  }

  private push(t: Timer): void {
    if (this.size === this.ho.length) this.grow();
    this.live++;
    this.siftUp(this.size++, t);
  }

  private grow(): void {
    const cap = Math.max(64, this.ho.length * 2);
    const ht = new Float64Array(cap);
    const hs = new Float64Array(cap);
    ht.set(this.ht);
    hs.set(this.hs);
    this.ht = ht;
    this.hs = hs;
    this.ho.length = cap;
  }

  // The heap keeps (time, seq) in typed arrays beside the timer objects, so that comparisons
  // never chase a pointer: about twice as fast as comparing Timer fields.
  private siftUp(start: number, t: Timer): void {
    const { ht, hs, ho } = this;
    const time = t.time;
    const seq = t.seq;
    let i = start;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pt = ht[p] as number;
      if (pt < time || (pt === time && (hs[p] as number) < seq)) break;
      ht[i] = pt;
      hs[i] = hs[p] as number;
      ho[i] = ho[p];
      i = p;
    }
    ht[i] = time;
    hs[i] = seq;
    ho[i] = t;
  }

  private popTop(): void {
    const n = --this.size;
    const last = this.ho[n] as Timer;
    this.ho[n] = undefined;
    if (n > 0) this.siftDown(0, last);
  }

  private siftDown(start: number, t: Timer): void {
    const { ht, hs, ho } = this;
    const n = this.size;
    const time = t.time;
    const seq = t.seq;
    let i = start;
    while (true) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let c = first;
      let ct = ht[first] as number;
      let cs = hs[first] as number;
      // biome-ignore lint/complexity/useMathMinMax: the heap's inner loop stays a plain integer compare
      const end = first + 4 < n ? first + 4 : n;
      for (let j = first + 1; j < end; j++) {
        const jt = ht[j] as number;
        if (jt < ct || (jt === ct && (hs[j] as number) < cs)) {
          c = j;
          ct = jt;
          cs = hs[j] as number;
        }
      }
      if (time < ct || (time === ct && seq < cs)) break;
      ht[i] = ct;
      hs[i] = cs;
      ho[i] = ho[c];
      i = c;
    }
    ht[i] = time;
    hs[i] = seq;
    ho[i] = t;
  }
}

function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Options for {@link RealClock}. */
export interface RealClockOptions {
  /** Shift `now()` so that it starts at this epoch µs (wall time still advances 1:1). */
  start?: Micros;
}

/** Wall-clock time, microsecond resolution, with Node timers underneath. */
export class RealClock implements Clock {
  readonly kind = 'real' as const;
  private readonly offset: number;

  constructor(options: RealClockOptions = {}) {
    const wall = RealClock.wallMicros();
    this.offset = options.start === undefined ? 0 : options.start - wall;
  }

  /** Wall time in epoch µs (performance.timeOrigin + performance.now()). */
  static wallMicros(): Micros {
    return Math.round((performance.timeOrigin + performance.now()) * 1000);
  }

  now(): Micros {
    return RealClock.wallMicros() + this.offset;
  }

  setTimeout(callback: () => void, delayUs: number): TimerHandle {
    checkDelay('delayUs', delayUs);
    const handle = { time: this.now() + delayUs, done: false, node: undefined as unknown as NodeJS.Timeout };
    handle.node = setTimeout(() => {
      handle.done = true;
      callback();
    }, delayUs / 1000);
    return handle;
  }

  setInterval(callback: () => void, intervalUs: number): TimerHandle {
    checkDelay('intervalUs', intervalUs);
    const handle = { time: this.now() + intervalUs, done: false, node: undefined as unknown as NodeJS.Timeout };
    handle.node = setInterval(() => {
      handle.time += intervalUs;
      callback();
    }, intervalUs / 1000);
    return handle;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    const h = handle as (TimerHandle & { node: NodeJS.Timeout; done: boolean }) | undefined;
    if (!h || h.done) return;
    h.done = true;
    clearTimeout(h.node);
    clearInterval(h.node);
  }

  sleep(delayUs: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, delayUs));
  }

  waitUntil(ts: Micros): Promise<void> {
    const delay = ts - this.now();
    return delay <= 0 ? Promise.resolve() : this.sleep(delay);
  }
}

/** True for a {@link VirtualClock} (also from another copy of this package). */
export function isVirtualClock(clock: Clock): clock is VirtualClock {
  return clock.kind === 'virtual';
}
