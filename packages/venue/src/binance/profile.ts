/**
 * The Binance profile: spot (`/api/v3`) and USDⓈ-M (`/fapi`) REST, market streams, the spot
 * user-data subscription over the WebSocket API and the USDⓈ-M listenKey stream, as a wire shape
 * over the venue core. It keeps no trading state of its own beyond what the wire needs (the diff
 * book's update ids, public trade ids, listenKeys, per-order wire names).
 */
import {
  type Clock,
  Decimal,
  type MarketEvent,
  type Order,
  type Position,
  TradeKitError,
  assertKnownKeys,
  invalidValue,
  parseDuration,
} from '@tradekit/types';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VenueAccount, VenueCore, VenueFill } from '../core.js';
import { CONFIG_INVALID } from '../errors.js';
import { RateLimiter } from '../rate-limit.js';
import { type RestFaultRule, RestFaults } from '../rest-faults.js';
import type { VenueServer } from '../server.js';
import { type BookDiff, DiffBook } from './book.js';
import { BinanceReject, reject } from './errors.js';
import { type BinanceMarket, type BinanceMarketSpec, resolveMarkets } from './markets.js';
import { registerSpot } from './rest-spot.js';
import { registerUsdm } from './rest-usdm.js';
import { checkTimestamp, payloadWithoutSignature, signatureMatches } from './signing.js';
import { BinanceStreams } from './streams.js';

/** An API key of the Binance profile and the accounts it trades. */
export interface BinanceKeySpec {
  apiKey: string;
  secret: string;
  /** Account id its spot orders go to. @default the first account of the key's user */
  spotAccount?: number;
  /** Account id its USDⓈ-M orders go to. @default the user's second account, else the first */
  usdmAccount?: number;
}

/** Options of the Binance profile. */
export interface BinanceOptions {
  /** Instruments listed on spot, by core symbol (or with wire names). @default every instrument not ending in `-PERP` */
  spot?: Array<string | BinanceMarketSpec>;
  /** Instruments listed on USDⓈ-M. @default every instrument ending in `-PERP` (wire id without the suffix) */
  usdm?: Array<string | BinanceMarketSpec>;
  /** API keys and secrets. @default every account's `apiKey` with the secret `secret` */
  keys?: BinanceKeySpec[];
  /** The secret of keys not listed in `keys`. @default 'sim-secret' */
  secret?: string;
  /** Spot holdings besides the quote currency, by account id: `{ 1: { BTC: 2 } }`. @default none */
  spotBalances?: Record<string, Record<string, number | string>>;
  /**
   * Request limit: `weight` requests per `window` (venue clock) per client IP answer 429 with
   * `Retry-After`; `banAfter` more requests while limited ban the IP for `ban` (418). `false` turns
   * it off. @default { weight: 6000, window: '1m', banAfter: 10, ban: '2m' }
   */
  rateLimit?: false | { weight?: number; window?: number | string; banAfter?: number; ban?: number | string };
  /** Faults on chosen REST requests (`route` like `/api/v3/order` or `/fapi/v1/order`). */
  restFaults?: RestFaultRule[];
  /** Server clock skew in ms: `/time` and the `recvWindow` check see wall time + skew. @default 0 */
  clockSkew?: number;
  /** The wall clock signed requests' `timestamp` is checked against (ms). @default Date.now */
  wallClock?: () => number;
  /** Lifetime of a USDⓈ-M listenKey on the venue clock; each keepalive renews it. @default '60m' */
  listenKeyLifetime?: number | string;
  /** Leverage reported for USDⓈ-M positions until set with `POST /fapi/v1/leverage`. @default 20 */
  leverage?: number;
  /** A stream client with more than this many bytes unsent is cut. @default 8388608 */
  maxBufferedBytes?: number;
  /**
   * A market-stream event with more subscribers than this is written to them in slices of this many
   * sockets per event-loop turn, so that requests and other sockets are served in between (each
   * connection still gets its frames in order; when events come faster than that, a turn writes
   * enough to leave at most four slices queued). 0 writes every event to all subscribers at once.
   * @default 128
   */
  fanoutSlice?: number;
}

