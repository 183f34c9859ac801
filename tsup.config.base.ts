import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type Options } from 'tsup';

/**
 * A package whose public types use Node's (streams, `NodeJS.*`, `node:` modules) declares
 * `@types/node` as a dependency; its declarations then start with a reference to those types, so
 * they resolve for every consumer, also under TypeScript 7 where `types` defaults to `[]`.
 */
function dtsFor(extra: Options): Options['dts'] {
  if (extra.dts === false) return false;
  const manifest = join(process.cwd(), 'package.json');
  const deps = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')).dependencies ?? {}) : {};
  if (!('@types/node' in deps)) return extra.dts ?? true;
  const base = typeof extra.dts === 'object' ? extra.dts : {};
  return { ...base, banner: '/// <reference types="node" />' };
}

/**
 * Shared build config: dual ESM + CJS with `.d.ts` and `.d.cts`, one entry per public module.
 * Each package reuses it in three lines (see any `packages/<name>/tsup.config.ts`).
 */
export function packageBuild(entry: Record<string, string> | string[] = ['src/index.ts'], extra: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    ...extra,
    dts: dtsFor(extra),
  });
}
