import type { AddressInfo } from 'node:net';
import {
  type Clock,
  type MarketEvent,
  type MarketEventSource,
  RealClock,
  type TimerHandle,
  TradeKitError,
  describeValue,
  eventToJsonLine,
  expectNumber,
  invalidValue,
} from '@tradekit/types';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { FeedErrorMessage } from './protocol.js';
import { SymbolChannel } from './symbol-channel.js';

/** Options for {@link createFeedServer}. */
export interface FeedServerOptions {
  /** The market events to serve, in time order: market-sim, replay, or any (async) iterable. */
  source: MarketEventSource;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port to listen on; 0 picks a free one (read it from `server.port`). @default 0 */
  port?: number;
  /** Clock the pacing waits on; a `VirtualClock` makes tests deterministic. @default new RealClock() */
  clock?: Clock;
  /**
   * Replay speed relative to the events' own timestamps: 1 is real time, 10 is ten times faster,
   * `Infinity` sends as fast as clients take them. Ignored when `rate` is set. @default 1
   */
  speed?: number;
  /** Fixed pace in events per second, ignoring the events' timestamps. */
  rate?: number;
  /** Largest request frame accepted, in bytes; bigger ones get a `WS_FEED_FRAME_TOO_LARGE` error. @default 65536 */
  maxPayload?: number;
  /** Updates held per symbol so reconnecting clients can resume without a snapshot. @default 10000 */
  history?: number;
  /** Bytes queued to one client beyond which it is disconnected as a slow consumer (close code 4008). @default 16777216 */
  maxBufferedBytes?: number;
  /** Start pacing the source as soon as the server listens; `false` waits for `start()`. @default true */
  autoStart?: boolean;
}

/** Figures of a feed server since it started. */
export interface FeedServerStats {
  /** Events taken from the source and published. */
  published: number;
  /** Update frames handed to client sockets. */
  delivered: number;
  /** Clients connected now. */
  clients: number;
  /** Symbol subscriptions held by connected clients now. */
  subscriptions: number;
  /** Requests answered with a protocol error. */
  protocolErrors: number;
  /** Clients disconnected for falling too far behind. */
  slowConsumers: number;
}

