import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { type Clock, type MarketEvent, RealClock, eventToJsonLine, invalidValue } from '@tradekit/types';
import { connectFeed } from './client.js';
import type { FeedSnapshotMessage } from './protocol.js';

/** Options for {@link recordSession}. */
export interface RecordSessionOptions {
  /** Feed server URL. */
  url: string;
  /** Symbols to subscribe to. */
  subscribe: string[];
  /** File path, or a writable stream, that receives canonical JSONL (one event per line). */
  out: string | Writable;
  /** Also write the state found in snapshots (quote, book, trade, bar, status) as events. @default true */
  includeSnapshots?: boolean;
  /** Stop after this many events. */
  maxEvents?: number;
  /** Stop after this long, µs (on `clock`). */
  duration?: number;
  /** Reconnect and resume after drops. @default true */
  reconnect?: boolean;
  /** Clock for `duration` and reconnect delays. @default new RealClock() */
  clock?: Clock;
}

/** What a finished recording holds. */
export interface RecordingSummary {
  /** Events written. */
  events: number;
  /** Sequence numbers that never arrived. */
  gaps: number;
  /** Connections made (more than 1 after reconnects). */
  connections: number;
}

/** A recording in progress; see {@link recordSession}. */
export interface Recording {
  /** Resolves when the feed ended, `maxEvents` or `duration` was reached, or `stop()` was called; the output is flushed. */
  readonly done: Promise<RecordingSummary>;
  /** Events written so far. */
  readonly events: number;
  /** Stops recording and flushes the output. */
  stop(): Promise<RecordingSummary>;
}

/**
 * Records what a feed server sends to canonical JSONL (the format `replay` reads), resuming
 * across reconnects so the file has no holes.
 *
 * @example
 * const rec = recordSession({ url: feed.url, subscribe: ['MNQ'], out: 'session.jsonl', duration: 60_000_000 });
 * const { events } = await rec.done;
 */
export function recordSession(options: RecordSessionOptions): Recording {
  if (!Array.isArray(options.subscribe) || options.subscribe.length === 0) {
    throw invalidValue('WS_RECORD_INVALID_OPTION', 'subscribe', 'a non-empty array of symbols', options.subscribe);
  }
  if (options.maxEvents !== undefined && !(Number.isInteger(options.maxEvents) && options.maxEvents > 0)) {
    throw invalidValue('WS_RECORD_INVALID_OPTION', 'maxEvents', 'an integer ≥ 1', options.maxEvents);
  }
  const clock = options.clock ?? new RealClock();
  const includeSnapshots = options.includeSnapshots ?? true;
  const out: Writable = typeof options.out === 'string' ? createWriteStream(options.out) : options.out;
  const ownsStream = typeof options.out === 'string';
  let events = 0;
  let finished: Promise<RecordingSummary> | undefined;

  const write = (event: MarketEvent): void => {
    if (finished) return;
    out.write(`${eventToJsonLine(event)}\n`);
    events++;
    if (options.maxEvents !== undefined && events >= options.maxEvents) void finish();
  };

  const onSnapshot = (s: FeedSnapshotMessage): void => {
    if (!includeSnapshots) return;
    const parts: MarketEvent[] = [];
    for (const e of [s.status, s.book, s.quote, s.trade, s.bar]) if (e !== null) parts.push(e);
    parts.sort((a, b) => a.ts - b.ts);
    for (const e of parts) write(e);
  };

  const sub = connectFeed({
    url: options.url,
    symbols: options.subscribe,
    reconnect: options.reconnect ?? true,
    clock,
    onEvent: write,
    onSnapshot,
  });

  const timer = options.duration === undefined ? undefined : clock.setTimeout(() => void finish(), options.duration);

  const finish = (): Promise<RecordingSummary> => {
    if (finished) return finished;
    finished = (async () => {
      clock.clearTimeout(timer);
      await sub.close();
      await new Promise<void>((resolve, reject) => {
        if (ownsStream) {
          out.once('error', reject);
          out.end(() => resolve());
        } else if (out.writableNeedDrain) out.once('drain', () => resolve());
        else resolve();
      });
      return { events, gaps: sub.gaps, connections: sub.connections };
    })();
    return finished;
  };

  const done = sub.done.then(
    () => finish(),
    async (err) => {
      await finish();
      throw err;
    },
  );
  done.catch(() => {});

  return {
    done,
    get events() {
      return events;
    },
    stop: finish,
  };
}
