import { Command, CommanderError } from 'commander';
import { isTradeKitError } from '@tradekit/types';
import { builtinCommands } from './commands/index.js';
import { CommandRegistry, type CommandIO, type TradekitCommand } from './registry.js';
import { VERSION } from './version.js';

/** Exit code for a bad command line (unknown command or option, missing or invalid argument). */
export const EXIT_USAGE = 2;
/** Exit code for a command that ran and failed (bad input data, failed thresholds…). */
export const EXIT_FAILURE = 1;

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
  program.addHelpText('after', '\nRun `tradekit <command> --help` for the options of one command.');
  for (const def of registry.list()) {
    const sub = program.command(def.name).description(def.summary);
    def.configure(sub, io);
  }
  return program;
}

/**
 * Runs the `tradekit` command line and resolves to its exit code (0 ok, 1 failure, 2 usage).
 * Never calls `process.exit`, so tests can run it in-process.
 */
export async function runCli(argv: string[], options: RunCliOptions = {}): Promise<number> {
  let exitCode = 0;
  const io: CommandIO = {
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  const registry = new CommandRegistry();
  for (const c of [...builtinCommands, ...(options.commands ?? [])]) registry.add(c);
  const program = createProgram(registry, io);
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return 0;
      }
      return EXIT_USAGE;
    }
    if (isTradeKitError(err)) {
      io.stderr.write(`tradekit: error [${err.code}]: ${err.message}\n`);
      return exitCode || EXIT_FAILURE;
    }
    io.stderr.write(`tradekit: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT_FAILURE;
  }
}
