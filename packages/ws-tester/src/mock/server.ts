/**
 * MockServer: a real WebSocket server on a loopback port for tests, with the API users of
 * jest-websocket-mock and MSW expect (connected, nextMessage, messages, send, close, error,
 * handlers) plus fault injection and restarts.
 */
import type { IncomingMessage } from 'node:http';
import { TradeKitError, describeValue } from '@tradekit/types';
import { WebSocket } from 'ws';
import type { LinkStats } from '../faults/link.js';
import {
  type ProtocolErrorMessage,
  decodeJsonFrame,
  encodeJsonFrame,
  frameToText,
  matchesPartial,
  protocolError,
} from '../protocol/json.js';
import { type ListenerConnection, type ListenerOptions, SocketListener } from './listener.js';

function byteLength(data: Buffer | ArrayBuffer | Buffer[]): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}
import { MessageQueue } from './queue.js';

/** Options for {@link createMockServer}. */
export interface MockServerOptions extends ListenerOptions {
  /** Parse received frames as JSON and serialise sent values as JSON. @default false */
  json?: boolean;
  /** Send every received message back to its sender when no handler replied. @default false */
  echo?: boolean;
  /**
   * JSON mode: the message types the server knows, read from `typeField`. A message with another
   * type gets a `WS_UNKNOWN_MESSAGE_TYPE` protocol error. @default undefined (any type)
   */
  knownTypes?: string[];
  /** Field holding the message type. @default "type" */
  typeField?: string;
  /** Shapes the protocol error sent to a client for a bad frame. @default the {@link ProtocolErrorMessage} itself */
  protocolError?: (error: ProtocolErrorMessage) => unknown;
  /**
   * How long `connected` and `nextMessage` wait (ms) before rejecting with `WS_TIMEOUT` ("no
   * client connected within …"), so a test fails with a message instead of the runner's timeout.
   * @default 4000
   */
  timeout?: number;
}

/** A frame the server could not use (JSON mode: not JSON, binary, unknown type), kept for assertions and matchers. */
export interface InvalidFrame {
  /** The protocol error code sent back, e.g. `WS_INVALID_JSON`. */
  code: string;
  /** The frame as received: its text (cut at 500 characters), or `<binary N bytes>`. */
  frame: string;
  /** Connection attempt index of the sender. */
  client: number;
}

/** Options for closing connections. */
export interface CloseOptions {
  /** Close code. @default 1000 */
  code?: number;
  /** Close reason. @default "" */
  reason?: string;
}

/** A matcher for {@link MockServer.handle}: a predicate, or a value matched partially (JSON) or exactly. */
export type MessageMatch =
  // biome-ignore lint/suspicious/noExplicitAny: test handlers read fields of messages they just matched
  | ((message: any, client: MockClient) => boolean)
  | Record<string, unknown>
  | unknown[]
  | string
  | number
  | boolean
  | null;

/** A reply for {@link MockServer.handle}: a value, or a function of the message (return undefined to send nothing). */
export type MessageReply =
  // biome-ignore lint/suspicious/noExplicitAny: see MessageMatch
  | ((message: any, client: MockClient) => unknown)
  | Record<string, unknown>
  | unknown[]
  | string
  | number
  | boolean
  | null;

/** A connection attempt the server refused (auth, a `reject` fault). */
export interface RejectedAttempt {
  /** Connection attempt index (0-based; refused attempts count too). */
  index: number;
  /** HTTP status answered, or 0 when the socket was reset without an answer. */
  status: number;
  /** The upgrade request. */
  request: IncomingMessage;
}

/** Events of a {@link MockServer}. */
export interface MockServerEvents {
  connection: (client: MockClient) => void;
  /** An upgrade was refused (401 from `authenticate`, a `reject` fault…). */
  rejected: (attempt: RejectedAttempt) => void;
  message: (message: unknown, client: MockClient) => void;
  close: (client: MockClient, code: number, reason: string) => void;
  protocolError: (error: ProtocolErrorMessage, client: MockClient) => void;
}

/** How a connection ended. */
export interface CloseInfo {
  /** Close code as the server saw it (1006 when the socket died). */
  code: number;
  /** Close reason. */
  reason: string;
}

