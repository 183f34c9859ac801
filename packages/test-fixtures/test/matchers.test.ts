import type { Exchange } from '@tradekit/order-sim';
import { Decimal } from '@tradekit/types';
import { describe } from 'vitest';
import { test } from '../src/index.js';

/** One quote now (bid, and ask one tick up), sizes 10: what the exchange fills against. */
function quote(exchange: Exchange, bid: number, size = 10): void {
  exchange.onMarketEvent({
    type: 'quote',
    symbol: 'MNQ',
    ts: exchange.clock.now() + 1000,
    bid,
    bidSize: size,
    ask: bid + 0.25,
    askSize: size,
  });
}

describe('toBeFilled', () => {
  test('passes for a filled order, also when the test kept the snapshot placeOrder returned', ({
    exchange,
    trading,
    expect,
  }) => {
    const order = trading.placeLimitOrder('MNQ', 'buy', 1, 19990);
    expect(order.status).toBe('new');
    quote(exchange, 19989.5); // ask 19989.75 crosses the limit
    expect(order).toBeFilled();
    expect(trading.getOrder(order.id)).toBeFilled();
  });

  test('fails with the order and its fill state', ({ exchange, trading, expect }) => {
    quote(exchange, 19999.75);
    const order = trading.placeLimitOrder('MNQ', 'buy', 2, 19990);
    expect(() => expect(order).toBeFilled()).toThrowErrorMatchingInlineSnapshot(
      `[Error: Expected order o1 (buy 2 MNQ limit @ 19990) to be filled, but it has status "new", filled 0 of 2.]`,
    );
    expect(order).not.toBeFilled();
    const filled = trading.placeMarketOrder('MNQ', 'buy', 1);
    expect(() => expect(filled).not.toBeFilled()).toThrowErrorMatchingInlineSnapshot(
      `[Error: Expected order o2 (buy 1 MNQ market) not to be filled, but it is: status "filled", filled 1 of 1 @ avg 20000.]`,
    );
  });
});

describe('toBePartiallyFilled', () => {
  test('passes when some but not all filled', ({ exchange, trading, expect }) => {
    quote(exchange, 19999.75, 10);
    const order = trading.placeLimitOrder('MNQ', 'buy', 15, 20000);
    expect(order).toBePartiallyFilled();
    expect(order).toHaveStatus('partially_filled');
  });

  test('fails for a filled or an unfilled order', ({ exchange, trading, expect }) => {
    quote(exchange, 19999.75, 10);
    const filled = trading.placeMarketOrder('MNQ', 'sell', 3);
    expect(() => expect(filled).toBePartiallyFilled()).toThrowErrorMatchingInlineSnapshot(
      `[Error: Expected order o1 (sell 3 MNQ market) to be partially filled (some but not all of 3), but it has status "filled", filled 3 of 3 @ avg 19999.75.]`,
    );
    const resting = trading.placeLimitOrder('MNQ', 'sell', 1, 20010);
    expect(() => expect(resting).toBePartiallyFilled()).toThrowErrorMatchingInlineSnapshot(
      `[Error: Expected order o2 (sell 1 MNQ limit @ 20010) to be partially filled (some but not all of 1), but it has status "new", filled 0 of 1.]`,
    );
  });
});

describe('toHaveStatus', () => {
  test('passes for the status the order has', ({ exchange, trading, expect }) => {
    quote(exchange, 19999.75);
    const order = trading.placeLimitOrder('MNQ', 'buy', 1, 19990);
    expect(order).toHaveStatus('new');
    trading.cancelOrder(order.id);
    expect(order).toHaveStatus('canceled');
  });

  test('fails with both statuses, and names the nearest status for a typo', ({ exchange, trading, expect }) => {
    quote(exchange, 19999.75);
    const order = trading.placeStopOrder('MNQ', 'sell', 1, 19950);
    expect(() => expect(order).toHaveStatus('filled')).toThrowErrorMatchingInlineSnapshot(
      `[Error: Expected order o1 (sell 1 MNQ stop at 19950) to have status "filled", but it has status "new", filled 0 of 1.]`,
    );
    expect(() => expect(order).toHaveStatus('filed' as never)).toThrowErrorMatchingInlineSnapshot(
      `[TradeKitError: toHaveStatus() expects one of "pending_new", "inactive", "new", "partially_filled", "pending_cancel", "pending_replace", "filled", "canceled", "expired", "rejected", got \`"filed"\` (string). Did you mean "filled"?]`,
    );
  });
});

