/**
 * Issue 12, section 1: the hard cases. Each test failed on the exchange before the fix.
 */
import { readFileSync } from 'node:fs';
import { type ExchangeEvent, VirtualClock, assertTransition } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { Exchange, createTradingClient } from '../src/index.js';
import { MNQ, setup } from './helpers.js';

const code = (c: string) => expect.objectContaining({ code: c });

describe('1. a partial fill of a bracket leg reduces the other leg', () => {
  it('a 2-lot bracket whose take-profit fills 1 lot keeps a 1-lot stop-loss; a full fill cancels it', () => {
    const { ex, quote, trade } = setup();
    quote(100, 10, 100.25, 10);
    const entry = ex.placeOrder({
      symbol: 'ES',
      side: 'buy',
      type: 'market',
      quantity: 2,
      bracket: { stopLoss: { ticks: 8 }, takeProfit: { ticks: 4 } },
    });
    expect(ex.getOrder(entry.id)).toMatchObject({ status: 'filled', filledQuantity: 2 });
    const [sl, tp] = ex.getOrders({ open: true });
    expect(sl).toMatchObject({ type: 'stop', stopPrice: 98.25, quantity: 2, status: 'new' });
    expect(tp).toMatchObject({ type: 'limit', price: 101.25, quantity: 2, status: 'new' });
    // The market trades through the take-profit for 1 lot only.
    quote(101, 5, 101.5, 5);
    trade(101.5, 1);
    expect(ex.getOrder(tp!.id)).toMatchObject({ status: 'partially_filled', filledQuantity: 1 });
    expect(ex.getOrder(sl!.id)).toMatchObject({ status: 'new', quantity: 1, remainingQuantity: 1 });
    expect(ex.getPosition('default', 'ES').quantity).toBe(1);
    // The rest of the take-profit fills: the stop-loss goes.
    trade(101.5, 1);
    expect(ex.getOrder(tp!.id).status).toBe('filled');
    expect(ex.getOrder(sl!.id).status).toBe('canceled');
    expect(ex.getPosition('default', 'ES').quantity).toBe(0);
  });

  it('a stop-loss that fills 1 of 2 lots leaves a 1-lot take-profit', () => {
    const { ex, quote } = setup();
    quote(100, 10, 100.25, 10);
    ex.placeOrder({
      symbol: 'ES',
      side: 'buy',
      type: 'market',
      quantity: 2,
      bracket: { stopLoss: { at: 99 }, takeProfit: { at: 102 } },
    });
    const [sl, tp] = ex.getOrders({ open: true });
    quote(98.75, 1, 99, 10); // the stop triggers and finds 1 lot of bid: the rest waits
    expect(ex.getOrder(sl!.id)).toMatchObject({ status: 'partially_filled', filledQuantity: 1 });
    expect(ex.getOrder(tp!.id)).toMatchObject({ status: 'new', quantity: 1 });
  });

  it('plain OCO groups: ocoOnPartial "cancel" (default) cancels, "reduce" shrinks the sibling', () => {
    for (const mode of ['cancel', 'reduce'] as const) {
      const { ex, quote, trade } = setup({ ocoOnPartial: mode });
      quote(100, 10, 100.25, 10);
      const a = ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'limit', quantity: 3, price: 101, ocoGroup: 'g' });
      const b = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 3, price: 99, ocoGroup: 'g' });
      trade(101.25, 1);
      expect(ex.getOrder(a.id)).toMatchObject({ status: 'partially_filled', filledQuantity: 1 });
      if (mode === 'cancel') expect(ex.getOrder(b.id).status).toBe('canceled');
      else expect(ex.getOrder(b.id)).toMatchObject({ status: 'new', quantity: 2, remainingQuantity: 2 });
    }
  });

  it('rejects an unknown ocoOnPartial', () => {
    expect(() => setup({ ocoOnPartial: 'shrink' as never })).toThrow(code('EXCHANGE_CONFIG_INVALID'));
  });
});

