/**
 * Market configuration: what users pass to `createMarket`, the named presets, and validation
 * that names the field and value of every mistake.
 */
import {
  type Instrument,
  type InstrumentSpec,
  type Seed,
  defineInstrument,
  isTradeKitError,
  parseDuration,
  toMicros,
} from '@tradekit/types';
import { checkKeys, requireNumber, simError } from './errors.js';
import { type PriceProcess, garch, gbm, jumpDiffusion, ornsteinUhlenbeck } from './process.js';
import { type Scenario, flashCrash, lowLiquidity, volatile } from './scenario.js';
import { type MarketPreset, loadPreset } from './preset.js';
import { processFromJson } from './json-config.js';

/** Intraday seasonality: activity and volatility higher near the session's open and close. */
export interface Seasonality {
  /** Strength of the U-shape: 1 doubles activity at the open and close. @default 1 */
  amplitude?: number;
  /** Session open, `"HH:MM"` UTC. @default the instrument's first session, else '00:00' */
  open?: string;
  /** Session close, `"HH:MM"` UTC (at or before `open` = next day). @default the instrument's first session, else '00:00' (a 24 h day) */
  close?: string;
  /**
   * Variance multipliers by equal time bucket of the UTC day (48 = half-hours), mean 1; replaces
   * the U-shape (what `calibrate` fits). Volatility scales by the square root.
   */
  varianceProfile?: number[];
  /** Activity (trade and quote rate) multipliers by bucket, mean 1. @default the variance profile */
  activityProfile?: number[];
}

/** Microstructure parameters of one symbol; rates are per second of market time. */
export interface Microstructure {
  /** Mean rate of trades per second in normal conditions (Hawkes immigrants + offspring; seasonality, volatility and scenarios scale it). @default 2 */
  tradeRate?: number;
  /** Hawkes branching ratio: expected trades triggered by one trade (< 1). @default 0.6 */
  branching?: number;
  /** Decay time of Hawkes excitation (duration). @default '2s' */
  excitationDecay?: string | number;
  /** Rate of quote refreshes (market makers re-quoting), per second. @default 4 */
  quoteRate?: number;
  /** Spread in ticks in normal conditions (≥ 1). @default 1 */
  spreadTicks?: number;
  /** How much the spread widens with volatility: ticks × (1 + k·(σ/σ̄ − 1)) above σ̄. @default 0.5 */
  spreadVolatilitySensitivity?: number;
  /** Mean displayed size at the touch, in lots. @default 20 */
  depth?: number;
  /** Tail index of trade sizes (Pareto; smaller = heavier). @default 1.7 */
  sizeTailIndex?: number;
  /** Smallest trade, in lots. @default 1 */
  minTradeLots?: number;
  /** Largest trade, in lots. @default 500 */
  maxTradeLots?: number;
  /** Exponent γ coupling activity to volatility: rate × (σ/σ̄)^γ. @default 1 */
  volatilityCoupling?: number;
  /** Intraday seasonality; `false` or omitted for a flat day. */
  seasonality?: Seasonality | boolean;
}

/** One simulated symbol. */
export interface SymbolConfig {
  /** Ticker; known tickers (MNQ, ES, NQ, BTC-USD, ETH-USD, AAPL, SPY, EURUSD) get instrument defaults. */
  symbol: string;
  /** Instrument details; defaults come from the ticker table, else tick 0.01. */
  instrument?: Partial<Omit<InstrumentSpec, 'symbol'>>;
  /** First price. @default from the ticker table, else 100 */
  price?: number;
  /** Price process. @default the preset's (garch() for `default`) */
  process?: PriceProcess;
  /** Microstructure overrides. */
  microstructure?: Microstructure;
}

/** Configuration of `createMarket()`. */
export interface MarketConfig {
  /** Seed of every random draw. @default 1 */
  seed?: Seed;
  /**
   * Named preset supplying process, microstructure and scenarios, or a calibrated
   * {@link MarketPreset} (from `calibrate()` or a preset JSON file), which also sets the default
   * symbol, instrument, price and step. @default 'default'
   */
  preset?: string | MarketPreset;
  /** Symbols: tickers or full configs. @default ['MNQ'] */
  symbols?: Array<string | SymbolConfig>;
  /** Market start: epoch µs, or an ISO date-time. @default '2024-01-02T00:00:00Z' */
  start?: number | string;
  /** Length of market time to simulate (duration string or µs); omit for an endless market. @default '1d' */
  duration?: number | string | null;
  /** Stop after this many events. @default unlimited */
  maxEvents?: number;
  /** Simulation step of the price process (duration). @default '1s' */
  step?: number | string;
  /** Correlation matrix of the symbols' price shocks, in `symbols` order. @default identity */
  correlation?: number[][];
  /** Scenarios on the timeline (added after the preset's). */
  scenarios?: Scenario[];
  /** L2 book: `{ levels: 10 }` emits a snapshot then deltas; `false` emits quotes and trades only. @default false */
  book?: false | { levels?: number };
  /** Emit a `status: open` event per symbol at the start. @default true */
  statusEvents?: boolean;
}

