import { isTradeKitError } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { PRESET_NAMES } from './config.js';
import { choleskyCorrelation } from './correlation.js';
import { createMarket } from './market.js';
import { garch } from './process.js';

function errorOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (isTradeKitError(err)) return err;
    throw err;
  }
  throw new Error('expected a TradeKitError');
}

describe('config validation', () => {
  it('negative volatility → SIM_INVALID_PARAMETER naming the field and value', () => {
    const err = errorOf(() => createMarket({ symbols: [{ symbol: 'MNQ', process: garch({ volatility: -0.3 }) }] }));
    expect(err.code).toBe('SIM_INVALID_PARAMETER');
    expect(err.message).toContain('`garch.volatility`');
    expect(err.message).toContain('`-0.3` (number)');
  });

  it('zero tick size → SIM_INVALID_TICK_SIZE', () => {
    const err = errorOf(() => createMarket({ symbols: [{ symbol: 'XYZ', instrument: { tickSize: 0 } }] }));
    expect(err.code).toBe('SIM_INVALID_TICK_SIZE');
    expect(err.message).toContain('symbols[0].instrument.tickSize');
    expect(err.message).toContain('`0` (number)');
  });

  it('NaN → names the field and explains NaN', () => {
    const err = errorOf(() => createMarket({ symbols: [{ symbol: 'MNQ', price: Number.NaN }] }));
    expect(err.code).toBe('SIM_INVALID_CONFIG');
    expect(err.message).toContain('`symbols[0].price`');
    expect(err.message).toContain('`NaN` (number)');
    const err2 = errorOf(() =>
      createMarket({ symbols: [{ symbol: 'MNQ', microstructure: { tradeRate: Number.NaN } }] }),
    );
    expect(err2.details.field).toBe('symbols[0].microstructure.tradeRate');
  });

  it('unknown preset → SIM_UNKNOWN_PRESET listing the valid names', () => {
    const err = errorOf(() => createMarket({ preset: 'lunar' }));
    expect(err.code).toBe('SIM_UNKNOWN_PRESET');
    expect(err.message).toContain('"lunar"');
    for (const name of PRESET_NAMES) expect(err.message).toContain(`"${name}"`);
  });

  it('non-PSD correlation → SIM_CORRELATION_NOT_PSD with the smallest eigenvalue', () => {
    const bad = [
      [1, 0.9, 0.9],
      [0.9, 1, -0.9],
      [0.9, -0.9, 1],
    ];
    const err = errorOf(() => createMarket({ symbols: ['ES', 'NQ', 'MNQ'], correlation: bad }));
    expect(err.code).toBe('SIM_CORRELATION_NOT_PSD');
    expect(err.message).toMatch(/smallest eigenvalue is -0\.\d+/);
    expect(err.message).toContain('ES, NQ, MNQ');
  });

  it('bad correlation shapes have their own code', () => {
    expect(errorOf(() => createMarket({ symbols: ['ES', 'NQ'], correlation: [[1, 0.5]] })).code).toBe(
      'SIM_CORRELATION_SHAPE',
    );
    expect(
      errorOf(() =>
        choleskyCorrelation([
          [1, 0.5],
          [0.4, 1],
        ]),
      ).message,
    ).toContain('symmetric');
    expect(
      errorOf(() =>
        choleskyCorrelation([
          [2, 0],
          [0, 1],
        ]),
      ).details.field,
    ).toBe('correlation[0][0]');
  });

  it('Cholesky factor reproduces the matrix', () => {
    const c = [
      [1, 0.8, 0.3],
      [0.8, 1, 0.5],
      [0.3, 0.5, 1],
    ];
    const L = choleskyCorrelation(c);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += L[i]![k]! * L[j]![k]!;
        expect(s).toBeCloseTo(c[i]![j]!, 12);
      }
  });

  it('rejects other bad fields with the field name', () => {
    expect(errorOf(() => createMarket({ duration: '-5m' })).details.field).toBe('duration');
    expect(errorOf(() => createMarket({ book: { levels: 0 } })).details.field).toBe('book.levels');
    expect(errorOf(() => createMarket({ symbols: ['MNQ', 'MNQ'] })).details.field).toBe('symbols[1].symbol');
    expect(errorOf(() => createMarket({ start: 'yesterday' })).code).toBe('SIM_INVALID_CONFIG');
    const silent = { symbol: 'MNQ', microstructure: { tradeRate: 0, quoteRate: 0 } };
    expect(errorOf(() => createMarket({ duration: null, symbols: [silent] })).details.field).toBe('duration');
  });
});
