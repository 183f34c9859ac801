import { type ExchangeEvent, type MarketEvent, type OrderUpdateEvent, VirtualClock } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { Exchange, createTradingClient } from '../src/index.js';
import { ES, setup } from './helpers.js';

const orderEvents = (events: ExchangeEvent[], id: string) =>
  events.filter((e): e is OrderUpdateEvent => e.type === 'order' && e.order.id === id).map((e) => e.order.status);

describe('order book walk and slippage', () => {
  it('a market order walks the displayed L2 book level by level', () => {
    const { ex, fills, push } = setup();
    push({
      type: 'book_snapshot',
      bids: [{ price: 99.75, size: 5 }],
      asks: [
        { price: 100, size: 2 },
        { price: 100.25, size: 3 },
        { price: 100.5, size: 10 },
      ],
    } as never);
    const o = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 7 });
    expect(fills.map((f) => [f.quantity, f.price.toNumber()])).toEqual([
      [2, 100],
      [3, 100.25],
      [2, 100.5],
    ]);
    expect(ex.getOrder(o.id).avgFillPrice?.toString()).toBe('100.25'); // (200 + 300.75 + 201) / 7
    // A delta refreshes one level; the consumed ones stay consumed until refreshed.
    push({ type: 'book_delta', bids: [], asks: [{ price: 100, size: 4 }] } as never);
    ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 6, price: 100.5, timeInForce: 'IOC' });
    expect(fills.slice(3).map((f) => [f.quantity, f.price.toNumber()])).toEqual([
      [4, 100],
      [2, 100.5],
    ]);
  });

  it('orders of different accounts cross each other in price-time priority; an account never trades with itself', () => {
    const clock = new VirtualClock();
    const ex = new Exchange({ clock, instruments: [ES], accounts: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
    const a1 = ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'limit', quantity: 2, price: 101, accountId: 'a' });
    const b1 = ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'limit', quantity: 2, price: 100.5, accountId: 'b' });
    const c1 = ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'limit', quantity: 2, price: 100.5, accountId: 'c' });
    const buy = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 5, price: 101, accountId: 'b' });
    // b's own order at 100.5 is skipped: c at 100.5, then a at 101; 1 left rests.
    expect(ex.getOrder(c1.id).status).toBe('filled');
    expect(ex.getOrder(b1.id).status).toBe('new');
    expect(ex.getOrder(a1.id).status).toBe('filled');
    expect(ex.getOrder(buy.id)).toMatchObject({ status: 'partially_filled', filledQuantity: 4 });
    expect(ex.getPosition('a', 'ES').quantity).toBe(-2);
    expect(ex.getPosition('c', 'ES').quantity).toBe(-2);
    expect(ex.getPosition('b', 'ES').quantity).toBe(4);
  });
});

describe('modify and cancel', () => {
  it('a size decrease keeps queue priority; a price change or size increase loses it', () => {
    const clock = new VirtualClock();
    const ex = new Exchange({ clock, instruments: [ES], accounts: [{ id: 'a' }, { id: 'b' }] });
    const first = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 5, price: 100, accountId: 'a' });
    const second = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 5, price: 100, accountId: 'a' });
    ex.modifyOrder(first.id, { quantity: 3 });
    expect(ex.getQueuePosition(second.id)?.ordersAhead).toBe(3);
    ex.modifyOrder(first.id, { quantity: 4 });
    expect(ex.getQueuePosition(first.id)?.ordersAhead).toBe(5);
    ex.modifyOrder(second.id, { price: 99.75 });
    ex.modifyOrder(second.id, { price: 100 });
    expect(ex.getQueuePosition(second.id)?.ordersAhead).toBe(4);
    ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'market', quantity: 4, accountId: 'b' });
    expect(ex.getOrder(first.id).status).toBe('filled');
    expect(ex.getOrder(second.id).status).toBe('new');
    expect(ex.getOrder(first.id).quantity).toBe(4);
  });

  it('cancel moves new → pending_cancel → canceled and frees the book', () => {
    const { ex, events } = setup();
    const o = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 1, price: 100 });
    expect(ex.cancelOrder(o.id)).toBe(true);
    expect(orderEvents(events, o.id)).toEqual(['pending_new', 'new', 'pending_cancel', 'canceled']);
    expect(ex.cancelOrder(o.id)).toBe(false);
    expect(() => ex.modifyOrder(o.id, { price: 99 })).toThrow(
      expect.objectContaining({ code: 'ORDER_NOT_MODIFIABLE' }),
    );
  });

  it('IOC takes what is there and cancels the rest', () => {
    const { ex, quote } = setup();
    quote(99.75, 10, 100, 3);
    const o = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 5, price: 100, timeInForce: 'IOC' });
    expect(ex.getOrder(o.id)).toMatchObject({ status: 'canceled', filledQuantity: 3, remainingQuantity: 0 });
  });
});

