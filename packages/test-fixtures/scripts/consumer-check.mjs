#!/usr/bin/env node
// The published-package check: a user's project (test/consumer/) installs @tradekit/test-fixtures
// with vitest, outside the workspace, and runs `vitest run` and `tsc --noEmit` (strict,
// skipLibCheck false, NodeNext) so the matcher types are seen from the published .d.ts files.
//
//   node packages/test-fixtures/scripts/consumer-check.mjs [--keep]
// packs types, market-sim, order-sim, replay, ws-tester and test-fixtures with `pnpm pack`
// (build them first: pnpm --filter @tradekit/test-fixtures... build) into a temporary folder and
// installs the tarballs there with npm. The release test reuses `copyConsumerTemplate` and
// `verifyConsumer` on a project that installs the same packages from Verdaccio instead.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const packageDir = resolve(here, '..');
const repoRoot = resolve(packageDir, '../..');
export const TEMPLATE = join(packageDir, 'test', 'consumer');
export const PACKED = ['types', 'market-sim', 'order-sim', 'replay', 'ws-tester', 'test-fixtures'];

function run(cmd, args, cwd, env = {}) {
  // No colours: NO_COLOR set, and FORCE_COLOR removed (its mere presence, even as 0, turns them on).
  const base = { ...process.env };
  delete base.FORCE_COLOR;
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...base, npm_config_audit: 'false', npm_config_fund: 'false', NO_COLOR: '1', ...env },
    timeout: 600_000,
  });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, error: r.error };
}

/** Copies the consumer project (package.json, tsconfig.json, test/) into `dir`. */
export function copyConsumerTemplate(dir) {
  mkdirSync(dir, { recursive: true });
  for (const f of ['package.json', 'tsconfig.json', 'test'])
    cpSync(join(TEMPLATE, f), join(dir, f), { recursive: true });
}

/** Runs the project's test and typecheck; returns the failures (an empty list when both passed). */
export function verifyConsumer(dir) {
  const failures = [];
  const test = run('npx', ['--no-install', 'vitest', 'run'], dir);
  if (test.code !== 0 || !/Tests\s+2 passed/.test(test.out))
    failures.push(`vitest run (exit ${test.code}):\n${test.out}`);
  const tsc = run('npx', ['--no-install', 'tsc', '--noEmit'], dir);
  if (tsc.code !== 0) failures.push(`tsc --noEmit (exit ${tsc.code}):\n${tsc.out}`);
  return { failures, testOutput: test.out, tscOutput: tsc.out };
}

/** Packs the packages, installs the tarballs into a fresh project outside the workspace and verifies it. */
export function checkWithTarballs({ keep = false } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'tradekit-consumer-'));
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  try {
    for (const p of PACKED) {
      const dir = join(repoRoot, 'packages', p);
      if (!existsSync(join(dir, 'dist')))
        throw new Error(`${p} is not built: run pnpm --filter @tradekit/test-fixtures... build`);
      const r = run('pnpm', ['pack', '--pack-destination', tarballs], dir);
      if (r.code !== 0) throw new Error(`pnpm pack in packages/${p} failed:\n${r.out}`);
    }
    const files = readdirSync(tarballs)
      .filter((f) => f.endsWith('.tgz'))
      .map((f) => join(tarballs, f));
    if (files.length !== PACKED.length) throw new Error(`expected ${PACKED.length} tarballs, got ${files.join(', ')}`);
    const project = join(work, 'project');
    copyConsumerTemplate(project);
    const install = run('npm', ['install', '--save-dev', '--no-audit', '--no-fund', ...files], project);
    if (install.code !== 0) throw new Error(`npm install failed:\n${install.out}`);
    const result = verifyConsumer(project);
    return { work, project, tarballs: files, ...result };
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const keep = process.argv.includes('--keep');
  const r = checkWithTarballs({ keep });
  console.log(r.testOutput.trim().split('\n').slice(-6).join('\n'));
  if (r.failures.length > 0) {
    console.error(`consumer check FAILED in ${r.project}:\n${r.failures.join('\n\n')}`);
    process.exit(1);
  }
  console.log(
    `consumer check passed: vitest run and tsc --noEmit in ${keep ? r.project : 'a temporary project'} (${r.tarballs.length} tarballs)`,
  );
}
