/**
 * FaultyLink: the outbound path of one connection with a fault script applied. Every frame the
 * mock server, SignalR hub or proxy sends to a peer goes through one, so every fault type works
 * the same everywhere. Timing runs on a Clock, so tests can drive delays with a VirtualClock.
 */
import { type Clock, RealClock, Rng, type TimerHandle } from '@tradekit/types';
import { encodeJsonFrame } from '../protocol/json.js';
import {
  type FaultScript,
  type FaultRule,
  type NormalizedRule,
  type NormalizedScript,
  normalizeFaultScript,
} from './script.js';

/** Where a {@link FaultyLink} writes: the real socket. */
export interface LinkSink {
  /** Writes one frame. */
  write(data: string | Buffer, binary: boolean): void;
  /** Destroys the TCP socket (the peer sees 1006). */
  terminate(): void;
  /** Starts a clean close handshake. */
  close(code: number, reason: string): void;
  /** Stops reading from the peer (slow consumer). */
  pauseReading?(): void;
}

interface Entry {
  due: number;
  kind: 'send' | 'terminate' | 'close';
  data?: string | Buffer;
  binary?: boolean;
  code?: number;
  reason?: string;
}

/** What happened on a link, for assertions and the CLI's log. */
export interface LinkStats {
  /** Frames handed to the link. */
  offered: number;
  /** Frames written to the socket (copies and bursts included). */
  written: number;
  /** Faults applied, by rule type. */
  faults: Record<string, number>;
}

/** The connection-independent part of a fault setup: the validated script, the seed and the clock. */
export class FaultPlan {
  /** The validated script. */
  readonly script: NormalizedScript;
  /** The clock delays are scheduled on. */
  readonly clock: Clock;
  private readonly rng: Rng;

  constructor(script: FaultScript | FaultRule[] | NormalizedScript | undefined, clock: Clock = new RealClock()) {
    this.script = normalizeFaultScript(script);
    this.clock = clock;
    this.rng = new Rng(this.script.seed);
  }

  /** True when the script has no rule and no timeline event (the fast path). */
  get empty(): boolean {
    return this.script.rules.length === 0 && this.script.timeline.length === 0;
  }

  /**
   * How to answer connection attempt `connection`: `undefined` to accept, a status to answer
   * the upgrade with, or `0` to reset the socket.
   */
  rejection(connection: number): number | undefined {
    for (const rule of this.script.rules) {
      if (rule.type !== 'reject') continue;
      if (rule.connections && !rule.connections.includes(connection)) continue;
      if (
        rule.probability !== undefined &&
        !this.rng.fork(`reject/${rule.stream}/${connection}`).bernoulli(rule.probability)
      )
        continue;
      return rule.status ?? 0;
    }
    return undefined;
  }

  /** A link for connection attempt `connection`, writing to `sink`. */
  link(connection: number, sink: LinkSink): FaultyLink {
    const rules = this.script.rules.filter(
      (r) => r.type !== 'reject' && (!('connections' in r) || !r.connections || r.connections.includes(connection)),
    );
    return new FaultyLink(rules, connection, this.clock, this.rng.fork(`connection/${connection}`), sink);
  }
}

function selects(rule: NormalizedRule, index: number, rng: Rng | undefined): boolean {
  const r = rule as NormalizedRule & {
    messages?: number[];
    from?: number;
    to?: number;
    every?: number;
    probability?: number;
  };
  if (r.messages && !r.messages.includes(index)) return false;
  if (r.from !== undefined && index < r.from) return false;
  if (r.to !== undefined && index > r.to) return false;
  // 1-based count: every 3 hits the 3rd, 6th, 9th message (indices 2, 5, 8), as "every n-th" reads.
  if (r.every !== undefined && (index + 1) % r.every !== 0) return false;
  if (r.probability !== undefined && !(rng as Rng).bernoulli(r.probability)) return false;
  return true;
}

