/**
 * The subcommand registry. A TradeKit package plugs a command into the `tradekit` binary by
 * adding a {@link TradekitCommand} to `commands/index.ts`; the program builds itself from the list.
 */
import type { Command } from 'commander';

/** Where a command writes, so tests can capture its output. */
export interface CommandIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Sets the process exit code the command ends with (e.g. 1 when a load-test threshold fails). */
  setExitCode(code: number): void;
}

/** One `tradekit <name>` subcommand. */
export interface TradekitCommand {
  /** The subcommand's name, e.g. `sim`. */
  name: string;
  /** One line for `tradekit --help`. */
  summary: string;
  /**
   * Adds arguments, options and the action to `command` (already named and described).
   * The action may return an exit code; throwing a `TradeKitError` prints its message and exits 1.
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
