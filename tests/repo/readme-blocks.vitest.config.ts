// Runs the test examples of READMEs (blocks that import from `vitest`), which readme.test.ts
// writes to `<readme dir>/.tmp/readme/*.test.ts`, with the same source aliases as the unit tests.
import { defineConfig } from 'vitest/config';
import { sourceAliases } from '../../vitest.shared.ts';

export default defineConfig({
  resolve: { alias: sourceAliases },
  test: {
    // run with --root <readme dir>/.tmp/readme (globs do not enter dot folders from above)
    include: ['*.test.{ts,mjs}'],
    exclude: ['**/node_modules/**', '**/.git/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
