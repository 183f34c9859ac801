import { packageBuild } from '../../tsup.config.base';

export default [
  packageBuild({ index: 'src/index.ts' }, { shims: true }),
  packageBuild({ bin: 'src/bin.ts' }, { format: ['esm'], dts: false, clean: false, shims: true }),
];