describe('time in force', () => {
  it('DAY expires at the session close; GTD at expireAt', () => {
    const start = Date.UTC(2024, 0, 2, 15, 0) * 1000;
    const clock = new VirtualClock({ start });
    const ex = new Exchange({ clock, instruments: [{ ...ES, sessions: [{ open: '14:30', close: '21:00' }] }] });
    const day = ex.placeOrder({
      symbol: 'ES',
      side: 'buy',
      type: 'limit',
      quantity: 1,
      price: 100,
      timeInForce: 'DAY',
    });
    const gtd = ex.placeOrder({
      symbol: 'ES',
      side: 'buy',
      type: 'limit',
      quantity: 1,
      price: 100,
      timeInForce: 'GTD',
      expireAt: start + 60_000_000,
    });
    clock.advanceTo(start + 60_000_000);
    expect(ex.getOrder(gtd.id).status).toBe('expired');
    expect(ex.getOrder(day.id).status).toBe('new');
    clock.advanceTo(Date.UTC(2024, 0, 2, 21, 0) * 1000);
    expect(ex.getOrder(day.id)).toMatchObject({ status: 'expired', updatedAt: Date.UTC(2024, 0, 2, 21, 0) * 1000 });
  });
});

describe('stops', () => {
  it('trailing stop by ticks follows the high and triggers on the pullback', () => {
    const { ex, trade, fills } = setup();
    trade(100, 1);
    ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 1 });
    const ts = ex.placeOrder({
      symbol: 'ES',
      side: 'sell',
      type: 'trailing_stop',
      quantity: 1,
      trailingOffset: { ticks: 8 },
    });
    expect(ex.getOrder(ts.id).stopPrice).toBe(98);
    trade(103, 1);
    expect(ex.getOrder(ts.id).stopPrice).toBe(101);
    trade(101.5, 1);
    expect(ex.getOrder(ts.id).status).toBe('new');
    trade(101, 1);
    expect(fills.at(-1)?.price.toNumber()).toBe(101);
    expect(ex.getPosition('default', 'ES').realizedPnl.toString()).toBe('50');
  });

  it('stop triggers on bid/ask when asked; stop-limit rests at its limit after triggering', () => {
    const { ex, quote, trade } = setup();
    quote(99.75, 10, 100, 10);
    const onAsk = ex.placeOrder({
      symbol: 'ES',
      side: 'buy',
      type: 'stop',
      quantity: 1,
      stopPrice: 100.5,
      stopTrigger: 'ask',
    });
    const stopLimit = ex.placeOrder({
      symbol: 'ES',
      side: 'buy',
      type: 'stop_limit',
      quantity: 1,
      stopPrice: 101,
      price: 101.25,
    });
    trade(100.5, 1); // last reaches 100.5 but the ask has not
    expect(ex.getOrder(onAsk.id).triggered).toBe(false);
    quote(100.25, 10, 100.5, 10);
    expect(ex.getOrder(onAsk.id)).toMatchObject({ triggered: true, status: 'filled' });
    quote(101.5, 10, 101.75, 10);
    trade(101.5, 1);
    expect(ex.getOrder(stopLimit.id)).toMatchObject({ triggered: true, status: 'new', price: 101.25 });
    quote(101, 10, 101.25, 10);
    expect(ex.getOrder(stopLimit.id)).toMatchObject({ status: 'filled', avgFillPrice: expect.objectContaining({}) });
    expect(ex.getOrder(stopLimit.id).avgFillPrice?.toNumber()).toBe(101.25);
  });

  it('OHLC path on an ambiguous bar fills the stop-loss first', () => {
    const { ex, bar, fills } = setup();
    const client = createTradingClient(ex);
    bar(100, 100, 100, 100);
    client.placeBracketOrder({
      symbol: 'ES',
      side: 'buy',
      quantity: 1,
      stopLoss: { ticks: 8 },
      takeProfit: { ticks: 8 },
    });
    bar(100, 100.5, 99.75, 100.25); // entry at the open
    expect(fills.map((f) => f.price.toNumber())).toEqual([100]);
    bar(100.25, 102.5, 97.5, 101); // touches both 102 and 98, closes up: stop-loss first
    expect(fills.map((f) => f.price.toNumber())).toEqual([100, 98]);
    expect(client.getPosition('ES')).toMatchObject({ quantity: 0 });
    expect(client.getOrders({ open: true })).toEqual([]);
  });

  it('plain OCO: the first fill cancels the others', () => {
    const { ex, trade } = setup();
    trade(100, 1);
    const a = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 1, price: 99, ocoGroup: 'g' });
    const b = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'stop', quantity: 1, stopPrice: 101, ocoGroup: 'g' });
    trade(98.75, 1);
    expect(ex.getOrder(a.id).status).toBe('filled');
    expect(ex.getOrder(b.id).status).toBe('canceled');
  });
});

