import { describe, expect, it } from 'vitest';
import { isTradeKitError } from './errors.js';
import { assertKnownKeys, editDistance, nearestName } from './keys.js';

describe('editDistance', () => {
  it('counts inserts, deletes, substitutions and adjacent swaps', () => {
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('volatilty', 'volatility')).toBe(1);
    expect(editDistance('form', 'from')).toBe(1);
    expect(editDistance('durration', 'duration')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('nearestName', () => {
  it('finds the plausible typo target and nothing for unrelated names', () => {
    expect(nearestName('volatilty', ['drift', 'volatility', 'seed'])).toBe('volatility');
    expect(nearestName('FORM', ['from', 'to', 'every'])).toBe('from');
    expect(nearestName('zzzzzz', ['from', 'to', 'every'])).toBeUndefined();
    expect(nearestName('x', [])).toBeUndefined();
  });
});

describe('assertKnownKeys', () => {
  it('passes objects with known keys only', () => {
    expect(() => assertKnownKeys({ a: 1, b: 2 }, ['a', 'b', 'c'], { code: 'X_INVALID', where: 'test' })).not.toThrow();
  });

  it('names the unknown key, the nearest valid key and the valid keys', () => {
    let err: unknown;
    try {
      assertKnownKeys({ type: 'drop', form: 3 }, ['type', 'from', 'to', 'every'], {
        code: 'FAULT_SCRIPT_INVALID',
        where: 'fault rule #1',
      });
    } catch (e) {
      err = e;
    }
    expect(isTradeKitError(err)).toBe(true);
    const e = err as { code: string; message: string; details: Record<string, unknown> };
    expect(e.code).toBe('FAULT_SCRIPT_INVALID');
    expect(e.message).toBe(
      'Unknown key `form` in fault rule #1. Did you mean `from`? Valid keys: every, from, to, type.',
    );
    expect(e.details.field).toBe('form');
    expect(e.details.nearest).toBe('from');
  });
});
