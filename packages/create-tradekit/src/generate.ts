import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateError } from './errors.js';
import { LOCAL_MANIFEST, type TemplateInfo } from './templates.js';

/** Where {@link generateTemplate} reads from: the TradeKit repository. */
export interface GenerateSources {
  /** The repository root (holds `apps/` and `packages/`). */
  root: string;
  /** Template-own files (README, workflow, standalone configs): `<overlays>/_common` and `<overlays>/<template>`. */
  overlays: string;
}

type Manifest = Record<string, unknown> & {
  name: string;
  version: string;
  private?: boolean;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

const SKIP = new Set(['node_modules', 'reports', 'dist', '.turbo', '.tmp']);

/** Versions of the repository's published packages, by name. */
export function publishedVersions(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of readdirSync(join(root, 'packages'))) {
    const file = join(root, 'packages', dir, 'package.json');
    if (!existsSync(file)) continue;
    const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (!m.private) out.set(m.name, m.version);
  }
  return out;
}

/**
 * The manifest a project gets from an app's: the same scripts and dependencies, with
 * `workspace:` ranges turned into `^<version>` of the published package (or `file:./<dir>` for an
 * app the template carries), named `{{name}}` until scaffolded.
 */
export function templateManifest(
  app: Manifest,
  versions: Map<string, string>,
  localPackages: readonly string[],
  name = '{{name}}',
): Manifest {
  const map = (deps: Record<string, string> | undefined) => {
    if (!deps) return undefined;
    const out: Record<string, string> = {};
    for (const [dep, range] of Object.entries(deps)) {
      if (!range.startsWith('workspace:')) {
        out[dep] = range;
        continue;
      }
      const version = versions.get(dep);
      if (version) out[dep] = `^${version}`;
      else if (localPackages.includes(dep)) out[dep] = `file:./${dep}`;
      else
        throw new CreateError(
          'CREATE_TEMPLATE_MISSING',
          `Expected ${app.name}'s dependency ${dep} (${range}) to be a published package or one the template carries, got neither.`,
          { value: dep },
        );
    }
    return out;
  };
  const out: Manifest = {
    name,
    version: '0.1.0',
    private: true,
    description: (app.description as string | undefined) ?? '',
    license: 'MIT',
    type: 'module',
    engines: { node: '>=20.19' },
  };
  if (app.exports) out.exports = app.exports;
  if (app.scripts) out.scripts = { ...app.scripts };
  const deps = map(app.dependencies);
  const dev = map(app.devDependencies);
  if (deps) out.dependencies = deps;
  if (dev) out.devDependencies = dev;
  return out;
}

/**
 * Tools an app gets from the repository root (vitest, tsx, TypeScript, Node's types) that a
 * project on its own must declare: vitest and @types/node always (the tests, the standalone
 * tsconfig), tsx and typescript when a script uses them. Versions are the root's.
 */
export function toolDependencies(app: Manifest, rootManifest: Manifest): Record<string, string> {
  const root = rootManifest.devDependencies ?? {};
  const scripts = Object.values(app.scripts ?? {}).join(' ');
  const wanted = ['vitest', '@types/node'];
  if (/\btsx\b/.test(scripts)) wanted.push('tsx');
  if (/\btsc\b/.test(scripts)) wanted.push('typescript');
  const out: Record<string, string> = {};
  const declared = { ...app.dependencies, ...app.devDependencies };
  for (const name of wanted) {
    if (declared[name] !== undefined) continue;
    const range = root[name];
    if (range === undefined)
      throw new CreateError(
        'CREATE_TEMPLATE_MISSING',
        `Expected the repository root to declare ${name}, got nothing.`,
        {
          value: name,
        },
      );
    out[name] = range;
  }
  return out;
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

function copyTree(from: string, to: string): void {
  cpSync(from, to, {
    recursive: true,
    filter: (src) => !SKIP.has(src.slice(src.lastIndexOf('/') + 1)),
  });
}

/**
 * Writes the template made from `apps/<info.app>` into `out`: the app's `include` folders as they
 * are, its manifest through {@link templateManifest}, each local package (its sources and
 * manifest), then the overlays (`_common`, then the template's own), which win.
 */
export function generateTemplate(info: TemplateInfo, sources: GenerateSources, out: string): void {
  const appDir = join(sources.root, 'apps', info.app);
  if (!existsSync(join(appDir, 'package.json'))) {
    throw new CreateError(
      'CREATE_TEMPLATE_MISSING',
      `Expected the app apps/${info.app} for the ${info.name} template, found nothing.`,
      { value: appDir },
    );
  }
  const versions = publishedVersions(sources.root);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const dir of info.include) {
    if (existsSync(join(appDir, dir))) copyTree(join(appDir, dir), join(out, dir));
  }
  const app = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as Manifest;
  const rootManifest = JSON.parse(readFileSync(join(sources.root, 'package.json'), 'utf8')) as Manifest;
  const manifest = templateManifest(app, versions, info.localPackages);
  const tools = toolDependencies(app, rootManifest);
  if (Object.keys(tools).length > 0) manifest.devDependencies = sortKeys({ ...manifest.devDependencies, ...tools });
  // Local packages (the system under test) are npm workspaces of the project: their own
  // dependencies install with the project's.
  if (info.localPackages.length > 0) manifest.workspaces = [...info.localPackages];
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const local of info.localPackages) {
    const dir = join(sources.root, 'apps', local);
    const m = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    copyTree(join(dir, 'src'), join(out, local, 'src'));
    // The local package keeps its name (the tests import it by name) and only what it needs to run.
    const lm = templateManifest(m, versions, [], m.name);
    lm.devDependencies = undefined;
    lm.scripts = undefined;
    // Stored as `_package.json`: a nested package.json inside the published package is linted
    // (publint) and read by tools as if it were a package; scaffold() renames it back.
    writeFileSync(join(out, local, LOCAL_MANIFEST), `${JSON.stringify(lm, null, 2)}\n`);
  }
  for (const overlay of ['_common', info.name]) {
    const dir = join(sources.overlays, overlay);
    if (existsSync(dir)) copyTree(dir, out);
  }
}