/** A preset: defaults for process, microstructure, book and scenarios. */
export interface Preset {
  /** One line for `tradekit sim --help`. */
  description: string;
  process: () => PriceProcess;
  microstructure?: Microstructure;
  book?: false | { levels?: number };
  /** Scenarios, given the market's duration in µs (so windows can scale). */
  scenarios?: (durationUs: number) => Scenario[];
}

/** The named presets. */
export const PRESETS: Readonly<Record<string, Preset>> = Object.freeze({
  default: {
    description: 'GARCH(1,1)-t prices, Hawkes trades, U-shaped intraday activity (stylized facts hold)',
    process: () => garch(),
    microstructure: { seasonality: { amplitude: 1 } },
  },
  gbm: {
    description: 'plain geometric Brownian motion, Poisson-like flat activity (the textbook baseline)',
    process: () => gbm(),
    microstructure: { branching: 0, volatilityCoupling: 0 },
  },
  crypto: {
    description: '24/7 market, 60 % annual volatility, jumpy GARCH, busy tape',
    process: () => garch({ volatility: 0.6, alpha: 0.006, halfLife: '1h', df: 2.3 }),
    microstructure: { tradeRate: 5, quoteRate: 10, depth: 8, sizeTailIndex: 1.4, maxTradeLots: 2000 },
  },
  futures: {
    description: 'index futures: 18 % volatility, 1-tick spread, deep book, strong open/close',
    process: () => garch({ volatility: 0.18, alpha: 0.004, halfLife: '2h', df: 2.4 }),
    microstructure: {
      tradeRate: 4,
      quoteRate: 8,
      depth: 40,
      seasonality: { amplitude: 1.2, open: '14:30', close: '21:00' },
    },
  },
  'low-liquidity': {
    description: 'thin, wide, slow market with sparse book levels',
    process: () => garch({ volatility: 0.35 }),
    microstructure: { tradeRate: 0.3, quoteRate: 1, spreadTicks: 3, depth: 4, branching: 0.4 },
    scenarios: () => [lowLiquidity({ depth: 0.5, spread: 1.5, activity: 1, spacing: 2 })],
  },
  volatile: {
    description: 'high volatility with bursts, jumps and a volatile stretch mid-run',
    process: () => garch({ volatility: 0.5, alpha: 0.008, halfLife: '1h', df: 2.6 }),
    microstructure: { tradeRate: 4, quoteRate: 8, spreadVolatilitySensitivity: 1 },
    scenarios: (d) => [volatile({ from: Math.round(d * 0.4), to: Math.round(d * 0.6), multiplier: 2 })],
  },
  'flash-crash': {
    description: 'default market with a 7 % flash crash, short halt and partial rebound in the middle',
    process: () => garch(),
    scenarios: (d) => [
      flashCrash({ from: Math.round(d * 0.45), to: Math.round(d * 0.55), drop: 0.07, rebound: 0.6, halt: 0.1 }),
    ],
  },
  'mean-revert': {
    description: 'Ornstein–Uhlenbeck around the start price (range-bound market)',
    process: () => ornsteinUhlenbeck({ volatility: 0.15, halfLife: '2h' }),
  },
  jumps: {
    description: 'Merton jump-diffusion: calm diffusion with rare jumps',
    process: () => jumpDiffusion({ volatility: 0.15, jumpsPerYear: 2000, jumpVolatility: 0.004 }),
  },
});

/** Names of the built-in presets. */
export const PRESET_NAMES: readonly string[] = Object.freeze(Object.keys(PRESETS));

/** Looks up a preset; throws `SIM_UNKNOWN_PRESET` listing the valid names. */
export function getPreset(name: string): Preset {
  const p = Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined;
  if (!p) {
    throw simError('SIM_UNKNOWN_PRESET', 'preset', `one of ${PRESET_NAMES.map((n) => `"${n}"`).join(', ')}`, name);
  }
  return p;
}

interface TickerDefaults {
  spec: Omit<InstrumentSpec, 'symbol'>;
  price: number;
}

