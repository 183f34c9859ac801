/**
 * The market-hub fan-out: one encoded push written to every subscriber, a slice of sockets per
 * event-loop turn, so a push to 1,000 sockets never holds the venue for the whole write (REST
 * requests and user-hub events get served between slices).
 *
 * Order guarantees, per connection:
 * - pushes reach a socket in the order they were made (one FIFO queue; a push is written to all of
 *   its sockets before the next push starts);
 * - every push reaches every socket that was subscribed when it was made and is still open (none is
 *   dropped or conflated; a slow reader is cut at `maxBufferedBytes`, an overloaded queue cuts the
 *   connections still waiting: both close the connection, which the client sees and reconnects);
 * - a direct send to a market-hub connection (the subscribe snapshot) waits behind queued pushes;
 * - a hub invocation's completion waits for {@link FanOut.barrier}: it is written after every push
 *   queued before the invocation arrived (the parity client and the tests use an invocation as a
 *   "everything pushed so far has arrived" barrier).
 */
import { SignalRMessageType, encodeRecord } from '@tradekit/ws-tester';
import { FANOUT_OVERLOAD } from '../errors.js';
import { type HubConnection, rawSocket, textFrame } from '../server.js';

interface PushJob {
  kind: 0;
  conns: HubConnection[];
  /** Next connection to write. */
  i: number;
  record: Buffer;
  frame: Buffer | undefined;
  target: string;
  /** Sockets actually written. */
  written: number;
}
interface DirectJob {
  kind: 1;
  conn: HubConnection;
  record: string;
  target: string;
}
interface BarrierJob {
  kind: 2;
  resolve: () => void;
}
type Job = PushJob | DirectJob | BarrierJob;

/** Settings of a {@link FanOut}. */
export interface FanOutOptions {
  /** Sockets written per event-loop turn. */
  slice: number;
  /** Socket writes waiting in the queue above which the waiting connections are cut. */
  maxPendingWrites: number;
  /** A connection with more unsent bytes than this is cut when its turn comes. */
  maxBufferedBytes: number;
  /** Counts of pushes written, by event name (shared with the profile). */
  pushed: Record<string, number>;
}

/** The sliced, ordered market-hub fan-out. */
export class FanOut {
  private queue: Job[] = [];
  private head = 0;
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;
  private drainWaiters: Array<{ limit: number; resolve: () => void }> = [];
  /** Socket writes (and direct sends) queued, not done yet. */
  pendingWrites = 0;
  /** Largest `pendingWrites` seen. */
  maxPendingSeen = 0;
  /** Times the queue passed `maxPendingWrites` (each cut every connection still waiting). */
  overloads = 0;
  /** Connections cut by an overload. */
  overloadCut = 0;
  /** Connections cut because they did not read (more than `maxBufferedBytes` waiting). */
  slowConsumersCut = 0;
  /** Frames built once and written raw to sockets (no fault script); false: ws.send per socket. */
  sharedFrames = true;

  constructor(private readonly opts: FanOutOptions) {}

  /** True while pushes are waiting: a market-hub message must queue behind them. */
  get busy(): boolean {
    return this.head < this.queue.length;
  }

  /** Queues `target(...args)` to every connection in `set` (a snapshot of it now). */
  all(set: Set<HubConnection>, target: string, args: unknown[]): void {
    if (this.closed || set.size === 0) return;
    const record = Buffer.from(encodeRecord({ type: SignalRMessageType.Invocation, target, arguments: args }));
    this.enqueue({ kind: 0, conns: Array.from(set), i: 0, record, frame: undefined, target, written: 0 }, set.size);
  }

  /** Sends to one market-hub connection, after every push already queued. */
  one(conn: HubConnection, target: string, args: unknown[]): void {
    if (this.closed) return;
    if (!this.busy) {
      this.direct(conn, encodeRecord({ type: SignalRMessageType.Invocation, target, arguments: args }), target);
      return;
    }
    this.enqueue(
      { kind: 1, conn, record: encodeRecord({ type: SignalRMessageType.Invocation, target, arguments: args }), target },
      1,
    );
  }

  /** Resolves once every push queued so far is written; `undefined` when nothing is queued. */
  barrier(): Promise<void> | undefined {
    if (!this.busy || this.closed) return undefined;
    return new Promise((resolve) => {
      this.queue.push({ kind: 2, resolve });
    });
  }

  /** Drops everything queued (the venue is closing); waiting barriers resolve. */
  close(): void {
    this.closed = true;
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const rest = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    this.pendingWrites = 0;
    for (const j of rest) if (j.kind === 2) j.resolve();
    this.releaseDrainWaiters();
  }

