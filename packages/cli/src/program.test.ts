import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TradeKitError } from '@tradekit/types';
import { EXIT_FAILURE, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, runCli } from './program.js';
import type { TradekitCommand } from './registry.js';
import { CommandRegistry } from './registry.js';
import { VERSION } from './version.js';

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { stdout, stderr, out: () => out, err: () => err };
}

describe('tradekit CLI', () => {
  it('--help lists every registered subcommand and exits 0', async () => {
    const io = capture();
    const code = await runCli(['--help'], io);
    expect(code).toBe(0);
    expect(io.out()).toMatch(/Usage: tradekit \[options\] \[command\]/);
    expect(io.out()).toMatch(/info \[options\]\s+print versions/);
  });

  it('--version prints the package version', async () => {
    const io = capture();
    expect(await runCli(['--version'], io)).toBe(0);
    expect(io.out().trim()).toBe(VERSION);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an unknown command exits 2 with a helpful message and a suggestion', async () => {
    const io = capture();
    expect(await runCli(['nosuch'], io)).toBe(EXIT_USAGE);
    expect(io.err()).toMatch(/unknown command 'nosuch'/);
    expect(io.err()).toMatch(/tradekit --help/);
    const typo = capture();
    expect(await runCli(['inf'], typo)).toBe(EXIT_USAGE);
    expect(typo.err()).toMatch(/Did you mean info\?/);
  });

  it('a bad flag exits 2; no arguments prints help and exits 2', async () => {
    const io = capture();
    expect(await runCli(['info', '--bogus'], io)).toBe(EXIT_USAGE);
    expect(io.err()).toMatch(/unknown option '--bogus'/);
    const none = capture();
    expect(await runCli([], none)).toBe(EXIT_USAGE);
    expect(none.err()).toMatch(/Usage: tradekit/);
  });

  it('plugs in commands from the registry; a TradeKitError (bad input) becomes a message and exit 2', async () => {
    const failing: TradekitCommand = {
      name: 'explode',
      summary: 'fails on purpose',
      configure(command) {
        command.action(() => {
          throw new TradeKitError(
            'SIM_UNKNOWN_PRESET',
            'Expected `preset` to be one of default, gbm, got `"nope"` (string).',
          );
        });
      },
    };
    const io = capture();
    expect(await runCli(['explode'], { ...io, commands: [failing] })).toBe(EXIT_USAGE);
    expect(io.err()).toBe(
      'tradekit: error [SIM_UNKNOWN_PRESET]: Expected `preset` to be one of default, gbm, got `"nope"` (string).\n',
    );
    const help = capture();
    await runCli(['--help'], { ...help, commands: [failing] });
    expect(help.out()).toMatch(/explode\s+fails on purpose/);
  });

  it('one exit-code table: 0 ok, 1 a failed check, 2 input error, 3 internal error', async () => {
    const cmd = (name: string, action: (io: import('./registry.js').CommandIO) => void): TradekitCommand => ({
      name,
      summary: name,
      configure(command, io) {
        command.action(() => action(io));
      },
    });
    const commands = [
      cmd('ok', (io) => io.stdout.write('fine\n')),
      cmd('check', (io) => io.setExitCode(EXIT_FAILURE)),
      cmd('input', () => {
        throw new TradeKitError('SIM_INVALID_CONFIG', 'Expected a config file, got none.');
      }),
      cmd('bug', () => {
        throw new TypeError('x is not a function');
      }),
      cmd('checked-then-threw', (io) => {
        io.setExitCode(EXIT_FAILURE);
        throw new TradeKitError('REPLAY_GAP', 'A gap.');
      }),
    ];
    const codes: Record<string, number> = {};
    const errs: Record<string, string> = {};
    for (const name of ['ok', 'check', 'input', 'bug', 'checked-then-threw']) {
      const io = capture();
      codes[name] = await runCli([name], { ...io, commands });
      errs[name] = io.err();
    }
    expect(codes).toEqual({ ok: EXIT_OK, check: 1, input: 2, bug: EXIT_INTERNAL, 'checked-then-threw': 1 });
    expect(EXIT_INTERNAL).toBe(3);
    expect(errs.bug).toMatch(
      /^tradekit: internal error \(a bug: please report it with the command line\): TypeError: x is not a function/,
    );
    expect(errs.input).toBe('tradekit: error [SIM_INVALID_CONFIG]: Expected a config file, got none.\n');
  });

  it('a closed stdout stops the command and exits 0 quietly (io.signal aborts)', async () => {
    let sawAbort = false;
    const server: TradekitCommand = {
      name: 'serve-forever',
      summary: 'writes, then waits until stopped',
      configure(command, io) {
        command.action(async () => {
          io.stdout.write('listening\n');
          await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve()));
          sawAbort = true;
          io.stdout.write('more after the reader left\n');
        });
      },
    };
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (d) => (err += d));
    stdout.once('data', () => {
      const e = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      stdout.destroy(e);
    });
    expect(await runCli(['serve-forever'], { stdout, stderr, commands: [server] })).toBe(EXIT_OK);
    expect(sawAbort).toBe(true);
    expect(err).toBe('');
  });

  it('info prints JSON with the version', async () => {
    const io = capture();
    expect(await runCli(['info', '--json'], io)).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({ tradekit: VERSION, rngCheck: '825848fe-1385-43ed-9083-ee47b2f7839a' });
  });

  it('the registry rejects duplicate names', () => {
    const reg = new CommandRegistry();
    const c: TradekitCommand = { name: 'x', summary: 's', configure() {} };
    reg.add(c);
    expect(() => reg.add(c)).toThrow(/registered already/);
    expect(reg.list().map((x) => x.name)).toEqual(['x']);
  });
});
