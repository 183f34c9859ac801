// biome-ignore-all lint/suspicious/noExplicitAny: hub payloads are parsed JSON
import type { HubConnection } from '@microsoft/signalr';
import { runLoad } from '@tradekit/ws-tester';
import { CONTRACT_ID, gateway, hubConnection, login } from './clients.js';
import { LatencyRecorder } from './histogram.js';
import type { LoadProfile } from './profiles.js';
import { type HubSection, type OrdersSection, type SuiteReport, type SuiteShard, judge } from './report.js';
import { type LoadTarget, startTarget } from './target.js';
import { parseSuiteThreshold } from './thresholds.js';

/** Options of {@link runSuite}. */
export interface RunSuiteOptions {
  /** Run one shard (0-based index of count): this process opens every count-th client of each kind. */
  shard?: SuiteShard;
  /** Called with one line at each phase (ramp, hold, drain). */
  log?: (line: string) => void;
}

const now = () => performance.now() * 1000; // µs, monotonic
const sleepUntil = (atUs: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, (atUs - now()) / 1000)));
/** How long the traders wait for fills of orders in flight once the hold ends. */
const DRAIN_US = 5_000_000;

/** The global client indices this shard runs. */
function share(total: number, shard: SuiteShard | undefined): number[] {
  const all = Array.from({ length: total }, (_, i) => i);
  return shard ? all.filter((i) => i % shard.count === shard.index) : all;
}

/**
 * Runs the load suite on this machine: starts the venue and its feed on loopback, ramps the feed
 * subscribers (ws-tester's load driver), the ProjectX market-hub clients and the traders over
 * `rampUp`, holds for `hold` while the traders place market orders, drains, and judges the
 * thresholds. Everything it opens is closed before it returns.
 */
export async function runSuite(profile: LoadProfile, options: RunSuiteOptions = {}): Promise<SuiteReport> {
  // Bad thresholds fail before anything starts.
  const thresholds = profile.thresholds.map(parseSuiteThreshold);
  const log = options.log ?? (() => {});
  const shard = options.shard;
  const traders = share(profile.traders, shard);
  const hubs = share(profile.hubClients, shard);
  const startedAt = new Date().toISOString();
  const t0 = now();
  const target = await startTarget({
    traders: traders.length,
    seed: profile.seed,
    quoteMs: profile.quoteMs,
    seconds: profile.rampUp + profile.hold + DRAIN_US / 1e6 + 30,
  });
  try {
    const rampEnd = now() + profile.rampUp * 1e6;
    const holdEnd = rampEnd + profile.hold * 1e6;
    log(
      `ramp ${profile.rampUp} s to ${share(profile.clients, shard).length} feed subscribers, ${hubs.length} hub clients, ${traders.length} traders`,
    );
    const feedThresholds = thresholds.filter((t) => t.scope === 'feed').map((t) => t.expression.slice(5));
    const feed = runLoad({
      url: target.feed.url,
      mode: 'subscribe',
      connections: profile.clients,
      rampUp: `${profile.rampUp}s`,
      duration: `${profile.rampUp + profile.hold}s`,
      symbols: ['MNQ'],
      workers: profile.workers,
      thresholds: feedThresholds,
      ...(shard ? { shard: { index: shard.index + 1, count: shard.count } } : {}),
    });
    const hub = runHubClients(target, hubs, profile, rampEnd, holdEnd);
    const orders = runTraders(target, traders.length, profile, rampEnd, holdEnd, log);
    void sleepUntil(rampEnd).then(() => log(`hold ${profile.hold} s`));
    const [feedReport, hubSection, ordersSection] = await Promise.all([feed, hub, orders]);
    return judge({
      version: 1,
      kind: 'tradekit-load-suite',
      profile,
      shards: shard ? [shard] : [],
      startedAt,
      elapsedUs: Math.round(now() - t0),
      feed: feedReport,
      hub: hubSection,
      orders: ordersSection,
    });
  } finally {
    await target.close();
  }
}

