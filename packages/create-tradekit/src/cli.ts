import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateError } from './errors.js';
import { promptTemplate } from './prompt.js';
import { scaffold } from './scaffold.js';
import { TEMPLATES, type TemplateName } from './templates.js';

/** Exit code: the project was created (or help was shown). */
export const EXIT_OK = 0;
/** Exit code: a usage or input error (unknown option or template, no template off a terminal, folder not empty). */
export const EXIT_USAGE = 2;
/** Exit code: an unexpected internal error. */
export const EXIT_INTERNAL = 3;

/** A stream the command reads answers from (`process.stdin`); only a terminal may be prompted. */
export interface InputStream {
  isTTY?: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: the shape of Node's stream `on`, without Node's types
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/** A stream the command writes to (`process.stdout`, `process.stderr`). */
export interface OutputStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** Where {@link runCreate} reads and writes; a terminal decides whether it may prompt. */
export interface CliIo {
  stdin: InputStream;
  stdout: OutputStream;
  stderr: OutputStream;
  cwd: string;
  /** Where the built templates are (tests). @default the shipped ones */
  templatesDir?: string;
}

const HELP = `Usage: npm create tradekit@latest <folder> -- --template <name>
       create-tradekit <folder> --template <name>

Creates a TradeKit test project in <folder> (missing or empty).

Templates:
${TEMPLATES.map((t) => `  ${t.name.padEnd(12)} ${t.description}`).join('\n')}

Options:
  -t, --template <name>  the template (asked for on a terminal when omitted)
  -h, --help             this help

Exit codes: 0 created, 2 usage or input error, 3 internal error.
`;

/**
 * The `create-tradekit` command: parses arguments, asks for the template on a terminal when none
 * is given (and fails with exit 2 otherwise), scaffolds, prints the next steps. Resolves the exit code.
 */
export async function runCreate(argv: string[], io: CliIo): Promise<number> {
  let values: { template?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { template: { type: 'string', short: 't' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    io.stderr.write(`create-tradekit: ${(err as Error).message}\n\n${HELP}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout.write(HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 1) {
    io.stderr.write(
      `create-tradekit: expected one folder name, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}.\n  e.g. npm create tradekit@latest my-tests -- --template integration\n`,
    );
    return EXIT_USAGE;
  }
  const folder = positionals[0] as string;
  let template = values.template as TemplateName | undefined;
  if (template === undefined) {
    if (!io.stdin.isTTY || !io.stdout.isTTY) {
      io.stderr.write(
        `create-tradekit: expected --template (${TEMPLATES.map((t) => t.name).join(', ')}); none given and this is not a terminal to ask on.\n  e.g. npm create tradekit@latest ${folder} -- --template ${TEMPLATES[0]?.name}\n`,
      );
      return EXIT_USAGE;
    }
    template = await promptTemplate(io.stdin, io.stdout);
    if (template === undefined) {
      io.stderr.write('create-tradekit: no template chosen.\n');
      return EXIT_USAGE;
    }
  }
  try {
    const made = scaffold({
      template,
      directory: resolve(io.cwd, folder),
      ...(io.templatesDir ? { templatesDir: io.templatesDir } : {}),
    });
    const where = relative(io.cwd, made.directory) || '.';
    io.stdout.write(
      `Created ${made.name} (template ${template}, ${made.files.length} files) in ${where}\n\nNext:\n  cd ${where}\n  npm install\n  npm test\n\nThe project's README says what each test does; .github/workflows/ runs them on GitHub Actions.\n`,
    );
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CreateError) {
      io.stderr.write(`create-tradekit: ${err.message}\n`);
      return err.code === 'CREATE_TEMPLATE_MISSING' ? EXIT_INTERNAL : EXIT_USAGE;
    }
    throw err;
  }
}
