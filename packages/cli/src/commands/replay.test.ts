import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MarketEvent, eventToJsonLine, jsonToEvent } from '@tradekit/types';
import { replay, writeEvents } from '@tradekit/replay';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../program.js';
import { cli, sink } from '../testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_704_205_800_000_000;
const trade = (symbol: string, dt: number, price: number): MarketEvent => ({
  type: 'trade',
  symbol,
  ts: T0 + dt,
  price,
  size: 1,
  side: 'buy',
});
const quote = (symbol: string, dt: number): MarketEvent => ({
  type: 'quote',
  symbol,
  ts: T0 + dt,
  bid: 1,
  bidSize: 2,
  ask: 1.25,
  askSize: 3,
});

describe('tradekit replay', () => {
  const a = join(dir, 'a.csv');
  const b = join(dir, 'b.jsonl.gz');
  const trades = [trade('MNQ', 0, 100), trade('MNQ', 2000, 100.25), trade('ES', 4000, 5000)];
  const quotes = [quote('MNQ', 1000), quote('MNQ', 2000), quote('MNQ', 90_000_000)];

  it('prints the files merged in time as canonical JSONL', async () => {
    await writeEvents(a, trades);
    await writeEvents(b, quotes);
    const r = await cli(['replay', a, b]);
    expect(r.code).toBe(0);
    const expected = [trades[0], quotes[0], trades[1], quotes[1], trades[2], quotes[2]].map((e) =>
      eventToJsonLine(e as MarketEvent),
    );
    expect(r.stdout.trimEnd().split('\n')).toEqual(expected);
    expect(r.stderr).toBe(''); // no progress bar when stderr is not a TTY
  });

  it('filters by symbols, types and time, and writes --out files that round-trip', async () => {
    const out = join(dir, 'out.csv');
    const r = await cli([
      'replay',
      a,
      b,
      '--symbols',
      'MNQ',
      '--types',
      'trade',
      '--from',
      String(T0 + 1),
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(`ts,symbol,price,size,side,id\n${T0 + 2000},MNQ,100.25,1,buy,\n`);
    const iso = await cli(['replay', b, '--to', '2024-01-02T14:30:00.002Z']);
    expect(
      iso.stdout
        .trimEnd()
        .split('\n')
        .map((l) => jsonToEvent(JSON.parse(l)).ts),
    ).toEqual([T0 + 1000]);
  });

  it('--stats reports counts, time range, gaps and bad rows (text and JSON)', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(
      bad,
      `ts,symbol,price,size,side,id\n${T0},X,1,1,buy,\n${T0 + 5},X,oops,1,buy,\n${T0 + 9},X,2,1,sell,\n`,
    );
    const r = await cli(['replay', '--stats', a, b, bad]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('events:        8 emitted');
    expect(r.stdout).toContain('time range:    2024-01-02T14:30:00.000000Z → 2024-01-02T14:31:30.000000Z (1m30s)');
    expect(r.stdout).toContain('by type:       trade 5, quote 3');
    expect(r.stdout).toContain('bad rows:      1 (1 skipped)');
    expect(r.stdout).toContain(`${bad}:3 column 3 (price)`);
    expect(r.stdout).toMatch(/gaps > 1m: +1/);
    const j = await cli(['replay', '--stats', '--json', bad]);
    expect(JSON.parse(j.stdout)).toMatchObject({ emitted: 2, malformed: { count: 1 }, bySymbol: { X: 2 } });
  });

  it('a bad row fails with exit 2 (bad input) naming file, line and column', async () => {
    const bad = join(dir, 'bad2.csv');
    writeFileSync(bad, `ts,symbol,price,size,side,id\n${T0},X,1,1,buy,\n${T0 + 5},X,1,-3,buy,\n`);
    const r = await cli(['replay', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[REPLAY_MALFORMED_ROW]');
    expect(r.stderr).toContain(`${bad}:3 column 4 (size)`);
    const skip = await cli(['replay', bad, '--malformed', 'skip']);
    expect(skip.code).toBe(0);
    expect(skip.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(skip.stderr).toContain('skipped 1 bad rows');
  });

  it('shows a progress bar only when stderr is a TTY', async () => {
    const out = sink();
    const err = sink();
    const tty = Object.assign(err.stream, {
      isTTY: true,
      columns: 80,
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
    });
    const code = await runCli(['replay', a, b], { stdout: out.stream, stderr: tty });
    expect(code).toBe(0);
    expect(err.text()).toMatch(/replay .*events/);
    expect(out.text().trimEnd().split('\n')).toHaveLength(6);
    const quiet = sink();
    await runCli(['replay', a, b, '--no-progress'], {
      stdout: sink().stream,
      stderr: Object.assign(quiet.stream, { isTTY: true }),
    });
    expect(quiet.text()).toBe('');
  });

  it('usage errors exit 2', async () => {
    expect((await cli(['replay', a, '--speed', '0'])).code).toBe(2);
    expect((await cli(['replay', a, '--types', 'tick'])).code).toBe(2);
    expect((await cli(['replay'])).code).toBe(2);
    const unknown = await cli(['replay', join(dir, 'x.xlsx')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('REPLAY_UNKNOWN_FORMAT');
    const missing = await cli(['replay', join(dir, 'missing.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('REPLAY_FILE_UNREADABLE');
  });

  it('--out into a missing directory: a clear message and exit 2 (no unhandled error event)', async () => {
    const r = await cli(['replay', a, '--out', join(dir, 'no-such-dir', 'x.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[REPLAY_WRITE_FAILED]');
    expect(r.stderr).toContain('does not exist');
    expect(r.stderr).not.toMatch(/Unhandled|at .*\.ts:\d+/);
    const isDir = await cli(['replay', a, '--out', dir]);
    expect(isDir.code).toBe(2);
    expect(isDir.stderr).toContain('a directory');
  });

  it('an empty file says there were no events and exits 1; --stats names the gap threshold', async () => {
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    const r = await cli(['replay', empty]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`no events: ${empty} holds no data rows`);
    const st = await cli(['replay', '--stats', empty]);
    expect(st.code).toBe(1);
    expect(st.stdout).toMatch(/gaps > 1m: +0/);
    expect(st.stdout).not.toContain('?');
    const filtered = await cli(['replay', a, '--symbols', 'NOPE']);
    expect(filtered.code).toBe(1);
    expect(filtered.stderr).toContain('3 rows read, none passed');
  });

  it('--stats shows gaps in human units', async () => {
    const f = join(dir, 'gappy.jsonl');
    await writeEvents(f, [trade('G', 0, 1), trade('G', 864_000_000_000, 1)]);
    const r = await cli(['replay', '--stats', f]);
    expect(r.stdout).toContain('Gap of 10d for G');
    expect(r.stdout).not.toContain('864000000000 µs');
  });
});

describe('tradekit replay: vendor files from the command line', () => {
  const fixtures = join(import.meta.dirname, '..', '..', '..', 'replay', 'fixtures');
  const presets: [string, string, string[]][] = [
    ['tardis-trades', 'tardis-trades.csv', []],
    ['tardis-quotes', 'tardis-quotes.csv', []],
    ['tardis-incremental-book-l2', 'tardis-incremental-book-l2.csv', []],
    ['tardis-book-snapshot-25', 'tardis-book-snapshot-25.csv', []],
    ['binance-klines', 'BTCUSDT-1m-2024-01-01.csv', []],
    ['binance-klines', 'BTCUSDT-1m-2025-01-01.csv', []],
    ['binance-trades', 'BTCUSDT-trades-2024-01-01.csv', []],
    ['databento-trades', 'databento-trades.csv', []],
    ['databento-mbp-1', 'databento-mbp-1.csv', []],
    ['coinbase-candles', 'coinbase-candles.csv', ['--symbol', 'ETH-USD', '--timeframe', '5m']],
    ['ohlcv', 'ohlcv.csv', ['--symbol', 'AAPL', '--timeframe', '1m']],
  ];
  for (const [preset, file, extra] of presets) {
    it(`--format ${preset} ${file} prints the same events as the library`, async () => {
      const path = join(fixtures, file);
      const lib: MarketEvent[] = [];
      const options: Record<string, unknown> = { format: preset };
      for (let k = 0; k < extra.length; k += 2) options[(extra[k] as string).slice(2)] = extra[k + 1];
      for await (const e of replay(path, options)) lib.push(e);
      expect(lib.length).toBeGreaterThanOrEqual(100);
      const r = await cli(['replay', path, '--format', preset, ...extra]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${lib.map(eventToJsonLine).join('\n')}\n`);
    });
  }

  it('--map, --kind, --symbol, --no-header and --delimiter read a headerless vendor file', async () => {
    const f = join(dir, 'export.txt');
    writeFileSync(f, `${T0};100.25;3;B\n${T0 + 500};100.5;1;S\n`);
    const r = await cli([
      'replay',
      f,
      '--format',
      'csv',
      '--no-header',
      '--delimiter',
      ';',
      '--kind',
      'trade',
      '--symbol',
      'ES',
      '--map',
      'ts=0,price=1,size=2,side=3',
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      eventToJsonLine({ type: 'trade', symbol: 'ES', ts: T0, price: 100.25, size: 3, side: 'buy' }),
      eventToJsonLine({ type: 'trade', symbol: 'ES', ts: T0 + 500, price: 100.5, size: 1, side: 'sell' }),
    ]);
  });

  it('--mapping file.json maps columns and values; an unknown key names the nearest one (exit 2)', async () => {
    const f = join(dir, 'db.csv');
    writeFileSync(f, `Time,Px,Qty,Aggr\n${T0},5000.25,2,A\n${T0 + 1},5000.5,1,N\n`);
    const m = join(dir, 'mapping.json');
    writeFileSync(
      m,
      JSON.stringify({
        kind: 'trade',
        symbol: 'ES',
        columns: { ts: 'Time', price: 'Px', size: 'Qty', side: 'Aggr' },
        values: { side: { A: 'sell', B: 'buy', N: null } },
      }),
    );
    const r = await cli(['replay', f, '--mapping', m]);
    expect(r.code).toBe(0);
    expect(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).side),
    ).toEqual(['sell', 'unknown']);
    writeFileSync(m, JSON.stringify({ kind: 'trade', colums: {} }));
    const bad = await cli(['replay', f, '--mapping', m]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Unknown key `colums`');
    expect(bad.stderr).toContain('Did you mean `columns`?');
    const badMap = await cli(['replay', f, '--kind', 'trade', '--map', 'prize=Px']);
    expect(badMap.code).toBe(2);
    expect(badMap.stderr).toContain('Did you mean `price`?');
    const unknownPreset = await cli(['replay', f, '--format', 'tardis-trade']);
    expect(unknownPreset.code).toBe(2);
  });
});

describe('tradekit replay through a real pipe (child process)', () => {
  const root = join(import.meta.dirname, '..', '..', '..', '..');
  // The CLI from its sources (tsx resolves @tradekit/* to packages/*/src through these paths).
  const tsconfig = join(dir, 'tsconfig.sources.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({ compilerOptions: { baseUrl: root, paths: { '@tradekit/*': ['packages/*/src/index.ts'] } } }),
  );
  function start(args: string[]) {
    return spawn(process.execPath, ['--import', 'tsx', join(root, 'packages', 'cli', 'src', 'bin.ts'), ...args], {
      cwd: root, // where tsx resolves
      env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
  function exited(child: ReturnType<typeof start>): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error('the tradekit child did not exit within 90 s'));
      }, 90_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code ?? -1);
      });
    });
  }

  it('--speed output arrives spread over time as events fall due (not in one burst)', async () => {
    // 20 events 1 s apart (19 s of data) at 10× ≈ 1.9 s of wall time: 100 ms between events, so
    // a reader starved for a while on a loaded machine still sees several separate arrivals.
    const f = join(dir, 'pipe-paced.jsonl');
    await writeEvents(
      f,
      Array.from({ length: 20 }, (_, i) => trade('P', i * 1_000_000, 100 + i)),
    );
    const child = start(['replay', f, '--speed', '10', '--progress-every', '200ms']);
    const arrivals: { at: number; lines: number }[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      arrivals.push({ at: performance.now(), lines: chunk.toString().split('\n').length - 1 });
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await exited(child);
    expect(code).toBe(0);
    expect(arrivals.reduce((n, a) => n + a.lines, 0)).toBe(20);
    // Loose bounds (a loaded machine may merge a few): several separate arrivals, spread out.
    expect(arrivals.length).toBeGreaterThanOrEqual(4);
    expect((arrivals.at(-1)?.at ?? 0) - (arrivals[0]?.at ?? 0)).toBeGreaterThanOrEqual(300);
    // Off a terminal, a paced run prints a progress line now and then.
    expect(stderr).toMatch(/tradekit replay: \d+ events so far, data time 2024-/);
  });

  it('a reader that closes the pipe after one line ends the replay quietly with exit 0', async () => {
    const f = join(dir, 'pipe-big.csv');
    await writeEvents(
      f,
      Array.from({ length: 200_000 }, (_, i) => trade('B', i, 100)),
    );
    const child = start(['replay', f]);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let first = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (first === '') {
        first = chunk.toString().split('\n')[0] as string;
        child.stdout.destroy(); // like `| head -1`
      }
    });
    const code = await exited(child);
    expect(first).toBe(eventToJsonLine(trade('B', 0, 100)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
