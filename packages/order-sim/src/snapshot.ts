/**
 * Snapshot and restore: a JSON image of a whole exchange (options, orders, queues, books,
 * positions, accounts, random streams) and the rebuilding of an engine from it.
 */
import {
  type Instrument,
  type MarketStatus,
  type Micros,
  type Order,
  type OrderRequest,
  type OrderStatus,
  type RejectReason,
  type RngState,
  type StopTrigger,
  TradeKitError,
  invalidValue,
} from '@tradekit/types';
import type { Engine } from './engine.js';
import type { FeeSpec } from './fees.js';
import { Money } from './ledger.js';
import {
  BIG,
  type ExchangeOptions,
  type LatencyOptions,
  type MarkRule,
  MARKET_ACCOUNT,
  type QueueModel,
  type ResolvedFillPolicy,
} from './options.js';
import { BUY, type CoreSide, SELL } from './order-book.js';
import { WorkingOrder } from './working-order.js';
import { isTerminal } from './orders.js';

/** A JSON-serialisable image of a whole exchange, see {@link Exchange.snapshot}. */
export interface ExchangeSnapshot {
  version: 1;
  ts: Micros;
  options: {
    instruments: Instrument[];
    accounts: { id: string; balance: string; currency: string }[];
    latency?: LatencyOptions;
    fees: Required<FeeSpec>;
    fillPolicy: ResolvedFillPolicy;
    queueModel: QueueModel;
    seed: string;
    stopTrigger: StopTrigger;
    /** Absent in snapshots from before these options (their defaults then apply). */
    stopThroughMarket?: 'reject' | 'trigger';
    ocoOnPartial?: 'cancel' | 'reduce';
    markPrice?: MarkRule;
    /** Present when finite. */
    retainClosedOrders?: number;
  };
  /** Ids of the retained terminal orders, oldest to close first (only with a finite `retainClosedOrders`). */
  closed?: string[];
  /** How many terminal orders were forgotten so far (only with a finite `retainClosedOrders`). */
  forgotten?: number;
  /** Delivery time of the last report when it lies after `ts` (reports never overtake it). */
  lastReportAt?: number;
  seq: number;
  fillSeq: number;
  rng: Record<string, RngState>;
  accounts: {
    id: string;
    realized: string;
    fees: string;
    positions: { symbol: string; lots: number; cost: string; realized: string; fees: string }[];
  }[];
  markets: {
    symbol: string;
    status: MarketStatus;
    hasDepth: boolean;
    hasQuote: boolean;
    bidTick: number | null;
    askTick: number | null;
    quoteBidTick: number | null;
    quoteAskTick: number | null;
    lastTick: number | null;
    lastSource: 'none' | 'trade' | 'bar';
    /** Lots left to take at the last print or bar under `fillPolicy.printShare` (absent in older snapshots). */
    printLots?: number;
    external: { bids: [number, number][]; asks: [number, number][] };
    /** Resting orders in queue order: simulated ones by id with the displayed size ahead, venue (L3) ones by their id. */
    queue: { id?: string; l3?: string; side?: CoreSide; tick?: number; lots?: number; ahead: number }[];
    stops: string[];
    waiting: string[];
    /** Stops triggered by a print through a stale book, waiting for it to refresh. */
    awaitingBook?: string[];
    /** True when the last trade is more recent than the mid (for `markPrice: 'latest'`). */
    tradeIsLatest?: boolean;
  }[];
  orders: {
    id: string;
    seq: number;
    request: OrderRequest;
    accountId: string;
    clientOrderId: string;
    type: Order['type'];
    quantity: number;
    lots: number;
    filledLots: number;
    costTicks: number;
    firstFillTick: number | null;
    limitTick: number | null;
    stopTick: number | null;
    trailTicks: number | null;
    triggered: boolean;
    status: OrderStatus;
    rejectReason?: RejectReason;
    rejectMessage?: string;
    parentId?: string;
    ocoGroup?: string;
    feeCharged: boolean;
    createdAt: Micros;
    updatedAt: Micros;
  }[];
}

