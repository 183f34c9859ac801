import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../program.js';

const dir = mkdtempSync(join(tmpdir(), 'tradekit-parity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        f(chunk.toString());
        cb();
      },
    });
  const code = await runCli(args, {
    stdout: sink((s) => {
      out += s;
    }),
    stderr: sink((s) => {
      err += s;
    }),
  });
  return { code, out, err };
}

describe('tradekit parity', () => {
  const bars = join(dir, 'bars.jsonl');
  const strategy = join(dir, 'flip.mjs');

  it('exit 0 and MATCH when backtest and live client agree; exit 1 with the cause when the live latency differs', async () => {
    expect((await run(['sim', '--duration', '20m', '--bars', '1m', '--seed', '3', '--out', bars])).code).toBe(0);
    writeFileSync(
      strategy,
      "export default { name: 'flip', onBar(_b, ctx) { if (ctx.position() === 0) ctx.buy(1); else ctx.sell(1); } };",
    );
    const report = join(dir, 'report.json');
    const ok = await run([
      'parity',
      '--data',
      bars,
      '--strategy',
      strategy,
      '--fee-per-contract',
      '0.62',
      '--out',
      report,
    ]);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^parity MATCH: flip/);
    const saved = JSON.parse(readFileSync(report, 'utf8'));
    expect(saved.match).toBe(true);
    expect(saved.fills.live.length).toBeGreaterThan(5);
    expect(saved.fills.live).toEqual(saved.fills.backtest);

    const bad = await run(['parity', '--data', bars, '--strategy', strategy, '--live-latency', '90s', '--json']);
    expect(bad.code).toBe(1);
    const r = JSON.parse(bad.out);
    expect(r.match).toBe(false);
    expect(r.causes).toEqual(['latency model differs: backtest default, live {"orderEntry":"90s"}']);
  }, 120_000);

  it('exit 2 on bad input: missing data file, bad pacing, a strategy the gateway cannot express', async () => {
    const missing = await run(['parity', '--data', join(dir, 'nope.csv'), '--strategy', 'sma-cross']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/BACKTEST_DATA_INVALID/);
    const pacing = await run(['parity', '--data', bars, '--strategy', 'sma-cross', '--pacing', 'soon']);
    expect(pacing.code).toBe(2);
    expect(pacing.err).toMatch(/VENUE_CONFIG_INVALID.*live\.pacing\.every/);
    const quotes = join(dir, 'quotes.mjs');
    writeFileSync(quotes, "export default { name: 'q', onQuote() {} };");
    const unsupported = await run(['parity', '--data', bars, '--strategy', quotes]);
    expect(unsupported.code).toBe(2);
    expect(unsupported.err).toMatch(/VENUE_PARITY_UNSUPPORTED/);
  }, 60_000);
});
