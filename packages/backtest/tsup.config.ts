import { packageBuild } from '../../tsup.config.base';

export default packageBuild({ index: 'src/index.ts', 'sweep-worker': 'src/sweep-worker.ts' }, { shims: true });
