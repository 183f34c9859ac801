/**
 * One HTTP server for the whole venue: ws-tester's SignalR hub (extended to serve several hub
 * paths, each with its own auth) owns the listener and its fault path; plain HTTP requests that
 * are not a hub's negotiate go to fastify; WebSocket paths that are not hubs go to raw endpoints
 * (the plain JSON profile).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, TradeKitError } from '@tradekit/types';
import {
  type FaultRule,
  type FaultScript,
  type HubMethod,
  RECORD_SEPARATOR,
  type SignalRConnection,
  type FaultyLink,
  SignalRMessageType,
  SignalRServer,
  encodeRecord,
} from '@tradekit/ws-tester';
import type { WebSocket } from 'ws';

/** Who a hub or WebSocket connection belongs to, as decided by the endpoint's `authorize`. */
export interface Principal {
  /** Opaque identity the endpoint gave (a session). */
  readonly identity: unknown;
  /** Epoch µs on the venue clock after which the connection is closed (token expiry). */
  readonly expiresAt?: number;
}

/** A SignalR hub mounted at a path. */
export interface HubEndpoint {
  /** Checks the bearer token; `undefined` refuses with 401. */
  authorize(token: string | undefined): Promise<Principal | undefined>;
  /** Hub methods by lower-case name. */
  methods: Map<string, (args: unknown[], conn: HubConnection) => unknown>;
  /** Called when a connection's socket closes. */
  disconnected?(conn: HubConnection): void;
  /**
   * Pushes may be waiting for `conn` (a sliced fan-out): a promise that resolves once those queued
   * before this call are written, or `undefined` when none are. A method's completion (result or
   * error) is sent after it, so it never overtakes them; the method itself runs at once.
   */
  barrier?(conn: HubConnection): Promise<void> | undefined;
}

/** A raw WebSocket endpoint (not SignalR). */
export interface RawEndpoint {
  /** Decides who connects (`undefined` refuses with 401); gets the upgrade request for query-string keys. */
  authorize(token: string | undefined, request: IncomingMessage): Promise<Principal | undefined>;
  /** Takes the accepted socket; `link` is its fault path (send through it so WebSocket faults apply). */
  accept(socket: WebSocket, principal: Principal, link: FaultyLink): void;
}

/** A SignalR connection with the hub it reached and whom it belongs to. */
export interface HubConnection {
  readonly signalr: SignalRConnection;
  readonly hubPath: string;
  readonly principal: Principal;
  /** True when the venue has no fault script: pushes may skip the fault path (same bytes, same order). */
  readonly faultFree: boolean;
}

interface Accepted {
  path: string;
  principal: Principal;
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return (q < 0 ? raw : raw.slice(0, q)).replace(/\/+$/, '').toLowerCase() || '/';
}

function tokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string' && /^Bearer\s/i.test(header)) return header.slice(7).trim();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? undefined : (new URLSearchParams(url.slice(q + 1)).get('access_token') ?? undefined);
}

/** Options of {@link VenueServer}. */
export interface VenueServerOptions {
  port?: number;
  host?: string;
  clock: Clock;
  /** Largest WebSocket frame a client may send. */
  maxPayload: number;
  /** ws-tester fault script applied to every hub and WebSocket connection. */
  faults?: FaultScript | FaultRule[];
  /** Real-time keep-alive ping interval of the hubs, ms (transport, not simulation). */
  keepAliveMs: number;
  /** Everything that is not a hub: fastify's request handler. */
  http: (req: IncomingMessage, res: ServerResponse) => void;
}

/** The venue's listener. */
export class VenueServer extends SignalRServer {
  private readonly hubs = new Map<string, HubEndpoint>();
  private readonly raws = new Map<string, RawEndpoint>();
  private readonly rawPrefixes: Array<[string, RawEndpoint]> = [];
  private readonly authorized = new WeakMap<IncomingMessage, Principal>();
  private readonly accepted = new Map<number, Accepted>();
  private readonly hubConns = new Map<SignalRConnection, HubConnection>();
  private readonly expiryTimers = new Set<ReturnType<Clock['setTimeout']>>();
  private readonly venueClock: Clock;
  private readonly httpHandler: VenueServerOptions['http'];
  private keepAlive: NodeJS.Timeout | undefined;
  private negotiated = 0;
  private readonly faultFree: boolean;
  /** While true, new hub connections are refused with 503 (negotiate and upgrade). */
  refusingHubs = false;

