/**
 * The plain JSON profile: a small REST API under `/json` and one WebSocket at `/json/ws`, in
 * TradeKit's own event model (canonical market events, order-sim orders, fills, positions), for
 * users with their own protocol. Authenticated with the account owner's API key as a bearer token.
 */
import type { MarketEvent, Order, OrderRequest } from '@tradekit/types';
import { TradeKitError } from '@tradekit/types';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { WebSocket } from 'ws';
import type { VenueAccount, VenueCore } from '../core.js';
import { CONFIG_INVALID } from '../errors.js';
import type { Principal, RawEndpoint } from '../server.js';

/** Options of the JSON profile. */
export type JsonProfileOptions = Record<string, never>;

/** A JSON-profile caller: the accounts of one API user. */
interface JsonUser {
  userName: string;
  accountIds: Set<string>;
}

interface Client {
  socket: WebSocket;
  user: JsonUser;
  market: Set<string>;
  user_channels: Set<string>;
}

const CHANNELS = ['orders', 'fills', 'positions', 'account'];

function problem(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

/** The plain JSON profile over a venue core. */
export class JsonProfile {
  private readonly clients = new Set<Client>();
  private readonly unlisten: () => void;

  constructor(
    private readonly core: VenueCore,
    options: JsonProfileOptions,
  ) {
    if (typeof options !== 'object' || options === null || Object.keys(options).length > 0)
      throw new TradeKitError(
        CONFIG_INVALID,
        `The json profile takes no options yet; got ${JSON.stringify(options)}. Use {} or false.`,
      );
    this.unlisten = core.listen({
      market: (e) => this.broadcastMarket(e),
      order: (o) => this.broadcastUser(o.accountId, 'orders', { type: 'order', order: o }),
      fill: (f) =>
        this.broadcastUser(f.fill.accountId, 'fills', {
          type: 'fill',
          fill: f.fill,
          realizedPnl: f.realizedPnl,
        }),
      position: (p) => this.broadcastUser(p.accountId, 'positions', { type: 'position', position: p }),
      account: (a, s) => this.broadcastUser(a.exchangeId, 'account', { type: 'account', account: s }),
    });
  }

  /** Stops listening to the core. */
  close(): void {
    this.unlisten();
    for (const c of this.clients) c.socket.terminate();
  }

  private user(token: string | undefined): JsonUser | undefined {
    if (token === undefined) return undefined;
    const accounts = [...this.core.accounts.values()].filter((a) => a.apiKey === token);
    if (accounts.length === 0) return undefined;
    return { userName: (accounts[0] as VenueAccount).userName, accountIds: new Set(accounts.map((a) => a.exchangeId)) };
  }

  /** Registers the REST routes under `/json`. */
  register(app: FastifyInstance): void {
    const core = this.core;
    app.register(
      async (api) => {
        api.decorateRequest('jsonUser', undefined);
        api.addHook('onRequest', async (req, reply) => {
          const h = req.headers.authorization;
          const user = this.user(typeof h === 'string' && /^Bearer\s/i.test(h) ? h.slice(7).trim() : undefined);
          if (!user) return problem(reply, 401, 'VENUE_UNAUTHORIZED', 'Send `Authorization: Bearer <apiKey>`.');
          (req as unknown as { jsonUser: JsonUser }).jsonUser = user;
        });
        const userOf = (req: unknown) => (req as { jsonUser: JsonUser }).jsonUser;
        const account = (req: unknown, id: unknown): string | undefined => {
          const u = userOf(req);
          const s = String(id ?? [...u.accountIds][0]);
          return u.accountIds.has(s) ? s : undefined;
        };
        api.get('/instruments', async () =>
          core.contracts.map((c) => ({
            ...c.instrument,
            contractId: c.contractId,
            name: c.name,
            symbolId: c.symbolId,
          })),
        );
        api.get('/accounts', async (req) => [...userOf(req).accountIds].map((id) => core.exchange.getAccount(id)));
        api.get('/orders', async (req, reply) => {
          const q = req.query as { accountId?: string; open?: string };
          const id = account(req, q.accountId);
          if (!id) return problem(reply, 404, 'VENUE_ACCOUNT_NOT_FOUND', `Account ${q.accountId} not found.`);
          return core.exchange.getOrders({ accountId: id, open: q.open === 'true' });
        });
        api.post(
          '/orders',
          {
            schema: {
              body: {
                type: 'object',
                additionalProperties: false,
                required: ['symbol', 'side', 'type', 'quantity'],
                properties: {
                  accountId: { type: ['string', 'integer'] },
                  symbol: { type: 'string' },
                  side: { enum: ['buy', 'sell'] },
                  type: { enum: ['market', 'limit', 'stop', 'stop_limit', 'trailing_stop'] },
                  quantity: { type: 'number', exclusiveMinimum: 0 },
                  price: { type: 'number' },
                  stopPrice: { type: 'number' },
                  timeInForce: { enum: ['GTC', 'DAY', 'IOC', 'FOK'] },
                  clientOrderId: { type: 'string', maxLength: 128 },
                  postOnly: { type: 'boolean' },
                  reduceOnly: { type: 'boolean' },
                  trailingOffset: { type: 'object' },
                  bracket: { type: 'object' },
                },
              },
            },
          },
          async (req, reply) => {
            const b = req.body as OrderRequest & { accountId?: string | number };
            const id = account(req, b.accountId);
            if (!id) return problem(reply, 404, 'VENUE_ACCOUNT_NOT_FOUND', `Account ${b.accountId} not found.`);
            if (!core.contractOfSymbol(b.symbol))
              return problem(reply, 404, 'VENUE_SYMBOL_NOT_FOUND', `Symbol ${b.symbol} is not listed.`);
            try {
              const order = core.exchange.placeOrder({ ...b, accountId: id });
              return reply.code(order.status === 'rejected' ? 422 : 201).send(order);
            } catch (err) {
              return problem(
                reply,
                400,
                (err as TradeKitError).code ?? 'ORDER_REQUEST_INVALID',
                (err as Error).message,
              );
            }
          },
        );
        const own = (req: unknown, orderId: string): Order | undefined => {
          try {
            const o = core.exchange.getOrder(orderId);
            return userOf(req).accountIds.has(o.accountId) ? o : undefined;
          } catch {
            return undefined;
          }
        };
        api.delete('/orders/:id', async (req, reply) => {
          const o = own(req, (req.params as { id: string }).id);
          if (!o) return problem(reply, 404, 'VENUE_ORDER_NOT_FOUND', 'No such order on your accounts.');
          const accepted = core.exchange.cancelOrder(o.id);
          if (!accepted) return problem(reply, 409, 'VENUE_ORDER_NOT_CANCELABLE', `Order ${o.id} is ${o.status}.`);
          return core.exchange.getOrder(o.id);
        });
        api.patch(
          '/orders/:id',
          {
            schema: {
              body: {
                type: 'object',
                additionalProperties: false,
                properties: { price: { type: 'number' }, stopPrice: { type: 'number' }, quantity: { type: 'number' } },
              },
            },
          },
          async (req, reply) => {
            const o = own(req, (req.params as { id: string }).id);
            if (!o) return problem(reply, 404, 'VENUE_ORDER_NOT_FOUND', 'No such order on your accounts.');
            try {
              return core.exchange.modifyOrder(o.id, req.body as object);
            } catch (err) {
              return problem(reply, 409, (err as TradeKitError).code ?? 'ORDER_NOT_MODIFIABLE', (err as Error).message);
            }
          },
        );
      },
      { prefix: '/json' },
    );
  }

  /** The WebSocket endpoint at `/json/ws`. */
  endpoint(): RawEndpoint {
    return {
      authorize: async (token): Promise<Principal | undefined> => {
        const user = this.user(token);
        return user ? { identity: user } : undefined;
      },
      accept: (socket, principal) => {
        const client: Client = {
          socket,
          user: principal.identity as JsonUser,
          market: new Set(),
          user_channels: new Set(),
        };
        this.clients.add(client);
        socket.on('close', () => this.clients.delete(client));
        socket.on('message', (data, binary) => {
          let msg: { op?: unknown; channels?: unknown; id?: unknown };
          try {
            if (binary) throw new Error('binary');
            msg = JSON.parse(String(data));
          } catch {
            socket.send(
              JSON.stringify({
                type: 'error',
                code: 'VENUE_INVALID_JSON',
                message: 'Send JSON text frames like {"op":"subscribe","channels":["quotes:MNQ"]}.',
              }),
            );
            return;
          }
          const channels = Array.isArray(msg.channels)
            ? msg.channels.filter((c): c is string => typeof c === 'string')
            : [];
          if ((msg.op !== 'subscribe' && msg.op !== 'unsubscribe') || channels.length === 0) {
            socket.send(
              JSON.stringify({
                type: 'error',
                code: 'VENUE_INVALID_REQUEST',
                message: 'Expected {"op":"subscribe"|"unsubscribe","channels":[...]}.',
              }),
            );
            return;
          }
          for (const ch of channels) {
            const [kind, symbol] = ch.split(':');
            const valid =
              CHANNELS.includes(ch) ||
              ((kind === 'quotes' || kind === 'trades' || kind === 'book') &&
                symbol !== undefined &&
                this.core.contractOfSymbol(symbol));
            if (!valid) {
              socket.send(
                JSON.stringify({
                  type: 'error',
                  code: 'VENUE_UNKNOWN_CHANNEL',
                  message: `Unknown channel ${ch}: use quotes:<symbol>, trades:<symbol>, book:<symbol>, ${CHANNELS.join(', ')}.`,
                }),
              );
              return;
            }
          }
          for (const ch of channels) {
            const set = CHANNELS.includes(ch) ? client.user_channels : client.market;
            if (msg.op === 'subscribe') set.add(ch);
            else set.delete(ch);
          }
          socket.send(
            JSON.stringify({
              type: msg.op === 'subscribe' ? 'subscribed' : 'unsubscribed',
              channels,
              id: msg.id ?? null,
            }),
          );
        });
      },
    };
  }

  private broadcastMarket(e: MarketEvent): void {
    if (this.clients.size === 0) return;
    const kind =
      e.type === 'quote'
        ? 'quotes'
        : e.type === 'trade'
          ? 'trades'
          : e.type === 'book_delta' || e.type === 'book_snapshot'
            ? 'book'
            : undefined;
    if (kind === undefined) return;
    const ch = `${kind}:${e.symbol}`;
    let text: string | undefined;
    for (const c of this.clients) {
      if (!c.market.has(ch) || c.socket.readyState !== 1) continue;
      text ??= JSON.stringify({ type: 'market', event: e });
      c.socket.send(text);
    }
  }

  private broadcastUser(accountId: string, channel: string, message: object): void {
    if (this.clients.size === 0) return;
    let text: string | undefined;
    for (const c of this.clients) {
      if (!c.user_channels.has(channel) || !c.user.accountIds.has(accountId) || c.socket.readyState !== 1) continue;
      text ??= JSON.stringify(message);
      c.socket.send(text);
    }
  }
}
