// Runs the suite against the workspace's package sources (no build needed), as vitest does:
// `node --import tsx --import ./scripts/sources.mjs src/cli.ts …`. Hooks registered later run
// first, so `@tradekit/<pkg>` becomes packages/<pkg>/src/index.ts before tsx loads it.
import { register } from 'node:module';

register('./sources-hook.mjs', import.meta.url);
