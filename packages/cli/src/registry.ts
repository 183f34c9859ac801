/**
 * The subcommand registry. A TradeKit package plugs a command into the `tradekit` binary by
 * adding a {@link TradekitCommand} to `commands/index.ts`; the program builds itself from the list.
 */
import type { Command } from 'commander';

/** Exit code 0: the command ran and everything it checked passed. */
export const EXIT_OK = 0;
/** Exit code 1: the command ran, but what it checked failed (a threshold, a data check, a parity mismatch). */
export const EXIT_FAILURE = 1;
/**
 * Exit code 2: usage or input error — an unknown or invalid option or value, an invalid config,
 * script or data file, a missing or unwritable path. A `TradeKitError` thrown by a command ends
 * with this code.
 */
export const EXIT_USAGE = 2;
/** Exit code 3: an unexpected internal error (a bug: any error that is not a `TradeKitError`). */
export const EXIT_INTERNAL = 3;

/** Where a command writes, so tests can capture its output. */
export interface CommandIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /**
   * Sets the exit code the command ends with when it returns normally: {@link EXIT_FAILURE} when
   * a check failed (e.g. a load-test threshold), {@link EXIT_USAGE} for a usage problem it reports
   * itself. A code set before a `TradeKitError` is thrown is kept.
   */
  setExitCode(code: number): void;
  /**
   * Aborted when the command should stop early: its stdout was closed (`tradekit … | head -1`).
   * Long-running commands (servers, pacing) listen to it and return; the CLI then exits 0 quietly.
   */
  signal: AbortSignal;
}

/** One `tradekit <name>` subcommand. */
export interface TradekitCommand {
  /** The subcommand's name, e.g. `sim`. */
  name: string;
  /** One line for `tradekit --help`. */
  summary: string;
  /**
   * Adds arguments, options and the action to `command` (already named and described).
   * Bad input: throw a `TradeKitError` (exit 2). A failed check: `io.setExitCode(EXIT_FAILURE)`.
   * Anything else thrown is reported as an internal error (exit 3).
   */
  configure(command: Command, io: CommandIO): void;
}

/** Collects commands by name; rejects duplicates. */
export class CommandRegistry {
  private readonly byName = new Map<string, TradekitCommand>();

  /** Adds a command. Throws when the name is taken. */
  add(command: TradekitCommand): this {
    if (this.byName.has(command.name)) {
      throw new Error(`A tradekit command named "${command.name}" is registered already.`);
    }
    this.byName.set(command.name, command);
    return this;
  }

  /** The commands in registration order. */
  list(): TradekitCommand[] {
    return [...this.byName.values()];
  }

  /** A command by name. */
  get(name: string): TradekitCommand | undefined {
    return this.byName.get(name);
  }
}
