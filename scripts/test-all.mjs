#!/usr/bin/env node
// The one test command (README, CI): build every package, run every suite (unit, packaging,
// release through Verdaccio), and end with one line `N passed, N failed` (totals of all tests).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, ensurePnpm, installDependencies } from './setup.mjs';

const env = { ...ensurePnpm(), TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', FORCE_COLOR: '0' };
const tmp = join(ROOT, '.tmp');
mkdirSync(tmp, { recursive: true });
const summaryFile = join(tmp, 'test-summary.txt');
rmSync(summaryFile, { force: true });

function run(cmd, args) {
  console.log(`\n[test-all] ${cmd} ${args.join(' ')}`);
  return spawnSync(cmd, args, { cwd: ROOT, env, stdio: 'inherit' }).status ?? 1;
}

function finish(passed, failed, note, skipped = 0) {
  const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
  writeFileSync(summaryFile, `${line}\n`);
  if (note) console.log(`[test-all] ${note}`);
  console.log(line);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

installDependencies(env);

// A build failure fails everything that depends on it; count it as one failed check.
if (run('pnpm', ['run', 'build']) !== 0) finish(0, 1, 'build failed');

const report = join(tmp, 'vitest-report.json');
rmSync(report, { force: true });
const vitestStatus = run('pnpm', [
  'exec',
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
]);
if (!existsSync(report)) finish(0, 1, `vitest exited with ${vitestStatus} and wrote no report`);
const result = JSON.parse(readFileSync(report, 'utf8'));
let failed = result.numFailedTests;
// A file that fails to load (syntax error, failed import) has no tests to count: count it as failed.
const brokenFiles = result.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0);
for (const f of brokenFiles) console.log(`[test-all] test file failed to run: ${f.name}\n${f.message}`);
failed += brokenFiles.length;
if (vitestStatus !== 0 && failed === 0) failed = 1;
finish(result.numPassedTests, failed, undefined, result.numPendingTests + result.numTodoTests);
