/**
 * The ProjectX Gateway profile: REST under `/api/<Controller>/<action>` and the SignalR hubs
 * `/hubs/user` and `/hubs/market`, as a wire shape over the venue core.
 */
import {
  type AccountSnapshot,
  type Clock,
  Decimal,
  type Micros,
  type Order,
  type OrderRequest,
  type Position,
  TradeKitError,
  assertKnownKeys,
  describeValue,
  isOnGrid,
  isTerminalStatus,
  isoToMicros,
  parseDuration,
  priceToTicks,
} from '@tradekit/types';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Contract } from '../contracts.js';
import type { VenueAccount, VenueCore, VenueFill } from '../core.js';
import { CONFIG_INVALID } from '../errors.js';
import type { MarketView } from '../market-view.js';
import { RateLimiter } from '../rate-limit.js';
import type { HubConnection, HubEndpoint, Principal } from '../server.js';
import { FanOut } from './fanout.js';
import { type Session, TokenService, bearerToken } from './auth.js';
import {
  DomType,
  type OrderMeta,
  OrderType,
  PositionType,
  accountPayload,
  contractPayload,
  gatewayTime,
  orderPayload,
  positionPayload,
  quotePayload,
  tradePayload,
} from './payloads.js';
import { aggregateBars } from './bars.js';
import { RestFaults, type RestFaultRule } from '../rest-faults.js';

/** Options of the ProjectX profile (the wire details the reference leaves unconfirmed). */
export interface ProjectXOptions {
  /** User-hub events flat (as documented) or wrapped as `{ action, data }` (as some clients see). @default 'flat' */
  userEvents?: 'flat' | 'wrapped';
  /** `GatewayTrade` and `GatewayDepth` data as an array of entries or one object per event. @default 'array' */
  marketPayload?: 'array' | 'object';
  /**
   * Bracket `ticks`: `by-side` takes the magnitude and puts the stop-loss on the losing side and the
   * take-profit on the winning side; `signed` reads the sign as the direction from the entry
   * (negative = below) and refuses a leg on the wrong side. @default 'by-side'
   */
  bracketTicks?: 'by-side' | 'signed';
  /** How a position that goes flat is reported: a `size: 0` event, or nothing. @default 'size-zero' */
  flatPosition?: 'size-zero' | 'silent';
  /**
   * Resend the last quote to subscribers of a contract that had none for this long (venue clock),
   * so clients' stale-feed watchdogs stay quiet in a quiet market. 0 turns it off. @default '5s'
   */
  quoteHeartbeat?: number | string;
  /** Token lifetime on the venue clock. @default '24h' */
  tokenLifetime?: number | string;
  /** HS256 secret for tokens. @default random per venue */
  tokenSecret?: string;
  /**
   * Request limits (fixed windows on the venue clock, per user, per IP before login); `false` turns
   * them off. @default { requests: 200, window: '60s', bars: { requests: 50, window: '30s' } }
   */
  rateLimit?:
    | false
    | { requests?: number; window?: number | string; bars?: { requests?: number; window?: number | string } };
  /** Faults on chosen REST requests (reject, delay, drop, 5xx). */
  restFaults?: RestFaultRule[];
  /** A market-hub client with more than this many bytes unsent is cut (it reconnects). @default 8388608 */
  maxBufferedBytes?: number;
  /**
   * Market-hub sockets written per event-loop turn: a push to more subscribers than this continues
   * on the next turn (`setImmediate`), so REST and user-hub traffic is served in between. Order per
   * connection, delivery of every push and "a hub call completes after the pushes queued before
   * it" all hold. @default 256
   */
  fanoutSlice?: number;
  /**
   * Market-hub socket writes that may wait in the fan-out queue. On the real clock the source is
   * held while a quarter of this is queued; past it every connection still waiting is closed with a
   * SignalR Close (`VENUE_FANOUT_OVERLOAD`, reconnect allowed). @default 65536
   */
  maxPendingWrites?: number;
}

const PROJECTX_KEYS = [
  'userEvents',
  'marketPayload',
  'bracketTicks',
  'flatPosition',
  'quoteHeartbeat',
  'tokenLifetime',
  'tokenSecret',
  'rateLimit',
  'restFaults',
  'maxBufferedBytes',
  'fanoutSlice',
  'maxPendingWrites',
];

/** Valid keys of {@link ProjectXOptions}. */
export const PROJECTX_OPTION_KEYS: readonly string[] = PROJECTX_KEYS;

type Envelope = Record<string, unknown>;
function ok(payload: Envelope = {}): Envelope {
  return { ...payload, success: true, errorCode: 0, errorMessage: null };
}
function fail(code: number, message: string | null, payload: Envelope = {}): Envelope {
  return { ...payload, success: false, errorCode: code, errorMessage: message };
}

/** Request body JSON schemas; unknown fields are ignored as on the real gateway. */
const int = { type: 'integer' } as const;
const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;
const numOrNull = { type: ['number', 'null'] } as const;
const intOrNull = { type: ['integer', 'null'] } as const;
const bracket = {
  type: ['object', 'null'],
  required: ['ticks', 'type'],
  properties: { ticks: int, type: int },
} as const;
function body(required: string[], properties: Record<string, unknown>) {
  return { body: { type: 'object', required, properties } };
}
const accountOnly = body(['accountId'], { accountId: int });

interface Ctx {
  session: Session;
}
declare module 'fastify' {
  interface FastifyRequest {
    venueSession?: Session;
    /** A `lose-response` fault selected this request. */
    venueLoseResponse?: boolean;
  }
}

/** ProjectX per-connection subscriptions. */
interface UserSubs {
  accounts: boolean;
  orders: Set<number>;
  positions: Set<number>;
  trades: Set<number>;
}
interface MarketSubs {
  quotes: Set<string>;
  trades: Set<string>;
  depth: Set<string>;
}

