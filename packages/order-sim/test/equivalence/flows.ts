/**
 * Seeded random flows through the full Exchange API, written as a JSON event log (orders, fills,
 * positions, accounts; money as strings). The golden SHA-256 of each flow's log was taken from the
 * code before the module split and the issue-12 fixes; `equivalence.test.ts` checks that every log
 * is still byte-identical.
 *
 * The generator stays away from what issue 12 changed on purpose:
 * - brackets are 1 lot and never modified (no partial bracket fills, no child resize);
 * - stops are placed at least 6 ticks on the right side of last, bid and ask, and never modified;
 * - with a quote or a book, stops watch bid, ask or mid (no stop triggered by a print against a
 *   stale book); with trades only or bars, they watch the last price;
 * - prices stay near 20000 (no out-of-range price), never NaN; no halt or close;
 * - the mark is pinned with `markPrice: 'last'` (the rule before the fix: last trade, mid before
 *   the first trade), which older code ignored;
 * - the log leaves out order events whose status did not change from `new` (the stop-trigger
 *   update `new → new` that item 5 replaced by a `trigger` event).
 *
 * Regenerate the golden file (only on purpose): `pnpm exec tsx test/equivalence/regenerate.ts`.
 */
import { createHash } from 'node:crypto';
import { type ExchangeEvent, type MarketEvent, type OrderRequest, Rng, VirtualClock } from '@tradekit/types';
import { Exchange, type ExchangeOptions } from '../../src/index.js';

const TICK = 0.25;
const SYMBOLS = ['MNQ', 'MES'] as const;
type Mode = 'quotes' | 'depth' | 'trades' | 'bars';

interface Mkt {
  bid: number;
  ask: number;
  last: number;
}

