// Determinism goldens: SHA-256 of outputs that must be identical, byte for byte, on every run and
// every supported Node version (CI runs this on Node 20 and Node 24 and prints both sets side by
// side). The expected hashes live in goldens.json; after an intended change of output, regenerate
// them with `node scripts/update-goldens.mjs` (or UPDATE_GOLDENS=1 on this file) and say why in
// the commit.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMarket, writeCsv, writeJsonl } from '@tradekit/market-sim';
import { Exchange, createTradingClient } from '@tradekit/order-sim';
import { replay } from '@tradekit/replay';
import { type ExchangeEvent, type MarketEvent, VirtualClock, eventToJsonLine } from '@tradekit/types';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers';

const GOLDENS = join(ROOT, 'tests', 'repo', 'goldens.json');
const update = process.env.UPDATE_GOLDENS === '1';
const expected: Record<string, string> = existsSync(GOLDENS) ? JSON.parse(readFileSync(GOLDENS, 'utf8')) : {};
const actual: Record<string, string> = {};
const dir = mkdtempSync(join(tmpdir(), 'tradekit-goldens-'));

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const jsonl = (events: Iterable<MarketEvent>) => {
  let out = '';
  for (const e of events) out += `${eventToJsonLine(e)}\n`;
  return out;
};

/** Records a golden: prints it, and (unless updating) compares it with goldens.json. */
function golden(name: string, text: string, lines: number) {
  expect(lines, `${name}: the golden covers some output`).toBeGreaterThan(0);
  const hash = sha256(text);
  actual[name] = hash;
  console.log(`[golden] ${name} ${hash} (${lines} lines, node ${process.versions.node})`);
  if (!update) {
    expect(expected[name], `${name} is missing from goldens.json: run node scripts/update-goldens.mjs`).toBeDefined();
    expect(hash, `${name} changed: if intended, run node scripts/update-goldens.mjs and commit goldens.json`).toBe(
      expected[name],
    );
  }
}

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  // Each run leaves its hashes for scripts/test-all.mjs to print side by side per Node version.
  const out = join(ROOT, '.tmp', 'goldens');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `node-${process.versions.node}.json`), `${JSON.stringify(actual, null, 2)}\n`);
  if (update) {
    const sorted = Object.fromEntries(Object.entries(actual).sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(GOLDENS, `${JSON.stringify(sorted, null, 2)}\n`);
    console.log(`[golden] wrote ${Object.keys(actual).length} hashes to tests/repo/goldens.json`);
  }
});

describe('determinism goldens', () => {
  const markets: { name: string; config: Parameters<typeof createMarket>[0] }[] = [
    { name: 'default-seed1', config: { seed: 1, symbols: ['MNQ'], duration: '10m' } },
    { name: 'default-seed42-book', config: { seed: 42, symbols: ['MNQ'], book: { levels: 5 }, duration: '5m' } },
    { name: 'gbm-seed7', config: { preset: 'gbm', seed: 7, symbols: ['ES'], duration: '10m' } },
    { name: 'crypto-seed3', config: { preset: 'crypto', seed: 3, symbols: ['BTC-USD'], duration: '10m' } },
    { name: 'flash-crash-seed11', config: { preset: 'flash-crash', seed: 11, symbols: ['MNQ'], duration: '2h' } },
    { name: 'jumps-seed5-two-symbols', config: { preset: 'jumps', seed: 5, symbols: ['MNQ', 'ES'], duration: '10m' } },
  ];

  for (const { name, config } of markets) {
    it(`market-sim ${name}`, () => {
      const events = [...createMarket(config)];
      golden(`market-sim/${name}`, jsonl(events), events.length);
    });
  }

  it('order-sim event log (a strategy with latency, fees and bracket orders on a seeded market)', async () => {
    const market = createMarket({ seed: 5, symbols: ['MNQ'], book: { levels: 5 }, duration: '1h' });
    const start = market.take(1)[0]?.ts ?? 0;
    const clock = new VirtualClock({ start });
    const exchange = new Exchange({
      clock,
      instruments: [{ symbol: 'MNQ', tickSize: 0.25, multiplier: 2, marginPerContract: 2000 }],
      accounts: [{ id: 'bot', balance: 50_000 }],
      fees: { perContract: 0.62 },
      latency: { orderEntry: { distribution: 'exponential', mean: 300, min: 50 } },
      seed: 11,
    });
    const client = createTradingClient(exchange, { accountId: 'bot' });
    const log: string[] = [];
    exchange.on('event', (e: ExchangeEvent) =>
      log.push(
        JSON.stringify(e, (_k, v) => (v && typeof v === 'object' && v.constructor?.name === 'Decimal' ? String(v) : v)),
      ),
    );
    let trades = 0;
    exchange.on('market', (e: MarketEvent) => {
      if (e.type !== 'trade' || ++trades % 400 !== 0) return;
      const held = client.getPosition('MNQ').quantity;
      if (held === 0)
        client.placeBracketOrder({
          symbol: 'MNQ',
          side: 'buy',
          quantity: 1,
          stopLoss: { ticks: 40 },
          takeProfit: { ticks: 80 },
        });
      else client.placeMarketOrder('MNQ', held > 0 ? 'sell' : 'buy', Math.abs(held), { reduceOnly: true });
    });
    await exchange.feed(market);
    expect(
      log.some((l) => l.includes('"fill"')),
      'the strategy traded',
    ).toBe(true);
    golden('order-sim/strategy-log', `${log.join('\n')}\n`, log.length);
  });

  it('replay round trip (market-sim → JSONL and CSV files → replay → canonical JSONL)', async () => {
    const config = { seed: 9, symbols: ['MNQ', 'ES'], duration: '5m' };
    const original = jsonl(createMarket(config));
    await writeJsonl(createMarket(config), join(dir, 'day.jsonl'));
    await writeCsv(createMarket(config), join(dir, 'day.csv'));
    let fromJsonl = '';
    for await (const e of replay(join(dir, 'day.jsonl'))) fromJsonl += `${eventToJsonLine(e)}\n`;
    expect(fromJsonl, 'JSONL round trip changes nothing').toBe(original);
    const csvFiles = ['quote', 'trade', 'status'].map((k) => join(dir, `day.${k}.csv`)).filter((f) => existsSync(f));
    expect(csvFiles.length).toBeGreaterThan(1);
    let fromCsv = '';
    for await (const e of replay(csvFiles)) fromCsv += `${eventToJsonLine(e)}\n`;
    golden('replay/jsonl-round-trip', fromJsonl, fromJsonl.split('\n').length - 1);
    golden('replay/csv-round-trip', fromCsv, fromCsv.split('\n').length - 1);
  });
});
