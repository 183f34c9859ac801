/**
 * The `market` fixture: a seeded market-sim market played onto the test's virtual clock one event
 * at a time, so a test (or `until`) decides how far the market runs.
 */
import { type Market, type MarketConfig, type Scenario, createMarket, defineScenario } from '@tradekit/market-sim';
import {
  type Instrument,
  type MarketEvent,
  type Micros,
  type Seed,
  type VirtualClock,
  describeValue,
  parseDuration,
} from '@tradekit/types';
import { fixtureError } from './errors.js';

/** The latest prices the market showed for a symbol (undefined until seen). */
export interface MarketPrices {
  bid?: number;
  ask?: number;
  /** Last trade price. */
  last?: number;
  /** (bid + ask) / 2 when both are known. */
  mid?: number;
}

/** Options of {@link priceMove}. */
export interface PriceMoveOptions {
  /** Points to move (negative = down), e.g. `-60`. */
  by: number;
  /** Window start, µs after the market start or a duration like `"2m"`. */
  from: number | string;
  /** Window end (exclusive), same units. The move is spread evenly over the window. */
  to: number | string;
  /** Symbol to move. @default the market's first symbol */
  symbol?: string;
  /**
   * Price the move is measured from. The fixtures fill it in with the mid price at `from` (from a
   * run of the same market without this move); give it yourself to use the scenario with a plain
   * `createMarket`.
   */
  reference?: number;
}

const PRICE_MOVE = Symbol.for('@tradekit/test-fixtures/price-move');

type PriceMoveScenario = Scenario & { [PRICE_MOVE]: PriceMoveOptions };

const moveScenario = defineScenario<{ total: number }>('priceMove', (c, s, p) => {
  c.jump += p.total * (s.progressEnd - s.progress);
});

/**
 * A scenario that moves a symbol's price by `by` points over a window, on top of the process's
 * own noise (use a calm process for an exact-looking move). Log-return jumps spread evenly
 * over the window's steps, so the path stays on the tick grid and the book stays consistent.
 *
 * @example
 * test.scoped({ marketConfig: { symbols: ['MNQ'], scenarios: [priceMove({ by: -60, from: '1m', to: '4m' })] } });
 */
export function priceMove(options: PriceMoveOptions): Scenario {
  if (
    typeof options !== 'object' ||
    options === null ||
    typeof options.by !== 'number' ||
    !Number.isFinite(options.by)
  ) {
    throw fixtureError(
      'FIXTURE_OPTION_INVALID',
      `priceMove() expects { by: <points>, from, to }, got ${describeValue(options)}. Example: priceMove({ by: -60, from: '1m', to: '4m' }).`,
    );
  }
  const { by, from, to, symbol, reference } = options;
  const base =
    reference === undefined
      ? {
          name: 'priceMove',
          from,
          to,
          symbols: symbol === undefined ? undefined : [symbol],
          apply() {
            throw fixtureError(
              'FIXTURE_OPTION_INVALID',
              'priceMove() without `reference` only works inside the `market` fixture (it measures the price at `from` first). Outside fixtures, pass `reference` (the price the move starts from) or resolve the config with resolvePriceMoves(config).',
            );
          },
        }
      : moveScenario({
          from,
          to,
          ...(symbol === undefined ? {} : { symbols: [symbol] }),
          total: Math.log((reference + by) / reference),
        });
  if (reference !== undefined && !(reference + by > 0)) {
    throw fixtureError(
      'FIXTURE_OPTION_INVALID',
      `priceMove() would move ${reference} by ${by} to a price ≤ 0. Use a smaller move.`,
    );
  }
  return Object.assign(base, { [PRICE_MOVE]: options }) as PriceMoveScenario;
}

function isPriceMove(s: Scenario): s is PriceMoveScenario {
  return typeof s === 'object' && s !== null && PRICE_MOVE in s;
}

/**
 * Replaces every {@link priceMove} without a `reference` by one measured from the mid price at its
 * `from`, found by running the same market (without those moves) up to there.
 */
export function resolvePriceMoves(config: MarketConfig): MarketConfig {
  const scenarios = config.scenarios ?? [];
  const pending = scenarios.filter((s) => isPriceMove(s) && s[PRICE_MOVE].reference === undefined);
  if (pending.length === 0) return config;
  const others = scenarios.filter((s) => !pending.includes(s));
  const probe = createMarket({ ...config, scenarios: others });
  const start = probe.config.start;
  const firstSymbol = probe.instruments[0]?.symbol as string;
  const resolved = new Map<Scenario, Scenario>();
  for (const s of pending) {
    const o = (s as PriceMoveScenario)[PRICE_MOVE];
    const symbol = o.symbol ?? firstSymbol;
    const at = start + parseDuration(o.from);
    let mid: number | undefined;
    let last: number | undefined;
    for (const e of probe) {
      if (e.ts >= at) break;
      if (e.symbol !== symbol) continue;
      if (e.type === 'quote') mid = (e.bid + e.ask) / 2;
      else if (e.type === 'trade') last = e.price;
    }
    const reference = mid ?? last ?? probe.config.symbols.find((x) => x.instrument.symbol === symbol)?.price;
    if (reference === undefined) {
      throw fixtureError('FIXTURE_OPTION_INVALID', `priceMove(): the market has no symbol ${JSON.stringify(symbol)}.`);
    }
    resolved.set(s, priceMove({ ...o, symbol, reference }));
  }
  return { ...config, scenarios: scenarios.map((s) => resolved.get(s) ?? s) };
}

