// The linter and formatter (Biome) are part of the suite: a lint error or unformatted file fails it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, exec } from '../helpers';

describe('biome', () => {
  it('`biome check .` finds no lint error and no unformatted file', async () => {
    const r = await exec(join(ROOT, 'node_modules', '.bin', 'biome'), ['check', '.', '--reporter=summary'], {
      cwd: ROOT,
      timeout: 120_000,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/Checked \d+ files/);
  });
});
