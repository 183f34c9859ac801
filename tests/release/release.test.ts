// The release path, end to end: start Verdaccio (from npm) on a loopback port with a temporary
// storage folder, publish every package there with `changeset publish`, then install from it
// in fresh projects outside the workspace, as a user would.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt, exec, publishablePackages } from '../helpers';

const workdir = mkdtempSync(join(tmpdir(), 'tradekit-release-'));
let registry = '';
let verdaccio: ChildProcess | undefined;
let userconfig = '';
let verdaccioLog = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitForRegistry(url: string, child: ChildProcess): Promise<void> {
  // Up to 120 s: Verdaccio starts slowly on a busy machine; the loop ends early when it exits.
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}:\n${verdaccioLog}`);
    try {
      const res = await fetch(`${url}/-/ping`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`verdaccio did not answer on ${url} within 120 s:\n${verdaccioLog}`);
}

/** npm/pnpm environment pointing at the local registry only for @tradekit (others: the default). */
function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    npm_config_userconfig: userconfig,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    // `npm run` exports the caller's npm config as npm_config_* (this machine's global npmrc sets
    // omit-lockfile-registry-resolved): keep `resolved` in lockfiles, which the checks read.
    npm_config_omit_lockfile_registry_resolved: 'false',
    ...extra,
  };
}

/** Names of every package npm installed in a project (from its hidden lockfile). */
function installedPackages(project: string): string[] {
  const lock = JSON.parse(readFileSync(join(project, 'node_modules', '.package-lock.json'), 'utf8'));
  return Object.keys(lock.packages)
    .filter((k) => k.startsWith('node_modules/'))
    .map((k) => k.slice(k.lastIndexOf('node_modules/') + 'node_modules/'.length))
    .sort();
}

function freshProject(name: string): string {
  const dir = mkdtempSync(join(workdir, `${name}-`));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }, null, 2));
  writeFileSync(join(dir, '.npmrc'), `@tradekit:registry=${registry}/\n`);
  return dir;
}

beforeAll(async () => {
  ensureBuilt();
  const port = await freePort();
  registry = `http://127.0.0.1:${port}`;
  const config = join(workdir, 'config.yaml');
  writeFileSync(
    config,
    [
      `storage: ${join(workdir, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(workdir, 'htpasswd')}`,
      '    max_users: 10',
      'uplinks: {}',
      'packages:',
      "  '@tradekit/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      'web:',
      '  enable: false',
      'max_body_size: 100mb',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  verdaccio = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', 'verdaccio', 'bin', 'verdaccio'), '--config', config, '--listen', `127.0.0.1:${port}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  verdaccio.stdout?.on('data', (d) => (verdaccioLog += d));
  verdaccio.stderr?.on('data', (d) => (verdaccioLog += d));
  await waitForRegistry(registry, verdaccio);

  const res = await fetch(`${registry}/-/user/org.couchdb.user:tradekit`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'tradekit', password: 'release-test-only', type: 'user', roles: [] }),
  });
  const { token } = (await res.json()) as { token?: string };
  if (!token) throw new Error(`could not create a registry user: HTTP ${res.status}`);
  userconfig = join(workdir, '.npmrc');
  writeFileSync(userconfig, `//127.0.0.1:${port}/:_authToken=${token}\n`);
}, 300_000);

afterAll(() => {
  verdaccio?.kill('SIGTERM');
  rmSync(workdir, { recursive: true, force: true });
});

