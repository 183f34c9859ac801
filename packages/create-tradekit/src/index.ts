/**
 * create-tradekit: starts a TradeKit test project from a template —
 * `npm create tradekit@latest my-tests -- --template integration|load|backtest`.
 * @packageDocumentation
 */
export { type CreateErrorCode, CreateError } from './errors.js';
export { type TemplateInfo, type TemplateName, TEMPLATES, findTemplate } from './templates.js';
export { type ScaffoldOptions, type ScaffoldResult, scaffold, packageName, defaultTemplatesDir } from './scaffold.js';
export { promptTemplate } from './prompt.js';
export {
  type CliIo,
  type InputStream,
  type OutputStream,
  runCreate,
  EXIT_OK,
  EXIT_USAGE,
  EXIT_INTERNAL,
} from './cli.js';
