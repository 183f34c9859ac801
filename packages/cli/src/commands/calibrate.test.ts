import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-calibrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tradekit calibrate', () => {
  it('sim → calibrate → sim --preset: a preset JSON and a fit report from recorded data', async () => {
    const data = join(dir, 'day.jsonl.gz');
    expect((await cli(['sim', '--seed', '3', '--duration', '2d', '--out', data])).code).toBe(0);
    const preset = join(dir, 'mnq.preset.json');
    const report = join(dir, 'fit.md');
    const r = await cli(['calibrate', '--data', data, '--out', preset, '--report', report, '--seeds', '1']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /^tradekit calibrate: MNQ: [\d,]+ events \(\d+ trades, \d+ quotes, 0 bars\), 2880 bars of 60s →/,
    );
    expect([0, 1]).toContain(r.code);
    const json = JSON.parse(readFileSync(preset, 'utf8'));
    expect(json).toMatchObject({
      version: 1,
      symbol: 'MNQ',
      instrument: { tickSize: 0.25 },
      process: { type: 'garch' },
    });
    expect(readFileSync(report, 'utf8')).toMatch(/^# Fit report: MNQ/);
    const out = join(dir, 'synthetic.jsonl');
    const s = await cli(['sim', '--preset', preset, '--seed', '7', '--duration', '1h', '--out', out]);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain('(preset calibrated, seed 7)');
    expect(readFileSync(out, 'utf8').split('\n').length).toBeGreaterThan(100);
  }, 120_000);

  it('bad input exits 2 with a typed error: empty file, too little data, unknown preset key, wrong version', async () => {
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const e = await cli(['calibrate', '--data', empty, '--out', join(dir, 'x.json')]);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain('[SIM_CALIBRATION_DATA]');
    const small = join(dir, 'small.jsonl');
    expect((await cli(['sim', '--duration', '2h', '--out', small])).code).toBe(0);
    const t = await cli(['calibrate', '--data', small, '--out', join(dir, 'x.json')]);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/at least 1001 bars/);
    const p = join(dir, 'bad.preset.json');
    writeFileSync(p, JSON.stringify({ version: 1, symbl: 'X' }));
    const k = await cli(['sim', '--preset', p, '--duration', '1m']);
    expect(k.code).not.toBe(0);
    expect(k.stderr).toContain('[SIM_UNKNOWN_KEY]');
    expect(k.stderr).toContain('Did you mean `symbol`?');
    writeFileSync(p, JSON.stringify({ version: 99 }));
    const v = await cli(['sim', '--preset', p, '--duration', '1m']);
    expect(v.stderr).toContain('[SIM_PRESET_VERSION]');
    const missing = await cli(['calibrate', '--out', join(dir, 'x.json')]);
    expect(missing.code).toBe(2);
  });

  describe("replay's reader flags (shared with tradekit replay)", () => {
    const fixtures = join(import.meta.dirname, '..', '..', '..', 'replay', 'fixtures');
    /**
     * The fixture in its vendor layout, its 300 rows repeated `copies` times later in time (every
     * time column shifted by `shift` per copy), written under its own file name in the temp dir:
     * calibrate needs at least 1001 bars with a price, more than one fixture holds.
     */
    function tiled(name: string, copies: number, timeColumns: number[], shift: number): string {
      const lines = readFileSync(join(fixtures, name), 'utf8').trim().split('\n');
      const header = /^[a-z_]+,/.test(lines[0] as string) ? [lines[0] as string] : [];
      const rows = lines.slice(header.length);
      const out = [...header];
      for (let k = 0; k < copies; k++)
        for (const row of rows) {
          const c = row.split(',');
          for (const t of timeColumns) c[t] = String(Number(c[t]) + k * shift);
          out.push(c.join(','));
        }
      const sub = join(dir, `tiled-${name.replace(/\W/g, '')}`);
      mkdirSync(sub, { recursive: true });
      const path = join(sub, name);
      writeFileSync(path, `${out.join('\n')}\n`);
      return path;
    }
    // 1500 trades each: with 2 ms (tardis) or 50 ms (binance) bars, well over 1001 bars.
    const tardis = tiled('tardis-trades.csv', 5, [2, 3], 3_100_000);
    const binance = tiled('BTCUSDT-trades-2024-01-01.csv', 5, [4], 61_000);

    it('--format <vendor preset>: calibrates the tardis-trades fixture', async () => {
      const out = join(dir, 'tardis.preset.json');
      const data = tardis;
      const r = await cli([
        'calibrate',
        '--data',
        data,
        '--format',
        'tardis-trades',
        '--interval',
        '2ms',
        '--out',
        out,
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^tradekit calibrate: BTCUSDT: 1,500 events \(1500 trades, 0 quotes, 0 bars\)/);
      expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ version: 1, symbol: 'BTCUSDT' });
    });

    it('--format binance-trades with --symbol: a headerless vendor file, symbol named by the flag', async () => {
      const out = join(dir, 'binance.preset.json');
      const data = binance;
      const r = await cli([
        'calibrate',
        '--data',
        data,
        '--format',
        'binance-trades',
        '--interval',
        '50ms',
        '--out',
        out,
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^tradekit calibrate: BTCUSDT: 1,500 events \(1500 trades/);
      const s = await cli([
        'calibrate',
        '--data',
        data,
        '--format',
        'binance-trades',
        '--symbol',
        'XBT',
        '--interval',
        '50ms',
        '--out',
        out,
      ]);
      expect(s.code).toBe(0);
      expect(s.stdout).toMatch(/^tradekit calibrate: XBT: 1,500 events/);
      expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ symbol: 'XBT' });
    });

    it('--kind, --map, --no-header, --delimiter, --symbol and --mapping read a headerless custom layout', async () => {
      // The tardis rows rewritten as `price;amount;timestamp`, no header, no symbol column.
      const rows = readFileSync(tardis, 'utf8').trim().split('\n').slice(1);
      const data = join(dir, 'custom.csv');
      writeFileSync(
        data,
        `${rows
          .map((l) => {
            const c = l.split(',');
            return `${c[6]};${c[7]};${c[2]}`;
          })
          .join('\n')}\n`,
      );
      const out = join(dir, 'custom.preset.json');
      const flags = ['--kind', 'trade', '--symbol', 'BTC', '--no-header', '--delimiter', ';', '--ts', 'us'];
      const r = await cli([
        'calibrate',
        '--data',
        data,
        ...flags,
        '--map',
        'price=0,size=1,ts=2',
        '--interval',
        '2ms',
        '--out',
        out,
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^tradekit calibrate: BTC: 1,500 events \(1500 trades/);
      const mapping = join(dir, 'mapping.json');
      writeFileSync(mapping, JSON.stringify({ columns: { price: 0, size: 1, ts: 2 } }));
      const m = await cli([
        'calibrate',
        '--data',
        data,
        ...flags,
        '--mapping',
        mapping,
        '--interval',
        '2ms',
        '--out',
        out,
      ]);
      expect(m.code).toBe(0);
      expect(m.stdout).toBe(r.stdout);
      // Same errors as replay's: an unknown --map field names the nearest one, exit 2.
      const bad = await cli(['calibrate', '--data', data, ...flags, '--map', 'prize=0', '--out', out]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('[REPLAY_INVALID_OPTION]');
      expect(bad.stderr).toContain('`price`');
    });
  });
});
