import { defineConfig, type Options } from 'tsup';

/**
 * Shared build config: dual ESM + CJS with `.d.ts` and `.d.cts`, one entry per public module.
 * Each package reuses it in three lines (see any `packages/<name>/tsup.config.ts`).
 */
export function packageBuild(entry: Record<string, string> | string[] = ['src/index.ts'], extra: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    ...extra,
  });
}
