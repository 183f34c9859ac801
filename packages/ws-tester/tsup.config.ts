import { packageBuild } from '../../tsup.config.base';

export default packageBuild({ index: 'src/index.ts', vitest: 'src/vitest.ts', 'load-worker': 'src/load/worker.ts' });
