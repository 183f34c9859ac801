// The per-thread half of the load driver: opens this thread's share of the connections on schedule,
// drives traffic, and records every latency. Runs in a worker thread or in the calling thread.
import { RealClock } from '@tradekit/types';
import WebSocket from 'ws';
import { createLatencyRecorder } from './histogram.js';

/** Kinds of error the driver counts. */
export type LoadErrorKind =
  | 'connect'
  | 'handshake'
  | 'timeout'
  | 'disconnect'
  | 'protocol'
  | 'gap'
  | 'unanswered'
  | 'backlog';

/** What one thread is asked to do (plain data: it crosses thread boundaries). */
export interface DriverPlan {
  url: string;
  mode: 'echo' | 'subscribe';
  /** Total connections of the run (for the ramp schedule). */
  total: number;
  /** Global indices of the connections this thread opens. */
  indices: number[];
  /** Wall time (epoch µs) the run starts. */
  startAt: number;
  /** Wall time (epoch µs) traffic stops. */
  endAt: number;
  /** Connections are spread evenly over this long, µs. */
  rampUp: number;
  /** Connections per second instead of `rampUp`. */
  arrivalRate?: number;
  /** Messages per second per connection (open loop); undefined = closed loop. */
  rate?: number;
  /** Requests in flight per connection in closed loop. */
  pipeline: number;
  /** Extra bytes of padding per request. */
  messageSize: number;
  /** Extra fields of every request, already serialized as `,"k":v…` (or empty). */
  requestFields: string;
  /** `id`: remember each request's time by id, for servers whose replies carry only the id. */
  correlate: 'timestamp' | 'id';
  symbols: string[];
  connectTimeout: number;
  drainTimeout: number;
  /** Outstanding requests per connection beyond which scheduled sends are skipped (counted as `backlog`). */
  maxOutstanding: number;
}

/** Counters of one thread (or of a whole run once summed). */
export interface DriverCounts {
  connectAttempts: number;
  connected: number;
  disconnects: number;
  sent: number;
  received: number;
  errors: Partial<Record<LoadErrorKind, number>>;
}

/** What a thread reports at the end. */
export interface DriverResult extends DriverCounts {
  /** Encoded HDR histogram of message latency, µs. */
  latency: string;
  /** Encoded HDR histogram of connect time, µs. */
  connect: string;
}

interface Conn {
  ws: WebSocket;
  open: boolean;
  closing: boolean;
  nextDue: number;
  lastId: number;
  outstanding: number;
  seqs: Map<string, number> | undefined;
  /** Request time by id, when correlating by id. */
  pending: Map<number, number> | undefined;
}

const wall = RealClock.wallMicros;

