/**
 * WsProxy: a transparent WebSocket proxy placed between any client and any WebSocket server,
 * applying a fault script to what the server sends (and optionally another to what the client
 * sends). The upstream handshake happens first, so an upstream 401 reaches the client as a 401.
 * It is transparent for frame sizes: by default it sets no limit of its own (`maxPayload: 0`), so
 * a frame the target accepts passes, and one the target refuses is refused by the target.
 * `http://` / `https://` targets mean `ws://` / `wss://`: the proxy relays plain HTTP too (SignalR negotiate).
 */
import { type IncomingMessage, type ServerResponse, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { TradeKitError, describeValue } from '@tradekit/types';
import { WebSocket } from 'ws';
import { FaultPlan, type FaultyLink } from '../faults/link.js';
import type { FaultRule, FaultScript } from '../faults/script.js';
import { type ListenerConnection, type ListenerOptions, SocketListener } from '../mock/listener.js';

/** Options for {@link createProxy}. */
export interface ProxyOptions extends ListenerOptions {
  /**
   * Upstream server, e.g. `ws://127.0.0.1:9001/stream` (`http://` and `https://` are taken as
   * `ws://` and `wss://`, so a SignalR hub URL works as it is). The client's path and query are appended to its path.
   */
  target: string;
  /** Faults on what the client sends to the server (`faults` applies to what the server sends). */
  upstreamFaults?: FaultScript | FaultRule[];
  /** Request headers passed on to the upstream handshake. @default ["authorization", "cookie", "user-agent", "origin"] */
  forwardHeaders?: string[];
}

interface Pending {
  upstream: WebSocket;
  early: Array<{ data: Buffer; binary: boolean }>;
}

/** Counters of a {@link WsProxy}. */
export interface ProxyStats {
  /** Client connections accepted. */
  connections: number;
  /** Frames relayed server → client (before faults). */
  downstreamFrames: number;
  /** Frames relayed client → server (before faults). */
  upstreamFrames: number;
  /** Upstream handshakes that failed. */
  upstreamFailures: number;
}

/**
 * A fault-injecting WebSocket proxy. Create it with {@link createProxy}.
 *
 * @example
 * const proxy = await createProxy({ target: 'ws://127.0.0.1:9001', faults: [{ type: 'delay', delay: '100ms' }] });
 * const ws = new WebSocket(proxy.url); // talks to the target, 100 ms later
 */
export class WsProxy extends SocketListener {
  /** Upstream base url. */
  readonly target: URL;
  /** Counters. */
  readonly stats: ProxyStats = { connections: 0, downstreamFrames: 0, upstreamFrames: 0, upstreamFailures: 0 };
  private readonly pending = new WeakMap<IncomingMessage, Pending>();
  private readonly upPlan: FaultPlan;
  private readonly forward: string[];
  private readonly upstreams = new Set<WebSocket>();
  private readonly maxPayload: number;

  /** @internal use {@link createProxy} */
  constructor(options: ProxyOptions) {
    // Transparent by default: no frame limit of its own, so whatever the target accepts gets through.
    super({ ...options, maxPayload: options.maxPayload ?? 0 });
    let target: URL;
    try {
      target = new URL(options.target);
    } catch (err) {
      throw new TradeKitError(
        'WS_CONFIG_INVALID',
        `Expected \`target\` to be a ws:// or wss:// URL, got ${describeValue(options.target)}.`,
        {
          cause: err,
          details: { field: 'target', value: options.target },
        },
      );
    }
    if (target.protocol === 'http:') target.protocol = 'ws:';
    if (target.protocol === 'https:') target.protocol = 'wss:';
    if (target.protocol !== 'ws:' && target.protocol !== 'wss:') {
      throw new TradeKitError(
        'WS_CONFIG_INVALID',
        `Expected \`target\` to be a ws:// or wss:// URL, got ${describeValue(options.target)}.`,
        {
          details: { field: 'target', value: options.target },
        },
      );
    }
    this.target = target;
    this.upPlan = new FaultPlan(options.upstreamFaults, this.plan.clock);
    this.maxPayload = options.maxPayload ?? 0;
    this.forward = (options.forwardHeaders ?? ['authorization', 'cookie', 'user-agent', 'origin']).map((h) =>
      h.toLowerCase(),
    );
  }

  /** `ws://127.0.0.1:<port>` — point the client here instead of at the target. */
  get url(): string {
    return this.baseUrl('ws');
  }

  /** The upstream URL a client request maps to: target path + request path, target query + request query. */
  upstreamUrl(requestUrl: string): string {
    const req = new URL(requestUrl, 'http://localhost');
    const url = new URL(this.target.href);
    const base = url.pathname.replace(/\/$/, '');
    url.pathname = req.pathname === '/' ? url.pathname : `${base}${req.pathname}`;
    for (const [k, v] of req.searchParams) url.searchParams.append(k, v);
    return url.href;
  }

  /** Plain HTTP requests (e.g. SignalR negotiate) are forwarded to the target as they are. */
  protected override handleHttp(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(this.upstreamUrl(req.url ?? '/'));
    url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
    const headers = { ...req.headers, host: url.host };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const upstream = send(url, { method: req.method ?? 'GET', headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      this.stats.upstreamFailures++;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('Bad Gateway: the proxy target cannot be reached.\n');
    });
    req.pipe(upstream);
    return true;
  }

  protected override prepareUpgrade(req: IncomingMessage): Promise<number | undefined> {
    const headers: Record<string, string> = {};
    for (const name of this.forward) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    const protocolHeader = req.headers['sec-websocket-protocol'];
    const protocols =
      typeof protocolHeader === 'string'
        ? protocolHeader
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean)
        : [];
    return new Promise((resolve) => {
      const upstream = new WebSocket(this.upstreamUrl(req.url ?? '/'), protocols, {
        headers,
        maxPayload: this.maxPayload,
      });
      const entry: Pending = { upstream, early: [] };
      upstream.on('message', (data, binary) => entry.early.push({ data: data as Buffer, binary }));
      upstream.once('unexpected-response', (_r, res) => {
        this.stats.upstreamFailures++;
        res.resume();
        upstream.terminate();
        resolve(res.statusCode ?? 502);
      });
      upstream.once('open', () => {
        this.pending.set(req, entry);
        this.upstreams.add(upstream);
        upstream.on('close', () => this.upstreams.delete(upstream));
        resolve(undefined);
      });
      upstream.on('error', () => {
        if (upstream.readyState !== WebSocket.OPEN) {
          this.stats.upstreamFailures++;
          resolve(502);
        }
      });
    });
  }

  protected accept(connection: ListenerConnection): void {
    const entry = this.pending.get(connection.request);
    if (!entry) {
      connection.socket.close(1011, 'no upstream');
      return;
    }
    this.pending.delete(connection.request);
    this.stats.connections++;
    const { upstream } = entry;
    const client = connection.socket;
    const down = connection.link;
    const up: FaultyLink = this.upPlan.link(connection.index, {
      write: (data, binary) => {
        if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary });
      },
      terminate: () => upstream.terminate(),
      close: (code, reason) => upstream.close(code, reason),
      pauseReading: () => upstream.pause(),
    });
    const relayDown = (data: Buffer, binary: boolean) => {
      this.stats.downstreamFrames++;
      down.send(binary ? data : data.toString('utf8'), binary);
    };
    upstream.removeAllListeners('message');
    for (const f of entry.early) relayDown(f.data, f.binary);
    upstream.on('message', (data, binary) => relayDown(data as Buffer, binary));
    client.on('message', (data, binary) => {
      this.stats.upstreamFrames++;
      up.send(binary ? (data as Buffer) : (data as Buffer).toString('utf8'), binary);
    });
    upstream.on('close', (code, reason) => {
      up.dispose();
      if (client.readyState !== WebSocket.OPEN) return;
      // Mirror the server: an abnormal end stays abnormal, a clean close keeps its code.
      if (code === 1006) client.terminate();
      else if (code === 1005) client.close();
      else client.close(code, reason);
    });
    client.on('close', (code, reason) => {
      up.dispose();
      if (upstream.readyState !== WebSocket.OPEN) return;
      if (code === 1006) upstream.terminate();
      else if (code === 1005) upstream.close();
      else upstream.close(code, reason);
    });
  }

  override async stop(): Promise<void> {
    for (const u of this.upstreams) u.terminate();
    await super.stop();
  }
}

/**
 * Starts a {@link WsProxy} on a free loopback port in front of `target`.
 *
 * @example
 * const proxy = await createProxy({ target: server.url, faults: [{ type: 'drop', from: 10 }] });
 */
export async function createProxy(options: ProxyOptions): Promise<WsProxy> {
  if (typeof options !== 'object' || options === null || typeof options.target !== 'string') {
    throw new TradeKitError(
      'WS_CONFIG_INVALID',
      `Expected \`target\` to be a ws:// URL string, got ${describeValue((options as { target?: unknown } | null)?.target)}.`,
      {
        details: { field: 'target' },
      },
    );
  }
  return new WsProxy(options).listen();
}
