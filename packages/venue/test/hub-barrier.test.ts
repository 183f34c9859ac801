/**
 * VenueServer's hub barrier: a method runs at once, its completion (result or error) is sent only
 * after the endpoint's barrier resolves, and an async method that fails while the barrier is still
 * pending is not an unhandled rejection.
 */
import { RealClock } from '@tradekit/types';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { VenueServer } from '../src/server.js';

const RS = '\u001e';
let server: VenueServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('hub barrier', () => {
  it('holds completions until the barrier resolves; an async failure before it comes back as the error', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const ran: string[] = [];
    server = new VenueServer({
      clock: new RealClock(),
      maxPayload: 1 << 16,
      keepAliveMs: 0,
      http: (_req, res) => res.writeHead(404).end(),
    });
    server.mountHub('/hub', {
      authorize: async () => ({ identity: 'x' }),
      methods: new Map<string, (args: unknown[]) => unknown>([
        ['ok', () => ran.push('ok') && 'done'],
        [
          'fails',
          () => {
            ran.push('fails');
            return Promise.reject(new Error('boom'));
          },
        ],
      ]),
      barrier: () => gate,
    });
    await server.listen();
    const ws = new WebSocket(server.url.replace('http', 'ws'));
    const records: Array<Record<string, unknown>> = [];
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('handshake timed out after 5 s')), 5000);
      ws.on('open', () => ws.send(`{"protocol":"json","version":1}${RS}`));
      ws.on('message', (d) => {
        for (const p of d.toString().split(RS).filter(Boolean)) {
          const m = JSON.parse(p);
          if (m.type === undefined) {
            clearTimeout(t);
            resolve();
          } else records.push(m);
        }
      });
    });
    ws.send(`{"type":1,"target":"ok","arguments":[],"invocationId":"1"}${RS}`);
    ws.send(`{"type":1,"target":"fails","arguments":[],"invocationId":"2"}${RS}`);
    const deadline = Date.now() + 5000;
    while (ran.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    // Both ran; the rejected promise has waited a few turns behind the barrier.
    expect(ran).toEqual(['ok', 'fails']);
    await new Promise((r) => setTimeout(r, 20));
    expect(records).toEqual([]);
    release();
    while (records.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(records).toEqual([
      { type: 3, invocationId: '1', result: 'done' },
      { type: 3, invocationId: '2', error: expect.stringContaining('boom') },
    ]);
    ws.terminate();
  });
});
