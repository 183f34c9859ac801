/**
 * SocketListener: the HTTP + `ws` server under the mock server, the SignalR hub and the proxy.
 * It owns the port (kept across restarts), the upgrade decision (path, auth, reject faults),
 * ping answering (so ping-timeout faults work) and one FaultyLink per connection.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Clock, RealClock, TradeKitError, type TimerHandle, describeValue, parseDuration } from '@tradekit/types';
import { WebSocket, WebSocketServer } from 'ws';
import { FaultPlan, type FaultyLink } from '../faults/link.js';
import type { FaultRule, FaultScript, NormalizedScript } from '../faults/script.js';

/** Options shared by every server in this package. */
export interface ListenerOptions {
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to bind. @default "127.0.0.1" */
  host?: string;
  /**
   * Largest frame accepted from a client, in bytes; bigger ones close the connection with 1009.
   * 0 means no limit. @default 1048576 (1 MiB) for the mock server and the SignalR hub; 0 for the
   * proxy, which leaves the limit to its target
   */
  maxPayload?: number;
  /** Faults applied to what the server sends and to connection attempts. */
  faults?: FaultScript | FaultRule[] | NormalizedScript;
  /** Clock for fault delays and timeline events. @default new RealClock() */
  clock?: Clock;
  /**
   * Decides whether an upgrade request is allowed; return false (→ 401) or a status code to refuse.
   * @example authenticate: (req) => req.headers.authorization === 'Bearer secret'
   */
  authenticate?: (request: IncomingMessage) => boolean | number;
}

/** Options for {@link SocketListener.restart}. */
export interface RestartOptions {
  /** How long the port stays closed (µs or a string like "200ms"), on the server's clock. @default 0 */
  downtime?: number | string;
  /** Close code sent to clients; omit to drop them abruptly (1006), as a crashed server would. */
  code?: number;
}

/** One accepted connection as the listener tracks it. */
export interface ListenerConnection {
  /** Connection attempt index (0-based, counts rejected attempts too). */
  index: number;
  /** The server side of the socket. */
  socket: WebSocket;
  /** The upgrade request (headers, url). */
  request: IncomingMessage;
  /** The fault path of what the server sends. */
  link: FaultyLink;
}

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

function refuse(socket: Socket, status: number): void {
  const text = STATUS_TEXT[status] ?? 'Rejected';
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
  );
}

function checkPort(port: unknown): number {
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) {
    throw new TradeKitError(
      'WS_CONFIG_INVALID',
      `Expected \`port\` to be an integer from 0 to 65535, got ${describeValue(port)}. Use 0 for a free port.`,
      {
        details: { field: 'port', value: port },
      },
    );
  }
  return port as number;
}

const running = new Set<SocketListener>();

/**
 * Stops every mock server, SignalR hub and proxy still running in this process — for an
 * `afterEach` when tests create servers without `await using` (jest-websocket-mock's `WS.clean()`).
 *
 * @example
 * afterEach(() => stopAllServers());
 */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

/** The HTTP + WebSocket listener the package's servers are built on. */
export abstract class SocketListener {
  /** Validated fault setup. */
  readonly plan: FaultPlan;
  /** Live connections. */
  protected readonly liveConnections = new Set<ListenerConnection>();
  protected readonly wss: WebSocketServer;
  private http: Server;
  private readonly host: string;
  private boundPort: number;
  private attempts = 0;
  private readonly sockets = new Set<Socket>();
  private readonly timelineTimers: TimerHandle[] = [];
  private stopped = false;
  private readonly authenticate: ListenerOptions['authenticate'];

  protected constructor(options: ListenerOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.boundPort = checkPort(options.port ?? 0);
    const maxPayload = options.maxPayload ?? 1024 * 1024;
    if (!Number.isInteger(maxPayload) || maxPayload < 0 || maxPayload > 2 ** 31 - 1) {
      throw new TradeKitError(
        'WS_CONFIG_INVALID',
        `Expected \`maxPayload\` to be an integer number of bytes from 0 (no limit) to 2147483647, got ${describeValue(maxPayload)}.`,
        {
          details: { field: 'maxPayload', value: maxPayload },
        },
      );
    }
    this.plan = new FaultPlan(options.faults, options.clock ?? new RealClock());
    this.authenticate = options.authenticate;
    // autoPong off: pings are answered by hand so a ping-timeout fault can stop answering them.
    this.wss = new WebSocketServer({ noServer: true, maxPayload, autoPong: false, clientTracking: false });
    this.http = this.createHttp();
  }

  /** The port the server listens on (stays the same across restarts). */
  get port(): number {
    return this.boundPort;
  }

  /** Connection attempts so far, accepted or not. */
  get connectionAttempts(): number {
    return this.attempts;
  }

  /** Starts listening; resolves once the port is bound. */
  async listen(): Promise<this> {
    await this.bind();
    running.add(this);
    try {
      for (const event of this.plan.script.timeline) {
        this.timelineTimers.push(
          this.plan.clock.setTimeout(() => void this.restart({ downtime: event.downtimeUs }), event.atUs),
        );
      }
    } catch (err) {
      // Never leave a bound port behind a failed start.
      await this.stop();
      throw err;
    }
    return this;
  }

