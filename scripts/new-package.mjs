#!/usr/bin/env node
// Scaffolds packages/<name> with the shared build, test and packaging config.
// Usage: node scripts/new-package.mjs <name> "<description>" [entry ...]
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [name, description, ...entries] = process.argv.slice(2);
if (!name || !description) {
  console.error('Usage: node scripts/new-package.mjs <name> "<description>" [subpath-entry ...]');
  process.exit(2);
}
const dir = join('packages', name);
if (existsSync(join(dir, 'package.json'))) {
  console.error(`${dir}/package.json exists already`);
  process.exit(1);
}
mkdirSync(join(dir, 'src'), { recursive: true });
mkdirSync(join(dir, 'bench'), { recursive: true });
const subpaths = entries.filter(Boolean);
const exportsMap = {
  '.': {
    import: { types: './dist/index.d.ts', default: './dist/index.js' },
    require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
  },
};
for (const sub of subpaths) {
  exportsMap[`./${sub}`] = {
    import: { types: `./dist/${sub}.d.ts`, default: `./dist/${sub}.js` },
    require: { types: `./dist/${sub}.d.cts`, default: `./dist/${sub}.cjs` },
  };
}
exportsMap['./package.json'] = './package.json';
const pkg = {
  name: `@tradekit/${name}`,
  version: '0.1.0',
  description,
  license: 'MIT',
  type: 'module',
  sideEffects: false,
  engines: { node: '>=20.19' },
  main: './dist/index.cjs',
  module: './dist/index.js',
  types: './dist/index.d.cts',
  exports: exportsMap,
  // docs/: the docs its README links (copies made by scripts/errors-doc.mjs), shipped with it.
  files: ['dist', 'docs'],
  // No repository/homepage/bugs: TradeKit has no public repository URL yet, and a made-up one
  // sends users to a dead page. Add them when a real URL exists.
  publishConfig: { access: 'public' },
  scripts: {
    build: 'tsup',
    typecheck: 'tsc -p tsconfig.json',
    test: 'vitest run',
    bench: 'tsx bench/run.ts',
    'check:pkg': 'publint --strict && attw --pack . --profile node16',
  },
  dependencies: { '@tradekit/types': 'workspace:^' },
};
writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
const entryObj = { index: 'src/index.ts', ...Object.fromEntries(subpaths.map((s) => [s, `src/${s}.ts`])) };
writeFileSync(
  join(dir, 'tsup.config.ts'),
  `import { packageBuild } from '../../tsup.config.base';\n\nexport default packageBuild(${JSON.stringify(entryObj)});\n`,
);
writeFileSync(
  join(dir, 'tsconfig.json'),
  `${JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src', 'bench', 'test'] }, null, 2)}\n`,
);
writeFileSync(
  join(dir, 'vitest.config.ts'),
  `import { packageTestConfig } from '../../vitest.shared.ts';\n\nexport default packageTestConfig();\n`,
);
// Every package ships the root LICENSE and a README (the README test runs its code blocks).
copyFileSync('LICENSE', join(dir, 'LICENSE'));
writeFileSync(
  join(dir, 'README.md'),
  `# @tradekit/${name}\n\n${description}\n\n\`\`\`sh\nnpm i @tradekit/${name}\n\`\`\`\n\nAPI reference: \`pnpm docs:api\` in the TradeKit repository builds it (\`docs/api/index.html\`).\n`,
);
console.log(`created ${dir}`);
