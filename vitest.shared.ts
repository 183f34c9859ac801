import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Tests and apps run against package sources, not builds: `@tradekit/<pkg>` resolves to
 * `packages/<pkg>/src/index.ts` and `@tradekit/<pkg>/<sub>` to `packages/<pkg>/src/<sub>.ts`.
 * The packaging and release suites (tests/) check the built output separately.
 */
export const sourceAliases = [
  { find: /^@tradekit\/([a-z0-9-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
  { find: /^@tradekit\/([a-z0-9-]+)\/(.+)$/, replacement: `${root}packages/$1/src/$2.ts` },
];

/** The vitest config one package uses for `pnpm --filter <pkg> test`. */
export function packageTestConfig(): ViteUserConfig {
  return defineConfig({
    resolve: { alias: sourceAliases },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  });
}
