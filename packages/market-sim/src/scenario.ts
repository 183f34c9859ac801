/**
 * Scenarios: market conditions laid on a timeline. Every simulation step, each active scenario
 * edits a {@link MarketConditions} record (reset to neutral first), so scenarios compose by
 * multiplying and adding. Built-in scenarios use the same {@link defineScenario} API as users.
 */
import type { MarketStatus, Rng } from '@tradekit/types';
import { parseDuration } from '@tradekit/types';
import { checkKeys, requireNumber, simError } from './errors.js';
import { US_PER_YEAR } from './process.js';

/** What a scenario may change during one simulation step; neutral values shown as defaults. */
export interface MarketConditions {
  /** Extra annualised drift of the log price. @default 0 */
  drift: number;
  /** Multiplier of the process's volatility. @default 1 */
  volatilityMultiplier: number;
  /** One-off log-return added this step (a gap, a crash leg). @default 0 */
  jump: number;
  /** Multiplier of the spread in ticks. @default 1 */
  spreadMultiplier: number;
  /** Ticks added to the spread. @default 0 */
  spreadAddTicks: number;
  /** Multiplier of displayed size per level. @default 1 */
  depthMultiplier: number;
  /** Ticks between displayed levels (1 = dense, more = sparse book). @default 1 */
  levelSpacing: number;
  /** Multiplier of trade and quote arrival rates. @default 1 */
  activityMultiplier: number;
  /** Trading status; anything but `open` stops quotes and trades. @default 'open' */
  status: MarketStatus;
  /** Reason attached to the status event when the status changes. */
  reason: string | undefined;
}

/** Fresh neutral conditions. */
export function neutralConditions(): MarketConditions {
  return {
    drift: 0,
    volatilityMultiplier: 1,
    jump: 0,
    spreadMultiplier: 1,
    spreadAddTicks: 0,
    depthMultiplier: 1,
    levelSpacing: 1,
    activityMultiplier: 1,
    status: 'open',
    reason: undefined,
  };
}

/** Resets conditions to neutral in place (no allocation per step). */
export function resetConditions(c: MarketConditions): void {
  c.drift = 0;
  c.volatilityMultiplier = 1;
  c.jump = 0;
  c.spreadMultiplier = 1;
  c.spreadAddTicks = 0;
  c.depthMultiplier = 1;
  c.levelSpacing = 1;
  c.activityMultiplier = 1;
  c.status = 'open';
  c.reason = undefined;
}

/** Where a scenario is on its window, passed to `apply` every step. */
export interface ScenarioStep {
  /** Symbol being simulated. */
  symbol: string;
  /** Start of the current step, epoch µs. */
  ts: number;
  /** Step length in µs. */
  stepUs: number;
  /** Window start and end, epoch µs. */
  from: number;
  to: number;
  /** (ts − from) / (to − from), in [0, 1). */
  progress: number;
  /** Progress at the end of this step, in (0, 1]. */
  progressEnd: number;
  /** True for the first step in the window. */
  first: boolean;
  /** True for the last step in the window. */
  last: boolean;
  /** Step length in years, to turn annualised numbers into per-step ones. */
  dtYears: number;
  /** A random stream owned by this scenario and symbol. */
  rng: Rng;
}

/** A scenario placed on the timeline. */
export interface Scenario {
  /** Name for reports and status reasons. */
  readonly name: string;
  /** Window start: µs after the market start, or a duration string like `"2h"`. @default 0 */
  readonly from: number | string;
  /** Window end (exclusive), same units. @default the end of the market */
  readonly to: number | string | undefined;
  /** Symbols affected. @default all */
  readonly symbols: readonly string[] | undefined;
  /** Edits the step's conditions. */
  apply(conditions: MarketConditions, step: ScenarioStep): void;
}

/** Where a scenario runs: shared by every scenario factory's options. */
export interface ScenarioWindow {
  /** Window start, µs after the market start or a duration string. @default 0 */
  from?: number | string;
  /** Window end (exclusive), µs after the market start or a duration string. @default the end of the market */
  to?: number | string;
  /** Symbols affected. @default all */
  symbols?: string[];
}

