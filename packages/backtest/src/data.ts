/** Data sources a backtest or sweep names in plain data (serialisable to workers and shards). */
import { statSync } from 'node:fs';
import { type MarketConfig, createMarket } from '@tradekit/market-sim';
import { type ReplayOptions, replay } from '@tradekit/replay';
import type { Instrument, MarketEvent } from '@tradekit/types';
import { TradeKitError, describeValue, toMicros } from '@tradekit/types';
import type { EventInput } from './engine.js';

/**
 * Where the events come from: replay files (any format or preset replay reads), a market-sim
 * config, or events in memory. `from` (inclusive) / `to` (exclusive) cut a time window.
 */
export type DataSpec = (
  | {
      files: readonly string[];
      symbols?: readonly string[];
      /** Reader options passed to replay as they are (format, column mappings, vendor presets, data checks). */
      replay?: Omit<ReplayOptions, 'clock' | 'speed' | 'symbols' | 'from' | 'to'>;
    }
  | { market: MarketConfig }
  | { events: readonly MarketEvent[] }
) & { from?: number | string; to?: number | string };

/** Events plus the instruments the source knows (market-sim knows them; files do not). */
export interface LoadedData {
  data: EventInput;
  instruments?: readonly Instrument[];
}

const bad = (message: string, value: unknown) =>
  new TradeKitError('BACKTEST_DATA_INVALID', message, { details: { value } });

function window(spec: { from?: number | string; to?: number | string }): { from: number; to: number } {
  const from = spec.from === undefined ? Number.NEGATIVE_INFINITY : toMicros(spec.from as never);
  const to = spec.to === undefined ? Number.POSITIVE_INFINITY : toMicros(spec.to as never);
  return { from, to };
}

function* cut(events: Iterable<MarketEvent>, from: number, to: number): Generator<MarketEvent> {
  for (const e of events) {
    if (e.ts < from) continue;
    if (e.ts >= to) return;
    yield e;
  }
}

/**
 * Opens a {@link DataSpec}. Files are checked to exist before anything runs.
 *
 * @example
 * const { data, instruments } = openData({ market: { symbols: ['MNQ'], duration: '1h', seed: 1 } });
 */
export function openData(spec: DataSpec): LoadedData {
  if (typeof spec !== 'object' || spec === null) {
    throw bad(
      `Expected data like { files: ["day.csv"] }, { market: {…} } or { events: […] }, got ${describeValue(spec)}.`,
      spec,
    );
  }
  const { from, to } = window(spec);
  const windowed = Number.isFinite(from) || Number.isFinite(to);
  if ('files' in spec) {
    if (!Array.isArray(spec.files) || spec.files.length === 0)
      throw bad(`Expected \`files\` to be a non-empty array of paths, got ${describeValue(spec.files)}.`, spec.files);
    for (const f of spec.files) {
      let ok = false;
      try {
        ok = statSync(f).isFile();
      } catch {
        ok = false;
      }
      if (!ok) throw bad(`Expected a readable data file, got ${JSON.stringify(f)} (no such file). Check the path.`, f);
    }
    return {
      data: replay(spec.files as string[], {
        ...(spec.replay ?? {}),
        ...(spec.symbols ? { symbols: [...spec.symbols] } : {}),
        ...(Number.isFinite(from) ? { from } : {}),
        ...(Number.isFinite(to) ? { to } : {}),
      }),
    };
  }
  if ('market' in spec) {
    const market = createMarket(spec.market);
    return {
      data: windowed ? { [Symbol.iterator]: () => cut(market, from, to) } : market,
      instruments: market.instruments,
    };
  }
  if ('events' in spec) {
    if (!Array.isArray(spec.events))
      throw bad(`Expected \`events\` to be an array, got ${describeValue(spec.events)}.`, spec.events);
    return { data: windowed ? spec.events.filter((e) => e.ts >= from && e.ts < to) : spec.events };
  }
  throw bad(
    `Expected data with \`files\`, \`market\` or \`events\`, got keys ${JSON.stringify(Object.keys(spec))}.`,
    spec,
  );
}
