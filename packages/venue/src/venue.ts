/**
 * `createVenue`: the simulated exchange behind real network interfaces on loopback, one HTTP
 * server for every profile, on a virtual clock the test steps (or a real clock that paces the
 * source).
 */
import type { ExchangeOptions } from '@tradekit/order-sim';
import {
  type Clock,
  type MarketEventSource,
  type Micros,
  TradeKitError,
  assertKnownKeys,
  invalidValue,
  isVirtualClock,
  microsToIso,
  toMicros,
} from '@tradekit/types';
import type { FaultRule, FaultScript } from '@tradekit/ws-tester';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { type Contract, type VenueInstrumentSpec, defineContracts } from './contracts.js';
import { type VenueAccountSpec, VenueCore, makeClock } from './core.js';
import { CONFIG_INVALID, CONTROL_INVALID, LISTEN_FAILED } from './errors.js';
import { type JsonProfileOptions, JsonProfile } from './json/profile.js';
import { type ProjectXOptions, ProjectXProfile } from './projectx/profile.js';
import { VenueServer } from './server.js';

/** Options of {@link createVenue}. */
export interface VenueOptions {
  /** Listed instruments with their gateway names (contract id, symbol id…). */
  instruments: VenueInstrumentSpec[];
  /** Market events: an array, a market-sim market, a replay source; none for a market fed by hand. */
  source?: MarketEventSource;
  /** order-sim `Exchange` options (latency, fees, queue model, fill policy, seed…). */
  exchange?: Omit<ExchangeOptions, 'clock' | 'instruments' | 'accounts'>;
  /** Accounts and the API users who own them. @default [{ id: 1, userName: 'trader', apiKey: 'sim-key' }] */
  accounts?: VenueAccountSpec[];
  /**
   * `virtual` (tests step time with {@link Venue.advance} / {@link Venue.runUntil} or the control
   * endpoint), `real` (the source is paced to wall time), or your own Clock. @default 'virtual'
   */
  clock?: 'virtual' | 'real' | Clock;
  /** Virtual clock start (epoch µs or ISO). @default the first source event's time, else 0 */
  start?: Micros | string;
  /** Real clock: source speed-up (2 = twice as fast as its timestamps). @default 1 */
  speed?: number;
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to bind. @default '127.0.0.1' */
  host?: string;
  /** ProjectX Gateway profile options, or `false` to leave it out. @default {} */
  projectx?: ProjectXOptions | false;
  /** Plain JSON profile options, or `false` to leave it out. @default {} */
  json?: JsonProfileOptions | false;
  /** ws-tester fault script for every hub and WebSocket connection (drop, delay, close… by connection and message). */
  faults?: FaultScript | FaultRule[];
  /**
   * Control endpoint (`/venue/advance`, `/venue/runUntil`, `/venue/step`, `/venue/status`); with `token`, callers must
   * send `Authorization: Bearer <token>`. `false` removes it. @default true
   */
  control?: boolean | { token?: string };
  /** Largest REST body, bytes (bigger → 413). @default 65536 */
  bodyLimit?: number;
  /** Largest WebSocket frame from a client, bytes (bigger → close 1009). @default 65536 */
  maxPayload?: number;
  /** Wall-time keep-alive ping interval of the hubs, ms; 0 turns it off. @default 15000 */
  keepAliveMs?: number;
  /** One-second bars kept per contract for bar history. @default 1000000 */
  historyLimit?: number;
}

const OPTION_KEYS = [
  'instruments',
  'source',
  'exchange',
  'accounts',
  'clock',
  'start',
  'speed',
  'port',
  'host',
  'projectx',
  'json',
  'faults',
  'control',
  'bodyLimit',
  'maxPayload',
  'keepAliveMs',
  'historyLimit',
];

/** A running venue. Close it with {@link Venue.close} (or `await using`). */
export class Venue {
  /** The venue clock (a `VirtualClock` unless `clock: 'real'`). */
  readonly clock: Clock;
  /** The shared core: exchange, accounts, market views. */
  readonly core: VenueCore;
  /** The ProjectX profile, when enabled. */
  readonly projectx: ProjectXProfile | undefined;
  /** The plain JSON profile, when enabled. */
  readonly json: JsonProfile | undefined;
  private readonly server: VenueServer;
  private readonly app: FastifyInstance;
  private closed = false;

