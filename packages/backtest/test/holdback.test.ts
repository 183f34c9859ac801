/**
 * The engine holds bars back from order-sim while the exchange is idle (no open order, no timer)
 * and feeds the latest bar per symbol just before anything reads or changes the exchange. These
 * tests drive the same random decisions through `runBacktest` and through an order-sim exchange
 * fed every event by hand, and compare every fill and every read (account, position, open
 * orders) — on two symbols with gaps, a halt, entry latency, a print share of the bar volume,
 * DAY orders, brackets, cancels and modifies, and long idle stretches between orders.
 */
import { Exchange, type ExchangeOptions } from '@tradekit/order-sim';
import {
  type BarEvent,
  type Fill,
  type MarketEvent,
  type Order,
  type OrderRequest,
  Rng,
  VirtualClock,
} from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { defineStrategy, randomWalkBars, runBacktest } from '../src/index.js';

const MNQ = { symbol: 'MNQ', tickSize: 0.25, multiplier: 2 };
const MES = { symbol: 'MES', tickSize: 0.25, multiplier: 5 };

/** What the decisions may do: the backtest's context or the hand-driven exchange. */
interface Api {
  place(r: Omit<OrderRequest, 'accountId'>): Order;
  cancel(id: string): boolean;
  modify(id: string, changes: { price?: number; quantity?: number }): Order;
  openOrders(): Order[];
  position(symbol: string): string;
  account(): string;
  /** The position as the fills delivered so far say (they arrive after the ack latency). */
  delivered(symbol: string): number;
}

/** Two symbols with their own paths, a few bars of MES missing, and a halt of MES. */
function events(count: number): MarketEvent[] {
  const a = randomWalkBars({ count, seed: 31, symbol: 'MNQ' });
  const b = randomWalkBars({ count, seed: 32, symbol: 'MES', price: 5000 });
  const out: MarketEvent[] = [];
  for (let i = 0; i < count; i++) {
    const x = a[i] as BarEvent;
    out.push(x);
    if (i % 97 === 13) continue; // a gap in MES
    if (i === 700) out.push({ type: 'status', symbol: 'MES', ts: x.ts, status: 'halt' });
    if (i === 760) out.push({ type: 'status', symbol: 'MES', ts: x.ts, status: 'open' });
    out.push(b[i] as BarEvent);
  }
  return out;
}

/** Random orders now and then, reads more often: most reads fall in idle stretches. */
function decide(rng: Rng, bar: BarEvent, api: Api, log: string[]): void {
  const u = rng.next();
  const sym = bar.symbol;
  const px = bar.close;
  if (u < 0.012) {
    api.place({ symbol: sym, side: rng.next() < 0.5 ? 'buy' : 'sell', type: 'market', quantity: 1 + rng.int(0, 2) });
  } else if (u < 0.02) {
    const buy = rng.next() < 0.5;
    api.place({
      symbol: sym,
      side: buy ? 'buy' : 'sell',
      type: 'limit',
      quantity: 1,
      price: buy ? px - 0.25 * rng.int(0, 8) : px + 0.25 * rng.int(0, 8),
      ...(rng.next() < 0.3 ? { timeInForce: 'DAY' as const } : {}),
    });
  } else if (u < 0.025) {
    api.place({
      symbol: sym,
      side: 'buy',
      type: 'limit',
      quantity: 2,
      price: px - 0.5,
      bracket: { stopLoss: { ticks: 12 }, takeProfit: { ticks: 12 } },
    });
  } else if (u < 0.03) {
    const sell = rng.next() < 0.5;
    api.place({
      symbol: sym,
      side: sell ? 'sell' : 'buy',
      type: 'stop',
      quantity: 1,
      stopPrice: sell ? bar.low - 1 : bar.high + 1,
    });
  } else if (u < 0.04) {
    const open = api.openOrders().filter((o) => o.status === 'new' && o.type === 'limit' && o.parentId === undefined);
    const o = open[0];
    if (o) {
      if (rng.next() < 0.5) api.cancel(o.id);
      else api.modify(o.id, { price: (o.price as number) + (o.side === 'buy' ? -0.25 : 0.25) });
    }
  }
  if (rng.next() < 0.1) log.push(`${bar.ts} account ${api.account()}`);
  if (rng.next() < 0.1) log.push(`${bar.ts} position ${api.position(sym)}`);
  log.push(`${bar.ts} delivered ${api.delivered(sym)}`);
  if (rng.next() < 0.05) {
    log.push(
      `${bar.ts} open ${api
        .openOrders()
        .map((o) => `${o.id}:${o.status}:${o.filledQuantity}`)
        .join(',')}`,
    );
  }
}