/** The event log of flow `seed`, one JSON line per entry. */
export function runFlow(seed: number): string {
  const rng = new Rng(`equivalence/${seed}`);
  const mode: Mode = (['quotes', 'depth', 'trades', 'bars'] as const)[seed % 4] as Mode;
  const withLatency = rng.next() < 0.4;
  const clock = new VirtualClock({ start: 1_000_000 });
  const fees = [
    {},
    { perContract: 0.37, makerBps: -0.5, takerBps: 1.1, perOrder: 0.05 },
    { perContract: 0.62 },
    { makerBps: 0.2, takerBps: 0.7 },
  ][rng.int(0, 3)];
  const options = {
    clock,
    seed,
    instruments: [
      { symbol: 'MNQ', tickSize: TICK, multiplier: 2 },
      { symbol: 'MES', tickSize: TICK, multiplier: 5 },
    ],
    accounts: [
      { id: 'a', balance: 10_000 },
      { id: 'b', balance: '25000.5' },
    ],
    fees,
    queueModel: (['queue', 'probabilistic', 'risk-averse'] as const)[rng.int(0, 2)],
    fillPolicy: {
      barPath: rng.next() < 0.5 ? 'stop_first' : 'direction',
      barMarketOrders: rng.next() < 0.5 ? 'next_bar_open' : 'last_close',
      ...(mode === 'trades' && rng.next() < 0.3 ? { printShare: 0.5 } : {}),
    },
    ...(withLatency
      ? {
          latency: {
            orderEntry: rng.next() < 0.5 ? 150 : { distribution: 'uniform', min: 50, max: 250 },
            ack: rng.next() < 0.5 ? 0 : { distribution: 'exponential', mean: 80 },
          },
        }
      : {}),
    markPrice: 'last',
  } as unknown as ExchangeOptions;
  const ex = new Exchange(options);
  const log: string[] = [];
  ex.on('event', (e: ExchangeEvent) => {
    if (e.type === 'order' && e.previousStatus === 'new' && e.order.status === 'new') return;
    log.push(JSON.stringify(e));
  });
  const mkts = new Map<string, Mkt>(
    SYMBOLS.map((s, i) => [s, { bid: 80_000 + i * 100, ask: 80_001 + i * 100, last: Number.NaN }]),
  );
  const placed: string[] = [];
  const plain: string[] = [];
  const px = (t: number) => t * TICK;
  const stopTriggers = mode === 'quotes' || mode === 'depth' ? (['bid', 'ask', 'mid'] as const) : (['last'] as const);
  const market = (e: MarketEvent) => ex.onMarketEvent(e);

  const moveMarket = (sym: string, m: Mkt) => {
    const move = rng.int(-1, 1);
    const spread = rng.int(1, 3);
    m.bid += move;
    m.ask = m.bid + spread;
    const ts = clock.now();
    if (mode === 'quotes') {
      market({
        type: 'quote',
        symbol: sym,
        ts,
        bid: px(m.bid),
        bidSize: rng.int(0, 8),
        ask: px(m.ask),
        askSize: rng.int(0, 8),
      });
    } else if (mode === 'depth') {
      const levels = (side: 1 | -1, from: number) =>
        [0, 1, 2, 3].map((k) => ({ price: px(from + side * k), size: rng.int(k === 0 ? 1 : 0, 6) }));
      if (rng.next() < 0.3) {
        market({
          type: 'book_delta',
          symbol: sym,
          ts,
          bids: [{ price: px(m.bid - rng.int(1, 3)), size: rng.int(0, 6) }],
          asks: [],
        } as MarketEvent);
      } else {
        market({
          type: 'book_snapshot',
          symbol: sym,
          ts,
          bids: levels(-1, m.bid),
          asks: levels(1, m.ask),
        } as MarketEvent);
      }
    } else if (mode === 'trades') {
      const p = m.bid + rng.int(0, 1);
      m.last = p;
      market({ type: 'trade', symbol: sym, ts, price: px(p), size: rng.int(1, 6), side: 'unknown' });
    } else {
      const o = m.bid;
      const h = o + rng.int(0, 4);
      const l = o - rng.int(0, 4);
      const c = l + rng.int(0, h - l);
      m.bid = c;
      m.ask = c + 1;
      m.last = c;
      market({
        type: 'bar',
        symbol: sym,
        ts,
        start: ts,
        timeframe: '1m',
        open: px(o),
        high: px(h),
        low: px(l),
        close: px(c),
        volume: rng.int(1, 40),
      } as MarketEvent);
    }
  };

  const printTrade = (sym: string, m: Mkt) => {
    // Within the spread: a print never lies through the book it is printed against.
    const p = rng.next() < 0.5 ? m.bid : m.ask;
    m.last = p;
    market({ type: 'trade', symbol: sym, ts: clock.now(), price: px(p), size: rng.int(1, 6), side: 'unknown' });
  };

  const place = (sym: string, m: Mkt) => {
    const side = rng.next() < 0.5 ? 'buy' : 'sell';
    const dir = side === 'buy' ? 1 : -1;
    const accountId = rng.next() < 0.5 ? 'a' : 'b';
    const qty = rng.int(1, 5);
    const lo = Number.isNaN(m.last) ? Math.min(m.bid, m.ask) : Math.min(m.bid, m.ask, m.last);
    const hi = Number.isNaN(m.last) ? Math.max(m.bid, m.ask) : Math.max(m.bid, m.ask, m.last);
    // A stop price on the right side of every reference, by at least 6 ticks.
    const stopTick = side === 'buy' ? hi + rng.int(6, 12) : lo - rng.int(6, 12);
    const r = rng.next();
    let req: OrderRequest;
    if (r < 0.4) {
      const tif = (['GTC', 'GTC', 'GTC', 'IOC', 'FOK', 'DAY', 'GTD'] as const)[rng.int(0, 6)];
      req = {
        symbol: sym,
        side,
        type: 'limit',
        quantity: qty,
        price: px((side === 'buy' ? m.bid : m.ask) - dir * rng.int(-2, 4)),
        timeInForce: tif,
        accountId,
      };
      if (tif === 'GTD') req.expireAt = clock.now() + rng.int(200, 5_000);
      if (tif === 'GTC' && rng.next() < 0.15) req.postOnly = true;
    } else if (r < 0.55) {
      req = { symbol: sym, side, type: 'market', quantity: qty, accountId };
      if (rng.next() < 0.2) req.timeInForce = 'IOC';
    } else if (r < 0.67) {
      req = { symbol: sym, side, type: 'stop', quantity: qty, stopPrice: px(stopTick), accountId };
      req.stopTrigger = stopTriggers[rng.int(0, stopTriggers.length - 1)];
    } else if (r < 0.75) {
      req = {
        symbol: sym,
        side,
        type: 'stop_limit',
        quantity: qty,
        stopPrice: px(stopTick),
        price: px(stopTick + dir * rng.int(0, 3)),
        accountId,
      };
      req.stopTrigger = stopTriggers[rng.int(0, stopTriggers.length - 1)];
    } else if (r < 0.82) {
      req = {
        symbol: sym,
        side,
        type: 'trailing_stop',
        quantity: qty,
        trailingOffset: rng.next() < 0.5 ? { ticks: rng.int(2, 8) } : { price: rng.int(1, 3) },
        accountId,
      };
      req.stopTrigger = stopTriggers[rng.int(0, stopTriggers.length - 1)];
    } else if (r < 0.93) {
      // A 1-lot bracket: market or limit entry, stop-loss and take-profit as offsets or absolute.
      const limit = rng.next() < 0.5;
      req = { symbol: sym, side, type: limit ? 'limit' : 'market', quantity: 1, accountId };
      const entry = side === 'buy' ? m.ask : m.bid;
      if (limit) req.price = px(entry - dir * rng.int(0, 2));
      const ref = limit ? (req.price as number) / TICK : entry;
      const slAt = side === 'buy' ? Math.min(ref, lo) - rng.int(6, 12) : Math.max(ref, hi) + rng.int(6, 12);
      req.bracket = {
        stopLoss: rng.next() < 0.5 ? { ticks: rng.int(4, 12) } : { at: px(slAt) },
        takeProfit: rng.next() < 0.5 ? { ticks: rng.int(2, 10) } : { price: rng.int(1, 3) },
      };
      if (rng.next() < 0.3) delete req.bracket.takeProfit;
      req.stopTrigger = stopTriggers[rng.int(0, stopTriggers.length - 1)];
      ex.placeOrder(req);
      return;
    } else {
      // A plain OCO pair: a limit either side of the market.
      const group = `g${seed}-${placed.length}`;
      for (const s of ['buy', 'sell'] as const) {
        const o = ex.placeOrder({
          symbol: sym,
          side: s,
          type: 'limit',
          quantity: qty,
          price: px(s === 'buy' ? m.bid - rng.int(0, 3) : m.ask + rng.int(0, 3)),
          accountId,
          ocoGroup: group,
        });
        placed.push(o.id);
      }
      return;
    }
    if (rng.next() < 0.08) req.reduceOnly = true;
    const o = ex.placeOrder(req);
    placed.push(o.id);
    if (req.type === 'limit' && req.ocoGroup === undefined) plain.push(o.id);
  };

  const steps = 120 + rng.int(0, 120);
  for (let i = 0; i < steps; i++) {
    clock.advanceBy(rng.int(0, 3) === 0 ? 0 : rng.int(20, 400));
    const sym = SYMBOLS[rng.next() < 0.75 ? 0 : 1] as string;
    const m = mkts.get(sym) as Mkt;
    const r = rng.next();
    if (r < 0.35) moveMarket(sym, m);
    else if (r < 0.45 && (mode === 'quotes' || mode === 'depth')) printTrade(sym, m);
    else if (r < 0.8) place(sym, m);
    else if (r < 0.9) {
      if (placed.length > 0) ex.cancelOrder(placed[rng.int(0, placed.length - 1)] as string);
    } else if (plain.length > 0) {
      const id = plain[rng.int(0, plain.length - 1)] as string;
      const o = ex.getOrder(id);
      if (o.status === 'new' || o.status === 'partially_filled') {
        const changes: { price?: number; quantity?: number } = {};
        if (rng.next() < 0.6) changes.price = (o.price as number) + (o.side === 'buy' ? -1 : 1) * TICK * rng.int(0, 2);
        if (rng.next() < 0.5) changes.quantity = o.filledQuantity + rng.int(1, 4);
        ex.modifyOrder(id, changes);
      }
    }
  }
  clock.runAll();
  for (const o of ex.getOrders()) log.push(JSON.stringify({ final: 'order', o }));
  for (const id of ['a', 'b']) {
    log.push(JSON.stringify({ final: 'account', a: ex.getAccount(id) }));
    for (const s of SYMBOLS) log.push(JSON.stringify({ final: 'position', p: ex.getPosition(id, s) }));
  }
  return `${log.join('\n')}\n`;
}

/** SHA-256 (hex) of a flow's log. */
export function flowDigest(seed: number): string {
  return createHash('sha256').update(runFlow(seed)).digest('hex');
}

/** Number of flows checked. */
export const FLOWS = 200;