  /**
   * Resolves once fewer than `limit` writes wait (the paced source holds while the queue is deep);
   * `undefined` when already below.
   */
  below(limit: number): Promise<void> | undefined {
    if (this.pendingWrites < limit || this.closed) return undefined;
    return new Promise((resolve) => this.drainWaiters.push({ limit, resolve }));
  }

  private releaseDrainWaiters(): void {
    if (this.drainWaiters.length === 0) return;
    const still: typeof this.drainWaiters = [];
    for (const w of this.drainWaiters) {
      if (this.closed || this.pendingWrites < w.limit) w.resolve();
      else still.push(w);
    }
    this.drainWaiters = still;
  }

  private enqueue(job: PushJob | DirectJob, writes: number): void {
    if (this.pendingWrites + writes > this.opts.maxPendingWrites) this.overload();
    this.queue.push(job);
    this.pendingWrites += writes;
    if (this.pendingWrites > this.maxPendingSeen) this.maxPendingSeen = this.pendingWrites;
    // Nothing scheduled means the queue was empty: the first slice goes out now.
    if (this.scheduled === undefined) this.pump();
  }

  /**
   * The queue is further behind than `maxPendingWrites`: every connection still waiting for a push
   * is closed with a SignalR Close message (`VENUE_FANOUT_OVERLOAD`, reconnect allowed), as a
   * gateway that sheds load would; the client reconnects and resubscribes (nothing is replayed).
   */
  private overload(): void {
    this.overloads++;
    const waiting = new Set<HubConnection>();
    const rest = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    this.pendingWrites = 0;
    for (const j of rest) {
      if (j.kind === 0) for (let k = j.i; k < j.conns.length; k++) waiting.add(j.conns[k] as HubConnection);
      else if (j.kind === 1) waiting.add(j.conn);
      else j.resolve();
    }
    for (const conn of waiting) {
      if (!conn.signalr.isOpen) continue;
      this.overloadCut++;
      conn.signalr.close({
        error: `${FANOUT_OVERLOAD}: the venue fell more than ${this.opts.maxPendingWrites} market-hub writes behind; reconnect and resubscribe (raise projectx.maxPendingWrites or projectx.fanoutSlice, or use fewer clients).`,
        allowReconnect: true,
      });
    }
    this.releaseDrainWaiters();
  }

  private readonly turn = (): void => {
    this.scheduled = undefined;
    this.pump();
  };

  /** Writes up to `slice` sockets, then yields to I/O if more is queued. */
  private pump(): void {
    let budget = this.opts.slice;
    const q = this.queue;
    while (this.head < q.length && budget > 0) {
      const job = q[this.head] as Job;
      if (job.kind === 2) {
        this.head++;
        job.resolve();
        // The completion goes out (a microtask) before anything queued after the barrier.
        break;
      }
      if (job.kind === 1) {
        this.head++;
        this.pendingWrites--;
        budget--;
        this.direct(job.conn, job.record, job.target);
        continue;
      }
      const end = Math.min(job.conns.length, job.i + budget);
      budget -= end - job.i;
      this.pendingWrites -= end - job.i;
      for (; job.i < end; job.i++) this.write(job, job.conns[job.i] as HubConnection);
      if (job.i === job.conns.length) {
        this.head++;
        this.opts.pushed[job.target] = (this.opts.pushed[job.target] ?? 0) + job.written;
      }
    }
    if (this.head < q.length) {
      this.scheduled = setImmediate(this.turn);
      if (this.head >= 1024) {
        this.queue = q.slice(this.head);
        this.head = 0;
      }
    } else {
      this.queue = [];
      this.head = 0;
    }
    this.releaseDrainWaiters();
  }

  private write(job: PushJob, conn: HubConnection): void {
    const ws = conn.signalr.socket;
    if (ws.readyState !== 1) return;
    // A client that does not read is cut (it reconnects and resubscribes) rather than buffered without bound.
    if (ws.bufferedAmount > this.opts.maxBufferedBytes) {
      this.slowConsumersCut++;
      conn.signalr.drop();
      return;
    }
    const raw = conn.faultFree && this.sharedFrames ? rawSocket(ws) : undefined;
    if (raw !== undefined) {
      job.frame ??= textFrame(job.record);
      raw.write(job.frame);
    } else conn.signalr.link.send(job.record, false);
    job.written++;
  }

  private direct(conn: HubConnection, record: string, target: string): void {
    if (!conn.signalr.isOpen) return;
    conn.signalr.link.send(record, false);
    this.opts.pushed[target] = (this.opts.pushed[target] ?? 0) + 1;
  }
}
