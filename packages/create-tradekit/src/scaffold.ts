import { cpSync, existsSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateError } from './errors.js';
import { LOCAL_MANIFEST, TEMPLATES, type TemplateName, findTemplate } from './templates.js';

/** Options of {@link scaffold}. */
export interface ScaffoldOptions {
  /** Which template. */
  template: TemplateName;
  /** Folder to create the project in; created if missing, must be empty if present. */
  directory: string;
  /** The project's package name. @default the folder's name */
  name?: string;
  /** Where the built templates are. @default the `templates/` folder shipped beside this file */
  templatesDir?: string;
}

/** What {@link scaffold} made. */
export interface ScaffoldResult {
  /** Absolute path of the project. */
  directory: string;
  /** The project's package name. */
  name: string;
  /** Files written, relative to the project, sorted. */
  files: string[];
}

/** The templates shipped with the package (dist/templates). */
export function defaultTemplatesDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), 'templates');
}

// npm leaves `.gitignore` out of published tarballs, and dot-folders are easy to lose: the
// templates store them under these names and the project gets the real ones.
const RENAMES: Record<string, string> = { gitignore: '.gitignore', _github: '.github' };

/**
 * Creates a project from a template: copies it into `directory`, names the package, and restores
 * `.gitignore` and `.github/`. Throws `CreateError` (`CREATE_TEMPLATE_UNKNOWN`,
 * `CREATE_TARGET_NOT_EMPTY`, `CREATE_TARGET_INVALID`, `CREATE_TEMPLATE_MISSING`).
 *
 * @example
 * const { files } = scaffold({ template: 'load', directory: 'my-load-tests' });
 */
export function scaffold(options: ScaffoldOptions): ScaffoldResult {
  const info = findTemplate(options.template);
  if (!info) {
    throw new CreateError(
      'CREATE_TEMPLATE_UNKNOWN',
      `Expected --template to be one of ${TEMPLATES.map((t) => t.name).join(', ')}, got "${String(options.template)}".`,
      { value: options.template },
    );
  }
  const directory = resolve(options.directory);
  if (existsSync(directory)) {
    if (!statSync(directory).isDirectory())
      throw new CreateError('CREATE_TARGET_INVALID', `Expected ${directory} to be a folder, got a file.`, {
        value: directory,
      });
    const present = readdirSync(directory).filter((f) => f !== '.git' && f !== '.DS_Store');
    if (present.length > 0) {
      throw new CreateError(
        'CREATE_TARGET_NOT_EMPTY',
        `Expected ${directory} to be empty or missing, got ${present.length} entries (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''}). Choose a new folder name.`,
        { value: directory },
      );
    }
  }
  const name = options.name ?? packageName(basename(directory));
  const source = join(options.templatesDir ?? defaultTemplatesDir(), info.name);
  if (!existsSync(join(source, 'package.json'))) {
    throw new CreateError(
      'CREATE_TEMPLATE_MISSING',
      `Expected the ${info.name} template at ${source}, found nothing: this copy of create-tradekit was built without it. Reinstall create-tradekit.`,
      { value: source },
    );
  }
  cpSync(source, directory, { recursive: true });
  const renames: [string, string][] = [
    ...Object.entries(RENAMES),
    ...info.localPackages.map((local): [string, string] => [join(local, LOCAL_MANIFEST), join(local, 'package.json')]),
  ];
  for (const [from, to] of renames) {
    if (existsSync(join(directory, from))) renameSync(join(directory, from), join(directory, to));
  }
  const manifestFile = join(directory, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  manifest.name = name;
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  const readme = join(directory, 'README.md');
  if (existsSync(readme)) writeFileSync(readme, readFileSync(readme, 'utf8').replaceAll('{{name}}', name));
  return { directory, name, files: listFiles(directory) };
}

/** A valid npm package name made from a folder name (`My Tests` → `my-tests`). */
export function packageName(folder: string): string {
  const n = folder
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+|-+$/g, '');
  return n || 'tradekit-tests';
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}
