#!/usr/bin/env node
// Builds the API reference of every package with TypeDoc into docs/api/ (git-ignored; open
// docs/api/index.html): `pnpm docs:api`. `--strict` fails on any TypeDoc warning (the packaging
// test runs it that way). Packages are discovered under packages/ and documented in one run
// (TypeDoc's "packages" mode), so a type of one package used in another links across. A package's
// entry points are src/index.ts, or those its typedoc.json lists; every subpath of its `exports`
// (`./x` → src/x.ts) must be among them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const strict = process.argv.includes('--strict');
const out = join(root, 'docs', 'api');
const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');

const problems = [];
const packages = [];
for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const pkgDir = join(root, 'packages', dir);
  const file = join(pkgDir, 'package.json');
  if (!existsSync(file)) continue;
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  if (manifest.private) continue;
  const own = join(pkgDir, 'typedoc.json');
  const entries = existsSync(own) ? (JSON.parse(readFileSync(own, 'utf8')).entryPoints ?? []) : ['src/index.ts'];
  for (const key of Object.keys(manifest.exports ?? {})) {
    if (key.endsWith('package.json')) continue;
    const src = key === '.' ? 'src/index.ts' : `src/${key.slice(2)}.ts`;
    if (!entries.includes(src)) {
      problems.push(
        `${manifest.name}: export "${key}" (${src}) is not documented: list it in packages/${dir}/typedoc.json`,
      );
    }
  }
  packages.push(`packages/${dir}`);
}
if (packages.length === 0) problems.push('no package to document under packages/');
if (problems.length) {
  console.error(`[docs:api] ${problems.join('\n[docs:api] ')}`);
  process.exit(1);
}

const options = join(root, '.tmp', 'typedoc', 'options.json');
mkdirSync(join(options, '..'), { recursive: true });
writeFileSync(
  options,
  JSON.stringify(
    {
      name: 'TradeKit',
      // Types a package uses in its API without exporting them (an options shape, a listener
      // type) are documented with the package instead of left as dead names.
      plugin: ['typedoc-plugin-missing-exports'],
      entryPointStrategy: 'packages',
      entryPoints: packages.map((p) => join(root, p)),
      packageOptions: {
        entryPoints: ['src/index.ts'],
        excludePrivate: true,
        excludeInternal: true,
        // Third-party types (ws, Node) stay links by name, not pages of their own.
        excludeExternals: true,
        disableSources: true,
        readme: 'README.md',
      },
      readme: join(root, 'README.md'),
      out,
      hideGenerator: true,
      logLevel: 'Warn',
      treatWarningsAsErrors: strict,
    },
    null,
    2,
  ),
);
rmSync(out, { recursive: true, force: true });
const r = spawnSync(process.execPath, [typedoc, '--options', options], { cwd: root, encoding: 'utf8' });
const log = `${r.stdout}${r.stderr}`.trim();
if (log) console.log(log);
if (r.status !== 0 || (strict && /\[warning\]|\[error\]/.test(log)) || !existsSync(join(out, 'index.html'))) {
  console.error(`[docs:api] typedoc exited with ${r.status}${strict ? ' (--strict: warnings fail)' : ''}`);
  process.exit(1);
}
console.log(`[docs:api] ${packages.length} packages → docs/api/index.html`);