/**
 * Defines a scenario type that users place on the timeline like the built-ins. With `paramKeys`,
 * an option outside the window keys and `paramKeys` is a `SIM_UNKNOWN_KEY` error naming the nearest
 * valid key (the built-ins all pass theirs); without it, extra options are handed to `apply` as given.
 *
 * @example
 * const tighten = defineScenario('tighten', (c, _step, p: { factor: number }) => {
 *   c.spreadMultiplier *= p.factor;
 * }, ['factor']);
 * createMarket({ scenarios: [tighten({ from: '1h', to: '2h', factor: 0.5 })] });
 */
export function defineScenario<P extends object = Record<string, never>>(
  name: string,
  apply: (conditions: MarketConditions, step: ScenarioStep, params: P) => void,
  paramKeys?: readonly (keyof P & string)[],
): (options?: ScenarioWindow & P) => Scenario {
  if (typeof name !== 'string' || name.length === 0) {
    throw simError('SIM_INVALID_SCENARIO', 'name', 'a non-empty string', name);
  }
  if (typeof apply !== 'function') throw simError('SIM_INVALID_SCENARIO', `${name}.apply`, 'a function', apply);
  const keys = paramKeys ? ['from', 'to', 'symbols', ...paramKeys] : undefined;
  return (options = {} as ScenarioWindow & P) => {
    if (keys) checkKeys(options, keys, `${name} scenario`);
    const { from = 0, to, symbols, ...rest } = options;
    const params = rest as unknown as P;
    return {
      name,
      from,
      to,
      symbols,
      apply: (c, step) => apply(c, step, params),
    };
  };
}

/** A steady trend: `drift` (annualised log drift, e.g. 2 = strongly up) added over the window. */
export const trending = defineScenario<{ drift?: number }>(
  'trending',
  (c, _s, p) => {
    c.drift += p.drift ?? 1;
  },
  ['drift'],
);

/** A volatile stretch: volatility × `multiplier`, spread and activity up. */
export const volatile = defineScenario<{ multiplier?: number }>(
  'volatile',
  (c, _s, p) => {
    const m = p.multiplier ?? 3;
    c.volatilityMultiplier *= m;
    c.spreadMultiplier *= 1 + (m - 1) * 0.5;
    c.activityMultiplier *= 1 + (m - 1) * 0.5;
  },
  ['multiplier'],
);

/** Thin market: wide spread, small and sparse book, slow arrivals. */
export const lowLiquidity = defineScenario<{ depth?: number; spread?: number; activity?: number; spacing?: number }>(
  'lowLiquidity',
  (c, _s, p) => {
    c.depthMultiplier *= p.depth ?? 0.2;
    c.spreadMultiplier *= p.spread ?? 3;
    c.activityMultiplier *= p.activity ?? 0.3;
    c.levelSpacing = Math.max(c.levelSpacing, p.spacing ?? 2);
  },
  ['depth', 'spread', 'activity', 'spacing'],
);

/** Options of {@link flashCrash}. */
export interface FlashCrashParams {
  /** Fall from the pre-crash price, as a fraction (0.05 = −5 %). @default 0.05 */
  drop?: number;
  /** Fraction of the fall recovered by the end of the window. @default 0.6 */
  rebound?: number;
  /** Halt trading after the fall for this fraction of the window. @default 0 (no halt) */
  halt?: number;
}

function crashPath(p: number, drop: number, rebound: number, halt: number): number {
  // Log offset relative to the pre-crash level: withdraw (0–10 %), fall (10–30 %), optional halt,
  // then recover `rebound` of the fall by the end.
  const low = Math.log(1 - drop);
  if (p < 0.1) return 0;
  if (p < 0.3) return low * ((p - 0.1) / 0.2);
  const recoverStart = 0.3 + halt;
  if (p < recoverStart) return low;
  const q = Math.min(1, (p - recoverStart) / Math.max(1e-9, 1 - recoverStart));
  return low * (1 - rebound * q);
}

/**
 * Flash crash: liquidity withdraws and the spread blows out, the price falls `drop` quickly,
 * trading optionally halts, then part of the fall is recovered.
 */