const nn = (x: number): number | null => (Number.isNaN(x) ? null : x);
const un = (x: number | null): number => (x === null ? Number.NaN : x);

/** The options part of a snapshot (what `new Exchange()` needs to rebuild the same exchange). */
export function snapshotOptions(ex: Engine, options: ExchangeOptions): ExchangeSnapshot['options'] {
  const cfg = ex.cfg;
  const o: ExchangeSnapshot['options'] = {
    instruments: cfg.instruments.map((i) => ({ ...i, sessions: [...i.sessions] })),
    accounts: cfg.accounts.map((a) => ({ id: a.id, balance: a.balance.toString(), currency: a.currency })),
    fees: cfg.fees.spec,
    fillPolicy: cfg.fillPolicy,
    queueModel: cfg.queueModel,
    seed: String(cfg.seed),
    stopTrigger: cfg.stopTrigger,
    stopThroughMarket: cfg.stopThroughMarket,
    ocoOnPartial: cfg.ocoOnPartial,
    markPrice: cfg.markPrice,
  };
  if (options.latency) o.latency = options.latency;
  if (Number.isFinite(cfg.retainClosedOrders)) o.retainClosedOrders = cfg.retainClosedOrders;
  return o;
}

/**
 * A JSON-serialisable image of the whole engine. Throws `EXCHANGE_SNAPSHOT_BUSY` while requests
 * or events are in flight.
 */
export function takeSnapshot(ex: Engine, options: ExchangeSnapshot['options']): ExchangeSnapshot {
  const inFlight = ex.entry.inFlight;
  const undelivered = ex.bus.undelivered;
  if (inFlight > 0 || undelivered > 0) {
    throw new TradeKitError(
      'EXCHANGE_SNAPSHOT_BUSY',
      `Cannot snapshot with ${inFlight} request(s) and ${undelivered} event(s) still travelling (latency). Advance the clock until they land, e.g. clock.runAll().`,
    );
  }
  const store = ex.store;
  const rng: Record<string, RngState> = {};
  for (const [k, r] of Object.entries(ex.rngs)) rng[k] = r.getState();
  return JSON.parse(
    JSON.stringify({
      version: 1,
      ts: ex.clock.now(),
      options,
      seq: store.seq,
      fillSeq: ex.fillSeq,
      rng,
      accounts: [...ex.accounting.accounts.values()].map((a) => ({
        id: a.id,
        realized: a.realized.toString(),
        fees: a.fees.toString(),
        positions: [...a.positions.values()].map((p) => ({
          symbol: p.inst.symbol,
          lots: p.lots,
          cost: p.cost.toString(),
          realized: p.realized.toString(),
          fees: p.fees.toString(),
        })),
      })),
      markets: [...ex.markets.values()].map((m) => ({
        symbol: m.inst.symbol,
        status: m.status,
        hasDepth: m.hasDepth,
        hasQuote: m.hasQuote,
        bidTick: nn(m.bidTick),
        askTick: nn(m.askTick),
        quoteBidTick: nn(m.quoteBidTick),
        quoteAskTick: nn(m.quoteAskTick),
        lastTick: nn(m.lastTick),
        lastSource: m.lastSource,
        printLots: m.printLots,
        external: { bids: m.book.externalLevels(BUY), asks: m.book.externalLevels(SELL) },
        queue: [...m.book.restingOrders(BUY), ...m.book.restingOrders(SELL)].map((o) =>
          o.ref instanceof WorkingOrder
            ? { id: o.ref.id, ahead: o.ahead }
            : { l3: (o.ref as { orderId: string }).orderId, side: o.side, tick: o.tick, lots: o.qty, ahead: o.ahead },
        ),
        stops: m.stops.map((w) => w.id),
        waiting: m.waiting.map((w) => w.id),
        awaitingBook: m.awaitingBook.map((w) => w.id),
        tradeIsLatest: m.tradeIsLatest,
      })),
      orders: [...store.byId.values()].map((w) => ({
        id: w.id,
        seq: w.seq,
        request: w.request,
        accountId: w.account.id,
        clientOrderId: w.clientOrderId,
        type: w.type,
        quantity: w.quantity,
        lots: w.lots,
        filledLots: w.filledLots,
        costTicks: w.costTicks,
        firstFillTick: nn(w.firstFillTick),
        limitTick: nn(w.limitTick),
        stopTick: nn(w.stopTick),
        trailTicks: nn(w.trailTicks),
        triggered: w.triggered,
        status: w.status,
        rejectReason: w.rejectReason,
        rejectMessage: w.rejectMessage,
        parentId: w.parent?.id,
        ocoGroup: w.ocoGroup,
        feeCharged: w.feeCharged,
        createdAt: w.createdAt,
        updatedAt: w.updatedAt,
      })),
      ...(ex.bus.lastDelivery > ex.clock.now() ? { lastReportAt: ex.bus.lastDelivery } : {}),
      ...(Number.isFinite(store.retainClosed)
        ? { closed: store.closedQueue.slice(store.closedHead).map((w) => w.id), forgotten: store.forgotten }
        : {}),
    }),
  ) as ExchangeSnapshot;
}

