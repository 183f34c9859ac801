/**
 * Waiting in virtual time: `until(cond)` plays market events and fires due timers on the test's
 * `VirtualClock` until the condition holds, never sleeping. Bounded by virtual time and by steps,
 * so it always ends, with a message that says what it waited for and how far it got.
 */
import { type Micros, type VirtualClock, microsToIso, parseDuration } from '@tradekit/types';
import { fixtureError } from './errors.js';
import type { FixtureMarket } from './market.js';

/** Options of {@link Until}. */
export interface UntilOptions {
  /** Virtual time to wait at most (duration string or µs). @default '1h' */
  timeout?: string | number;
  /** Most market events + timers to process before giving up (guards against busy markets and endless intervals). @default 1000000 */
  maxSteps?: number;
  /** What is awaited, for the error message. @default the condition's source text */
  message?: string;
}

/** A condition: true when the wait is over (may be async). */
export type Condition = () => boolean | Promise<boolean>;

/**
 * Waits in virtual time until `condition()` is true; resolves with the virtual time it took (µs).
 *
 * @example
 * await until(() => trading.getOrder(order.id).status === 'filled', { timeout: '5m' });
 */
export type Until = (condition: Condition, options?: UntilOptions) => Promise<Micros>;

/** What `until` needs: the clock, the market when the test uses one, the seed for messages. */
export interface UntilContext {
  clock: VirtualClock;
  /** The market fixture, if the test created one (read on every call: fixtures are lazy). */
  market?: () => FixtureMarket | undefined;
  /** Seed line appended to errors. */
  seedNote?: () => string;
  /** Throws when the test has ended. */
  guard?: () => void;
}

function conditionText(condition: Condition, message: string | undefined): string {
  if (message !== undefined) return message;
  const src = String(condition).replace(/\s+/g, ' ').trim();
  return src.length > 120 ? `${src.slice(0, 117)}...` : src;
}

async function holds(condition: Condition): Promise<boolean> {
  const v = condition();
  return (
    (typeof v === 'object' && v !== null && typeof (v as Promise<boolean>).then === 'function' ? await v : v) === true
  );
}

/** Builds an {@link Until} bound to a clock (and market). The `until` fixture is one of these. */
export function createUntil(ctx: UntilContext): Until {
  return async (condition, options = {}) => {
    ctx.guard?.();
    if (typeof condition !== 'function') {
      throw fixtureError(
        'FIXTURE_OPTION_INVALID',
        `until() expects a function returning true when the wait is over, got ${typeof condition}. Write until(() => order.status === 'filled').`,
      );
    }
    const clock = ctx.clock;
    const timeoutUs = parseDuration(options.timeout ?? '1h');
    const maxSteps = options.maxSteps ?? 1_000_000;
    const start = clock.now();
    const deadline = start + timeoutUs;
    const what = conditionText(condition, options.message);
    const note = () => (ctx.seedNote ? ` ${ctx.seedNote()}` : '');
    await Promise.resolve();
    if (await holds(condition)) return 0;
    let steps = 0;
    while (true) {
      if (steps >= maxSteps) {
        throw fixtureError(
          'FIXTURE_UNTIL_STEP_LIMIT',
          `until() gave up after ${steps} steps (market events and timers) at ${microsToIso(clock.now())}, ${(clock.now() - start) / 1e6}s of virtual time after it started: the condition \`${what}\` never held. Raise \`maxSteps\` if the market is that busy, or check the condition.${note()}`,
          { steps, condition: what },
        );
      }
      const market = ctx.market?.();
      const nextEvent = market?.peek()?.ts;
      const nextTimer = clock.nextTime();
      const next =
        nextEvent === undefined ? nextTimer : nextTimer === undefined ? nextEvent : Math.min(nextEvent, nextTimer);
      if (next === undefined || next > deadline) {
        // Nothing more can happen before the deadline: move time there and look one last time.
        if (deadline > clock.now()) await clock.runAsync({ until: deadline });
        if (await holds(condition)) return clock.now() - start;
        if (next === undefined) {
          throw fixtureError(
            'FIXTURE_UNTIL_STALLED',
            `until() waited for \`${what}\`, but nothing is left to happen: ${market ? 'the market has ended' : 'the test uses no market'} and no timer is pending (at ${microsToIso(clock.now())}). Place the order, start the source, or give the market a longer duration.${note()}`,
            { steps, condition: what },
          );
        }
        throw fixtureError(
          'FIXTURE_UNTIL_TIMEOUT',
          `until() waited ${options.timeout ?? '1h'} of virtual time (to ${microsToIso(deadline)}, ${steps} steps) for \`${what}\`, but it never held. Raise \`timeout\` or check the condition.${note()}`,
          { steps, condition: what, timeoutUs },
        );
      }
      if (market !== undefined && nextEvent !== undefined && nextEvent === next) await market.next();
      else await clock.runAsync({ until: next });
      steps++;
      if (await holds(condition)) return clock.now() - start;
    }
  };
}
