/**
 * SignalRServer: a small SignalR hub speaking the JSON hub protocol over WebSockets, so an
 * unmodified `@microsoft/signalr` client can connect (with or without negotiation), invoke hub
 * methods registered by the test, receive pushed invocations and reconnect after faults.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TradeKitError, type TimerHandle, describeValue, parseDuration } from '@tradekit/types';
import { WebSocket } from 'ws';
import { frameToText } from '../protocol/json.js';
import { type ListenerConnection, type ListenerOptions, SocketListener } from '../mock/listener.js';
import { MessageQueue } from '../mock/queue.js';
import { type HubMessage, RECORD_SEPARATOR, SignalRMessageType, encodeRecord, splitRecords } from './protocol.js';

/** A hub method implementation: receives the invocation's arguments and the calling connection. */
// biome-ignore lint/suspicious/noExplicitAny: arguments arrive as parsed JSON; the test knows their shape
export type HubMethod = (args: any[], connection: SignalRConnection) => unknown;

/** Options for {@link createSignalRServer}. */
export interface SignalRServerOptions extends ListenerOptions {
  /** Path of the hub. @default "/hub" */
  hub?: string;
  /** Hub methods by name (matched case-insensitively, as ASP.NET Core does). */
  methods?: Record<string, HubMethod>;
  /**
   * Required bearer token, read from `Authorization: Bearer …` or the `access_token` query
   * parameter, on negotiate and on the WebSocket upgrade; or a function deciding. Missing/wrong → 401.
   */
  accessToken?: string | ((token: string | undefined, request: IncomingMessage) => boolean);
  /** How often the server sends a keep-alive ping (µs or a string like "15s"). @default "15s" */
  keepAliveInterval?: number | string;
}

/** An invocation a client sent, as recorded by the server. */
export interface ReceivedInvocation {
  /** Hub method name as sent. */
  target: string;
  /** Arguments as sent. */
  arguments: unknown[];
  /** Set when the client awaits a completion. */
  invocationId?: string;
  /** The connection that sent it. */
  connectionId: string;
}

/** One SignalR client connection. */
export class SignalRConnection {
  /** Connection id (also the negotiate `connectionToken`). */
  readonly connectionId: string;
  /** Connection attempt index (0-based). */
  readonly index: number;
  /** The bearer token the client presented, if any. */
  readonly accessToken: string | undefined;
  /** True once the handshake completed. */
  handshakeDone = false;
  /** Invocations this connection sent. */
  readonly invocations = new MessageQueue<ReceivedInvocation>();
  /** Resolves when the socket closes. */
  readonly closed: Promise<{ code: number; reason: string }>;