  /** @internal use {@link createVenue} */
  constructor(parts: {
    core: VenueCore;
    server: VenueServer;
    app: FastifyInstance;
    projectx: ProjectXProfile | undefined;
    json: JsonProfile | undefined;
  }) {
    this.core = parts.core;
    this.clock = parts.core.clock;
    this.server = parts.server;
    this.app = parts.app;
    this.projectx = parts.projectx;
    this.json = parts.json;
  }

  /** The order-sim exchange underneath. */
  get exchange(): VenueCore['exchange'] {
    return this.core.exchange;
  }

  /** `http://127.0.0.1:<port>`: the REST base (ProjectX routes under `/api`). */
  get url(): string {
    return `http://127.0.0.1:${this.server.port}`;
  }

  /** The port the venue listens on. */
  get port(): number {
    return this.server.port;
  }

  /** ProjectX user hub URL. */
  get userHubUrl(): string {
    return `${this.url}/hubs/user`;
  }

  /** ProjectX market hub URL. */
  get marketHubUrl(): string {
    return `${this.url}/hubs/market`;
  }

  /** Plain JSON profile WebSocket URL. */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.server.port}/json/ws`;
  }

  /** Listed contracts. */
  get contracts(): readonly Contract[] {
    return this.core.contracts;
  }

  /** Number of SignalR negotiate requests answered. */
  get negotiations(): number {
    return this.server.negotiateCount;
  }

  /** Virtual clock: plays the source and fires timers up to `now + duration` ("1s", "250ms", or µs). */
  advance(duration: number | string): Promise<void> {
    return this.core.advance(duration);
  }

  /** Virtual clock: plays the source and fires timers up to `ts` (epoch µs or ISO). */
  runUntil(ts: Micros | string): Promise<void> {
    return this.core.runUntil(typeof ts === 'string' ? toMicros(ts) : ts);
  }

  /** Virtual clock: applies exactly the next source event; resolves to its time, or `undefined` when the source is done. */
  step(): Promise<Micros | undefined> {
    return this.core.step();
  }

  /**
   * Ends hub connections, as a gateway restart would: `drop` (default) destroys the sockets (clients
   * see a transport error and reconnect); `close` sends a SignalR Close with `allowReconnect`. No
   * subscription survives and no missed event is replayed. Returns how many were ended.
   */
  disconnectHubs(hub: 'user' | 'market' | 'all' = 'all', how: 'drop' | 'close' = 'drop'): number {
    const conns = this.server.hubConnections(hub === 'all' ? undefined : `/hubs/${hub}`);
    for (const c of conns) {
      if (how === 'drop') c.signalr.drop();
      else c.signalr.close({ error: 'The venue closed the connection.', allowReconnect: true });
    }
    return conns.length;
  }

  /**
   * While `refuse` is true, new hub connections (negotiate and WebSocket upgrade) are refused with
   * HTTP 503, as when a gateway's realtime tier is down; REST keeps working and open connections
   * stay. With {@link disconnectHubs} it keeps clients out for exactly as long as a test wants.
   */
  refuseHubConnections(refuse: boolean): void {
    this.server.refusingHubs = refuse;
  }

  /**
   * Restarts the listener on the same port, as a gateway process restart would: every connection
   * (REST and hubs) is dropped and connection attempts are refused for `downtime` (on the venue
   * clock: on the virtual clock the port opens again once the test advances past it). The exchange,
   * accounts and sessions survive. Resolves when the port is open again.
   */
  restart(options: { downtime?: number | string } = {}): Promise<void> {
    return this.server.restart(options.downtime === undefined ? {} : { downtime: options.downtime });
  }

  /** Live hub connections (`user`, `market`, or both). */
  hubConnectionCount(hub: 'user' | 'market' | 'all' = 'all'): number {
    return this.server.hubConnections(hub === 'all' ? undefined : `/hubs/${hub}`).length;
  }

  /** Stale quotes: stops (or resumes) quote delivery for a contract while market data keeps flowing to the exchange. */
  setStaleQuotes(contractId: string, stale: boolean): void {
    const c = this.core.contractById(contractId);
    if (c === undefined)
      throw invalidValue(
        CONTROL_INVALID,
        'contractId',
        `one of ${this.contracts.map((x) => x.contractId).join(', ')}`,
        contractId,
      );
    if (this.projectx === undefined) return;
    if (stale) this.projectx.staleContracts.add(c.contractId);
    else this.projectx.staleContracts.delete(c.contractId);
  }

  /** Stops the server, the source and the profiles' timers. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.projectx?.close();
    this.json?.close();
    await this.server.stop();
    await this.app.close();
    await this.core.close();
  }

  /** Same as {@link close}, for `await using venue = await createVenue(…)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function problem(status: number, title: string, detail: string): Record<string, unknown> {
  return { type: `https://httpstatuses.io/${status}`, title, status, detail };
}

