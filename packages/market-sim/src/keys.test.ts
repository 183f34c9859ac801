import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isTradeKitError, jsonToEvent } from '@tradekit/types';
import { afterAll, describe, expect, it } from 'vitest';
import { configFromJson } from './json-config.js';
import { createMarket } from './market.js';
import { garch, gbm, jumpDiffusion, ornsteinUhlenbeck, regimeSwitching } from './process.js';
import { realism } from './realism.js';
import { flashCrash, volatile } from './scenario.js';
import { writeCsv, writeJsonl } from './writers.js';

function errorOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (isTradeKitError(err)) return err;
    throw err;
  }
  throw new Error('expected a TradeKitError, nothing was thrown');
}

/** Every misspelling must be an error naming the key and the nearest valid one. */
function expectUnknown(fn: () => unknown, key: string, nearest: string, where?: string) {
  const err = errorOf(fn);
  expect(err.code).toBe('SIM_UNKNOWN_KEY');
  expect(err.message).toContain(`\`${key}\``);
  expect(err.message).toContain(`Did you mean \`${nearest}\``);
  if (where) expect(err.message).toContain(where);
}

describe('misspelled config keys are errors naming the nearest valid key', () => {
  it('top-level market config', () => {
    expectUnknown(() => createMarket({ durration: '1d' } as never), 'durration', 'duration', 'market config');
    expectUnknown(() => createMarket({ seeed: 1 } as never), 'seeed', 'seed');
  });

  it('symbols, instrument, microstructure, seasonality and book', () => {
    expectUnknown(
      () => createMarket({ symbols: [{ symbol: 'MNQ', prce: 1 } as never] }),
      'prce',
      'price',
      'symbols[0]',
    );
    expectUnknown(
      () => createMarket({ symbols: [{ symbol: 'MNQ', instrument: { tickSise: 0.25 } as never }] }),
      'tickSise',
      'tickSize',
      'symbols[0].instrument',
    );
    expectUnknown(
      () => createMarket({ symbols: [{ symbol: 'MNQ', microstructure: { tradeRat: 2 } as never }] }),
      'tradeRat',
      'tradeRate',
      'symbols[0].microstructure',
    );
    expectUnknown(
      () => createMarket({ symbols: [{ symbol: 'MNQ', microstructure: { seasonality: { amplitdue: 1 } as never } }] }),
      'amplitdue',
      'amplitude',
      'seasonality',
    );
    expectUnknown(() => createMarket({ book: { level: 5 } as never }), 'level', 'levels', 'book');
  });

  it('every process factory', () => {
    expectUnknown(() => garch({ volatilty: 0.3 } as never), 'volatilty', 'volatility', 'garch');
    expectUnknown(() => gbm({ drfit: 0.1 } as never), 'drfit', 'drift', 'gbm');
    expectUnknown(() => jumpDiffusion({ jumpsPerYr: 5 } as never), 'jumpsPerYr', 'jumpsPerYear', 'jumpDiffusion');
    expectUnknown(() => ornsteinUhlenbeck({ halflife: '1h' } as never), 'halflife', 'halfLife', 'ornsteinUhlenbeck');
    expectUnknown(
      () => regimeSwitching({ regimes: [{ process: gbm(), meanDuration: '1h' }], transtions: [] } as never),
      'transtions',
      'transitions',
    );
    expectUnknown(
      () => regimeSwitching({ regimes: [{ process: gbm(), meanDurration: '1h' } as never] }),
      'meanDurration',
      'meanDuration',
      'regimes[0]',
    );
  });

  it('built-in scenario factories', () => {
    expectUnknown(() => volatile({ multipler: 2 } as never), 'multipler', 'multiplier', 'volatile');
    expectUnknown(() => flashCrash({ dorp: 0.1 } as never), 'dorp', 'drop', 'flashCrash');
  });

  it('JSON configs, nested objects included', () => {
    expectUnknown(
      () => configFromJson({ symbols: [{ symbol: 'MNQ', process: { type: 'garch', volatilty: 0.3 } }] }),
      'volatilty',
      'volatility',
    );
    expectUnknown(
      () => configFromJson({ scenarios: [{ type: 'flashCrash', from: '1h', to: '2h', dorp: 0.1 }] }),
      'dorp',
      'drop',
    );
    expectUnknown(() => createMarket(configFromJson({ durration: '1d' })), 'durration', 'duration');
  });

  it('options objects of stream, writers and realism', async () => {
    const m = createMarket({ duration: '1m' });
    await expect(async () => {
      for await (const _ of m.stream({ sped: 2 } as never)) break;
    }).rejects.toMatchObject({ code: 'SIM_UNKNOWN_KEY', message: expect.stringContaining('`speed`') });
    await expect(writeJsonl(m, join(dir, 'x.jsonl'), { progresEvery: 5 } as never)).rejects.toMatchObject({
      code: 'SIM_UNKNOWN_KEY',
      message: expect.stringContaining('`progressEvery`'),
    });
    expectUnknown(
      () => realism(createMarket({ duration: '2h' }), { intervall: '1m' } as never),
      'intervall',
      'interval',
    );
  });

  it('a valid config still works (no false positives)', () => {
    const m = createMarket({
      seed: 1,
      duration: '2m',
      symbols: [{ symbol: 'MNQ', price: 20000, microstructure: { tradeRate: 3, seasonality: { amplitude: 1 } } }],
      book: { levels: 3 },
    });
    expect(m.take(5)).toHaveLength(5);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'market-sim-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('.gz output is gzip', () => {
  it('writeJsonl("x.jsonl.gz") writes gzip that decompresses to the plain JSONL', async () => {
    const market = createMarket({ seed: 3, duration: '5m' });
    await writeJsonl(market, join(dir, 'plain.jsonl'));
    const summary = await writeJsonl(market, join(dir, 'x.jsonl.gz'));
    const raw = readFileSync(join(dir, 'x.jsonl.gz'));
    expect([raw[0], raw[1]]).toEqual([0x1f, 0x8b]);
    const text = gunzipSync(raw).toString('utf8');
    expect(text).toBe(readFileSync(join(dir, 'plain.jsonl'), 'utf8'));
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(summary.events);
    expect(jsonToEvent(JSON.parse(lines[0] as string)).ts).toBe(summary.firstTs);
  });

  it('writeJsonl("x.gz") and writeCsv("x.csv.gz") compress too', async () => {
    const market = createMarket({ seed: 3, duration: '5m' });
    await writeJsonl(market, join(dir, 'x.gz'));
    expect(
      gunzipSync(readFileSync(join(dir, 'x.gz')))
        .toString('utf8')
        .split('\n')[0],
    ).toMatch(/^\{"type":"status"/);
    const s = await writeCsv(market, join(dir, 'ticks.csv.gz'));
    expect(s.files).toContain(join(dir, 'ticks.trade.csv.gz'));
    const csv = gunzipSync(readFileSync(join(dir, 'ticks.trade.csv.gz'))).toString('utf8');
    expect(csv.split('\n')[0]).toMatch(/^ts,/);
  });
});
