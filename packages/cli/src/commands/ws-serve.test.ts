import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMockServer, openProbe } from '@tradekit/ws-tester';
import { describe, expect, it } from 'vitest';
import { start as run } from '../testing/run-cli.js';

describe('tradekit ws-serve', () => {
  it('serves a JSON echo server on the printed url and stops after --duration', async () => {
    // A --duration long enough for the exchange below on a loaded machine (it was 300 ms, which a
    // stalled CI worker could outlast between "listening" and the probe's first frame).
    const { out, code } = run(['ws-serve', '--port', '0', '--json', '--echo', '--duration', '2s', '-q']);
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

  it('exits 2 on a bad flag, a bad value and a bad fault script (never listening)', async () => {
    expect(await run(['ws-serve', '--delay', 'soon']).code).toBe(2);
    const port = run(['ws-serve', '--port', '70000']);
    expect(await port.code).toBe(2);
    expect(port.err.text()).toMatch(/--port to be a port from 0 to 65535/);
    const closeCode = run(['ws-serve', '--port', '0', '--close-after', '1', '--close-code', '1006']);
    expect(await closeCode.code).toBe(2);
    expect(closeCode.err.text()).toMatch(/WS_FAULT_INVALID.*1006/s);
    const dir = mkdtempSync(join(tmpdir(), 'ws-serve-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ rules: [{ type: 'explode' }] }));
    const r = run(['ws-serve', '--port', '0', '--fault-script', file]);
    expect(await r.code).toBe(2);
    expect(r.err.text()).toMatch(/WS_FAULT_INVALID/);
    expect(r.out.text()).not.toMatch(/listening/);
    const typo = join(dir, 'typo.json');
    writeFileSync(typo, JSON.stringify({ rules: [{ type: 'drop', form: 3 }] }));
    const t = run(['ws-serve', '--port', '0', '--fault-script', typo]);
    expect(await t.code).toBe(2);
    expect(t.err.text()).toContain('Unknown key `form` in faults.rules[0] (a drop rule). Did you mean `from`?');
    expect(t.err.text()).toContain(typo);
    expect(t.out.text()).not.toMatch(/listening/);
  });

  it('serves a restart-only --fault-script, restarts on its timeline, and --duration ends it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-serve-'));
    const file = join(dir, 'restart.json');
    // The probe must connect before the restart: 1 s after listening, not 100 ms, which a busy
    // machine could outlast (the probe would then join the restarted server and never be dropped).
    writeFileSync(file, JSON.stringify({ rules: [], timeline: [{ type: 'restart', at: '1s' }] }));
    const { out, code } = run(['ws-serve', '--port', '0', '--echo', '--fault-script', file, '--duration', '2s', '-q']);
    const p = await openProbe(await out.url);
    expect((await p.closed).code).toBe(1006); // the restart dropped it
    expect(await code).toBe(0);
    expect(out.text()).toMatch(/stopped \(duration\)/);
  });

  it('logs refused connection attempts (401) in the connection log', async () => {
    const { out, err, code } = run(['ws-serve', '--port', '0', '--reject-first', '1', '--duration', '2s']);
    const url = await out.url;
    await expect(openProbe(url)).rejects.toThrow(/401/);
    const p = await openProbe(url);
    p.socket.close();
    await p.closed;
    process.emit('SIGINT');
    expect(await code).toBe(0);
    expect(err.text()).toMatch(/connection 0 from \S+ refused \(HTTP 401\)/);
    expect(err.text()).toMatch(/connection 1 from/);
  });

  it('--corrupt-every 3 and --duplicate-every 3 hit the 3rd, 6th and 9th message, as the API rule { every: 3 }', async () => {
    const { out, code } = run([
      'ws-serve',
      '--port',
      '0',
      '--echo',
      '--duplicate-every',
      '3',
      '--duration',
      '5s',
      '-q',
    ]);
    const p = await openProbe(await out.url);
    for (let i = 1; i <= 9; i++) p.socket.send(String(i));
    while (p.frames.items.length < 12) await p.frames.next();
    expect(p.frames.items.map((f) => f.data)).toEqual(['1', '2', '3', '3', '4', '5', '6', '6', '7', '8', '9', '9']);
    p.socket.close();
    process.emit('SIGINT');
    expect(await code).toBe(0);
    const corrupt = run(['ws-serve', '--port', '0', '--echo', '--corrupt-every', '3', '--duration', '5s', '-q']);
    const c = await openProbe(await corrupt.out.url);
    for (let i = 1; i <= 9; i++) c.socket.send(String(i));
    while (c.frames.items.length < 9) await c.frames.next();
    const bad = c.frames.items.flatMap((f, i) => {
      try {
        JSON.parse(f.data as string);
        return [];
      } catch {
        return [i + 1];
      }
    });
    expect(bad).toEqual([3, 6, 9]);
    c.socket.close();
    process.emit('SIGINT');
    expect(await corrupt.code).toBe(0);
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
      '2s', // time for a connection and three round trips through the proxy, even on a busy machine
    ]);
    const p = await openProbe(await out.url);
    for (const m of ['0', '1', '2']) p.socket.send(m);
    while (p.frames.items.length < 4) await p.frames.next();
    expect(p.frames.items.map((f) => f.data)).toEqual(['0', '1', '1', '2']); // the 2nd message, twice
    p.socket.close();
    expect(await code).toBe(0);
    expect(out.text()).toMatch(/stopped \(duration\): 1 connections, 3 frames down, 3 up/);
  });

  it('requires --target (exit 2)', async () => {
    expect(await run(['ws-proxy', '--port', '0']).code).toBe(2);
  });

  it('--duplicate-every 3 hits the 3rd, 6th and 9th frame from the target, as ws-serve and the API', async () => {
    await using target = await createMockServer({ echo: true });
    const { out, code } = run(['ws-proxy', '--target', target.url, '--port', '0', '--duplicate-every', '3', '-q']);
    const p = await openProbe(await out.url);
    for (let i = 1; i <= 9; i++) p.socket.send(String(i));
    while (p.frames.items.length < 12) await p.frames.next();
    expect(p.frames.items.map((f) => f.data)).toEqual(['1', '2', '3', '3', '4', '5', '6', '6', '7', '8', '9', '9']);
    p.socket.close();
    process.emit('SIGINT');
    expect(await code).toBe(0);
  });

  it('relays a 2 MiB client frame the target accepts; --max-payload sets a limit of its own', async () => {
    await using target = await createMockServer({ echo: true, maxPayload: 4 * 1024 * 1024 });
    const { out, code } = run(['ws-proxy', '--target', target.url, '--port', '0', '-q']);
    const p = await openProbe(await out.url);
    p.socket.send('y'.repeat(2 * 1024 * 1024));
    expect((await p.frames.nextWithin(10_000, 'the echo of the 2 MiB frame')).data).toHaveLength(2 * 1024 * 1024);
    p.socket.close();
    process.emit('SIGINT');
    expect(await code).toBe(0);
    const limited = run(['ws-proxy', '--target', target.url, '--port', '0', '--max-payload', '1024', '-q']);
    const q = await openProbe(await limited.out.url);
    q.socket.send('y'.repeat(2048));
    expect((await q.closed).code).toBe(1009);
    process.emit('SIGINT');
    expect(await limited.code).toBe(0);
  });

  it('exits 2 on a bad --port or fault script, before listening', async () => {
    const r = run(['ws-proxy', '--target', 'ws://127.0.0.1:1', '--port', '70000']);
    expect(await r.code).toBe(2);
    const s = run(['ws-proxy', '--target', 'ws://127.0.0.1:1', '--port', '0', '--corrupt-every', '0']);
    expect(await s.code).toBe(2);
    expect(s.out.text()).not.toMatch(/listening/);
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
    expect(faultScriptFromFlags({ dropAfter: 3, delay: 1000 }).rules).toMatchObject([
      { type: 'delay', delay: 1000, jitter: 0 },
      { type: 'drop', from: 3 },
    ]);
  });
});
