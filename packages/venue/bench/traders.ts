/**
 * The traders (started by bench/run.ts over IPC): one user-hub connection per trader account
 * (SubscribeOrders), market orders by REST on an open-loop schedule shared by every trader process
 * (order n is due at `startAt + n / rate`; its round trip is measured from that due time to its
 * first GatewayUserOrder, so a stall anywhere counts). They hold no market-hub connection and
 * never parse quotes. Latencies go into HDR histograms (ws-tester's recorder), sent encoded so the
 * bench merges them exactly across processes; a GET Status/ping every 10th order gives the
 * loopback HTTP floor under the same load.
 */
import { Agent, request } from 'node:http';
import { createLatencyRecorder } from '@tradekit/ws-tester';
import { type Hub, childChannel, connectHub, loopDelay } from './hub-client.js';

const C = 'CON.F.US.MNQ.U25';
interface Start {
  type: 'start';
  base: string;
  tokens: string[];
  /** Traders in all processes; this process takes those with `trader % procs === index`. */
  traders: number;
  procs: number;
  index: number;
}
interface Go {
  type: 'go';
  /** Epoch ms (performance.timeOrigin + now) of order 0. */
  startAt: number;
  rate: number;
  total: number;
  orderTimeoutMs: number;
}

const lag = loopDelay();
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
let base = '';
let tokens: string[] = [];
let traders = 0;
const mine: number[] = [];
const hubs: Hub[] = [];
const arrivals = new Map<string, number>();
const waiters = new Map<string, (t: number) => void>();

const send = childChannel<Start | Go>((m) => {
  if (m.type === 'start') void start(m);
  else if (m.type === 'go') void run(m);
});
send({ type: 'spawned' });

let retried = 0;
/**
 * POSTs on a kept-alive socket. A reset of a reused socket before any answer is the keep-alive race
 * (the server closed the idle socket as the request went out; seen when the loaded machine stalled
 * every process for seconds): retried once, as Node's docs advise (`req.reusedSocket`), and counted.
 * A retried order that did reach the venue comes back refused (its customTag is taken) and counts as failed.
 */
async function post(path: string, body: unknown, token: string): Promise<{ status: number; text: string }> {
  const data = JSON.stringify(body);
  try {
    return await postOnce(path, data, token);
  } catch (err) {
    if ((err as { reusedSocket?: boolean }).reusedSocket !== true) throw err;
    retried++;
    return postOnce(path, data, token);
  }
}

function postOnce(path: string, data: string, token: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}/api/${path}`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('error', (err: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
      if (err.code === 'ECONNRESET' && req.reusedSocket) err.reusedSocket = true;
      reject(err);
    });
    req.end(data);
  });
}

function ping(): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/Status/ping`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve());
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function start(m: Start): Promise<void> {
  base = m.base;
  tokens = m.tokens;
  traders = m.traders;
  for (let t = m.index; t < m.traders; t += m.procs) mine.push(t);
  const wsBase = base.replace('http', 'ws');
  await Promise.all(
    mine.map(async (t) => {
      const h = await connectHub(`${wsBase}/hubs/user?access_token=${tokens[t]}`, {
        onEvent: (target, args) => {
          if (target !== 'GatewayUserOrder') return;
          const tag = args[0]?.customTag as string | null;
          if (!tag || arrivals.has(tag)) return;
          const now = performance.now();
          arrivals.set(tag, now);
          waiters.get(tag)?.(now);
        },
      });
      await h.invoke('SubscribeOrders', t + 1);
      hubs.push(h);
    }),
  );
  send({ type: 'ready' });
}

async function run(m: Go): Promise<void> {
  const rtt = await createLatencyRecorder();
  const floor = await createLatencyRecorder();
  const startLocal = m.startAt - performance.timeOrigin;
  const inFlight: Promise<void>[] = [];
  const failures: string[] = [];
  let sent = 0;
  let failed = 0;
  let measured = 0;
  let pings = 0;
  let pingFailed = 0;
  let late = 0;
  const mineSet = new Set(mine);
  lag.reset();
  const cpuAt = process.cpuUsage();
  for (let n = 0; n < m.total; n++) {
    const trader = n % traders;
    if (!mineSet.has(trader)) continue;
    const due = startLocal + (n * 1000) / m.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else if (wait < -1) late++;
    const tag = `b-${n}`;
    const side = Math.floor(n / traders) % 2;
    sent++;
    inFlight.push(
      (async () => {
        const arrived = new Promise<number>((resolve, reject) => {
          const t = setTimeout(
            () => reject(new Error(`no GatewayUserOrder for ${tag} within ${m.orderTimeoutMs} ms`)),
            m.orderTimeoutMs,
          );
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
        arrived.catch(() => {}); // awaited below
        try {
          const r = await post(
            'Order/place',
            { accountId: trader + 1, contractId: C, type: 2, side, size: 1, customTag: tag },
            tokens[trader] as string,
          );
          if (r.status !== 200 || !r.text.includes('"success":true')) throw new Error(`${r.status} ${r.text}`);
          const at = await arrived;
          rtt.record(Math.round((at - due) * 1000));
          measured++;
        } finally {
          waiters.delete(tag);
          arrivals.delete(tag);
        }
      })().catch((err: Error) => {
        failed++;
        if (failures.length < 5) failures.push(err.message);
      }),
    );
    if (sent % 10 === 1) {
      const p0 = performance.now();
      pings++;
      inFlight.push(
        ping().then(
          () => floor.record(Math.round((performance.now() - p0) * 1000)),
          () => {
            pingFailed++;
          },
        ),
      );
    }
  }
  await Promise.all(inFlight);
  const lagMs = lag.read();
  const cpu = process.cpuUsage(cpuAt);
  for (const h of hubs) h.ws.terminate();
  agent.destroy();
  send({
    type: 'result',
    result: {
      sent,
      measured,
      failed,
      failures,
      late,
      retried,
      pings,
      pingFailed,
      rtt: rtt.finish(),
      ping: floor.finish(),
      loopDelayMs: lagMs,
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    },
  });
}