/** One client connected to a {@link MockServer}. */
export class MockClient {
  /** Connection attempt index (0-based). */
  readonly index: number;
  /** The upgrade request: url, headers. */
  readonly request: IncomingMessage;
  /** What this client sent, in order (parsed in JSON mode). */
  readonly received = new MessageQueue<unknown>();
  /** Frames from this client the server could not use (JSON mode), in order. */
  readonly invalidFrames: InvalidFrame[] = [];
  /** Resolves when the connection is closed. */
  readonly closed: Promise<CloseInfo>;
  private resolveClosed!: (info: CloseInfo) => void;

  /** @internal */
  constructor(
    private readonly connection: ListenerConnection,
    private readonly json: boolean,
    private readonly timeoutMs: number = 4000,
  ) {
    this.index = connection.index;
    this.request = connection.request;
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  /** Everything this client sent so far. */
  get messages(): unknown[] {
    return this.received.items;
  }

  /** The next message from this client not read yet (rejects with `WS_TIMEOUT` after the server's `timeout`). */
  get nextMessage(): Promise<unknown> {
    return this.received.nextWithin(this.timeoutMs, `a message from client ${this.index}`);
  }

  /** True while the socket is open. */
  get isOpen(): boolean {
    return this.connection.socket.readyState === WebSocket.OPEN;
  }

  /** Counts of frames offered, written, and faults applied on this connection. */
  get stats(): LinkStats {
    return this.connection.link.stats;
  }

  /** The raw `ws` socket, for anything this API does not cover. */
  get socket(): WebSocket {
    return this.connection.socket;
  }

  /** Sends a message to this client (through the fault script): JSON-encoded in JSON mode, text or bytes as they are otherwise. */
  send(message: unknown): void {
    if (message instanceof Uint8Array) {
      this.connection.link.send(Buffer.from(message), true);
      return;
    }
    if (!this.json && typeof message !== 'string') {
      throw new TradeKitError(
        'WS_UNSERIALISABLE_MESSAGE',
        `Expected \`message\` to be a string or bytes without \`json: true\`, got ${describeValue(message)}. Pass \`json: true\` to send objects as JSON.`,
        { details: { value: message } },
      );
    }
    this.connection.link.send(this.json ? encodeJsonFrame(message) : (message as string), false);
  }

  /** Sends text or bytes exactly as given, bypassing JSON encoding (still through the fault script). */
  sendRaw(data: string | Uint8Array): void {
    if (typeof data === 'string') this.connection.link.send(data, false);
    else this.connection.link.send(Buffer.from(data), true);
  }

  /** Closes this connection cleanly with a code. */
  close(options: CloseOptions = {}): void {
    this.connection.socket.close(options.code ?? 1000, options.reason ?? '');
  }

  /** Destroys this connection's socket: the client sees 1006 and no close frame. */
  drop(): void {
    this.connection.socket.terminate();
  }

  /** @internal */
  markClosed(info: CloseInfo): void {
    this.resolveClosed(info);
  }
}

interface Handler {
  match: MessageMatch;
  reply: MessageReply;
}

/**
 * A WebSocket server for tests. Create it with {@link createMockServer}.
 *
 * @example
 * await using server = await createMockServer({ json: true });
 * const client = new WebSocket(server.url);
 * await server.connected;
 * server.send({ type: 'hello' });
 */
export class MockServer extends SocketListener {
  /** Every message received from any client, in order (parsed in JSON mode). */
  private readonly inbox = new MessageQueue<unknown>();
  private readonly arrivals = new MessageQueue<MockClient>();
  private readonly handlers: Handler[] = [];
  private readonly listeners: { [K in keyof MockServerEvents]: Array<MockServerEvents[K]> } = {
    connection: [],
    rejected: [],
    message: [],
    close: [],
    protocolError: [],
  };
  private readonly live = new Set<MockClient>();
  /** Protocol errors sent to clients for bad frames, in order. */
  readonly protocolErrors: ProtocolErrorMessage[] = [];
  /** Frames the server could not use (JSON mode: not JSON, binary, unknown type), with their text. */
  readonly invalidFrames: InvalidFrame[] = [];
  private readonly timeoutMs: number;
  private readonly json: boolean;
  private readonly echo: boolean;
  private readonly knownTypes: Set<string> | undefined;
  private readonly typeField: string;
  private readonly shapeError: (error: ProtocolErrorMessage) => unknown;