const accountText = (a: ReturnType<Exchange['getAccount']>) =>
  `${a.ts} ${a.balance} ${a.equity} ${a.fees} ${a.realizedPnl} ${a.unrealizedPnl} ${a.marginUsed} ${a.buyingPower}`;
const positionText = (p: ReturnType<Exchange['getPosition']>) =>
  `${p.quantity} ${p.avgPrice} ${p.realizedPnl} ${p.unrealizedPnl} ${p.markPrice}`;
const fillRow = (f: { id: string; orderId: string; ts: number; quantity: number; price: unknown; fee: unknown }) =>
  `${f.id} ${f.orderId} ${f.ts} ${f.quantity} ${String(f.price)} ${String(f.fee)}`;

type Options = Omit<ExchangeOptions, 'clock' | 'instruments' | 'accounts'>;

function byHand(data: MarketEvent[], options: Options, seed: number) {
  const clock = new VirtualClock({ start: 0 });
  const ex = new Exchange({
    retainClosedOrders: 10_000,
    ...options,
    clock,
    instruments: [MNQ, MES],
    accounts: [{ id: 'backtest', balance: '100000' }],
  });
  const fills: Fill[] = [];
  const pos = new Map<string, number>();
  ex.on('fill', (e) => {
    fills.push(e.fill);
    const f = e.fill;
    pos.set(f.symbol, (pos.get(f.symbol) ?? 0) + (f.side === 'buy' ? f.quantity : -f.quantity));
  });
  const log: string[] = [];
  const rng = new Rng(seed);
  const api: Api = {
    place: (r) => ex.placeOrder({ ...r, accountId: 'backtest' } as OrderRequest),
    cancel: (id) => ex.cancelOrder(id),
    modify: (id, c) => ex.modifyOrder(id, c),
    openOrders: () => ex.getOrders({ accountId: 'backtest', open: true }),
    position: (s) => positionText(ex.getPosition('backtest', s)),
    account: () => accountText(ex.getAccount('backtest')),
    delivered: (s) => pos.get(s) ?? 0,
  };
  for (const e of data) {
    ex.onMarketEvent(e);
    if (e.type === 'bar') decide(rng, e, api, log);
  }
  log.push(`end account ${api.account()}`);
  return { fills: fills.map(fillRow), log };
}

async function throughBacktest(data: MarketEvent[], options: Options, seed: number) {
  const log: string[] = [];
  const rng = new Rng(seed);
  let api: Api | undefined;
  const strategy = defineStrategy({
    name: 'random-orders',
    onStart(ctx) {
      api = {
        place: (r) => ctx.placeOrder(r),
        cancel: (id) => ctx.cancelOrder(id),
        modify: (id, c) => ctx.modifyOrder(id, c),
        openOrders: () => ctx.openOrders(),
        position: (s) => positionText(ctx.getPosition(s)),
        account: () => accountText(ctx.account()),
        delivered: (s) => ctx.position(s),
      };
    },
    onBar(bar) {
      decide(rng, bar, api as Api, log);
    },
    onEnd() {
      log.push(`end account ${(api as Api).account()}`);
    },
  });
  const result = await runBacktest({ strategy, data, instruments: [MNQ, MES], exchange: options });
  return { fills: result.fills.map(fillRow), log, result };
}

describe('bars held back from the idle exchange', () => {
  const data = events(4000);
  const cases: [string, Options][] = [
    ['no latency', { fees: { perContract: 0.62 } }],
    ['order-entry latency', { fees: { perContract: 0.62 }, latency: { orderEntry: 90_000_000 }, seed: 5 }],
    [
      'ack latency (fills reported later)',
      { fees: { perContract: 0.62 }, latency: { orderEntry: 1_000_000, ack: 150_000_000 }, seed: 9 },
    ],
    ['a print share of the bar volume', { fees: { perContract: 0.62 }, fillPolicy: { printShare: 0.001 } }],
  ];
  for (const [name, options] of cases) {
    it(`fills and every read equal an exchange fed every bar (${name})`, async () => {
      for (const seed of [1, 2]) {
        const hand = byHand(data, options, seed);
        const bt = await throughBacktest(data, options, seed);
        expect(hand.fills.length).toBeGreaterThan(40);
        expect(hand.log.length).toBeGreaterThan(400);
        expect(bt.fills).toEqual(hand.fills);
        expect(bt.log).toEqual(hand.log);
        expect(accountText(bt.result.account)).toBe((hand.log.at(-1) as string).slice('end account '.length));
      }
    });
  }
});
