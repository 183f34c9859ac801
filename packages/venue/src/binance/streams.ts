/**
 * Binance WebSocket surfaces: market streams (`/ws/<name>`, `/stream?streams=` with SUBSCRIBE /
 * UNSUBSCRIBE; USDⓈ-M split into `/fstream/public/ws` and `/fstream/market/ws`), the spot
 * WebSocket API's user-data subscription (`/ws-api/v3`, `userDataStream.subscribe.signature`) and
 * the USDⓈ-M listenKey stream (`/fstream/private/ws?listenKey=`), with listenKeys that expire on
 * the venue clock. Every frame goes through the connection's fault path.
 */
import type { IncomingMessage } from 'node:http';
import type { Decimal, Order, TimerHandle } from '@tradekit/types';
import type { FaultyLink } from '@tradekit/ws-tester';
import type { WebSocket } from 'ws';
import type { VenueAccount } from '../core.js';
import type { Principal, RawEndpoint, VenueServer } from '../server.js';
import type { BookDiff } from './book.js';
import { BinanceReject, reject } from './errors.js';
import { INTERVALS, intervalMs, kline } from './market-data.js';
import { type BinanceMarket, fmtPrice, fmtQty } from './markets.js';
import { orderStatus, spotBalances, wireType } from './payloads.js';
import type { BinanceKey, BinanceProfile, TradeRecord } from './profile.js';
import { checkTimestamp, hmacHex, signatureMatches } from './signing.js';

type Kind = 'spot' | 'public' | 'market' | 'wsapi' | 'private';

interface Conn {
  socket: WebSocket;
  link: FaultyLink;
  kind: Kind;
  combined: boolean;
  /** Subscribed streams: routing key → the name the client used. */
  subs: Map<string, string>;
  /** WS API: user-data subscriptions (id → spot account). */
  userSubs: Map<number, VenueAccount>;
  nextSub: number;
  /** Private stream: its listenKey. */
  listenKey?: string;
  /** Frames waiting in the sliced fan-out queue for this connection (sends to it queue behind them). */
  queued: number;
}

interface ListenKey {
  key: BinanceKey;
  value: string;
  expiresAt: number;
  timer: TimerHandle;
  conns: Set<Conn>;
}

const PUBLIC_TYPES = new Set(['depth', 'bookticker', 'trade']);

/** Options of the streams. */
export interface StreamOptions {
  listenKeyLifetimeUs: number;
  maxBufferedBytes: number;
  /** Subscribers written per event-loop turn when an event has more (0: all at once). */
  fanoutSlice: number;
}

/** All Binance WebSocket connections of a venue. */
export class BinanceStreams {
  private readonly conns = new Set<Conn>();
  /** Routing key (`spot:btcusdt@depth`) → subscribed connections. */
  private readonly bySub = new Map<string, Set<Conn>>();
  /** Kline intervals subscribed per market routing prefix (`spot:btcusdt`). */
  private readonly klineIntervals = new Map<string, Map<string, number>>();
  private readonly listenKeys = new Map<string, ListenKey>();
  private readonly listenKeyOf = new Map<string, string>();
  private listenKeyCount = 0;
  private closed = false;
  /** Frames sent, by kind (market data, user data). */
  readonly sent = { market: 0, user: 0 };
  /** listenKey requests: created, kept alive, expired. */
  readonly listenKeyStats = { created: 0, keptAlive: 0, expired: 0 };
  /** Sliced fan-out: frames written on a later event-loop turn than the event's, and those turns. */
  readonly sliced = { frames: 0, turns: 0 };
  /** Sliced fan-out queue: connection, frame, connection, frame, … from `head` on. */
  private queue: Array<Conn | string> = [];
  private head = 0;
  private draining: NodeJS.Immediate | undefined;

  constructor(
    private readonly p: BinanceProfile,
    private readonly options: StreamOptions,
  ) {}

  // ───────────────────────── endpoints ─────────────────────────

