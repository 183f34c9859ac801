#!/usr/bin/env node
// The first run, on a fresh clone with only Node and npm (`npm run demo`): installs pnpm and the
// dependencies (scripts/setup.mjs), builds the packages it uses, then runs scripts/demo-run.ts on the
// built packages — a venue on 127.0.0.1, the trading cycle through the sample client
// (apps/sample-client), a short backtest with its HTML report — and prints what ran, the fills,
// the PnL and where the report is. Exit 0 when every step worked, 1 otherwise.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, ensurePnpm, installDependencies } from './setup.mjs';

const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(0);
const step = (text) => console.log(`\n[demo] ${text} (${seconds()} s)`);

step('installing (pnpm and the locked dependencies)');
const env = { ...ensurePnpm(), TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
installDependencies(env);

// Only what the demo runs on: the venue, the backtest and the packages they depend on (turbo's
// `<pkg>...` filter); `pnpm build` builds the rest.
step('building the venue, the backtest and their dependencies (turbo; cached after the first run)');
const build = spawnSync(
  'pnpm',
  [
    'exec',
    'turbo',
    'run',
    'build',
    '--filter=@tradekit/venue...',
    '--filter=@tradekit/backtest...',
    '--output-logs=errors-only',
  ],
  { cwd: ROOT, env, stdio: 'inherit' },
);
if (build.status !== 0) {
  console.error('[demo] the build failed: see the errors above');
  process.exit(1);
}

step('running the demo on the built packages');
const run = spawnSync(
  process.execPath,
  ['--import', 'tsx', join(ROOT, 'scripts', 'demo-run.ts'), join(ROOT, '.tmp', 'demo')],
  { cwd: ROOT, env, stdio: 'inherit' },
);
if (run.status !== 0) {
  console.error(`[demo] the demo failed (exit ${run.status ?? run.signal}): see the errors above`);
  process.exit(1);
}
console.log(`[demo] total ${seconds()} s, install and build included`);