describe('2. a stop triggered by a print never fills better than the print', () => {
  it('a sell stop triggered by a trade through a stale bid waits for the refreshed book', () => {
    const { ex, quote, trade, fills } = setup({ instruments: [MNQ] });
    const q = (bid: number) => quote(bid, 10, bid + 0.25, 10, 'MNQ');
    q(19989.75);
    const stop = ex.placeOrder({ symbol: 'MNQ', side: 'sell', type: 'stop', quantity: 1, stopPrice: 19950 });
    trade(19900, 3, 'MNQ'); // CME sends the trade before the book update
    expect(fills.filter((f) => f.orderId === stop.id)).toEqual([]);
    expect(ex.getOrder(stop.id)).toMatchObject({ status: 'new', triggered: true });
    q(19899.75);
    const f = fills.find((x) => x.orderId === stop.id);
    expect(f?.price.toString()).toBe('19899.75');
  });

  it('a buy stop triggered by a print above a stale ask fills against the next book, not the stale ask', () => {
    const { ex, quote, trade, fills } = setup({ instruments: [MNQ] });
    quote(20000, 10, 20000.25, 10, 'MNQ');
    const stop = ex.placeOrder({ symbol: 'MNQ', side: 'buy', type: 'stop', quantity: 1, stopPrice: 20050 });
    trade(20100, 1, 'MNQ');
    expect(fills).toEqual([]);
    quote(20100, 10, 20100.25, 10, 'MNQ');
    expect(fills.find((x) => x.orderId === stop.id)?.price.toString()).toBe('20100.25');
  });

  it('a print inside the book fills the stop against the book at once', () => {
    const { ex, quote, trade, fills } = setup({ instruments: [MNQ] });
    quote(20000, 10, 20000.25, 10, 'MNQ');
    trade(20000, 1, 'MNQ');
    const stop = ex.placeOrder({ symbol: 'MNQ', side: 'sell', type: 'stop', quantity: 1, stopPrice: 19999 });
    quote(19998.75, 10, 19999, 10, 'MNQ');
    // The stop watches the last trade: the print at the bid triggers it and it fills there.
    trade(19998.75, 1, 'MNQ');
    expect(fills.find((x) => x.orderId === stop.id)?.price.toString()).toBe('19998.75');
  });
});

describe('3. stops on the wrong side of the market are rejected', () => {
  const market = () => {
    const s = setup();
    s.quote(100, 10, 100.25, 10);
    s.trade(100, 1);
    return s;
  };
  it('a sell stop above the market and a buy stop below it', () => {
    const { ex } = market();
    const sell = ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'stop', quantity: 1, stopPrice: 101 });
    const buy = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'stop_limit', quantity: 1, stopPrice: 99, price: 99 });
    for (const o of [sell, buy]) {
      expect(ex.getOrder(o.id)).toMatchObject({ status: 'rejected', rejectReason: 'ORDER_STOP_WRONG_SIDE' });
      expect(ex.getOrder(o.id).rejectMessage).toMatch(/stop/i);
    }
    expect(ex.getPosition('default', 'ES').quantity).toBe(0);
  });

  it('a buy bracket whose stop-loss is above the entry', () => {
    const { ex } = market();
    const o = ex.placeOrder({
      symbol: 'ES',
      side: 'buy',
      type: 'limit',
      price: 99.5,
      quantity: 1,
      bracket: { stopLoss: { at: 99.75 } },
    });
    expect(ex.getOrder(o.id)).toMatchObject({ status: 'rejected', rejectReason: 'ORDER_STOP_WRONG_SIDE' });
    const m = ex.placeOrder({
      symbol: 'ES',
      side: 'buy',
      type: 'market',
      quantity: 1,
      bracket: { stopLoss: { at: 101 } },
    });
    expect(ex.getOrder(m.id)).toMatchObject({ status: 'rejected', rejectReason: 'ORDER_STOP_WRONG_SIDE' });
    expect(ex.getPosition('default', 'ES').quantity).toBe(0);
  });

  it('a modify that moves a stop to the wrong side is refused and the stop keeps working', () => {
    const { ex, fills } = market();
    const s = ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'stop', quantity: 1, stopPrice: 99 });
    ex.modifyOrder(s.id, { stopPrice: 100.5 });
    expect(ex.getOrder(s.id)).toMatchObject({ status: 'new', stopPrice: 99, rejectReason: 'ORDER_STOP_WRONG_SIDE' });
    expect(fills).toEqual([]);
  });

  it('stopThroughMarket: "trigger" keeps the old "stop = market if touched" behaviour', () => {
    const { ex, quote, trade, fills } = setup({ stopThroughMarket: 'trigger' });
    quote(100, 10, 100.25, 10);
    trade(100, 1);
    ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'stop', quantity: 1, stopPrice: 101 });
    expect(fills.map((f) => f.price.toString())).toEqual(['100']);
  });
});