describe('release through a local registry', () => {
  const packages = publishablePackages();

  it('publishes every package with `changeset publish`', async () => {
    const r = await exec('pnpm', ['exec', 'changeset', 'publish', '--no-git-tag'], {
      env: npmEnv({ npm_config_registry: `${registry}/` }),
      timeout: 600_000,
    });
    expect(r.code, `${r.stdout}\n${r.stderr}\n${verdaccioLog}`).toBe(0);
    for (const pkg of packages) {
      const res = await fetch(`${registry}/${pkg.name.replace('/', '%2f')}`);
      expect(res.status, `${pkg.name} is on the registry`).toBe(200);
      const doc = (await res.json()) as { versions: Record<string, { dependencies?: Record<string, string> }> };
      const published = doc.versions[pkg.version];
      expect(published, `${pkg.name}@${pkg.version}`).toBeDefined();
      // workspace:^ ranges must have been rewritten to real versions.
      for (const [dep, range] of Object.entries(published?.dependencies ?? {})) {
        expect(range, `${pkg.name} → ${dep}`).not.toMatch(/^workspace:/);
      }
    }
  }, 600_000);

  it('installs @tradekit/types alone in a fresh project: only what it needs, importable with import and require', async () => {
    const project = freshProject('types-only');
    const r = await exec('npm', ['install', '@tradekit/types', '--no-audit', '--no-fund'], {
      cwd: project,
      env: npmEnv(),
      timeout: 300_000,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const types = packages.find((p) => p.name === '@tradekit/types')!;
    const expected = ['@tradekit/types', ...Object.keys((types.manifest.dependencies ?? {}) as object)].sort();
    expect(installedPackages(project)).toEqual(expected);

    const script = `const r = new Rng(42); const i = defineInstrument({ symbol: 'MNQ', tickSize: 0.25, multiplier: 2 });
      console.log([r.uuid(), ticksToPrice(i, 80001), tickValue(i).toString(), isTradeKitError(new TradeKitError('X', 'y'))].join(' '));`;
    const cjs = await exec(
      process.execPath,
      [
        '-e',
        `const { Rng, defineInstrument, ticksToPrice, tickValue, TradeKitError, isTradeKitError } = require('@tradekit/types');\n${script}`,
      ],
      { cwd: project },
    );
    const esm = await exec(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { Rng, defineInstrument, ticksToPrice, tickValue, TradeKitError, isTradeKitError } from '@tradekit/types';\n${script}`,
      ],
      { cwd: project },
    );
    const want = '825848fe-1385-43ed-9083-ee47b2f7839a 20000.25 0.5 true';
    expect(cjs.stdout.trim(), cjs.stderr).toBe(want);
    expect(esm.stdout.trim(), esm.stderr).toBe(want);
  }, 300_000);

  it('installs @tradekit/cli in a fresh project and its `tradekit` binary runs', async () => {
    const project = freshProject('cli');
    const r = await exec('npm', ['install', '@tradekit/cli', '--no-audit', '--no-fund'], {
      cwd: project,
      env: npmEnv(),
      timeout: 300_000,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const help = await exec(join(project, 'node_modules', '.bin', 'tradekit'), ['--help'], { cwd: project });
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/Usage: tradekit/);
    const bad = await exec(join(project, 'node_modules', '.bin', 'tradekit'), ['nosuch'], { cwd: project });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command 'nosuch'/);
  }, 300_000);

  it('a vitest project using @tradekit/test-fixtures runs its test and type-checks the matchers', async () => {
    const { copyConsumerTemplate, verifyConsumer } = await import(
      // @ts-expect-error plain ESM script without types
      '../../packages/test-fixtures/scripts/consumer-check.mjs'
    );
    const project = freshProject('test-fixtures-consumer');
    copyConsumerTemplate(project); // a user's package.json, tsconfig and test; the .npmrc points @tradekit here
    const r = await exec('npm', ['install', '--no-audit', '--no-fund'], {
      cwd: project,
      env: npmEnv(),
      timeout: 300_000,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(verifyConsumer(project).failures).toEqual([]);
  }, 600_000);
});

/** Every file under a directory, recursively. */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** A published manifest, as the registry serves it for one version. */
interface PublishedManifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optionalDependencies?: Record<string, string>;
  exports?: Record<string, unknown>;
  repository?: unknown;
  homepage?: unknown;
  bugs?: unknown;
  dist: { tarball: string };
}

async function publishedManifest(name: string, version: string): Promise<PublishedManifest> {
  const res = await fetch(`${registry}/${name.replace('/', '%2f')}`);
  if (!res.ok) throw new Error(`${name} is not on the registry (HTTP ${res.status}): run the publish test first`);
  const doc = (await res.json()) as { versions: Record<string, PublishedManifest> };
  const m = doc.versions[version];
  if (!m) throw new Error(`${name}@${version} is not on the registry`);
  return m;
}

/** Downloads and unpacks the published tarball; returns the `package/` folder. */
async function unpackPublished(m: PublishedManifest): Promise<string> {
  const res = await fetch(m.dist.tarball);
  if (!res.ok) throw new Error(`GET ${m.dist.tarball}: HTTP ${res.status}`);
  const dir = mkdtempSync(join(workdir, 'tarball-'));
  const tgz = join(dir, 'package.tgz');
  writeFileSync(tgz, Buffer.from(await res.arrayBuffer()));
  const r = await exec('tar', ['-xzf', tgz, '-C', dir]);
  if (r.code !== 0) throw new Error(`tar -xzf ${tgz}: ${r.stderr}`);
  return join(dir, 'package');
}

/** Does any file import, require or re-export `specifier` (or a subpath of it)? */
function importsModule(files: string[], specifier: string): boolean {
  const name = specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const re = new RegExp(
    // import/require, a types reference, or `require.resolve('pkg/…')` (a file read from the package at run time)
    `(?:\\bfrom\\s*|\\bimport\\s*\\(?\\s*|\\brequire\\s*\\(\\s*|\\.resolve\\s*\\(\\s*|reference\\s+types\\s*=\\s*)['"]${name}(?:/[^'"]*)?['"]`,
  );
  return files.some((f) => re.test(readFileSync(f, 'utf8')));
}

/** The public entry points of a manifest's `exports` (without ./package.json), and whether each has a CJS condition. */
function entryPoints(m: PublishedManifest): { specifier: string; cjs: boolean }[] {
  return Object.entries(m.exports ?? { '.': {} })
    .filter(([k]) => !k.endsWith('package.json'))
    .map(([k, target]) => ({
      specifier: k === '.' ? m.name : `${m.name}/${k.replace(/^\.\//, '')}`,
      cjs:
        typeof target === 'string' ||
        (typeof target === 'object' && target !== null && ('require' in target || 'default' in target)),
    }));
}

// `npm create tradekit@latest <folder> -- --template <name>` exactly as a user types it, with npm
// pointed at the local registry: npm fetches create-tradekit from it, the project is created in a
// temp folder outside the workspace, installs @tradekit/* from the registry (its .npmrc; other
// packages from npm's default registry), and its own tests must pass, for each template.
describe('create-tradekit projects from the registry', () => {
  const TEMPLATE_NAMES = ['integration', 'load', 'backtest'];
  // A fresh npm cache for `npm create`: npx's cache would otherwise reuse a create-tradekit@0.1.0
  // fetched by an earlier run (same version, other content).
  const createEnv = () =>
    npmEnv({
      npm_config_registry: `${registry}/`,
      npm_config_cache: join(workdir, 'npm-create-cache'),
      npm_config_yes: 'true',
    });

  it('create-tradekit without --template off a terminal: a clear error and exit 2', async () => {
    const dir = mkdtempSync(join(workdir, 'create-none-'));
    const r = await exec('npm', ['create', 'tradekit@latest', 'no-template'], { cwd: dir, env: createEnv() });
    expect(r.code, r.stdout + r.stderr).not.toBe(0);
    expect(r.stderr).toContain('expected --template (integration, load, backtest)');
    expect(existsSync(join(dir, 'no-template'))).toBe(false);
  }, 300_000);

  it.each(TEMPLATE_NAMES)(
    'npm create tradekit@latest -- --template %s: installs from the registry and its own tests pass',
    async (template) => {
      const dir = mkdtempSync(join(workdir, `create-${template}-`));
      expect(relative(ROOT, dir).startsWith('..'), 'the project is outside the workspace').toBe(true);
      const created = await exec('npm', ['create', 'tradekit@latest', `my-${template}`, '--', '--template', template], {
        cwd: dir,
        env: createEnv(),
      });
      expect(created.code, created.stdout + created.stderr).toBe(0);
      expect(created.stdout).toContain(`Created my-${template} (template ${template}`);
      const project = join(dir, `my-${template}`);
      const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
      expect(manifest.name).toBe(`my-${template}`);
      expect(JSON.stringify(manifest)).not.toMatch(/workspace:/);
      expect(existsSync(join(project, '.github', 'workflows', 'test.yml'))).toBe(true);
      expect(existsSync(join(project, '.gitignore'))).toBe(true);
      writeFileSync(join(project, '.npmrc'), `@tradekit:registry=${registry}/\n`);
      const install = await exec('npm', ['install', '--no-audit', '--no-fund'], {
        cwd: project,
        env: npmEnv(),
        timeout: 600_000,
      });
      expect(install.code, install.stdout + install.stderr).toBe(0);
      // Every @tradekit package came from the local registry at this repository's version.
      const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'));
      const ours = Object.entries(lock.packages as Record<string, { resolved?: string; version?: string }>).filter(
        ([k]) => /node_modules\/@tradekit\/[^/]+$/.test(k),
      );
      expect(ours.length, 'the project depends on @tradekit packages').toBeGreaterThan(0);
      for (const [k, v] of ours) expect(v.resolved, k).toMatch(new RegExp(`^${registry}/`));
      const test = await exec('npm', ['test'], {
        cwd: project,
        env: { ...npmEnv(), CI: '1' },
        timeout: 900_000,
      });
      console.log(
        `[create-tradekit] ${template}: npm test exit ${test.code}\n${test.stdout.split('\n').slice(-12).join('\n')}`,
      );
      expect(test.code, test.stdout + test.stderr).toBe(0);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colours
      const out = test.stdout.replace(/\u001b\[[0-9;]*m/g, '');
      expect(out).toMatch(/Tests\s+\d+ passed/);
      expect(out).not.toMatch(/Tests\s+.*failed/);
    },
    1_800_000,
  );
});

describe('published tarballs', () => {
  const packages = publishablePackages();

  it.each(packages)('$name ships LICENSE, README, its docs, and honest dependency ranges', async (pkg) => {
    const m = await publishedManifest(pkg.name, pkg.version);
    const dir = await unpackPublished(m);
    const license = existsSync(join(dir, 'LICENSE')) ? readFileSync(join(dir, 'LICENSE'), 'utf8') : '';
    expect(license, `${pkg.name}: LICENSE`).toMatch(/^MIT License\s+Copyright \(c\) 2026 TradeKit contributors/);
    const readme = existsSync(join(dir, 'README.md')) ? readFileSync(join(dir, 'README.md'), 'utf8') : '';
    expect(readme, `${pkg.name}: README.md`).toMatch(new RegExp(`^# ${pkg.name.replace('/', '\\/')}`));
    if (existsSync(join(pkg.dir, 'docs'))) {
      for (const f of walk(join(pkg.dir, 'docs'))) {
        const rel = relative(pkg.dir, f);
        expect(existsSync(join(dir, rel)), `${pkg.name} ships ${rel} (its README may link it)`).toBe(true);
      }
    }
    for (const field of ['repository', 'homepage', 'bugs'] as const) {
      expect(JSON.stringify(m[field] ?? ''), `${pkg.name}: ${field}`).not.toMatch(/example\.invalid/);
    }
    const runtime = { ...m.dependencies, ...m.optionalDependencies };
    for (const [dep, range] of Object.entries(runtime)) {
      expect(range, `${pkg.name} → ${dep}`).not.toMatch(/^workspace:/);
      // An exact pin installs a second copy beside the user's patch release of the same package.
      expect(range, `${pkg.name} → ${dep}: use a caret range`).not.toMatch(/^=?v?\d+\.\d+\.\d+(?:[-+].*)?$/);
    }
  });

  it.each(packages)('$name imports every dependency it declares', async (pkg) => {
    const m = await publishedManifest(pkg.name, pkg.version);
    const dir = await unpackPublished(m);
    const files = walk(join(dir, 'dist'));
    const code = files.filter((f) => /\.(?:c|m)?js$/.test(f));
    const decls = files.filter((f) => /\.d\.(?:c|m)?ts$/.test(f));
    expect(code.length, `${pkg.name}: no JavaScript in dist/`).toBeGreaterThan(0);
    const usesNodeTypes = (f: string) =>
      /\/\/\/\s*<reference\s+types="node"|\bfrom\s*['"]node:|\bNodeJS\./.test(readFileSync(f, 'utf8'));
    const unused = Object.keys({ ...m.dependencies, ...m.optionalDependencies }).filter((dep) => {
      // `@types/node` is used when the declarations use Node's types; `@types/x` when they import `x`.
      if (dep === '@types/node') return !decls.some(usesNodeTypes);
      if (dep.startsWith('@types/'))
        return !importsModule(decls, dep.slice('@types/'.length).replace(/^(.+)__(.+)$/, '@$1/$2'));
      return !importsModule(code, dep);
    });
    expect(unused, `${pkg.name} declares dependencies its dist never imports`).toEqual([]);
  });
});

// Each published package, installed alone from the registry into a project outside the workspace
// (no devDependencies of ours), must type-check with strict and skipLibCheck: false, under
// module nodenext (an ESM .mts and, for entries with a CJS condition, a CJS .cts) and under
// moduleResolution bundler, with TypeScript 5.9 (the workspace's) and TypeScript 7 (from npm).
// TypeScript's view of the declarations does not depend on the Node that runs the harness, so
// scripts/test-all.mjs's second run (Node 24) skips these (TRADEKIT_SECOND_NODE_RUN=1) to keep CI short.
describe.skipIf(process.env.TRADEKIT_SECOND_NODE_RUN === '1')('types for every consumer', () => {
  const packages = publishablePackages();
  const compilers: { label: string; tsc: () => string }[] = [
    { label: 'TypeScript 5.9', tsc: () => join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc') },
    { label: 'TypeScript 7', tsc: () => ts7 },
  ];
  let ts7 = '';

  beforeAll(async () => {
    const dir = join(workdir, 'typescript-7');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"name":"ts7","version":"1.0.0","private":true}');
    const r = await exec('npm', ['install', 'typescript@^7', '--no-audit', '--no-fund'], {
      cwd: dir,
      env: { ...process.env, npm_config_audit: 'false' },
      timeout: 300_000,
    });
    if (r.code !== 0) throw new Error(`npm install typescript@^7 failed:\n${r.stdout}\n${r.stderr}`);
    ts7 = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
  }, 300_000);

  it.each(packages)(
    '$name type-checks in a fresh consumer (nodenext and bundler, TS 5.9 and 7)',
    async (pkg) => {
      const m = await publishedManifest(pkg.name, pkg.version);
      const project = freshProject(`types-${pkg.name.split('/').pop()}`);
      // Peer dependencies are what a user of that entry has installed (e.g. vitest for ws-tester/vitest).
      const peers = Object.entries(m.peerDependencies ?? {}).map(([n, range]) => `${n}@${range}`);
      // The project's .npmrc sends @tradekit/* to the local registry; an unscoped package of ours
      // (create-tradekit, no dependencies) is fetched from it by --registry, never from npmjs.
      const registryArgs = pkg.name.startsWith('@tradekit/') ? [] : ['--registry', `${registry}/`];
      const r = await exec(
        'npm',
        ['install', `${pkg.name}@${pkg.version}`, ...peers, ...registryArgs, '--no-audit', '--no-fund'],
        {
          cwd: project,
          env: npmEnv(),
          timeout: 300_000,
        },
      );
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const entries = entryPoints(m);
      expect(entries.length).toBeGreaterThan(0);
      const file = (list: typeof entries) =>
        `${list.map((e, i) => `import * as entry${i} from '${e.specifier}';`).join('\n')}\nexport const entries: object[] = [${list.map((_, i) => `entry${i}`).join(', ')}];\n`;
      writeFileSync(join(project, 'esm.mts'), file(entries));
      writeFileSync(join(project, 'bundler.ts'), file(entries));
      const cjsEntries = entries.filter((e) => e.cjs);
      if (cjsEntries.length) writeFileSync(join(project, 'cjs.cts'), file(cjsEntries));
      const base = { strict: true, skipLibCheck: false, noEmit: true, target: 'es2022', lib: ['es2023'] };
      writeFileSync(
        join(project, 'tsconfig.nodenext.json'),
        JSON.stringify({
          compilerOptions: { ...base, module: 'nodenext', moduleResolution: 'nodenext' },
          files: cjsEntries.length ? ['esm.mts', 'cjs.cts'] : ['esm.mts'],
        }),
      );
      writeFileSync(
        join(project, 'tsconfig.bundler.json'),
        JSON.stringify({
          compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler' },
          files: ['bundler.ts'],
        }),
      );
      const failures: string[] = [];
      for (const { label, tsc } of compilers) {
        const version = await exec(process.execPath, [tsc(), '--version'], { cwd: project });
        for (const config of ['tsconfig.nodenext.json', 'tsconfig.bundler.json']) {
          const t = await exec(process.execPath, [tsc(), '-p', config], { cwd: project, timeout: 300_000 });
          const line = `${pkg.name} ${label} (${version.stdout.trim()}) ${config}: exit ${t.code}`;
          console.log(`[types] ${line}`);
          if (t.code !== 0 || t.stdout.trim() !== '') failures.push(`${line}\n${t.stdout}${t.stderr}`);
        }
      }
      expect(failures, failures.join('\n\n')).toEqual([]);
    },
    900_000,
  );
});
