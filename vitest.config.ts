import { defineConfig } from 'vitest/config';
import { sourceAliases } from './vitest.shared.ts';

export default defineConfig({
  resolve: { alias: sourceAliases },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'packages/*/test/**/*.test.ts',
            'apps/*/src/**/*.test.ts',
            'apps/*/test/**/*.test.ts',
            'tests/repo/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: { name: 'packaging', include: ['tests/packaging/**/*.test.ts'], testTimeout: 300_000 },
      },
      {
        extends: true,
        test: { name: 'release', include: ['tests/release/**/*.test.ts'], testTimeout: 900_000, hookTimeout: 300_000 },
      },
    ],
  },
});
