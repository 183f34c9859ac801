import { cpSync } from 'node:fs';
import { packageBuild } from '../../tsup.config.base';

// shims: the CJS build gets `import.meta.url`, which samplePath() resolves the data folder from.
// The sample data ships inside dist/ (the package publishes `dist` only).
export default packageBuild(
  { index: 'src/index.ts', matchers: 'src/matchers.ts' },
  {
    shims: true,
    onSuccess: async () => {
      cpSync('data', 'dist/data', { recursive: true });
    },
  },
);
