/**
 * `tradekit … | head -1`: every command, its help and the version end quietly when the reader of
 * their stdout goes away — no stack trace, exit 0 (or the command's documented code when it had
 * written everything before the reader left). Real processes, real pipes.
 *
 * Adding a command? Add ONE line to SHORT_RUNS below: a short run of it (bounded: `--duration`,
 * a small input) that prints at least two lines on stdout. A registered command without a line
 * fails this test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinCommands } from './commands/index.js';

interface ShortRun {
  /** Arguments after `tradekit <name>`. */
  args: string[];
  /** Commands (full argv after `tradekit`) run first in the same directory, e.g. to write an input file. */
  setup?: string[][];
  /** Files written into the run's directory before the setup commands (name → text). */
  files?: Record<string, string>;
  /** The documented exit code when the run completes with stdout open (0 if omitted). */
  exit?: number;
}

/** A strategy that flips between long and flat on every 1-minute bar (backtest and sweep runs). */
const FLIP_STRATEGY = `export default { name: 'flip', params: { size: 1 }, timeframes: ['1m'], onBar(_b, ctx) { if (ctx.position() === 0) ctx.buy(ctx.params.size); else ctx.sell(ctx.params.size); } };`;
const SWEEP_SPEC = JSON.stringify({
  strategy: 'flip.mjs',
  data: { market: { symbols: ['MNQ'], seed: 3, duration: '30m' } },
  grid: { size: [1, 2] },
  rankBy: 'returnPct',
});

/** One short run per registered command. Keep each one bounded and under a few seconds. */
export const SHORT_RUNS: Record<string, ShortRun> = {
  info: { args: [] },
  // nothing listens on port 1: the run fails (exit 1) with a summary of several lines
  'ws-load': { args: ['--url', 'ws://127.0.0.1:1', '-c', '1', '-d', '100ms', '--workers', '0'], exit: 1 },
  'ws-serve': { args: ['--port', '0', '--duration', '300ms'] },
  'ws-proxy': { args: ['--target', 'ws://127.0.0.1:1', '--port', '0', '--duration', '300ms'] },
  sim: { args: ['--duration', '10m'] },
  replay: { setup: [['sim', '--duration', '10m', '--out', 'day.jsonl']], args: ['day.jsonl'] },
  calibrate: {
    setup: [['sim', '--duration', '3h', '--seed', '3', '--out', 'hours.jsonl']],
    args: ['--data', 'hours.jsonl', '--interval', '5s', '--out', 'preset.json', '--no-progress'],
  },
  backtest: {
    files: { 'market.json': '{"symbols":["MNQ"],"seed":3,"duration":"30m"}', 'flip.mjs': FLIP_STRATEGY },
    args: ['--market', 'market.json', '--strategy', 'flip.mjs', '--no-progress'],
  },
  sweep: {
    files: { 'spec.json': SWEEP_SPEC, 'flip.mjs': FLIP_STRATEGY },
    args: ['run', '--spec', 'spec.json'],
  },
  venue: { args: ['--port', '0', '--duration', '500ms'] },
  parity: {
    files: { 'flip.mjs': FLIP_STRATEGY },
    setup: [['sim', '--duration', '10m', '--bars', '1m', '--seed', '3', '--out', 'bars.jsonl']],
    args: ['--data', 'bars.jsonl', '--strategy', 'flip.mjs'],
  },
};

