/**
 * Market configs as plain JSON (for `tradekit sim --config file.json`): processes and scenarios
 * are written as `{ "type": "garch", ...params }` and turned into the factory calls here.
 */
import type { MarketConfig, SymbolConfig } from './config.js';
import { checkKeys, simError } from './errors.js';
import { type PriceProcess, garch, gbm, jumpDiffusion, ornsteinUhlenbeck, regimeSwitching } from './process.js';
import {
  type Scenario,
  flashCrash,
  halt,
  lowLiquidity,
  newsSpike,
  sessionGap,
  trending,
  volatile,
} from './scenario.js';

const PROCESS_TYPES = ['gbm', 'garch', 'jumpDiffusion', 'ornsteinUhlenbeck', 'regimeSwitching'] as const;
// biome-ignore lint/suspicious/noExplicitAny: scenario factories take differently-typed params
const SCENARIO_TYPES: Record<string, (p: any) => Scenario> = {
  trending,
  volatile,
  lowLiquidity,
  flashCrash,
  sessionGap,
  halt,
  newsSpike,
};

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Builds a process from `{ type, ...params }`; throws `SIM_INVALID_CONFIG` naming the field. */
export function processFromJson(value: unknown, field = 'process'): PriceProcess {
  if (!isObject(value) || typeof value.type !== 'string') {
    throw simError(
      'SIM_INVALID_CONFIG',
      field,
      `an object { "type": ${PROCESS_TYPES.map((t) => `"${t}"`).join(' | ')}, ...params }`,
      value,
    );
  }
  const { type, ...params } = value;
  switch (type) {
    case 'gbm':
      return gbm(params);
    case 'garch':
      return garch(params);
    case 'jumpDiffusion':
      return jumpDiffusion(params);
    case 'ornsteinUhlenbeck':
      return ornsteinUhlenbeck(params);
    case 'regimeSwitching': {
      checkKeys(params, ['regimes', 'transitions'], `${field} (regimeSwitching)`);
      const regimes = params.regimes;
      if (!Array.isArray(regimes))
        throw simError('SIM_INVALID_CONFIG', `${field}.regimes`, 'an array of { process, meanDuration }', regimes);
      return regimeSwitching({
        regimes: regimes.map((r: unknown, i: number) => {
          if (!isObject(r))
            throw simError('SIM_INVALID_CONFIG', `${field}.regimes[${i}]`, 'an object { process, meanDuration }', r);
          checkKeys(r, ['process', 'meanDuration', 'name'], `${field}.regimes[${i}]`);
          return {
            process: processFromJson(r.process, `${field}.regimes[${i}].process`),
            meanDuration: r.meanDuration as string | number,
            name: r.name as string | undefined,
          };
        }),
        transitions: params.transitions as number[][] | undefined,
      });
    }
    default:
      throw simError(
        'SIM_INVALID_CONFIG',
        `${field}.type`,
        `one of ${PROCESS_TYPES.map((t) => `"${t}"`).join(', ')}`,
        type,
      );
  }
}

/** Builds a scenario from `{ type, from, to, ...params }`. */
export function scenarioFromJson(value: unknown, field = 'scenario'): Scenario {
  const names = Object.keys(SCENARIO_TYPES);
  if (!isObject(value) || typeof value.type !== 'string' || !Object.hasOwn(SCENARIO_TYPES, value.type)) {
    throw simError(
      'SIM_INVALID_SCENARIO',
      `${field}.type`,
      `one of ${names.map((t) => `"${t}"`).join(', ')}`,
      isObject(value) ? value.type : value,
    );
  }
  const { type, ...params } = value;
  return (SCENARIO_TYPES[type] as (p: unknown) => Scenario)(params);
}

/**
 * Turns a JSON config (as parsed from a file) into a {@link MarketConfig}: `process` objects and
 * `scenarios` entries with a `type` become factory calls; everything else passes through to
 * `createMarket`'s own validation.
 *
 * @example
 * configFromJson({ preset: 'crypto', symbols: [{ symbol: 'BTC-USD', process: { type: 'garch', volatility: 0.8 } }],
 *   scenarios: [{ type: 'flashCrash', from: '2h', to: '3h', drop: 0.1 }] });
 */
export function configFromJson(json: unknown): MarketConfig {
  if (!isObject(json)) throw simError('SIM_INVALID_CONFIG', 'config', 'a JSON object', json);
  const out: MarketConfig = { ...(json as MarketConfig) };
  if (Array.isArray(json.symbols)) {
    out.symbols = json.symbols.map((s: unknown, i: number): string | SymbolConfig => {
      if (isObject(s) && s.process !== undefined) {
        return { ...(s as unknown as SymbolConfig), process: processFromJson(s.process, `symbols[${i}].process`) };
      }
      return s as string | SymbolConfig;
    });
  }
  if (json.scenarios !== undefined) {
    if (!Array.isArray(json.scenarios)) throw simError('SIM_INVALID_CONFIG', 'scenarios', 'an array', json.scenarios);
    out.scenarios = json.scenarios.map((s: unknown, i: number) => scenarioFromJson(s, `scenarios[${i}]`));
  }
  return out;
}
