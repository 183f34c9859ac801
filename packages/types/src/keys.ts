/**
 * Unknown-key checks for plain-object inputs (configs, fault rules, presets, request bodies).
 *
 * A misspelled key (`volatilty`) must never be ignored: it is an error that names the key and the
 * nearest valid one, so the user fixes the typo instead of running with a default.
 */
import { TradeKitError } from './errors.js';

/** Edit distance (insert, delete, substitute, swap of neighbours) between two short strings. */
export function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  // Three rows are enough for the optimal-string-alignment variant (adjacent swaps count 1).
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, (prev2[j - 2] as number) + 1);
      }
      cur[j] = v;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m] as number;
}

/**
 * The candidate nearest to `name` (case-insensitive edit distance), or `undefined` when none is
 * close enough to be a plausible typo (distance over a third of the longer name, at least 2).
 *
 * @example
 * nearestName('volatilty', ['volatility', 'drift']); // 'volatility'
 */
export function nearestName(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.ceil(Math.max(name.length, best.length) / 3));
  return bestDistance <= limit ? best : undefined;
}

/** Options for {@link assertKnownKeys}. */
export interface KnownKeysOptions {
  /** Error code to throw, e.g. `SIM_CONFIG_INVALID`. */
  code: string;
  /** Where the object sits, for the message: `market config`, `fault rule #2`, `symbols.MNQ`. */
  where: string;
}

/**
 * Throws a {@link TradeKitError} when `value` has an own key outside `known`. The message names the
 * unknown key, the nearest valid key when one is close, and the valid keys.
 *
 * @example
 * assertKnownKeys({ volatilty: 0.2 }, ['volatility', 'drift'], { code: 'SIM_CONFIG_INVALID', where: 'market config' });
 * // TradeKitError: Unknown key `volatilty` in market config. Did you mean `volatility`? Valid keys: drift, volatility.
 */
export function assertKnownKeys(value: object, known: Iterable<string>, options: KnownKeysOptions): void {
  const valid = known instanceof Set ? (known as Set<string>) : new Set(known);
  for (const key of Object.keys(value)) {
    if (valid.has(key)) continue;
    const near = nearestName(key, valid);
    const list = [...valid].sort().join(', ');
    throw new TradeKitError(
      options.code,
      `Unknown key \`${key}\` in ${options.where}.${near ? ` Did you mean \`${near}\`?` : ''} Valid keys: ${list}.`,
      { details: { field: key, value: (value as Record<string, unknown>)[key], nearest: near, valid: [...valid] } },
    );
  }
}
