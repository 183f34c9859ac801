import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createMockServer, openProbe } from '@tradekit/ws-tester';
import { describe, expect, it } from 'vitest';
import { runCli } from '../program.js';

/** Captures a stream and resolves `url` once the command prints its listening line. */
function capture() {
  let text = '';
  let onUrl: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => {
    onUrl = resolve;
  });
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      const m = /listening on (\S+)/.exec(text);
      if (m) onUrl(m[1] as string);
      cb();
    },
  });
  return { stream, url, text: () => text };
}

function run(args: string[]) {
  const out = capture();
  const err = capture();
  const code = runCli(args, { stdout: out.stream, stderr: err.stream });
  return { out, err, code };
}

describe('tradekit ws-serve', () => {
  it('serves a JSON echo server on the printed url and stops after --duration', async () => {
    const { out, code } = run(['ws-serve', '--port', '0', '--json', '--echo', '--duration', '300ms', '-q']);
    const url = await out.url;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const p = await openProbe(url);
    p.socket.send('{"op":"ping"}');
    expect((await p.frames.next()).data).toBe('{"op":"ping"}');
    p.socket.send('{bad');
    expect(JSON.parse((await p.frames.next()).data as string)).toMatchObject({
      type: 'error',
      code: 'WS_INVALID_JSON',
    });
    expect(await code).toBe(0);
    expect(out.text()).toMatch(/stopped \(duration\): 1 connection attempts, 1 messages received, 1 protocol errors/);
  });

  it('applies fault flags: --drop-after and --delay', async () => {
    const { out, code } = run([
      'ws-serve',
      '--port',
      '0',
      '--echo',
      '--drop-after',
      '2',
      '--delay',
      '1ms',
      '--duration',
      '2s',
      '-q',
    ]);
    const p = await openProbe(await out.url);
    for (const m of ['a', 'b', 'c']) p.socket.send(m);
    expect((await p.closed).code).toBe(1006);
    expect(p.frames.items.map((f) => f.data)).toEqual(['a', 'b']);
    process.emit('SIGINT');
    expect(await code).toBe(0);
    expect(out.text()).toMatch(/stopped \(SIGINT\)/);
  });

  it('reads a --fault-script file and --reject-first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-serve-'));
    const file = join(dir, 'faults.json');
    writeFileSync(file, JSON.stringify({ rules: [{ type: 'close', code: 4002, reason: 'scripted', messages: [0] }] }));
    const { out, code } = run([
      'ws-serve',
      '--port',
      '0',
      '--echo',
      '--fault-script',
      file,
      '--reject-first',
      '1',
      '--duration',
      '2s',
      '-q',
    ]);
    const url = await out.url;
    await expect(openProbe(url)).rejects.toThrow(/401/);
    const p = await openProbe(url);
    p.socket.send('x');
    expect(await p.closed).toEqual({ code: 4002, reason: 'scripted' });
    process.emit('SIGTERM');
    expect(await code).toBe(0);
  });

  it('serves a SignalR hub with --signalr', async () => {
    const { out, code } = run(['ws-serve', '--port', '0', '--signalr', '/market', '--duration', '2s', '-q']);
    const url = await out.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/market$/);
    const p = await openProbe(url.replace('http', 'ws'));
    p.socket.send('{"protocol":"json","version":1}\u001e');
    expect((await p.frames.next()).data).toBe('{}\u001e');
    p.socket.send('{"type":1,"invocationId":"1","target":"Echo","arguments":["hi"]}\u001e');
    expect(JSON.parse(((await p.frames.next()).data as string).slice(0, -1))).toEqual({
      type: 3,
      invocationId: '1',
      result: 'hi',
    });
    process.emit('SIGINT');
    expect(await code).toBe(0);
  });

  it('serves a market-sim feed with --feed', async () => {
    const { out, code } = run([
      'ws-serve',
      '--port',
      '0',
      '--feed',
      '--symbols',
      'MNQ',
      '--rate',
      '2000',
      '--duration',
      '3s',
    ]);
    const p = await openProbe(await out.url);
    p.socket.send(JSON.stringify({ op: 'subscribe', symbols: ['MNQ'] }));
    const first = JSON.parse((await p.frames.next()).data as string);
    expect(first).toBeTypeOf('object');
    while (p.frames.items.length < 5) await p.frames.next();
    const ops = p.json().map((m) => (m as { op?: string }).op);
    expect(ops).toContain('snapshot');
    expect(ops).toContain('update');
    process.emit('SIGINT');
    expect(await code).toBe(0);
  });

  it('exits 2 on a bad flag and 1 on a bad fault script', async () => {
    expect(await run(['ws-serve', '--delay', 'soon']).code).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), 'ws-serve-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ rules: [{ type: 'explode' }] }));
    const r = run(['ws-serve', '--port', '0', '--fault-script', file]);
    expect(await r.code).toBe(1);
    expect(r.err.text()).toMatch(/WS_FAULT_INVALID/);
  });
});

describe('tradekit ws-proxy', () => {
  it('proxies to --target with faults and stops on --duration', async () => {
    await using target = await createMockServer({ echo: true });
    const { out, code } = run([
      'ws-proxy',
      '--target',
      target.url,
      '--port',
      '0',
      '--duplicate-every',
      '2',
      '--duration',
      '500ms',
    ]);
    const p = await openProbe(await out.url);
    for (const m of ['0', '1', '2']) p.socket.send(m);
    while (p.frames.items.length < 4) await p.frames.next();
    expect(p.frames.items.map((f) => f.data)).toEqual(['0', '1', '2', '2']);
    p.socket.close();
    expect(await code).toBe(0);
    expect(out.text()).toMatch(/stopped \(duration\): 1 connections, 3 frames down, 3 up/);
  });

  it('requires --target (exit 2)', async () => {
    expect(await run(['ws-proxy', '--port', '0']).code).toBe(2);
  });
});

describe('fault flags', () => {
  it('keeps the seed of a --fault-script unless --seed is given', async () => {
    const { faultScriptFromFlags } = await import('./ws-serve.js');
    const dir = mkdtempSync(join(tmpdir(), 'ws-serve-'));
    const file = join(dir, 'seeded.json');
    writeFileSync(file, JSON.stringify({ seed: 'abc', rules: [{ type: 'lose', probability: 0.5 }] }));
    expect(faultScriptFromFlags({ faultScript: file }).seed).toBe('abc');
    expect(faultScriptFromFlags({ faultScript: file, seed: '9' }).seed).toBe(9);
    expect(faultScriptFromFlags({ dropAfter: 3, delay: 1000 }).rules).toEqual([
      { type: 'delay', delay: 1000, jitter: 0 },
      { type: 'drop', from: 3 },
    ]);
  });
});
