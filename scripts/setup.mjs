#!/usr/bin/env node
// Sets up a fresh clone with only Node and npm: installs the pinned pnpm (globally, or into
// .tmp/pnpm when the global prefix is not writable) and the workspace's dependencies.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const pinned = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).packageManager.split('@')[1];

function pnpmVersion(env) {
  const r = spawnSync('pnpm', ['--version'], { env, encoding: 'utf8', shell: process.platform === 'win32' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Makes sure the pinned pnpm is on PATH; returns the environment to run it with. */
export function ensurePnpm() {
  const local = join(ROOT, '.tmp', 'pnpm');
  const env = { ...process.env, PATH: `${join(local, 'bin')}${delimiter}${process.env.PATH}` };
  if (pnpmVersion(env) === pinned) return env;
  console.log(`[setup] installing pnpm@${pinned}`);
  const global = spawnSync('npm', ['install', '-g', `pnpm@${pinned}`, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (global.status === 0 && pnpmVersion(process.env) === pinned) return env;
  console.log('[setup] global install not possible here; installing pnpm into .tmp/pnpm');
  execFileSync('npm', ['install', '--prefix', local, '-g', `pnpm@${pinned}`, '--no-audit', '--no-fund'], {
    stdio: 'inherit',
  });
  if (pnpmVersion(env) !== pinned) throw new Error(`could not install pnpm@${pinned}`);
  return env;
}

/** Installs the workspace's dependencies exactly as locked. */
export function installDependencies(env) {
  const args = ['install', '--frozen-lockfile'];
  if (!existsSync(join(ROOT, 'pnpm-lock.yaml'))) args.pop();
  execFileSync('pnpm', args, { cwd: ROOT, env, stdio: 'inherit' });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const env = ensurePnpm();
  installDependencies(env);
  console.log('[setup] done');
}