/**
 * Starts a venue on a free loopback port.
 *
 * @example
 * const venue = await createVenue({ instruments: [{ symbol: 'MNQ', tickSize: 0.25, multiplier: 2 }], source: events });
 * const res = await fetch(`${venue.url}/api/Auth/loginKey`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName: 'trader', apiKey: 'sim-key' }) });
 * await venue.advance('1s');
 * await venue.close();
 */
export async function createVenue(options: VenueOptions): Promise<Venue> {
  if (typeof options !== 'object' || options === null)
    throw invalidValue(CONFIG_INVALID, 'options', 'an object with `instruments`', options);
  assertKnownKeys(options, OPTION_KEYS, { code: CONFIG_INVALID, where: 'venue options' });
  const contracts = defineContracts(options.instruments);
  const intOpt = (field: string, v: number | undefined, dflt: number, min: number): number => {
    if (v === undefined) return dflt;
    if (!Number.isInteger(v) || v < min) throw invalidValue(CONFIG_INVALID, field, `an integer ≥ ${min}`, v);
    return v;
  };
  const bodyLimit = intOpt('bodyLimit', options.bodyLimit, 65_536, 64);
  const maxPayload = intOpt('maxPayload', options.maxPayload, 65_536, 64);
  const keepAliveMs = intOpt('keepAliveMs', options.keepAliveMs, 15_000, 0);
  let start: Micros | undefined;
  if (options.start !== undefined) {
    try {
      start = toMicros(options.start);
    } catch (err) {
      throw new TradeKitError(
        CONFIG_INVALID,
        `Expected \`start\` to be epoch µs or an ISO date, got ${JSON.stringify(options.start)}.`,
        {
          cause: err,
        },
      );
    }
  }
  let source = options.source;
  if (start === undefined && source !== undefined && (options.clock ?? 'virtual') === 'virtual') {
    // Start the virtual clock at the first event: peek it without losing it.
    const first = Array.isArray(source) ? source[0] : undefined;
    if (first !== undefined) start = first.ts;
    else if (!Array.isArray(source)) {
      const it = (
        typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
          ? (source as AsyncIterable<import('@tradekit/types').MarketEvent>)[Symbol.asyncIterator]()
          : (source as Iterable<import('@tradekit/types').MarketEvent>)[Symbol.iterator]()
      ) as AsyncIterator<import('@tradekit/types').MarketEvent>;
      const r = await it.next();
      if (!r.done) start = r.value.ts;
      const head = r.done ? [] : [r.value];
      source = (async function* () {
        yield* head;
        for (;;) {
          const n = await it.next();
          if (n.done) return;
          yield n.value;
        }
      })();
    }
  }
  const clock = makeClock(options.clock, start);
  const core = new VenueCore({
    clock,
    contracts,
    accounts: options.accounts ?? [{ id: 1 }],
    ...(source !== undefined ? { source } : {}),
    ...(options.exchange !== undefined ? { exchange: options.exchange } : {}),
    ...(options.historyLimit !== undefined ? { historyLimit: options.historyLimit } : {}),
    ...(options.speed !== undefined ? { speed: options.speed } : {}),
  });
  const projectx = options.projectx === false ? undefined : new ProjectXProfile(core, options.projectx ?? {});
  const json = options.json === false ? undefined : new JsonProfile(core, options.json ?? {});

  const app: FastifyInstance = Fastify({
    bodyLimit,
    logger: false,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, allowUnionTypes: true } },
  } as FastifyServerOptions) as unknown as FastifyInstance;
  app.removeContentTypeParser(['application/json']);
  // An empty body is `{}` (clients send Auth/validate and logout without one).
  app.addContentTypeParser(['application/json', 'text/json'], { parseAs: 'string', bodyLimit }, (_req, text, done) => {
    const s = String(text);
    if (s.trim() === '') {
      done(null, {});
      return;
    }
    try {
      done(null, JSON.parse(s));
    } catch (err) {
      const e = new Error(`The body is not valid JSON: ${(err as Error).message}`) as FastifyError;
      e.statusCode = 400;
      done(e, undefined);
    }
  });
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 400 && err.validation) {
      reply.code(400).send({ ...problem(400, 'One or more validation errors occurred.', err.message) });
      return;
    }
    if (status === 413) {
      reply.code(413).send(problem(413, 'Payload Too Large', `The body is larger than the ${bodyLimit}-byte limit.`));
      return;
    }
    if (status === 415) {
      reply.code(415).send(problem(415, 'Unsupported Media Type', 'Send JSON with `Content-Type: application/json`.'));
      return;
    }
    if (status < 500) {
      reply.code(status).send(problem(status, 'Bad Request', err.message));
      return;
    }
    reply.code(500).send(problem(500, 'Internal Server Error', err.message));
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(problem(404, 'Not Found', `No route ${req.method} ${req.url.split('?')[0]}.`));
  });
  projectx?.register(app);
  json?.register(app);
  registerControl(app, core, options.control ?? true);
  await app.ready();

  const server = new VenueServer({
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    clock,
    maxPayload,
    keepAliveMs,
    ...(options.faults !== undefined ? { faults: options.faults } : {}),
    http: (req, res) => app.server.emit('request', req, res),
  });
  if (projectx) {
    server.mountHub('/hubs/user', projectx.userHub());
    server.mountHub('/hubs/market', projectx.marketHub());
  }
  if (json) server.mountRaw('/json/ws', json.endpoint());
  try {
    await server.listen();
  } catch (err) {
    await app.close();
    await core.close();
    throw new TradeKitError(LISTEN_FAILED, `The venue could not listen: ${(err as Error).message}`, { cause: err });
  }
  core.startPacing();
  return new Venue({ core, server, app, projectx, json });
}

