import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { csvHeader, jsonToEvent } from '@tradekit/types';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('tradekit sim', () => {
  it('writes canonical JSONL to --out with a summary line; same seed → identical file', async () => {
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    const r = await cli([
      'sim',
      '--symbol',
      'MNQ',
      '--preset',
      'default',
      '--seed',
      '7',
      '--duration',
      '10m',
      '--out',
      a,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^tradekit sim: wrote [\d,]+ events for MNQ \(preset default, seed 7\), 2024-01-02T00:00:00\.000000Z → 2024-01-02T00:09:59\.\d{6}Z \(9m59\.\d+s\), to .*a\.jsonl\n$/,
    );
    const lines = readFileSync(a, 'utf8').trimEnd().split('\n');
    expect(r.stdout).toContain(`wrote ${lines.length.toLocaleString('en-US')} events`);
    expect(jsonToEvent(JSON.parse(lines[0]!))).toMatchObject({ type: 'status', symbol: 'MNQ', status: 'open' });
    await cli(['sim', '--symbol', 'MNQ', '--seed', '7', '--duration', '10m', '--out', b]);
    expect(sha(b)).toBe(sha(a));
    await cli(['sim', '--symbol', 'MNQ', '--seed', '8', '--duration', '10m', '--out', b]);
    expect(sha(b)).not.toBe(sha(a));
  });

  it('--events N stops after N events; without --out JSONL goes to stdout and the summary to stderr', async () => {
    const r = await cli(['sim', '--events', '250', '--book', '5', '--symbol', 'ES,NQ']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(250);
    const types = new Set(lines.map((l) => JSON.parse(l).type));
    expect(types.has('book_snapshot')).toBe(true);
    expect(new Set(lines.map((l) => JSON.parse(l).symbol))).toEqual(new Set(['ES', 'NQ']));
    expect(r.stderr).toMatch(/wrote 250 events for ES, NQ .* to stdout/);
  });

  it('--bars 1m --format csv writes a canonical bar CSV', async () => {
    const out = join(dir, 'bars.csv');
    const r = await cli([
      'sim',
      '--preset',
      'crypto',
      '--symbol',
      'BTC-USD',
      '--duration',
      '1h',
      '--bars',
      '1m',
      '--format',
      'csv',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const rows = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(rows[0]).toBe(csvHeader('bar'));
    expect(rows.length - 1).toBe(60);
    expect(r.stdout).toContain('wrote 60 1m bars for BTC-USD');
  });

  it('--format csv without --bars writes one file per kind', async () => {
    const out = join(dir, 'ticks.csv');
    const r = await cli(['sim', '--duration', '5m', '--book', '--out', out]);
    expect(r.code).toBe(0);
    for (const kind of ['quote', 'trade', 'book', 'status'])
      expect(existsSync(join(dir, `ticks.${kind}.csv`))).toBe(true);
  });

  it('--config reads a JSON market config; flags override it', async () => {
    const cfg = join(dir, 'market.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        seed: 3,
        duration: '30m',
        symbols: [{ symbol: 'AAPL', price: 190, process: { type: 'gbm', volatility: 0.3 } }],
        scenarios: [{ type: 'halt', from: '10m', to: '20m' }],
      }),
    );
    const out = join(dir, 'cfg.jsonl');
    const r = await cli(['sim', '--config', cfg, '--seed', '4', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('seed 4');
    const statuses = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'status')
      .map((e) => e.status);
    expect(statuses).toEqual(['open', 'halt', 'open']);
  });

  it('shows a progress bar only on a TTY', async () => {
    const out = join(dir, 'tty.jsonl');
    const tty = await cli(['sim', '--duration', '2h', '--out', out], { tty: true });
    expect(tty.code).toBe(0);
    expect(tty.stdout).toContain('sim [');
    const plain = await cli(['sim', '--duration', '2h', '--out', out]);
    expect(plain.stdout).not.toContain('sim [');
  });

  it('bad flags exit 2', async () => {
    for (const args of [
      ['sim', '--seed'],
      ['sim', '--duration', 'forever'],
      ['sim', '--events', '-5'],
      ['sim', '--format', 'xml'],
      ['sim', '--bars', '7q'],
      ['sim', '--frobnicate'],
      ['sim', '--format', 'csv'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.length).toBeGreaterThan(0);
    }
  });

  it('bad config exits 2 (input error) with the TradeKitError message', async () => {
    const r = await cli(['sim', '--preset', 'lunar', '--duration', '1m']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[SIM_UNKNOWN_PRESET]');
    expect(r.stderr).toContain('"flash-crash"');
    const cfg = join(dir, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ symbols: [{ symbol: 'MNQ', process: { type: 'garch', volatility: -1 } }] }));
    const r2 = await cli(['sim', '--config', cfg]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('[SIM_INVALID_PARAMETER]');
    expect(r2.stderr).toContain('`garch.volatility`');
    const r3 = await cli(['sim', '--config', join(dir, 'missing.json')]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain('[SIM_INVALID_CONFIG]');
  });
});

describe('tradekit sim → tradekit replay', () => {
  it('replay reads the JSONL that sim writes back unchanged', async () => {
    const file = join(dir, 'rt.jsonl');
    expect((await cli(['sim', '--seed', '5', '--duration', '5m', '--book', '4', '--out', file])).code).toBe(0);
    const r = await cli(['replay', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(file, 'utf8'));
  });

  it('replay reads the per-kind CSV files that sim writes, same events', async () => {
    const base = join(dir, 'rt.csv');
    expect((await cli(['sim', '--seed', '5', '--duration', '5m', '--book', '4', '--out', base])).code).toBe(0);
    const files = ['quote', 'trade', 'book', 'status'].map((k) => join(dir, `rt.${k}.csv`));
    const r = await cli(['replay', ...files]);
    expect(r.code).toBe(0);
    const fromCsv = r.stdout.trimEnd().split('\n').sort();
    const fromJsonl = readFileSync(join(dir, 'rt.jsonl'), 'utf8').trimEnd().split('\n').sort();
    expect(fromCsv).toEqual(fromJsonl);
  });

  it('--out x.jsonl.gz writes gzip that replay reads back as the plain JSONL', async () => {
    const plain = join(dir, 'gz-plain.jsonl');
    const gz = join(dir, 'gz.jsonl.gz');
    expect((await cli(['sim', '--seed', '5', '--duration', '5m', '--out', plain])).code).toBe(0);
    expect((await cli(['sim', '--seed', '5', '--duration', '5m', '--out', gz])).code).toBe(0);
    const raw = readFileSync(gz);
    expect([raw[0], raw[1]]).toEqual([0x1f, 0x8b]);
    expect(gunzipSync(raw).toString('utf8')).toBe(readFileSync(plain, 'utf8'));
    const r = await cli(['replay', gz]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(plain, 'utf8'));
  });

  it('--out x.csv.gz writes gzip CSV per kind that replay reads', async () => {
    expect((await cli(['sim', '--seed', '5', '--duration', '5m', '--out', join(dir, 'gzc.csv.gz')])).code).toBe(0);
    const trades = join(dir, 'gzc.trade.csv.gz');
    expect(gunzipSync(readFileSync(trades)).toString('utf8').split('\n')[0]).toBe(csvHeader('trade'));
    const r = await cli(['replay', trades]);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n').length).toBeGreaterThan(100);
  });
});

describe('tradekit sim: misspelled config keys', () => {
  it('a --config key like `durration` is an error naming `duration`', async () => {
    const cfg = join(dir, 'typo.json');
    writeFileSync(cfg, JSON.stringify({ durration: '1h', symbols: [{ symbol: 'MNQ' }] }));
    const r = await cli(['sim', '--config', cfg]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('[SIM_UNKNOWN_KEY]');
    expect(r.stderr).toContain('Did you mean `duration`?');
    writeFileSync(cfg, JSON.stringify({ symbols: [{ symbol: 'MNQ', process: { type: 'garch', volatilty: 0.3 } }] }));
    const r2 = await cli(['sim', '--config', cfg]);
    expect(r2.stderr).toContain('Did you mean `volatility`?');
  });
});