const OPTION_KEYS = [
  'spot',
  'usdm',
  'keys',
  'secret',
  'spotBalances',
  'rateLimit',
  'restFaults',
  'clockSkew',
  'wallClock',
  'listenKeyLifetime',
  'leverage',
  'maxBufferedBytes',
  'fanoutSlice',
];

/** A resolved API key. */
export interface BinanceKey {
  readonly apiKey: string;
  readonly secret: string;
  readonly spot: VenueAccount;
  readonly usdm: VenueAccount;
}

/** One fill as the trade history endpoints show it. */
export interface TradeRecord {
  vf: VenueFill;
  market: BinanceMarket;
  orderNumber: number;
}

/** Wire facts of an order the core does not keep. */
export interface OrderWire {
  /** Conditional order sent to the algo endpoint. */
  algo: boolean;
  /** Binance order type as sent (LIMIT_MAKER, STOP_LOSS_LIMIT…). */
  type: string;
  /** The client's id as sent. */
  clientId: string;
  /** Quote amount for `quoteOrderQty` market orders. */
  quoteOrderQty?: string;
  /** Sum of fills: quantity and quote. */
  cumQty: number;
  cumQuote: Decimal;
}

/** Parameters of a request: query and form body merged, as strings. */
export type Params = Record<string, string>;

/** What a route handler gets. */
export interface RouteContext {
  params: Params;
  key: BinanceKey | undefined;
  req: FastifyRequest;
  reply: FastifyReply;
}

/** A route's security: none, the API key header only, or a signed request. */
export type Security = 'none' | 'apikey' | 'signed';

declare module 'fastify' {
  interface FastifyRequest {
    binanceRaw?: string;
  }
}

/** The Binance profile over a venue core. */
export class BinanceProfile {
  readonly core: VenueCore;
  readonly spot: readonly BinanceMarket[];
  readonly usdm: readonly BinanceMarket[];
  /** Markets by core symbol. */
  readonly bySymbol = new Map<string, BinanceMarket>();
  private readonly spotById = new Map<string, BinanceMarket>();
  private readonly usdmById = new Map<string, BinanceMarket>();
  /** Diff books by core symbol. */
  readonly books = new Map<string, DiffBook>();
  /** Recent public trades by core symbol (id, price, qty, ts µs, buyer is maker). */
  readonly publicTrades = new Map<string, Array<{ id: number; p: number; q: number; ts: number; m: boolean }>>();
  private nextPublicTrade = 1;
  /** Quote volume by core symbol (for tickers). */
  readonly quoteVolume = new Map<string, number>();
  readonly tradeCount = new Map<string, number>();
  private readonly lastTouch = new Map<string, { bid: number; bidSize: number; ask: number; askSize: number }>();
  private readonly keysByApiKey = new Map<string, BinanceKey>();
  /** Fills by exchange account id, oldest first. */
  readonly trades = new Map<string, TradeRecord[]>();
  /** Wire facts by exchange order id. */
  readonly wire = new Map<string, OrderWire>();
  /** Initial spot holdings by exchange account id. */
  private readonly holdings = new Map<string, Map<string, Decimal>>();
  readonly leverage = new Map<string, number>();
  readonly defaultLeverage: number;
  readonly restFaults: RestFaults;
  private readonly limiter: RateLimiter | undefined;
  private readonly banAfter: number;
  private readonly banUs: number;
  private readonly overLimit = new Map<string, number>();
  private readonly bannedUntil = new Map<string, number>();
  /** Server clock skew, ms (clock-skew fault). */
  clockSkew: number;
  private readonly wallClock: () => number;
  readonly streams: BinanceStreams;
  private readonly unlisten: () => void;
  /** Requests refused by the rate limit (429) and by a ban (418). */
  readonly refusals = { limited: 0, banned: 0 };