const here = dirname(fileURLToPath(import.meta.url));
const cliRoot = join(here, '..');
const builtBin = join(cliRoot, 'dist', 'bin.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The built bin when it is newer than every package source; else the sources through tsx (slower). */
function cliCommand(): string[] {
  if (existsSync(builtBin)) {
    const packages = join(cliRoot, '..');
    const newest = Math.max(
      ...readdirSync(packages).map((p) =>
        existsSync(join(packages, p, 'src')) ? newestSource(join(packages, p, 'src')) : 0,
      ),
    );
    if (statSync(builtBin).mtimeMs >= newest) return [builtBin];
  }
  // `--import tsx` would resolve from the child's cwd (a temp dir): point at tsx's loader itself.
  const tsx = join(
    dirname(createRequire(join(cliRoot, '..', '..', 'package.json')).resolve('tsx/package.json')),
    'dist',
    'loader.mjs',
  );
  return ['--import', pathToFileURL(tsx).href, join(cliRoot, 'src', 'bin.ts')];
}

const nodeArgs = cliCommand();
const work = mkdtempSync(join(tmpdir(), 'tradekit-pipes-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  firstLine: string | undefined;
  stderr: string;
}

/**
 * Runs `tradekit …` with stdout into a reader that closes after the first line (`closeAt: 'line'`)
 * or before the child has written anything (`closeAt: 'start'`). Kills it after 60 s (a hang fails).
 */
function runPiped(args: string[], cwd: string, closeAt: 'line' | 'start'): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...args], {
      cwd,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', TSX_TSCONFIG_PATH: join(cliRoot, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let buffered = '';
    let firstLine: string | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tradekit ${args.join(' ')} did not exit within 60 s after its reader closed`));
    }, 60_000);
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    if (closeAt === 'start') child.stdout?.destroy();
    else {
      child.stdout?.on('data', (d) => {
        buffered += d;
        const nl = buffered.indexOf('\n');
        if (nl >= 0 && firstLine === undefined) {
          firstLine = buffered.slice(0, nl);
          child.stdout?.destroy(); // the reader goes away, like `head -1`
        }
      });
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, firstLine, stderr });
    });
  });
}

/** Runs a setup command to completion with stdout open; it must exit 0. */
function runToEnd(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, ...args], {
      cwd,
      env: { ...process.env, TSX_TSCONFIG_PATH: join(cliRoot, 'tsconfig.json') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** No stack trace, no pipe error, no internal-error report: the reader leaving is not a failure. */
function expectQuiet(o: Outcome, what: string): void {
  expect(o.signal, `${what}: killed by a signal`).toBeNull();
  expect(o.stderr, `${what}: stderr`).not.toMatch(/^\s+at /m);
  expect(o.stderr, `${what}: stderr`).not.toMatch(/EPIPE|ERR_STREAM|Unhandled|internal error/i);
}

const TIMEOUT = 180_000;

describe.concurrent('tradekit with a reader that closes early (| head -1)', () => {
  it('every registered command has a short run in SHORT_RUNS (add one line for a new command)', () => {
    const missing = builtinCommands.map((c) => c.name).filter((n) => SHORT_RUNS[n] === undefined);
    expect(missing, `add a line for ${missing.join(', ')} to SHORT_RUNS in packages/cli/src/pipes.test.ts`).toEqual([]);
  });

  it(
    'tradekit --help and --version: exit 0, no stack trace, with the reader closing after one line or before any output',
    async () => {
      for (const args of [['--help'], ['--version'], ['-v']]) {
        const line = await runPiped(args, work, 'line');
        expectQuiet(line, args.join(' '));
        expect(line.code, args.join(' ')).toBe(0);
        expect(line.firstLine).toBeTruthy();
        const start = await runPiped(args, work, 'start');
        expectQuiet(start, `${args.join(' ')} (reader closed at start)`);
        expect(start.code, `${args.join(' ')} (reader closed at start)`).toBe(0);
      }
    },
    TIMEOUT,
  );

  it.each(builtinCommands.map((c) => c.name))(
    'tradekit %s --help: exit 0, no stack trace',
    async (name) => {
      const line = await runPiped([name, '--help'], work, 'line');
      expectQuiet(line, `${name} --help`);
      expect(line.code).toBe(0);
      expect(line.firstLine).toMatch(new RegExp(`^Usage: tradekit ${name} `));
      const start = await runPiped([name, '--help'], work, 'start');
      expectQuiet(start, `${name} --help (reader closed at start)`);
      expect(start.code).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'ws-serve with a restart-only --fault-script listens, restarts and ends at --duration (a real process)',
    async () => {
      const dir = mkdtempSync(join(work, 'restart-'));
      writeFileSync(join(dir, 'f.json'), JSON.stringify({ rules: [], timeline: [{ type: 'restart', at: '100ms' }] }));
      const o = await runPiped(
        ['ws-serve', '--port', '0', '--fault-script', 'f.json', '--duration', '500ms'],
        dir,
        'line',
      );
      expectQuiet(o, 'ws-serve --fault-script f.json');
      expect(o.firstLine).toMatch(/^listening on ws:\/\/127\.0\.0\.1:\d+$/);
      expect(o.code).toBe(0);
      const bad = mkdtempSync(join(work, 'bad-'));
      writeFileSync(join(bad, 'f.json'), JSON.stringify({ rules: [], timeline: [{ type: 'restart', at: 'soon' }] }));
      const b = await runToEnd(['ws-serve', '--port', '0', '--fault-script', 'f.json', '--duration', '5s'], bad);
      expect(b.code).toBe(2);
      expect(b.stderr).toMatch(/WS_FAULT_INVALID.*faults\.timeline\[0\]\.at/s);
    },
    TIMEOUT,
  );

  it.each(builtinCommands.map((c) => c.name))(
    'a short run of tradekit %s: exit 0 (or its documented code), no stack trace',
    async (name) => {
      const run = SHORT_RUNS[name];
      expect(run, `no short run for ${name} in SHORT_RUNS`).toBeDefined();
      const dir = mkdtempSync(join(work, `${name}-`));
      for (const [name, text] of Object.entries(run?.files ?? {})) writeFileSync(join(dir, name), text);
      for (const setup of run?.setup ?? []) {
        const done = await runToEnd(setup, dir);
        expect(done.code, `setup tradekit ${setup.join(' ')}: ${done.stderr}`).toBe(0);
      }
      const o = await runPiped([name, ...(run?.args ?? [])], dir, 'line');
      expectQuiet(o, `tradekit ${name}`);
      expect(o.firstLine, `tradekit ${name} printed no line on stdout`).toBeTruthy();
      expect([0, run?.exit ?? 0], `exit code of tradekit ${name}`).toContain(o.code);
    },
    TIMEOUT,
  );
});