  /** Mounts every endpoint. */
  mount(server: VenueServer): void {
    const market = (kind: Kind, combined: boolean): RawEndpoint => ({
      authorize: async (_t, req) => ({ identity: { kind, combined, url: req.url ?? '' } }),
      accept: (socket, principal, link) => this.acceptMarket(socket, link, principal),
    });
    server.mountRaw('/ws', market('spot', false), { prefix: true });
    server.mountRaw('/ws', market('spot', false));
    server.mountRaw('/stream', market('spot', true));
    for (const k of ['public', 'market'] as const) {
      server.mountRaw(`/fstream/${k}/ws`, market(k, false), { prefix: true });
      server.mountRaw(`/fstream/${k}/ws`, market(k, false));
      server.mountRaw(`/fstream/${k}/stream`, market(k, true));
    }
    server.mountRaw('/ws-api/v3', {
      authorize: async () => ({ identity: { kind: 'wsapi' } }),
      accept: (socket, _principal, link) => this.acceptWsApi(socket, link),
    });
    server.mountRaw('/fstream/private/ws', {
      authorize: async (_t, req) => this.authorizePrivate(req),
      accept: (socket, principal, link) => this.acceptPrivate(socket, link, principal),
    });
  }

  private newConn(socket: WebSocket, link: FaultyLink, kind: Kind, combined: boolean): Conn {
    const c: Conn = { socket, link, kind, combined, subs: new Map(), userSubs: new Map(), nextSub: 0, queued: 0 };
    this.conns.add(c);
    socket.on('close', () => this.forget(c));
    socket.on('error', () => undefined);
    return c;
  }

  private forget(c: Conn): void {
    this.conns.delete(c);
    for (const k of [...c.subs.keys()]) this.unsubscribe(c, k);
    if (c.listenKey !== undefined) this.listenKeys.get(c.listenKey)?.conns.delete(c);
  }

  /** Sends one frame to a connection, behind any frames the sliced fan-out still holds for it. */
  private send(c: Conn, text: string): void {
    if (c.queued > 0) this.enqueue(c, text);
    else this.write(c, text);
  }

  private write(c: Conn, text: string): void {
    if (c.socket.readyState !== 1) return;
    if (c.socket.bufferedAmount > this.options.maxBufferedBytes) {
      c.socket.terminate();
      return;
    }
    c.link.send(text);
  }

  /** Surface of a connection kind. */
  private surface(kind: Kind): 'spot' | 'usdm' {
    return kind === 'spot' || kind === 'wsapi' ? 'spot' : 'usdm';
  }

  /**
   * Parses a stream name (`btcusdt@depth@100ms`, `btcusdt@kline_1m`) into its routing key, or
   * returns an error message.
   */
  private routeKey(kind: Kind, name: string): string | { error: string } {
    if (typeof name !== 'string') return { error: 'Invalid request: stream names must be strings' };
    const parts = name.toLowerCase().split('@');
    const [sym, type, speed] = parts;
    const surface = this.surface(kind);
    const m = this.p.markets(surface).find((x) => x.id.toLowerCase() === sym);
    if (m === undefined || type === undefined || parts.length > 3)
      return { error: `Invalid request: unknown stream ${name}` };
    let t = type;
    if (t === 'depth') {
      if (speed !== undefined && !['100ms', '250ms', '500ms', '1000ms'].includes(speed))
        return { error: `Invalid request: unknown stream ${name}` };
    } else if (speed !== undefined) return { error: `Invalid request: unknown stream ${name}` };
    if (t.startsWith('kline_')) {
      if (!INTERVALS.includes(name.split('@')[1]?.slice(6) ?? ''))
        return { error: `Invalid request: unknown stream ${name}` };
    } else if (!['depth', 'trade', 'aggtrade', 'miniticker', 'ticker', 'bookticker'].includes(t))
      return { error: `Invalid request: unknown stream ${name}` };
    if (kind === 'public' && !PUBLIC_TYPES.has(t.startsWith('kline_') ? 'kline' : t))
      return { error: `Invalid request: ${name} is served on /market/ws, not /public/ws` };
    if (kind === 'market' && PUBLIC_TYPES.has(t))
      return { error: `Invalid request: ${name} is served on /public/ws, not /market/ws` };
    if (t.startsWith('kline_')) t = `kline_${name.split('@')[1]?.slice(6)}`;
    return `${surface}:${m.id.toLowerCase()}@${t}`;
  }

  private subscribe(c: Conn, key: string, name: string): void {
    if (c.subs.has(key)) return;
    c.subs.set(key, name);
    let set = this.bySub.get(key);
    if (set === undefined) {
      set = new Set();
      this.bySub.set(key, set);
    }
    set.add(c);
    const k = key.indexOf('@kline_');
    if (k >= 0) {
      const prefix = key.slice(0, k);
      const iv = key.slice(k + 7);
      const map = this.klineIntervals.get(prefix) ?? new Map<string, number>();
      map.set(iv, (map.get(iv) ?? 0) + 1);
      this.klineIntervals.set(prefix, map);
    }
  }