  constructor(core: VenueCore, options: BinanceOptions) {
    if (typeof options !== 'object' || options === null)
      throw invalidValue(CONFIG_INVALID, 'binance', 'an options object (or false)', options);
    assertKnownKeys(options, OPTION_KEYS, { code: CONFIG_INVALID, where: 'binance options' });
    this.core = core;
    const m = resolveMarkets(core.contracts, options.spot, options.usdm);
    this.spot = m.spot;
    this.usdm = m.usdm;
    for (const x of m.spot) {
      this.spotById.set(x.id, x);
      this.bySymbol.set(x.symbol, x);
    }
    for (const x of m.usdm) {
      if (this.bySymbol.has(x.symbol))
        throw invalidValue(
          CONFIG_INVALID,
          'binance.usdm',
          'instruments not also listed on spot (list the perpetual as its own instrument, e.g. BTCUSDT-PERP)',
          x.symbol,
        );
      this.usdmById.set(x.id, x);
      this.bySymbol.set(x.symbol, x);
    }
    for (const x of this.bySymbol.values()) {
      this.books.set(x.symbol, new DiffBook());
      this.publicTrades.set(x.symbol, []);
    }
    this.resolveKeys(options);
    for (const [id, assets] of Object.entries(options.spotBalances ?? {})) {
      const acc = core.accounts.get(Number(id));
      if (acc === undefined)
        throw invalidValue(CONFIG_INVALID, `binance.spotBalances.${id}`, 'an account id of the venue', id);
      const map = new Map<string, Decimal>();
      for (const [asset, amount] of Object.entries(assets)) {
        let d: Decimal;
        try {
          d = new Decimal(amount);
        } catch {
          throw invalidValue(CONFIG_INVALID, `binance.spotBalances.${id}.${asset}`, 'a number ≥ 0', amount);
        }
        if (!(d.isFinite() && d.gte(0)))
          throw invalidValue(CONFIG_INVALID, `binance.spotBalances.${id}.${asset}`, 'a number ≥ 0', amount);
        map.set(asset, d);
      }
      this.holdings.set(acc.exchangeId, map);
    }
    this.defaultLeverage = options.leverage ?? 20;
    if (!Number.isInteger(this.defaultLeverage) || this.defaultLeverage < 1 || this.defaultLeverage > 125)
      throw invalidValue(CONFIG_INVALID, 'binance.leverage', 'an integer from 1 to 125', options.leverage);
    this.clockSkew = options.clockSkew ?? 0;
    if (!Number.isFinite(this.clockSkew))
      throw invalidValue(CONFIG_INVALID, 'binance.clockSkew', 'a number of ms', options.clockSkew);
    this.wallClock = options.wallClock ?? (() => Date.now());
    this.restFaults = new RestFaults(options.restFaults ?? [], core.clock, 'binance.restFaults');
    const rl = options.rateLimit;
    if (rl === false) {
      this.limiter = undefined;
      this.banAfter = 0;
      this.banUs = 0;
    } else {
      const r = rl ?? {};
      if (typeof r !== 'object') throw invalidValue(CONFIG_INVALID, 'binance.rateLimit', 'an object or false', rl);
      assertKnownKeys(r, ['weight', 'window', 'banAfter', 'ban'], { code: CONFIG_INVALID, where: 'binance.rateLimit' });
      const weight = r.weight ?? 6000;
      if (!Number.isInteger(weight) || weight < 1)
        throw invalidValue(CONFIG_INVALID, 'binance.rateLimit.weight', 'an integer ≥ 1', r.weight);
      this.limiter = new RateLimiter(core.clock, {
        requests: weight,
        windowUs: duration('binance.rateLimit.window', r.window ?? '1m'),
      });
      this.banAfter = r.banAfter ?? 10;
      if (!Number.isInteger(this.banAfter) || this.banAfter < 0)
        throw invalidValue(CONFIG_INVALID, 'binance.rateLimit.banAfter', 'an integer ≥ 0 (0: never ban)', r.banAfter);
      this.banUs = duration('binance.rateLimit.ban', r.ban ?? '2m');
    }
    const maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    const fanoutSlice = options.fanoutSlice ?? 128;
    if (!Number.isInteger(fanoutSlice) || fanoutSlice < 0)
      throw invalidValue(CONFIG_INVALID, 'binance.fanoutSlice', 'an integer ≥ 0 (0: no slicing)', options.fanoutSlice);
    this.streams = new BinanceStreams(this, {
      listenKeyLifetimeUs: duration('binance.listenKeyLifetime', options.listenKeyLifetime ?? '60m'),
      maxBufferedBytes: maxBuffered,
      fanoutSlice,
    });
    this.unlisten = core.listen({
      market: (e) => this.onMarket(e),
      order: (o, prev) => this.streams.onOrder(o, prev),
      fill: (f) => this.onFill(f),
    });
  }

