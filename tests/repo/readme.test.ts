// Every README's code blocks run as written (TEAM.md, "READMEs"):
// - ```ts / ```js: a standalone ES module, imported in this vitest process (so `@tradekit/*`
//   resolves to the package sources); it passes when it completes without throwing. A block that
//   imports from `vitest` is a test example: it is written to a `*.test.ts` and run with vitest in
//   a child process, and must pass.
// - ```sh: each line starting with `tradekit ` runs with the built CLI (packages/cli/dist/bin.js)
//   in the README's temporary working directory, under a timeout, and must exit 0 (or the code
//   written as a trailing `# exit N`).
// - ```json: must parse.
// - Links must not leave the package folder (the npm page cannot follow `../../docs/...`), and a
//   link inside the package must point at a file that ships in its tarball.
// Blocks are written under `<readme dir>/.tmp/readme/` (git-ignored) so that imports of the
// package's own dependencies resolve from its node_modules as they would for a user.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers';

/** How long one `tradekit …` line or one vitest child run may take before it fails. */
const COMMAND_TIMEOUT_MS = 30_000;
/** How long one in-process ts/js block may take. */
const BLOCK_TIMEOUT_MS = 30_000;

const CLI_BIN = join(ROOT, 'packages', 'cli', 'dist', 'bin.js');
const BLOCK_CONFIG = join(ROOT, 'tests', 'repo', 'readme-blocks.vitest.config.ts');

/** One fenced block of a README. */
export interface CodeBlock {
  lang: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
}

/** Fenced blocks (``` or ~~~, any indentation up to 3 spaces) with their language. */
export function extractBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i] ?? '');
    if (!open) continue;
    const fence = open[1]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(lines[j]!)) {
      body.push(lines[j]!);
      j++;
    }
    if (j >= lines.length) throw new Error(`line ${i + 1}: code block opened with ${fence} is never closed`);
    blocks.push({ lang: (open[2] ?? '').toLowerCase(), line: i + 1, code: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** Markdown text without its fenced blocks and inline code spans (where links are not links). */
function prose(markdown: string): string {
  return markdown.replace(/^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?^ {0,3}\1\s*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Link targets: inline `[x](target)`, images, reference definitions `[x]: target`, html href/src. */
export function extractLinks(markdown: string): string[] {
  const text = prose(markdown);
  const out: string[] = [];
  for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push(m[1]!);
  for (const m of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) out.push(m[1]!);
  for (const m of text.matchAll(/\b(?:href|src)\s*=\s*"([^"]+)"/g)) out.push(m[1]!);
  return out;
}

/** `tradekit …` lines of an sh block (continuations joined) with the exit code each must end with. */
export function cliCommands(code: string): { command: string; expect: number }[] {
  const joined = code.replace(/\\\r?\n/g, ' ');
  const out: { command: string; expect: number }[] = [];
  for (const raw of joined.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line.startsWith('tradekit ') && line !== 'tradekit') continue;
    const exit = /#\s*exit\s+(\d+)\s*$/.exec(line);
    out.push({ command: line, expect: exit ? Number(exit[1]) : 0 });
  }
  return out;
}

/**
 * The environment for child processes, without colours: `NO_COLOR` set and `FORCE_COLOR` removed
 * (some colour libraries switch colours ON when `FORCE_COLOR` merely exists, even as `0`).
 */
function plainEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  return env;
}

/** Text without ANSI colour and cursor sequences. */
function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the ESC of ANSI sequences is the point
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
}

const RUNNABLE = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs', 'sh', 'bash', 'shell', 'json']);

/** Every README.md the test covers: the root's, and each of packages/* and apps/*. */
function readmes(): string[] {
  const files = [join(ROOT, 'README.md')];
  for (const group of ['packages', 'apps']) {
    const dir = join(ROOT, group);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir).sort()) {
      const file = join(dir, entry, 'README.md');
      if (existsSync(file)) files.push(file);
    }
  }
  return files;
}

/** A child process's result; a run past the timeout is killed (its whole group) and reported as such. */
function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, opts.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output, timedOut });
    });
  });
}

/** A directory the README's blocks share (files one block writes, a later one reads). */
function workDir(readme: string): string {
  const dir = join(dirname(readme), '.tmp', 'readme');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'cwd'), { recursive: true });
  return dir;
}

