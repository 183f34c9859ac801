/**
 * The README runs as written: every fenced block is extracted and run the way the repository's
 * README test does (TEAM.md): `js`/`ts` blocks as standalone ES modules in-process (`@tradekit/*`
 * from sources), blocks importing `vitest` as a test file in a child vitest, `json` blocks parsed,
 * and each `tradekit …` line of a `sh` block run with the CLI in a temporary directory (exit 0, or
 * the code in a trailing `# exit N`).
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(pkg, '..', '..');
const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
const tmp = join(pkg, '.tmp', 'readme');
mkdirSync(tmp, { recursive: true });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Block {
  lang: string;
  code: string;
  line: number;
}

const blocks: Block[] = [];
for (const m of readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
  blocks.push({ lang: m[1] as string, code: m[2] as string, line: readme.slice(0, m.index).split('\n').length });
}
const isTest = (b: Block) => /from ['"]vitest['"]/.test(b.code);
const needsChromium = (b: Block) => /playwright-core/.test(b.code);
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (blocks.some(needsChromium) && !existsSync(chromium) && process.env.CI) {
  throw new Error(`Chromium not found at ${chromium}; CI installs it (.ci/run) for the README's browser recipe`);
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, FORCE_COLOR: '0', ...env } });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not finish within 120 s:\n${out}`));
    }, 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** The built CLI when it is newer than every package source, else the CLI sources through tsx. */
function cliArgs(): string[] {
  const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((n, e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return Math.max(n, newest(p));
      return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? Math.max(n, statSync(p).mtimeMs) : n;
    }, 0);
  const packages = join(root, 'packages');
  const sources = Math.max(
    ...readdirSync(packages).map((p) => (existsSync(join(packages, p, 'src')) ? newest(join(packages, p, 'src')) : 0)),
  );
  if (existsSync(bin) && statSync(bin).mtimeMs >= sources) return [bin];
  const tsx = join(
    dirname(createRequire(join(root, 'package.json')).resolve('tsx/package.json')),
    'dist',
    'loader.mjs',
  );
  return ['--import', pathToFileURL(tsx).href, join(root, 'packages', 'cli', 'src', 'bin.ts')];
}

describe('README', () => {
  it('has runnable blocks of every kind', () => {
    expect(blocks.filter((b) => b.lang === 'js' || b.lang === 'ts').length).toBeGreaterThan(5);
    expect(blocks.some(isTest)).toBe(true);
    expect(blocks.some((b) => b.lang === 'sh')).toBe(true);
    expect(
      blocks.every((b) => ['js', 'ts', 'json', 'sh'].includes(b.lang)),
      'only languages the test runs',
    ).toBe(true);
  });

  it('links nowhere outside the package folder', () => {
    expect(readme).not.toMatch(/\]\(\.\.\//);
  });

  it.each(blocks.filter((b) => b.lang === 'json'))('json block at line $line parses', (b) => {
    expect(() => JSON.parse(b.code)).not.toThrow();
  });

  it.each(blocks.filter((b) => (b.lang === 'js' || b.lang === 'ts') && !isTest(b)))(
    '$lang block at line $line runs as a module',
    async (b) => {
      const file = join(tmp, `block-${b.line}.${b.lang === 'ts' ? 'ts' : 'mjs'}`);
      writeFileSync(file, b.code);
      const log = console.log;
      console.log = () => {};
      try {
        await import(/* @vite-ignore */ pathToFileURL(file).href);
      } finally {
        console.log = log;
      }
    },
    60_000,
  );

  it.each(blocks.filter(isTest))(
    'test block at line $line passes under vitest',
    async (b) => {
      if (needsChromium(b) && !existsSync(chromium)) return; // CI installs Chromium; see the check above
      const dir = mkdtempSync(join(tmp, 'vitest-'));
      writeFileSync(join(dir, 'readme.test.ts'), b.code);
      writeFileSync(
        join(dir, 'vitest.config.ts'),
        `import { defineConfig } from 'vitest/config';\nimport { sourceAliases } from ${JSON.stringify(join(root, 'vitest.shared.ts'))};\nexport default defineConfig({ resolve: { alias: sourceAliases }, test: { include: ['readme.test.ts'], testTimeout: 60_000 } });\n`,
      );
      const r = await run(
        process.execPath,
        [
          join(root, 'node_modules', 'vitest', 'vitest.mjs'),
          'run',
          '--config',
          join(dir, 'vitest.config.ts'),
          '--root',
          dir,
        ],
        dir,
      );
      expect(r.code, r.out).toBe(0);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the colours of vitest's summary
      expect(r.out.replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/Tests\s+\d+ passed/);
    },
    180_000,
  );

  it.each(blocks.filter((b) => b.lang === 'sh'))(
    'tradekit lines of the sh block at line $line exit as written',
    async (b) => {
      const lines = b.code.split('\n').filter((l) => l.startsWith('tradekit '));
      expect(lines.length).toBeGreaterThan(0);
      const dir = mkdtempSync(join(tmpdir(), 'ws-tester-readme-'));
      const cli = cliArgs()
        .map((a) => JSON.stringify(a))
        .join(' ');
      try {
        for (const line of lines) {
          const expected = Number(/#\s*exit\s+(\d+)\s*$/.exec(line)?.[1] ?? 0);
          const command = `${JSON.stringify(process.execPath)} ${cli} ${line.slice('tradekit '.length)}`;
          const r = await run('sh', ['-c', command], dir);
          expect(r.code, `${line}\n${r.out}`).toBe(expected);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    180_000,
  );
});