  private resolveKeys(options: BinanceOptions): void {
    const core = this.core;
    const secret = options.secret ?? 'sim-secret';
    const byUser = new Map<string, VenueAccount[]>();
    for (const a of core.accounts.values()) {
      const list = byUser.get(a.apiKey) ?? [];
      list.push(a);
      byUser.set(a.apiKey, list);
    }
    const account = (id: number | undefined, where: string, fallback: VenueAccount): VenueAccount => {
      if (id === undefined) return fallback;
      const a = core.accounts.get(id);
      if (a === undefined) throw invalidValue(CONFIG_INVALID, where, 'an account id of the venue', id);
      return a;
    };
    const specs: BinanceKeySpec[] = options.keys ?? [...byUser.keys()].map((apiKey) => ({ apiKey, secret }));
    if (!Array.isArray(specs)) throw invalidValue(CONFIG_INVALID, 'binance.keys', 'an array', specs);
    for (const [i, k] of specs.entries()) {
      if (typeof k !== 'object' || k === null) throw invalidValue(CONFIG_INVALID, `binance.keys[${i}]`, 'an object', k);
      assertKnownKeys(k, ['apiKey', 'secret', 'spotAccount', 'usdmAccount'], {
        code: CONFIG_INVALID,
        where: `binance.keys[${i}]`,
      });
      if (typeof k.apiKey !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(k.apiKey))
        throw invalidValue(CONFIG_INVALID, `binance.keys[${i}].apiKey`, 'printable ASCII without spaces', k.apiKey);
      if (typeof k.secret !== 'string' || k.secret === '')
        throw invalidValue(CONFIG_INVALID, `binance.keys[${i}].secret`, 'a non-empty string', k.secret);
      if (this.keysByApiKey.has(k.apiKey))
        throw invalidValue(CONFIG_INVALID, `binance.keys[${i}].apiKey`, 'distinct API keys', k.apiKey);
      const owned = (byUser.get(k.apiKey) ?? []).sort((a, b) => a.id - b.id);
      const first = owned[0];
      if (first === undefined && (k.spotAccount === undefined || k.usdmAccount === undefined))
        throw invalidValue(
          CONFIG_INVALID,
          `binance.keys[${i}]`,
          'an apiKey that owns venue accounts, or both spotAccount and usdmAccount',
          k.apiKey,
        );
      const spot = account(k.spotAccount, `binance.keys[${i}].spotAccount`, first as VenueAccount);
      const usdm = account(k.usdmAccount, `binance.keys[${i}].usdmAccount`, owned[1] ?? (first as VenueAccount));
      this.keysByApiKey.set(k.apiKey, { apiKey: k.apiKey, secret: k.secret, spot, usdm });
    }
  }

  // ───────────────────────── lookups ─────────────────────────

  /** The venue clock. */
  get clock(): Clock {
    return this.core.clock;
  }

  /** Venue time in ms (what payloads show). */
  nowMs(): number {
    return Math.floor(this.core.clock.now() / 1000);
  }

  /** Server time signed requests are checked against: wall time + skew, ms. */
  serverTimeMs(): number {
    return Math.floor(this.wallClock() + this.clockSkew);
  }

  /** An API key by its value. */
  keyOf(apiKey: string | undefined): BinanceKey | undefined {
    return apiKey === undefined ? undefined : this.keysByApiKey.get(apiKey);
  }

  /** The market with this wire id on a surface; throws -1121 otherwise. */
  market(surface: 'spot' | 'usdm', id: string | undefined): BinanceMarket {
    if (id === undefined || id === '') throw reject.mandatory('symbol');
    const m = (surface === 'spot' ? this.spotById : this.usdmById).get(id.toUpperCase());
    if (m === undefined) throw reject.badSymbol();
    return m;
  }

  /** Markets of a surface. */
  markets(surface: 'spot' | 'usdm'): readonly BinanceMarket[] {
    return surface === 'spot' ? this.spot : this.usdm;
  }