  private unsubscribe(c: Conn, key: string): void {
    if (!c.subs.delete(key)) return;
    const set = this.bySub.get(key);
    set?.delete(c);
    if (set?.size === 0) this.bySub.delete(key);
    const k = key.indexOf('@kline_');
    if (k >= 0) {
      const map = this.klineIntervals.get(key.slice(0, k));
      const iv = key.slice(k + 7);
      const n = (map?.get(iv) ?? 0) - 1;
      if (n <= 0) map?.delete(iv);
      else map?.set(iv, n);
    }
  }

  private acceptMarket(socket: WebSocket, link: FaultyLink, principal: Principal): void {
    const id = principal.identity as { kind: Kind; combined: boolean; url: string };
    const c = this.newConn(socket, link, id.kind, id.combined);
    const url = new URL(id.url, 'http://127.0.0.1');
    const initial: string[] = [];
    if (id.combined) initial.push(...(url.searchParams.get('streams') ?? '').split('/').filter(Boolean));
    else {
      const last = url.pathname.split('/').pop() ?? '';
      if (last.includes('@')) initial.push(decodeURIComponent(last));
    }
    for (const name of initial) {
      const key = this.routeKey(c.kind, name);
      if (typeof key === 'string') this.subscribe(c, key, name);
    }
    socket.on('message', (data, binary) => {
      let msg: { method?: unknown; params?: unknown; id?: unknown };
      try {
        if (binary) throw new Error('binary frame');
        msg = JSON.parse(String(data));
        if (typeof msg !== 'object' || msg === null) throw new Error('not an object');
      } catch (err) {
        this.send(c, JSON.stringify({ error: { code: 3, msg: `Invalid JSON: ${(err as Error).message}` } }));
        return;
      }
      const reqId = msg.id ?? null;
      const params = Array.isArray(msg.params) ? msg.params : [];
      switch (msg.method) {
        case 'SUBSCRIBE':
        case 'UNSUBSCRIBE': {
          const keys: Array<[string, string]> = [];
          for (const name of params) {
            const key = this.routeKey(c.kind, name as string);
            if (typeof key !== 'string') {
              this.send(c, JSON.stringify({ error: { code: 2, msg: key.error }, id: reqId }));
              return;
            }
            keys.push([key, name as string]);
          }
          for (const [key, name] of keys) {
            if (msg.method === 'SUBSCRIBE') this.subscribe(c, key, name);
            else this.unsubscribe(c, key);
          }
          this.send(c, JSON.stringify({ result: null, id: reqId }));
          return;
        }
        case 'LIST_SUBSCRIPTIONS':
          this.send(c, JSON.stringify({ result: [...c.subs.values()], id: reqId }));
          return;
        case 'SET_PROPERTY':
          this.send(c, JSON.stringify({ result: null, id: reqId }));
          return;
        case 'GET_PROPERTY':
          this.send(c, JSON.stringify({ result: c.combined, id: reqId }));
          return;
        default:
          this.send(
            c,
            JSON.stringify({
              error: { code: 2, msg: `Invalid request: unknown method ${String(msg.method)}` },
              id: reqId,
            }),
          );
      }
    });
  }

  // ───────────────────────── WebSocket API (spot user data) ─────────────────────────

  private acceptWsApi(socket: WebSocket, link: FaultyLink): void {
    const c = this.newConn(socket, link, 'wsapi', false);
    socket.on('message', (data, binary) => {
      let msg: { id?: unknown; method?: unknown; params?: Record<string, unknown> };
      try {
        if (binary) throw new Error('binary frame');
        msg = JSON.parse(String(data));
        if (typeof msg !== 'object' || msg === null) throw new Error('not an object');
      } catch {
        this.send(
          c,
          JSON.stringify({ id: null, status: 400, error: { code: -1000, msg: 'Malformed request: invalid JSON.' } }),
        );
        return;
      }
      const id = msg.id ?? null;
      const ok = (result: unknown) => this.send(c, JSON.stringify({ id, status: 200, result, rateLimits: [] }));
      try {
        switch (msg.method) {
          case 'ping':
            ok({});
            return;
          case 'time':
            ok({ serverTime: this.p.serverTimeMs() });
            return;
          case 'userDataStream.subscribe.signature': {
            const key = this.checkWsSignature(msg.params ?? {});
            const sub = c.nextSub++;
            c.userSubs.set(sub, key.spot);
            ok({ subscriptionId: sub });
            return;
          }
          case 'userDataStream.unsubscribe': {
            const sid = msg.params?.subscriptionId;
            if (sid === undefined) c.userSubs.clear();
            else c.userSubs.delete(Number(sid));
            ok({});
            return;
          }
          default:
            throw new BinanceReject(400, -1000, `Unknown method: ${String(msg.method)}.`);
        }
      } catch (err) {
        const r = err instanceof BinanceReject ? err : reject.unknown((err as Error).message);
        this.send(c, JSON.stringify({ id, status: r.status, error: r.body }));
      }
    });
  }

