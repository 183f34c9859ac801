import type { MarketEvent, TradeEvent } from '@tradekit/types';
import { describe, expect, it } from 'vitest';
import { MIN_CALIBRATION_RETURNS, calibrate, dfForHill } from './calibrate.js';
import { fitReport, fitReportMarkdown } from './fit-report.js';
import { createMarket } from './market.js';
import { MARKET_PRESET_VERSION, loadPreset } from './preset.js';

const MIN = 60_000_000;

function trades(n: number, price: (i: number) => number, ts = (i: number) => 1.7e15 + i * MIN): TradeEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    type: 'trade',
    symbol: 'X',
    ts: ts(i),
    price: price(i),
    size: 1,
    side: 'buy',
  }));
}

/** A random walk on a 0.25 grid, one trade a minute. */
function walk(n: number): TradeEvent[] {
  let p = 4000;
  let s = 7;
  return trades(n, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    p += (Math.floor((s / 2147483648) * 9) - 4) * 0.25;
    return p;
  });
}

async function* slowly(events: MarketEvent[]): AsyncGenerator<MarketEvent> {
  for (const e of events) yield e;
}

async function rejection(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected calibrate to reject');
}

describe('calibrate: bad input is a typed error saying what and how to fix it', () => {
  it('empty source', async () => {
    const err = await rejection(calibrate([]));
    expect(err.code).toBe('SIM_CALIBRATION_DATA');
    expect(err.message).toMatch(/got no events.*empty/);
  });

  it('too little data says how much is needed', async () => {
    const err = await rejection(calibrate(slowly(walk(200))));
    expect(err.code).toBe('SIM_CALIBRATION_DATA');
    expect(err.message).toContain(`at least ${MIN_CALIBRATION_RETURNS + 1} bars of 60s`);
    expect(err.message).toContain('got 200');
    expect(err.message).toMatch(/about 17 hours/);
  });

  it('a constant price', async () => {
    const err = await rejection(calibrate(trades(3000, () => 100)));
    expect(err.code).toBe('SIM_CALIBRATION_DATA');
    expect(err.message).toMatch(/price that moves.*constant at 100/);
  });

  it('timestamps that go back name the event', async () => {
    const ev = walk(3000);
    (ev[1500] as TradeEvent).ts = (ev[10] as TradeEvent).ts;
    const err = await rejection(calibrate(ev));
    expect(err.code).toBe('SIM_CALIBRATION_DATA');
    expect(err.message).toMatch(/never decrease, but event #1501/);
    expect(err.message).toMatch(/Sort the data|out-of-order/);
  });

  it('NaN and negative prices name the field and the event', async () => {
    const a = walk(3000);
    (a[5] as TradeEvent).price = Number.NaN;
    const e1 = await rejection(calibrate(a));
    expect(e1.code).toBe('SIM_CALIBRATION_DATA');
    expect(e1.message).toMatch(/`price` to be a finite price > 0 in event #6 .* got `NaN`/);
    const b: MarketEvent[] = walk(3000);
    b[7] = { type: 'quote', symbol: 'X', ts: (b[7] as TradeEvent).ts, bid: -1, bidSize: 1, ask: 4000, askSize: 1 };
    const e2 = await rejection(calibrate(b));
    expect(e2.message).toMatch(/`bid` .* got `-1`/);
  });

  it('a misspelled option names the nearest valid one', async () => {
    const err = await rejection(calibrate(walk(10), { intervall: '1m' } as never));
    expect(err.code).toBe('SIM_UNKNOWN_KEY');
    expect(err.message).toContain('`interval`');
  });
});

describe('MarketPreset', () => {
  it('calibrates a walk (async source), round-trips through JSON and drives createMarket', async () => {
    const preset = await calibrate(slowly(walk(3000)));
    expect(preset.version).toBe(MARKET_PRESET_VERSION);
    expect(preset.instrument.tickSize).toBe(0.25);
    expect(preset.defaulted).toEqual(expect.arrayContaining(['quoteRate', 'spreadTicks', 'branching']));
    const loaded = loadPreset(JSON.parse(JSON.stringify(preset)));
    const a = createMarket({ preset: loaded, seed: 3, duration: '1h' });
    const b = createMarket({ preset, seed: 3, duration: '1h' });
    const ea = a.take(200);
    expect(ea.length).toBe(200);
    expect(JSON.stringify(ea)).toBe(JSON.stringify(b.take(200)));
    expect(a.instruments[0]?.symbol).toBe('X');
    expect(a.config.stepUs).toBe(1_000_000);
  });

  it('a wrong version is SIM_PRESET_VERSION; an unknown key names the nearest valid key', async () => {
    const preset = JSON.parse(JSON.stringify(await calibrate(walk(3000))));
    expect(() => loadPreset({ ...preset, version: 2 })).toThrow(
      expect.objectContaining({
        code: 'SIM_PRESET_VERSION',
        message: expect.stringContaining('Re-run `tradekit calibrate`'),
      }),
    );
    expect(() => createMarket({ preset: { ...preset, proces: {} } })).toThrow(
      expect.objectContaining({ code: 'SIM_UNKNOWN_KEY', message: expect.stringContaining('Did you mean `process`?') }),
    );
    expect(() => loadPreset({ ...preset, process: { ...preset.process, volatilty: 1 } })).toThrow(
      expect.objectContaining({ code: 'SIM_UNKNOWN_KEY', message: expect.stringContaining('`volatility`') }),
    );
    expect(() => loadPreset({ ...preset, price: -5 })).toThrow(expect.objectContaining({ code: 'SIM_INVALID_PRESET' }));
  });

  it('the df table inverts monotonically', () => {
    expect(dfForHill(3.359)).toBeCloseTo(2.4, 6);
    expect(dfForHill(1)).toBe(2.05);
    expect(dfForHill(9)).toBe(8);
    expect(dfForHill(4)).toBeGreaterThan(dfForHill(3.5));
  });
});

describe('fit on generated samples', () => {
  it('index case, 20 days: every applicable fact of the samples within tolerance of the data', async () => {
    const { RECOVERY_CASES, caseSymbol } = await import('../test/recovery-presets.js');
    const c = RECOVERY_CASES[0]!;
    const preset = await calibrate(createMarket({ seed: 11, duration: '20d', symbols: [caseSymbol(c)] }));
    const report = fitReport(preset, { seeds: [1, 2] });
    const md = fitReportMarkdown(report, preset);
    expect(report.rows.filter((r) => r.pass !== null).length).toBeGreaterThanOrEqual(12);
    expect(
      report.rows.filter((r) => r.pass === false),
      md,
    ).toEqual([]);
    expect(report.pass).toBe(true);
  }, 180_000);
});
