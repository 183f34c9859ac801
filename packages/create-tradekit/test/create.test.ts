import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTemplate, publishedVersions, toolDependencies } from '../src/generate.js';
import { CreateError, EXIT_OK, EXIT_USAGE, TEMPLATES, runCreate, scaffold } from '../src/index.js';

const PKG = fileURLToPath(new URL('..', import.meta.url));
const ROOT = join(PKG, '..', '..');
const OVERLAYS = join(PKG, 'overlays');
const tmp = mkdtempSync(join(tmpdir(), 'create-tradekit-'));
const built = join(tmp, 'templates');
/** Templates whose app is in this checkout (all of them once every app has landed). */
const present = TEMPLATES.filter((t) => existsSync(join(ROOT, 'apps', t.app, 'package.json')));

beforeAll(() => {
  for (const t of present) generateTemplate(t, { root: ROOT, overlays: OVERLAYS }, join(built, t.name));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'reports') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** A stream that says it is (or is not) a terminal. */
function stream(tty: boolean) {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean };
  s.isTTY = tty;
  let text = '';
  s.on('data', (d) => (text += d));
  return { s, text: () => text };
}

describe('templates are generated from the apps', () => {
  it('every template has its app in this repository', () => {
    expect(present.map((t) => t.name)).toEqual(TEMPLATES.map((t) => t.name));
  });

  it.each(present)("$name: the app's source and test files, byte for byte", (t) => {
    const app = join(ROOT, 'apps', t.app);
    let compared = 0;
    for (const dir of t.include) {
      if (!existsSync(join(app, dir))) continue;
      for (const f of files(join(app, dir))) {
        const a = readFileSync(join(app, dir, f));
        const b = readFileSync(join(built, t.name, dir, f));
        expect(b.equals(a), `${dir}/${f} differs from apps/${t.app}/${dir}/${f}`).toBe(true);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(0);
    // And nothing in those folders that the app does not have.
    for (const dir of t.include) {
      if (!existsSync(join(built, t.name, dir))) continue;
      expect(files(join(built, t.name, dir))).toEqual(files(join(ROOT, 'apps', t.app, dir)));
    }
  });

  it.each(present)("$name: the app's scripts and dependencies, published versions for workspace ones", (t) => {
    const app = JSON.parse(readFileSync(join(ROOT, 'apps', t.app, 'package.json'), 'utf8'));
    const m = JSON.parse(readFileSync(join(built, t.name, 'package.json'), 'utf8'));
    const versions = publishedVersions(ROOT);
    const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const tools = toolDependencies(app, rootManifest);
    expect(m.scripts).toEqual(app.scripts);
    // The tools the app had from the repository root are declared, at the root's versions.
    expect(m.devDependencies.vitest ?? m.dependencies?.vitest).toBeDefined();
    for (const [name, range] of Object.entries(tools)) expect(m.devDependencies[name], name).toBe(range);
    for (const field of ['dependencies', 'devDependencies'] as const) {
      const own = Object.keys(m[field] ?? {}).filter((k) => field === 'dependencies' || !(k in tools));
      expect(own.sort(), field).toEqual(Object.keys(app[field] ?? {}).sort());
      for (const [dep, range] of Object.entries(app[field] ?? {}) as [string, string][]) {
        const want = !range.startsWith('workspace:')
          ? range
          : versions.has(dep)
            ? `^${versions.get(dep)}`
            : `file:./${dep}`;
        expect(m[field][dep], `${field} ${dep}`).toBe(want);
      }
    }
    expect(JSON.stringify(m)).not.toMatch(/workspace:/);
    for (const local of t.localPackages) expect(existsSync(join(built, t.name, local, '_package.json'))).toBe(true);
  });

  it.each(present)(
    '$name: a standalone config, a README and a CI workflow that runs the tests and uploads reports',
    (t) => {
      const dir = join(built, t.name);
      const tsconfig = readFileSync(join(dir, 'tsconfig.json'), 'utf8');
      expect(tsconfig).not.toMatch(/\.\.\/\.\.|paths/);
      expect(readFileSync(join(dir, 'vitest.config.ts'), 'utf8')).not.toMatch(/\.\.\/\.\./);
      expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/^# \{\{name\}\}/);
      expect(readFileSync(join(dir, 'gitignore'), 'utf8')).toMatch(/node_modules/);
      const wf = readFileSync(join(dir, '_github', 'workflows', 'test.yml'), 'utf8');
      expect(wf).toMatch(/npm install/);
      expect(wf).toMatch(/vitest run|npm test/);
      expect(wf).toMatch(/actions\/upload-artifact@v4[\s\S]*path: reports\//);
      // No file of the template reaches into the TradeKit repository.
      for (const f of files(dir)) {
        if (/\.(ts|json|ya?ml|md)$/.test(f))
          expect(readFileSync(join(dir, f), 'utf8'), f).not.toMatch(/\.\.\/\.\.\/(packages|apps)\//);
      }
    },
  );
});

describe('scaffold', () => {
  it('copies the template, names the package after the folder, restores .gitignore and .github', () => {
    const dir = join(tmp, 'out', 'My Load Tests');
    const made = scaffold({ template: 'load', directory: dir, templatesDir: built });
    expect(made.name).toBe('my-load-tests');
    const m = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(m.name).toBe('my-load-tests');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/^# my-load-tests: /);
    expect(made.files).toContain('.gitignore');
    expect(made.files).toContain('.github/workflows/test.yml');
    expect(made.files).not.toContain('gitignore');
    expect(made.files).toEqual(files(dir));
  });

  it('restores a local package manifest (stored as _package.json so the published package has no nested package.json)', () => {
    const dir = join(tmp, 'out', 'with-client');
    const made = scaffold({ template: 'integration', directory: dir, templatesDir: built });
    expect(made.files).toContain('sample-client/package.json');
    expect(made.files).not.toContain('sample-client/_package.json');
    expect(JSON.parse(readFileSync(join(dir, 'sample-client', 'package.json'), 'utf8')).name).toBe('sample-client');
  });

  it('refuses a folder that is not empty, an unknown template, a template not built', () => {
    const dir = join(tmp, 'full');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    expect(() => scaffold({ template: 'load', directory: dir, templatesDir: built })).toThrow(
      expect.objectContaining({ code: 'CREATE_TARGET_NOT_EMPTY' }),
    );
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('mine');
    expect(() => scaffold({ template: 'lod' as 'load', directory: join(tmp, 'x'), templatesDir: built })).toThrow(
      /Expected --template to be one of integration, load, backtest, got "lod"/,
    );
    expect(() => scaffold({ template: 'load', directory: join(tmp, 'y'), templatesDir: join(tmp, 'none') })).toThrow(
      CreateError,
    );
  });
});

describe('the create-tradekit command', () => {
  const io = (tty: boolean, cwd = join(tmp, 'cli')) => {
    mkdirSync(cwd, { recursive: true });
    const stdin = stream(tty);
    const stdout = stream(tty);
    const stderr = stream(false);
    return {
      io: { stdin: stdin.s, stdout: stdout.s, stderr: stderr.s, cwd, templatesDir: built },
      stdin,
      stdout,
      stderr,
    };
  };

  it('creates the project with --template and prints the next steps', async () => {
    const { io: x, stdout } = io(false);
    expect(await runCreate(['my-tests', '--template', 'load'], x)).toBe(EXIT_OK);
    expect(stdout.text()).toContain('Created my-tests (template load');
    expect(stdout.text()).toContain('cd my-tests\n  npm install\n  npm test');
    expect(existsSync(join(x.cwd, 'my-tests', 'test', 'load.test.ts'))).toBe(true);
  });

  it('without --template and not on a terminal: a clear error, exit 2, nothing written', async () => {
    const { io: x, stderr } = io(false);
    expect(await runCreate(['quiet'], x)).toBe(EXIT_USAGE);
    expect(stderr.text()).toContain('expected --template (integration, load, backtest)');
    expect(stderr.text()).toContain('not a terminal');
    expect(existsSync(join(x.cwd, 'quiet'))).toBe(false);
  });

  it('without --template on a terminal: asks, accepts a number or a name, asks again on nonsense', async () => {
    const { io: x, stdin, stdout } = io(true);
    const done = runCreate(['asked'], x);
    stdin.s.write('7\n');
    stdin.s.write('load\n');
    expect(await done).toBe(EXIT_OK);
    expect(stdout.text()).toContain('Which template?');
    expect(stdout.text()).toContain('"7" is not a template');
    expect(existsSync(join(x.cwd, 'asked', 'package.json'))).toBe(true);
    const second = io(true, join(tmp, 'cli2'));
    const run2 = runCreate(['by-number'], second.io);
    second.stdin.s.write(`${TEMPLATES.findIndex((t) => t.name === 'load') + 1}\n`);
    expect(await run2).toBe(EXIT_OK);
  });

  it('usage errors exit 2: unknown option, unknown template, no folder, a folder not empty', async () => {
    expect(await runCreate(['a', '--tempalte', 'load'], io(false).io)).toBe(EXIT_USAGE);
    expect(await runCreate(['b', '--template', 'nope'], io(false).io)).toBe(EXIT_USAGE);
    expect(await runCreate(['--template', 'load'], io(false).io)).toBe(EXIT_USAGE);
    const { io: x, stderr } = io(false, join(tmp, 'cli3'));
    writeFileSync(join(x.cwd, 'file'), '');
    expect(await runCreate(['.', '--template', 'load'], x)).toBe(EXIT_USAGE);
    expect(stderr.text()).toContain('to be empty or missing');
    const help = io(false);
    expect(await runCreate(['--help'], help.io)).toBe(EXIT_OK);
    expect(help.stdout.text()).toContain('npm create tradekit@latest <folder> -- --template <name>');
  });
});