describe('queue models', () => {
  it('risk-averse fills only when the price trades through', () => {
    const { ex, quote, trade, fills } = setup({ queueModel: 'risk-averse' });
    quote(100, 0, 100.25, 10);
    ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 5, price: 100 });
    trade(100, 50);
    expect(fills).toEqual([]);
    trade(99.75, 3);
    expect(fills.map((f) => [f.quantity, f.price.toNumber()])).toEqual([[3, 100]]);
  });

  it('probabilistic: a size decrease moves the order up with probability ahead/size, reproducibly per seed', () => {
    const run = (seed: number) => {
      const { ex, quote } = setup({ queueModel: 'probabilistic', seed });
      quote(100, 100, 100.25, 10);
      const o = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 5, price: 100 });
      quote(100, 150, 100.25, 10); // 50 joins behind
      const path: number[] = [];
      for (let s = 140; s >= 60; s -= 10) {
        quote(100, s, 100.25, 10);
        path.push(ex.getQueuePosition(o.id)?.ahead as number);
      }
      return path;
    };
    const a = run(1);
    expect(run(1)).toEqual(a);
    expect(a.every((x, i) => i === 0 || x <= (a[i - 1] as number))).toBe(true);
    expect(a.at(-1)).toBeLessThanOrEqual(60);
    const many = [1, 2, 3, 4, 5, 6, 7, 8].map((s) => run(s).join());
    expect(new Set(many).size).toBeGreaterThan(1);
  });
});

describe('latency', () => {
  it('orders reach the book at entry time + latency, in arrival order; acks come back after the ack latency', () => {
    const clock = new VirtualClock();
    const ex = new Exchange({ clock, instruments: [ES], latency: { orderEntry: 500, ack: 200 } });
    const seen: [number, string][] = [];
    ex.on('order', (e) => seen.push([clock.now(), `${e.order.id}:${e.order.status}`]));
    ex.onMarketEvent({ type: 'quote', symbol: 'ES', ts: 0, bid: 99.75, bidSize: 10, ask: 100, askSize: 1 });
    const a = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 1 });
    clock.advanceTo(100);
    const b = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 1 });
    expect(a.status).toBe('pending_new');
    clock.advanceTo(550);
    expect(ex.getOrder(a.id).status).toBe('filled');
    expect(ex.getOrder(b.id).status).toBe('pending_new');
    clock.runAll();
    expect(ex.getOrder(b.id).status).toBe('new'); // the 1 lot shown was taken by a
    expect(seen).toEqual([
      [200, 'o1:pending_new'],
      [300, 'o2:pending_new'],
      [700, 'o1:new'],
      [700, 'o1:filled'],
      [800, 'o2:new'],
    ]);
  });

  it('seeded latency distributions give the same timeline for the same seed', () => {
    const timeline = (seed: number) => {
      const clock = new VirtualClock();
      const ex = new Exchange({
        clock,
        seed,
        instruments: [ES],
        latency: { orderEntry: { distribution: 'lognormal', median: 300, sigma: 0.5 } },
      });
      const t: number[] = [];
      ex.on('order', (e) => e.order.status === 'new' && t.push(clock.now()));
      for (let i = 0; i < 5; i++) ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 1, price: 90 });
      clock.runAll();
      return t;
    };
    const a = timeline(7);
    expect(timeline(7)).toEqual(a);
    expect(a).not.toEqual(timeline(8));
    expect(a.every((x, i) => i === 0 || x >= (a[i - 1] as number))).toBe(true);
  });
});

describe('fees', () => {
  it('charges per contract, maker/taker bps (negative = rebate) and a fixed fee on the first fill', () => {
    const clock = new VirtualClock();
    const ex = new Exchange({
      clock,
      instruments: [ES],
      accounts: [{ id: 'a' }, { id: 'b' }],
      fees: { perContract: 0.5, makerBps: -1, takerBps: 2, perOrder: 1 },
    });
    ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'limit', quantity: 2, price: 100, accountId: 'a' });
    ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 2, accountId: 'b' });
    // notional 100 × 2 × 50 = 10000; maker: 1 − 1 + 1 = 1; taker: 1 + 2 + 1 = 4
    expect(ex.getAccount('a').fees.toString()).toBe('1');
    expect(ex.getAccount('b').fees.toString()).toBe('4');
    expect(ex.getAccount('b').balance.toString()).toBe('99996');
  });
});