  /** @internal */
  constructor(
    private readonly connection: ListenerConnection,
    connectionId: string,
    accessToken: string | undefined,
  ) {
    this.connectionId = connectionId;
    this.index = connection.index;
    this.accessToken = accessToken;
    this.closed = new Promise((resolve) =>
      connection.socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** True while the socket is open. */
  get isOpen(): boolean {
    return this.connection.socket.readyState === WebSocket.OPEN;
  }

  /** Pushes an invocation of client method `target` (through the fault script). */
  invoke(target: string, ...args: unknown[]): void {
    this.sendMessage({ type: SignalRMessageType.Invocation, target, arguments: args });
  }

  /** Sends any hub message (through the fault script). */
  sendMessage(message: HubMessage): void {
    this.connection.link.send(encodeRecord(message), false);
  }

  /**
   * Ends the connection with a SignalR Close message. With `allowReconnect` the client's
   * automatic reconnect takes over; without it the client stops.
   */
  close(options: { error?: string; allowReconnect?: boolean } = {}): void {
    const msg: HubMessage = { type: SignalRMessageType.Close };
    if (options.error !== undefined) msg.error = options.error;
    if (options.allowReconnect !== undefined) msg.allowReconnect = options.allowReconnect;
    this.connection.link.send(encodeRecord(msg), false);
    this.connection.socket.close(1000);
  }

  /** Destroys the socket: the client sees a transport failure (1006). */
  drop(): void {
    this.connection.socket.terminate();
  }

  /** @internal raw write, bypassing faults (handshake). */
  writeDirect(text: string): void {
    if (this.isOpen) this.connection.socket.send(text);
  }

  /** @internal */
  get link(): ListenerConnection['link'] {
    return this.connection.link;
  }

  /** @internal */
  get socket(): WebSocket {
    return this.connection.socket;
  }
}

function bearer(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string' && /^Bearer /i.test(header)) return header.slice(7).trim();
  const url = new URL(request.url ?? '/', 'http://localhost');
  return url.searchParams.get('access_token') ?? undefined;
}

/**
 * A SignalR hub for tests. Create it with {@link createSignalRServer}.
 *
 * @example
 * const hub = await createSignalRServer({ methods: { Add: ([a, b]) => a + b } });
 * const connection = new HubConnectionBuilder().withUrl(hub.url).withAutomaticReconnect([0, 50, 100]).build();
 * await connection.start();
 * await connection.invoke('Add', 1, 2); // 3
 */
export class SignalRServer extends SocketListener {
  private readonly hubPath: string;
  private readonly methods = new Map<string, HubMethod>();
  private readonly accessToken: SignalRServerOptions['accessToken'];
  private readonly keepAliveUs: number;
  private readonly live = new Set<SignalRConnection>();
  private readonly arrivals = new MessageQueue<SignalRConnection>();
  private readonly inbox = new MessageQueue<ReceivedInvocation>();
  private nextId = 0;
  /** Negotiate requests answered. */
  negotiations = 0;
  /** Protocol errors sent to clients (as Close messages) for bad frames. */
  readonly protocolErrors: string[] = [];

  /** @internal use {@link createSignalRServer} */
  constructor(options: SignalRServerOptions = {}) {
    super(options);
    const hub = options.hub ?? '/hub';
    if (typeof hub !== 'string' || !hub.startsWith('/')) {
      throw new TradeKitError(
        'WS_CONFIG_INVALID',
        `Expected \`hub\` to be a path starting with "/", got ${describeValue(hub)}.`,
        {
          details: { field: 'hub', value: hub },
        },
      );
    }
    this.hubPath = hub.replace(/\/+$/, '') || '/';
    for (const [name, fn] of Object.entries(options.methods ?? {})) this.method(name, fn);
    this.accessToken = options.accessToken;
    const keepAlive = options.keepAliveInterval ?? '15s';
    this.keepAliveUs = parseDuration(keepAlive);
  }

  /** `http://127.0.0.1:<port>/<hub>` — pass it to `withUrl`. */
  get url(): string {
    return this.baseUrl('http') + this.hubPath;
  }

  /** Connections with a live socket. */
  get connections(): SignalRConnection[] {
    return [...this.live];
  }

  /** Every invocation received from any client, in order. */
  get invocations(): ReceivedInvocation[] {
    return this.inbox.items;
  }

  /** The next invocation not read yet. */
  get nextInvocation(): Promise<ReceivedInvocation> {
    return this.inbox.next();
  }

  /** The next connection to finish its handshake that no earlier `connected` returned. */
  get connected(): Promise<SignalRConnection> {
    return this.arrivals.next();
  }

  /** Registers (or replaces) hub method `name`. */
  method(name: string, fn: HubMethod): this {
    this.methods.set(name.toLowerCase(), fn);
    return this;
  }

  /** Pushes an invocation of client method `target` to every connected client. */
  invoke(target: string, ...args: unknown[]): void {
    for (const c of this.live) if (c.handshakeDone) c.invoke(target, ...args);
  }

  protected override handleHttp(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== `${this.hubPath}/negotiate`) return false;
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return true;
    }
    if (!this.tokenOk(req)) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized');
      return true;
    }
    req.resume();
    this.negotiations++;
    const id = `c${this.nextId++}`;
    const version = Number(url.searchParams.get('negotiateVersion') ?? 0) >= 1 ? 1 : 0;
    const body: Record<string, unknown> = {
      connectionId: id,
      availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text', 'Binary'] }],
    };
    if (version === 1) {
      body.negotiateVersion = 1;
      body.connectionToken = id;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    return true;
  }

