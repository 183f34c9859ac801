/**
 * Servers for the benchmarks, each run in its own child process (`fork` with tsx) so the client
 * side and the server side do not share a core's event loop. Talks to the parent over IPC.
 *
 *   idle       a bare ws server that only holds connections; answers {cmd:'count'}
 *   echo       createEchoServer()
 *   feed       createFeedServer() over N quotes, unpaced (speed Infinity), started by {cmd:'start'}
 *   broadcast  a bare ws loop sending the same N frames to every client (the feed's baseline)
 */
import type { AddressInfo } from 'node:net';
import type { MarketEvent } from '@tradekit/types';
import { eventToJsonLine } from '@tradekit/types';
import { WebSocketServer } from 'ws';
import { createFeedServer } from '../src/feed/server.js';
import { createEchoServer } from '../src/load/echo-server.js';

const mode = process.argv[2];
const send = (m: unknown) => process.send?.(m);
const symbols = ['MNQ', 'ES', 'NQ', 'CL'];

function* quotes(n: number): Generator<MarketEvent> {
  const t0 = 1_700_000_000_000_000;
  for (let i = 0; i < n; i++) {
    const p = 17000 + (i % 40) * 0.25;
    yield {
      type: 'quote',
      symbol: symbols[i % symbols.length] as string,
      ts: t0 + i * 100,
      bid: p,
      bidSize: 1 + (i % 7),
      ask: p + 0.25,
      askSize: 2 + (i % 5),
    };
  }
}

async function main(): Promise<void> {
  if (mode === 'idle') {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, backlog: 4096 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    let open = 0;
    wss.on('connection', (ws) => {
      open++;
      ws.on('close', () => open--);
      ws.on('error', () => {});
    });
    process.on('message', (m: { cmd: string }) => {
      if (m.cmd === 'count') send({ open, rss: process.memoryUsage().rss });
    });
    send({ port: (wss.address() as AddressInfo).port });
  } else if (mode === 'echo') {
    const echo = await createEchoServer();
    send({ port: echo.port });
  } else if (mode === 'feed') {
    const n = Number(process.argv[3]);
    const feed = await createFeedServer({
      source: quotes(n),
      speed: Number.POSITIVE_INFINITY,
      autoStart: false,
      maxBufferedBytes: 1 << 30,
    });
    process.on('message', (m: { cmd: string }) => {
      if (m.cmd === 'start') {
        const t0 = performance.now();
        feed.start();
        void feed.done.then((s) => send({ done: true, stats: s, serverMs: performance.now() - t0 }));
      } else if (m.cmd === 'count') send({ stats: feed.stats() });
    });
    send({ port: feed.port });
  } else if (mode === 'broadcast') {
    const n = Number(process.argv[3]);
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    wss.on('connection', (ws) => ws.on('error', () => {}));
    process.on('message', async (m: { cmd: string }) => {
      if (m.cmd === 'count') send({ clients: wss.clients.size });
      if (m.cmd !== 'start') return;
      const t0 = performance.now();
      let i = 0;
      for (const ev of quotes(n)) {
        // Same frame shape and size as the feed server's updates, serialized once per event.
        const frame = `{"op":"update","seq":${++i},"sent":${Date.now() * 1000},"event":${eventToJsonLine(ev)}}`;
        for (const ws of wss.clients) ws.send(frame);
        if (i % 256 === 0) await new Promise<void>((r) => setImmediate(r));
      }
      for (const ws of wss.clients) ws.send('{"op":"end"}');
      send({ done: true, serverMs: performance.now() - t0 });
    });
    send({ port: (wss.address() as AddressInfo).port });
  } else {
    throw new Error(`unknown server mode ${mode}`);
  }
}

void main();
