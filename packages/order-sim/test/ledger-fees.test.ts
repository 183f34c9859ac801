import { Decimal, Rng, defineInstrument } from '@tradekit/types';
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

// Cost basis and realized PnL run on plain numbers (hi × unit + lo) and move to BigInt for good
// when a value would pass 2^53: both paths must give the same money on every fill.
describe('position cost and PnL (plain numbers with a BigInt fallback)', () => {
  const zero = new Decimal(0);
  const cases = [
    { name: 'ES-like', inst: defineInstrument({ symbol: 'ES', tickSize: 0.25, multiplier: 50 }), tick: 16_000 },
    { name: 'tick 1', inst: defineInstrument({ symbol: 'X', tickSize: 1 }), tick: 100_000 },
    {
      name: 'fractional lots and multiplier',
      inst: defineInstrument({ symbol: 'Y', tickSize: 0.01, lotSize: 0.001, multiplier: 2.5 }),
      tick: 4_000_000,
    },
    { name: 'huge ticks (passes 2^53)', inst: defineInstrument({ symbol: 'Z', tickSize: 1 }), tick: 2 ** 50 },
  ];
  for (const c of cases) {
    it(`${c.name}: 3,000 random fills give the BigInt path's cost, realized PnL and average`, () => {
      const rng = new Rng(11);
      const plain = new PositionLedger('a', c.inst);
      const big = new PositionLedger('a', c.inst);
      big.cost = zero; // a restore: the BigInt path from the start
      big.realized = zero;
      for (let i = 0; i < 3000; i++) {
        const lots = (rng.next() < 0.5 ? -1 : 1) * (1 + Math.floor(rng.next() * 7));
        const tick = c.tick + Math.floor(rng.next() * 200) - 100;
        plain.apply(lots, tick, zero);
        big.apply(lots, tick, zero);
        expect(plain.lots).toBe(big.lots);
        expect(plain.cost.toString()).toBe(big.cost.toString());
        expect(plain.realized.toString()).toBe(big.realized.toString());
        expect(plain.hasRealized).toBe(big.hasRealized);
      }
      // The first three stay on plain numbers throughout; the last leaves them for BigInt.
      expect((plain as unknown as { exact: boolean }).exact).toBe(c.tick < 2 ** 30);
      expect(plain.avgPrice.toString()).toBe(big.avgPrice.toString());
      expect(plain.unrealized(c.tick).toString()).toBe(big.unrealized(c.tick).toString());
    });
  }
});
