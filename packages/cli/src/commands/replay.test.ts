import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type MarketEvent, eventToJsonLine, jsonToEvent } from '@tradekit/types';
import { writeEvents } from '@tradekit/replay';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../program.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}

async function cli(args: string[]) {
  const out = sink();
  const err = sink();
  const code = await runCli(args, { stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

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

  it('a bad row fails with exit 1 naming file, line and column', async () => {
    const bad = join(dir, 'bad2.csv');
    writeFileSync(bad, `ts,symbol,price,size,side,id\n${T0},X,1,1,buy,\n${T0 + 5},X,1,-3,buy,\n`);
    const r = await cli(['replay', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[REPLAY_MALFORMED_ROW]');
    expect(r.stderr).toContain(`${bad}:3 column 4 (size)`);
    const skip = await cli(['replay', bad, '--malformed', 'skip']);
    expect(skip.code).toBe(0);
    expect(skip.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(skip.stderr).toContain('skipped 1 bad rows');
  });

  it('paces with --speed on the wall clock', async () => {
    const f = join(dir, 'paced.jsonl');
    await writeEvents(f, [trade('P', 0, 1), trade('P', 100_000, 1), trade('P', 200_000, 1)]);
    const start = performance.now();
    const r = await cli(['replay', f, '--speed', '10']);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(performance.now() - start).toBeGreaterThanOrEqual(15); // 200 ms of data at 10× is 20 ms
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
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('REPLAY_FILE_UNREADABLE');
  });
});
