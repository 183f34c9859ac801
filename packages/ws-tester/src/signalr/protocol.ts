/**
 * The SignalR JSON hub protocol on the wire: JSON records each ended by the 0x1E record
 * separator, a handshake first, then typed hub messages.
 */

/** The record separator that ends every SignalR JSON message. */
export const RECORD_SEPARATOR = '\u001e';

/** SignalR hub message types (the `type` field). */
export const SignalRMessageType = {
  Invocation: 1,
  StreamItem: 2,
  Completion: 3,
  StreamInvocation: 4,
  CancelInvocation: 5,
  Ping: 6,
  Close: 7,
  Ack: 8,
  Sequence: 9,
} as const;

/** A hub method call, from client to server or pushed from server to client. */
export interface InvocationMessage {
  type: 1;
  /** Present when the caller waits for a completion. */
  invocationId?: string;
  /** Method name. */
  target: string;
  /** Positional arguments. */
  arguments: unknown[];
}

/** The result (or error) of an invocation. */
export interface CompletionMessage {
  type: 3;
  invocationId: string;
  result?: unknown;
  error?: string;
}

/** Any message of the JSON hub protocol, loosely typed as parsed. */
export interface HubMessage {
  type: number;
  [key: string]: unknown;
}

/** Encodes one message as a record (JSON + separator). */
export function encodeRecord(message: unknown): string {
  return JSON.stringify(message) + RECORD_SEPARATOR;
}

/**
 * Splits received text into complete records and the unterminated rest (a record may span
 * frames when the client fragments).
 */
export function splitRecords(text: string): { records: string[]; rest: string } {
  const parts = text.split(RECORD_SEPARATOR);
  const rest = parts.pop() as string;
  return { records: parts, rest };
}