describe('snapshot and restore', () => {
  it('restores orders, queues, books and positions; both continue identically', () => {
    const build = () => {
      const s = setup({ accounts: [{ id: 'default', balance: 50_000 }], fees: { perContract: 1 } });
      s.quote(99.75, 40, 100, 40);
      s.ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 3 });
      s.ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 5, price: 99.75 });
      s.ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'stop', quantity: 3, stopPrice: 99 });
      s.trade(99.75, 10);
      return s;
    };
    const a = build();
    const snap = a.ex.snapshot();
    const json = JSON.stringify(snap);
    const clock = new VirtualClock({ start: a.clock.now() });
    const b = Exchange.restore(JSON.parse(json), { clock });
    expect(b.getOrders()).toEqual(a.ex.getOrders());
    expect(b.getAccount()).toEqual(a.ex.getAccount());
    expect(b.snapshot()).toEqual(snap);
    const bFills: string[] = [];
    b.on('fill', (e) => bFills.push(`${e.fill.id} ${e.fill.quantity}@${e.fill.price}`));
    const aFills: string[] = [];
    a.ex.on('fill', (e) => aFills.push(`${e.fill.id} ${e.fill.quantity}@${e.fill.price}`));
    const t0 = a.clock.now();
    for (const ex of [a.ex, b]) {
      ex.onMarketEvent({ type: 'trade', symbol: 'ES', ts: t0 + 1, price: 99.75, size: 40, side: 'sell' });
      ex.onMarketEvent({ type: 'trade', symbol: 'ES', ts: t0 + 2, price: 98.5, size: 40, side: 'sell' });
    }
    expect(bFills).toEqual(aFills);
    expect(aFills.length).toBeGreaterThan(0);
    expect(b.getAccount()).toEqual(a.ex.getAccount());
  });

  it('numbers fills the same whether or not anyone listens', () => {
    const ids: string[][] = [];
    for (const listenFromStart of [true, false]) {
      const clock = new VirtualClock();
      const ex = new Exchange({ clock, instruments: [ES] });
      const seen: string[] = [];
      const listen = () => ex.on('fill', (e) => seen.push(e.fill.id));
      if (listenFromStart) listen();
      ex.onMarketEvent({ type: 'quote', symbol: 'ES', ts: 0, bid: 99.75, bidSize: 100, ask: 100, askSize: 100 });
      for (let i = 0; i < 3; i++) ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 1 });
      if (!listenFromStart) listen();
      ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'market', quantity: 1 });
      ids.push(seen.slice(-1));
    }
    expect(ids).toEqual([['f4'], ['f4']]);
  });

  /** An exchange with a uniformly drawn ack latency and a 99.75 / 100 market. */
  const withDrawnAck = (seed: number, min: number, max: number) => {
    const clock = new VirtualClock();
    const ex = new Exchange({
      clock,
      instruments: [ES],
      seed,
      latency: { ack: { distribution: 'uniform', min, max } },
    });
    ex.onMarketEvent({ type: 'quote', symbol: 'ES', ts: 0, bid: 99.75, bidSize: 100, ask: 100, askSize: 100 });
    return { clock, ex };
  };

  it('delivers fills at the same times whichever other events are listened to (drawn ack latency)', () => {
    const deliveries = (listenAll: boolean) => {
      const { clock, ex } = withDrawnAck(9, 100, 5_000);
      const seen: string[] = [];
      ex.on('fill', (e) => seen.push(`${e.fill.id}@${clock.now()}`));
      if (listenAll) for (const k of ['order', 'position', 'account'] as const) ex.on(k, () => {});
      for (let i = 0; i < 5; i++) {
        ex.placeOrder({ symbol: 'ES', side: i % 2 ? 'sell' : 'buy', type: 'market', quantity: 1 });
        clock.advanceBy(1_000);
      }
      clock.runAll();
      return seen;
    };
    const quiet = deliveries(false);
    expect(quiet).toHaveLength(5);
    expect(deliveries(true)).toEqual(quiet);
  });

  it('a restored exchange delivers later reports exactly like the original (drawn ack latency)', () => {
    const { clock, ex: a } = withDrawnAck(4, 1_000, 50_000);
    for (let i = 0; i < 3; i++) a.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 1 });
    const snap = a.snapshot(); // nobody listens: nothing in flight, but the last report is still ahead
    expect(snap.lastReportAt).toBeGreaterThan(snap.ts);
    const bClock = new VirtualClock({ start: clock.now() });
    const b = Exchange.restore(JSON.parse(JSON.stringify(snap)), { clock: bClock });
    const seen = (ex: Exchange, c: VirtualClock) => {
      const out: string[] = [];
      ex.on('fill', (e) => out.push(`${e.fill.id}@${c.now()}`));
      for (let i = 0; i < 3; i++) ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'market', quantity: 1 });
      c.runAll();
      return out;
    };
    const fromA = seen(a, clock);
    expect(fromA).toHaveLength(3);
    expect(seen(b, bClock)).toEqual(fromA);
  });

  it('refuses to snapshot while requests are in flight', () => {
    const clock = new VirtualClock();
    const ex = new Exchange({ clock, instruments: [ES], latency: { orderEntry: 100 } });
    ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 1, price: 90 });
    expect(() => ex.snapshot()).toThrow(expect.objectContaining({ code: 'EXCHANGE_SNAPSHOT_BUSY' }));
    clock.runAll();
    expect(ex.snapshot().orders).toHaveLength(1);
  });
});