/** Throws `EXCHANGE_SNAPSHOT_INVALID` unless `snapshot` looks like a version-1 snapshot. */
export function checkSnapshot(snapshot: ExchangeSnapshot): void {
  if (typeof snapshot !== 'object' || snapshot === null || snapshot.version !== 1 || !Array.isArray(snapshot.orders)) {
    throw invalidValue(
      'EXCHANGE_SNAPSHOT_INVALID',
      'snapshot',
      'an object from exchange.snapshot() (version 1)',
      snapshot,
    );
  }
}

/** The options of a new exchange that rebuilds a snapshot. */
export function optionsOf(snapshot: ExchangeSnapshot, clock: ExchangeOptions['clock']): ExchangeOptions {
  const o = snapshot.options;
  return {
    clock,
    instruments: o.instruments,
    accounts: o.accounts.map((a) => ({ id: a.id, balance: a.balance, currency: a.currency })),
    fees: o.fees,
    fillPolicy: o.fillPolicy,
    queueModel: o.queueModel,
    seed: o.seed,
    stopTrigger: o.stopTrigger,
    ...(o.stopThroughMarket ? { stopThroughMarket: o.stopThroughMarket } : {}),
    ...(o.ocoOnPartial ? { ocoOnPartial: o.ocoOnPartial } : {}),
    // Snapshots from before `markPrice` marked by the last trade.
    markPrice: o.markPrice ?? 'last',
    ...(o.latency ? { latency: o.latency } : {}),
    ...(o.retainClosedOrders !== undefined ? { retainClosedOrders: o.retainClosedOrders } : {}),
  };
}

