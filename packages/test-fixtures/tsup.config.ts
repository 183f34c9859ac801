import { packageBuild } from '../../tsup.config.base';

// shims: the CJS build gets `import.meta.url`, which samplePath() resolves the data folder from.
export default packageBuild({ index: 'src/index.ts', matchers: 'src/matchers.ts' }, { shims: true });
