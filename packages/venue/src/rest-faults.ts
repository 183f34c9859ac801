/**
 * Faults on REST requests, with the selector vocabulary of ws-tester's fault scripts (`from`, `to`,
 * `every`, `requests` by index, seeded `probability`), counted per route.
 */
import { type Clock, Rng, TradeKitError, assertKnownKeys, parseDuration } from '@tradekit/types';
import type { FastifyReply } from 'fastify';
import { CONFIG_INVALID } from './errors.js';

/** One REST fault rule. */
export interface RestFaultRule {
  /**
   * What happens: `reject` (HTTP `status`, default 503), `error` (500), `delay` (then handled), `drop`
   * (socket destroyed, no response, nothing done), `lose-response` (handled, then the socket is
   * destroyed before the answer: the client cannot tell whether it happened).
   */
  type: 'reject' | 'error' | 'delay' | 'drop' | 'lose-response';
  /** Route like `Order/place` (case-insensitive); all routes when absent. */
  route?: string;
  /** Only these request indices of the route (0 = its first request). */
  requests?: number[];
  /** Requests from this index on. */
  from?: number;
  /** Requests up to this index (inclusive). */
  to?: number;
  /** Every n-th request. */
  every?: number;
  /** Chance in [0, 1] that a selected request is hit (seeded). */
  probability?: number;
  /** HTTP status of `reject`. @default 503 */
  status?: number;
  /** Delay of `delay`, on the venue clock. */
  delay?: number | string;
  /** Seed of `probability`. @default 0 */
  seed?: number | string;
}

const KEYS = ['type', 'route', 'requests', 'from', 'to', 'every', 'probability', 'status', 'delay', 'seed'];

interface Rule extends RestFaultRule {
  delayUs: number;
  rng: Rng;
  routeKey: string | undefined;
}

/** The REST fault plan of a venue. */
export class RestFaults {
  private readonly rules: Rule[];
  private readonly counts = new Map<string, number>();
  /** Requests hit by a fault, by rule type. */
  readonly hits = { reject: 0, error: 0, delay: 0, drop: 0, 'lose-response': 0 };

  constructor(
    rules: RestFaultRule[],
    private readonly clock: Clock,
    where: string,
  ) {
    if (!Array.isArray(rules))
      throw new TradeKitError(CONFIG_INVALID, `Expected \`${where}\` to be an array of rules.`);
    this.rules = rules.map((r, i) => {
      const f = `${where}[${i}]`;
      if (typeof r !== 'object' || r === null)
        throw new TradeKitError(CONFIG_INVALID, `Expected \`${f}\` to be a rule object.`);
      assertKnownKeys(r, KEYS, { code: CONFIG_INVALID, where: f });
      if (!['reject', 'error', 'delay', 'drop', 'lose-response'].includes(r.type))
        throw new TradeKitError(
          CONFIG_INVALID,
          `Expected \`${f}.type\` to be "reject", "error", "delay", "drop" or "lose-response", got ${JSON.stringify(r.type)}.`,
        );
      if (r.probability !== undefined && !(r.probability >= 0 && r.probability <= 1))
        throw new TradeKitError(
          CONFIG_INVALID,
          `Expected \`${f}.probability\` to be in [0, 1], got ${JSON.stringify(r.probability)}.`,
        );
      if (r.type === 'delay' && r.delay === undefined)
        throw new TradeKitError(CONFIG_INVALID, `\`${f}\` is a delay without \`delay\`; add e.g. delay: "200ms".`);
      return {
        ...r,
        delayUs: r.delay === undefined ? 0 : parseDuration(r.delay),
        rng: new Rng(r.seed ?? 0).fork(`rest/${i}`),
        routeKey: r.route?.replace(/^\/?(api\/)?/i, '').toLowerCase(),
      };
    });
  }

  /**
   * Applies the faults that select this request; `handled` when the reply was sent (or the socket
   * dropped), `lose` when the request must be handled and its answer lost.
   */
  async apply(route: string, reply: FastifyReply): Promise<'handled' | 'pass' | 'lose'> {
    if (this.rules.length === 0) return 'pass';
    const key = route.toLowerCase();
    const index = this.counts.get(key) ?? 0;
    this.counts.set(key, index + 1);
    for (const r of this.rules) {
      if (r.routeKey !== undefined && r.routeKey !== key) continue;
      if (r.requests && !r.requests.includes(index)) continue;
      if (r.from !== undefined && index < r.from) continue;
      if (r.to !== undefined && index > r.to) continue;
      if (r.every !== undefined && index % r.every !== 0) continue;
      if (r.probability !== undefined && !(r.rng.next() < r.probability)) continue;
      this.hits[r.type]++;
      switch (r.type) {
        case 'delay':
          await this.clock.sleep(r.delayUs);
          continue;
        case 'drop':
          reply.raw.socket?.destroy();
          reply.hijack();
          return 'handled';
        case 'lose-response':
          return 'lose';
        case 'reject':
          reply.code(r.status ?? 503).send({
            type: 'about:blank',
            title: 'Service Unavailable',
            status: r.status ?? 503,
            detail: 'Injected fault.',
          });
          return 'handled';
        case 'error':
          reply
            .code(500)
            .send({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'Injected fault.' });
          return 'handled';
      }
    }
    return 'pass';
  }
}
