/**
 * `MarketPreset`: a calibrated market as versioned, validated JSON. `calibrate()` writes one,
 * `createMarket({ preset })` and `tradekit sim --preset preset.json` read it back.
 */
import { TradeKitError } from '@tradekit/types';
import type { Microstructure } from './config.js';
import { checkKeys, simError } from './errors.js';
import type { MarketFacts } from './facts.js';
import { processFromJson } from './json-config.js';

/** The preset format version this package writes and reads. */
export const MARKET_PRESET_VERSION = 1;

/** A GARCH(1,1)-t process as JSON (the parameters of `garch()`; `halfLife` in µs). */
export interface PresetProcess {
  type: 'garch';
  /** Annualised long-run volatility (calendar time). */
  volatility: number;
  /** Per-step reaction α. */
  alpha: number;
  /** Half-life of a volatility shock, µs. */
  halfLife: number;
  /** Student-t degrees of freedom of the per-step innovations. */
  df: number;
}

/** A calibrated market: everything `createMarket` needs to simulate one symbol like the data. */
export interface MarketPreset {
  /** Format version; must equal {@link MARKET_PRESET_VERSION}. */
  version: 1;
  /** Short name shown by `tradekit sim`. @default 'calibrated' */
  name?: string;
  /** Ticker of the calibrated symbol. */
  symbol: string;
  /** Instrument details inferred from the data (tick size) or given to `calibrate`. */
  instrument: { tickSize: number; lotSize?: number; multiplier?: number; currency?: string };
  /** First price of simulated sessions (the data's last price). */
  price: number;
  /** Simulation step, µs: the bar interval / 60. */
  step: number;
  /** Bar interval the statistics were computed at, µs (1 minute for tick data). */
  interval: number;
  /** The fitted price process. */
  process: PresetProcess;
  /** Fitted microstructure (rates per second, sizes in lots, profiles by half-hour UTC). */
  microstructure: Microstructure;
  /** Parameters the data could not inform, left at their documented defaults. */
  defaulted: string[];
  /** What was read and the data's stylized facts (for the fit report). */
  data: {
    events: number;
    trades: number;
    quotes: number;
    bars: number;
    firstTs: number;
    lastTs: number;
    facts: MarketFacts;
  };
}

const PRESET_KEYS = [
  'version',
  'name',
  'symbol',
  'instrument',
  'price',
  'step',
  'interval',
  'process',
  'microstructure',
  'defaulted',
  'data',
];
const DATA_KEYS = ['events', 'trades', 'quotes', 'bars', 'firstTs', 'lastTs', 'facts'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function need(cond: boolean, field: string, expected: string, value: unknown): void {
  if (!cond)
    throw simError('SIM_INVALID_PRESET', field, expected, value, 'Re-run `tradekit calibrate` or fix the field.');
}

/**
 * Validates a parsed preset (from JSON) and returns it typed. Throws `SIM_PRESET_VERSION` for
 * another format version, `SIM_UNKNOWN_KEY` naming the nearest valid key, `SIM_INVALID_PRESET`
 * for a wrong field, and the process's own `SIM_*` errors for its parameters.
 *
 * @example
 * const preset = loadPreset(JSON.parse(readFileSync('preset.json', 'utf8')));
 * createMarket({ preset, seed: 7, duration: '1d' });
 */
export function loadPreset(json: unknown, where = 'preset'): MarketPreset {
  need(isObject(json), where, 'a JSON object written by calibrate()', json);
  const p = json as Record<string, unknown>;
  if (p.version !== MARKET_PRESET_VERSION) {
    throw new TradeKitError(
      'SIM_PRESET_VERSION',
      `Expected \`${where}.version\` to be ${MARKET_PRESET_VERSION} (the preset format this @tradekit/market-sim reads), got ${JSON.stringify(p.version)}. Re-run \`tradekit calibrate\` with this version, or use the @tradekit/market-sim release that wrote it.`,
      { details: { field: `${where}.version`, value: p.version, expected: MARKET_PRESET_VERSION } },
    );
  }
  checkKeys(p, PRESET_KEYS, where);
  need(typeof p.symbol === 'string' && p.symbol.length > 0, `${where}.symbol`, 'a ticker', p.symbol);
  need(isObject(p.instrument), `${where}.instrument`, 'an object { tickSize }', p.instrument);
  const inst = p.instrument as Record<string, unknown>;
  checkKeys(inst, ['tickSize', 'lotSize', 'multiplier', 'currency'], `${where}.instrument`);
  need(
    typeof inst.tickSize === 'number' && inst.tickSize > 0,
    `${where}.instrument.tickSize`,
    'a number > 0',
    inst.tickSize,
  );
  need(
    typeof p.price === 'number' && p.price > 0 && Number.isFinite(p.price),
    `${where}.price`,
    'a price > 0',
    p.price,
  );
  for (const k of ['step', 'interval'] as const) {
    need(
      typeof p[k] === 'number' && (p[k] as number) >= 1000 && Number.isFinite(p[k]),
      `${where}.${k}`,
      'µs ≥ 1000',
      p[k],
    );
  }
  need(isObject(p.process), `${where}.process`, 'an object { "type": "garch", … }', p.process);
  processFromJson(p.process, `${where}.process`);
  need(isObject(p.microstructure), `${where}.microstructure`, 'an object', p.microstructure);
  need(
    Array.isArray(p.defaulted) && p.defaulted.every((d) => typeof d === 'string'),
    `${where}.defaulted`,
    'an array of parameter names',
    p.defaulted,
  );
  need(isObject(p.data), `${where}.data`, 'an object', p.data);
  checkKeys(p.data as object, DATA_KEYS, `${where}.data`);
  if (p.name !== undefined) need(typeof p.name === 'string', `${where}.name`, 'a string', p.name);
  return p as unknown as MarketPreset;
}
