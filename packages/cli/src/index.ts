/**
 * @tradekit/cli: the `tradekit` command line, usable in-process through {@link runCli}.
 * @packageDocumentation
 */
export {
  runCli,
  createProgram,
  isClosedPipeError,
  EXIT_OK,
  EXIT_FAILURE,
  EXIT_USAGE,
  EXIT_INTERNAL,
  type RunCliOptions,
} from './program.js';
export { CommandRegistry, type TradekitCommand, type CommandIO } from './registry.js';
export { builtinCommands } from './commands/index.js';
export { VERSION } from './version.js';