  protected override checkUpgrade(req: IncomingMessage): number | undefined {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== this.hubPath) return 404;
    return this.tokenOk(req) ? undefined : 401;
  }

  protected accept(connection: ListenerConnection): void {
    const url = new URL(connection.request.url ?? '/', 'http://localhost');
    const id = url.searchParams.get('id') ?? `c${this.nextId++}`;
    const conn = new SignalRConnection(connection, id, bearer(connection.request));
    this.live.add(conn);
    let keepAlive: TimerHandle | undefined;
    let pending = '';
    connection.socket.on('close', () => {
      this.live.delete(conn);
      this.plan.clock.clearTimeout(keepAlive);
    });
    connection.socket.on('message', (data, isBinary) => {
      if (isBinary) {
        this.fail(conn, 'Binary frames are not part of the JSON hub protocol; send text frames.');
        return;
      }
      // A record may span frames (the client may fragment), so keep the unterminated tail.
      const { records, rest } = splitRecords(pending + frameToText(data as Buffer));
      pending = rest;
      for (const record of records) {
        if (!conn.isOpen) return;
        let message: unknown;
        try {
          message = JSON.parse(record);
        } catch {
          this.fail(conn, `Expected each record to be valid JSON, got ${describeValue(record)}.`);
          return;
        }
        if (!conn.handshakeDone) {
          const hs = message as { protocol?: unknown; version?: unknown };
          if (hs?.protocol !== 'json') {
            conn.writeDirect(
              encodeRecord({
                error: `Requested protocol ${describeValue(hs?.protocol)} is not available; this hub speaks "json".`,
              }),
            );
            conn.socket.close(1000);
            return;
          }
          conn.handshakeDone = true;
          conn.writeDirect(`{}${RECORD_SEPARATOR}`);
          if (this.keepAliveUs > 0) {
            keepAlive = this.plan.clock.setInterval(() => {
              // A ping-timeout fault silences keep-alives, so the client's serverTimeout fires.
              if (conn.link.answersPings && conn.isOpen) conn.sendMessage({ type: SignalRMessageType.Ping });
            }, this.keepAliveUs);
          }
          this.arrivals.push(conn);
          continue;
        }
        this.dispatch(conn, message);
      }
    });
  }

  private dispatch(conn: SignalRConnection, message: unknown): void {
    const m = message as HubMessage;
    switch (m?.type) {
      case SignalRMessageType.Invocation: {
        if (typeof m.target !== 'string' || !Array.isArray(m.arguments)) {
          this.fail(
            conn,
            `Expected an invocation with a string \`target\` and an \`arguments\` array, got ${describeValue(message)}.`,
          );
          return;
        }
        const invocationId = typeof m.invocationId === 'string' ? m.invocationId : undefined;
        const received: ReceivedInvocation = {
          target: m.target,
          arguments: m.arguments,
          connectionId: conn.connectionId,
        };
        if (invocationId !== undefined) received.invocationId = invocationId;
        conn.invocations.push(received);
        this.inbox.push(received);
        this.run(conn, m.target, m.arguments, invocationId);
        return;
      }
      case SignalRMessageType.StreamInvocation:
        if (typeof m.invocationId === 'string') {
          conn.sendMessage({
            type: SignalRMessageType.Completion,
            invocationId: m.invocationId,
            error: 'Streaming hub methods are not supported by this test hub.',
          });
        }
        return;
      case SignalRMessageType.Ping:
      case SignalRMessageType.CancelInvocation:
      case SignalRMessageType.StreamItem:
      case SignalRMessageType.Completion:
      case SignalRMessageType.Ack:
      case SignalRMessageType.Sequence:
        return;
      case SignalRMessageType.Close:
        conn.socket.close(1000);
        return;
      default:
        this.fail(conn, `Expected a hub message \`type\` from 1 to 9, got ${describeValue(m?.type)}.`);
    }
  }

  private run(conn: SignalRConnection, target: string, args: unknown[], invocationId: string | undefined): void {
    const fn = this.methods.get(target.toLowerCase());
    const complete = (result: { result?: unknown; error?: string }) => {
      if (invocationId === undefined || !conn.isOpen) return;
      conn.sendMessage({ type: SignalRMessageType.Completion, invocationId, ...result });
    };
    if (!fn) {
      complete({ error: `Unknown hub method '${target}'` });
      return;
    }
    const onError = (err: unknown) =>
      complete({
        error: `An unexpected error occurred invoking '${target}' on the server. ${err instanceof Error ? err.message : String(err)}`,
      });
    try {
      const value = fn(args, conn);
      if (value instanceof Promise) value.then((result) => complete(result === undefined ? {} : { result }), onError);
      else complete(value === undefined ? {} : { result: value });
    } catch (err) {
      onError(err);
    }
  }

  /** A protocol violation: tell the client why with a Close message, then close with 1007 (invalid data). */
  private fail(conn: SignalRConnection, error: string): void {
    this.protocolErrors.push(error);
    conn.writeDirect(encodeRecord({ type: SignalRMessageType.Close, error, allowReconnect: false }));
    conn.socket.close(1007, 'protocol error');
  }

  private tokenOk(req: IncomingMessage): boolean {
    const required = this.accessToken;
    if (required === undefined) return true;
    const token = bearer(req);
    return typeof required === 'function' ? required(token, req) : token === required;
  }

  override async stop(): Promise<void> {
    await super.stop();
    const err = new TradeKitError(
      'WS_SERVER_STOPPED',
      'The SignalR server stopped while a connection or invocation was awaited.',
    );
    this.arrivals.close(err);
    this.inbox.close(err);
  }
}

/**
 * Starts a {@link SignalRServer} on a free loopback port.
 *
 * @example
 * const hub = await createSignalRServer({ methods: { Subscribe: ([symbol]) => `subscribed ${symbol}` } });
 * hub.invoke('tick', { symbol: 'MNQ', price: 18000.25 }); // pushed to every client
 */
export async function createSignalRServer(options: SignalRServerOptions = {}): Promise<SignalRServer> {
  return new SignalRServer(options).listen();
}