  /** Best bid and ask of a market's book (with sizes); NaN when a side is empty. */
  touch(m: BinanceMarket): { bid: number; bidSize: number; ask: number; askSize: number } {
    const book = this.books.get(m.symbol) as DiffBook;
    const bid = book.bestBid();
    const ask = book.bestAsk();
    return { bid, bidSize: book.bids.get(bid) ?? 0, ask, askSize: book.asks.get(ask) ?? 0 };
  }

  /** Spot holdings of an account configured at start (besides the quote currency). */
  initialHoldings(exchangeId: string): Map<string, Decimal> {
    return this.holdings.get(exchangeId) ?? new Map();
  }

  /** Wire facts of an order (created on first sight). */
  wireOf(order: Order): OrderWire {
    let w = this.wire.get(order.id);
    if (w === undefined) {
      w = { algo: false, type: '', clientId: order.clientOrderId, cumQty: 0, cumQuote: new Decimal(0) };
      this.wire.set(order.id, w);
    }
    return w;
  }

  /** The position of an account in a market. */
  position(exchangeId: string, m: BinanceMarket): Position {
    return this.core.exchange.getPosition(exchangeId, m.symbol);
  }

  // ───────────────────────── core events ─────────────────────────

  private onMarket(e: MarketEvent): void {
    const m = this.bySymbol.get(e.symbol);
    if (m === undefined) return;
    const diff: BookDiff | undefined = (this.books.get(m.symbol) as DiffBook).apply(e);
    if (diff !== undefined) {
      this.streams.onDepth(m, diff, e.ts);
      const t = this.touch(m);
      const last = this.lastTouch.get(m.symbol);
      if (
        last === undefined ||
        last.bid !== t.bid ||
        last.ask !== t.ask ||
        last.bidSize !== t.bidSize ||
        last.askSize !== t.askSize
      ) {
        this.lastTouch.set(m.symbol, t);
        this.streams.onTouch(m, t, e.ts);
      }
    }
    if (e.type === 'trade') {
      const list = this.publicTrades.get(m.symbol) as Array<{
        id: number;
        p: number;
        q: number;
        ts: number;
        m: boolean;
      }>;
      const t = { id: this.nextPublicTrade++, p: e.price, q: e.size, ts: e.ts, m: e.side === 'sell' };
      list.push(t);
      if (list.length > 2000) list.splice(0, list.length - 1000);
      this.quoteVolume.set(m.symbol, (this.quoteVolume.get(m.symbol) ?? 0) + e.price * e.size);
      this.tradeCount.set(m.symbol, (this.tradeCount.get(m.symbol) ?? 0) + 1);
      this.streams.onTrade(m, t);
    }
  }

  private onFill(f: VenueFill): void {
    const m = this.bySymbol.get(f.fill.symbol);
    if (m === undefined) return;
    const order = this.core.exchange.getOrder(f.fill.orderId);
    const w = this.wireOf(order);
    w.cumQty += f.fill.quantity;
    w.cumQuote = w.cumQuote.plus(f.fill.price.times(f.fill.quantity).times(m.instrument.multiplier));
    const rec: TradeRecord = { vf: f, market: m, orderNumber: this.core.orderNumber(order.id) };
    const list = this.trades.get(f.fill.accountId);
    if (list) list.push(rec);
    else this.trades.set(f.fill.accountId, [rec]);
    this.streams.onFill(rec, order);
  }

  // ───────────────────────── REST plumbing ─────────────────────────

