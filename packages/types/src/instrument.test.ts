import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTradeKitError } from './errors.js';
import {
  decimalPlaces,
  defineInstrument,
  isInSession,
  isOnGrid,
  lotsToQuantity,
  priceToTicks,
  priceToTicksStrict,
  quantityToLots,
  roundToTick,
  sessionAt,
  tickValue,
  ticksToPrice,
} from './instrument.js';
import { US_PER_HOUR, isoToMicros } from './time.js';

const mnq = defineInstrument({ symbol: 'MNQ', tickSize: 0.25, multiplier: 2 });
const btc = defineInstrument({ symbol: 'BTC-USD', tickSize: 0.01, lotSize: 0.00000001, currency: 'USD' });

describe('instrument grid', () => {
  it('computes the MNQ tick value: 0.25 × $2 = $0.50, exactly', () => {
    expect(tickValue(mnq).toString()).toBe('0.5');
    expect(tickValue(defineInstrument({ symbol: 'X', tickSize: 0.1, multiplier: 3 })).toString()).toBe('0.3');
  });

  it('converts prices and ticks exactly (no 0.1 + 0.2 noise)', () => {
    expect(priceToTicks(mnq, 20000.25)).toBe(80001);
    expect(ticksToPrice(mnq, 80001)).toBe(20000.25);
    expect(ticksToPrice(btc, 3)).toBe(0.03);
    expect(ticksToPrice(defineInstrument({ symbol: 'Y', tickSize: 0.1 }), 3)).toBe(0.3);
  });

  it('checks the grid and rounds onto it', () => {
    expect(isOnGrid(mnq, 20000.5)).toBe(true);
    expect(isOnGrid(mnq, 20000.3)).toBe(false);
    expect(isOnGrid(mnq, Number.NaN)).toBe(false);
    expect(roundToTick(mnq, 20000.3)).toBe(20000.25);
    expect(roundToTick(mnq, 20000.3, 'up')).toBe(20000.5);
    expect(roundToTick(mnq, 20000.3, 'down')).toBe(20000.25);
    expect(roundToTick(mnq, 20000.5, 'up')).toBe(20000.5);
  });

  it('priceToTicksStrict throws the given code with the nearest valid prices', () => {
    try {
      priceToTicksStrict(mnq, 20000.3, 'ORDER_PRICE_OFF_TICK');
      expect.unreachable();
    } catch (err) {
      expect(isTradeKitError(err)).toBe(true);
      if (!isTradeKitError(err)) return;
      expect(err.code).toBe('ORDER_PRICE_OFF_TICK');
      expect(err.message).toContain('20000.25 and 20000.5');
      expect(err.details).toMatchObject({ field: 'price', value: 20000.3 });
    }
  });

  it('handles lots, including crypto lots of 1e-8', () => {
    expect(decimalPlaces(0.00000001)).toBe(8);
    expect(quantityToLots(btc, 0.015)).toBe(1_500_000);
    expect(lotsToQuantity(btc, 1_500_000)).toBe(0.015);
    expect(quantityToLots(mnq, 2)).toBe(2);
    expect(quantityToLots(mnq, 1.5)).toBeNaN();
  });

  it('property: ticks → price → ticks is the identity, and prices are on the grid', () => {
    const sizes = [0.25, 0.01, 0.5, 1, 5, 0.1, 0.0001, 0.005, 0.03125];
    fc.assert(
      fc.property(fc.constantFrom(...sizes), fc.integer({ min: -1e9, max: 1e9 }), (tickSize, ticks) => {
        const inst = defineInstrument({ symbol: 'P', tickSize });
        const price = ticksToPrice(inst, ticks);
        expect(priceToTicks(inst, price)).toBe(ticks);
        expect(isOnGrid(inst, price)).toBe(true);
        // The number equals the one parsed from its decimal text: what a CSV round trip gives back.
        expect(Number(String(price))).toBe(price);
      }),
    );
  });

  it('property: roundToTick lands on the grid within half a tick (nearest) and never moves on-grid prices', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (p) => {
        const r = roundToTick(mnq, p);
        expect(isOnGrid(mnq, r)).toBe(true);
        expect(Math.abs(r - p)).toBeLessThanOrEqual(0.125 + 1e-9);
        expect(roundToTick(mnq, r)).toBe(r);
        expect(roundToTick(mnq, p, 'down')).toBeLessThanOrEqual(p + 1e-9);
        expect(roundToTick(mnq, p, 'up')).toBeGreaterThanOrEqual(p - 1e-9);
      }),
    );
  });

  it.each([
    [{ symbol: '', tickSize: 1 }, 'symbol'],
    [{ symbol: 'A', tickSize: 0 }, 'A.tickSize'],
    [{ symbol: 'A', tickSize: -0.25 }, 'A.tickSize'],
    [{ symbol: 'A', tickSize: Number.NaN }, 'A.tickSize'],
    [{ symbol: 'A', tickSize: 1, multiplier: 0 }, 'A.multiplier'],
    [{ symbol: 'A', tickSize: 1, lotSize: -1 }, 'A.lotSize'],
    [{ symbol: 'A', tickSize: 1, sessions: [{ open: '9:30', close: '16:00' }] }, 'A.sessions[0].open'],
  ])('rejects a bad spec %j naming field %s', (spec, field) => {
    try {
      defineInstrument(spec);
      expect.unreachable();
    } catch (err) {
      expect(isTradeKitError(err) && err.code).toBe('INSTRUMENT_INVALID');
      expect((err as Error).message).toContain(`\`${field}\``);
    }
  });
});

describe('sessions', () => {
  const es = defineInstrument({
    symbol: 'ES',
    tickSize: 0.25,
    multiplier: 50,
    sessions: [{ days: [1, 2, 3, 4, 5], open: '09:30', close: '16:00', utcOffsetMinutes: -300 }],
  });

  it('knows when a New York day session is open (UTC-5)', () => {
    const monday1000 = isoToMicros('2024-01-08T15:00:00Z'); // 10:00 in New York
    expect(isInSession(es, monday1000)).toBe(true);
    expect(sessionAt(es, monday1000)).toEqual({
      open: isoToMicros('2024-01-08T14:30:00Z'),
      close: isoToMicros('2024-01-08T21:00:00Z'),
    });
    expect(isInSession(es, monday1000 + 7 * US_PER_HOUR)).toBe(false);
    expect(isInSession(es, isoToMicros('2024-01-06T15:00:00Z'))).toBe(false); // Saturday
  });

  it('handles sessions that wrap midnight, and instruments without sessions', () => {
    const overnight = defineInstrument({ symbol: 'O', tickSize: 1, sessions: [{ open: '18:00', close: '17:00' }] });
    expect(isInSession(overnight, isoToMicros('2024-01-08T02:00:00Z'))).toBe(true);
    expect(isInSession(overnight, isoToMicros('2024-01-08T17:30:00Z'))).toBe(false);
    expect(isInSession(mnq, 0)).toBe(true);
  });
});
