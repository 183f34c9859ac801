#!/usr/bin/env node
// Regenerates tests/repo/goldens.json (the determinism hashes) after an intended change of output:
// `node scripts/update-goldens.mjs`. Review the diff and say in the commit why the output changed.
import { spawnSync } from 'node:child_process';
import { ROOT } from './setup.mjs';

const r = spawnSync('pnpm', ['exec', 'vitest', 'run', '--project', 'unit', 'tests/repo/goldens.test.ts'], {
  cwd: ROOT,
  env: { ...process.env, UPDATE_GOLDENS: '1' },
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