function corrupt(
  kind: string,
  data: string | Buffer,
  bytes: number | undefined,
): { data: string | Buffer; binary: boolean } {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  switch (kind) {
    case 'invalid-json':
      // An unclosed object around valid JSON can never parse, whatever the payload was.
      return { data: `{"corrupt":${text}`, binary: false };
    case 'truncate':
      // Cut by characters so the text frame stays valid UTF-8: the damage is to the payload, not the framing.
      return {
        data: Array.from(text)
          .slice(0, Math.max(1, Math.floor(Array.from(text).length / 2)))
          .join(''),
        binary: false,
      };
    case 'binary':
      return { data: Buffer.from(text, 'utf8'), binary: true };
    default: {
      const size = bytes ?? 2 * 1024 * 1024;
      const len = Buffer.byteLength(text);
      return { data: len >= size ? text : text + ' '.repeat(size - len), binary: false };
    }
  }
}

/** The fault-applying outbound path of one connection. Create it with {@link FaultPlan.link}. */
export class FaultyLink {
  /** Connection attempt index this link belongs to. */
  readonly connection: number;
  /** Counters for assertions. */
  readonly stats: LinkStats = { offered: 0, written: 0, faults: {} };
  private readonly messageRules: NormalizedRule[];
  private readonly ruleRngs: Map<number, Rng> = new Map();
  private readonly bandwidth: number | undefined;
  private readonly queue: Entry[] = [];
  private timer: TimerHandle | undefined;
  private readonly timers: TimerHandle[] = [];
  private held: Array<{ data: string | Buffer; binary: boolean }> | undefined;
  private lastDue = 0;
  private index = 0;
  private ended = false;
  private pingsBlocked = false;

  constructor(
    rules: NormalizedRule[],
    connection: number,
    private readonly clock: Clock,
    rng: Rng,
    private readonly sink: LinkSink,
  ) {
    this.connection = connection;
    this.messageRules = [];
    let bandwidth: number | undefined;
    for (const rule of rules) {
      // Named by the rule's id or content, not its position: inserting a rule leaves other draws alone.
      this.ruleRngs.set(rule.index, rng.fork(`rule/${rule.stream}`));
      if (rule.type === 'bandwidth') bandwidth = Math.min(bandwidth ?? Number.POSITIVE_INFINITY, rule.bytesPerSecond);
      else if (rule.type === 'ping-timeout') this.at(rule.afterUs ?? 0, () => this.blockPings(rule));
      else if (rule.type === 'slow-consumer') this.at(rule.afterUs ?? 0, () => this.pauseReading(rule));
      else if ((rule.type === 'drop' || rule.type === 'close') && rule.afterUs !== undefined) {
        this.at(rule.afterUs, () => this.endNow(rule));
      } else this.messageRules.push(rule);
    }
    this.bandwidth = bandwidth;
  }

  /** False once a ping-timeout fault is active: the owner must not answer pings. */
  get answersPings(): boolean {
    return !this.pingsBlocked;
  }

