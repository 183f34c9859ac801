/**
 * The plain JSON wire protocol shared by the mock server, the proxy and the stability suite:
 * one JSON value per text frame, and a standard error message for frames the server cannot use.
 */
import { TradeKitError, describeValue } from '@tradekit/types';

/** What the server sends back when a client's frame is unusable. */
export interface ProtocolErrorMessage {
  /** Always `"error"`, so clients can switch on `type`. */
  type: 'error';
  /** Stable code, e.g. `WS_INVALID_JSON`, listed in docs/errors/ws-tester.md. */
  code: string;
  /** Human-readable explanation. */
  message: string;
}

/** The result of {@link decodeJsonFrame}: the parsed value, or a protocol error for the sender. */
export type DecodedFrame = { ok: true; value: unknown } | { ok: false; error: ProtocolErrorMessage };

/**
 * Turns one received WebSocket frame into a JSON value, or into a protocol error message
 * (binary where text is expected, invalid JSON) that the caller sends back to that client.
 *
 * @example
 * decodeJsonFrame('{"op":"subscribe"}', false); // { ok: true, value: { op: 'subscribe' } }
 */
export function decodeJsonFrame(data: string | Buffer | ArrayBuffer | Buffer[], isBinary: boolean): DecodedFrame {
  if (isBinary) {
    return {
      ok: false,
      error: protocolError(
        'WS_BINARY_NOT_EXPECTED',
        `Expected a text frame holding JSON, got a binary frame of ${byteLength(data)} bytes. Send text frames in JSON mode.`,
      ),
    };
  }
  const text = frameToText(data);
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return {
      ok: false,
      error: protocolError(
        'WS_INVALID_JSON',
        `Expected the frame to be valid JSON, got ${describeValue(text)}: ${(err as Error).message}. Send one JSON value per text frame.`,
      ),
    };
  }
}

/** Serialises a value as JSON for a text frame (a string becomes a JSON string literal). */
export function encodeJsonFrame(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) {
    throw new TradeKitError(
      'WS_UNSERIALISABLE_MESSAGE',
      `Expected a message that JSON.stringify can encode, got ${describeValue(value)}. Send a plain object, array, string, number or boolean.`,
      { details: { value } },
    );
  }
  return text;
}

/** Builds the standard `{ type: 'error', code, message }` protocol error. */
export function protocolError(code: string, message: string): ProtocolErrorMessage {
  return { type: 'error', code, message };
}

/** Text of a frame as `ws` delivers it (Buffer, ArrayBuffer or fragments). */
export function frameToText(data: string | Buffer | ArrayBuffer | Buffer[]): string {
  if (typeof data === 'string') return data;
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** Byte length of a frame as `ws` delivers it. */
export function byteLength(data: string | Buffer | ArrayBuffer | Buffer[]): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}

/**
 * True when `actual` contains everything in `expected`: objects match on the keys `expected`
 * lists (recursively), arrays and primitives must be equal. The `objectContaining` rule, without vitest.
 */
export function matchesPartial(actual: unknown, expected: unknown): boolean {
  if (Object.is(actual, expected)) return true;
  if (typeof expected !== 'object' || expected === null || typeof actual !== 'object' || actual === null) return false;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return false;
    return expected.every((e, i) => matchesPartial(actual[i], e));
  }
  for (const [key, value] of Object.entries(expected)) {
    if (!matchesPartial((actual as Record<string, unknown>)[key], value)) return false;
  }
  return true;
}