/** The ProjectX profile over a venue core. */
export class ProjectXProfile {
  readonly tokens: TokenService;
  private readonly opts: Required<
    Omit<
      ProjectXOptions,
      'rateLimit' | 'tokenSecret' | 'restFaults' | 'maxBufferedBytes' | 'fanoutSlice' | 'maxPendingWrites'
    >
  >;
  private readonly general: RateLimiter | undefined;
  private readonly bars: RateLimiter | undefined;
  readonly restFaults: RestFaults;
  /** By the clientOrderId the venue gives each order (known before the exchange emits anything). */
  private readonly meta = new Map<string, OrderMeta>();
  private nextClientId = 1;
  private readonly customTags = new Map<number, Set<string>>();
  private readonly ocoMembers = new Map<string, string[]>();
  private readonly trades = new Map<number, Array<Record<string, unknown>>>();
  private readonly lastPositionType = new Map<string, number>();
  private readonly userSubs = new Map<HubConnection, UserSubs>();
  private readonly marketSubs = new Map<HubConnection, MarketSubs>();
  private readonly quoteIndex = new Map<string, Set<HubConnection>>();
  private readonly tradeIndex = new Map<string, Set<HubConnection>>();
  private readonly depthIndex = new Map<string, Set<HubConnection>>();
  private readonly lastQuoteSent = new Map<string, number>();
  private readonly seenOrders = new Set<string>();
  private readonly heartbeatUs: number;
  private heartbeat: ReturnType<Clock['setTimeout']> | undefined;
  /** Quote delivery switch per contract (the stale-quotes fault). */
  readonly staleContracts = new Set<string>();
  /** Counts of what the hubs pushed, by event name. */
  readonly pushed: Record<string, number> = {};
  /** The sliced, ordered market-hub fan-out (its counters: overloads, queue depth). */
  readonly fanout: FanOut;
  private readonly pacingLimit: number;
  private readonly unlisten: () => void;

  constructor(
    private readonly core: VenueCore,
    options: ProjectXOptions = {},
  ) {
    assertKnownKeys(options, PROJECTX_KEYS, { code: CONFIG_INVALID, where: 'projectx options' });
    const pick = <T extends string>(field: string, value: T | undefined, allowed: T[], dflt: T): T => {
      if (value === undefined) return dflt;
      if (!allowed.includes(value))
        throw new TradeKitError(
          CONFIG_INVALID,
          `Expected \`projectx.${field}\` to be ${allowed.map((a) => `"${a}"`).join(' or ')}, got ${JSON.stringify(value)}.`,
        );
      return value;
    };
    this.opts = {
      userEvents: pick('userEvents', options.userEvents, ['flat', 'wrapped'], 'flat'),
      marketPayload: pick('marketPayload', options.marketPayload, ['array', 'object'], 'array'),
      bracketTicks: pick('bracketTicks', options.bracketTicks, ['by-side', 'signed'], 'by-side'),
      flatPosition: pick('flatPosition', options.flatPosition, ['size-zero', 'silent'], 'size-zero'),
      quoteHeartbeat: options.quoteHeartbeat ?? '5s',
      tokenLifetime: options.tokenLifetime ?? '24h',
    };
    const dur = (field: string, v: number | string): number => {
      try {
        return parseDuration(v);
      } catch (err) {
        throw new TradeKitError(
          CONFIG_INVALID,
          `Expected \`projectx.${field}\` to be a duration like "5s", got ${JSON.stringify(v)}.`,
          {
            cause: err,
          },
        );
      }
    };
    this.heartbeatUs = dur('quoteHeartbeat', this.opts.quoteHeartbeat);
    const positive = (field: string, v: unknown, dflt: number): number => {
      if (v === undefined) return dflt;
      if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
      throw new TradeKitError(
        CONFIG_INVALID,
        `Expected \`projectx.${field}\` to be an integer > 0 (default ${dflt}), got ${describeValue(v)}.`,
        { details: { field: `projectx.${field}`, value: v } },
      );
    };
    const maxPendingWrites = positive('maxPendingWrites', options.maxPendingWrites, 65_536);
    this.fanout = new FanOut({
      maxBufferedBytes: positive('maxBufferedBytes', options.maxBufferedBytes, 8 * 1024 * 1024),
      slice: positive('fanoutSlice', options.fanoutSlice, 256),
      maxPendingWrites,
      pushed: this.pushed,
    });
    this.pacingLimit = Math.max(1, Math.floor(maxPendingWrites / 4));
    const lifetime = dur('tokenLifetime', this.opts.tokenLifetime);
    if (!(lifetime > 0)) throw new TradeKitError(CONFIG_INVALID, 'Expected `projectx.tokenLifetime` to be > 0.');
    this.tokens = new TokenService(core.clock, lifetime, options.tokenSecret);
    const rl = options.rateLimit;
    if (rl !== false) {
      const r = rl ?? {};
      this.general = new RateLimiter(core.clock, {
        requests: r.requests ?? 200,
        windowUs: dur('rateLimit.window', r.window ?? '60s'),
      });
      this.bars = new RateLimiter(core.clock, {
        requests: r.bars?.requests ?? 50,
        windowUs: dur('rateLimit.bars.window', r.bars?.window ?? '30s'),
      });
    }
    this.restFaults = new RestFaults(options.restFaults ?? [], core.clock, 'projectx.restFaults');
    this.unlisten = core.listen({
      market: (e, view, c) => this.onMarket(e, view, c),
      order: (o) => this.onOrder(o),
      fill: (f) => this.onFill(f),
      position: (p, id, opened) => this.onPosition(p, id, opened),
      account: (a, s) => this.onAccount(a, s),
      // The real-clock source waits while a quarter of maxPendingWrites is queued.
      backlog: () => this.fanout.below(this.pacingLimit),
    });
    if (this.heartbeatUs > 0) this.heartbeat = core.clock.setInterval(() => this.beat(), this.heartbeatUs);
  }

  /** Stops timers and listeners. */
  close(): void {
    this.unlisten();
    this.fanout.close();
    this.core.clock.clearTimeout(this.heartbeat);
  }

