#!/usr/bin/env node
// The demo a new user runs on a fresh machine: set up, build, and show the `tradekit` CLI.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, ensurePnpm, installDependencies } from './setup.mjs';

const env = { ...ensurePnpm(), TURBO_TELEMETRY_DISABLED: '1' };
installDependencies(env);
execFileSync('pnpm', ['run', 'build'], { cwd: ROOT, env, stdio: 'inherit' });
execFileSync(process.execPath, [join(ROOT, 'packages', 'cli', 'dist', 'bin.js'), '--help'], { stdio: 'inherit' });