  /** @internal use {@link createMockServer} */
  constructor(options: MockServerOptions = {}) {
    super(options);
    this.json = options.json ?? false;
    this.echo = options.echo ?? false;
    this.knownTypes = options.knownTypes ? new Set(options.knownTypes) : undefined;
    this.typeField = options.typeField ?? 'type';
    this.shapeError = options.protocolError ?? ((e) => e);
    const timeout = options.timeout ?? 4000;
    if (!(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout))) {
      throw new TradeKitError(
        'WS_CONFIG_INVALID',
        `Expected \`timeout\` to be a number of ms > 0, got ${describeValue(timeout)}.`,
        { details: { field: 'timeout', value: timeout } },
      );
    }
    this.timeoutMs = timeout;
  }

  /** `ws://127.0.0.1:<port>` — give this to the client under test. */
  get url(): string {
    return this.baseUrl('ws');
  }

  /** Every message received from any client, in order. */
  get messages(): unknown[] {
    return this.inbox.items;
  }

  /**
   * The next received message (from any client) not read yet through `nextMessage`. Rejects with
   * `WS_TIMEOUT` after `timeout` ms (default 4000) when none comes.
   */
  get nextMessage(): Promise<unknown> {
    return this.inbox.nextWithin(this.timeoutMs, 'a message from a client');
  }

  /** The next message within `timeoutMs`, or a `WS_TIMEOUT` error. */
  nextMessageWithin(timeoutMs: number): Promise<unknown> {
    return this.inbox.nextWithin(timeoutMs, 'a message from a client');
  }

  /**
   * The next client to connect that no earlier `connected` returned: at once if one already
   * connected, else when one does. Await it twice to wait for a reconnection. Rejects with
   * `WS_TIMEOUT` ("no client connected within … ms") after `timeout` ms (default 4000).
   */
  get connected(): Promise<MockClient> {
    return this.arrivals.nextWithin(this.timeoutMs, 'a client to connect', 'no client connected');
  }

  /** The next connection within `timeoutMs`, or a `WS_TIMEOUT` error. */
  connectedWithin(timeoutMs: number): Promise<MockClient> {
    return this.arrivals.nextWithin(timeoutMs, 'a client connection');
  }

  /** Clients connected now. */
  get clients(): MockClient[] {
    return [...this.live];
  }

  /** Every client that ever connected, in order. */
  get allClients(): MockClient[] {
    return this.arrivals.items;
  }

  /** Sends a message to every connected client. */
  send(message: unknown): void {
    for (const client of this.live) client.send(message);
  }

  /** Same as {@link send}: to every connected client. */
  broadcast(message: unknown): void {
    this.send(message);
  }

  /** Closes every connection cleanly with a code; the server keeps listening for reconnections. */
  close(options: CloseOptions = {}): void {
    for (const client of this.live) client.close(options);
  }

  /** Drops every connection abruptly (clients see an error and 1006), like a crashed server. */
  error(): void {
    for (const client of this.live) client.drop();
  }

