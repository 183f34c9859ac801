/**
 * Probe: a plain `ws` client that records what it sees (frames, close code, pongs, errors).
 * The package's own tests use it to observe faults from the client side.
 */
import type { ClientOptions } from 'ws';
import { WebSocket } from 'ws';
import { MessageQueue } from './queue.js';

/** A frame as a client received it. */
export interface ProbeFrame {
  /** Text of a text frame, or the bytes of a binary one. */
  data: string | Buffer;
  /** True for a binary frame. */
  binary: boolean;
}

/** A recording WebSocket client (see {@link openProbe}). */
export interface Probe {
  /** The underlying `ws` client socket. */
  socket: WebSocket;
  /** Every frame received, with an awaitable `next()`. */
  frames: MessageQueue<ProbeFrame>;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** Errors the socket emitted. */
  errors: Error[];
  /** Pongs received. */
  pongs: number;
  /** Text frames parsed as JSON (throws on an unparsable one). */
  json(): unknown[];
  /**
   * Resolves once every frame the server wrote before answering this ping has arrived (TCP keeps
   * order). Rejects after `timeoutMs` when the server does not answer pings.
   */
  barrier(timeoutMs?: number): Promise<void>;
}

/**
 * Opens a recording `ws` client, to observe faults from the client side in tests. Resolves
 * once open, or rejects with the handshake error (e.g. `Unexpected server response: 401`).
 *
 * @example
 * const probe = await openProbe(server.url);
 * const frame = await probe.frames.next();
 */
export function openProbe(url: string, options: ClientOptions = {}): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options);
    const frames = new MessageQueue<ProbeFrame>();
    const errors: Error[] = [];
    let pongWaiters: Array<() => void> = [];
    const probe: Probe = {
      socket,
      frames,
      errors,
      pongs: 0,
      closed: new Promise((res) => socket.on('close', (code, reason) => res({ code, reason: reason.toString() }))),
      json: () => frames.items.map((f) => JSON.parse(typeof f.data === 'string' ? f.data : f.data.toString('utf8'))),
      barrier: (timeoutMs = 2000) =>
        new Promise<void>((res, rej) => {
          const timer = setTimeout(() => rej(new Error('no pong')), timeoutMs);
          pongWaiters.push(() => {
            clearTimeout(timer);
            res();
          });
          socket.ping();
        }),
    };
    socket.on('message', (data, binary) => {
      const buf = data as Buffer;
      frames.push({ data: binary ? buf : buf.toString('utf8'), binary });
    });
    socket.on('pong', () => {
      probe.pongs++;
      const w = pongWaiters;
      pongWaiters = [];
      for (const f of w) f();
    });
    socket.on('error', (err) => {
      errors.push(err);
      reject(err);
    });
    socket.on('open', () => resolve(probe));
  });
}