  /** True after a drop or close fault ended the connection. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Sends one frame through the faults. */
  send(data: string | Buffer, binary = typeof data !== 'string'): void {
    if (this.ended) return;
    this.stats.offered++;
    const index = this.index++;
    if (this.messageRules.length === 0 && this.bandwidth === undefined && this.queue.length === 0 && !this.held) {
      this.stats.written++;
      this.sink.write(data, binary);
      return;
    }
    let items = [{ data, binary }];
    let delay = 0;
    let reorder = false;
    for (const rule of this.messageRules) {
      if (!selects(rule, index, this.ruleRngs.get(rule.index))) continue;
      this.count(rule.type);
      switch (rule.type) {
        case 'drop':
          this.enqueue({ due: 0, kind: 'terminate' }, delay);
          this.ended = true;
          return;
        case 'close':
          this.enqueue({ due: 0, kind: 'close', code: rule.code ?? 1000, reason: rule.reason ?? '' }, delay);
          this.ended = true;
          return;
        case 'lose':
          return;
        case 'corrupt':
          items = items.map((it) => corrupt(rule.kind, it.data, rule.bytes));
          break;
        case 'duplicate': {
          const times = rule.times ?? 1;
          items = items.flatMap((it) => Array.from({ length: times + 1 }, () => it));
          break;
        }
        case 'burst': {
          const extra =
            rule.message === undefined
              ? items[0]
              : {
                  data: typeof rule.message === 'string' ? rule.message : encodeJsonFrame(rule.message),
                  binary: false,
                };
          for (let i = 0; i < rule.count; i++) items.push(extra as { data: string | Buffer; binary: boolean });
          break;
        }
        case 'delay':
          delay +=
            (rule.delayUs ?? 0) + (rule.jitterUs ? (this.ruleRngs.get(rule.index) as Rng).next() * rule.jitterUs : 0);
          break;
        case 'reorder':
          reorder = true;
          break;
        default:
          break;
      }
    }
    if (reorder && !this.held) {
      this.held = items;
      return;
    }
    for (const it of items) this.enqueue({ due: 0, kind: 'send', data: it.data, binary: it.binary }, delay);
    if (this.held) {
      const held = this.held;
      this.held = undefined;
      for (const it of held) this.enqueue({ due: 0, kind: 'send', data: it.data, binary: it.binary }, delay);
    }
  }

  /** Cancels pending timers and frames (the socket is gone). */
  dispose(): void {
    this.ended = true;
    this.queue.length = 0;
    this.held = undefined;
    this.clock.clearTimeout(this.timer);
    for (const t of this.timers) this.clock.clearTimeout(t);
  }

  private count(type: string): void {
    this.stats.faults[type] = (this.stats.faults[type] ?? 0) + 1;
  }

  private at(afterUs: number, fn: () => void): void {
    if (afterUs <= 0) {
      // Deferred so the owner finishes wiring the socket first.
      queueMicrotask(fn);
      return;
    }
    this.timers.push(this.clock.setTimeout(fn, afterUs));
  }

  private blockPings(rule: NormalizedRule): void {
    this.count(rule.type);
    this.pingsBlocked = true;
  }

  private pauseReading(rule: NormalizedRule): void {
    this.count(rule.type);
    this.sink.pauseReading?.();
  }

  private endNow(rule: NormalizedRule): void {
    if (this.ended) return;
    this.count(rule.type);
    this.ended = true;
    if (rule.type === 'close')
      this.enqueue({ due: 0, kind: 'close', code: rule.code ?? 1000, reason: rule.reason ?? '' }, 0);
    else this.enqueue({ due: 0, kind: 'terminate' }, 0);
  }

  private enqueue(entry: Entry, delayUs: number): void {
    const now = this.clock.now();
    // Frames leave in order, as on one TCP stream: a later frame never overtakes an earlier one.
    let due = Math.max(now + delayUs, this.lastDue);
    if (this.bandwidth !== undefined && entry.kind === 'send') {
      const bytes = typeof entry.data === 'string' ? Buffer.byteLength(entry.data) : (entry.data as Buffer).length;
      due += (bytes / this.bandwidth) * 1_000_000;
    }
    entry.due = due;
    this.lastDue = due;
    if (due <= now && this.queue.length === 0) {
      this.deliver(entry);
      return;
    }
    this.queue.push(entry);
    if (this.queue.length === 1) this.arm();
  }

  private arm(): void {
    const head = this.queue[0];
    if (!head) return;
    this.timer = this.clock.setTimeout(() => this.flush(), Math.max(0, head.due - this.clock.now()));
  }

  private flush(): void {
    this.timer = undefined;
    const now = this.clock.now();
    while (this.queue.length > 0 && (this.queue[0] as Entry).due <= now) {
      this.deliver(this.queue.shift() as Entry);
    }
    this.arm();
  }

  private deliver(entry: Entry): void {
    if (entry.kind === 'send') {
      this.stats.written++;
      this.sink.write(entry.data as string | Buffer, entry.binary as boolean);
    } else if (entry.kind === 'close') {
      this.sink.close(entry.code as number, entry.reason as string);
    } else {
      this.sink.terminate();
    }
  }
}
