/**
 * Delivery rate of the mock server and the proxy next to a bare `ws` server, one client on
 * loopback: `pnpm tsx src/mock/throughput.bench.ts`. Prints a table, then the figures as JSON.
 */
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { createProxy } from '../proxy/proxy.js';
import { createMockServer } from './server.js';

const N = 200_000;
const ROUNDS = 3;
const payload = JSON.stringify({ type: 'tick', symbol: 'MNQ', price: 18000.25, size: 3 });

async function receive(url: string, send: () => Promise<void>): Promise<number> {
  const ws = new WebSocket(url);
  await new Promise((r) => ws.on('open', r));
  let got = 0;
  const done = new Promise<void>((r) =>
    ws.on('message', () => {
      if (++got === N) r();
    }),
  );
  const t0 = performance.now();
  await send();
  await done;
  const ms = performance.now() - t0;
  ws.terminate();
  return Math.round((N / ms) * 1000);
}

async function pump(sendOne: () => void): Promise<void> {
  for (let i = 0; i < N; i++) {
    sendOne();
    if (i % 2000 === 0) await new Promise((r) => setImmediate(r));
  }
}

const runs: Record<string, () => Promise<number>> = {
  'bare ws server': async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    const conn = new Promise<WebSocket>((r) => wss.once('connection', r));
    const rate = await receive(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, async () => {
      const sock = await conn;
      await pump(() => sock.send(payload));
    });
    wss.close();
    return rate;
  },
  'mock server, no faults': async () => {
    const s = await createMockServer();
    const rate = await receive(s.url, async () => {
      const c = await s.connected;
      await pump(() => c.sendRaw(payload));
    });
    await s.stop();
    return rate;
  },
  'mock server, fault path (delay 0 + selector)': async () => {
    const s = await createMockServer({
      faults: [
        { type: 'duplicate', messages: [N + 1] },
        { type: 'delay', delay: 0 },
      ],
    });
    const rate = await receive(s.url, async () => {
      const c = await s.connected;
      await pump(() => c.sendRaw(payload));
    });
    await s.stop();
    return rate;
  },
  'proxy in front of the mock': async () => {
    const s = await createMockServer();
    const p = await createProxy({ target: s.url });
    const rate = await receive(p.url, async () => {
      const c = await s.connected;
      await pump(() => c.sendRaw(payload));
    });
    await p.stop();
    await s.stop();
    return rate;
  },
};

const figures: Record<string, number> = {};
for (const [name, run] of Object.entries(runs)) {
  const rates: number[] = [];
  for (let i = 0; i < ROUNDS; i++) rates.push(await run());
  rates.sort((a, b) => a - b);
  figures[name] = rates[Math.floor(ROUNDS / 2)] as number;
}
console.table(Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, { 'messages/s (median)': v }])));
console.log(JSON.stringify({ bench: 'ws-tester mock throughput', messages: N, rounds: ROUNDS, figures }));