/** Runs one thread's share of a load test. */
export async function driveConnections(
  plan: DriverPlan,
  onProgress?: (c: DriverCounts) => void,
): Promise<DriverResult> {
  const latency = await createLatencyRecorder();
  const connectHist = await createLatencyRecorder();
  const counts: DriverCounts = { connectAttempts: 0, connected: 0, disconnects: 0, sent: 0, received: 0, errors: {} };
  const err = (kind: LoadErrorKind, n = 1) => {
    counts.errors[kind] = (counts.errors[kind] ?? 0) + n;
  };
  const conns: Conn[] = [];
  // Open connections by next due send (rate mode): each wake pops only what is due.
  const schedule = new DueHeap();
  const pad = plan.messageSize > 0 ? `,"p":"${'x'.repeat(plan.messageSize)}"` : '';
  const interval = plan.rate ? 1e6 / plan.rate : 0;
  const subscribeFrame = JSON.stringify({ op: 'subscribe', symbols: plan.symbols });
  let stopping = false;

  const send = (c: Conn, t: number) => {
    const id = ++c.lastId;
    c.outstanding++;
    counts.sent++;
    c.pending?.set(id, t);
    c.ws.send(`{"id":${id},"t":${t}${plan.requestFields}${pad}}`);
  };

  const onEcho = (c: Conn, data: WebSocket.RawData) => {
    const now = wall();
    let id: number;
    let t: number;
    if (Buffer.isBuffer(data) && readEcho(data)) {
      id = echoId;
      t = echoT;
    } else {
      // Not our own frame shape (a request-response server's reply): read it as JSON.
      let msg: { id?: unknown; t?: unknown };
      try {
        msg = JSON.parse(String(data));
      } catch {
        err('protocol');
        return;
      }
      const sentAt = typeof msg.id === 'number' ? c.pending?.get(msg.id) : undefined;
      if (typeof msg.id !== 'number' || (typeof msg.t !== 'number' && sentAt === undefined)) {
        err('protocol');
        return;
      }
      id = msg.id;
      t = sentAt ?? (msg.t as number);
    }
    if (c.pending && !c.pending.delete(id)) {
      // A reply to an id already answered, or never sent.
      err('protocol');
      return;
    }
    if (id < 1 || id > c.lastId) {
      err('protocol');
      return;
    }
    c.outstanding--;
    counts.received++;
    // `t` is when the request was due (rate mode) or sent (closed loop): measuring from the due
    // time counts a stalled sender's delay in the latency instead of hiding it (coordinated omission).
    latency.record(now - t);
    if (!interval && !stopping) send(c, now);
  };

  const onUpdate = (c: Conn, data: WebSocket.RawData) => {
    const now = wall();
    let msg: { op?: unknown; seq?: unknown; sent?: unknown; event?: { symbol?: unknown }; symbol?: unknown };
    try {
      msg = JSON.parse(data.toString());
    } catch {
      err('protocol');
      return;
    }
    const seqs = c.seqs as Map<string, number>;
    if (msg.op === 'update') {
      counts.received++;
      if (typeof msg.sent === 'number') latency.record(now - msg.sent);
      const sym = msg.event?.symbol;
      if (typeof sym === 'string' && typeof msg.seq === 'number') {
        const prev = seqs.get(sym);
        if (prev !== undefined && msg.seq !== prev + 1) err('gap', Math.max(1, msg.seq - prev - 1));
        seqs.set(sym, msg.seq);
      }
    } else if (msg.op === 'snapshot' && typeof msg.symbol === 'string' && typeof msg.seq === 'number') {
      seqs.set(msg.symbol, msg.seq);
    } else if (msg.op === 'error') {
      err('protocol');
    }
  };

  const open = (index: number) => {
    counts.connectAttempts++;
    const began = wall();
    const ws = new WebSocket(plan.url, {
      perMessageDeflate: false,
      handshakeTimeout: Math.ceil(plan.connectTimeout / 1000),
    });
    const c: Conn = {
      ws,
      open: false,
      closing: false,
      nextDue: 0,
      lastId: 0,
      outstanding: 0,
      seqs: undefined,
      pending: plan.correlate === 'id' ? new Map() : undefined,
    };
    conns.push(c);
    let failed = false;
    ws.on('unexpected-response', (_req, res) => {
      failed = true;
      err('handshake');
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      c.open = true;
      counts.connected++;
      connectHist.record(wall() - began);
      if (stopping) return;
      if (plan.mode === 'subscribe') {
        c.seqs = new Map();
        ws.send(subscribeFrame);
      } else if (interval) {
        // Stagger each connection's schedule so the sends of many connections do not align.
        c.nextDue = wall() + ((index * 7919) % 1000) * (interval / 1000);
        schedule.push(c);
        // The loop may be asleep until a later time (it wakes at least every 200 ms): a connection
        // that opens meanwhile must not wait for it, or its first sends are late and count as latency.
        wake?.arm(c.nextDue);
      } else {
        for (let i = 0; i < plan.pipeline; i++) send(c, wall());
      }
    });
    ws.on('message', (data) => (plan.mode === 'subscribe' ? onUpdate(c, data) : onEcho(c, data)));
    ws.on('error', (e: Error & { code?: string }) => {
      if (c.open || failed) return;
      failed = true;
      err(/timed out|timeout/i.test(e.message) ? 'timeout' : 'connect');
    });
    ws.on('close', () => {
      if (c.open && !c.closing) {
        counts.disconnects++;
        err('disconnect');
      }
      c.open = false;
    });
  };

  // Connection schedule, global across threads so ramp-up is the same however many threads run.
  const due = plan.indices.map((i) =>
    plan.arrivalRate
      ? plan.startAt + (i * 1e6) / plan.arrivalRate
      : plan.startAt + (plan.total > 1 ? (plan.rampUp * i) / plan.total : 0),
  );
  let nextConn = 0;
  let lastProgress = 0;
  let wake: Wakeup | undefined;

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = wall();
      if (now >= plan.endAt) {
        resolve();
        return;
      }
      while (nextConn < due.length && (due[nextConn] as number) <= now) open(plan.indices[nextConn++] as number);
      if (interval) {
        let c = schedule.top();
        while (c && c.nextDue <= now) {
          if (!c.open) {
            schedule.pop();
          } else {
            if (c.outstanding >= plan.maxOutstanding) err('backlog');
            else send(c, Math.round(c.nextDue));
            c.nextDue += interval;
            schedule.topChanged();
          }
          c = schedule.top();
        }
      }
      if (onProgress && now - lastProgress >= 200_000) {
        lastProgress = now;
        onProgress(counts);
      }
      // Wake for the next due send, connect, progress report or the end, whichever comes first.
      const next = Math.min(
        plan.endAt,
        now + 200_000,
        nextConn < due.length ? (due[nextConn] as number) : Number.POSITIVE_INFINITY,
        schedule.top()?.nextDue ?? Number.POSITIVE_INFINITY,
      );
      (wake as Wakeup).arm(next);
    };
    wake = new Wakeup(tick, wall);
    tick();
  });

  stopping = true;
  if (plan.mode === 'echo') {
    const until = wall() + plan.drainTimeout;
    await new Promise<void>((resolve) => {
      const check = () => {
        if (wall() >= until || conns.every((c) => !c.open || c.outstanding === 0)) resolve();
        else setTimeout(check, 5);
      };
      check();
    });
    for (const c of conns) if (c.outstanding > 0) err('unanswered', c.outstanding);
  }
  await closeAll(conns);
  onProgress?.(counts);
  return { ...counts, errors: { ...counts.errors }, latency: latency.finish(), connect: connectHist.finish() };
}