  /**
   * Stops the server and starts it again on the same port, for reconnection tests. Clients are
   * dropped (1006) unless a close `code` is given; connection attempts during `downtime` are refused.
   */
  async restart(options: RestartOptions = {}): Promise<void> {
    if (this.stopped) return;
    const downtime = options.downtime === undefined ? 0 : parseDuration(options.downtime);
    await this.unbind(options.code);
    if (downtime > 0) await this.plan.clock.sleep(downtime);
    if (this.stopped) return;
    this.http = this.createHttp();
    await this.bind();
  }

  /** Closes every connection (abruptly) and the port. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    running.delete(this);
    for (const t of this.timelineTimers) this.plan.clock.clearTimeout(t);
    await this.unbind(undefined);
    this.wss.close();
  }

  /** Same as {@link stop}, for `await using server = await createMockServer()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Called for each accepted WebSocket connection. */
  protected abstract accept(connection: ListenerConnection): void;

  /** Handles plain HTTP requests (e.g. SignalR negotiate); return false for a 404. */
  protected handleHttp(_request: IncomingMessage, _response: ServerResponse): boolean {
    return false;
  }

  /** Extra upgrade checks (e.g. the SignalR access token); return a status to refuse. */
  protected checkUpgrade(_request: IncomingMessage): number | undefined {
    return undefined;
  }

  private createHttp(): Server {
    const http = createServer((req, res) => {
      if (!this.handleHttp(req, res)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: this server speaks WebSocket.\n');
      }
    });
    http.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
    return http;
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const index = this.attempts++;
    const rejection = this.plan.rejection(index);
    if (rejection === 0) {
      this.refused(index, 0, req);
      socket.destroy();
      return;
    }
    let status = rejection;
    if (status === undefined && this.authenticate) {
      const verdict = this.authenticate(req);
      if (verdict !== true) status = typeof verdict === 'number' ? verdict : 401;
    }
    if (status === undefined) status = this.checkUpgrade(req);
    if (status !== undefined) {
      this.refused(index, status, req);
      refuse(socket, status);
      return;
    }
    const prepared = this.prepareUpgrade(req);
    if (prepared === undefined) this.complete(req, socket, head, index);
    else {
      prepared.then(
        (st) => {
          if (st !== undefined) {
            this.refused(index, st, req);
            refuse(socket, st);
          } else if (this.stopped) socket.destroy();
          else this.complete(req, socket, head, index);
        },
        () => {
          this.refused(index, 502, req);
          refuse(socket, 502);
        },
      );
    }
  }

  /** Called for each refused upgrade: `status` is the HTTP status answered, 0 for a reset socket. */
  protected refused(_index: number, _status: number, _request: IncomingMessage): void {}

  /** Async work before accepting an upgrade (the proxy opens its upstream here); resolve to a status to refuse. */
  protected prepareUpgrade(_request: IncomingMessage): Promise<number | undefined> | undefined {
    return undefined;
  }

  private complete(req: IncomingMessage, socket: Socket, head: Buffer, index: number): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const link = this.plan.link(index, {
        write: (data, binary) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary });
        },
        terminate: () => ws.terminate(),
        close: (code, reason) => ws.close(code, reason),
        pauseReading: () => ws.pause(),
      });
      const connection: ListenerConnection = { index, socket: ws, request: req, link };
      this.liveConnections.add(connection);
      ws.on('ping', (data) => {
        if (link.answersPings && ws.readyState === WebSocket.OPEN) ws.pong(data);
      });
      // A client's protocol violation (e.g. oversized frame → 1009) must not crash the server.
      ws.on('error', () => {});
      ws.on('close', () => {
        this.liveConnections.delete(connection);
        link.dispose();
      });
      this.accept(connection);
    });
  }

  private bind(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        reject(
          new TradeKitError(
            'WS_LISTEN_FAILED',
            `Could not listen on ${this.host}:${this.boundPort}: ${err.message}. Pick another \`port\`, or 0 for a free one.`,
            {
              cause: err,
              details: { field: 'port', value: this.boundPort },
            },
          ),
        );
      };
      this.http.once('error', onError);
      this.http.listen(this.boundPort, this.host, () => {
        this.http.off('error', onError);
        this.boundPort = (this.http.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private async unbind(code: number | undefined): Promise<void> {
    for (const c of [...this.liveConnections]) {
      if (code === undefined) c.socket.terminate();
      else c.socket.close(code);
      c.link.dispose();
    }
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    if (code === undefined) for (const s of this.sockets) s.destroy();
    else
      setTimeout(() => {
        for (const s of this.sockets) s.destroy();
      }, 1000).unref();
    this.http.closeAllConnections();
    await closed;
  }

  /** `ws://host:port` of this listener. */
  protected baseUrl(scheme: 'ws' | 'http'): string {
    return `${scheme}://${this.host}:${this.boundPort}`;
  }
}