/** Thrown when a fixture object is used after its test ended. */
export function outsideTest(what: string, testName: string): Error {
  return fixtureError(
    'FIXTURE_OUTSIDE_TEST',
    `The ${what} fixture of test "${testName}" was used after that test ended. Fixtures live for one test: take them from the test's context (test('…', async ({ ${what} }) => …)) and don't keep them in outer variables or timers.`,
    { fixture: what, test: testName },
  );
}

/**
 * A seeded market-sim market played onto the test's `VirtualClock`: `next()` hands one event to
 * everything connected (the exchange fixture), `advance('5m')` plays five minutes of market time.
 */
export class FixtureMarket {
  /** The market-sim market (re-iterable: iterate it for the same events from the start). */
  readonly sim: Market;
  /** The clock the events are played onto. */
  readonly clock: VirtualClock;
  /** The seed the market was built with. */
  readonly seed: Seed;
  private readonly testName: string;
  private readonly iterator: Iterator<MarketEvent>;
  private peeked: MarketEvent | undefined;
  private ended = false;
  private closed = false;
  private readonly sinks = new Set<(e: MarketEvent) => void>();
  private readonly prices = new Map<string, MarketPrices>();
  private played = 0;

  constructor(config: MarketConfig, clock: VirtualClock, testName: string) {
    this.sim = createMarket(resolvePriceMoves(config));
    this.seed = this.sim.config.seed;
    this.clock = clock;
    this.testName = testName;
    this.iterator = this.sim[Symbol.iterator]();
  }

  /** The simulated instruments. */
  get instruments(): readonly Instrument[] {
    return this.sim.instruments;
  }

  /** Market events handed out so far. */
  get eventsPlayed(): number {
    return this.played;
  }

  /** True once the market's duration is over. */
  get done(): boolean {
    return this.peek() === undefined;
  }

  /** Sends every event played from now on to `sink`; returns a function that disconnects it. */
  connect(sink: (e: MarketEvent) => void): () => void {
    this.guard();
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /** The next event without playing it (undefined at the end of the market). */
  peek(): MarketEvent | undefined {
    this.guard();
    if (this.peeked === undefined && !this.ended) {
      const r = this.iterator.next();
      if (r.done) this.ended = true;
      else this.peeked = r.value;
    }
    return this.peeked;
  }

  /**
   * Plays the next event: the clock advances to its time (timers due before it fire first, each
   * followed by the promise continuations it wakes), then every connected sink gets it.
   */
  async next(): Promise<MarketEvent | undefined> {
    const e = this.peek();
    if (e === undefined) return undefined;
    this.peeked = undefined;
    const clock = this.clock;
    if (e.ts > clock.now()) {
      const due = clock.nextTime();
      if (due !== undefined && due <= e.ts) await clock.runAsync({ until: e.ts });
      else clock.advanceTo(e.ts);
    }
    this.record(e);
    this.played++;
    for (const sink of this.sinks) sink(e);
    return e;
  }

  /** Plays every event up to `ts` (inclusive), then sets the clock to `ts`. @returns events played */
  async advanceTo(ts: Micros): Promise<number> {
    this.guard();
    let n = 0;
    for (let e = this.peek(); e !== undefined && e.ts <= ts; e = this.peek()) {
      await this.next();
      n++;
    }
    if (ts > this.clock.now()) await this.clock.runAsync({ until: ts });
    return n;
  }

  /** Plays `duration` of market time (`"30s"`, `"5m"` or µs). @returns events played */
  advance(duration: string | number): Promise<number> {
    this.guard();
    return this.advanceTo(this.clock.now() + parseDuration(duration));
  }

  /** The latest bid, ask, last and mid of a symbol. */
  price(symbol: string): MarketPrices {
    this.guard();
    return { ...(this.prices.get(symbol) ?? {}) };
  }

  /** Ends the fixture: later use throws `FIXTURE_OUTSIDE_TEST`. */
  close(): void {
    this.closed = true;
    this.sinks.clear();
  }

  private guard(): void {
    if (this.closed) throw outsideTest('market', this.testName);
  }

  private record(e: MarketEvent): void {
    let p = this.prices.get(e.symbol);
    if (p === undefined) {
      p = {};
      this.prices.set(e.symbol, p);
    }
    if (e.type === 'quote') {
      p.bid = e.bid;
      p.ask = e.ask;
      p.mid = (e.bid + e.ask) / 2;
    } else if (e.type === 'trade') {
      p.last = e.price;
    } else if (e.type === 'book_snapshot' || e.type === 'book_delta') {
      // Book events carry levels; the best levels are what a quote would show.
      const bid = (e as { bids?: { price: number }[] }).bids?.[0]?.price;
      const ask = (e as { asks?: { price: number }[] }).asks?.[0]?.price;
      if (e.type === 'book_snapshot') {
        p.bid = bid;
        p.ask = ask;
      }
      if (p.bid !== undefined && p.ask !== undefined) p.mid = (p.bid + p.ask) / 2;
    }
  }
}