/** Instrument defaults for well-known tickers, so `symbols: ['MNQ']` just works. */
export const KNOWN_TICKERS: Readonly<Record<string, TickerDefaults>> = Object.freeze({
  MNQ: { spec: { tickSize: 0.25, multiplier: 2 }, price: 20000 },
  NQ: { spec: { tickSize: 0.25, multiplier: 20 }, price: 20000 },
  MES: { spec: { tickSize: 0.25, multiplier: 5 }, price: 5000 },
  ES: { spec: { tickSize: 0.25, multiplier: 50 }, price: 5000 },
  'BTC-USD': { spec: { tickSize: 0.01, lotSize: 0.0001 }, price: 60000 },
  'ETH-USD': { spec: { tickSize: 0.01, lotSize: 0.001 }, price: 3000 },
  AAPL: { spec: { tickSize: 0.01 }, price: 190 },
  SPY: { spec: { tickSize: 0.01 }, price: 500 },
  EURUSD: { spec: { tickSize: 0.00001, lotSize: 1000 }, price: 1.08 },
});

/** A symbol with everything resolved, ready to simulate. */
export interface ResolvedSymbol {
  instrument: Instrument;
  price: number;
  process: PriceProcess;
  micro: Required<Omit<Microstructure, 'seasonality' | 'excitationDecay'>> & {
    excitationDecayUs: number;
    seasonality:
      | {
          amplitude: number;
          openMin: number;
          lengthMin: number;
          varianceProfile: Float64Array | undefined;
          activityProfile: Float64Array | undefined;
        }
      | undefined;
  };
}

/** The whole market resolved and validated. */
export interface ResolvedConfig {
  seed: Seed;
  preset: string;
  start: number;
  durationUs: number;
  end: number;
  maxEvents: number;
  stepUs: number;
  symbols: ResolvedSymbol[];
  correlation: number[][] | undefined;
  scenarios: Scenario[];
  bookLevels: number;
  statusEvents: boolean;
}

const DEFAULT_MICRO = {
  tradeRate: 2,
  branching: 0.6,
  excitationDecay: '2s' as string | number,
  quoteRate: 4,
  spreadTicks: 1,
  spreadVolatilitySensitivity: 0.5,
  depth: 20,
  sizeTailIndex: 1.7,
  minTradeLots: 1,
  maxTradeLots: 500,
  volatilityCoupling: 1,
};

function hhmm(field: string, v: unknown): number {
  if (typeof v !== 'string' || !/^\d{2}:\d{2}$/.test(v))
    throw simError('SIM_INVALID_CONFIG', field, 'a time "HH:MM"', v);
  return Number(v.slice(0, 2)) * 60 + Number(v.slice(3, 5));
}

const MARKET_KEYS = [
  'seed',
  'preset',
  'symbols',
  'start',
  'duration',
  'maxEvents',
  'step',
  'correlation',
  'scenarios',
  'book',
  'statusEvents',
];
const SYMBOL_KEYS = ['symbol', 'instrument', 'price', 'process', 'microstructure'];
const INSTRUMENT_KEYS = ['tickSize', 'multiplier', 'lotSize', 'currency', 'sessions', 'marginPerContract'];
const MICRO_KEYS = [...Object.keys(DEFAULT_MICRO), 'seasonality'];
const SEASONALITY_KEYS = ['amplitude', 'open', 'close', 'varianceProfile', 'activityProfile'];

function profile(field: string, v: unknown): Float64Array | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0 || 1440 % v.length !== 0) {
    throw simError('SIM_INVALID_CONFIG', field, 'an array of multipliers whose length divides 1440 (e.g. 48)', v);
  }
  return Float64Array.from(v, (x, i) => requireNumber(`${field}[${i}]`, x, { min: 0 }, 'SIM_INVALID_CONFIG'));
}