describe('4. a price outside the book range is rejected cleanly', () => {
  it('without latency: rejected, no phantom order, nothing thrown', () => {
    const { ex, quote } = setup({ instruments: [MNQ] });
    quote(20000, 1, 20000.25, 1, 'MNQ');
    const client = createTradingClient(ex);
    let o: ReturnType<typeof client.placeLimitOrder> | undefined;
    expect(() => {
      o = client.placeLimitOrder('MNQ', 'sell', 1, 5e6);
    }).not.toThrow();
    expect(ex.getOrder(o!.id)).toMatchObject({ status: 'rejected', rejectReason: 'ORDER_PRICE_OUT_OF_RANGE' });
    expect(ex.getOrders({ open: true })).toEqual([]);
  });

  it('with order-entry latency nothing throws out of the clock', () => {
    const { ex, quote, clock } = setup({ instruments: [MNQ], latency: { orderEntry: 100 } });
    quote(20000, 1, 20000.25, 1, 'MNQ');
    const o = ex.placeOrder({ symbol: 'MNQ', side: 'sell', type: 'limit', quantity: 1, price: 5e6 });
    expect(() => clock.advanceBy(1_000)).not.toThrow();
    expect(ex.getOrder(o.id)).toMatchObject({ status: 'rejected', rejectReason: 'ORDER_PRICE_OUT_OF_RANGE' });
  });

  it('a bracket offset beyond the ladder is rejected at entry, not thrown when the leg activates', () => {
    const { ex, quote, clock } = setup({ instruments: [MNQ], latency: { orderEntry: 100 } });
    quote(20000, 1, 20000.25, 1, 'MNQ');
    const o = ex.placeOrder({
      symbol: 'MNQ',
      side: 'buy',
      type: 'market',
      quantity: 1,
      bracket: { takeProfit: { ticks: 2 ** 25 } },
    });
    expect(() => clock.advanceBy(1_000)).not.toThrow();
    expect(ex.getOrder(o.id)).toMatchObject({ status: 'rejected', rejectReason: 'ORDER_PRICE_OUT_OF_RANGE' });
  });

  it('a modify to such a price is refused and the order keeps working', () => {
    const { ex, quote, clock } = setup({ instruments: [MNQ], latency: { orderEntry: 100 } });
    quote(20000, 1, 20000.25, 1, 'MNQ');
    const o = ex.placeOrder({ symbol: 'MNQ', side: 'sell', type: 'limit', quantity: 1, price: 20010 });
    clock.advanceBy(1_000);
    ex.modifyOrder(o.id, { price: 5e6 });
    expect(() => clock.advanceBy(1_000)).not.toThrow();
    expect(ex.getOrder(o.id)).toMatchObject({ status: 'new', price: 20010, rejectReason: 'ORDER_PRICE_OUT_OF_RANGE' });
  });
});

describe('5. a stop trigger is not a status change', () => {
  it('every order event is a legal transition, and the trigger has its own event', () => {
    const { ex, quote, trade } = setup();
    const problems: string[] = [];
    const check = (e: ExchangeEvent) => {
      if (e.type !== 'order' || e.previousStatus === null) return;
      try {
        assertTransition(e.previousStatus, e.order.status, e.order.id);
      } catch (err) {
        problems.push((err as Error).message);
      }
    };
    ex.on('event', check);
    const triggers: string[] = [];
    ex.on('trigger', (e) => triggers.push(`${e.order.id}:${e.order.triggered}`));
    quote(100, 10, 100.25, 10);
    trade(100, 1);
    const a = ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'stop_limit', quantity: 1, stopPrice: 99, price: 98 });
    const b = ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'stop', quantity: 1, stopPrice: 99.5 });
    trade(99, 1);
    expect(problems).toEqual([]);
    expect(triggers.sort()).toEqual([`${a.id}:true`, `${b.id}:true`]);
  });
});

describe('6. NaN and Infinity prices', () => {
  it('are ORDER_REQUEST_INVALID with a clear message', () => {
    const { ex } = setup();
    for (const [field, v] of [
      ['price', Number.NaN],
      ['price', Number.POSITIVE_INFINITY],
      ['stopPrice', Number.NEGATIVE_INFINITY],
    ] as const) {
      const req = {
        symbol: 'ES',
        side: 'buy' as const,
        type: 'stop_limit' as const,
        quantity: 1,
        price: 100,
        stopPrice: 101,
      };
      let err: unknown;
      try {
        ex.placeOrder({ ...req, [field]: v });
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'ORDER_REQUEST_INVALID' });
      expect((err as Error).message).toContain(`\`${field}\``);
      expect((err as Error).message).toMatch(/finite/);
      expect((err as Error).message).not.toMatch(/Nearest valid/);
    }
  });
});

