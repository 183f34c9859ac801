/** OHLCV bars aggregated on the fly from trades, stamped at their close. */
import { BarAggregator, type BarEvent, type MarketEvent } from '@tradekit/types';

/**
 * Aggregates the trades of a time-ordered event stream into bars with the shared
 * {@link BarAggregator}. Time bars (`"1s"`, `"1m"`, `"5m"`…) are aligned to multiples of their
 * length since the epoch, stamped at their end, and handed out as soon as the stream passes that
 * end; an interval without trades gives no bar. Tick (`"100t"`) and volume (`"1000v"`) bars close
 * on the trade that completes them. The last, partial bars are handed out when the stream ends.
 *
 * @example
 * for (const bar of aggregateBars(market, '1m')) console.log(bar.ts, bar.close);
 */
export function* aggregateBars(events: Iterable<MarketEvent>, timeframe: string): Generator<BarEvent> {
  const agg = new BarAggregator(timeframe);
  const out: BarEvent[] = [];
  for (const e of events) {
    agg.push(e, out);
    if (out.length > 0) {
      yield* out;
      out.length = 0;
    }
  }
  yield* agg.flush(out);
}
