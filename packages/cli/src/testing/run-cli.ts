/**
 * Runs `tradekit` in-process for the command tests: output goes to in-memory streams whose text
 * the test reads. Test-only (not part of the package's entry points).
 */
import { Writable } from 'node:stream';
import { runCli } from '../program.js';

/** An in-memory output stream and what was written to it. */
export interface Sink {
  /** The stream to hand to `runCli` (`isTTY` as asked; a TTY also has 100 columns). */
  stream: Writable & { isTTY: boolean; columns?: number };
  /** Everything written so far. */
  text(): string;
}

/** An in-memory output stream; `onText` sees the whole text after every write. */
export function sink(options: { tty?: boolean; onText?: (text: string) => void } = {}): Sink {
  let text = '';
  const stream = Object.assign(
    new Writable({
      write(chunk, _enc, cb) {
        text += chunk.toString();
        options.onText?.(text);
        cb();
      },
    }),
    options.tty ? { isTTY: true, columns: 100 } : { isTTY: false },
  );
  return { stream, text: () => text };
}

/** What a finished in-process run gave. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tradekit <args>` in-process to the end (stdout and stderr a TTY when `tty`). */
export async function cli(args: string[], options: { tty?: boolean } = {}): Promise<CliResult> {
  const out = sink(options);
  const err = sink(options);
  const code = await runCli(args, { stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

/** A command started in-process that serves until it stops (see {@link start}). */
export interface Started {
  /** Resolves with the exit code when the command ends. */
  code: Promise<number>;
  out: Sink & {
    /**
     * Resolves with the address of the command's `listening on <url>` line; rejects, with what
     * the command wrote, if it exits without printing one.
     */
    url: Promise<string>;
  };
  err: Sink;
}

/** Starts a serving command (`ws-serve`, `ws-proxy`, `venue`...) in-process without waiting for it to end. */
export function start(args: string[]): Started {
  let found: (url: string) => void = () => {};
  const printed = new Promise<string>((resolve) => {
    found = resolve;
  });
  const out = sink({
    onText: (text) => {
      const m = /listening on (\S+)/.exec(text);
      if (m) found(m[1] as string);
    },
  });
  const err = sink();
  const code = runCli(args, { stdout: out.stream, stderr: err.stream });
  const exited = code.then((c) => {
    throw new Error(
      `tradekit ${args.join(' ')} exited ${c} without printing "listening on <url>"; stdout: ${JSON.stringify(out.text())}, stderr: ${JSON.stringify(err.text())}`,
    );
  });
  const url = Promise.race([printed, exited]);
  // A test that expects the command to fail never awaits `url`: that rejection is not unhandled.
  url.catch(() => {});
  return { code, out: { ...out, url }, err };
}
