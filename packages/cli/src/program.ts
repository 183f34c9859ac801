import { isTradeKitError } from '@tradekit/types';
import { Command, CommanderError } from 'commander';
import { builtinCommands } from './commands/index.js';
import {
  type CommandIO,
  CommandRegistry,
  EXIT_FAILURE,
  EXIT_INTERNAL,
  EXIT_OK,
  EXIT_USAGE,
  type TradekitCommand,
} from './registry.js';
import { VERSION } from './version.js';

export { EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERNAL };

/** Options for {@link runCli}. */
export interface RunCliOptions {
  stdout?: CommandIO['stdout'];
  stderr?: CommandIO['stderr'];
  /** Extra commands on top of the built-in ones. */
  commands?: TradekitCommand[];
}

/** Builds the commander program from the registry. */
export function createProgram(registry: CommandRegistry, io: CommandIO): Command {
  const program = new Command('tradekit')
    .description(
      'TradeKit: synthetic markets, a simulated exchange, replay and WebSocket testing for trading software.',
    )
    .version(VERSION, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run `tradekit --help` for the list of commands)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  program.addHelpText(
    'after',
    '\nRun `tradekit <command> --help` for the options of one command.\nExit codes: 0 ok, 1 a check or threshold failed, 2 usage or input error, 3 internal error; a closed stdout (| head) ends quietly with 0.',
  );
  for (const def of registry.list()) {
    const sub = program.command(def.name).description(def.summary);
    def.configure(sub, io);
  }
  return program;
}

/** Errors a write to a reader that went away raises: not a failure of the command. */
export function isClosedPipeError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_WRITE_AFTER_END';
}

/**
 * Runs the `tradekit` command line and resolves to its exit code, one table for every command:
 * 0 ok; 1 a check failed (threshold, data check, parity); 2 usage or input error (bad option or
 * value, invalid config / script / data file, missing path: every `TradeKitError`); 3 internal
 * error. When stdout is closed early (`| head -1`), the command is told to stop (`io.signal`) and
 * this resolves 0 with nothing printed. Never calls `process.exit`, so tests can run it in-process.
 */
export async function runCli(argv: string[], options: RunCliOptions = {}): Promise<number> {
  let exitCode: number = EXIT_OK;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const stop = new AbortController();
  const onStdoutError = (err: unknown) => {
    // Only a reader that went away is expected; anything else is reported when the command ends.
    if (isClosedPipeError(err)) stop.abort();
  };
  const onStderrError = () => {};
  stdout.on('error', onStdoutError);
  stderr.on('error', onStderrError);
  const io: CommandIO = {
    stdout,
    stderr,
    setExitCode: (code) => {
      exitCode = code;
    },
    signal: stop.signal,
  };
  try {
    const registry = new CommandRegistry();
    for (const c of [...builtinCommands, ...(options.commands ?? [])]) registry.add(c);
    const program = createProgram(registry, io);
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return EXIT_USAGE;
    }
    const finished = program.parseAsync(argv, { from: 'user' }).then(
      () => exitCode,
      (err: unknown) => (stop.signal.aborted || isClosedPipeError(err) ? EXIT_OK : report(err, io, exitCode)),
    );
    const closed = new Promise<number>((resolve) => {
      if (stop.signal.aborted) resolve(EXIT_OK);
      stop.signal.addEventListener('abort', () => resolve(EXIT_OK), { once: true });
    });
    const code = await Promise.race([finished, closed]);
    return stop.signal.aborted ? EXIT_OK : code;
  } finally {
    stdout.off('error', onStdoutError);
    stderr.off('error', onStderrError);
  }
}

/** Prints a command's error and picks its exit code from the table. */
function report(err: unknown, io: CommandIO, setCode: number): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return EXIT_OK;
    }
    return EXIT_USAGE; // commander printed the message already
  }
  if (isTradeKitError(err)) {
    io.stderr.write(`tradekit: error [${err.code}]: ${err.message}\n`);
    return setCode !== EXIT_OK ? setCode : EXIT_USAGE;
  }
  io.stderr.write(
    `tradekit: internal error (a bug: please report it with the command line): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  return EXIT_INTERNAL;
}
