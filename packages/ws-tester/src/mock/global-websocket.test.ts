/**
 * The mock server with Node's built-in WHATWG WebSocket (undici), the same client API browsers
 * have. Node 20 ships it behind --experimental-websocket, so the client runs in a child process.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createMockServer } from './server.js';

const run = promisify(execFile);

const hasGlobal = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function';
const flags = hasGlobal ? [] : ['--experimental-websocket', '--no-warnings'];

const CLIENT = `
const ws = new WebSocket(process.argv[1]);
const seen = [];
ws.onopen = () => ws.send(JSON.stringify({ op: 'subscribe', symbol: 'MNQ' }));
ws.onmessage = (e) => { seen.push(typeof e.data === 'string' ? e.data : 'binary'); };
ws.onclose = (e) => { console.log(JSON.stringify({ seen, code: e.code, reason: e.reason })); };
`;

describe('MockServer with the WHATWG WebSocket client', () => {
  it('talks JSON, then the client sees the close code and reason', async () => {
    await using server = await createMockServer({ json: true });
    server.handle({ op: 'subscribe' }, (m, client) => {
      client.send({ op: 'subscribed', symbol: m.symbol });
      client.send({ op: 'tick', price: 18000.25 });
      client.close({ code: 4000, reason: 'done' });
    });
    const { stdout } = await run(process.execPath, [...flags, '-e', CLIENT, server.url], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({
      seen: ['{"op":"subscribed","symbol":"MNQ"}', '{"op":"tick","price":18000.25}'],
      code: 4000,
      reason: 'done',
    });
  });

  it('sees an injected drop as 1006', async () => {
    await using server = await createMockServer({ json: true, faults: [{ type: 'drop', from: 1 }] });
    server.handle({ op: 'subscribe' }, (m, client) => {
      client.send(m);
      client.send({ second: true }); // message 1: dropped with the connection
    });
    const { stdout } = await run(process.execPath, [...flags, '-e', CLIENT, server.url], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({ seen: ['{"op":"subscribe","symbol":"MNQ"}'], code: 1006, reason: '' });
  });
});
