import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUY, OrderBook, type RestingOrder, SELL } from './order-book.js';

function recorder() {
  const fills: [number | null, number, number][] = [];
  const sink = (maker: RestingOrder | null, tick: number, lots: number) =>
    fills.push([maker ? maker.id : null, tick, lots]);
  return { fills, sink };
}

describe('OrderBook (matching core)', () => {
  it('matches best price first, then time priority, and tracks the best levels', () => {
    const book = new OrderBook();
    book.add(1, 1, SELL, 101, 5);
    book.add(2, 2, SELL, 100, 2);
    book.add(3, 3, SELL, 100, 4);
    book.add(4, 4, BUY, 98, 1);
    expect([book.bestBid, book.bestAsk]).toEqual([98, 100]);
    const { fills, sink } = recorder();
    const filled = book.match(BUY, 101, 8, 9, sink);
    expect(filled).toBe(8);
    expect(fills).toEqual([
      [2, 100, 2],
      [3, 100, 4],
      [1, 101, 2],
    ]);
    expect(book.bestAsk).toBe(101);
    expect(book.get(1)?.qty).toBe(3);
    expect(book.size).toBe(2);
  });

  it('cancels in O(1) from the middle of a queue and empties levels', () => {
    const book = new OrderBook();
    for (let id = 1; id <= 3; id++) book.add(id, id, BUY, 50, 1);
    expect(book.cancel(2)).toBe(true);
    expect(book.cancel(2)).toBe(false);
    expect(book.restingOrders(BUY).map((o) => o.id)).toEqual([1, 3]);
    book.cancel(1);
    book.cancel(3);
    expect(book.bestBid).toBe(Number.NEGATIVE_INFINITY);
    expect(book.size).toBe(0);
  });

  it('never matches an account against itself', () => {
    const book = new OrderBook();
    book.add(1, 7, SELL, 100, 3);
    book.add(2, 8, SELL, 100, 3);
    const { fills, sink } = recorder();
    const rest = book.add(3, 7, BUY, 100, 5, sink);
    expect(fills).toEqual([[2, 100, 3]]);
    expect(rest?.qty).toBe(2);
    expect(book.bestBid).toBe(100);
    expect(book.bestAsk).toBe(100); // own order still rests opposite: crossed only across accounts
  });

  it('puts resting orders behind displayed size and consumes displayed size in queue order', () => {
    const book = new OrderBook();
    book.setExternal(SELL, 100, 10);
    const mine = book.add(1, 1, SELL, 100, 4) as RestingOrder;
    expect(mine.ahead).toBe(10);
    book.setExternal(SELL, 100, 12); // 2 more join behind
    const { fills, sink } = recorder();
    book.match(BUY, 100, 12, 2, sink);
    expect(fills).toEqual([
      [null, 100, 10],
      [1, 100, 2],
    ]);
    expect(book.externalAt(SELL, 100)).toBe(2);
    expect(mine.ahead).toBe(0);
  });

  it('prints advance the queue and fill what is left; trade-throughs fill at the resting price', () => {
    const book = new OrderBook();
    book.setExternal(BUY, 100, 100);
    const a = book.add(1, 1, BUY, 100, 50) as RestingOrder;
    book.add(2, 1, BUY, 101, 5);
    const { fills, sink } = recorder();
    expect(book.print(100, 80, sink)).toBe(5); // 101 traded through first: 5 fill, 75 eat the queue
    expect(a.ahead).toBe(25);
    book.print(100, 30, sink);
    expect(fills).toEqual([
      [2, 101, 5],
      [1, 100, 5],
    ]);
    expect(book.print(100, 50, sink, false)).toBe(0); // risk-averse: at the price never fills
  });

  it('a size decrease clips the queue ahead; the displayed book crossing resting orders fills them', () => {
    const book = new OrderBook();
    book.setExternal(BUY, 100, 30);
    const a = book.add(1, 1, BUY, 100, 5) as RestingOrder;
    book.setExternal(BUY, 100, 12);
    expect(a.ahead).toBe(12);
    book.setExternal(SELL, 99, 3);
    const { fills, sink } = recorder();
    book.crossExternal(sink);
    expect(fills).toEqual([[1, 100, 3]]);
    expect(book.externalAt(SELL, 99)).toBe(0);
    expect(a.qty).toBe(2);
  });

  it('grows its ladder both ways and rejects absurd price ranges', () => {
    const book = new OrderBook();
    book.add(1, 1, BUY, 1_000_000, 1);
    book.add(2, 1, BUY, 900_000, 1);
    book.add(3, 1, BUY, 1_100_000, 1);
    expect(book.restingOrders(BUY).map((o) => o.tick)).toEqual([1_100_000, 1_000_000, 900_000]);
    expect(() => book.add(4, 1, BUY, 1e9, 1)).toThrow(expect.objectContaining({ code: 'EXCHANGE_PRICE_RANGE' }));
  });

  it('property: bestResting always equals the best resting order, through every kind of change', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            op: fc.constantFrom('add', 'cancel', 'external', 'match', 'print', 'cross'),
            side: fc.constantFrom(BUY, SELL),
            tick: fc.integer({ min: 90, max: 110 }),
            lots: fc.integer({ min: 0, max: 5 }),
            id: fc.integer({ min: 1, max: 40 }),
          }),
          { maxLength: 120 },
        ),
        (ops) => {
          const book = new OrderBook();
          const sink = () => {};
          for (const o of ops) {
            if (o.op === 'add' && book.get(o.id) === undefined) book.add(o.id, o.id % 3, o.side, o.tick, o.lots + 1);
            else if (o.op === 'cancel') book.cancel(o.id);
            else if (o.op === 'external') book.setExternal(o.side, o.tick, o.lots);
            else if (o.op === 'match') book.match(o.side, o.tick, o.lots, 7, sink);
            else if (o.op === 'print') book.print(o.tick, o.lots, sink);
            else if (o.op === 'cross') book.crossExternal(sink);
            for (const side of [BUY, SELL] as const) {
              const first = book.restingOrders(side)[0];
              const none = side === BUY ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
              expect(book.bestResting(side)).toBe(first === undefined ? none : first.tick);
            }
          }
        },
      ),
      { numRuns: 300, seed: 17 },
    );
  });
});
