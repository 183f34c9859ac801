/**
 * Every ```ts block of this package's README runs as written (the repository's README test does the
 * same for all packages): blocks importing from `vitest` run as test files in a child vitest,
 * the others are imported here and must complete without throwing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeChildProject, packageDir, runChildVitest } from './helpers/child-vitest.js';

const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({
  lang: m[1] as string,
  code: m[2] as string,
}));
const ts = blocks.filter((b) => b.lang === 'ts');
const tests = ts.filter((b) => /from 'vitest'/.test(b.code));
const modules = ts.filter((b) => !/from 'vitest'/.test(b.code));
const project = makeChildProject('readme');
afterAll(() => project.cleanup());

describe('README', () => {
  it('has test examples and plain examples', () => {
    expect(tests.length).toBeGreaterThanOrEqual(4);
    expect(modules.length).toBeGreaterThanOrEqual(1);
    for (const b of blocks.filter((x) => x.lang === 'json')) expect(() => JSON.parse(b.code)).not.toThrow();
  });

  it.each(modules.map((b, i) => [i, b.code] as const))('plain block %i runs', async (i, code) => {
    const file = join(project.dir, `module-${i}.ts`);
    writeFileSync(file, code);
    await import(/* @vite-ignore */ file);
  });

  it('test blocks pass in a child vitest', { timeout: 180_000 }, () => {
    for (const [i, b] of tests.entries()) project.write(`block-${i}.test.ts`, b.code);
    const run = runChildVitest(
      project.dir,
      tests.map((_, i) => `block-${i}.test.ts`),
    );
    expect(run.status, run.output).toBe(0);
    expect(run.tests.length, run.output).toBeGreaterThanOrEqual(tests.length);
    expect(
      run.tests.filter((t) => t.status !== 'passed'),
      run.output,
    ).toEqual([]);
  });
});