function resolveMicro(
  field: string,
  preset: Microstructure | undefined,
  user: Microstructure | undefined,
  sessions: Instrument['sessions'] = [],
): ResolvedSymbol['micro'] {
  checkKeys(user, MICRO_KEYS, field);
  const m = { ...DEFAULT_MICRO, ...preset, ...user };
  const num = (key: keyof typeof DEFAULT_MICRO, opts: Parameters<typeof requireNumber>[2]) =>
    requireNumber(`${field}.${key}`, m[key], opts);
  const seasonRaw = m.seasonality;
  let seasonality: ResolvedSymbol['micro']['seasonality'];
  if (seasonRaw) {
    const s = seasonRaw === true ? {} : seasonRaw;
    checkKeys(s, SEASONALITY_KEYS, `${field}.seasonality`);
    const amplitude = requireNumber(`${field}.seasonality.amplitude`, s.amplitude ?? 1, { min: 0, max: 1.9 });
    // Without an explicit open, the U-shape follows the instrument's first session (in UTC).
    const session = s.open === undefined ? sessions[0] : undefined;
    const utc = (minutes: number) => (((minutes - (session?.utcOffsetMinutes ?? 0)) % 1440) + 1440) % 1440;
    const openMin = session
      ? utc(hhmm(`${field}.seasonality.open`, session.open))
      : hhmm(`${field}.seasonality.open`, s.open ?? '00:00');
    let closeMin = session
      ? utc(hhmm(`${field}.seasonality.close`, session.close))
      : hhmm(`${field}.seasonality.close`, s.close ?? s.open ?? '00:00');
    if (closeMin <= openMin) closeMin += 1440;
    seasonality = {
      amplitude,
      openMin,
      lengthMin: closeMin - openMin,
      varianceProfile: profile(`${field}.seasonality.varianceProfile`, s.varianceProfile),
      activityProfile: profile(`${field}.seasonality.activityProfile`, s.activityProfile),
    };
  }
  let decay: number;
  try {
    decay = parseDuration(m.excitationDecay);
  } catch {
    throw simError('SIM_INVALID_PARAMETER', `${field}.excitationDecay`, 'a duration like "2s"', m.excitationDecay);
  }
  const minLots = num('minTradeLots', { min: 1, integer: true });
  return {
    tradeRate: num('tradeRate', { min: 0 }),
    branching: num('branching', { min: 0, max: 0.95 }),
    excitationDecayUs: requireNumber(`${field}.excitationDecay`, decay, { min: 0, exclusiveMin: true }),
    quoteRate: num('quoteRate', { min: 0 }),
    spreadTicks: num('spreadTicks', { min: 1 }),
    spreadVolatilitySensitivity: num('spreadVolatilitySensitivity', { min: 0 }),
    depth: num('depth', { min: 1 }),
    sizeTailIndex: num('sizeTailIndex', { min: 0, exclusiveMin: true }),
    minTradeLots: minLots,
    maxTradeLots: num('maxTradeLots', { min: minLots, integer: true }),
    volatilityCoupling: num('volatilityCoupling', { min: 0 }),
    seasonality,
  };
}

function resolveTime(field: string, v: number | string): number {
  try {
    return toMicros(v);
  } catch {
    throw simError('SIM_INVALID_CONFIG', field, 'epoch µs or an ISO date-time like "2024-01-02T14:30:00Z"', v);
  }
}

function resolveDuration(field: string, v: number | string, allowZero = false): number {
  let us: number;
  try {
    us = parseDuration(v);
  } catch {
    throw simError('SIM_INVALID_CONFIG', field, 'a duration like "1d", "90m" or µs', v);
  }
  if (!(us > 0) && !allowZero) throw simError('SIM_INVALID_CONFIG', field, 'a duration > 0', v);
  return us;
}

