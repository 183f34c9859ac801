#!/usr/bin/env node
// The one test command (README, CI): build every package, run every suite (unit, packaging,
// release through Verdaccio) on this Node (the floor, 20) and again on Node 24 (from the npm
// package node-<platform>-<arch>@24, cached in .tmp/node24), print the determinism golden hashes
// of both runs side by side, and end with one line `N passed, N failed` (totals of both runs).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ROOT, ensurePnpm, installDependencies } from './setup.mjs';

const SECOND_NODE_MAJOR = 24;
const env = { ...ensurePnpm(), TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', FORCE_COLOR: '0' };
const tmp = join(ROOT, '.tmp');
mkdirSync(tmp, { recursive: true });
const summaryFile = join(tmp, 'test-summary.txt');
rmSync(summaryFile, { force: true });
const started = Date.now();
const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;

function run(cmd, args, runEnv = env) {
  console.log(`\n[test-all] ${cmd} ${args.join(' ')}`);
  return spawnSync(cmd, args, { cwd: ROOT, env: runEnv, stdio: 'inherit' }).status ?? 1;
}

function finish(passed, failed, note, skipped = 0) {
  const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
  writeFileSync(summaryFile, `${line}\n`);
  if (note) console.log(`[test-all] ${note}`);
  console.log(line);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

/** The path of a Node `major` binary: cached in .tmp/node<major>, else unpacked from npm. */
function ensureNode(major) {
  const dir = join(tmp, `node${major}`);
  const bin = join(dir, 'package', 'bin', 'node');
  const version = () => {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : '';
  };
  if (existsSync(bin) && version().startsWith(`v${major}.`)) return bin;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const spec = `node-${process.platform}-${process.arch}@${major}`;
  console.log(`[test-all] installing Node ${major} from the npm package ${spec}`);
  const packed = JSON.parse(
    execFileSync('npm', ['pack', spec, '--json', '--pack-destination', dir], { env, encoding: 'utf8' }),
  );
  const tgz = join(dir, packed[0].filename);
  execFileSync('tar', ['-xzf', tgz, '-C', dir, 'package/bin/node'], { stdio: 'inherit' });
  rmSync(tgz, { force: true });
  if (!version().startsWith(`v${major}.`)) throw new Error(`${spec} did not give a working Node ${major} at ${bin}`);
  return bin;
}

/** Runs every vitest project with the `node` first on PATH; returns its counts. */
function suite(label, runEnv) {
  const report = join(tmp, `vitest-report-${label}.json`);
  rmSync(report, { force: true });
  const status = run(
    'pnpm',
    ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
    runEnv,
  );
  if (!existsSync(report)) {
    console.log(`[test-all] ${label}: vitest exited with ${status} and wrote no report`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  const result = JSON.parse(readFileSync(report, 'utf8'));
  let failed = result.numFailedTests;
  // A file that fails to load (syntax error, failed import) has no tests to count: count it as failed.
  const broken = result.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0);
  for (const f of broken) console.log(`[test-all] ${label}: test file failed to run: ${f.name}\n${f.message}`);
  failed += broken.length;
  if (status !== 0 && failed === 0) failed = 1;
  const counts = { passed: result.numPassedTests, failed, skipped: result.numPendingTests + result.numTodoTests };
  console.log(`[test-all] ${label}: ${counts.passed} passed, ${counts.failed} failed (after ${elapsed()})`);
  return counts;
}

/** Prints each golden's hash per Node version; a golden missing or different across them is a failure. */
function compareGoldens(versions) {
  const dir = join(tmp, 'goldens');
  const byVersion = versions.map((v) => {
    const file = join(dir, `node-${v}.json`);
    return { v, hashes: existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {} };
  });
  const names = [...new Set(byVersion.flatMap((r) => Object.keys(r.hashes)))].sort();
  let failed = 0;
  console.log(`\n[goldens] determinism hashes per Node version (${versions.map((v) => `node ${v}`).join(' vs ')})`);
  if (names.length === 0) {
    console.log('[goldens] no golden hashes were recorded');
    return 1;
  }
  for (const name of names) {
    const hashes = byVersion.map((r) => r.hashes[name]);
    const equal = hashes.every((h) => h && h === hashes[0]);
    if (!equal) failed++;
    console.log(
      `[goldens] ${name.padEnd(36)} ${byVersion.map((r, i) => `node ${r.v} ${hashes[i] ?? '(missing)'}`).join('  ')}  ${equal ? 'EQUAL' : 'DIFFERENT'}`,
    );
  }
  console.log(`[goldens] ${names.length - failed} of ${names.length} equal on every Node version`);
  return failed;
}

installDependencies(env);

// A build failure fails everything that depends on it; count it as one failed check.
if (run('pnpm', ['run', 'build']) !== 0) finish(0, 1, 'build failed');
console.log(`[test-all] built (after ${elapsed()})`);

rmSync(join(tmp, 'goldens'), { recursive: true, force: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
const add = (c) => {
  totals.passed += c.passed;
  totals.failed += c.failed;
  totals.skipped += c.skipped;
};
const versions = [process.versions.node];
console.log(`\n[test-all] === suite on Node ${process.versions.node} ===`);
add(suite(`node${process.versions.node.split('.')[0]}`, env));

let node2;
try {
  node2 = ensureNode(SECOND_NODE_MAJOR);
} catch (err) {
  console.log(`[test-all] could not install Node ${SECOND_NODE_MAJOR}: ${err.message}`);
  totals.failed++;
}
if (node2) {
  const v2 = execFileSync(node2, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
  versions.push(v2);
  console.log(`\n[test-all] === suite on Node ${v2} (${node2}) ===`);
  const env2 = { ...env, PATH: `${join(node2, '..')}${delimiter}${env.PATH}`, TRADEKIT_SECOND_NODE_RUN: '1' };
  add(suite(`node${SECOND_NODE_MAJOR}`, env2));
}
totals.failed += compareGoldens(versions);
console.log(`[test-all] total time ${elapsed()}`);
finish(totals.passed, totals.failed, undefined, totals.skipped);