/** One timer that calls `fn` at the earliest time it was armed for (µs on `now`'s clock). */
export class Wakeup {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private at = Number.POSITIVE_INFINITY;

  constructor(
    private readonly fn: () => void,
    private readonly now: () => number,
  ) {}

  /** Calls `fn` at `at` (µs), unless it is already due to run earlier. */
  arm(at: number): void {
    if (at >= this.at) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.at = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.at = Number.POSITIVE_INFINITY;
        this.fn();
      },
      Math.max(0, (at - this.now()) / 1000),
    );
  }
}

/** A binary min-heap of connections on `nextDue`. */
export class DueHeap {
  private readonly items: Conn[] = [];

  top(): Conn | undefined {
    return this.items[0];
  }

  push(c: Conn): void {
    const a = this.items;
    a.push(c);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p] as Conn;
      if (parent.nextDue <= c.nextDue) break;
      a[i] = parent;
      i = p;
    }
    a[i] = c;
  }

  pop(): void {
    const a = this.items;
    const last = a.pop() as Conn;
    if (a.length > 0) {
      a[0] = last;
      this.topChanged();
    }
  }

  /** Restores the order after the top's `nextDue` grew. */
  topChanged(): void {
    const a = this.items;
    const n = a.length;
    const c = a[0] as Conn;
    let i = 0;
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let m = l;
      if (r < n && (a[r] as Conn).nextDue < (a[l] as Conn).nextDue) m = r;
      if ((a[m] as Conn).nextDue >= c.nextDue) break;
      a[i] = a[m] as Conn;
      i = m;
    }
    a[i] = c;
  }
}

let echoId = 0;
let echoT = 0;

/**
 * Reads `{"id":<int>,"t":<int>` from the start of an echoed request without allocating (the hot
 * path of echo mode); false when the frame has another shape. Results land in echoId / echoT.
 */
function readEcho(b: Buffer): boolean {
  // {"id":
  if (
    b.length < 14 ||
    b[0] !== 0x7b ||
    b[1] !== 0x22 ||
    b[2] !== 0x69 ||
    b[3] !== 0x64 ||
    b[4] !== 0x22 ||
    b[5] !== 0x3a
  )
    return false;
  let i = 6;
  let id = 0;
  let digits = 0;
  for (; i < b.length; i++) {
    const d = (b[i] as number) - 0x30;
    if (d < 0 || d > 9) break;
    id = id * 10 + d;
    digits++;
  }
  // ,"t":
  if (digits === 0 || b[i] !== 0x2c || b[i + 1] !== 0x22 || b[i + 2] !== 0x74 || b[i + 3] !== 0x22 || b[i + 4] !== 0x3a)
    return false;
  i += 5;
  let t = 0;
  digits = 0;
  for (; i < b.length; i++) {
    const d = (b[i] as number) - 0x30;
    if (d < 0 || d > 9) break;
    t = t * 10 + d;
    digits++;
  }
  if (digits === 0 || (b[i] !== 0x7d && b[i] !== 0x2c)) return false;
  echoId = id;
  echoT = t;
  return true;
}

async function closeAll(conns: Conn[]): Promise<void> {
  const pending: Promise<void>[] = [];
  for (const c of conns) {
    c.closing = true;
    const ws = c.ws;
    if (ws.readyState === WebSocket.CLOSED) continue;
    pending.push(
      new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        if (ws.readyState === WebSocket.OPEN) {
          ws.close(1000);
          // A peer that never answers the close handshake must not hold the run open.
          setTimeout(() => ws.terminate(), 2_000).unref();
        } else ws.terminate();
      }),
    );
  }
  await Promise.all(pending);
}