/** Market-hub clients: connect spread over the ramp, subscribe to MNQ quotes, count them until the hold ends. */
async function runHubClients(
  target: LoadTarget,
  indices: number[],
  profile: LoadProfile,
  rampEnd: number,
  holdEnd: number,
): Promise<HubSection> {
  const connect = new LatencyRecorder();
  const byKind: Record<string, number> = {};
  const err = (k: string) => {
    byKind[k] = (byKind[k] ?? 0) + 1;
  };
  let quotes = 0;
  let connected = 0;
  let disconnects = 0;
  const conns: HubConnection[] = [];
  const rampStart = rampEnd - profile.rampUp * 1e6;
  const token = indices.length > 0 ? await login(target.venue.url, 'trader1', 'key-1') : '';
  let stopping = false;
  await Promise.all(
    indices.map(async (g, k) => {
      // The same global schedule on every shard: client g connects at g/total of the ramp.
      await sleepUntil(rampStart + (profile.rampUp * 1e6 * g) / Math.max(1, profile.hubClients));
      // A client whose turn came after the hold (a stalled process) is an error, not a skip.
      if (now() >= holdEnd) {
        err('not-started');
        return;
      }
      const conn = hubConnection(target.venue.marketHubUrl, token);
      conns[k] = conn;
      conn.on('GatewayQuote', () => {
        quotes++;
      });
      conn.onclose(() => {
        if (!stopping) {
          disconnects++;
          err('disconnect');
        }
      });
      const began = now();
      try {
        await conn.start();
        connect.record(now() - began);
        connected++;
      } catch {
        err('connect');
        return;
      }
      try {
        await conn.invoke('SubscribeContractQuotes', CONTRACT_ID);
      } catch {
        err('subscribe');
      }
    }),
  );
  await sleepUntil(holdEnd);
  stopping = true;
  await Promise.all(conns.filter(Boolean).map((c) => c.stop().catch(() => {})));
  const total = Object.values(byKind).reduce((a, b) => a + b, 0);
  return {
    clients: indices.length,
    connected,
    quotes,
    disconnects,
    errors: { total, byKind },
    connectTime: connect.summary(),
  };
}

/**
 * Traders: log in and connect the user hub during the ramp; during the hold each places market
 * orders at `orderRate` (alternating buy and sell, so positions stay small); the round trip runs
 * from just before `Order/place` to the order's `GatewayUserTrade`. Orders still unfilled after
 * the drain count as `unanswered`.
 */
async function runTraders(
  target: LoadTarget,
  count: number,
  profile: LoadProfile,
  rampEnd: number,
  holdEnd: number,
  log: (line: string) => void,
): Promise<OrdersSection> {
  const rtt = new LatencyRecorder();
  const byKind: Record<string, number> = {};
  const err = (k: string, n = 1) => {
    byKind[k] = (byKind[k] ?? 0) + n;
  };
  let placed = 0;
  let filled = 0;
  let rejected = 0;
  let stopping = false;
  const pending = new Map<number, number>(); // orderId → sent at (µs)
  const early = new Map<number, number>(); // fill seen before the REST answer: orderId → at
  const conns: HubConnection[] = [];
  const onFill = (orderId: number) => {
    const at = now();
    const sent = pending.get(orderId);
    if (sent === undefined) {
      if (!early.has(orderId)) early.set(orderId, at);
      return;
    }
    pending.delete(orderId);
    filled++;
    rtt.record(at - sent);
  };
  const sessions = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const { accountId, userName, apiKey } = target.trader(i);
      try {
        const token = await login(target.venue.url, userName, apiKey);
        const conn = hubConnection(target.venue.userHubUrl, token);
        conns.push(conn);
        conn.on('GatewayUserTrade', (...args: any[]) => {
          const t = args[args.length - 1];
          if (typeof t?.orderId === 'number') onFill(t.orderId);
        });
        conn.onclose(() => {
          if (!stopping) err('disconnect');
        });
        await conn.start();
        await conn.invoke('SubscribeOrders', accountId);
        await conn.invoke('SubscribeTrades', accountId);
        return { accountId, token };
      } catch {
        err('connect');
        return undefined;
      }
    }),
  );
  await sleepUntil(rampEnd);
  const interval = 1e6 / profile.orderRate;
  const inflight: Promise<void>[] = [];
  await Promise.all(
    sessions.map(async (s, i) => {
      if (!s) return;
      // Stagger the traders over one interval so their orders do not all land at once.
      let due = rampEnd + (interval * i) / Math.max(1, count);
      for (let n = 0; due < holdEnd; n++, due += interval) {
        await sleepUntil(due);
        const side = n % 2;
        const sent = now();
        placed++;
        inflight.push(
          gateway(
            target.venue.url,
            'Order/place',
            { accountId: s.accountId, contractId: CONTRACT_ID, type: 2, side, size: 1 },
            s.token,
          ).then(
            (r) => {
              if (!r.success || typeof r.orderId !== 'number') {
                rejected++;
                err('rejected');
                return;
              }
              const seen = early.get(r.orderId);
              if (seen !== undefined) {
                early.delete(r.orderId);
                filled++;
                rtt.record(seen - sent);
              } else pending.set(r.orderId, sent);
            },
            () => err('request'),
          ),
        );
      }
    }),
  );
  await Promise.all(inflight);
  log(`drain: ${pending.size} orders waiting for their fill`);
  const drainEnd = now() + DRAIN_US;
  while (pending.size > 0 && now() < drainEnd) await sleepUntil(Math.min(drainEnd, now() + 20_000));
  const unanswered = pending.size;
  if (unanswered > 0) err('unanswered', unanswered);
  stopping = true;
  await Promise.all(conns.map((c) => c.stop().catch(() => {})));
  const total = Object.values(byKind).reduce((a, b) => a + b, 0);
  return {
    traders: count,
    placed,
    filled,
    rejected,
    unanswered,
    errors: { total, byKind },
    roundTrip: rtt.summary(),
  };
}
