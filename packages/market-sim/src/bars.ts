/** OHLCV bars aggregated on the fly from trades, stamped at their close. */
import { type BarEvent, type MarketEvent, parseTimeframe } from '@tradekit/types';

interface OpenBar {
  start: number;
  end: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
}

/**
 * Aggregates the trades of a time-ordered event stream into bars. Time bars (`"1s"`, `"1m"`,
 * `"5m"`…) are aligned to multiples of their length since the epoch and stamped at their end;
 * an interval without trades gives no bar. Tick bars (`"100t"`) close every n trades and are
 * stamped at the last trade. The last, partial bar is emitted when the stream ends.
 *
 * @example
 * for (const bar of aggregateBars(market, '1m')) console.log(bar.ts, bar.close);
 */
export function* aggregateBars(events: Iterable<MarketEvent>, timeframe: string): Generator<BarEvent> {
  const tf = parseTimeframe(timeframe);
  const open = new Map<string, OpenBar>();
  const make = (symbol: string, b: OpenBar, ts: number): BarEvent => ({
    type: 'bar',
    symbol,
    ts,
    start: b.start,
    timeframe: tf.text,
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
    volume: Number(b.volume.toPrecision(15)),
    trades: b.trades,
  });
  for (const e of events) {
    if (e.type !== 'trade') continue;
    let b = open.get(e.symbol);
    if (b && tf.kind === 'time' && e.ts >= b.end) {
      yield make(e.symbol, b, b.end);
      b = undefined;
    }
    if (!b) {
      const start = tf.kind === 'time' ? Math.floor(e.ts / tf.micros) * tf.micros : e.ts;
      b = {
        start,
        end: tf.kind === 'time' ? start + tf.micros : 0,
        open: e.price,
        high: e.price,
        low: e.price,
        close: e.price,
        volume: 0,
        trades: 0,
      };
      open.set(e.symbol, b);
    }
    if (e.price > b.high) b.high = e.price;
    if (e.price < b.low) b.low = e.price;
    b.close = e.price;
    b.volume += e.size;
    b.trades++;
    if ((tf.kind === 'tick' && b.trades >= tf.count) || (tf.kind === 'volume' && b.volume >= tf.volume)) {
      yield make(e.symbol, b, e.ts);
      open.delete(e.symbol);
    }
  }
  for (const [symbol, b] of open) yield make(symbol, b, tf.kind === 'time' ? b.end : b.start);
}