  constructor(options: VenueServerOptions) {
    super({
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      clock: options.clock,
      maxPayload: options.maxPayload,
      keepAliveInterval: 0,
      ...(options.faults !== undefined ? { faults: options.faults } : {}),
    });
    this.venueClock = options.clock;
    this.faultFree = options.faults === undefined;
    this.httpHandler = options.http;
    if (options.keepAliveMs > 0) {
      // Keep-alive is a transport concern measured in wall time, whatever the simulation clock.
      this.keepAlive = setInterval(() => {
        for (const c of this.connections)
          if (c.handshakeDone && c.isOpen) c.sendMessage({ type: SignalRMessageType.Ping });
      }, options.keepAliveMs);
      this.keepAlive.unref();
    }
  }

  /** Mounts a SignalR hub at `path` (matched case-insensitively). */
  mountHub(path: string, hub: HubEndpoint): void {
    this.hubs.set(path.toLowerCase(), hub);
    for (const name of hub.methods.keys()) {
      const fn: HubMethod = (args, conn) => this.invokeMethod(name, args as unknown[], conn);
      this.method(name, fn);
    }
  }

  /** Mounts a raw WebSocket endpoint at `path`, or at every path under it with `prefix: true` (`/ws` serves `/ws/<name>`). */
  mountRaw(path: string, endpoint: RawEndpoint, options: { prefix?: boolean } = {}): void {
    const p = path.toLowerCase();
    if (options.prefix === true) this.rawPrefixes.push([`${p.replace(/\/+$/, '')}/`, endpoint]);
    else this.raws.set(p, endpoint);
  }

  private rawAt(path: string): RawEndpoint | undefined {
    const exact = this.raws.get(path);
    if (exact !== undefined) return exact;
    for (const [prefix, endpoint] of this.rawPrefixes) if (path.startsWith(prefix)) return endpoint;
    return undefined;
  }

  /** Number of negotiate requests answered. */
  get negotiateCount(): number {
    return this.negotiated;
  }

  /** Live hub connections, optionally of one hub path. */
  hubConnections(path?: string): HubConnection[] {
    const p = path?.toLowerCase();
    return [...this.hubConns.values()].filter((c) => p === undefined || c.hubPath === p);
  }

  private invokeMethod(name: string, args: unknown[], signalr: SignalRConnection): unknown {
    const conn = this.hubConnection(signalr);
    const hub = conn ? this.hubs.get(conn.hubPath) : undefined;
    const fn = hub?.methods.get(name);
    const queued = conn ? hub?.barrier?.(conn) : undefined;
    if (!conn || !fn) {
      const err = new Error(`Method '${name}' does not exist on this hub.`);
      if (queued === undefined) throw err;
      return queued.then(() => Promise.reject(err));
    }
    if (queued === undefined) return fn(args, conn);
    let value: unknown;
    try {
      value = fn(args, conn);
    } catch (err) {
      return queued.then(() => Promise.reject(err));
    }
    // An async method that fails before the barrier: handled (its completion carries the error).
    if (value instanceof Promise) value.catch(() => {});
    return queued.then(() => value);
  }

  private hubConnection(signalr: SignalRConnection): HubConnection | undefined {
    let conn = this.hubConns.get(signalr);
    if (conn !== undefined) return conn;
    const acc = this.accepted.get(signalr.index);
    if (acc === undefined) return undefined;
    conn = { signalr, hubPath: acc.path, principal: acc.principal, faultFree: this.faultFree };
    this.hubConns.set(signalr, conn);
    const hub = this.hubs.get(acc.path);
    void signalr.closed.then(() => {
      this.hubConns.delete(signalr);
      this.accepted.delete(signalr.index);
      hub?.disconnected?.(conn as HubConnection);
    });
    return conn;
  }

  protected override handleHttp(req: IncomingMessage, res: ServerResponse): boolean {
    const path = pathOf(req.url);
    if (path.endsWith('/negotiate')) {
      const hub = this.hubs.get(path.slice(0, -'/negotiate'.length));
      if (hub !== undefined) {
        this.negotiate(hub, req, res);
        return true;
      }
    }
    this.httpHandler(req, res);
    return true;
  }

