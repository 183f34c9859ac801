import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  US_PER_DAY,
  US_PER_MINUTE,
  dateToMicros,
  detectEpochUnit,
  formatDuration,
  isoToMicros,
  isoToMicrosStrict,
  microsToDate,
  microsToIso,
  microsToNs,
  nsToMicros,
  parseDuration,
  toMicros,
} from './time.js';
import { parseTimeframe } from './timeframe.js';

describe('time helpers', () => {
  it('round-trips ISO strings with microseconds', () => {
    const ts = isoToMicros('2024-01-02T14:30:00.123456Z');
    expect(ts).toBe(1704205800123456);
    expect(microsToIso(ts)).toBe('2024-01-02T14:30:00.123456Z');
    expect(isoToMicros('2024-01-02T09:30:00-05:00')).toBe(isoToMicros('2024-01-02T14:30:00Z'));
    expect(isoToMicros('2024-01-02')).toBe(Date.UTC(2024, 0, 2) * 1000);
    expect(isoToMicros('2024-01-02 14:30:00.5')).toBe(isoToMicros('2024-01-02T14:30:00.500Z'));
    expect(isoToMicros('not a date')).toBeNaN();
    expect(() => isoToMicrosStrict('2024-13-01')).toThrow(/ISO-8601/);
  });

  it('property: microsToIso ∘ isoToMicros is the identity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000_000 }), (ts) => {
        expect(isoToMicros(microsToIso(ts))).toBe(ts);
      }),
    );
  });

  it('converts Date, ms, ns and detects epoch units by magnitude', () => {
    const d = new Date('2024-05-06T07:08:09.010Z');
    expect(microsToDate(dateToMicros(d)).getTime()).toBe(d.getTime());
    expect(nsToMicros(1_700_000_000_123_456_789n)).toBe(1_700_000_000_123_456);
    expect(microsToNs(5)).toBe(5000n);
    expect(detectEpochUnit(1_700_000_000)).toBe('s');
    expect(detectEpochUnit(1_700_000_000_000)).toBe('ms');
    expect(detectEpochUnit(1_700_000_000_000_000)).toBe('us');
    expect(detectEpochUnit(1_700_000_000_000_000_000)).toBe('ns');
    expect(toMicros(1_700_000_000)).toBe(1_700_000_000_000_000);
    expect(toMicros('1700000000000')).toBe(1_700_000_000_000_000);
    expect(toMicros('2024-01-02T00:00:00Z')).toBe(isoToMicros('2024-01-02T00:00:00Z'));
    expect(toMicros(1.5, 's')).toBe(1_500_000);
    expect(() => toMicros(Number.POSITIVE_INFINITY)).toThrow(expect.objectContaining({ code: 'TIME_INVALID' }));
  });

  it('parses and formats durations', () => {
    expect(parseDuration('250ms')).toBe(250_000);
    expect(parseDuration('1m')).toBe(US_PER_MINUTE);
    expect(parseDuration('1h30m')).toBe(90 * US_PER_MINUTE);
    expect(parseDuration('1.5s')).toBe(1_500_000);
    expect(parseDuration('100us')).toBe(100);
    expect(parseDuration('1d')).toBe(US_PER_DAY);
    expect(parseDuration(42)).toBe(42);
    expect(formatDuration(90 * 1_000_000)).toBe('1m30s');
    expect(formatDuration(1_500)).toBe('1.5ms');
    expect(formatDuration(parseDuration('2d3h'))).toBe('2d3h');
    for (const bad of ['', '1x', 'ms', '1m garbage', '-5s']) {
      expect(() => parseDuration(bad)).toThrow(expect.objectContaining({ code: 'DURATION_INVALID' }));
    }
    expect(() => parseDuration(-1)).toThrow(/duration ≥ 0/);
  });

  it('parses timeframes of all three kinds', () => {
    expect(parseTimeframe('5m')).toEqual({ kind: 'time', micros: 5 * US_PER_MINUTE, text: '5m' });
    expect(parseTimeframe('500t')).toEqual({ kind: 'tick', count: 500, text: '500t' });
    expect(parseTimeframe('1000v')).toEqual({ kind: 'volume', volume: 1000, text: '1000v' });
    expect(() => parseTimeframe('0m')).toThrow(expect.objectContaining({ code: 'TIMEFRAME_INVALID' }));
    expect(() => parseTimeframe('soon')).toThrow(/"500t" \(tick bars\)/);
  });
});