describe('toHavePosition', () => {
  test('passes on a client, an exchange, an account snapshot and a position', ({ exchange, trading, expect }) => {
    quote(exchange, 19999.75);
    trading.placeMarketOrder('MNQ', 'buy', 2);
    expect(trading).toHavePosition('MNQ', 2);
    expect(trading).toHavePosition('MNQ', 2, { avgPrice: '20000' });
    expect(exchange).toHavePosition('MNQ', 2);
    expect(trading.getAccount()).toHavePosition('MNQ', 2, { avgPrice: 20000 });
    expect(trading.getPosition('MNQ')).toHavePosition('MNQ', 2);
    trading.placeMarketOrder('MNQ', 'sell', 3);
    expect(trading).toHavePosition('MNQ', -1, { avgPrice: new Decimal('19999.75') });
  });

  test('fails with the position in domain terms', ({ exchange, trading, expect }) => {
    quote(exchange, 19999.75);
    expect(() => expect(trading).toHavePosition('MNQ', 1)).toThrowErrorMatchingInlineSnapshot(
      `[Error: Expected the position of account default in MNQ to be 1 (long), but it is 0 (flat).]`,
    );
    trading.placeMarketOrder('MNQ', 'buy', 1);
    expect(() => expect(trading).toHavePosition('MNQ', 1, { avgPrice: '19999.75' })).toThrowErrorMatchingInlineSnapshot(
      `[Error: Expected the position of account default in MNQ to be 1 (long) @ avg 19999.75, but it is 1 (long) @ avg 20000.]`,
    );
    expect(() => expect(trading).not.toHavePosition('MNQ', 1)).toThrowErrorMatchingInlineSnapshot(
      `[Error: Expected the position of account default in MNQ not to be 1 (long), but it is.]`,
    );
  });
});

describe('toEqualDecimal', () => {
  test('passes for equal decimals whatever their form, and works inside toEqual', ({ expect }) => {
    expect(new Decimal('0.3')).toEqualDecimal('0.30');
    expect('1.5').toEqualDecimal(new Decimal(1.5));
    expect({ pnl: new Decimal('-100.00') }).toEqual({ pnl: expect.toEqualDecimal(-100) });
  });

  test('fails with the difference', ({ expect }) => {
    expect(() => expect(0.1 + 0.2).toEqualDecimal('0.3')).toThrowErrorMatchingInlineSnapshot(
      `[Error: Expected 0.30000000000000004 to equal 0.3 exactly (as a decimal), but it differs by +4e-17.]`,
    );
    expect(() => expect(new Decimal('2')).not.toEqualDecimal('2.0')).toThrowErrorMatchingInlineSnapshot(
      `[Error: Expected 2 not to equal 2 as a decimal, but it does.]`,
    );
  });
});

describe('toBeOnTick', () => {
  test('passes for prices on the grid', ({ exchange, expect }) => {
    expect(20000.25).toBeOnTick(0.25);
    expect(new Decimal('1.23')).toBeOnTick(exchange.getInstrument('MNQ').tickSize / 25);
    expect(19999.75).toBeOnTick(exchange.getInstrument('MNQ'));
  });

  test('fails with the nearest ticks', ({ expect }) => {
    expect(() => expect(20000.3).toBeOnTick(0.25)).toThrowErrorMatchingInlineSnapshot(
      `[Error: Expected 20000.3 to lie on the tick grid of 0.25, but it is 0.05 above 20000.25 (nearest ticks: 20000.25 and 20000.5).]`,
    );
    expect(() => expect(20000.3).toBeOnTick(0)).toThrowErrorMatchingInlineSnapshot(
      `[TradeKitError: toBeOnTick() expects a tick size > 0 (e.g. 0.25) or an instrument with \`tickSize\`, got \`0\` (number). Write toBeOnTick(…, 0.25).]`,
    );
  });
});

describe('toBeWithinTicks', () => {
  test('passes for prices, fills and orders close enough', ({ exchange, trading, expect }) => {
    expect(19950.5).toBeWithinTicks(19950, 2, 0.25);
    quote(exchange, 19999.75);
    const fills: unknown[] = [];
    trading.on('fill', (e) => fills.push(e.fill));
    const order = trading.placeMarketOrder('MNQ', 'buy', 1);
    expect(order).toBeWithinTicks(19999.75, 1, 0.25);
    expect(fills[0]).toBeWithinTicks('20000', 0, 0.25);
  });

  test('fails with the distance in ticks', ({ trading, expect }) => {
    expect(() => expect(19948.75).toBeWithinTicks(19950, 2, 0.25)).toThrowErrorMatchingInlineSnapshot(
      `[Error: Expected 19948.75 to be within 2 ticks (0.25) of 19950, but it is 5 ticks below.]`,
    );
    const unfilled = trading.placeLimitOrder('MNQ', 'buy', 1, 19000);
    expect(() => expect(unfilled).toBeWithinTicks(19000, 1, 0.25)).toThrowErrorMatchingInlineSnapshot(
      `[Error: Expected the average fill price of order o1 (buy 1 MNQ limit @ 19000) to be within 1 tick of 19000, but it has not filled (status "new", filled 0 of 1).]`,
    );
  });
});

