#!/usr/bin/env node
import { EXIT_INTERNAL, runCreate } from './cli.js';

runCreate(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`create-tradekit: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = EXIT_INTERNAL;
  },
);
