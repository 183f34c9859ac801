// A/B (same process, interleaved rounds, CPU time): one depth frame to N sockets as a string per
// ws.send, as one Buffer per ws.send (encoded once), or as one pre-built frame per socket.write.
import { WebSocket, WebSocketServer } from 'ws';
const N = Number(process.env.N ?? 500);
const ROUNDS = Number(process.env.ROUNDS ?? 40);
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await new Promise((r) => wss.on('listening', r));
const server = [];
wss.on('connection', (ws) => server.push(ws));
const clients = [];
let got = 0;
for (let i = 0; i < N; i++) {
  const c = new WebSocket(`ws://127.0.0.1:${wss.address().port}`);
  c.on('message', () => got++);
  clients.push(c);
  await new Promise((r) => c.on('open', r));
}
while (server.length < N) await new Promise((r) => setTimeout(r, 10));
const text = JSON.stringify({
  e: 'depthUpdate',
  E: 1767571200000,
  s: 'BTCUSDT',
  U: 1001,
  u: 1003,
  b: [['59999.9', '1.234']],
  a: [
    ['60000.1', '0.500'],
    ['60001.3', '0'],
  ],
});
function frame(buf) {
  const n = buf.length;
  const head = n < 126 ? Buffer.from([0x81, n]) : Buffer.from([0x81, 126, n >> 8, n & 255]);
  return Buffer.concat([head, buf]);
}
const modes = {
  string: () => {
    for (const ws of server) ws.send(text);
  },
  buffer: () => {
    const b = Buffer.from(text);
    for (const ws of server) ws.send(b, { binary: false });
  },
  rawFrame: () => {
    const f = frame(Buffer.from(text));
    for (const ws of server) ws._socket.write(f);
  },
};
const cpu = Object.fromEntries(Object.keys(modes).map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [k, f] of Object.entries(modes)) {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    cpu[k].push((c.user + c.system) / N);
    const want = got + N;
    while (got < want) await new Promise((res) => setImmediate(res));
  }
}
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
console.log(
  `N=${N} rounds=${ROUNDS}: CPU µs per socket (median) ${Object.entries(cpu)
    .map(([k, v]) => `${k} ${med(v).toFixed(2)}`)
    .join(', ')}`,
);
for (const c of clients) c.terminate();
wss.close();
process.exit(0);
