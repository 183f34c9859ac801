import { packageBuild } from '../../tsup.config.base';

export default [
  // ESM: every entry in one build, so the declarations share one MockServer type.
  packageBuild(
    { index: 'src/index.ts', vitest: 'src/vitest.ts', 'load-worker': 'src/load/worker.ts' },
    { format: ['esm'] },
  ),
  // CJS: no `vitest` entry. `@tradekit/ws-tester/vitest` is ESM-only because vitest 4 itself cannot
  // be loaded with require(); a CJS build of it could only ever throw (ARCHITECTURE.md, "Release and CI").
  packageBuild({ index: 'src/index.ts', 'load-worker': 'src/load/worker.ts' }, { format: ['cjs'], clean: false }),
];
