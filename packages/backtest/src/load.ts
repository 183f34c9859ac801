/** Loads a strategy module (.ts with no build step, or .js/.mjs/.cjs). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TradeKitError } from '@tradekit/types';
import { createJiti } from 'jiti';
import { BUILTIN_STRATEGIES } from './examples.js';
import { type Strategy, checkStrategy } from './strategy.js';

let jiti: ReturnType<typeof createJiti> | undefined;

/**
 * Imports a strategy file and returns its strategy: the default export, or an export named
 * `strategy`. TypeScript files load through jiti (no build step, no tsconfig needed). A built-in
 * name (`sma-cross`) gives that example strategy.
 * Throws `BACKTEST_STRATEGY_LOAD_FAILED` if the file cannot be loaded, `BACKTEST_STRATEGY_INVALID`
 * if what it exports is not a strategy.
 *
 * @example
 * const strategy = await loadStrategy('strategies/sma.ts');
 */
export async function loadStrategy(file: string): Promise<Strategy> {
  const path = resolve(file);
  // A built-in example by name (`sma-cross`), unless a file of that name exists.
  const builtin = BUILTIN_STRATEGIES[file];
  if (builtin && !existsSync(path)) return builtin as unknown as Strategy;
  let mod: Record<string, unknown>;
  try {
    if (/\.[cm]?tsx?$/.test(path)) {
      jiti ??= createJiti(import.meta.url, { moduleCache: true, fsCache: false, interopDefault: false });
      mod = (await jiti.import(path)) as Record<string, unknown>;
    } else {
      mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    }
  } catch (err) {
    throw new TradeKitError(
      'BACKTEST_STRATEGY_LOAD_FAILED',
      `Could not load the strategy file ${JSON.stringify(file)}: ${(err as Error)?.message ?? String(err)}. Expected a .ts or .js module that exports a strategy (export default defineStrategy({ … })).`,
      { cause: err, details: { file } },
    );
  }
  let s = (mod.default ?? mod.strategy) as unknown;
  // A CommonJS default or a transpiled ES module may wrap the export once more.
  if (s && typeof s === 'object' && 'default' in (s as object) && !('onBar' in (s as object)))
    s = (s as { default: unknown }).default;
  if (s === undefined) {
    throw new TradeKitError(
      'BACKTEST_STRATEGY_INVALID',
      `Expected ${JSON.stringify(file)} to export a strategy as its default export or as \`strategy\`, got exports ${JSON.stringify(Object.keys(mod))}.`,
      { details: { file } },
    );
  }
  checkStrategy(s);
  return s;
}
