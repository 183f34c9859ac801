/**
 * The three generator configurations of the parameter-recovery tests (issue 22): an index
 * future with a U-shaped day, a 24/7 crypto pair with heavy sizes, and an FX pair with a 2-tick
 * spread and weak coupling. Rates are modest so that 20 days generate in about a second.
 */
import type { SymbolConfig } from '../src/config.js';
import { garch } from '../src/process.js';

export interface RecoveryCase {
  name: string;
  truth: { volatility: number; alpha: number; halfLifeHours: number; df: number };
  micro: NonNullable<SymbolConfig['microstructure']>;
  symbol: string;
  tickSize: number;
}

export const RECOVERY_CASES: RecoveryCase[] = [
  {
    name: 'index',
    symbol: 'MNQ',
    tickSize: 0.25,
    truth: { volatility: 0.2, alpha: 0.004, halfLifeHours: 2, df: 2.4 },
    micro: { tradeRate: 0.3, quoteRate: 0.3, seasonality: { amplitude: 1 } },
  },
  {
    name: 'crypto',
    symbol: 'BTC-USD',
    tickSize: 0.01,
    truth: { volatility: 0.6, alpha: 0.006, halfLifeHours: 1, df: 2.3 },
    micro: { tradeRate: 0.5, quoteRate: 0.5, sizeTailIndex: 1.4 },
  },
  {
    name: 'fx',
    symbol: 'EURUSD',
    tickSize: 0.00001,
    truth: { volatility: 0.08, alpha: 0.003, halfLifeHours: 4, df: 2.8 },
    micro: { tradeRate: 0.3, quoteRate: 0.5, spreadTicks: 2, volatilityCoupling: 0.5, seasonality: { amplitude: 0.6 } },
  },
];

/** The symbol config that generates a case's data. */
export function caseSymbol(c: RecoveryCase): SymbolConfig {
  const t = c.truth;
  return {
    symbol: c.symbol,
    process: garch({ volatility: t.volatility, alpha: t.alpha, halfLife: t.halfLifeHours * 3.6e9, df: t.df }),
    microstructure: c.micro,
  };
}
