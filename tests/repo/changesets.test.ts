// Changesets on a throwaway copy of the repository: a changeset on one package bumps only that
// package and the packages whose dependency range it leaves, and `version-packages` (changeset
// version) writes their changelogs. The copy holds what changesets reads — the root manifest and
// its `version-packages` script, the workspace file, .changeset/config.json, every workspace
// package's manifest and changelog — and none of the repository's pending changesets.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.ts';

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const require = createRequire(import.meta.url);
const CHANGESET_BIN = join(dirname(require.resolve('@changesets/cli/package.json')), 'bin.js');

/** Workspace package folders (relative), as pnpm-workspace.yaml lists them (`packages/*`, `apps/*`). */
function workspaceDirs(): string[] {
  const globs = readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8')
    .split('\n')
    .map((l) => /^\s*-\s*([\w-]+)\/\*\s*$/.exec(l)?.[1])
    .filter((g): g is string => g !== undefined);
  expect(globs).toContain('packages');
  return globs.flatMap((g) =>
    existsSync(join(ROOT, g))
      ? readdirSync(join(ROOT, g))
          .filter((d) => existsSync(join(ROOT, g, d, 'package.json')))
          .map((d) => `${g}/${d}`)
      : [],
  );
}

const copies: string[] = [];
afterEach(() => {
  for (const c of copies.splice(0)) rmSync(c, { recursive: true, force: true });
});

/** A throwaway copy of the repo's release-relevant files, with one changeset of ours. */
function throwawayCopy(changeset: string): { dir: string; dirs: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'tradekit-changesets-'));
  copies.push(dir);
  for (const f of ['package.json', 'pnpm-workspace.yaml', '.changeset/config.json']) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(ROOT, f), join(dir, f));
  }
  const dirs = workspaceDirs();
  for (const d of dirs) {
    mkdirSync(join(dir, d), { recursive: true });
    for (const f of ['package.json', 'CHANGELOG.md'])
      if (existsSync(join(ROOT, d, f))) cpSync(join(ROOT, d, f), join(dir, d, f));
  }
  writeFileSync(join(dir, '.changeset', 'the-one-change.md'), changeset);
  return { dir, dirs };
}

function manifests(dir: string, dirs: string[]): Map<string, Manifest & { dir: string }> {
  return new Map(
    dirs.map((d) => {
      const m = JSON.parse(readFileSync(join(dir, d, 'package.json'), 'utf8')) as Manifest;
      return [m.name, { ...m, dir: d }];
    }),
  );
}

/** The repo's own `version-packages` script, run in the copy. */
function versionPackages(dir: string): void {
  const script = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts['version-packages'];
  expect(script).toBe('changeset version');
  execFileSync(process.execPath, [CHANGESET_BIN, 'version'], { cwd: dir, stdio: 'pipe', timeout: 60_000 });
}

const TARGET = '@tradekit/order-sim';

describe('changesets on a throwaway copy', () => {
  it('a minor changeset on one package bumps it and its dependents only, and writes their changelogs', () => {
    const { dir, dirs } = throwawayCopy(`---\n'${TARGET}': minor\n---\n\nThe one change of this test.\n`);
    const before = manifests(dir, dirs);
    const target = before.get(TARGET) as Manifest & { dir: string };
    expect(target, `${TARGET} is in the workspace`).toBeDefined();
    // Its dependents: packages that depend on it at run time (dependencies or peers), directly
    // or through another dependent.
    const dependsOn = (m: Manifest, name: string) =>
      m.dependencies?.[name] !== undefined || m.peerDependencies?.[name] !== undefined;
    const direct = [...before.values()].filter((m) => dependsOn(m, TARGET)).map((m) => m.name);
    const dependents = new Set(direct);
    for (let grew = true; grew; ) {
      grew = false;
      for (const m of before.values()) {
        if (dependents.has(m.name) || m.name === TARGET) continue;
        if ([...dependents].some((d) => dependsOn(m, d))) {
          dependents.add(m.name);
          grew = true;
        }
      }
    }
    expect(direct.length, `${TARGET} has dependents to check`).toBeGreaterThan(1);
    const others = [...before.keys()].filter((n) => n !== TARGET && !dependents.has(n));
    expect(others.length, 'some packages do not depend on it').toBeGreaterThan(1);

    versionPackages(dir);

    const after = manifests(dir, dirs);
    const bumped = [...after.values()]
      .filter((m) => m.version !== before.get(m.name)?.version)
      .map((m) => m.name)
      .sort();
    // It and every direct dependent (a minor on 0.x leaves their ^0.1 range) are bumped; anything
    // else bumped is a dependent too; nothing that does not depend on it moved.
    for (const name of [TARGET, ...direct]) expect(bumped, name).toContain(name);
    for (const name of bumped) expect(name === TARGET || dependents.has(name), `${name} is a dependent`).toBe(true);
    for (const name of others) expect(after.get(name)?.version, name).toBe(before.get(name)?.version);
    const [major, minor] = target.version.split('.').map(Number);
    expect(after.get(TARGET)?.version).toBe(`${major}.${(minor as number) + 1}.0`);
    const own = readFileSync(join(dir, target.dir, 'CHANGELOG.md'), 'utf8');
    expect(own).toContain(`## ${after.get(TARGET)?.version}`);
    expect(own).toContain('### Minor Changes');
    expect(own).toContain('The one change of this test.');
    for (const name of bumped.filter((n) => n !== TARGET)) {
      const m = after.get(name) as Manifest & { dir: string };
      const [ma, mi, pa] = (before.get(name) as Manifest).version.split('.').map(Number);
      expect(m.version, name).toBe(`${ma}.${mi}.${(pa as number) + 1}`);
      const log = readFileSync(join(dir, m.dir, 'CHANGELOG.md'), 'utf8');
      expect(log, name).toContain(`## ${m.version}`);
      // Its entry names the bumped packages it depends on, at their new versions.
      const bumpedDeps = bumped.filter((d) => dependsOn(before.get(name) as Manifest, d));
      expect(bumpedDeps.length, name).toBeGreaterThan(0);
      for (const d of bumpedDeps) expect(log, name).toContain(`${d}@${after.get(d)?.version}`);
      if (direct.includes(name)) expect(log, name).toContain('Updated dependencies');
    }
    // Nothing else got a changelog, and the changeset was consumed.
    for (const m of after.values()) {
      if (bumped.includes(m.name)) continue;
      expect(
        existsSync(join(dir, m.dir, 'CHANGELOG.md')) && !existsSync(join(ROOT, m.dir, 'CHANGELOG.md')),
        m.name,
      ).toBe(false);
    }
    expect(existsSync(join(dir, '.changeset', 'the-one-change.md'))).toBe(false);
  });

  it('a patch changeset that every dependent range still accepts bumps that package alone', () => {
    const { dir, dirs } = throwawayCopy(`---\n'${TARGET}': patch\n---\n\nA fix.\n`);
    const before = manifests(dir, dirs);
    versionPackages(dir);
    const after = manifests(dir, dirs);
    const bumped = [...after.values()].filter((m) => m.version !== before.get(m.name)?.version).map((m) => m.name);
    expect(bumped).toEqual([TARGET]);
    const log = readFileSync(join(dir, (after.get(TARGET) as { dir: string }).dir, 'CHANGELOG.md'), 'utf8');
    expect(log).toContain('### Patch Changes');
    expect(log).toContain('A fix.');
  });
});
