// The release path, end to end: start Verdaccio (from npm) on a loopback port with a temporary
// storage folder, publish every package there with `changeset publish`, then install from it
// in fresh projects outside the workspace, as a user would.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}:\n${verdaccioLog}`);
    try {
      const res = await fetch(`${url}/-/ping`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`verdaccio did not answer on ${url}:\n${verdaccioLog}`);
}

/** npm/pnpm environment pointing at the local registry only for @tradekit (others: the default). */
function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    npm_config_userconfig: userconfig,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
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
});
