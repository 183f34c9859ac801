#!/usr/bin/env node
import { EXIT_INTERNAL, EXIT_OK, isClosedPipeError, runCli } from './program.js';

// A reader that closes early (`tradekit sim | head -1`) ends the CLI quietly with 0: no stack trace.
process.stdout.on('error', (err) => {
  if (isClosedPipeError(err)) process.exit(EXIT_OK);
});
process.stderr.on('error', () => {});

/** Exits once stdout and stderr are flushed, so nothing a command left open keeps the CLI alive. */
function finish(code: number): void {
  process.exitCode = code;
  const pending = [process.stdout, process.stderr].filter((s) => s.writableLength > 0);
  if (pending.length === 0) {
    process.exit(code);
    return;
  }
  let left = pending.length;
  for (const s of pending) {
    s.once('drain', () => {
      if (--left === 0) process.exit(code);
    });
  }
}

runCli(process.argv.slice(2)).then(finish, (err: unknown) => {
  process.stderr.write(
    `tradekit: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  finish(EXIT_INTERNAL);
});