describe('event streams', () => {
  it('events() yields the same events as on("event") and ends on close()', async () => {
    const { ex, quote, events } = setup();
    const it = ex.events();
    quote(99.75, 10, 100, 10);
    ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 2 });
    ex.close();
    const got: ExchangeEvent[] = [];
    for await (const e of it) got.push(e);
    expect(got).toEqual(events);
    expect(got.map((e) => e.type)).toEqual(['order', 'order', 'fill', 'order', 'position', 'account']);
  });

  it('feed() runs a source through the exchange, advancing the virtual clock', async () => {
    const clock = new VirtualClock();
    const ex = new Exchange({ clock, instruments: [ES], latency: { orderEntry: 1_000 } });
    ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 1 });
    async function* source() {
      yield { type: 'trade' as const, symbol: 'ES', ts: 500, price: 100, size: 1, side: 'buy' as const };
      yield { type: 'trade' as const, symbol: 'ES', ts: 2_000, price: 101, size: 1, side: 'buy' as const };
    }
    expect(await ex.feed(source())).toBe(2);
    expect(clock.now()).toBe(2_000);
    // The order arrived at 1000, after the print at 100: it filled there.
    expect(ex.getPosition('default', 'ES')).toMatchObject({ quantity: 1, markPrice: 101 });
    expect(ex.getPosition('default', 'ES').avgPrice.toNumber()).toBe(100);
  });

  it('feed() reads a source with batches() batch by batch, with the same result', async () => {
    const trades = [500, 2_000, 2_000, 3_500].map((ts, i) => ({
      type: 'trade' as const,
      symbol: 'ES',
      ts,
      price: 100 + i,
      size: 1,
      side: 'buy' as const,
    }));
    const outcome = async (source: Parameters<Exchange['feed']>[0]) => {
      const clock = new VirtualClock();
      const ex = new Exchange({ clock, instruments: [ES], latency: { orderEntry: 1_000 } });
      const fills: string[] = [];
      ex.on('fill', (e) => fills.push(`${e.fill.price}@${clock.now()}`));
      ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 2 });
      const n = await ex.feed(source);
      return { n, now: clock.now(), fills };
    };
    const batched = {
      async *batches() {
        yield trades.slice(0, 3);
        yield trades.slice(3);
      },
      [Symbol.asyncIterator]() {
        throw new Error('feed() should have used batches()');
      },
    };
    const viaBatches = await outcome(batched as unknown as AsyncIterable<(typeof trades)[number]>);
    expect(viaBatches).toEqual(await outcome(trades));
    // The order arrives at 1000 and fills whole at the last print then (no printShare).
    expect(viaBatches).toMatchObject({ n: 4, now: 3_500, fills: ['100@1000'] });
  });
});

describe('feed() and async strategies on virtual time', () => {
  const quote = (ts: number, bid: number) => ({
    type: 'quote' as const,
    symbol: 'ES',
    ts,
    bid,
    bidSize: 10,
    ask: bid + 0.25,
    askSize: 10,
  });
  const events = [quote(500, 99.75), quote(1_500, 101.75), quote(2_500, 103.75)];

  it('a strategy awaiting clock.sleep() acts at its own time, before later events, whatever the source', async () => {
    const sources = {
      array: () => events,
      generator: async function* () {
        yield* events;
      },
      batches: () =>
        ({
          async *batches() {
            yield events;
          },
        }) as unknown as AsyncIterable<MarketEvent>,
    };
    for (const [kind, make] of Object.entries(sources)) {
      const clock = new VirtualClock();
      const ex = new Exchange({ clock, instruments: [ES] });
      const fills: string[] = [];
      ex.on('fill', (e) => fills.push(`${e.fill.price}@${e.ts}`));
      const strategy = (async () => {
        await clock.sleep(1_000);
        ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 1 });
      })();
      await ex.feed(make());
      await strategy;
      // Placed at 1000, when the 500 quote was the market: bought at its ask.
      expect([kind, fills]).toEqual([kind, ['100@1000']]);
    }
  });
});

