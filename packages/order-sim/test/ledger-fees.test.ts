import { Decimal, defineInstrument } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { FEE_UNITS_MAX, feeUnits } from '../src/fees.js';
import { PositionLedger } from '../src/ledger.js';

// Fees are summed as whole numbers of 10^-10 while they fit, else as Decimals: both must be exact.
describe('position fees (integer sum with a Decimal fallback)', () => {
  const inst = defineInstrument({ symbol: 'X', tickSize: 0.25, multiplier: 50 });

  it('sums integer fees exactly past 2^53 units by moving them into the Decimal base', () => {
    const p = new PositionLedger('a', inst);
    const big = new Decimal('450000.1234567891'); // 4.5e15 units: two of them pass 2^52
    const units = feeUnits(big);
    expect(units).toBe(4_500_001_234_567_891);
    expect(units).toBeLessThan(FEE_UNITS_MAX);
    let expected = new Decimal(0);
    for (let i = 0; i < 7; i++) {
      p.apply(1, 100, big, units);
      expected = expected.plus(big);
    }
    p.apply(1, 100, new Decimal('-0.3'), feeUnits(new Decimal('-0.3')));
    expected = expected.minus('0.3');
    expect(p.fees.toString()).toBe(expected.toString());
    expect(p.fees.toString()).toBe('3150000.5641975237');
  });

  it('sums a fee with more places than the units hold as a Decimal, exactly', () => {
    const p = new PositionLedger('a', inst);
    const fine = new Decimal('0.000000000001'); // 12 places: not a whole number of units
    expect(Number.isNaN(feeUnits(fine))).toBe(true);
    p.apply(1, 100, fine, feeUnits(fine));
    p.apply(1, 100, new Decimal('0.5'), feeUnits(new Decimal('0.5')));
    expect(p.fees.toString()).toBe('0.500000000001');
    expect(p.hasFees).toBe(true);
  });

  it('reads zero fees as zero and restores a fee total through the setter', () => {
    const p = new PositionLedger('a', inst);
    expect(p.hasFees).toBe(false);
    expect(p.fees.toString()).toBe('0');
    p.apply(1, 100, new Decimal('1.25'), feeUnits(new Decimal('1.25')));
    p.fees = new Decimal('10');
    p.apply(1, 100, new Decimal('0.75'), feeUnits(new Decimal('0.75')));
    expect(p.fees.toString()).toBe('10.75');
  });
});