/** Validates a config and fills every default. Throws a `SIM_*` TradeKitError naming the field. */
export function resolveConfig(config: MarketConfig = {}): ResolvedConfig {
  if (typeof config !== 'object' || config === null)
    throw simError('SIM_INVALID_CONFIG', 'config', 'an object', config);
  checkKeys(config, MARKET_KEYS, 'market config');
  let presetName: string;
  let preset: Preset;
  let fitted: MarketPreset | undefined;
  if (typeof config.preset === 'object' && config.preset !== null) {
    fitted = loadPreset(config.preset);
    const f = fitted;
    presetName = f.name ?? 'calibrated';
    preset = {
      description: `calibrated on ${f.symbol}`,
      process: () => processFromJson(f.process, 'preset.process'),
      microstructure: f.microstructure,
    };
  } else {
    presetName = config.preset ?? 'default';
    preset = getPreset(presetName);
  }
  const seed = config.seed ?? 1;
  if (typeof seed === 'number' ? !Number.isFinite(seed) : typeof seed !== 'string') {
    throw simError('SIM_INVALID_CONFIG', 'seed', 'a finite number or a string', seed);
  }
  const start = resolveTime('start', config.start ?? '2024-01-02T00:00:00Z');
  const durationUs =
    config.duration === null ? Number.POSITIVE_INFINITY : resolveDuration('duration', config.duration ?? '1d');
  const stepUs = resolveDuration('step', config.step ?? fitted?.step ?? '1s');
  if (stepUs < 1000) throw simError('SIM_INVALID_CONFIG', 'step', 'a duration ≥ 1ms', config.step);
  const maxEvents =
    config.maxEvents === undefined
      ? Number.POSITIVE_INFINITY
      : requireNumber('maxEvents', config.maxEvents, { min: 0, integer: true }, 'SIM_INVALID_CONFIG');
  const rawSymbols =
    config.symbols ??
    (fitted ? [{ symbol: fitted.symbol, instrument: { ...fitted.instrument }, price: fitted.price }] : ['MNQ']);
  if (!Array.isArray(rawSymbols) || rawSymbols.length === 0) {
    throw simError('SIM_INVALID_CONFIG', 'symbols', 'a non-empty array of tickers or { symbol } objects', rawSymbols);
  }
  const seen = new Set<string>();
  const symbols = rawSymbols.map((raw, i): ResolvedSymbol => {
    const sc: SymbolConfig = typeof raw === 'string' ? { symbol: raw } : raw;
    if (typeof sc !== 'object' || sc === null || typeof sc.symbol !== 'string' || sc.symbol.length === 0) {
      throw simError('SIM_INVALID_CONFIG', `symbols[${i}]`, 'a ticker string or { symbol: string, ... }', raw);
    }
    checkKeys(sc, SYMBOL_KEYS, `symbols[${i}]`);
    checkKeys(sc.instrument, INSTRUMENT_KEYS, `symbols[${i}].instrument`);
    if (seen.has(sc.symbol))
      throw simError('SIM_INVALID_CONFIG', `symbols[${i}].symbol`, 'a ticker not listed twice', sc.symbol);
    seen.add(sc.symbol);
    const known = KNOWN_TICKERS[sc.symbol];
    const spec: InstrumentSpec = { tickSize: 0.01, ...known?.spec, ...sc.instrument, symbol: sc.symbol };
    if (!(typeof spec.tickSize === 'number' && spec.tickSize > 0 && Number.isFinite(spec.tickSize))) {
      throw simError(
        'SIM_INVALID_TICK_SIZE',
        `symbols[${i}].instrument.tickSize`,
        'a finite number > 0 such as 0.25 or 0.01',
        spec.tickSize,
      );
    }
    let instrument: Instrument;
    try {
      instrument = defineInstrument(spec);
    } catch (err) {
      if (isTradeKitError(err)) {
        const e = simError(
          'SIM_INVALID_CONFIG',
          `symbols[${i}].instrument`,
          'a valid instrument',
          sc.instrument,
          err.message,
        );
        (e as { cause?: unknown }).cause = err;
        throw e;
      }
      throw err;
    }
    const price = requireNumber(
      `symbols[${i}].price`,
      sc.price ?? known?.price ?? 100,
      { min: 0, exclusiveMin: true },
      'SIM_INVALID_CONFIG',
    );
    if (price / instrument.tickSize < 10) {
      throw simError(
        'SIM_INVALID_CONFIG',
        `symbols[${i}].price`,
        `at least 10 ticks (${10 * instrument.tickSize})`,
        price,
      );
    }
    const process = sc.process ?? preset.process();
    if (typeof process !== 'object' || process === null || typeof process.start !== 'function') {
      throw simError('SIM_INVALID_CONFIG', `symbols[${i}].process`, 'a process such as garch() or gbm()', process);
    }
    return {
      instrument,
      price,
      process,
      micro: resolveMicro(
        `symbols[${i}].microstructure`,
        preset.microstructure,
        sc.microstructure,
        instrument.sessions,
      ),
    };
  });
  if (!Number.isFinite(durationUs) && symbols.every((s) => s.micro.tradeRate === 0 && s.micro.quoteRate === 0)) {
    // Nothing would ever be emitted, so an endless market would spin forever.
    throw simError(
      'SIM_INVALID_CONFIG',
      'duration',
      'a finite duration when every tradeRate and quoteRate is 0',
      config.duration,
    );
  }
  const book = config.book ?? preset.book ?? false;
  let bookLevels = 0;
  if (book !== false) {
    if (typeof book !== 'object' || book === null)
      throw simError('SIM_INVALID_CONFIG', 'book', 'false or { levels: number }', book);
    checkKeys(book, ['levels'], 'book');
    bookLevels = requireNumber(
      'book.levels',
      book.levels ?? 10,
      { min: 1, max: 1000, integer: true },
      'SIM_INVALID_CONFIG',
    );
  }
  const durationForPreset = Number.isFinite(durationUs) ? durationUs : 86_400_000_000;
  const scenarios = [...(preset.scenarios?.(durationForPreset) ?? []), ...(config.scenarios ?? [])];
  return {
    seed,
    preset: presetName,
    start,
    durationUs,
    end: start + durationUs,
    maxEvents,
    stepUs,
    symbols,
    correlation: config.correlation,
    scenarios,
    bookLevels,
    statusEvents: config.statusEvents ?? true,
  };
}