describe('7. no fills while the market is halted or closed', () => {
  for (const status of ['halt', 'close'] as const) {
    it(`resting orders do not fill on prints, quotes or bars during ${status}`, () => {
      const { ex, quote, trade, bar, push, fills } = setup();
      quote(100, 10, 100.25, 10);
      const buy = ex.placeOrder({ symbol: 'ES', side: 'buy', type: 'limit', quantity: 1, price: 99.5 });
      const stop = ex.placeOrder({ symbol: 'ES', side: 'sell', type: 'stop', quantity: 1, stopPrice: 99 });
      push({ type: 'status', status } as never);
      trade(99, 5);
      quote(98, 10, 98.25, 10);
      bar(98, 98.5, 97, 98);
      expect(fills).toEqual([]);
      expect(ex.getOrder(stop.id).triggered).toBe(false);
      push({ type: 'status', status: 'open' } as never);
      if (status === 'halt') {
        trade(98, 1);
        expect(fills.some((f) => f.orderId === buy.id)).toBe(true);
      }
    });
  }
});

describe('8. the mark follows the latest of last trade and mid', () => {
  it('unrealized PnL, equity and buying power use the mark after quotes move on', () => {
    const { ex, quote, trade } = setup({ instruments: [MNQ] });
    quote(20099.75, 10, 20100, 10, 'MNQ');
    ex.placeOrder({ symbol: 'MNQ', side: 'buy', type: 'market', quantity: 1 });
    trade(20100, 1, 'MNQ');
    expect(ex.getPosition('default', 'MNQ').markPrice).toBe(20100);
    quote(19800, 10, 19800.5, 10, 'MNQ');
    const p = ex.getPosition('default', 'MNQ');
    expect(p.markPrice).toBe(19800.25);
    expect(p.unrealizedPnl.toString()).toBe('-599.5'); // (19800.25 − 20100) × 2
    const a = ex.getAccount();
    expect(a.equity.toString()).toBe('99400.5');
    expect(a.buyingPower.toString()).toBe('99400.5');
  });

  it('markPrice: "last" keeps the last trade; "mid" always uses the mid', () => {
    for (const [rule, mark] of [
      ['last', 20100],
      ['mid', 19800.25],
    ] as const) {
      const { ex, quote, trade } = setup({ instruments: [MNQ], markPrice: rule });
      quote(20099.75, 10, 20100, 10, 'MNQ');
      ex.placeOrder({ symbol: 'MNQ', side: 'buy', type: 'market', quantity: 1 });
      trade(20100, 1, 'MNQ');
      quote(19800, 10, 19800.5, 10, 'MNQ');
      expect(ex.getPosition('default', 'MNQ').markPrice).toBe(mark);
    }
  });

  it('rejects an unknown markPrice rule', () => {
    expect(() => setup({ markPrice: 'close' as never })).toThrow(code('EXCHANGE_CONFIG_INVALID'));
  });
});

describe('9. the docs say what the code does', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const source = ['exchange.ts', 'options.ts']
    .map((f) => {
      try {
        return readFileSync(new URL(`../src/${f}`, import.meta.url), 'utf8');
      } catch {
        return '';
      }
    })
    .join('\n');

  it('ids: documented as o1, o2… and f1, f2…, which is what the exchange issues', () => {
    expect(readme).toMatch(/`o1`, `o2`/);
    expect(readme).toMatch(/`f1`, `f2`/);
    expect(readme).not.toMatch(/ids? (are|is) (an? )?uuids?/i);
    const clock = new VirtualClock();
    const ex = new Exchange({ clock, instruments: [MNQ] });
    ex.onMarketEvent({ type: 'quote', symbol: 'MNQ', ts: 0, bid: 1, bidSize: 1, ask: 1.25, askSize: 1 });
    const fills: string[] = [];
    ex.on('fill', (e) => fills.push(e.fill.id));
    expect(ex.placeOrder({ symbol: 'MNQ', side: 'buy', type: 'market', quantity: 1 }).id).toBe('o1');
    expect(fills).toEqual(['f1']);
  });

  it('ocoGroup is documented as a group name, and the default stop trigger with quotes only is written', () => {
    expect(readme).toMatch(/`ocoGroup` is a group name/);
    expect(readme).toMatch(/with quotes only.*a sell stop fires when the bid/is);
    expect(source).toMatch(/a\s+(\*\s+)?sell\s+(\*\s+)?stop\s+(\*\s+)?fires\s+(\*\s+)?when the bid/);
  });

  it('bracket stopLoss: `{ price }` / `{ ticks }` are offsets from the entry fill, `{ at }` is absolute', () => {
    expect(readme).toMatch(/`\{ price \}`[\s\S]{0,30}offsets from the entry/);
    expect(readme).toMatch(/`\{ at \}`[\s\S]{0,30}absolute/);
  });
});