/** A running feed server; see {@link createFeedServer}. */
export interface FeedServer {
  /** `ws://host:port` to connect to. */
  readonly url: string;
  /** The address listened on. */
  readonly host: string;
  /** The port listened on (the one picked when `port` was 0). */
  readonly port: number;
  /** Resolves once the source is exhausted and the `end` message was sent (rejects if the source throws). */
  readonly done: Promise<FeedServerStats>;
  /** Starts pacing the source (only needed with `autoStart: false`); calling it again does nothing. */
  start(): void;
  /** Last sequence number published for `symbol` (0 when none). */
  seq(symbol: string): number;
  /** Current figures. */
  stats(): FeedServerStats;
  /** Drops every client abruptly (socket destroyed, the client sees 1006): for reconnection tests. */
  dropClients(): void;
  /** Stops the source, disconnects every client and closes the port. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface FeedClient {
  ws: WebSocket;
  symbols: Set<string>;
}

const MAX_SYMBOLS_PER_REQUEST = 10_000;
const YIELD_EVERY = 256;

/**
 * Serves a market event source over WebSocket: clients subscribe by symbol, get a snapshot and
 * then sequenced updates, paced in real time at a speed or fixed rate.
 *
 * @example
 * const feed = await createFeedServer({ source: events, speed: 10 });
 * const ws = new WebSocket(feed.url);
 * ws.on('open', () => ws.send(JSON.stringify({ op: 'subscribe', symbols: ['MNQ'] })));
 * ws.on('message', (data) => console.log(JSON.parse(String(data))));
 */
export async function createFeedServer(options: FeedServerOptions): Promise<FeedServer> {
  const source = options.source as unknown;
  if (
    typeof source !== 'object' ||
    source === null ||
    !(Symbol.iterator in source || Symbol.asyncIterator in (source as object))
  ) {
    throw invalidValue(
      'WS_FEED_INVALID_OPTION',
      'source',
      'an Iterable or AsyncIterable of MarketEvent',
      source,
      'Pass market-sim or replay output, or an array of events.',
    );
  }
  const host = options.host ?? '127.0.0.1';
  const port = expectNumber('WS_FEED_INVALID_OPTION', 'port', options.port ?? 0, { integer: true, min: 0, max: 65535 });
  const clock = options.clock ?? new RealClock();
  const rate =
    options.rate === undefined
      ? undefined
      : expectNumber('WS_FEED_INVALID_OPTION', 'rate', options.rate, { min: 0, exclusiveMin: true });
  const speed = options.speed ?? 1;
  if (typeof speed !== 'number' || !(speed > 0)) {
    throw invalidValue('WS_FEED_INVALID_OPTION', 'speed', 'a number > 0 (Infinity for no pacing)', speed);
  }
  const maxPayload = expectNumber('WS_FEED_INVALID_OPTION', 'maxPayload', options.maxPayload ?? 65_536, {
    integer: true,
    min: 1,
  });
  const historySize = expectNumber('WS_FEED_INVALID_OPTION', 'history', options.history ?? 10_000, {
    integer: true,
    min: 0,
  });
  const maxBuffered = expectNumber('WS_FEED_INVALID_OPTION', 'maxBufferedBytes', options.maxBufferedBytes ?? 16 << 20, {
    min: 1,
  });

  const channels = new Map<string, SymbolChannel<FeedClient>>();
  const clients = new Set<FeedClient>();
  const stats: FeedServerStats = {
    published: 0,
    delivered: 0,
    clients: 0,
    subscriptions: 0,
    protocolErrors: 0,
    slowConsumers: 0,
  };
  let stopped = false;
  let started = false;
  let ended = false;

  const channel = (symbol: string): SymbolChannel<FeedClient> => {
    let ch = channels.get(symbol);
    if (!ch) {
      ch = new SymbolChannel<FeedClient>(symbol, historySize);
      channels.set(symbol, ch);
    }
    return ch;
  };

  // Frames above maxPayload are answered with an error and the connection kept; ws itself only
  // closes (1009) on frames so large that reading them would be a memory risk.
  const wss = new WebSocketServer({
    host,
    port,
    maxPayload: Math.max(maxPayload * 16, 1 << 20),
    perMessageDeflate: false,
    clientTracking: false,
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', (err) =>
      reject(
        new TradeKitError(
          'WS_FEED_LISTEN_FAILED',
          `Could not listen on ${host}:${port}: ${err.message}. Pick a free port or use 0.`,
          {
            cause: err,
            details: { host, port },
          },
        ),
      ),
    );
  });
  wss.on('error', () => {
    // Listening errors after start are reported per connection; never crash the host process.
  });
  const address = wss.address() as AddressInfo;
  const url = `ws://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  const sendError = (client: FeedClient, code: string, message: string, id?: string | number): void => {
    stats.protocolErrors++;
    const msg: FeedErrorMessage = { op: 'error', code, message };
    if (id !== undefined) msg.id = id;
    safeSend(client.ws, JSON.stringify(msg));
  };

  const subscribe = (client: FeedClient, symbols: string[], fromSeq: unknown): void => {
    for (const symbol of symbols) {
      const ch = channel(symbol);
      const wanted = typeof fromSeq === 'number' ? fromSeq : (fromSeq as Record<string, number> | undefined)?.[symbol];
      const frames = wanted === undefined ? undefined : ch.framesFrom(wanted);
      if (frames) {
        safeSend(client.ws, `{"op":"resumed","symbol":${JSON.stringify(symbol)},"fromSeq":${wanted},"seq":${ch.seq}}`);
        for (const f of frames) safeSend(client.ws, f);
      } else {
        safeSend(client.ws, JSON.stringify(ch.snapshot()));
      }
      if (!client.symbols.has(symbol)) stats.subscriptions++;
      ch.subscribers.add(client);
      client.symbols.add(symbol);
    }
  };

  const unsubscribe = (client: FeedClient, symbols: string[]): void => {
    for (const symbol of symbols) {
      channels.get(symbol)?.subscribers.delete(client);
      if (client.symbols.delete(symbol)) stats.subscriptions--;
    }
  };

  const onMessage = (client: FeedClient, data: RawData, isBinary: boolean): void => {
    const size = rawSize(data);
    if (size > maxPayload) {
      sendError(
        client,
        'WS_FEED_FRAME_TOO_LARGE',
        `Expected a request frame of at most ${maxPayload} bytes, got ${size} bytes. Send smaller requests (split long symbol lists).`,
      );
      return;
    }
    if (isBinary) {
      sendError(
        client,
        'WS_FEED_BINARY_FRAME',
        'Expected a text frame holding JSON, got a binary frame. Send requests as text.',
      );
      return;
    }
    let req: unknown;
    try {
      req = JSON.parse(rawText(data));
    } catch {
      sendError(
        client,
        'WS_FEED_INVALID_JSON',
        `Expected a JSON request like {"op":"subscribe","symbols":["MNQ"]}, got ${describeValue(rawText(data))}.`,
      );
      return;
    }
    if (typeof req !== 'object' || req === null || Array.isArray(req)) {
      sendError(client, 'WS_FEED_INVALID_REQUEST', `Expected a JSON object with an \`op\`, got ${describeValue(req)}.`);
      return;
    }
    const r = req as { op?: unknown; symbols?: unknown; fromSeq?: unknown; id?: unknown };
    const id = typeof r.id === 'string' || typeof r.id === 'number' ? r.id : undefined;
    if (r.op === 'ping') {
      safeSend(client.ws, JSON.stringify(id === undefined ? { op: 'pong' } : { op: 'pong', id }));
      return;
    }
    if (r.op !== 'subscribe' && r.op !== 'unsubscribe') {
      sendError(
        client,
        'WS_FEED_UNKNOWN_OP',
        `Expected \`op\` to be "subscribe", "unsubscribe" or "ping", got ${describeValue(r.op)}.`,
        id,
      );
      return;
    }
    const symbols = r.symbols;
    if (
      !Array.isArray(symbols) ||
      symbols.length === 0 ||
      symbols.length > MAX_SYMBOLS_PER_REQUEST ||
      !symbols.every((s) => typeof s === 'string' && s.length > 0)
    ) {
      sendError(
        client,
        'WS_FEED_INVALID_REQUEST',
        `Expected \`symbols\` to be a non-empty array of up to ${MAX_SYMBOLS_PER_REQUEST} symbol strings, got ${describeValue(symbols)}. Example: {"op":"subscribe","symbols":["MNQ"]}.`,
        id,
      );
      return;
    }
    if (r.op === 'subscribe' && r.fromSeq !== undefined && !validFromSeq(r.fromSeq)) {
      sendError(
        client,
        'WS_FEED_INVALID_REQUEST',
        `Expected \`fromSeq\` to be an integer ≥ 1 or an object of such integers by symbol, got ${describeValue(r.fromSeq)}. Send your last seen seq + 1.`,
        id,
      );
      return;
    }
    const ack = `{"op":"${r.op}d","symbols":${JSON.stringify(symbols)}${id === undefined ? '' : `,"id":${JSON.stringify(id)}`}}`;
    safeSend(client.ws, ack);
    if (r.op === 'subscribe') {
      subscribe(client, symbols as string[], r.fromSeq);
      // A subscription that arrives after the end (a reconnect racing it) gets its catch-up, then the end again.
      if (ended) safeSend(client.ws, endFrame());
    } else unsubscribe(client, symbols as string[]);
  };

  wss.on('connection', (ws) => {
    const client: FeedClient = { ws, symbols: new Set() };
    clients.add(client);
    stats.clients = clients.size;
    ws.on('message', (data, isBinary) => {
      try {
        onMessage(client, data, isBinary);
      } catch (err) {
        sendError(client, 'WS_FEED_INTERNAL', `The feed server failed on this request: ${(err as Error).message}`);
      }
    });
    ws.on('error', () => {
      // A client's socket error ends only that client (the close handler cleans up).
    });
    ws.on('close', () => {
      unsubscribe(client, [...client.symbols]);
      clients.delete(client);
      stats.clients = clients.size;
    });
    if (ended) safeSend(ws, endFrame());
  });

  const endFrame = (): string => {
    const seqs: Record<string, number> = {};
    for (const [s, ch] of channels) seqs[s] = ch.seq;
    return JSON.stringify({ op: 'end', seqs });
  };

  const publish = (event: MarketEvent): void => {
    const ch = channel(event.symbol);
    const sent = clock.now();
    const frame = ch.apply(
      event,
      (seq) => `{"op":"update","seq":${seq},"sent":${sent},"event":${eventToJsonLine(event)}}`,
    );
    stats.published++;
    for (const client of ch.subscribers) {
      const ws = client.ws;
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (ws.bufferedAmount > maxBuffered) {
        stats.slowConsumers++;
        unsubscribe(client, [...client.symbols]);
        ws.close(4008, 'slow consumer: resubscribe with fromSeq');
        continue;
      }
      ws.send(frame);
      stats.delivered++;
    }
  };

  let resolveDone!: (s: FeedServerStats) => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<FeedServerStats>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  // An unobserved rejection must not crash a process that never awaits `done`.
  done.catch(() => {});

  // Real-clock waits are cancellable, so close() never leaves a timer holding the process open.
  let pendingWait: { handle: TimerHandle; resolve: () => void } | undefined;
  const waitUntil = (due: number): Promise<void> => {
    if (clock.kind === 'virtual') return clock.waitUntil(due);
    return new Promise<void>((resolve) => {
      const handle = clock.setTimeout(
        () => {
          pendingWait = undefined;
          resolve();
        },
        Math.max(0, due - clock.now()),
      );
      pendingWait = { handle, resolve };
    });
  };

  const pump = async (): Promise<void> => {
    const src = options.source as Partial<Iterable<MarketEvent> & AsyncIterable<MarketEvent>>;
    const asyncFactory = src[Symbol.asyncIterator];
    const iterator: Iterator<MarketEvent> | AsyncIterator<MarketEvent> = asyncFactory
      ? asyncFactory.call(src)
      : (src as Iterable<MarketEvent>)[Symbol.iterator]();
    const startTime = clock.now();
    let firstTs: number | undefined;
    let index = 0;
    let sinceYield = 0;
    try {
      while (!stopped) {
        const r = await iterator.next();
        if (r.done || stopped) break;
        const event = r.value;
        let due: number;
        if (rate !== undefined) due = startTime + (index * 1e6) / rate;
        else if (speed === Number.POSITIVE_INFINITY) due = startTime;
        else {
          if (firstTs === undefined) firstTs = event.ts;
          due = startTime + (event.ts - firstTs) / speed;
        }
        index++;
        if (due > clock.now()) {
          await waitUntil(Math.round(due));
          if (stopped) break;
          if (clock.kind === 'real') sinceYield = 0;
        }
        // Behind schedule (or unpaced) the loop would starve socket I/O: let it breathe.
        if (++sinceYield >= YIELD_EVERY) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (stopped) break;
        }
        publish(event);
      }
      if (!stopped) {
        ended = true;
        const frame = endFrame();
        for (const c of clients) safeSend(c.ws, frame);
      }
      resolveDone({ ...stats });
    } catch (err) {
      rejectDone(
        new TradeKitError('WS_FEED_SOURCE_FAILED', `The feed source threw: ${(err as Error)?.message ?? String(err)}`, {
          cause: err,
        }),
      );
    } finally {
      if (stopped) await (iterator as AsyncIterator<MarketEvent>).return?.();
    }
  };

  const start = (): void => {
    if (started) return;
    started = true;
    void pump();
  };
  if (options.autoStart !== false) start();

  const close = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (pendingWait) {
      clock.clearTimeout(pendingWait.handle);
      pendingWait.resolve();
      pendingWait = undefined;
    }
    for (const c of clients) c.ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    if (!started) resolveDone({ ...stats });
  };

  return {
    url,
    host: address.address,
    port: address.port,
    done,
    start,
    seq: (symbol) => channels.get(symbol)?.seq ?? 0,
    stats: () => ({ ...stats }),
    dropClients: () => {
      for (const c of clients) c.ws.terminate();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function validFromSeq(v: unknown): boolean {
  const ok = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1;
  if (ok(v)) return true;
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(ok);
}

function safeSend(ws: WebSocket, frame: string): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(frame);
}

function rawSize(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return (data as Buffer | ArrayBuffer).byteLength;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