  /** Registers the REST routes (`/api/v3/*`, `/fapi/*`). */
  register(app: FastifyInstance): void {
    app.register(async (api) => {
      // Binance clients send signed POST/PUT/DELETE parameters as a form body; keep it raw for the signature.
      api.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string' },
        (req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
          req.binanceRaw = String(body);
          done(null, {});
        },
      );
      registerSpot(this, api);
      registerUsdm(this, api);
      api.all('/api/v3/*', async (_req, reply) => this.send(reply, reject.unknownRoute()));
      api.all('/fapi/*', async (_req, reply) => this.send(reply, reject.unknownRoute()));
    });
  }

  /** Sends a refusal as Binance does. */
  send(reply: FastifyReply, r: BinanceReject): FastifyReply {
    for (const [h, v] of Object.entries(r.headers)) reply.header(h, v);
    return reply.code(r.status).send(r.body);
  }

  /**
   * Adds a route: rate limit and ban, REST faults, then the API key and signature checks the
   * security asks for, then the handler (which throws {@link BinanceReject} to refuse).
   */
  route(
    api: FastifyInstance,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    security: Security,
    handler: (ctx: RouteContext) => unknown,
  ): void {
    const faultKey = path.replace(/^\/?(api\/)?/i, '').toLowerCase();
    api.route({
      method,
      url: path,
      handler: async (req, reply) => {
        try {
          this.admit(req.ip, reply);
          if ((await this.restFaults.apply(faultKey, reply)) === 'handled') return reply;
          const url = req.raw.url ?? '';
          const q = url.indexOf('?');
          const rawQuery = q < 0 ? '' : url.slice(q + 1);
          const rawBody = req.binanceRaw ?? '';
          const params: Params = {};
          for (const [k, v] of new URLSearchParams(rawQuery)) params[k] = v;
          for (const [k, v] of new URLSearchParams(rawBody)) params[k] = v;
          let key: BinanceKey | undefined;
          if (security !== 'none') {
            const header = req.headers['x-mbx-apikey'];
            const apiKey = Array.isArray(header) ? header[0] : header;
            if (apiKey === undefined || apiKey === '') throw reject.badApiKeyFormat();
            key = this.keyOf(apiKey);
            if (key === undefined) throw reject.unauthorized();
            if (security === 'signed') {
              const { payload, signature } = payloadWithoutSignature(rawQuery, rawBody);
              if (signature === undefined) throw reject.mandatory('signature');
              if (!signatureMatches(key.secret, payload, signature)) throw reject.signature();
              checkTimestamp(params, this.serverTimeMs());
            }
          }
          const out = await handler({ params, key, req, reply });
          if (reply.sent) return reply;
          return reply.code(200).send(out);
        } catch (err) {
          if (err instanceof BinanceReject) return this.send(reply, err);
          if (err instanceof TradeKitError) return this.send(reply, reject.unknown(err.message));
          throw err;
        }
      },
    });
  }

  /** Counts a request against the IP's limit; throws 429 / 418 with `Retry-After` when over. */
  private admit(ip: string, reply: FastifyReply): void {
    const limiter = this.limiter;
    if (limiter === undefined) return;
    const now = this.core.clock.now();
    const until = this.bannedUntil.get(ip);
    if (until !== undefined) {
      if (now < until) {
        this.refusals.banned++;
        throw reject.banned(Math.floor(until / 1000), Math.max(1, Math.ceil((until - now) / 1e6)));
      }
      this.bannedUntil.delete(ip);
      this.overLimit.delete(ip);
    }
    const d = limiter.take(ip);
    reply.header('x-mbx-used-weight-1m', String(limiter.limit.requests - d.remaining));
    if (d.allowed) {
      this.overLimit.delete(ip);
      return;
    }
    const over = (this.overLimit.get(ip) ?? 0) + 1;
    this.overLimit.set(ip, over);
    if (this.banAfter > 0 && over > this.banAfter) {
      const end = now + this.banUs;
      this.bannedUntil.set(ip, end);
      this.refusals.banned++;
      throw reject.banned(Math.floor(end / 1000), Math.max(1, Math.ceil(this.banUs / 1e6)));
    }
    this.refusals.limited++;
    throw reject.tooManyRequests(limiter.limit.requests, d.retryAfterS);
  }

  // ───────────────────────── streams ─────────────────────────

  /** Mounts the WebSocket endpoints on the venue's server. */
  mount(server: VenueServer): void {
    this.streams.mount(server);
  }

  /** Fault: expires every listenKey now (clients get `listenKeyExpired` and their stream closes). */
  expireListenKeys(): number {
    return this.streams.expireAll();
  }

  /** Fault: drops every Binance WebSocket connection (market, WS API and user streams). */
  disconnectStreams(): number {
    return this.streams.dropAll();
  }

  /** Stops listening to the core and closes the streams. */
  close(): void {
    this.unlisten();
    this.streams.close();
  }
}

function duration(field: string, v: number | string): number {
  try {
    const us = parseDuration(v);
    if (!(us > 0)) throw new Error('not positive');
    return us;
  } catch {
    throw invalidValue(CONFIG_INVALID, field, 'a duration > 0 like "1m" or µs', v);
  }
}