/** The files a package ships: `files` entries plus what npm always includes. */
function ships(packageDir: string, target: string): boolean {
  const manifestFile = join(packageDir, 'package.json');
  if (!existsSync(manifestFile)) return true;
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  if (manifest.private) return true; // the root README: read in the repository, never published
  const rel = relative(packageDir, target).split(sep).join('/');
  if (/^(readme|license|licence|changelog)(\.[a-z]+)?$/i.test(rel) || rel === 'package.json') return true;
  const files = (manifest.files ?? []) as string[];
  return files.some((f) => {
    const entry = f.replace(/^\.\//, '').replace(/\/$/, '');
    return rel === entry || rel.startsWith(`${entry}/`);
  });
}

describe('the README extractor', () => {
  it('finds blocks, commands and links (it would fail if it ran nothing)', () => {
    const md = [
      '# x',
      'See [a](docs/A.md), [b](../../docs/B.md) and `[c](not-a-link)`.',
      '```sh',
      'npm i @tradekit/cli',
      'tradekit sim --seed 1 \\',
      '  --duration 1s',
      'tradekit nosuch  # exit 2',
      '```',
      '~~~json',
      '{}',
      '~~~',
    ].join('\n');
    expect(extractBlocks(md).map((b) => [b.lang, b.line])).toEqual([
      ['sh', 3],
      ['json', 9],
    ]);
    expect(cliCommands(extractBlocks(md)[0]!.code)).toEqual([
      { command: 'tradekit sim --seed 1    --duration 1s', expect: 0 },
      { command: 'tradekit nosuch  # exit 2', expect: 2 },
    ]);
    expect(extractLinks(md)).toEqual(['docs/A.md', '../../docs/B.md']);
    const runnable = readmes()
      .flatMap((f) => extractBlocks(readFileSync(f, 'utf8')))
      .filter((b) => RUNNABLE.has(b.lang));
    expect(runnable.length).toBeGreaterThan(0);
  });
});

const cleanups: string[] = [];
afterAll(() => {
  for (const dir of cleanups) rmSync(dir, { recursive: true, force: true });
});

describe.each(readmes().map((file) => ({ file, name: relative(ROOT, file) })))('$name', ({ file }) => {
  const markdown = readFileSync(file, 'utf8');
  const folder = dirname(file);
  const blocks = extractBlocks(markdown).filter((b) => RUNNABLE.has(b.lang));
  const tmp = workDir(file);
  const cwd = join(tmp, 'cwd');
  cleanups.push(tmp);

  it('links stay inside the package folder and point at files that ship', () => {
    const bad: string[] = [];
    for (const link of extractLinks(markdown)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('#') || link.startsWith('//')) continue;
      const path = decodeURIComponent(link.replace(/[#?].*$/, ''));
      if (isAbsolute(path)) {
        bad.push(`${link}: an absolute path works nowhere but this machine`);
        continue;
      }
      const target = resolve(folder, path);
      const rel = relative(folder, target);
      if (rel.startsWith('..') || isAbsolute(rel)) bad.push(`${link}: leaves the package folder`);
      else if (!existsSync(target)) bad.push(`${link}: no such file`);
      else if (!ships(folder, target)) bad.push(`${link}: exists but is not in the package's "files"`);
    }
    expect(bad, `links in ${relative(ROOT, file)}`).toEqual([]);
  });

  if (blocks.length === 0) return; // a README with nothing runnable is fine

  // Blocks run in order: a later block (or `tradekit` line) may read what an earlier one wrote.
  describe.sequential('code blocks', () => {
    for (const block of blocks) {
      const label = `\`\`\`${block.lang} at line ${block.line}`;
      const isVitest = /\bfrom\s+['"]vitest['"]|import\s*\(\s*['"]vitest['"]\s*\)/.test(block.code);
      const timeout =
        block.lang === 'json'
          ? 5_000
          : ['sh', 'bash', 'shell'].includes(block.lang)
            ? cliCommands(block.code).length * COMMAND_TIMEOUT_MS + 10_000
            : isVitest
              ? COMMAND_TIMEOUT_MS + 10_000
              : BLOCK_TIMEOUT_MS;

      it(
        label,
        async () => {
          if (block.lang === 'json') {
            expect(() => JSON.parse(block.code), block.code).not.toThrow();
            return;
          }
          if (['sh', 'bash', 'shell'].includes(block.lang)) {
            const commands = cliCommands(block.code);
            if (commands.length === 0) return; // npm / pnpm lines only: not run
            if (!existsSync(CLI_BIN)) {
              throw new Error(`${CLI_BIN} is missing: build first (pnpm build; scripts/test-all.mjs does)`);
            }
            // `tradekit` on PATH is the built CLI, run by this Node.
            const binDir = join(tmp, 'bin');
            mkdirSync(binDir, { recursive: true });
            const shim = join(binDir, 'tradekit');
            writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${CLI_BIN}" "$@"\n`, { mode: 0o755 });
            const env = { ...plainEnv(), PATH: `${binDir}:${process.env.PATH}` };
            for (const { command, expect: want } of commands) {
              const r = await run('bash', ['-o', 'pipefail', '-c', command], {
                cwd,
                env,
                timeoutMs: COMMAND_TIMEOUT_MS,
              });
              const what = `\`${command}\` (${relative(ROOT, file)} line ${block.line})`;
              expect(r.timedOut, `${what} still ran after ${COMMAND_TIMEOUT_MS} ms:\n${r.output}`).toBe(false);
              expect(r.code, `${what} exit code; output:\n${r.output}`).toBe(want);
            }
            return;
          }
          // ts / js
          const ext = block.lang.startsWith('t') ? 'ts' : 'mjs';
          const base = `block-line${block.line}`;
          if (isVitest) {
            const testFile = join(tmp, `${base}.test.${ext}`);
            writeFileSync(testFile, `${block.code}\n`);
            const r = await run(
              process.execPath,
              [
                join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
                'run',
                '--config',
                BLOCK_CONFIG,
                '--root',
                tmp,
                basename(testFile),
              ],
              { cwd: tmp, env: plainEnv(), timeoutMs: COMMAND_TIMEOUT_MS },
            );
            expect(r.timedOut, `vitest on ${label} still ran after ${COMMAND_TIMEOUT_MS} ms:\n${r.output}`).toBe(false);
            expect(r.code, `vitest on ${label}:\n${r.output}`).toBe(0);
            expect(stripAnsi(r.output), 'the block ran at least one test').toMatch(/Tests\s+\d+ passed/);
            return;
          }
          const moduleFile = join(tmp, `${base}.${ext}`);
          writeFileSync(moduleFile, `${block.code}\n`);
          // Relative paths in the block land in the README's scratch directory, not the repo.
          const previous = process.cwd();
          process.chdir(cwd);
          try {
            await import(/* @vite-ignore */ pathToFileURL(moduleFile).href);
          } finally {
            process.chdir(previous);
          }
        },
        timeout,
      );
    }
  });
});
