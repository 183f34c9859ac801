import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EchoServer, createEchoServer } from '@tradekit/ws-tester';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../program.js';
import { cli as tradekit, sink } from '../testing/run-cli.js';

const cli = (args: string[]) => tradekit(['ws-load', ...args]);

let echo: EchoServer;
beforeAll(async () => {
  echo = await createEchoServer();
});
afterAll(async () => {
  await echo.close();
});

describe('tradekit ws-load', () => {
  it('exits 0 and prints a summary when every threshold passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-load-'));
    const json = join(dir, 'report.json');
    const r = await cli([
      '--url',
      echo.url,
      '-c',
      '3',
      '-d',
      '500ms',
      '--workers',
      '0',
      '-t',
      'errors<1%',
      '-t',
      'p99<10s',
      '--json',
      json,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/connects {3}3\/3 ok/);
    expect(r.stdout).toContain('PASS  p99<10s');
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.passed).toBe(true);
    expect(report.messages.received).toBeGreaterThan(0);
    expect(report.latency.count).toBe(report.messages.received);
  });

  it('exits 1 when a threshold fails', async () => {
    const r = await cli([
      '--url',
      echo.url,
      '-c',
      '2',
      '-d',
      '300ms',
      '--workers',
      '0',
      '--rate',
      '20',
      '--threshold',
      'p50<1us',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL  p50<1us');
    expect(r.stdout).toContain('corrected for coordinated omission');
  });

  it('merges shard reports into one and checks thresholds on the whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-load-'));
    const files = [join(dir, 'a.json'), join(dir, 'b.json')];
    for (const [i, f] of files.entries()) {
      const r = await cli([
        '--url',
        echo.url,
        '-c',
        '4',
        '-d',
        '300ms',
        '--workers',
        '0',
        '--shard',
        `${i + 1}/2`,
        '--json',
        f,
      ]);
      expect(r.code).toBe(0);
    }
    const parts = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
    const merged = await cli(['--merge', ...files, '--json', '-', '-t', 'errors<1%']);
    expect(merged.code).toBe(0);
    const whole = JSON.parse(merged.stdout);
    expect(whole.connections).toBe(4);
    expect(whole.latency.count).toBe(parts[0].latency.count + parts[1].latency.count);
    expect(whole.shards).toEqual([
      { index: 1, count: 2 },
      { index: 2, count: 2 },
    ]);
    const failing = await cli(['--merge', ...files, '-t', 'throughput>1000000000']);
    expect(failing.code).toBe(1);
  });

  it('exits 2 on bad flags', async () => {
    expect((await cli(['--url', echo.url, '-c', 'many', '-d', '1s'])).code).toBe(2);
    expect((await cli(['--url', echo.url, '-c', '1', '-d', '1s', '--mode', 'flood'])).code).toBe(2);
    expect((await cli(['-c', '1', '-d', '1s'])).code).toBe(2);
    const badThreshold = await cli(['--url', echo.url, '-c', '1', '-d', '1s', '-t', 'p99<fast']);
    expect(badThreshold.code).toBe(2);
    expect(badThreshold.stderr).toContain('WS_THRESHOLD_INVALID');
    expect((await cli(['--url', 'ws://10.1.2.3:80', '-c', '1', '-d', '1s'])).code).toBe(2);
    expect((await cli(['--url', echo.url, '-c', '1', '-d', 'forever'])).code).toBe(2);
    expect((await cli(['--url', echo.url, '-c', '1', '-d', '1s', '--shard', '0/2'])).code).toBe(2);
    expect((await cli(['--url', echo.url, '-c', '1', '-d', '1s', '--request', '[1]'])).code).toBe(2);
    expect((await cli(['--url', echo.url, '-c', '1', '-d', '1s', '--correlate', 'magic'])).code).toBe(2);
  });

  it('shows live progress only when stderr is a terminal', async () => {
    const run = async (tty: boolean) => {
      const out = sink();
      const err = sink({ tty });
      const code = await runCli(['ws-load', '--url', echo.url, '-c', '1', '-d', '600ms', '--workers', '0'], {
        stdout: out.stream,
        stderr: err.stream,
      });
      return { code, stderr: err.text() };
    };
    const tty = await run(true);
    expect(tty.code).toBe(0);
    expect(tty.stderr).toMatch(/\[2Kws-load \d+%/);
    const piped = await run(false);
    expect(piped.stderr).toBe('');
  });

  it('exits 1 when nothing listens: p99 and connect_p99 have no samples, and nothing says PASSED', async () => {
    const gone = await createEchoServer();
    await gone.close();
    const r = await cli(['--url', gone.url, '-c', '2', '-d', '200ms', '--workers', '0', '-t', 'p99<50ms']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL  p99<50ms  (no samples)');
    expect(r.stdout).toMatch(/result {5}FAILED/);
    expect(r.stdout).not.toContain('PASS');
    const bare = await cli(['--url', gone.url, '-c', '1', '-d', '100ms', '--workers', '0', '-t', 'connect_p99<50ms']);
    expect(bare.code).toBe(1);
    expect(bare.stdout).toContain('FAIL  connect_p99<50ms  (no samples)');
    const none = await cli(['--url', gone.url, '-c', '1', '-d', '100ms', '--workers', '0']);
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/no successful round trip/);
    const optedIn = await cli([
      ...['--url', gone.url, '-c', '1', '-d', '100ms', '--workers', '0'],
      ...['--allow-empty', '--allow-errors'],
    ]);
    expect(optedIn.code).toBe(0);
  });

  it('exits 2 (input error) on an unreadable merge input', async () => {
    const r = await cli(['--merge', '/nonexistent/a.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('WS_REPORT_INVALID');
  });
});
