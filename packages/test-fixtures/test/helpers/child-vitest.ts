/**
 * Runs vitest in a child process on test files written to a temporary folder, so a test can
 * check what a failing test prints. The folder lives under the package's `.tmp/` (git-ignored).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageDir = fileURLToPath(new URL('../..', import.meta.url));
export const repoRoot = join(packageDir, '../..');
export const srcIndex = join(packageDir, 'src/index.ts');

/** One test's outcome in vitest's JSON report. */
export interface ChildTestResult {
  fullName: string;
  status: string;
  failureMessages: string[];
}

export interface ChildRun {
  status: number | null;
  output: string;
  tests: ChildTestResult[];
}

/** A temporary folder with a vitest config resolving `@tradekit/*` to the sources. */
export function makeChildProject(prefix: string): {
  dir: string;
  write(name: string, text: string): void;
  cleanup(): void;
} {
  const base = join(packageDir, '.tmp');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, `${prefix}-`));
  writeFileSync(
    join(dir, 'vitest.config.mts'),
    `import { sourceAliases } from ${JSON.stringify(join(repoRoot, 'vitest.shared.ts'))};\nexport default { resolve: { alias: sourceAliases }, test: { include: ['**/*.test.ts'], testTimeout: 30000 } };\n`,
  );
  return {
    dir,
    write: (name, text) => writeFileSync(join(dir, name), text),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs `vitest run` in `dir` (files optional), with `env` added to a copy of this process's environment minus `TRADEKIT_SEED`. */
export function runChildVitest(dir: string, files: string[] = [], env: Record<string, string> = {}): ChildRun {
  const require = createRequire(join(packageDir, 'package.json'));
  const vitestBin = join(require.resolve('vitest/package.json'), '..', 'vitest.mjs');
  const out = join(dir, `report-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, NO_COLOR: '1', FORCE_COLOR: '0' };
  if (!('TRADEKIT_SEED' in env)) delete childEnv.TRADEKIT_SEED;
  // The parent may run under vitest; its worker variables must not leak into the child.
  for (const k of Object.keys(childEnv)) if (k.startsWith('VITEST') || k === 'TEST') delete childEnv[k];
  const r = spawnSync(
    process.execPath,
    [
      vitestBin,
      'run',
      '--root',
      dir,
      '--config',
      join(dir, 'vitest.config.mts'),
      '--reporter=json',
      `--outputFile=${out}`,
      ...files,
    ],
    { cwd: dir, env: childEnv, encoding: 'utf8', timeout: 120_000 },
  );
  let tests: ChildTestResult[] = [];
  try {
    const report = JSON.parse(readFileSync(out, 'utf8')) as { testResults: { assertionResults: ChildTestResult[] }[] };
    tests = report.testResults.flatMap((f) => f.assertionResults);
  } catch {
    // no report: the caller sees the output
  }
  return { status: r.status, output: `${r.stdout}\n${r.stderr}`, tests };
}