describe('toHaveRealizedPnl', () => {
  test('passes for the account, a symbol, and net of fees', ({ exchange, trading, expect }) => {
    quote(exchange, 19999.75);
    trading.placeMarketOrder('MNQ', 'buy', 1); // @ 20000
    quote(exchange, 20010);
    trading.placeMarketOrder('MNQ', 'sell', 1); // @ 20010
    expect(trading).toHaveRealizedPnl(20);
    expect(trading).toHaveRealizedPnl('20.00', { symbol: 'MNQ' });
    expect(trading.getAccount()).toHaveRealizedPnl(new Decimal(20));
    expect(trading).toHaveRealizedPnl('20', { net: true }); // no fees configured
  });

  test('fails with the difference and the fees', ({ exchange, trading, expect }) => {
    quote(exchange, 19999.75);
    trading.placeMarketOrder('MNQ', 'buy', 1);
    quote(exchange, 19989.75);
    trading.placeMarketOrder('MNQ', 'sell', 1);
    expect(() => expect(trading).toHaveRealizedPnl(-10)).toThrowErrorMatchingInlineSnapshot(
      `[Error: Expected the realized PnL (before fees) of account default to be -10, but it is -20.5 (-10.5; fees 0).]`,
    );
  });
});

describe('a matcher on the wrong kind of object', () => {
  test('gets a clear error naming what it expects', ({ trading, expect }) => {
    expect(() => expect({ status: 'filled' }).toBeFilled()).toThrowErrorMatchingInlineSnapshot(
      `[TradeKitError: toBeFilled() expects an Order (what placeOrder, getOrder or getOrders return), got \`{"status":"filled"}\` (object). Write expect(order).toBeFilled().]`,
    );
    expect(() => expect('o1').toHaveStatus('new')).toThrowErrorMatchingInlineSnapshot(
      `[TradeKitError: toHaveStatus() expects an Order (what placeOrder, getOrder or getOrders return), got \`"o1"\` (string). Write expect(order).toHaveStatus('filled').]`,
    );
    expect(() => expect(42).toHavePosition('MNQ', 1)).toThrowErrorMatchingInlineSnapshot(
      `[TradeKitError: toHavePosition() expects a TradingClient, an Exchange, an AccountSnapshot or a Position, got \`42\` (number). Write expect(trading).toHavePosition('MNQ', …).]`,
    );
    expect(() => expect(trading.getPosition('MNQ')).toHavePosition('ES', 0)).toThrowErrorMatchingInlineSnapshot(
      `[TradeKitError: toHavePosition() expects a position in ES (or a client, exchange or account holding one), got \`{"accountId":"default","symbol":"MNQ","quantity":0,"avgPr...\` (object). Write expect(trading).toHavePosition('MNQ', …).]`,
    );
    expect(() => expect({}).toHaveRealizedPnl(0)).toThrowErrorMatchingInlineSnapshot(
      `[TradeKitError: toHaveRealizedPnl() expects a TradingClient, an Exchange, an AccountSnapshot or a Position, got \`{}\` (object). Write expect(trading).toHaveRealizedPnl('-101.24').]`,
    );
    expect(() => expect('abc').toEqualDecimal(1)).toThrowErrorMatchingInlineSnapshot(
      `[TradeKitError: toEqualDecimal() expects the value under test to be a Decimal, a finite number or a decimal string, got \`"abc"\` (string).]`,
    );
    expect(() => expect(null).toBeOnTick(0.25)).toThrowErrorMatchingInlineSnapshot(
      `[TradeKitError: toBeOnTick() expects the price to be a Decimal, a finite number or a decimal string, got \`null\` (null).]`,
    );
  });
});

describe('snapshot serializers', () => {
  test('print decimals exactly, and orders and fills without ids or times', ({ exchange, trading, expect }) => {
    quote(exchange, 19999.75);
    const fills: unknown[] = [];
    trading.on('fill', (e) => fills.push(e.fill));
    const order = trading.placeMarketOrder('MNQ', 'buy', 1);
    expect(new Decimal('-101.240')).toMatchInlineSnapshot(`Decimal(-101.24)`);
    expect(trading.getOrder(order.id)).toMatchInlineSnapshot(`
      Order {
        "accountId": "default",
        "avgFillPrice": Decimal(20000),
        "filledQuantity": 1,
        "postOnly": false,
        "quantity": 1,
        "reduceOnly": false,
        "remainingQuantity": 0,
        "side": "buy",
        "status": "filled",
        "stopTrigger": "last",
        "symbol": "MNQ",
        "timeInForce": "GTC",
        "triggered": false,
        "type": "market",
      }
    `);
    expect(fills[0]).toMatchInlineSnapshot(`
      Fill {
        "accountId": "default",
        "fee": Decimal(0),
        "liquidity": "taker",
        "price": Decimal(20000),
        "quantity": 1,
        "side": "buy",
        "symbol": "MNQ",
      }
    `);
    const other = trading.placeLimitOrder('MNQ', 'buy', 1, 19000);
    // Ids differ, the snapshot does not.
    expect(other.id).not.toBe(order.id);
    expect({ ...trading.getOrder(other.id), id: 'x' }).toMatchSnapshot();
  });
});
