/**
 * Wire format of the feed server. Text frames, one JSON object each, tagged by `op`.
 *
 * Sequence numbers are per symbol: every update of a symbol carries the next integer (1, 2, 3…),
 * and a snapshot carries the sequence number of the last update it includes. A client that sees
 * `seq` jump knows it missed updates; a client that reconnects sends the next sequence number it
 * wants (`fromSeq`) and gets the missed updates replayed, or a fresh snapshot when they are no
 * longer held.
 */
import type { BookSnapshotEvent, MarketEvent, QuoteEvent, TradeEvent, BarEvent, StatusEvent } from '@tradekit/types';

/** What a client sends to subscribe. `fromSeq` resumes: a number for every symbol, or one per symbol. */
export interface FeedSubscribeRequest {
  op: 'subscribe';
  symbols: string[];
  /** The next sequence number the client wants (its last seen `seq` + 1). */
  fromSeq?: number | Record<string, number>;
  /** Echoed back in the `subscribed` acknowledgement. */
  id?: string | number;
}

/** What a client sends to stop receiving symbols. */
export interface FeedUnsubscribeRequest {
  op: 'unsubscribe';
  symbols: string[];
  id?: string | number;
}

/** Any request a client may send. `ping` is answered with `pong` (application-level keep-alive). */
export type FeedRequest = FeedSubscribeRequest | FeedUnsubscribeRequest | { op: 'ping'; id?: string | number };

/** The state of one symbol as known when the snapshot was taken; `null` for what was never seen. */
export interface FeedSnapshotMessage {
  op: 'snapshot';
  symbol: string;
  /** Sequence number of the last update folded into this snapshot (0 before any update). */
  seq: number;
  quote: QuoteEvent | null;
  book: BookSnapshotEvent | null;
  trade: TradeEvent | null;
  bar: BarEvent | null;
  status: StatusEvent | null;
}

/** One market event for a subscribed symbol. */
export interface FeedUpdateMessage {
  op: 'update';
  /** Per-symbol sequence number (1, 2, 3…). */
  seq: number;
  /** Server clock time when the update was published, epoch µs (latency = receive time − sent). */
  sent: number;
  event: MarketEvent;
}

/** Sent instead of a snapshot when a resume request could be served from the server's history. */
export interface FeedResumedMessage {
  op: 'resumed';
  symbol: string;
  /** First sequence number replayed (the client's `fromSeq`). */
  fromSeq: number;
  /** Last sequence number replayed; live updates continue from `seq + 1`. */
  seq: number;
}

/** Acknowledges a subscribe or unsubscribe. */
export interface FeedAckMessage {
  op: 'subscribed' | 'unsubscribed';
  symbols: string[];
  id?: string | number;
}

/** A request the server could not accept; the connection stays open. */
export interface FeedErrorMessage {
  op: 'error';
  /** Stable code, e.g. `WS_FEED_INVALID_JSON`. */
  code: string;
  message: string;
  id?: string | number;
}

/**
 * Sent once the source is exhausted: no further updates will come. Sent to every connected client,
 * to each client that connects later, and again after serving a subscription that arrives after
 * the end (so a client that reconnected as the feed ended gets its catch-up first).
 */
export interface FeedEndMessage {
  op: 'end';
  /** Last sequence number per symbol. */
  seqs: Record<string, number>;
}

/** Any message the feed server sends. */
export type FeedMessage =
  | FeedSnapshotMessage
  | FeedUpdateMessage
  | FeedResumedMessage
  | FeedAckMessage
  | FeedErrorMessage
  | FeedEndMessage
  | { op: 'pong'; id?: string | number };