  /** A WS API signed request: HMAC over the key-sorted params without `signature`. */
  private checkWsSignature(params: Record<string, unknown>): BinanceKey {
    const apiKey = params.apiKey;
    if (typeof apiKey !== 'string') throw reject.mandatory('apiKey');
    const key = this.p.keyOf(apiKey);
    if (key === undefined) throw reject.unauthorized();
    const entries = Object.entries(params)
      .filter(([k]) => k !== 'signature')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${String(v)}`);
    const sig = params.signature;
    if (typeof sig !== 'string') throw reject.mandatory('signature');
    if (!signatureMatches(key.secret, entries.join('&'), sig)) throw reject.signature();
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(params)) flat[k] = String(v);
    checkTimestamp(flat, this.p.serverTimeMs());
    return key;
  }

  // ───────────────────────── USDⓈ-M listenKey ─────────────────────────

  /** `POST listenKey`: the key's active listenKey (extended), or a new one. */
  createListenKey(key: BinanceKey): string {
    const active = this.listenKeyOf.get(key.apiKey);
    if (active !== undefined && this.listenKeys.has(active)) {
      this.extend(this.listenKeys.get(active) as ListenKey);
      return active;
    }
    const value = hmacHex(key.secret, `listenKey:${key.apiKey}:${++this.listenKeyCount}`);
    const lk: ListenKey = { key, value, expiresAt: 0, timer: undefined as unknown as TimerHandle, conns: new Set() };
    this.listenKeys.set(value, lk);
    this.listenKeyOf.set(key.apiKey, value);
    this.listenKeyStats.created++;
    this.extend(lk);
    return value;
  }

  /** `PUT listenKey`: extends the key's listenKey; `undefined` when it has none (expired). */
  keepAlive(key: BinanceKey): string | undefined {
    const value = this.listenKeyOf.get(key.apiKey);
    const lk = value === undefined ? undefined : this.listenKeys.get(value);
    if (lk === undefined) return undefined;
    this.extend(lk);
    this.listenKeyStats.keptAlive++;
    return lk.value;
  }

  /** `DELETE listenKey`: closes its stream. */
  deleteListenKey(key: BinanceKey): void {
    const value = this.listenKeyOf.get(key.apiKey);
    const lk = value === undefined ? undefined : this.listenKeys.get(value);
    if (lk !== undefined) this.end(lk, false);
  }

  private extend(lk: ListenKey): void {
    const clock = this.p.clock;
    clock.clearTimeout(lk.timer);
    lk.expiresAt = clock.now() + this.options.listenKeyLifetimeUs;
    lk.timer = clock.setTimeout(() => this.end(lk, true), this.options.listenKeyLifetimeUs);
  }

  private end(lk: ListenKey, expired: boolean): void {
    this.p.clock.clearTimeout(lk.timer);
    if (expired) this.listenKeyStats.expired++;
    this.listenKeys.delete(lk.value);
    if (this.listenKeyOf.get(lk.key.apiKey) === lk.value) this.listenKeyOf.delete(lk.key.apiKey);
    for (const c of lk.conns) {
      if (expired) this.send(c, JSON.stringify({ e: 'listenKeyExpired', E: this.p.nowMs(), listenKey: lk.value }));
      c.socket.close(1000, expired ? 'listenKey expired' : 'listenKey deleted');
    }
    lk.conns.clear();
  }

  /** Whether a listenKey is active (not expired or deleted). */
  listenKeyActive(value: string): boolean {
    return this.listenKeys.has(value);
  }

  /** Connections subscribed to a stream (`spot:btcusdt@depth`), for tests and load checks. */
  subscriberCount(key: string): number {
    return this.bySub.get(key)?.size ?? 0;
  }

  /** User-data subscriptions: spot WS API subscriptions plus USDⓈ-M listenKey connections. */
  userStreamCount(): number {
    let n = 0;
    for (const c of this.conns) n += c.kind === 'wsapi' ? c.userSubs.size : c.kind === 'private' ? 1 : 0;
    return n;
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.conns.size;
  }

  /** Fault: expires every listenKey now. */
  expireAll(): number {
    const all = [...this.listenKeys.values()];
    for (const lk of all) this.end(lk, true);
    return all.length;
  }

  /** Fault: drops every connection. */
  dropAll(): number {
    const n = this.conns.size;
    for (const c of [...this.conns]) c.socket.terminate();
    return n;
  }

  private async authorizePrivate(req: IncomingMessage): Promise<Principal | undefined> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const value = url.searchParams.get('listenKey') ?? '';
    return this.listenKeys.has(value) ? { identity: { listenKey: value } } : undefined;
  }

  private acceptPrivate(socket: WebSocket, link: FaultyLink, principal: Principal): void {
    const { listenKey } = principal.identity as { listenKey: string };
    const lk = this.listenKeys.get(listenKey);
    if (lk === undefined) {
      socket.close(1008, 'listenKey expired');
      return;
    }
    const c = this.newConn(socket, link, 'private', false);
    c.listenKey = listenKey;
    lk.conns.add(c);
    socket.on('message', () => undefined);
  }

  /** Stops every timer and connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.draining !== undefined) clearImmediate(this.draining);
    this.queue = [];
    this.head = 0;
    for (const lk of this.listenKeys.values()) this.p.clock.clearTimeout(lk.timer);
    this.listenKeys.clear();
    for (const c of this.conns) c.socket.terminate();
  }

  // ───────────────────────── market events ─────────────────────────

  private broadcast(key: string, data: () => unknown): void {
    const set = this.bySub.get(key);
    if (set === undefined || set.size === 0) return;
    // More subscribers than a slice, or a fan-out still in progress: the frames join the queue
    // (in event order, so every connection keeps its order) and the queue is written a slice per
    // turn, the first slice now.
    const slice = this.options.fanoutSlice;
    const sliced = slice > 0 && (set.size > slice || this.head < this.queue.length);
    let raw: string | undefined;
    const wrapped = new Map<string, string>();
    for (const c of set) {
      let text: string;
      if (c.combined) {
        const name = c.subs.get(key) as string;
        text = wrapped.get(name) ?? '';
        if (text === '') {
          raw ??= JSON.stringify(data());
          text = `{"stream":${JSON.stringify(name)},"data":${raw}}`;
          wrapped.set(name, text);
        }
      } else text = raw ??= JSON.stringify(data());
      this.sent.market++;
      if (sliced) this.enqueue(c, text);
      else this.send(c, text);
    }
    if (sliced && this.draining === undefined) this.drain(false);
  }

  private enqueue(c: Conn, text: string): void {
    c.queued++;
    this.queue.push(c, text);
  }

  /** Frames the sliced fan-out holds (not yet written). */
  get queuedFrames(): number {
    return (this.queue.length - this.head) / 2;
  }

  /**
   * Writes one slice of the queue; what is left goes on the next turn. A turn after the first
   * writes more than a slice when that is what it takes to leave no more than four slices queued:
   * when events come faster than slices drain (a venue that falls behind), the fan-out catches up
   * each turn instead of queueing without bound, and the events wait (as without slicing).
   */
  private drain(later: boolean): void {
    this.draining = undefined;
    if (this.closed) return;
    const q = this.queue;
    const slice = this.options.fanoutSlice;
    const n = later ? Math.max(slice, this.queuedFrames - 4 * slice) : slice;
    const end = Math.min(q.length, this.head + 2 * n);
    if (later && this.head < end) this.sliced.turns++;
    for (let i = this.head; i < end; i += 2) {
      const c = q[i] as Conn;
      c.queued--;
      if (later) this.sliced.frames++;
      this.write(c, q[i + 1] as string);
    }
    this.head = end;
    if (end < q.length) {
      // Drop the written prefix now and then, so a queue that never empties does not keep growing.
      if (end > 8192 && end * 2 > q.length) {
        this.queue = q.slice(end);
        this.head = 0;
      }
      this.draining = setImmediate(() => this.drain(true));
    } else {
      this.queue = [];
      this.head = 0;
    }
  }

  private prefix(m: BinanceMarket): string {
    return `${m.surface}:${m.id.toLowerCase()}`;
  }

  /** A book diff of a market. */
  onDepth(m: BinanceMarket, d: BookDiff, ts: number): void {
    const E = Math.floor(ts / 1000);
    this.broadcast(`${this.prefix(m)}@depth`, () => {
      const b = d.bids.map(([px, q]) => [fmtPrice(m, px), fmtQty(m, q)]);
      const a = d.asks.map(([px, q]) => [fmtPrice(m, px), fmtQty(m, q)]);
      return m.surface === 'spot'
        ? { e: 'depthUpdate', E, s: m.id, U: d.U, u: d.u, b, a }
        : { e: 'depthUpdate', E, T: E, s: m.id, U: d.U, u: d.u, pu: d.pu, b, a };
    });
  }

  /** A public trade of a market. */
  onTrade(m: BinanceMarket, t: { id: number; p: number; q: number; ts: number; m: boolean }): void {
    const E = Math.floor(t.ts / 1000);
    const pre = this.prefix(m);
    const p = fmtPrice(m, t.p);
    const q = fmtQty(m, t.q);
    this.broadcast(`${pre}@trade`, () =>
      m.surface === 'spot'
        ? { e: 'trade', E, s: m.id, t: t.id, p, q, T: E, m: t.m, M: true }
        : { e: 'trade', E, T: E, s: m.id, t: t.id, p, q, X: 'MARKET', m: t.m },
    );
    this.broadcast(`${pre}@aggtrade`, () => ({
      e: 'aggTrade',
      E,
      s: m.id,
      a: t.id,
      p,
      q,
      f: t.id,
      l: t.id,
      T: E,
      m: t.m,
      M: true,
    }));
    const v = this.p.core.view(m.symbol);
    const mini = () => ({
      e: '24hrMiniTicker',
      E,
      s: m.id,
      c: fmtPrice(m, v.last),
      o: fmtPrice(m, Number.isFinite(v.open) ? v.open : v.last),
      h: fmtPrice(m, v.high),
      l: fmtPrice(m, v.low),
      v: fmtQty(m, v.volume),
      q: (this.p.quoteVolume.get(m.symbol) ?? 0).toFixed(8),
    });
    this.broadcast(`${pre}@miniticker`, mini);
    this.broadcast(`${pre}@ticker`, () => {
      const base = mini();
      const touch = this.p.touch(m);
      const open = Number(base.o);
      const change = v.last - open;
      return {
        ...base,
        e: '24hrTicker',
        p: fmtPrice(m, change),
        P: open > 0 ? ((change / open) * 100).toFixed(3) : '0.000',
        w: base.c,
        x: base.o,
        Q: q,
        b: fmtPrice(m, Number.isFinite(touch.bid) ? touch.bid : 0),
        B: fmtQty(m, touch.bidSize),
        a: fmtPrice(m, Number.isFinite(touch.ask) ? touch.ask : 0),
        A: fmtQty(m, touch.askSize),
        O: E - 86_400_000,
        C: E,
        F: 0,
        L: t.id,
        n: this.p.tradeCount.get(m.symbol) ?? 0,
      };
    });
    const ivs = this.klineIntervals.get(pre);
    if (ivs !== undefined) {
      for (const iv of ivs.keys()) {
        const ms = intervalMs(iv);
        const open = Math.floor(E / ms) * ms;
        this.broadcast(`${pre}@kline_${iv}`, () => {
          const k = kline(m, open, ms, v.barsBetween(open * 1000, (open + ms) * 1000)) as unknown[];
          return {
            e: 'kline',
            E,
            s: m.id,
            k: {
              t: open,
              T: open + ms - 1,
              s: m.id,
              i: iv,
              f: -1,
              L: -1,
              o: k[1],
              c: k[4],
              h: k[2],
              l: k[3],
              v: k[5],
              n: k[8],
              x: false,
              q: k[7],
              V: '0',
              Q: '0',
              B: '0',
            },
          };
        });
      }
    }
  }

  /** A top-of-book change (best bid or ask price or size). */
  onTouch(m: BinanceMarket, t: { bid: number; bidSize: number; ask: number; askSize: number }, ts: number): void {
    const E = Math.floor(ts / 1000);
    this.broadcast(`${this.prefix(m)}@bookticker`, () => {
      const body = {
        u: this.p.books.get(m.symbol)?.lastUpdateId ?? 0,
        s: m.id,
        b: fmtPrice(m, Number.isFinite(t.bid) ? t.bid : 0),
        B: fmtQty(m, t.bidSize),
        a: fmtPrice(m, Number.isFinite(t.ask) ? t.ask : 0),
        A: fmtQty(m, t.askSize),
      };
      return m.surface === 'spot' ? body : { e: 'bookTicker', ...body, E, T: E };
    });
  }

  // ───────────────────────── user events ─────────────────────────

  private spotTargets(account: string): Array<[Conn, number]> {
    const out: Array<[Conn, number]> = [];
    for (const c of this.conns) {
      if (c.kind !== 'wsapi') continue;
      for (const [sid, acc] of c.userSubs) if (acc.exchangeId === account) out.push([c, sid]);
    }
    return out;
  }

  private usdmTargets(account: string): Conn[] {
    const out: Conn[] = [];
    for (const lk of this.listenKeys.values()) if (lk.key.usdm.exchangeId === account) out.push(...lk.conns);
    return out;
  }

  private emitUser(m: BinanceMarket, account: string, event: () => Record<string, unknown>): void {
    if (m.surface === 'spot') {
      const targets = this.spotTargets(account);
      if (targets.length === 0) return;
      const body = JSON.stringify(event());
      for (const [c, sid] of targets) {
        this.sent.user++;
        this.send(c, `{"subscriptionId":${sid},"event":${body}}`);
      }
    } else {
      const targets = this.usdmTargets(account);
      if (targets.length === 0) return;
      const text = JSON.stringify(event());
      for (const c of targets) {
        this.sent.user++;
        this.send(c, text);
      }
    }
  }

  /** An order changed status: NEW, CANCELED, EXPIRED, REJECTED or REPLACED/AMENDMENT reports (fills come with the fill). */
  onOrder(o: Order, prev: Order['status'] | null): void {
    const m = this.p.bySymbol.get(o.symbol);
    if (m === undefined) return;
    let x: string | undefined;
    if (o.status === 'new' && (prev === null || prev === 'pending_new' || prev === 'inactive')) x = 'NEW';
    else if (o.status === 'canceled') x = 'CANCELED';
    else if (o.status === 'expired') x = 'EXPIRED';
    else if (o.status === 'rejected' && prev !== null) x = 'REJECTED';
    else if ((o.status === 'new' || o.status === 'partially_filled') && prev === 'pending_replace')
      x = m.surface === 'spot' ? 'REPLACED' : 'AMENDMENT';
    if (x === undefined) return;
    const exec = x;
    this.emitUser(m, o.accountId, () => this.orderEvent(m, o, exec, undefined));
    if (m.surface === 'spot') this.emitSpotBalances(m, o.accountId);
  }

  /** A fill: a TRADE report, then the balances (spot) or the account update (USDⓈ-M). */
  onFill(rec: TradeRecord, order: Order): void {
    const m = rec.market;
    const account = rec.vf.fill.accountId;
    this.emitUser(m, account, () => this.orderEvent(m, order, 'TRADE', rec));
    if (m.surface === 'spot') this.emitSpotBalances(m, account);
    else
      this.emitUser(m, account, () => {
        const snap = this.p.core.exchange.getAccount(account);
        const pos = rec.vf.position;
        const now = this.p.nowMs();
        return {
          e: 'ACCOUNT_UPDATE',
          E: now,
          T: now,
          a: {
            m: 'ORDER',
            B: [{ a: m.quote, wb: snap.balance.toFixed(8), cw: snap.balance.toFixed(8), bc: '0' }],
            P: [
              {
                s: m.id,
                pa: fmtQty(m, pos.quantity),
                ep: pos.avgPrice.toFixed(m.priceDecimals),
                bep: pos.avgPrice.toFixed(m.priceDecimals),
                cr: pos.realizedPnl.toFixed(8),
                up: pos.unrealizedPnl.toFixed(8),
                mt: 'cross',
                iw: '0',
                ps: 'BOTH',
              },
            ],
          },
        };
      });
  }

  private emitSpotBalances(m: BinanceMarket, account: string): void {
    if (this.spotTargets(account).length === 0) return;
    const acc = this.p.core.accountOf(account);
    if (acc === undefined) return;
    this.emitUser(m, account, () => {
      const now = this.p.nowMs();
      return {
        e: 'outboundAccountPosition',
        E: now,
        u: now,
        B: spotBalances(this.p, acc)
          .filter((b) => b.asset === m.base || b.asset === m.quote)
          .map((b) => ({ a: b.asset, f: b.free.toFixed(8), l: b.locked.toFixed(8) })),
      };
    });
  }

  private orderEvent(m: BinanceMarket, o: Order, x: string, rec: TradeRecord | undefined): Record<string, unknown> {
    const p = this.p;
    const w = p.wire.get(o.id);
    const now = p.nowMs();
    const f = rec?.vf.fill;
    const cumQty = w?.cumQty ?? 0;
    const cumQuote: Decimal | undefined = w?.cumQuote;
    let X = orderStatus(o, w);
    if (rec !== undefined) X = cumQty + 1e-12 >= o.quantity ? 'FILLED' : 'PARTIALLY_FILLED';
    const side = o.side === 'buy' ? 'BUY' : 'SELL';
    const type = wireType(o, m, w);
    const tif =
      o.postOnly && m.surface === 'usdm'
        ? 'GTX'
        : o.timeInForce === 'DAY' || o.timeInForce === 'GTD'
          ? 'GTC'
          : o.timeInForce;
    const clientId = w?.clientId ?? o.clientOrderId;
    const lastPx = f ? fmtPrice(m, f.price.toNumber()) : fmtPrice(m, 0);
    const lastQty = fmtQty(m, f?.quantity ?? 0);
    const T = f ? Math.floor(f.ts / 1000) : now;
    if (m.surface === 'spot') {
      return {
        e: 'executionReport',
        E: now,
        s: m.id,
        c: x === 'CANCELED' ? `cancel-${p.core.orderNumber(o.id)}` : clientId,
        S: side,
        o: type,
        f: tif,
        q: fmtQty(m, o.quantity),
        p: fmtPrice(m, o.price ?? 0),
        P: fmtPrice(m, o.stopPrice ?? 0),
        F: fmtQty(m, 0),
        g: -1,
        C: x === 'CANCELED' ? clientId : '',
        x,
        X,
        r: 'NONE',
        i: p.core.orderNumber(o.id),
        l: lastQty,
        z: fmtQty(m, cumQty),
        L: lastPx,
        n: f ? f.fee.toFixed(8) : '0',
        N: f ? m.quote : null,
        T,
        t: rec ? rec.vf.tradeId : -1,
        I: 0,
        w: o.status === 'new' && (o.type === 'limit' || o.triggered),
        m: f ? f.liquidity === 'maker' : false,
        M: false,
        O: Math.floor(o.createdAt / 1000),
        Z: (cumQuote ?? 0).toFixed(8),
        Y: f ? f.price.times(f.quantity).toFixed(8) : '0',
        Q: w?.quoteOrderQty ?? '0',
        W: Math.floor(o.createdAt / 1000),
        V: 'NONE',
      };
    }
    const avg = cumQty > 0 && cumQuote !== undefined ? cumQuote.div(cumQty).toFixed(m.priceDecimals) : '0';
    return {
      e: 'ORDER_TRADE_UPDATE',
      E: now,
      T: now,
      o: {
        s: m.id,
        c: clientId,
        S: side,
        o: type,
        f: tif,
        q: fmtQty(m, o.quantity),
        p: fmtPrice(m, o.price ?? 0),
        ap: avg,
        sp: fmtPrice(m, o.stopPrice ?? 0),
        x,
        X,
        i: p.core.orderNumber(o.id),
        l: lastQty,
        z: fmtQty(m, cumQty),
        L: lastPx,
        N: m.quote,
        n: f ? f.fee.toFixed(8) : '0',
        T,
        t: rec ? rec.vf.tradeId : 0,
        b: '0',
        a: '0',
        m: f ? f.liquidity === 'maker' : false,
        R: o.reduceOnly,
        wt: 'CONTRACT_PRICE',
        ot: type,
        ps: 'BOTH',
        cp: false,
        rp: (rec?.vf.realizedPnl ?? 0).toString(),
        pP: false,
        si: 0,
        ss: 0,
        V: 'NONE',
        pm: 'NONE',
        gtd: 0,
      },
    };
  }
}
