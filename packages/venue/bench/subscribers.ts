/**
 * The quote subscribers (started by bench/run.ts over IPC): `N` market-hub clients, each
 * subscribed to MNQ quotes, counting quote frames without parsing them. On `finish` they wait
 * (bounded) until every client has `expected` quotes, then report exact per-client counts.
 */
import { type Hub, childChannel, connectHub, loopDelay, within } from './hub-client.js';

const C = 'CON.F.US.MNQ.U25';
interface Start {
  type: 'start';
  wsBase: string;
  tokens: string[];
  clients: number;
  /** Index of this process's first client (tokens are shared round robin). */
  first: number;
}
interface Finish {
  type: 'finish';
  expected: number;
  waitMs: number;
}

const lag = loopDelay();
let cpuAt: NodeJS.CpuUsage | undefined;
let counts = new Int32Array(0);
const closed: string[] = [];
const hubs: Hub[] = [];

const send = childChannel<Start | Finish | { type: 'measure' }>((m) => {
  if (m.type === 'start') void start(m);
  else if (m.type === 'measure') {
    lag.reset();
    cpuAt = process.cpuUsage();
  } else if (m.type === 'finish') void finish(m);
});
send({ type: 'spawned' });

async function start(m: Start): Promise<void> {
  counts = new Int32Array(m.clients);
  const t0 = performance.now();
  // Connect in batches of 50 so the venue's upgrade path is not flooded.
  for (let i = 0; i < m.clients; i += 50) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(m.clients, i + 50); j++) {
      const token = m.tokens[(m.first + j) % m.tokens.length] as string;
      batch.push(
        connectHub(`${m.wsBase}/hubs/market?access_token=${token}`, {
          onQuote: () => {
            counts[j] = (counts[j] as number) + 1;
          },
          onEvent: (target, args) => {
            if (target === 'Close') closed.push(JSON.stringify(args[0]));
          },
          onClose: (code) => {
            if (!stopping) closed.push(`client ${m.first + j} closed (${code})`);
          },
        }).then(async (h) => {
          hubs.push(h);
          await h.invoke('SubscribeContractQuotes', C);
        }),
      );
    }
    await Promise.all(batch);
  }
  send({ type: 'ready', connectMs: Math.round(performance.now() - t0) });
}

let stopping = false;
async function finish(m: Finish): Promise<void> {
  const all = () => counts.every((c) => c >= m.expected);
  const t0 = performance.now();
  await within(
    new Promise<void>((resolve) => {
      const check = () => (all() || closed.length > 0 ? resolve() : setTimeout(check, 20));
      check();
    }),
    m.waitMs,
    `every subscriber receiving ${m.expected} quotes`,
  ).catch(() => {});
  const waitedMs = Math.round(performance.now() - t0);
  const lagMs = lag.read();
  const cpu = process.cpuUsage(cpuAt);
  stopping = true;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  let total = 0;
  let complete = 0;
  for (const c of counts) {
    min = Math.min(min, c);
    max = Math.max(max, c);
    total += c;
    if (c === m.expected) complete++;
  }
  for (const h of hubs) h.ws.terminate();
  send({
    type: 'result',
    result: {
      clients: counts.length,
      total,
      min,
      max,
      complete,
      waitedMs,
      closed: closed.slice(0, 5),
      closedCount: closed.length,
      loopDelayMs: lagMs,
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    },
  });
}
