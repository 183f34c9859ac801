import { describe, expectTypeOf, it } from 'vitest';
import type { Decimal } from 'decimal.js';
import type { Clock, TimerHandle } from './clock.js';
import { VirtualClock } from './clock.js';
import type { MarketEvent, MarketEventOf, QuoteEvent, TradeEvent } from './events.js';
import type { ExchangeEvent, Fill, Order, Position } from './orders.js';
import { Rng } from './rng.js';
import { jsonToEvent } from './schema.js';

describe('type-level contracts', () => {
  it('narrows market events on `type`', () => {
    const handle = (e: MarketEvent) => {
      if (e.type === 'quote') expectTypeOf(e).toEqualTypeOf<QuoteEvent>();
      if (e.type === 'trade') expectTypeOf(e.side).toEqualTypeOf<'buy' | 'sell' | 'unknown'>();
    };
    expectTypeOf(handle).parameter(0).toEqualTypeOf<MarketEvent>();
    expectTypeOf<MarketEventOf<'trade'>>().toEqualTypeOf<TradeEvent>();
    expectTypeOf(jsonToEvent).returns.toEqualTypeOf<MarketEvent>();
  });

  it('keeps money as Decimal and quantities as numbers', () => {
    expectTypeOf<Fill['price']>().toEqualTypeOf<Decimal>();
    expectTypeOf<Fill['fee']>().toEqualTypeOf<Decimal>();
    expectTypeOf<Fill['quantity']>().toEqualTypeOf<number>();
    expectTypeOf<Position['realizedPnl']>().toEqualTypeOf<Decimal>();
    expectTypeOf<Order['avgFillPrice']>().toEqualTypeOf<Decimal | null>();
    expectTypeOf<Extract<ExchangeEvent, { type: 'fill' }>['fill']>().toEqualTypeOf<Fill>();
  });

  it('VirtualClock is a Clock; the RNG returns numbers and forks to an Rng', () => {
    expectTypeOf(new VirtualClock()).toMatchTypeOf<Clock>();
    expectTypeOf(new VirtualClock().setTimeout).returns.toEqualTypeOf<TimerHandle>();
    expectTypeOf(new Rng(1).normal()).toEqualTypeOf<number>();
    expectTypeOf(new Rng(1).fork('x')).toEqualTypeOf<Rng>();
  });
});