  // ───────────────────────── auth ─────────────────────────

  private async principal(token: string | undefined): Promise<Principal | undefined> {
    const check = await this.tokens.check(token);
    if (!check.ok) return undefined;
    return { identity: check.session, expiresAt: check.exp };
  }

  private owned(session: Session, accountId: unknown): VenueAccount | undefined {
    if (typeof accountId !== 'number' || !session.accountIds.has(accountId)) return undefined;
    return this.core.accounts.get(accountId);
  }

  // ───────────────────────── REST ─────────────────────────

  /** Registers the REST routes on a fastify instance (under `/api`). */
  register(app: FastifyInstance): void {
    const core = this.core;
    const publicRoutes = new Set([
      '/api/auth/loginkey',
      '/api/auth/loginapp',
      '/api/auth/validate',
      '/api/status/ping',
    ]);
    app.register(
      async (api) => {
        api.addHook('onRequest', async (req, reply) => {
          const path = (req.routeOptions.url ?? req.url).toLowerCase();
          let key = `ip:${req.ip}`;
          if (!publicRoutes.has(path)) {
            const check = await this.tokens.check(bearerToken(req.headers.authorization, req.url));
            if (!check.ok) {
              reply
                .code(401)
                .header('www-authenticate', `Bearer error="invalid_token", error_description="${check.reason}"`)
                .send();
              return reply;
            }
            req.venueSession = check.session;
            key = `user:${check.session.userName}`;
          }
          const limiter = path === '/api/history/retrievebars' ? this.bars : this.general;
          if (limiter !== undefined) {
            const d = limiter.take(key);
            reply.header('x-ratelimit-limit', limiter.limit.requests).header('x-ratelimit-remaining', d.remaining);
            if (!d.allowed) {
              reply
                .code(429)
                .header('retry-after', d.retryAfterS)
                .send({
                  type: 'https://tools.ietf.org/html/rfc6585#section-4',
                  title: 'Too Many Requests',
                  status: 429,
                  detail: `Rate limit of ${limiter.limit.requests} requests per ${limiter.limit.windowUs / 1e6} s reached; retry after ${d.retryAfterS} s.`,
                });
              return reply;
            }
          }
          const fault = await this.restFaults.apply(path.replace(/^\/api\//, ''), reply);
          if (fault === 'handled') return reply;
          if (fault === 'lose') req.venueLoseResponse = true;
        });
        // `lose-response`: the request was handled; its answer never leaves (the socket is destroyed).
        api.addHook('onSend', async (req, reply, payload) => {
          if (req.venueLoseResponse) reply.raw.socket?.destroy();
          return payload;
        });

        const post = (
          url: string,
          schema: object | undefined,
          handler: (
            b: Record<string, unknown>,
            s: Session,
            req: FastifyRequest,
            reply: FastifyReply,
          ) => Envelope | Promise<Envelope | undefined> | undefined,
        ) => {
          api.post(url, schema ? { schema } : {}, async (req, reply) => {
            const result = await handler(
              (req.body ?? {}) as Record<string, unknown>,
              req.venueSession as Session,
              req,
              reply,
            );
            if (result !== undefined && !reply.sent) return result;
            return reply;
          });
        };

        // Auth
        post('/Auth/loginKey', body(['userName', 'apiKey'], { userName: str, apiKey: str }), async (b) =>
          this.login(String(b.userName), String(b.apiKey)),
        );
        post(
          '/Auth/loginApp',
          body(['userName', 'password', 'deviceId', 'appId', 'verifyKey'], {
            userName: str,
            password: str,
            deviceId: str,
            appId: str,
            verifyKey: str,
          }),
          async (b) => this.login(String(b.userName), String(b.password)),
        );
        post('/Auth/validate', undefined, async (_b, _s, req, reply) => {
          const check = await this.tokens.check(bearerToken(req.headers.authorization, req.url));
          if (check.ok) return ok({ newToken: await this.tokens.issue(check.session) });
          if (check.reason === 'expired')
            return fail(3, 'The session token expired; log in again.', { newToken: null });
          reply.code(401).send();
          return undefined;
        });
        post('/Auth/logout', undefined, (_b, s) => {
          this.tokens.logout(s);
          for (const c of [...this.userSubs.keys(), ...this.marketSubs.keys()])
            if (c.principal.identity === s) c.signalr.close({ error: 'Logged out.', allowReconnect: false });
          return ok();
        });
        api.get('/Status/ping', async (_req, reply) => reply.type('text/plain').send('pong'));

        // Accounts
        post('/Account/search', body(['onlyActiveAccounts'], { onlyActiveAccounts: bool }), (b, s) => {
          const accounts = [...s.accountIds]
            .map((id) => core.accounts.get(id) as VenueAccount)
            .filter((a) => !b.onlyActiveAccounts || a.canTrade)
            .map((a) => accountPayload(a, core.exchange.getAccount(a.exchangeId)));
          return ok({ accounts });
        });

        // Contracts
        post(
          '/Contract/search',
          body(['searchText'], { searchText: { type: ['string', 'null'] }, live: bool }),
          (b) => {
            const text = String(b.searchText ?? '').toLowerCase();
            const contracts = core.contracts
              .filter(
                (c) =>
                  text === '' ||
                  [c.name, c.symbol, c.symbolId, c.description, c.contractId].some((x) =>
                    x.toLowerCase().includes(text),
                  ),
              )
              .slice(0, 20)
              .map(contractPayload);
            return ok({ contracts });
          },
        );
        post('/Contract/searchById', body(['contractId'], { contractId: str }), (b) => {
          const c = core.contractById(String(b.contractId));
          if (!c) return fail(1, `Contract ${b.contractId} not found.`, { contract: null, contracts: [] });
          const p = contractPayload(c);
          // 2026 docs: `contract`; 2025 docs: `contracts: [..]`. Both, so old and new clients work.
          return ok({ contract: p, contracts: [p] });
        });
        post('/Contract/available', body([], { live: bool }), () =>
          ok({ contracts: core.contracts.filter((c) => c.activeContract).map(contractPayload) }),
        );

        // History
        post(
          '/History/retrieveBars',
          body(['contractId', 'startTime', 'endTime', 'unit', 'unitNumber', 'limit'], {
            contractId: { type: ['string', 'integer'] },
            live: bool,
            startTime: str,
            endTime: str,
            unit: int,
            unitNumber: int,
            limit: int,
            includePartialBar: bool,
          }),
          (b, _s, _req, reply) => {
            const c = core.contractById(String(b.contractId));
            if (!c) return fail(1, `Contract ${b.contractId} not found.`, { bars: [] });
            const unit = b.unit as number;
            if (!(unit >= 1 && unit <= 6))
              return fail(2, `Unit ${unit} is not supported; use 1 (Second) to 6 (Month).`, { bars: [] });
            const n = b.unitNumber as number;
            if (!(n >= 1)) return fail(3, 'unitNumber must be ≥ 1.', { bars: [] });
            const limit = b.limit as number;
            if (!(limit >= 1 && limit <= 20_000)) return fail(4, 'limit must be from 1 to 20000.', { bars: [] });
            const from = parseTime(b.startTime);
            const to = parseTime(b.endTime);
            if (from === undefined || to === undefined) {
              badRequest(reply, 'startTime and endTime must be ISO-8601 date-times, e.g. "2025-01-02T14:30:00Z".');
              return undefined;
            }
            const bars = aggregateBars(
              core.view(c.symbol),
              from,
              to,
              unit,
              n,
              core.clock.now(),
              b.includePartialBar === true,
            );
            return ok({ bars: bars.slice(0, limit) });
          },
        );

        // Orders
        post(
          '/Order/place',
          body(['accountId', 'contractId', 'type', 'side', 'size'], {
            accountId: int,
            contractId: str,
            type: int,
            side: int,
            size: int,
            limitPrice: numOrNull,
            stopPrice: numOrNull,
            trailPrice: numOrNull,
            customTag: { type: ['string', 'null'], maxLength: 256 },
            stopLossBracket: bracket,
            takeProfitBracket: bracket,
            linkedOrderId: intOrNull,
          }),
          (b, s) => this.place(b, s),
        );
        post(
          '/Order/modify',
          body(['accountId', 'orderId'], {
            accountId: int,
            orderId: int,
            size: intOrNull,
            limitPrice: numOrNull,
            stopPrice: numOrNull,
            trailPrice: numOrNull,
          }),
          (b, s) => this.modify(b, s),
        );
        post('/Order/cancel', body(['accountId', 'orderId'], { accountId: int, orderId: int }), (b, s) => {
          const a = this.owned(s, b.accountId);
          if (!a) return fail(1, `Account ${b.accountId} not found.`);
          const o = this.findOrder(a, b.orderId as number);
          if (!o) return fail(2, `Order ${b.orderId} not found.`);
          if (!core.exchange.cancelOrder(o.id))
            return fail(3, `Order ${b.orderId} is ${o.status} and cannot be cancelled.`);
          return ok();
        });
        post(
          '/Order/search',
          body(['accountId', 'startTimestamp'], {
            accountId: int,
            startTimestamp: str,
            endTimestamp: { type: ['string', 'null'] },
          }),
          (b, s, _req, reply) => {
            const a = this.owned(s, b.accountId);
            if (!a) return fail(1, `Account ${b.accountId} not found.`, { orders: [] });
            const from = parseTime(b.startTimestamp);
            const to = b.endTimestamp == null ? Number.POSITIVE_INFINITY : parseTime(b.endTimestamp);
            if (from === undefined || to === undefined) {
              badRequest(reply, 'startTimestamp and endTimestamp must be ISO-8601 date-times.');
              return undefined;
            }
            const orders = core.exchange
              .getOrders({ accountId: a.exchangeId })
              .filter((o) => o.createdAt >= from && o.createdAt <= to)
              .map((o) => this.orderView(o));
            return ok({ orders });
          },
        );
        post('/Order/searchOpen', accountOnly, (b, s) => {
          const a = this.owned(s, b.accountId);
          if (!a) return fail(1, `Account ${b.accountId} not found.`, { orders: [] });
          // Bracket children waiting for their entry (Suspended) are left out, as in the Swagger spec.
          const orders = core.exchange
            .getOrders({ accountId: a.exchangeId, open: true })
            .filter((o) => o.status !== 'inactive')
            .map((o) => this.orderView(o));
          return ok({ orders });
        });
        post('/Order/searchById', body(['accountId', 'orderId'], { accountId: int, orderId: int }), (b, s) => {
          const a = this.owned(s, b.accountId);
          const o = a ? this.findOrder(a, b.orderId as number) : undefined;
          if (!o) return fail(1, `Order ${b.orderId} not found.`, { order: null });
          return ok({ order: this.orderView(o) });
        });

        // Positions
        post('/Position/searchOpen', accountOnly, (b, s) => {
          const a = this.owned(s, b.accountId);
          if (!a) return fail(1, `Account ${b.accountId} not found.`, { positions: [] });
          const positions = core.exchange
            .getAccount(a.exchangeId)
            .positions.filter((p) => p.quantity !== 0)
            .map((p) => {
              const info = core.positionInfo(a.exchangeId, p.symbol);
              return positionPayload(core, p, info?.id ?? 0, info?.opened ?? core.clock.now(), 0);
            });
          return ok({ positions });
        });
        post(
          '/Position/closeContract',
          body(['accountId', 'contractId'], { accountId: int, contractId: str }),
          (b, s) => this.closePosition(b, s, undefined),
        );
        post(
          '/Position/partialCloseContract',
          body(['accountId', 'contractId', 'size'], { accountId: int, contractId: str, size: int }),
          (b, s) => this.closePosition(b, s, b.size as number),
        );

        // Trades
        post(
          '/Trade/search',
          body(['accountId'], {
            accountId: int,
            startTimestamp: { type: ['string', 'null'] },
            endTimestamp: { type: ['string', 'null'] },
          }),
          (b, s, _req, reply) => {
            const a = this.owned(s, b.accountId);
            if (!a) return fail(1, `Account ${b.accountId} not found.`, { trades: [] });
            const from = b.startTimestamp == null ? Number.NEGATIVE_INFINITY : parseTime(b.startTimestamp);
            const to = b.endTimestamp == null ? Number.POSITIVE_INFINITY : parseTime(b.endTimestamp);
            if (from === undefined || to === undefined) {
              badRequest(reply, 'startTimestamp and endTimestamp must be ISO-8601 date-times.');
              return undefined;
            }
            const trades = (this.trades.get(a.id) ?? []).filter((t) => {
              const ts = t._ts as number;
              return ts >= from && ts <= to;
            });
            return ok({ trades: trades.map(({ _ts, ...t }) => t) });
          },
        );
      },
      { prefix: '/api' },
    );
  }

  private async login(userName: string, apiKey: string): Promise<Envelope> {
    const accounts = [...this.core.accounts.values()];
    const owner = accounts.find((a) => a.userName === userName);
    if (owner === undefined || owner.apiKey !== apiKey) return fail(3, 'Invalid credentials.', { token: null });
    return ok({ token: await this.tokens.login(userName, accounts) });
  }

  private findOrder(a: VenueAccount, orderNumber: number): Order | undefined {
    const id = this.core.orderIdOf(orderNumber);
    if (id === undefined) return undefined;
    try {
      const o = this.core.exchange.getOrder(id);
      return o.accountId === a.exchangeId ? o : undefined;
    } catch {
      return undefined;
    }
  }

  private orderView(o: Order): Record<string, unknown> {
    const links: { parent?: number; linked?: number } = {};
    if (o.parentId !== undefined) links.parent = this.core.orderNumber(o.parentId);
    if (o.ocoGroup !== undefined) {
      const other = (this.ocoMembers.get(o.ocoGroup) ?? []).find((id) => id !== o.id);
      if (other !== undefined) links.linked = this.core.orderNumber(other);
    }
    return orderPayload(this.core, o, this.meta.get(o.parentId === undefined ? o.clientOrderId : ''), links);
  }

  private place(b: Record<string, unknown>, s: Session): Envelope {
    const core = this.core;
    const a = this.owned(s, b.accountId);
    if (!a) return fail(1, `Account ${b.accountId} not found.`, { orderId: null });
    if (!a.canTrade) return fail(10, `Account ${a.id} cannot trade.`, { orderId: null });
    const c = core.contractById(String(b.contractId));
    if (!c) return fail(8, `Contract ${b.contractId} not found.`, { orderId: null });
    if (!c.activeContract) return fail(9, `Contract ${c.contractId} is not active.`, { orderId: null });
    const reject = (message: string) => fail(2, message, { orderId: null });
    const side = b.side === 0 ? 'buy' : b.side === 1 ? 'sell' : undefined;
    if (side === undefined) return reject(`Invalid side ${b.side}: use 0 (Bid, buy) or 1 (Ask, sell).`);
    const size = b.size as number;
    if (!(size >= 1)) return reject(`Invalid size ${size}: must be ≥ 1.`);
    const tag = typeof b.customTag === 'string' && b.customTag !== '' ? b.customTag : null;
    if (tag !== null && this.customTags.get(a.id)?.has(tag))
      return reject(`customTag "${tag}" is already used on this account.`);
    const type = b.type as number;
    const view = core.view(c.symbol);
    const inst = c.instrument;
    const req: OrderRequest = { symbol: c.symbol, side, quantity: size, type: 'market', accountId: a.exchangeId };
    const meta: OrderMeta = { type, customTag: tag };
    const price = (field: 'limitPrice' | 'stopPrice'): number | undefined =>
      typeof b[field] === 'number' ? (b[field] as number) : undefined;
    switch (type) {
      case OrderType.Market:
        break;
      case OrderType.Limit: {
        const p = price('limitPrice');
        if (p === undefined) return reject('A limit order needs limitPrice.');
        Object.assign(req, { type: 'limit', price: p });
        break;
      }
      case OrderType.Stop: {
        const p = price('stopPrice');
        if (p === undefined) return reject('A stop order needs stopPrice.');
        Object.assign(req, { type: 'stop', stopPrice: p });
        break;
      }
      case OrderType.StopLimit: {
        const p = price('limitPrice');
        const sp = price('stopPrice');
        if (p === undefined || sp === undefined) return reject('A stop-limit order needs limitPrice and stopPrice.');
        Object.assign(req, { type: 'stop_limit', price: p, stopPrice: sp });
        break;
      }
      case OrderType.TrailingStop: {
        const tp = typeof b.trailPrice === 'number' ? b.trailPrice : undefined;
        if (tp === undefined) return reject('Trail price is not set.');
        if (!isOnGrid(inst, tp)) return reject(`Trail price ${tp} is not aligned to the tick size ${inst.tickSize}.`);
        const lastPrice = Number.isFinite(view.last) ? view.last : Number.NaN;
        if (Number.isNaN(lastPrice)) return reject('No last price to trail from.');
        const ticks = Math.floor(Math.abs(priceToTicks(inst, lastPrice) - priceToTicks(inst, tp)));
        if (ticks > 1000) return reject(`Trail distance of ${ticks} ticks exceeds the 1000-tick maximum.`);
        if (ticks < 1) return reject('Trail price must be at least one tick from the last price.');
        Object.assign(req, { type: 'trailing_stop', trailingOffset: { ticks } });
        meta.trailDistance = ticks * inst.tickSize;
        break;
      }
      case OrderType.JoinBid:
      case OrderType.JoinAsk: {
        const p = type === OrderType.JoinBid ? view.bid : view.ask;
        if (!Number.isFinite(p)) return reject('No quote to join.');
        Object.assign(req, { type: 'limit', price: p });
        break;
      }
      default:
        return reject(
          `Invalid order type ${type}: use 1 Limit, 2 Market, 3 StopLimit, 4 Stop, 5 TrailingStop, 6 JoinBid or 7 JoinAsk.`,
        );
    }
    const sl = b.stopLossBracket as { ticks: number; type: number } | null | undefined;
    const tpB = b.takeProfitBracket as { ticks: number; type: number } | null | undefined;
    if (sl || tpB) {
      const dir = side === 'buy' ? 1 : -1;
      const bracketSpec: NonNullable<OrderRequest['bracket']> = {};
      if (sl) {
        if (sl.type !== OrderType.Stop)
          return reject(`stopLossBracket.type ${sl.type} is not supported; use 4 (Stop).`);
        const t = this.legTicks(sl.ticks, -dir);
        if (typeof t === 'string') return reject(`stopLossBracket: ${t}`);
        bracketSpec.stopLoss = { ticks: t };
      }
      if (tpB) {
        if (tpB.type !== OrderType.Limit)
          return reject(`takeProfitBracket.type ${tpB.type} is not supported; use 1 (Limit).`);
        const t = this.legTicks(tpB.ticks, dir);
        if (typeof t === 'string') return reject(`takeProfitBracket: ${t}`);
        bracketSpec.takeProfit = { ticks: t };
      }
      req.bracket = bracketSpec;
    }
    // Events go out while placeOrder runs (no latency): the meta must be there first.
    req.clientOrderId = `projectx:${this.nextClientId++}`;
    this.meta.set(req.clientOrderId, meta);
    const placed = core.exchange.placeOrder(req);
    if (tag !== null) {
      let tags = this.customTags.get(a.id);
      if (!tags) {
        tags = new Set();
        this.customTags.set(a.id, tags);
      }
      tags.add(tag);
    }
    const orderId = core.orderNumber(placed.id);
    if (placed.status === 'rejected') {
      const code =
        placed.rejectReason === 'ORDER_INSUFFICIENT_BUYING_POWER'
          ? 3
          : placed.rejectReason === 'ORDER_MARKET_CLOSED'
            ? 5
            : 2;
      return fail(code, placed.rejectMessage ?? 'Order rejected.', { orderId });
    }
    return ok({ orderId });
  }

  /** Bracket ticks as a positive offset, or an error message. `want` is the side the leg must sit on. */
  private legTicks(ticks: number, want: number): number | string {
    if (!Number.isInteger(ticks) || ticks === 0) return `ticks must be a non-zero integer, got ${ticks}.`;
    if (this.opts.bracketTicks === 'by-side') return Math.abs(ticks);
    if (Math.sign(ticks) !== want)
      return `ticks ${ticks} puts the leg on the wrong side of the entry (signed ticks: negative = below the entry).`;
    return Math.abs(ticks);
  }

  private modify(b: Record<string, unknown>, s: Session): Envelope {
    const core = this.core;
    const a = this.owned(s, b.accountId);
    if (!a) return fail(1, `Account ${b.accountId} not found.`);
    const o = this.findOrder(a, b.orderId as number);
    if (!o) return fail(2, `Order ${b.orderId} not found.`);
    const inst = (core.contractOfSymbol(o.symbol) as Contract).instrument;
    const changes: { price?: number; stopPrice?: number; quantity?: number } = {};
    if (typeof b.size === 'number') changes.quantity = b.size;
    if (typeof b.limitPrice === 'number') changes.price = b.limitPrice;
    if (typeof b.stopPrice === 'number') changes.stopPrice = b.stopPrice;
    if (typeof b.trailPrice === 'number')
      return fail(3, 'Changing a trailing distance is not supported by this venue.');
    for (const [k, v] of Object.entries(changes)) {
      if (k !== 'quantity' && !isOnGrid(inst, v))
        return fail(3, `${k === 'price' ? 'limitPrice' : k} ${v} is not aligned to the tick size ${inst.tickSize}.`);
    }
    if (changes.quantity !== undefined && !(changes.quantity >= 1)) return fail(3, `Invalid size ${changes.quantity}.`);
    if (Object.keys(changes).length === 0) return ok();
    if (isTerminalStatus(o.status) || o.status === 'inactive')
      return fail(
        3,
        `Order ${b.orderId} is ${o.status === 'inactive' ? 'suspended (a bracket leg waiting for its entry)' : o.status} and cannot be modified.`,
      );
    try {
      const after = core.exchange.modifyOrder(o.id, changes);
      if (after.rejectReason !== undefined && after.rejectMessage?.startsWith('Modify refused'))
        return fail(3, after.rejectMessage);
    } catch (err) {
      return fail(3, (err as Error).message);
    }
    return ok();
  }

  private closePosition(b: Record<string, unknown>, s: Session, size: number | undefined): Envelope {
    const core = this.core;
    const partial = size !== undefined;
    const a = this.owned(s, b.accountId);
    if (!a) return fail(1, `Account ${b.accountId} not found.`);
    const c = core.contractById(String(b.contractId));
    if (!c) return fail(3, `Contract ${b.contractId} not found.`);
    const qty = core.exchange.getPosition(a.exchangeId, c.symbol).quantity;
    if (qty === 0) return fail(2, `No open position in ${c.contractId}.`);
    if (partial && !(Number.isInteger(size) && size > 0 && size <= Math.abs(qty)))
      return fail(5, `Invalid close size ${size}: must be from 1 to ${Math.abs(qty)}.`);
    const clientOrderId = `projectx:${this.nextClientId++}`;
    this.meta.set(clientOrderId, { type: OrderType.Market, customTag: null });
    const placed = core.exchange.placeOrder({
      symbol: c.symbol,
      side: qty > 0 ? 'sell' : 'buy',
      type: 'market',
      quantity: partial ? size : Math.abs(qty),
      reduceOnly: true,
      accountId: a.exchangeId,
      clientOrderId,
    });
    if (placed.status === 'rejected') return fail(partial ? 6 : 5, null);
    return ok();
  }

  // ───────────────────────── hubs ─────────────────────────

  /** The user hub endpoint. */
  userHub(): HubEndpoint {
    const methods = new Map<string, (args: unknown[], conn: HubConnection) => unknown>();
    const subs = (conn: HubConnection): UserSubs => {
      let s = this.userSubs.get(conn);
      if (!s) {
        s = { accounts: false, orders: new Set(), positions: new Set(), trades: new Set() };
        this.userSubs.set(conn, s);
      }
      return s;
    };
    const account = (conn: HubConnection, args: unknown[], optional: boolean): number | undefined => {
      const id = args[0];
      if (optional && id === undefined) return undefined;
      const session = conn.principal.identity as Session;
      if (typeof id !== 'number' || !session.accountIds.has(id))
        throw new Error(`Account ${JSON.stringify(id)} not found.`);
      return id;
    };
    methods.set('subscribeaccounts', (_args, conn) => {
      subs(conn).accounts = true;
    });
    methods.set('unsubscribeaccounts', (args, conn) => {
      // project-x-py passes [accountId]; the docs pass nothing: both unsubscribe.
      account(conn, args, true);
      subs(conn).accounts = false;
    });
    for (const kind of ['orders', 'positions', 'trades'] as const) {
      const cap = kind[0]?.toUpperCase() + kind.slice(1);
      methods.set(`subscribe${kind}`, (args, conn) => {
        subs(conn)[kind].add(account(conn, args, false) as number);
      });
      methods.set(`unsubscribe${kind}`, (args, conn) => {
        subs(conn)[kind].delete(account(conn, args, false) as number);
      });
      void cap;
    }
    return {
      authorize: (t) => this.principal(t),
      methods,
      disconnected: (conn) => this.userSubs.delete(conn),
    };
  }

  /** The market hub endpoint. */
  marketHub(): HubEndpoint {
    const methods = new Map<string, (args: unknown[], conn: HubConnection) => unknown>();
    const subs = (conn: HubConnection): MarketSubs => {
      let s = this.marketSubs.get(conn);
      if (!s) {
        s = { quotes: new Set(), trades: new Set(), depth: new Set() };
        this.marketSubs.set(conn, s);
      }
      return s;
    };
    const contract = (args: unknown[]): Contract => {
      const c = typeof args[0] === 'string' ? this.core.contractById(args[0]) : undefined;
      if (!c) throw new Error(`Contract ${JSON.stringify(args[0])} not found.`);
      return c;
    };
    const table = [
      ['contractquotes', 'quotes', this.quoteIndex],
      ['contracttrades', 'trades', this.tradeIndex],
      ['contractmarketdepth', 'depth', this.depthIndex],
    ] as const;
    for (const [name, kind, index] of table) {
      methods.set(`subscribe${name}`, (args, conn) => {
        const c = contract(args);
        subs(conn)[kind].add(c.contractId);
        let set = index.get(c.contractId);
        if (!set) {
          set = new Set();
          index.set(c.contractId, set);
        }
        set.add(conn);
        if (kind === 'quotes') {
          const v = this.core.view(c.symbol);
          // The current quote right after the completion, so a new subscriber need not wait for a change.
          if (Number.isFinite(v.bid) || Number.isFinite(v.last))
            queueMicrotask(() =>
              this.send(conn, 'GatewayQuote', c.contractId, quotePayload(c, v, this.core.clock.now())),
            );
        }
      });
      methods.set(`unsubscribe${name}`, (args, conn) => {
        const c = contract(args);
        subs(conn)[kind].delete(c.contractId);
        index.get(c.contractId)?.delete(conn);
      });
    }
    return {
      authorize: (t) => this.principal(t),
      methods,
      // A call's completion goes out after the pushes queued before it (clients use one as a barrier).
      barrier: () => this.fanout.barrier(),
      disconnected: (conn) => {
        const s = this.marketSubs.get(conn);
        this.marketSubs.delete(conn);
        if (!s) return;
        for (const id of s.quotes) this.quoteIndex.get(id)?.delete(conn);
        for (const id of s.trades) this.tradeIndex.get(id)?.delete(conn);
        for (const id of s.depth) this.depthIndex.get(id)?.delete(conn);
      },
    };
  }

  /**
   * Market-hub events go to every subscriber as one pre-built frame written straight to the
   * sockets when the venue has no fault script (`false`: through `ws.send` per socket, as before;
   * the load bench compares both). @default true
   */
  get sharedFrames(): boolean {
    return this.fanout.sharedFrames;
  }
  set sharedFrames(on: boolean) {
    this.fanout.sharedFrames = on;
  }

  /** Hub connections cut because they did not read (more than `maxBufferedBytes` waiting). */
  get slowConsumersCut(): number {
    return this.fanout.slowConsumersCut;
  }

  private send(conn: HubConnection, target: string, ...args: unknown[]): void {
    if (!conn.signalr.isOpen) return;
    // A market-hub connection may have pushes waiting in the fan-out: this goes behind them.
    if (this.marketSubs.has(conn)) {
      this.fanout.one(conn, target, args);
      return;
    }
    conn.signalr.invoke(target, ...args);
    this.pushed[target] = (this.pushed[target] ?? 0) + 1;
  }

  private sendAll(set: Set<HubConnection> | undefined, target: string, ...args: unknown[]): void {
    if (set === undefined || set.size === 0) return;
    // One encoding per event, to bytes once, shared by every subscriber, written a slice of
    // sockets per turn (see FanOut).
    this.fanout.all(set, target, args);
  }

  private userEvent(
    accountId: number,
    kind: 'accounts' | 'orders' | 'positions' | 'trades',
    target: string,
    data: unknown,
    action: number,
  ): void {
    const payload = this.opts.userEvents === 'wrapped' ? { action, data } : data;
    for (const [conn, s] of this.userSubs) {
      const hit =
        kind === 'accounts'
          ? s.accounts && (conn.principal.identity as Session).accountIds.has(accountId)
          : s[kind].has(accountId);
      if (hit) this.send(conn, target, payload);
    }
  }

  private onMarket(e: import('@tradekit/types').MarketEvent, view: MarketView, c: Contract): void {
    const id = c.contractId;
    const now = this.core.clock.now();
    const many = this.opts.marketPayload === 'array';
    const stale = this.staleContracts.has(id);
    switch (e.type) {
      case 'quote': {
        if (!stale) this.quote(c, view, e.ts);
        const depth = this.depthIndex.get(id);
        if (depth && depth.size > 0) {
          const t = gatewayTime(e.ts);
          const entries = [
            { timestamp: t, type: DomType.BestBid, price: e.bid, volume: e.bidSize, currentVolume: e.bidSize },
            { timestamp: t, type: DomType.BestAsk, price: e.ask, volume: e.askSize, currentVolume: e.askSize },
          ];
          this.depth(depth, id, entries, many);
        }
        return;
      }
      case 'trade': {
        const trades = this.tradeIndex.get(id);
        if (trades && trades.size > 0) {
          const data = {
            symbolId: c.symbolId,
            price: e.price,
            timestamp: gatewayTime(e.ts),
            type: e.side === 'sell' ? 1 : 0,
            volume: e.size,
          };
          this.sendAll(trades, 'GatewayTrade', id, many ? [data] : data);
        }
        if (!stale) this.quote(c, view, e.ts);
        return;
      }
      case 'book_snapshot':
      case 'book_delta': {
        const depth = this.depthIndex.get(id);
        if (depth && depth.size > 0) {
          const t = gatewayTime(e.ts);
          const entries: Record<string, unknown>[] = [];
          if (e.type === 'book_snapshot')
            entries.push({ timestamp: t, type: DomType.Reset, price: 0, volume: 0, currentVolume: 0 });
          for (const l of e.bids)
            entries.push({ timestamp: t, type: DomType.Bid, price: l.price, volume: l.size, currentVolume: l.size });
          for (const l of e.asks)
            entries.push({ timestamp: t, type: DomType.Ask, price: l.price, volume: l.size, currentVolume: l.size });
          this.depth(depth, id, entries, many);
        }
        if (!stale) this.quote(c, view, e.ts);
        return;
      }
      case 'bar':
        if (!stale) this.quote(c, view, e.ts);
        return;
      default:
        void now;
    }
  }

  private depth(set: Set<HubConnection>, id: string, entries: Record<string, unknown>[], many: boolean): void {
    if (many) this.sendAll(set, 'GatewayDepth', id, entries);
    else for (const d of entries) this.sendAll(set, 'GatewayDepth', id, d);
  }

  private quote(c: Contract, view: MarketView, ts: Micros): void {
    const set = this.quoteIndex.get(c.contractId);
    if (!set || set.size === 0) return;
    this.lastQuoteSent.set(c.contractId, this.core.clock.now());
    this.sendAll(set, 'GatewayQuote', c.contractId, quotePayload(c, view, ts));
  }

  /** Keeps quiet markets talking: the last quote again after `quoteHeartbeat` without one. */
  private beat(): void {
    const now = this.core.clock.now();
    for (const [id, set] of this.quoteIndex) {
      if (set.size === 0 || this.staleContracts.has(id)) continue;
      const last = this.lastQuoteSent.get(id) ?? Number.NEGATIVE_INFINITY;
      if (now - last < this.heartbeatUs) continue;
      const c = this.core.contractById(id) as Contract;
      const v = this.core.view(c.symbol);
      if (!Number.isFinite(v.bid) && !Number.isFinite(v.last)) continue;
      this.quote(c, v, now);
    }
  }

  private onOrder(o: Order): void {
    if (o.ocoGroup !== undefined) {
      const list = this.ocoMembers.get(o.ocoGroup) ?? [];
      if (!list.includes(o.id)) {
        list.push(o.id);
        this.ocoMembers.set(o.ocoGroup, list);
      }
    }
    const first = !this.seenOrders.has(o.id);
    if (first) this.seenOrders.add(o.id);
    if (isTerminalStatus(o.status)) this.seenOrders.delete(o.id);
    const acct = this.core.accountOf(o.accountId);
    if (!acct) return;
    this.userEvent(acct.id, 'orders', 'GatewayUserOrder', this.orderView(o), first ? 0 : 1);
  }

  private onFill(f: VenueFill): void {
    const acct = this.core.accountOf(f.fill.accountId);
    if (!acct) return;
    const t = tradePayload(this.core, f);
    let list = this.trades.get(acct.id);
    if (!list) {
      list = [];
      this.trades.set(acct.id, list);
    }
    list.push({ ...t, _ts: f.fill.ts });
    this.userEvent(acct.id, 'trades', 'GatewayUserTrade', t, 0);
  }

  private onPosition(p: Position, positionId: number, opened: Micros): void {
    const acct = this.core.accountOf(p.accountId);
    if (!acct) return;
    const key = `${p.accountId}|${p.symbol}`;
    const lastType = this.lastPositionType.get(key) ?? PositionType.Undefined;
    if (p.quantity === 0 && this.opts.flatPosition === 'silent') return;
    if (p.quantity !== 0) this.lastPositionType.set(key, p.quantity > 0 ? PositionType.Long : PositionType.Short);
    this.userEvent(
      acct.id,
      'positions',
      'GatewayUserPosition',
      positionPayload(this.core, p, positionId, opened, lastType),
      p.quantity === 0 ? 2 : 1,
    );
  }

  private onAccount(a: VenueAccount, s: AccountSnapshot): void {
    this.userEvent(a.id, 'accounts', 'GatewayUserAccount', accountPayload(a, s), 1);
  }
}

function parseTime(v: unknown): Micros | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    const t = isoToMicros(v);
    return Number.isFinite(t) ? t : undefined;
  } catch {
    return undefined;
  }
}

function badRequest(reply: FastifyReply, detail: string): void {
  reply.code(400).send({
    type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
    title: 'One or more validation errors occurred.',
    status: 400,
    detail,
  });
}

export { Decimal };
export type { Ctx };