describe('exact FIFO with order-level data', () => {
  it('queues behind the venue orders before it and fills when orders behind it execute', () => {
    const { ex, fills, trade } = setup({ queueModel: 'fifo' });
    const l3 = (e: Record<string, unknown>) => ex.onOrderLevelEvent({ symbol: 'ES', ts: 0, ...e } as never);
    l3({ type: 'order_add', orderId: 'A', side: 'bid', price: 100, size: 5 });
    l3({ type: 'order_add', orderId: 'B', side: 'bid', price: 100, size: 3 });
    const mine = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 4, price: 100 });
    l3({ type: 'order_add', orderId: 'C', side: 'bid', price: 100, size: 10 });
    expect(ex.getQueuePosition(mine.id)).toEqual({ ahead: 0, ordersAhead: 8 }); // A and B
    l3({ type: 'order_execute', orderId: 'A', size: 5 });
    trade(100, 20); // prints alone never fill in the FIFO model
    expect(fills).toEqual([]);
    l3({ type: 'order_modify', orderId: 'B', size: 1 });
    l3({ type: 'order_cancel', orderId: 'B' });
    l3({ type: 'order_execute', orderId: 'C', size: 6 });
    expect(fills.map((f) => [f.quantity, f.price.toNumber(), f.liquidity])).toEqual([[4, 100, 'maker']]);
    expect(ex.getOrder(mine.id).status).toBe('filled');
  });

  it('a market order takes venue orders as liquidity and the snapshot keeps them', () => {
    const { ex, fills } = setup({ queueModel: 'fifo' });
    ex.onOrderLevelEvent({
      type: 'order_add',
      symbol: 'ES',
      ts: 0,
      orderId: 'S1',
      side: 'ask',
      price: 100.25,
      size: 2,
    });
    ex.onOrderLevelEvent({ type: 'order_add', symbol: 'ES', ts: 0, orderId: 'S2', side: 'ask', price: 100.5, size: 5 });
    const snap = ex.snapshot();
    const copy = Exchange.restore(JSON.parse(JSON.stringify(snap)), { clock: new VirtualClock({ start: 1_000 }) });
    expect(copy.snapshot().markets).toEqual(snap.markets);
    ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 3 });
    expect(fills.map((f) => [f.quantity, f.price.toNumber()])).toEqual([
      [2, 100.25],
      [1, 100.5],
    ]);
  });
});

describe('data sources and policies', () => {
  it('market-data latency delays what the user sees, not what the exchange matches on', () => {
    const clock = new VirtualClock();
    const ex = new Exchange({ clock, instruments: [ES], latency: { marketData: 250 } });
    const seen: [number, number][] = [];
    ex.on('market', (e) => seen.push([clock.now(), e.ts]));
    ex.onMarketEvent({ type: 'quote', symbol: 'ES', ts: 1_000, bid: 99.75, bidSize: 1, ask: 100, askSize: 1 });
    expect(seen).toEqual([]);
    const o = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 1 });
    expect(ex.getOrder(o.id).status).toBe('filled');
    clock.runAll();
    expect(seen).toEqual([[1_250, 1_000]]);
  });

  it('feed() takes plain arrays too; bars with barMarketOrders "last_close" fill at once at the close', async () => {
    const clock = new VirtualClock();
    const ex = new Exchange({ clock, instruments: [ES], fillPolicy: { barMarketOrders: 'last_close' } });
    const bar = (ts: number, o: number, c: number) => ({
      type: 'bar' as const,
      symbol: 'ES',
      ts,
      start: ts - 60_000_000,
      timeframe: '1m',
      open: o,
      high: Math.max(o, c),
      low: Math.min(o, c),
      close: c,
      volume: 10,
    });
    expect(await ex.feed([bar(60_000_000, 100, 101), bar(120_000_000, 101, 102.5)])).toBe(2);
    const o = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 1 });
    expect(ex.getOrder(o.id)).toMatchObject({ status: 'filled' });
    expect(ex.getOrder(o.id).avgFillPrice?.toNumber()).toBe(102.5);
  });
});

