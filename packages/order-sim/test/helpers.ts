import { type ExchangeEvent, type FillEvent, type MarketEvent, VirtualClock } from '@tradekit/types';
import { Exchange, type ExchangeOptions } from '../src/index.js';

export const ES = { symbol: 'ES', tickSize: 0.25, multiplier: 50 };
export const MNQ = { symbol: 'MNQ', tickSize: 0.25, multiplier: 2 };

/** An exchange on a fresh VirtualClock plus recorders of its events. */
export function setup(options: Partial<ExchangeOptions> = {}) {
  const clock = new VirtualClock({ start: 0 });
  const ex = new Exchange({ clock, instruments: [ES, MNQ], ...options });
  const events: ExchangeEvent[] = [];
  const fills: FillEvent['fill'][] = [];
  ex.on('event', (e) => events.push(e));
  ex.on('fill', (e) => fills.push(e.fill));
  let ts = 0;
  const push = (e: Omit<MarketEvent, 'ts' | 'symbol'> & { symbol?: string; ts?: number }) => {
    ts = e.ts ?? ts + 1_000;
    ex.onMarketEvent({ symbol: 'ES', ...e, ts } as MarketEvent);
  };
  const quote = (bid: number, bidSize: number, ask: number, askSize: number, symbol = 'ES') =>
    push({ type: 'quote', symbol, bid, bidSize, ask, askSize } as never);
  const trade = (price: number, size: number, symbol = 'ES', side: 'buy' | 'sell' | 'unknown' = 'unknown') =>
    push({ type: 'trade', symbol, price, size, side } as never);
  const bar = (open: number, high: number, low: number, close: number, symbol = 'ES') =>
    push({ type: 'bar', symbol, start: ts, timeframe: '1m', open, high, low, close, volume: 1000 } as never);
  return { clock, ex, events, fills, push, quote, trade, bar };
}
