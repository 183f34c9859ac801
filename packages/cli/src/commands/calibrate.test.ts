import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../program.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-calibrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sink() {
  let text = '';
  const stream = Object.assign(
    new Writable({
      write(chunk, _enc, cb) {
        text += chunk.toString();
        cb();
      },
    }),
    { isTTY: false },
  );
  return { stream, text: () => text };
}

async function cli(args: string[]) {
  const out = sink();
  const err = sink();
  const code = await runCli(args, { stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

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
});
