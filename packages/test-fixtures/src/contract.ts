/**
 * `describeEventSource`: one contract suite every market event source runs (market-sim, replay,
 * your own adapter): ordering, determinism and schema validity.
 */
import {
  type MarketEvent,
  type MarketEventSource,
  MARKET_EVENT_TYPES,
  eventToJsonLine,
  isMarketEvent,
  jsonToEvent,
} from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { fixtureError } from './errors.js';

/** Makes a fresh source that starts from the beginning (called once per check). */
export type MakeEventSource = () => MarketEventSource | Promise<MarketEventSource>;

/** Options of {@link describeEventSource}. */
export interface EventSourceContract {
  /** Events read from each source. @default 5000 */
  maxEvents?: number;
  /** The suite fails when a source yields fewer events (an empty source proves nothing). @default 1 */
  minEvents?: number;
  /** Tick size per symbol: prices must lie on the grid. @default no grid check */
  tickSizes?: Record<string, number>;
  /** Whether two fresh sources must yield identical events (false for live sources). @default true */
  deterministic?: boolean;
}

/** Reads up to `max` events from a sync or async iterable and closes it. */
export async function readEvents(source: MarketEventSource, max: number): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  if (max <= 0) return out;
  if (Symbol.asyncIterator in (source as object)) {
    for await (const e of source as AsyncIterable<MarketEvent>) {
      // Sources may reuse objects between events; keep a copy.
      out.push(structuredClone(e));
      if (out.length >= max) break;
    }
  } else if (Symbol.iterator in (source as object)) {
    for (const e of source as Iterable<MarketEvent>) {
      out.push(structuredClone(e));
      if (out.length >= max) break;
    }
  } else {
    throw fixtureError(
      'FIXTURE_SOURCE_CONTRACT',
      'describeEventSource(): makeSource() must return an iterable or async iterable of market events (market-sim market, replay(...), an array, a generator).',
    );
  }
  return out;
}

function at(i: number, e: MarketEvent): string {
  return `event #${i} ${eventToJsonLine(e)}`;
}

/** Why an event breaks the schema, or undefined when it is valid. */
export function schemaProblem(e: unknown, tickSizes: Record<string, number> = {}): string | undefined {
  if (!isMarketEvent(e)) {
    return `not a market event (type must be one of ${MARKET_EVENT_TYPES.join(', ')}, with a string symbol and a number ts)`;
  }
  if (!Number.isSafeInteger(e.ts) || e.ts < 0) return `ts ${e.ts} is not an integer epoch µs`;
  const prices: number[] = [];
  const sizes: number[] = [];
  switch (e.type) {
    case 'quote':
      prices.push(e.bid, e.ask);
      sizes.push(e.bidSize, e.askSize);
      if (e.bid > e.ask) return `crossed quote: bid ${e.bid} > ask ${e.ask}`;
      break;
    case 'trade':
      prices.push(e.price);
      sizes.push(e.size);
      break;
    case 'bar':
      prices.push(e.open, e.high, e.low, e.close);
      sizes.push(e.volume);
      if (!(e.low <= Math.min(e.open, e.close) && e.high >= Math.max(e.open, e.close))) {
        return `bar with low ${e.low} / high ${e.high} not enclosing open ${e.open} and close ${e.close}`;
      }
      break;
    case 'book_snapshot':
    case 'book_delta':
      for (const l of [...e.bids, ...e.asks]) {
        prices.push(l.price);
        sizes.push(l.size);
      }
      break;
    default:
      break;
  }
  for (const p of prices) if (!Number.isFinite(p)) return `price ${p} is not a finite number`;
  for (const s of sizes) if (!Number.isFinite(s) || s < 0) return `size ${s} is not a finite number ≥ 0`;
  const tick = tickSizes[e.symbol];
  if (tick !== undefined) {
    for (const p of prices) {
      const n = p / tick;
      if (Math.abs(n - Math.round(n)) > 1e-6) return `price ${p} is off the ${tick} tick grid of ${e.symbol}`;
    }
  }
  // What a writer writes, a reader must read back as the same event.
  const back = jsonToEvent(JSON.parse(eventToJsonLine(e)));
  if (eventToJsonLine(back) !== eventToJsonLine(e)) return 'does not survive a canonical JSONL round trip';
  return undefined;
}

/**
 * Declares the event-source contract suite: a `describe` with checks for event count, time order,
 * determinism and schema validity. Run it in a test file for each source you ship.
 *
 * @example
 * import { describeEventSource } from '@tradekit/test-fixtures';
 * import { createMarket } from '@tradekit/market-sim';
 * describeEventSource('market-sim', () => createMarket({ seed: 1, duration: '10m' }), { tickSizes: { MNQ: 0.25 } });
 */
export function describeEventSource(
  name: string,
  makeSource: MakeEventSource,
  options: EventSourceContract = {},
): void {
  if (typeof makeSource !== 'function') {
    throw fixtureError(
      'FIXTURE_SOURCE_CONTRACT',
      `describeEventSource("${name}", makeSource) expects makeSource to be a function returning a fresh source, got ${typeof makeSource}.`,
    );
  }
  const max = options.maxEvents ?? 5000;
  const min = options.minEvents ?? 1;
  const deterministic = options.deterministic ?? true;
  const read = async () => readEvents(await makeSource(), max);

  describe(`event source contract: ${name}`, () => {
    it(`yields at least ${min} event${min === 1 ? '' : 's'}`, async () => {
      const events = await read();
      expect(
        events.length,
        `${name} yielded ${events.length} events, expected at least ${min} (too few to check anything; an empty source proves nothing)`,
      ).toBeGreaterThanOrEqual(min);
    });

    it('yields events in time order (ts never decreases)', async () => {
      const events = await read();
      expect(events.length).toBeGreaterThanOrEqual(min);
      for (let i = 1; i < events.length; i++) {
        const prev = events[i - 1] as MarketEvent;
        const e = events[i] as MarketEvent;
        if (e.ts < prev.ts) {
          expect.fail(`${name}: ${at(i, e)} comes after ${at(i - 1, prev)}, which is later in time`);
        }
      }
    });

    it.skipIf(!deterministic)('yields the same events from every fresh source', async () => {
      const a = await read();
      const b = await read();
      expect(a.length).toBeGreaterThanOrEqual(min);
      expect(b.length, `${name}: a second fresh source yielded a different number of events`).toBe(a.length);
      for (let i = 0; i < a.length; i++) {
        const x = eventToJsonLine(a[i] as MarketEvent);
        const y = eventToJsonLine(b[i] as MarketEvent);
        if (x !== y)
          expect.fail(`${name}: event #${i} differs between two fresh sources:\n  first:  ${x}\n  second: ${y}`);
      }
    });

    it('yields only valid canonical events', async () => {
      const events = await read();
      expect(events.length).toBeGreaterThanOrEqual(min);
      for (let i = 0; i < events.length; i++) {
        const e = events[i] as MarketEvent;
        const problem = schemaProblem(e, options.tickSizes);
        if (problem !== undefined) {
          expect.fail(`${name}: event #${i} is invalid: ${problem}\n  ${JSON.stringify(e)}`);
        }
      }
    });
  });
}