  /**
   * Listens to an event: `connection`, `rejected`, `message`, `close` or `protocolError`. Returns an
   * unsubscribe function. `message` listeners run before {@link handle} handlers and echo.
   */
  on<K extends keyof MockServerEvents>(event: K, listener: MockServerEvents[K]): () => void {
    const list = this.listeners[event] as Array<MockServerEvents[K]>;
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /**
   * Replies to messages that match: the first matching handler answers its sender. Objects match
   * partially in JSON mode (`{ op: 'subscribe' }` matches `{ op: 'subscribe', symbol: 'X' }`).
   * Returns a function that removes the handler.
   *
   * @example
   * server.handle({ op: 'ping' }, { op: 'pong' });
   * server.handle((m) => m.op === 'sub', (m) => ({ op: 'subscribed', symbol: m.symbol }));
   */
  handle(match: MessageMatch, reply: MessageReply): () => void {
    const handler = { match, reply };
    this.handlers.push(handler);
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  override async stop(): Promise<void> {
    await super.stop();
    const err = new TradeKitError(
      'WS_SERVER_STOPPED',
      'The mock server stopped while a message or connection was awaited. Await it before `stop()`.',
    );
    this.inbox.close(err);
    this.arrivals.close(err);
    for (const c of this.arrivals.items) c.received.close(err);
  }

  protected override refused(index: number, status: number, request: IncomingMessage): void {
    for (const l of this.listeners.rejected) l({ index, status, request });
  }

  protected accept(connection: ListenerConnection): void {
    const client = new MockClient(connection, this.json, this.timeoutMs);
    this.live.add(client);
    connection.socket.on('message', (data, isBinary) => this.receive(client, data as Buffer, isBinary));
    connection.socket.on('close', (code, reason) => {
      this.live.delete(client);
      client.markClosed({ code, reason: reason.toString() });
      for (const l of this.listeners.close) l(client, code, reason.toString());
    });
    this.arrivals.push(client);
    for (const l of this.listeners.connection) l(client);
  }

  private receive(client: MockClient, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    let message: unknown;
    if (this.json) {
      const decoded = decodeJsonFrame(data, isBinary);
      if (!decoded.ok) {
        this.reject(client, decoded.error, data, isBinary);
        return;
      }
      message = decoded.value;
      if (this.knownTypes) {
        const type =
          typeof message === 'object' && message !== null
            ? (message as Record<string, unknown>)[this.typeField]
            : undefined;
        if (typeof type !== 'string' || !this.knownTypes.has(type)) {
          this.reject(
            client,
            protocolError(
              'WS_UNKNOWN_MESSAGE_TYPE',
              `Expected \`${this.typeField}\` to be one of ${[...this.knownTypes].map((t) => `"${t}"`).join(', ')}, got ${describeValue(type)}.`,
            ),
            data,
            isBinary,
          );
          return;
        }
      }
    } else {
      message = isBinary ? (Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer)) : frameToText(data);
    }
    client.received.push(message);
    this.inbox.push(message);
    for (const l of this.listeners.message) l(message, client);
    let replied = false;
    for (const h of this.handlers) {
      const hit =
        typeof h.match === 'function'
          ? (h.match as (m: unknown, c: MockClient) => boolean)(message, client)
          : this.json
            ? matchesPartial(message, h.match)
            : message === h.match;
      if (!hit) continue;
      replied = true;
      // A throwing handler is the test's bug, not the client's: report it to the sender, keep serving.
      const fail = (err: unknown) =>
        this.reject(
          client,
          protocolError(
            'WS_HANDLER_FAILED',
            `The mock server's handler threw: ${err instanceof Error ? err.message : String(err)}.`,
          ),
        );
      const deliver = (value: unknown) => {
        if (value !== undefined && client.isOpen) client.send(value);
      };
      try {
        const value =
          typeof h.reply === 'function'
            ? (h.reply as (m: unknown, c: MockClient) => unknown)(message, client)
            : h.reply;
        // Plain replies go out at once so they keep their order with echoes and later messages.
        if (value instanceof Promise) value.then(deliver).catch(fail);
        else deliver(value);
      } catch (err) {
        fail(err);
      }
      break;
    }
    if (!replied && this.echo && client.isOpen) client.send(message);
  }

  private reject(
    client: MockClient,
    error: ProtocolErrorMessage,
    data?: Buffer | ArrayBuffer | Buffer[],
    isBinary = false,
  ): void {
    this.protocolErrors.push(error);
    if (data !== undefined) {
      const text = isBinary ? `<binary ${byteLength(data)} bytes>` : frameToText(data);
      const invalid: InvalidFrame = {
        code: error.code,
        frame: text.length > 500 ? `${text.slice(0, 500)}…` : text,
        client: client.index,
      };
      this.invalidFrames.push(invalid);
      client.invalidFrames.push(invalid);
    }
    for (const l of this.listeners.protocolError) l(error, client);
    if (client.isOpen) client.sendRaw(encodeJsonFrame(this.shapeError(error)));
  }
}

/**
 * Starts a {@link MockServer} on a free loopback port and resolves once it listens.
 *
 * @example
 * const server = await createMockServer({ json: true, faults: [{ type: 'delay', delay: '20ms' }] });
 * const ws = new WebSocket(server.url);
 * const client = await server.connected;
 * client.send({ type: 'welcome' });
 * await server.stop();
 */
export async function createMockServer(options: MockServerOptions = {}): Promise<MockServer> {
  return new MockServer(options).listen();
}