function registerControl(app: FastifyInstance, core: VenueCore, control: boolean | { token?: string }): void {
  if (control === false) return;
  const token = typeof control === 'object' ? control.token : undefined;
  app.register(
    async (c) => {
      c.addHook('onRequest', async (req, reply) => {
        if (token !== undefined && req.headers.authorization !== `Bearer ${token}`) {
          reply
            .code(401)
            .send(problem(401, 'Unauthorized', 'The control endpoint needs `Authorization: Bearer <control token>`.'));
          return reply;
        }
      });
      const status = () => ({
        clock: core.clock.kind,
        now: core.clock.now(),
        nowIso: microsToIso(core.clock.now()),
        eventsApplied: core.eventsApplied,
        sourceDone: core.sourceDone,
      });
      c.get('/status', async () => status());
      const run = async (reply: import('fastify').FastifyReply, fn: () => Promise<void>) => {
        if (!isVirtualClock(core.clock)) {
          reply
            .code(409)
            .send(
              problem(
                409,
                'Conflict',
                'This venue runs on the real clock; advance and runUntil need `clock: "virtual"`.',
              ),
            );
          return reply;
        }
        try {
          await fn();
        } catch (err) {
          if (err instanceof TradeKitError && err.code === CONTROL_INVALID) {
            reply.code(400).send(problem(400, 'Bad Request', err.message));
            return reply;
          }
          throw err;
        }
        return status();
      };
      c.post(
        '/advance',
        { schema: { body: { type: 'object', required: ['by'], properties: { by: { type: ['string', 'integer'] } } } } },
        async (req, reply) => run(reply, () => core.advance((req.body as { by: string | number }).by)),
      );
      c.post('/step', async (_req, reply) => run(reply, async () => void (await core.step())));
      c.post(
        '/runUntil',
        { schema: { body: { type: 'object', required: ['ts'], properties: { ts: { type: ['string', 'number'] } } } } },
        async (req, reply) =>
          run(reply, async () => {
            const ts = (req.body as { ts: string | number }).ts;
            let us: number;
            try {
              us = toMicros(ts);
            } catch {
              throw new TradeKitError(
                CONTROL_INVALID,
                `Expected \`ts\` to be epoch µs or an ISO date-time, got ${JSON.stringify(ts)}.`,
              );
            }
            await core.runUntil(us);
          }),
      );
    },
    { prefix: '/venue' },
  );
}