  private negotiate(hub: HubEndpoint, req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    req.resume();
    if (this.refusingHubs) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      return;
    }
    hub.authorize(tokenOf(req)).then(
      (principal) => {
        if (principal === undefined) {
          res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('Unauthorized');
          return;
        }
        this.negotiated++;
        const url = new URL(req.url ?? '/', 'http://localhost');
        const id = `n${this.negotiated}`;
        const body: Record<string, unknown> = {
          connectionId: id,
          availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text', 'Binary'] }],
        };
        // pysignalr reads connectionId, newer clients connectionToken: the same value serves both.
        if (Number(url.searchParams.get('negotiateVersion') ?? 0) >= 1) {
          body.negotiateVersion = 1;
          body.connectionToken = id;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      },
      () => res.writeHead(500).end(),
    );
  }

  protected override checkUpgrade(req: IncomingMessage): number | undefined {
    const path = pathOf(req.url);
    return this.hubs.has(path) || this.rawAt(path) !== undefined ? undefined : 404;
  }

  protected override prepareUpgrade(req: IncomingMessage): Promise<number | undefined> {
    const path = pathOf(req.url);
    const endpoint = this.hubs.get(path) ?? this.rawAt(path);
    if (endpoint === undefined) return Promise.resolve(404);
    if (this.refusingHubs && this.hubs.has(path)) return Promise.resolve(503);
    return endpoint.authorize(tokenOf(req), req).then((principal) => {
      if (principal === undefined) return 401;
      this.authorized.set(req, principal);
      return undefined;
    });
  }

  protected override accept(connection: Parameters<SignalRServer['accept']>[0]): void {
    const path = pathOf(connection.request.url);
    const principal = this.authorized.get(connection.request) as Principal;
    const raw = this.hubs.has(path) ? undefined : this.rawAt(path);
    this.scheduleExpiry(connection.socket, principal, raw === undefined);
    if (raw !== undefined) {
      raw.accept(connection.socket, principal, connection.link);
      return;
    }
    this.accepted.set(connection.index, { path, principal });
    super.accept(connection);
  }

  /** A token that expires while its connection is open ends the connection (clients reconnect with a fresh one). */
  private scheduleExpiry(socket: WebSocket, principal: Principal, signalr: boolean): void {
    if (principal.expiresAt === undefined) return;
    const clock = this.venueClock;
    const timer = clock.setTimeout(
      () => {
        this.expiryTimers.delete(timer);
        if (socket.readyState !== 1) return;
        socket.send(
          signalr
            ? encodeRecord({
                type: SignalRMessageType.Close,
                error: 'Unauthorized: the access token expired.',
                allowReconnect: true,
              })
            : JSON.stringify({
                type: 'error',
                code: 'VENUE_TOKEN_EXPIRED',
                message: 'The access token expired; log in again.',
              }),
        );
        socket.close(1008, 'token expired');
      },
      Math.max(0, principal.expiresAt - clock.now()),
    );
    this.expiryTimers.add(timer);
    socket.on('close', () => {
      clock.clearTimeout(timer);
      this.expiryTimers.delete(timer);
    });
  }

  override async stop(): Promise<void> {
    if (this.keepAlive) clearInterval(this.keepAlive);
    for (const t of this.expiryTimers) this.venueClock.clearTimeout(t);
    this.expiryTimers.clear();
    try {
      await super.stop();
    } catch (err) {
      if (!(err instanceof TradeKitError)) throw err;
    }
  }
}

/**
 * One final, unmasked WebSocket text frame (server to client) around `payload`: built once, the
 * same bytes go to every subscriber.
 */
export function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81; // FIN + text
  if (n < 126) frame[1] = n;
  else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(frame, head);
  return frame;
}

/** The TCP socket under a `ws` WebSocket (ws keeps it as `_socket`; absent → undefined). */
export function rawSocket(ws: WebSocket): import('node:net').Socket | undefined {
  const s = (ws as unknown as { _socket?: import('node:net').Socket })._socket;
  return s !== undefined && s !== null && !s.destroyed && s.writable ? s : undefined;
}

export { RECORD_SEPARATOR };