describe('retainClosedOrders', () => {
  const market = (ex: Exchange, side: 'buy' | 'sell' = 'buy') =>
    ex.placeOrder({ symbol: 'ES', side, type: 'market', quantity: 1 }).id;

  it('forgets the oldest closed orders beyond the limit, never working ones', () => {
    const { ex, quote } = setup({ retainClosedOrders: 3 });
    quote(99.75, 1000, 100, 1000);
    const resting = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 1, price: 90 }).id;
    const ids = Array.from({ length: 10 }, (_, i) => market(ex, i % 2 ? 'sell' : 'buy'));
    expect(ex.getOrders().map((o) => o.id)).toEqual([resting, ...ids.slice(-3)]);
    expect(ex.getOrder(resting).status).toBe('new');
    const err = (() => {
      try {
        ex.getOrder(ids[0] as string);
      } catch (e) {
        return e as Error & { code: string };
      }
    })();
    expect(err?.code).toBe('ORDER_UNKNOWN');
    expect(err?.message).toContain('7 closed order(s) were forgotten under `retainClosedOrders: 3`');
    expect(ex.cancelOrder(resting)).toBe(true);
    expect(ex.getOrders().map((o) => o.id)).toEqual([resting, ...ids.slice(-2)]); // placement order
  });

  it('keeps a filled bracket entry while its children work, and forgets it after', () => {
    const { ex, quote, trade } = setup({ retainClosedOrders: 0 });
    const client = createTradingClient(ex);
    quote(99.75, 100, 100, 100);
    const entry = client.placeBracketOrder({
      symbol: 'ES',
      side: 'buy',
      quantity: 1,
      stopLoss: { ticks: 8 },
      takeProfit: { ticks: 8 },
    });
    const entryId = (entry as { id: string }).id;
    expect(ex.getOrder(entryId).status).toBe('filled');
    for (let i = 0; i < 5; i++) market(ex, i % 2 ? 'buy' : 'sell');
    expect(ex.getOrder(entryId).status).toBe('filled');
    const children = ex.getOrders({ open: true }).filter((o) => o.parentId === entryId);
    expect(children).toHaveLength(2);
    trade(97.75, 5); // the stop-loss triggers on the print through the (stale) bid…
    quote(97.5, 100, 97.75, 100); // …and fills on the refreshed book; the take-profit is canceled (OCO)
    market(ex); // one more close looks at the entry again
    expect(ex.getOrders()).toEqual([]);
    expect(() => ex.getOrder(entryId)).toThrow(expect.objectContaining({ code: 'ORDER_UNKNOWN' }));
  });

  it('openOrderCount counts every order not yet terminal (in flight, inactive bracket legs, working)', () => {
    const { ex, quote, trade } = setup({ latency: { orderEntry: 1000 } });
    const seen: number[] = [];
    const check = () => {
      expect(ex.openOrderCount).toBe(ex.getOrders({ open: true }).length);
      seen.push(ex.openOrderCount);
    };
    quote(99.75, 100, 100, 100);
    check();
    ex.placeOrder({
      symbol: 'ES',
      side: 'buy',
      type: 'limit',
      quantity: 1,
      price: 99,
      bracket: { stopLoss: { ticks: 8 }, takeProfit: { ticks: 8 } },
    });
    check(); // in flight
    quote(98.75, 100, 99.5, 100); // lands and rests, with its two inactive legs
    check();
    trade(98.75, 10); // fills through; the legs work
    check();
    trade(96, 10); // the stop-loss triggers and fills; the take-profit is cancelled (OCO)
    quote(95.75, 100, 96, 100);
    check();
    expect(seen[0]).toBe(0);
    expect(seen[1]).toBeGreaterThan(0);
    expect(seen[2]).toBe(3);
    expect(seen.at(-1)).toBe(0);
  });

  it('survives snapshot and restore: both forget the same orders afterwards', () => {
    const a = setup({ retainClosedOrders: 2 });
    a.quote(99.75, 1000, 100, 1000);
    for (let i = 0; i < 4; i++) market(a.ex);
    const snap = a.ex.snapshot();
    expect(snap.options.retainClosedOrders).toBe(2);
    expect(snap.closed).toHaveLength(2);
    const b = Exchange.restore(JSON.parse(JSON.stringify(snap)), { clock: new VirtualClock({ start: a.clock.now() }) });
    expect(b.snapshot()).toEqual(snap);
    for (const ex of [a.ex, b]) for (let i = 0; i < 3; i++) market(ex, 'sell');
    expect(b.getOrders().map((o) => o.id)).toEqual(a.ex.getOrders().map((o) => o.id));
    expect(b.getOrders()).toHaveLength(2);
    expect(b.snapshot()).toEqual(a.ex.snapshot());
  });

  it('rejects a limit that is not an integer ≥ 0 or Infinity', () => {
    for (const bad of [-1, 1.5, Number.NaN, '3']) {
      expect(() => setup({ retainClosedOrders: bad as number })).toThrow(
        expect.objectContaining({ code: 'EXCHANGE_CONFIG_INVALID' }),
      );
    }
    expect(() => setup({ retainClosedOrders: Number.POSITIVE_INFINITY })).not.toThrow();
  });

  it('getOrders({ open: true }) lists working orders oldest first, bracket children included', () => {
    const { ex, quote } = setup();
    const client = createTradingClient(ex);
    quote(99.75, 100, 100, 100);
    ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 1, price: 95 });
    client.placeBracketOrder({
      symbol: 'ES',
      side: 'buy',
      quantity: 1,
      stopLoss: { ticks: 8 },
      takeProfit: { ticks: 8 },
    });
    ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'limit', quantity: 1, price: 105 });
    market(ex);
    const open = ex.getOrders({ open: true });
    expect(open.length).toBe(4);
    expect(open).toEqual(ex.getOrders().filter((o) => o.status !== 'filled' && o.status !== 'canceled'));
  });
});

