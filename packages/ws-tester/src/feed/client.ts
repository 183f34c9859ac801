import { type Clock, type MarketEvent, RealClock, TradeKitError, jsonToEvent } from '@tradekit/types';
import WebSocket from 'ws';
import type { FeedMessage, FeedSnapshotMessage } from './protocol.js';

/** Options for {@link connectFeed}. */
export interface FeedSubscriptionOptions {
  /** Feed server URL, e.g. `feed.url`. */
  url: string;
  /** Symbols to subscribe to. */
  symbols: string[];
  /** Called for every update, in sequence order per symbol (replayed ones after a resume included). */
  onEvent?: (event: MarketEvent, seq: number) => void;
  /** Called for every snapshot (the first per symbol, and after a resume the server could not serve). */
  onSnapshot?: (snapshot: FeedSnapshotMessage) => void;
  /** Called when a sequence number was skipped (only possible when the server lost the history). */
  onGap?: (symbol: string, expected: number, got: number) => void;
  /** Reconnect after the connection drops, resuming from the last sequence number. @default true */
  reconnect?: boolean;
  /** Wait before each reconnect attempt, µs. @default 100000 */
  reconnectDelay?: number;
  /** Give up after this many consecutive failed attempts. @default 10 */
  maxReconnectAttempts?: number;
  /** Clock the reconnect delay waits on. @default new RealClock() */
  clock?: Clock;
}

/** A live subscription; see {@link connectFeed}. */
export interface FeedSubscription {
  /** Last sequence number seen per symbol. */
  readonly lastSeq: ReadonlyMap<string, number>;
  /** Number of (re)connections made so far (1 after the first connect). */
  readonly connections: number;
  /** Sequence numbers found missing. */
  readonly gaps: number;
  /** Resolves when the server sent `end` (source exhausted) or `close()` was called; rejects when reconnecting gave up. */
  readonly done: Promise<void>;
  /** Unsubscribes and closes the connection for good. */
  close(): Promise<void>;
}

/**
 * Subscribes to a feed server and keeps the stream whole across drops: after a reconnect it asks
 * for the updates it missed (`fromSeq`), so every sequence number is delivered exactly once.
 *
 * @example
 * const sub = connectFeed({ url: feed.url, symbols: ['MNQ'], onEvent: (e, seq) => console.log(seq, e) });
 * await sub.done;
 */
export function connectFeed(options: FeedSubscriptionOptions): FeedSubscription {
  const clock = options.clock ?? new RealClock();
  const reconnect = options.reconnect ?? true;
  const delay = options.reconnectDelay ?? 100_000;
  const maxAttempts = options.maxReconnectAttempts ?? 10;
  const lastSeq = new Map<string, number>();
  let connections = 0;
  let gaps = 0;
  let closed = false;
  /** Whether the server acknowledged this connection's subscription. */
  let subscribed = false;
  let ws: WebSocket | undefined;
  let failures = 0;

  let resolveDone!: () => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => {});

  const handle = (msg: FeedMessage): void => {
    switch (msg.op) {
      case 'update': {
        const event = jsonToEvent(msg.event);
        const prev = lastSeq.get(event.symbol);
        if (prev !== undefined && msg.seq <= prev) return; // duplicate after a resume overlap
        if (prev !== undefined && msg.seq !== prev + 1) {
          gaps += msg.seq - prev - 1;
          options.onGap?.(event.symbol, prev + 1, msg.seq);
        }
        lastSeq.set(event.symbol, msg.seq);
        options.onEvent?.(event, msg.seq);
        break;
      }
      case 'subscribed':
        subscribed = true;
        break;
      case 'snapshot':
        lastSeq.set(msg.symbol, msg.seq);
        options.onSnapshot?.(msg);
        break;
      case 'end': {
        // An end that overtook our subscription (sent as we reconnected) while we are behind its
        // final seqs: the server answers the subscription with the missed updates and ends again.
        const behind = options.symbols.some((s) => (msg.seqs[s] ?? 0) > (lastSeq.get(s) ?? 0));
        if (behind && !subscribed) break;
        closed = true;
        ws?.close(1000);
        resolveDone();
        break;
      }
      case 'error':
        rejectDone(
          new TradeKitError(
            'WS_FEED_REJECTED',
            `The feed server rejected the subscription: [${msg.code}] ${msg.message}`,
          ),
        );
        break;
      default:
        break;
    }
  };

  const open = (): void => {
    const socket = new WebSocket(options.url, { perMessageDeflate: false });
    ws = socket;
    socket.on('open', () => {
      connections++;
      subscribed = false;
      failures = 0;
      const fromSeq: Record<string, number> = {};
      for (const s of options.symbols) {
        const seq = lastSeq.get(s);
        if (seq !== undefined) fromSeq[s] = seq + 1;
      }
      const req: Record<string, unknown> = { op: 'subscribe', symbols: options.symbols };
      if (Object.keys(fromSeq).length > 0) req.fromSeq = fromSeq;
      socket.send(JSON.stringify(req));
    });
    socket.on('message', (data) => {
      try {
        handle(JSON.parse(String(data)) as FeedMessage);
      } catch (err) {
        rejectDone(err);
        closed = true;
        socket.terminate();
      }
    });
    socket.on('error', () => {
      // The close event follows and decides whether to reconnect.
    });
    socket.on('close', () => {
      if (closed) return;
      if (!reconnect || ++failures > maxAttempts) {
        closed = true;
        rejectDone(
          new TradeKitError(
            'WS_FEED_DISCONNECTED',
            `Lost the connection to ${options.url}${reconnect ? ` and ${maxAttempts} reconnect attempts failed` : ''}. Check that the feed server is running.`,
            { details: { url: options.url } },
          ),
        );
        return;
      }
      if (delay > 0) clock.setTimeout(() => !closed && open(), delay);
      else open();
    });
  };
  open();

  return {
    lastSeq,
    get connections() {
      return connections;
    },
    get gaps() {
      return gaps;
    },
    done,
    async close() {
      if (!closed) {
        closed = true;
        resolveDone();
      }
      const socket = ws;
      if (!socket || socket.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
        else socket.close(1000);
      });
    },
  };
}
