// biome-ignore-all lint/suspicious/noExplicitAny: hub and REST payloads are parsed JSON
/**
 * Load bench (issue 17): 1,000 market-hub clients receive quotes while 100 of them trade at a total
 * 100 orders/s. Measures the order round trip (REST place → GatewayUserOrder on the user hub, p50 /
 * p99) and the quote delivery rate, with the loopback HTTP floor (GET Status/ping under the same
 * load) side by side. The venue runs in its own process; the clients here speak the SignalR JSON
 * protocol over raw `ws` (the same frames @microsoft/signalr sends).
 *
 *   pnpm bench            # defaults: 1000 clients, 100 traders, 100 orders/s, 15 s, a quote every 100 ms;
 *                         # two rounds: fan-out through ws.send per socket, then one shared frame
 *   CLIENTS=200 SECONDS=5 FANOUT=shared pnpm bench
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHistogram } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

// Side by side in one run: the fan-out through ws.send per socket, then the shared pre-built frame
// (each round in its own processes). FANOUT=shared or FANOUT=ws-send runs one round.
if (process.env.FANOUT === undefined || process.env.FANOUT === 'both') {
  let failed = 0;
  for (const mode of ['ws-send', 'shared']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
      env: { ...process.env, FANOUT: mode },
      stdio: 'inherit',
    });
    if (r.status !== 0) failed++;
  }
  process.exit(failed === 0 ? 0 : 1);
}
const CLIENTS = Number(process.env.CLIENTS ?? 1000);
const TRADERS = Number(process.env.TRADERS ?? 100);
const RATE = Number(process.env.RATE ?? 100);
const SECONDS = Number(process.env.SECONDS ?? 15);
const QUOTE_MS = Number(process.env.QUOTE_MS ?? 100);
const RS = '\u001e';
const C = 'CON.F.US.MNQ.U25';

// PROF_DIR=/tmp/prof writes a CPU profile of the venue process there (node --cpu-prof).
const prof = process.env.PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF_DIR}`] : [];
const server = spawn(
  process.execPath,
  [...prof, '--import', 'tsx', fileURLToPath(new URL('./server.ts', import.meta.url))],
  {
    env: { ...process.env, N_ACCOUNTS: String(TRADERS), QUOTE_MS: String(QUOTE_MS), SECONDS: String(SECONDS + 120) },
    stdio: ['pipe', 'pipe', 'inherit'],
  },
);
process.on('exit', () => server.kill());
process.on('uncaughtException', (err) => {
  console.error(err);
  server.kill();
  process.exit(1);
});
let out = '';
const url = await new Promise<string>((resolve, reject) => {
  const t = setTimeout(() => reject(new Error('venue did not start within 60 s')), 60_000);
  server.stdout.on('data', (d) => {
    out += d.toString();
    const m = /READY (\S+)/.exec(out);
    if (m) {
      clearTimeout(t);
      resolve(m[1] as string);
    }
  });
});
const base = url;
const wsBase = url.replace('http', 'ws');

async function post(path: string, body: unknown, token?: string): Promise<any> {
  const res = await fetch(`${base}/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return res.json();
}

interface Hub {
  ws: WebSocket;
  invoke(target: string, ...args: unknown[]): Promise<void>;
}
function connectHub(path: string, token: string, onEvent: (target: string, args: any[]) => void): Promise<Hub> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}${path}?access_token=${token}`);
    let id = 0;
    const pending = new Map<string, () => void>();
    let ready = false;
    let rest = '';
    const timer = setTimeout(() => reject(new Error(`hub ${path} handshake timed out`)), 120_000);
    ws.on('open', () => ws.send(`{"protocol":"json","version":1}${RS}`));
    ws.on('error', reject);
    ws.on('message', (data) => {
      const text = data.toString();
      // Quotes are only counted: the harness shares the 2 cores with the venue, so it does not
      // JSON-parse the 10,000 quote frames a second it receives (one record per frame).
      if (ready && rest === '' && text.startsWith('{"type":1,"target":"GatewayQuote"')) {
        onEvent('GatewayQuote', []);
        return;
      }
      const parts = (rest + text).split(RS);
      rest = parts.pop() ?? '';
      for (const p of parts) {
        const m = JSON.parse(p);
        if (!ready) {
          ready = true;
          clearTimeout(timer);
          resolve({
            ws,
            invoke: (target, ...args) =>
              new Promise((res) => {
                const invocationId = String(++id);
                pending.set(invocationId, res);
                ws.send(`${JSON.stringify({ type: 1, target, arguments: args, invocationId })}${RS}`);
              }),
          });
        } else if (m.type === 1) onEvent(m.target, m.arguments);
        else if (m.type === 3) pending.get(m.invocationId)?.();
      }
    });
  });
}

// Log in the traders, then connect everyone.
const tokens: string[] = [];
for (let i = 1; i <= TRADERS; i++)
  tokens.push((await post('Auth/loginKey', { userName: `u${i}`, apiKey: `k${i}` })).token);
let quotesReceived = 0;
let counting = false;
const market: Hub[] = [];
const t0 = performance.now();
for (let i = 0; i < CLIENTS; i += 50) {
  const batch = [];
  for (let j = i; j < Math.min(CLIENTS, i + 50); j++) {
    batch.push(
      connectHub('/hubs/market', tokens[j % TRADERS] as string, (target) => {
        if (target === 'GatewayQuote' && counting) quotesReceived++;
      }).then(async (h) => {
        await h.invoke('SubscribeContractQuotes', C);
        market.push(h);
      }),
    );
  }
  await Promise.all(batch);
}
const connectMs = performance.now() - t0;
const arrivals = new Map<string, number>();
const waiters = new Map<string, (t: number) => void>();
const user: Hub[] = [];
for (let i = 0; i < TRADERS; i++) {
  const h = await connectHub('/hubs/user', tokens[i] as string, (target, args) => {
    if (target !== 'GatewayUserOrder') return;
    const tag = args[0]?.customTag as string | null;
    if (!tag || arrivals.has(tag)) return;
    const now = performance.now();
    arrivals.set(tag, now);
    waiters.get(tag)?.(now);
  });
  await h.invoke('SubscribeOrders', i + 1);
  user.push(h);
}

server.stdin.write('GO\n');
// Warm up 1 s, then trade at RATE orders/s for SECONDS, each trader in turn (open loop: each
// order's latency is measured from its scheduled time, so a stall counts against the venue).
const rtt = createHistogram();
const ping = createHistogram();
let sent = 0;
let failed = 0;
let pingFailed = 0;
await new Promise((r) => setTimeout(r, 1000));
counting = true;
const start = performance.now();
const countStart = quotesReceived;
const inFlight: Promise<void>[] = [];
const total = RATE * SECONDS;
for (let n = 0; n < total; n++) {
  const due = start + (n * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const trader = n % TRADERS;
  const tag = `b-${n}`;
  const side = Math.floor(n / TRADERS) % 2;
  sent++;
  inFlight.push(
    (async () => {
      const arrived = new Promise<number>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no GatewayUserOrder within 60 s')), 60_000);
        waiters.set(tag, (x) => {
          clearTimeout(t);
          resolve(x);
        });
        const seen = arrivals.get(tag);
        if (seen !== undefined) {
          clearTimeout(t);
          resolve(seen);
        }
      });
      arrived.catch(() => {}); // awaited below; counted as a failure if it never comes
      const r = await post(
        'Order/place',
        { accountId: trader + 1, contractId: C, type: 2, side, size: 1, customTag: tag },
        tokens[trader],
      );
      if (!r.success) throw new Error(JSON.stringify(r));
      const at = await arrived;
      rtt.record(Math.max(1, Math.round((at - due) * 1000)));
      waiters.delete(tag);
    })().catch(() => {
      failed++;
    }),
  );
  if (n % 10 === 0) {
    const p0 = performance.now();
    inFlight.push(
      fetch(`${base}/api/Status/ping`)
        .then(async (r) => {
          await r.text();
          ping.record(Math.max(1, Math.round((performance.now() - p0) * 1000)));
        })
        .catch(() => {
          pingFailed++;
        }),
    );
  }
}
await Promise.all(inFlight);
const elapsed = (performance.now() - start) / 1000;
counting = false;
const got = quotesReceived - countStart;
const expected = (elapsed * 1000 * CLIENTS) / QUOTE_MS;

for (const h of [...market, ...user]) h.ws.terminate();
server.stdin.end();
const stats = await new Promise<string>((resolve) => {
  server.stdout.on('data', (d) => {
    out += d.toString();
  });
  server.on('exit', () => resolve(/STATS (.*)/.exec(out)?.[1] ?? '{}'));
});
const ms = (h: ReturnType<typeof createHistogram>, p: number) => (h.percentile(p) / 1000).toFixed(2);
console.log(
  `venue load bench [fan-out: ${process.env.FANOUT === 'ws-send' ? 'ws.send per socket' : 'one shared frame'}] — ${CLIENTS} market-hub clients, ${TRADERS} trading at ${RATE} orders/s for ${SECONDS} s, quotes every ${QUOTE_MS} ms`,
);
console.log(`connect ${CLIENTS} market + ${TRADERS} user hub clients: ${(connectMs / 1000).toFixed(1)} s`);
console.log(`orders: ${sent} sent, ${rtt.count} round trips measured, ${failed} failed`);
console.log(
  `order round trip (REST place → GatewayUserOrder): p50 ${ms(rtt, 50)} ms  p99 ${ms(rtt, 99)} ms  max ${ms(rtt, 100)} ms`,
);
console.log(
  `loopback HTTP floor (GET Status/ping, same load): p50 ${ms(ping, 50)} ms  p99 ${ms(ping, 99)} ms  (${ping.count} samples, ${pingFailed} failed)`,
);
console.log(
  `quotes: ${got} delivered of ~${Math.round(expected)} expected (${((got / expected) * 100).toFixed(1)} %), ${(got / elapsed).toFixed(0)} quote messages/s`,
);
console.log(`server: ${stats}`);
if (rtt.count === 0 || got === 0) {
  console.error('nothing measured');
  process.exitCode = 1;
}