export const flashCrash = defineScenario<FlashCrashParams>(
  'flashCrash',
  (c, s, p) => {
    const drop = requireNumber('flashCrash.drop', p.drop ?? 0.05, { min: 0, max: 0.99 }, 'SIM_INVALID_SCENARIO');
    const rebound = requireNumber('flashCrash.rebound', p.rebound ?? 0.6, { min: 0, max: 1 }, 'SIM_INVALID_SCENARIO');
    const halt = requireNumber('flashCrash.halt', p.halt ?? 0, { min: 0, max: 0.6 }, 'SIM_INVALID_SCENARIO');
    c.jump += crashPath(s.progressEnd, drop, rebound, halt) - crashPath(s.progress, drop, rebound, halt);
    const stress = s.progress < 0.3 ? 1 : Math.max(0, 1 - (s.progress - 0.3) / 0.7);
    c.depthMultiplier *= 1 - 0.9 * stress;
    c.spreadMultiplier *= 1 + 7 * stress;
    c.volatilityMultiplier *= 1 + 3 * stress;
    c.activityMultiplier *= 1 + 2 * stress;
    if (halt > 0 && s.progress >= 0.3 && s.progress < 0.3 + halt) {
      c.status = 'halt';
      c.reason = 'flash crash: trading halted';
    }
  },
  ['drop', 'rebound', 'halt'],
);

/** A closed market (`status: close`) for the window, reopening at `to` with a gap of `gap` (0.02 = +2 %). */
export const sessionGap = defineScenario<{ gap?: number }>(
  'sessionGap',
  (c, s, p) => {
    const gap = requireNumber('sessionGap.gap', p.gap ?? 0.01, { min: -0.99 }, 'SIM_INVALID_SCENARIO');
    c.status = 'close';
    c.reason = 'session closed';
    if (s.last) c.jump += Math.log(1 + gap);
  },
  ['gap'],
);

/** A trading halt for the window, with `reason`; trading resumes at `to`. */
export const halt = defineScenario<{ reason?: string }>(
  'halt',
  (c, _s, p) => {
    c.status = 'halt';
    c.reason = p.reason ?? 'halted';
  },
  ['reason'],
);

/** News: a jump of `size` (log, signed; random sign when `direction` is omitted) at `from`, then decaying excitement. */
export const newsSpike = defineScenario<{ size?: number; direction?: 'up' | 'down'; multiplier?: number }>(
  'newsSpike',
  (c, s, p) => {
    const size = requireNumber('newsSpike.size', p.size ?? 0.01, { min: 0 }, 'SIM_INVALID_SCENARIO');
    if (s.first) {
      const sign = p.direction === 'up' ? 1 : p.direction === 'down' ? -1 : s.rng.next() < 0.5 ? -1 : 1;
      c.jump += sign * size;
    }
    const decay = Math.exp(-4 * s.progress);
    const m = p.multiplier ?? 4;
    c.volatilityMultiplier *= 1 + (m - 1) * decay;
    c.activityMultiplier *= 1 + (m - 1) * decay;
    c.spreadMultiplier *= 1 + (m - 1) * 0.5 * decay;
  },
  ['size', 'direction', 'multiplier'],
);

/** A scenario resolved to absolute times, for the engine. */
export interface PlacedScenario {
  scenario: Scenario;
  from: number;
  to: number;
  symbols: Set<string> | undefined;
}

/** Resolves `from`/`to` against the market start and end; throws `SIM_INVALID_SCENARIO` on bad windows. */
export function placeScenario(s: Scenario, index: number, start: number, end: number): PlacedScenario {
  if (typeof s !== 'object' || s === null || typeof s.apply !== 'function') {
    throw simError(
      'SIM_INVALID_SCENARIO',
      `scenarios[${index}]`,
      'a scenario made by a factory such as flashCrash() or defineScenario()',
      s,
    );
  }
  const rel = (field: string, v: number | string | undefined, fallback: number): number => {
    if (v === undefined) return fallback;
    try {
      return start + parseDuration(v);
    } catch (cause) {
      const err = simError(
        'SIM_INVALID_SCENARIO',
        `scenarios[${index}].${field}`,
        'µs after the start or a duration like "90m"',
        v,
      );
      (err as { cause?: unknown }).cause = cause;
      throw err;
    }
  };
  const from = rel('from', s.from, start);
  const to = rel('to', s.to, Number.isFinite(end) ? end : Number.POSITIVE_INFINITY);
  if (!(to > from)) {
    throw simError('SIM_INVALID_SCENARIO', `scenarios[${index}].to`, `a time after \`from\` (${s.from})`, s.to);
  }
  return { scenario: s, from, to, symbols: s.symbols ? new Set(s.symbols) : undefined };
}

/** Years per µs, re-exported for scenario authors converting rates. */
export const YEARS_PER_US = 1 / US_PER_YEAR;
