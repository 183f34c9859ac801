#!/usr/bin/env node
import { EXIT_INTERNAL, EXIT_OK, isClosedPipeError, runCli } from './program.js';

// A reader that closes early (`tradekit sim | head -1`) ends the CLI quietly with 0: no stack trace.
process.stdout.on('error', (err) => {
  if (isClosedPipeError(err)) process.exit(EXIT_OK);
});
process.stderr.on('error', () => {});

/**
 * Sets the exit code and lets Node exit on its own, which flushes every stream and file. If a
 * handle a command left open (a socket, a timer) still holds the process 2 s later, exits anyway
 * (after stdout and stderr drained), so `--duration` always ends the CLI.
 */
function finish(code: number): void {
  process.exitCode = code;
  setTimeout(() => {
    const pending = [process.stdout, process.stderr].filter((s) => s.writableLength > 0);
    let left = pending.length;
    if (left === 0) process.exit(code);
    for (const s of pending) {
      s.once('drain', () => {
        if (--left === 0) process.exit(code);
      });
    }
  }, 2000).unref();
}

runCli(process.argv.slice(2)).then(finish, (err: unknown) => {
  process.stderr.write(
    `tradekit: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  finish(EXIT_INTERNAL);
});