describe('fillPolicy.printShare (prints or bars only)', () => {
  const fillsOf = (fills: { quantity: number; price: { toNumber(): number } }[]) =>
    fills.map((f) => [f.quantity, f.price.toNumber()]);

  it('a market order takes at most the share of each print; the rest waits for the next prints', () => {
    const { ex, trade, fills } = setup({ fillPolicy: { printShare: 0.5 } });
    trade(100, 10);
    const o = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 8 });
    expect(fillsOf(fills)).toEqual([[5, 100]]);
    expect(ex.getOrder(o.id).status).toBe('partially_filled');
    trade(100.25, 4);
    trade(100.5, 10);
    expect(fillsOf(fills)).toEqual([
      [5, 100],
      [2, 100.25],
      [1, 100.5],
    ]);
    expect(ex.getOrder(o.id).status).toBe('filled');
  });

  it('what one order took is gone for the next until the next print', () => {
    const { ex, trade, fills } = setup({ fillPolicy: { printShare: 1 } });
    trade(100, 4);
    ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 3 });
    const second = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 3 });
    expect(fillsOf(fills)).toEqual([
      [3, 100],
      [1, 100],
    ]);
    expect(ex.getOrder(second.id).status).toBe('partially_filled');
    trade(99.75, 1);
    expect(fillsOf(fills).at(-1)).toEqual([1, 99.75]);
  });

  it('IOC cancels the rest; FOK checks the capped size', () => {
    const { ex, trade, fills } = setup({ fillPolicy: { printShare: 0.5 } });
    trade(100, 10);
    const ioc = ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'market', quantity: 8, timeInForce: 'IOC' });
    expect(ex.getOrder(ioc.id)).toMatchObject({ status: 'canceled', filledQuantity: 5 });
    trade(100, 10);
    const fok = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 6, timeInForce: 'FOK' });
    expect(ex.getOrder(fok.id)).toMatchObject({ status: 'rejected', rejectReason: expect.any(String) });
    const ok = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 5, timeInForce: 'FOK' });
    expect(ex.getOrder(ok.id).status).toBe('filled');
    expect(fills.map((f) => f.quantity)).toEqual([5, 5]);
  });

  it('caps market orders at the next bar open by the share of the bar volume', () => {
    const { ex, bar, fills } = setup({ fillPolicy: { printShare: 0.1 } }); // bars have volume 1000
    bar(100, 101, 99, 100.5);
    const o = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 150 });
    expect(fills).toEqual([]);
    bar(101, 102, 100, 101.5);
    bar(102, 103, 101, 102.5);
    expect(fillsOf(fills)).toEqual([
      [100, 101],
      [50, 102],
    ]);
    expect(ex.getOrder(o.id).status).toBe('filled');
  });

  it('without printShare an order fills whole at the last print, as before', () => {
    const { ex, trade, fills } = setup();
    trade(100, 1);
    ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'market', quantity: 500 });
    expect(fillsOf(fills)).toEqual([[500, 100]]);
  });

  it('rejects a share outside (0, 1]', () => {
    for (const bad of [0, -0.1, 1.5, Number.NaN, '0.5']) {
      expect(() => setup({ fillPolicy: { printShare: bad as number } })).toThrow(
        expect.objectContaining({ code: 'EXCHANGE_CONFIG_INVALID' }),
      );
    }
  });
});
