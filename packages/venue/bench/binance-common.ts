// biome-ignore-all lint/suspicious/noExplicitAny: ccxt's classes are loosely typed
/**
 * What the processes of the Binance load bench share: the line protocol between the orchestrator
 * and its children (`TAG {json}` lines on stdout, commands on stdin), bounded waits, the ccxt
 * client as the reference configures it, and the exact delivery count by update id.
 */
import http from 'node:http';
import readline from 'node:readline';
import ccxt from 'ccxt';

export const SYMBOLS = ['BTC/USDT', 'ETH/USDT'] as const;
/** Venue ids of {@link SYMBOLS}, in the same order. */
export const IDS = ['BTCUSDT', 'ETHUSDT'] as const;

/** Rejects after `ms` with a message naming what was awaited. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${(ms / 1000).toFixed(0)} s waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `cond` every `every` ms until true; rejects after `ms`. */
export async function until(cond: () => boolean, ms: number, what: string, every = 50): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out after ${(ms / 1000).toFixed(0)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Writes one protocol line (`TAG {json}`) to stdout. */
export function emit(tag: string, body: unknown = {}): void {
  process.stdout.write(`${tag} ${JSON.stringify(body)}\n`);
}

/** Calls `on(tag, body)` for each command line on stdin; `onEnd` when stdin ends (the parent went away). */
export function commands(on: (tag: string, body: any) => void, onEnd: () => void): void {
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const sp = line.indexOf(' ');
    const tag = sp < 0 ? line : line.slice(0, sp);
    on(tag, sp < 0 ? {} : JSON.parse(line.slice(sp + 1)));
  });
  rl.on('close', onEnd);
}

/** A ccxt.pro `binance` spot client on the venue, configured as the reference documents. */
export function spotClient(url: string, key?: { apiKey: string; secret: string }): any {
  const ws = url.replace(/^http/, 'ws');
  return new ccxt.pro.binance({
    ...(key ?? {}),
    enableRateLimit: false,
    httpAgent: new http.Agent({ keepAlive: true }),
    urls: {
      api: {
        public: `${url}/api/v3`,
        private: `${url}/api/v3`,
        ws: { spot: `${ws}/ws`, 'ws-api': { spot: `${ws}/ws-api/v3` } },
      },
    },
    options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
  });
}

/** The API key and secret of trader `i` (0-based); the venue creates the same ones. */
export const traderKey = (i: number) => ({ apiKey: `k${i + 1}`, secret: `s${i + 1}` });

/**
 * Counts, per client and symbol, exactly which depth update ids the client's book applied: every
 * `depthUpdate` ccxt applies goes through `handleOrderBookMessage`, which moves the book's nonce
 * from `before` to the frame's `u`, so the ids `before+1 .. u` entered the book from the stream.
 * Contiguous applications form one run; a resync (new REST snapshot) starts another, and the ids
 * the snapshot jumped over count as not delivered. The client itself is not modified: the hook
 * wraps the instance's method and calls it unchanged.
 */
export class DeliveryCounter {
  /** Per client, per symbol: flat [lo, hi] runs (ids lo+1..hi applied from the stream). */
  private readonly runs: number[][][] = [];
  /** Frames applied per symbol (all clients), and since {@link markWindow}. */
  readonly frames = [0, 0];
  readonly framesInWindow = [0, 0];
  private window = false;
  /** Called with the event time `E` (ms) of every frame applied inside the window. */
  onWindowFrame: ((E: number) => void) | undefined;

  /** Hooks the next client (its index `k` is the number of clients tracked before it). */
  track(client: any): void {
    const mine: number[][] = IDS.map(() => []);
    this.runs.push(mine);
    const orig = client.handleOrderBookMessage;
    client.handleOrderBookMessage = (c: unknown, message: any, orderbook: any) => {
      const before = orderbook.nonce as number;
      const out = orig.call(client, c, message, orderbook);
      const s = message.s === IDS[0] ? 0 : message.s === IDS[1] ? 1 : -1;
      if (s >= 0) {
        const after = orderbook.nonce as number;
        const r = mine[s] as number[];
        if (r.length > 0 && r[r.length - 1] === before) r[r.length - 1] = after;
        else r.push(before, after);
        this.frames[s] = (this.frames[s] as number) + 1;
        if (this.window) {
          this.framesInWindow[s] = (this.framesInWindow[s] as number) + 1;
          this.onWindowFrame?.(message.E as number);
        }
      }
      return out;
    };
  }

  /** Starts or stops counting frames (and their age) in the measurement window. */
  markWindow(on: boolean): void {
    this.window = on;
  }

  /**
   * Update ids in (from, to] that client `k`'s book of symbol `s` applied from the stream.
   * `to - from` means every one of them.
   */
  applied(k: number, s: number, from: number, to: number): number {
    const r = this.runs[k]?.[s] ?? [];
    let n = 0;
    for (let i = 0; i < r.length; i += 2) {
      const lo = Math.max(r[i] as number, from);
      const hi = Math.min(r[i + 1] as number, to);
      if (hi > lo) n += hi - lo;
    }
    return n;
  }

  /** Gaps in the ids client `k`'s book of symbol `s` applied (a resync that skipped ids). */
  gaps(k: number, s: number): number {
    return Math.max(0, (this.runs[k]?.[s]?.length ?? 0) / 2 - 1);
  }
}

/** Levels `[price, size]` equal to within float formatting (the wire carries decimal strings). */
export function sameLevels(a: ArrayLike<ArrayLike<number>>, b: ReadonlyArray<readonly [number, number]>): boolean {
  if (a.length !== b.length) return false;
  const eq = (x: number, y: number) => Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y));
  for (let i = 0; i < b.length; i++) {
    const x = a[i] as ArrayLike<number>;
    const y = b[i] as readonly [number, number];
    if (!eq(x[0] as number, y[0]) || !eq(x[1] as number, y[1])) return false;
  }
  return true;
}