/** Loads a snapshot's state into a fresh engine built from {@link optionsOf}. */
export function restoreInto(ex: Engine, snapshot: ExchangeSnapshot): void {
  const store = ex.store;
  store.seq = snapshot.seq;
  ex.fillSeq = snapshot.fillSeq;
  if (typeof snapshot.lastReportAt === 'number') ex.bus.lastDelivery = snapshot.lastReportAt;
  for (const [k, st] of Object.entries(snapshot.rng)) ex.rngs[k]?.setState(st);
  for (const a of snapshot.accounts) {
    const acct = ex.accounting.account(a.id);
    // The account's realized PnL and fees are the sums of its positions' (restored below).
    for (const p of a.positions) {
      const pos = acct.position(ex.market(p.symbol).inst);
      pos.lots = p.lots;
      pos.cost = new Money(p.cost);
      pos.realized = new Money(p.realized);
      pos.fees = new Money(p.fees);
    }
  }
  const stopTrigger = snapshot.options.stopTrigger;
  for (const s of snapshot.orders) {
    const m = ex.market(s.request.symbol);
    const w = new WorkingOrder(s.seq, s.request, ex.accounting.account(s.accountId), m, stopTrigger, s.createdAt);
    w.id = s.id;
    w.clientOrderId = s.clientOrderId;
    w.type = s.type;
    w.quantity = s.quantity;
    w.lots = s.lots;
    w.filledLots = s.filledLots;
    w.costTicks = s.costTicks;
    w.firstFillTick = un(s.firstFillTick);
    w.limitTick = un(s.limitTick);
    w.stopTick = un(s.stopTick);
    w.trailTicks = un(s.trailTicks);
    w.triggered = s.triggered;
    w.status = s.status;
    if (s.rejectReason) w.rejectReason = s.rejectReason;
    if (s.rejectMessage) w.rejectMessage = s.rejectMessage;
    if (s.ocoGroup !== undefined) ex.contingent.join(w, s.ocoGroup);
    w.feeCharged = s.feeCharged;
    w.updatedAt = s.updatedAt;
    // The parent of a closed child may have been forgotten (retainClosedOrders).
    const parent = s.parentId !== undefined ? store.byId.get(s.parentId) : undefined;
    if (parent !== undefined) {
      w.parent = parent;
      parent.addChild(w);
    }
    store.byId.set(w);
    if (!isTerminal(w.status)) {
      store.open.add(w);
      if (w.tif === 'DAY' || w.tif === 'GTD') ex.scheduleExpiry(w);
    } else if (w.ocoGroup !== undefined) ex.contingent.groups.get(w.ocoGroup)?.delete(w);
  }
  if (Array.isArray(snapshot.closed)) {
    for (const id of snapshot.closed) {
      const w = store.byId.get(id);
      if (w !== undefined) store.closedQueue.push(w);
    }
    store.forgotten = snapshot.forgotten ?? 0;
  }
  for (const sm of snapshot.markets) {
    const m = ex.market(sm.symbol);
    m.status = sm.status;
    m.hasDepth = sm.hasDepth;
    m.hasQuote = sm.hasQuote;
    m.bidTick = un(sm.bidTick);
    m.askTick = un(sm.askTick);
    m.quoteBidTick = un(sm.quoteBidTick);
    m.quoteAskTick = un(sm.quoteAskTick);
    m.lastTick = un(sm.lastTick);
    m.lastSource = sm.lastSource;
    m.printLots = sm.printLots ?? BIG;
    for (const [t, l] of sm.external.bids) m.book.setExternal(BUY, t, l);
    for (const [t, l] of sm.external.asks) m.book.setExternal(SELL, t, l);
    for (const q of sm.queue) {
      if (q.l3 !== undefined) {
        const ref = { orderId: q.l3 };
        const node = m.book.add(
          -1,
          MARKET_ACCOUNT,
          q.side as CoreSide,
          q.tick as number,
          q.lots as number,
          undefined,
          true,
          ref,
        );
        if (node) m.l3.set(q.l3, { node, ref });
        continue;
      }
      const w = store.byId.get(q.id as string) as WorkingOrder;
      w.node = m.book.add(w.seq, w.account.key, w.cside, w.limitTick, w.remainingLots, undefined, true, w);
      if (w.node) w.node.ahead = q.ahead;
    }
    m.stops = sm.stops.map((id) => store.byId.get(id) as WorkingOrder);
    m.waiting = sm.waiting.map((id) => {
      const w = store.byId.get(id) as WorkingOrder;
      w.waiting = true;
      return w;
    });
    m.awaitingBook = (sm.awaitingBook ?? []).map((id) => store.byId.get(id) as WorkingOrder);
    m.tradeIsLatest = sm.tradeIsLatest ?? !Number.isNaN(m.lastTick);
  }
}
