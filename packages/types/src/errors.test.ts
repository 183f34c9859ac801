import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { TradeKitError, describeValue, expectNumber, invalidValue, isTradeKitError } from './errors.js';

describe('TradeKitError', () => {
  it('carries a stable code, details and the cause', () => {
    const cause = new Error('disk full');
    const err = new TradeKitError('REPLAY_IO', 'Could not read file.', { cause, details: { file: 'a.csv' } });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('TradeKitError');
    expect(err.code).toBe('REPLAY_IO');
    expect(err.cause).toBe(cause);
    expect(err.details.file).toBe('a.csv');
    expect(isTradeKitError(err)).toBe(true);
  });

  it('is recognised across copies of the package (brand via Symbol.for), not by instanceof', () => {
    // A look-alike built in another realm, as a second copy of the package would make it.
    const foreign = runInNewContext(`
      const e = new Error('x'); e.code = 'SIM_X';
      Object.defineProperty(e, Symbol.for('tradekit.error'), { value: true });
      e;
    `);
    expect(foreign instanceof TradeKitError).toBe(false);
    expect(isTradeKitError(foreign)).toBe(true);
    expect(isTradeKitError(new Error('plain'))).toBe(false);
    expect(isTradeKitError({ code: 'X' })).toBe(false);
    expect(isTradeKitError(null)).toBe(false);
  });

  it('describes received values the way messages print them', () => {
    expect(describeValue(0)).toBe('`0` (number)');
    expect(describeValue('abc')).toBe('`"abc"` (string)');
    expect(describeValue(null)).toBe('`null` (null)');
    expect(describeValue([1, 2])).toBe('`[1,2]` (array)');
    expect(describeValue(undefined)).toBe('`undefined` (undefined)');
    expect(describeValue('x'.repeat(100))).toMatch(/\.\.\.` \(string\)$/);
  });

  it('builds "Expected … got …" messages with field and value', () => {
    const err = invalidValue('SIM_CONFIG_INVALID', 'volatility', 'a number ≥ 0', -1, 'Use 0.2 for 20% a year.');
    expect(err.message).toBe('Expected `volatility` to be a number ≥ 0, got `-1` (number). Use 0.2 for 20% a year.');
    expect(err.details).toEqual({ field: 'volatility', value: -1 });
    expect(expectNumber('C', 'n', 3, { min: 1, integer: true })).toBe(3);
    expect(() => expectNumber('C', 'n', 0, { min: 0, exclusiveMin: true })).toThrow(
      'Expected `n` to be a finite number > 0, got `0` (number).',
    );
    expect(() => expectNumber('C', 'n', 1.5, { integer: true })).toThrow(/an integer/);
    expect(() => expectNumber('C', 'n', '3')).toThrow(/got `"3"` \(string\)/);
  });
});
