// Every publishable package must pass `publint --strict` and `attw --pack`, and typecheck.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt, exec, publishablePackages } from '../helpers';

const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
const packages = publishablePackages();

beforeAll(() => ensureBuilt(), 600_000);

describe.each(packages)('$name', (pkg) => {
  it('publint --strict reports nothing', async () => {
    const r = await exec(bin('publint'), ['--strict'], { cwd: pkg.dir });
    expect(r.stdout + r.stderr).not.toMatch(/error|warning|suggestion/i);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('attw --pack finds no problem', async () => {
    const r = await exec(bin('attw'), ['--pack', '.', '--format', 'ascii'], { cwd: pkg.dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/No problems found/);
  });

  it('typechecks (tsc, strict)', async () => {
    const r = await exec(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: pkg.dir });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('has the publishing shape: dual exports with types first, files = [dist], engines, no side effects', () => {
    // biome-ignore lint/suspicious/noExplicitAny: a parsed package.json, checked field by field below
    const m = pkg.manifest as Record<string, any>;
    expect(m.files).toEqual(['dist']);
    expect(m.sideEffects).toBe(false);
    expect(m.engines?.node).toBe('>=20.19');
    expect(m.license).toBe('MIT');
    const root = m.exports['.'];
    expect(Object.keys(root.import)[0]).toBe('types');
    expect(Object.keys(root.require)[0]).toBe('types');
    expect(root.require.types).toMatch(/\.d\.cts$/);
  });
});
