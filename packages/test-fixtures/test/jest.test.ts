/**
 * The matchers work with Jest's `expect` too: the matchers entry (which never imports vitest) is
 * bundled with esbuild into CommonJS, and a real Jest run in a child process uses it. This test
 * fails when Jest fails, and when Jest ran fewer tests than written (never green by default).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { packageDir, repoRoot } from './helpers/child-vitest.js';

mkdirSync(join(packageDir, '.tmp'), { recursive: true });
const dir = mkdtempSync(join(packageDir, '.tmp', 'jest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const JEST_TEST = `
const { tradekitMatchers, tradekitSerializers, Exchange, createTradingClient, VirtualClock, Decimal } = require('./bundle.cjs');
expect.extend(tradekitMatchers);
for (const s of tradekitSerializers) expect.addSnapshotSerializer(s);

function market() {
  const clock = new VirtualClock({ start: 0 });
  const exchange = new Exchange({ clock, instruments: [{ symbol: 'MNQ', tickSize: 0.25, multiplier: 2 }] });
  const trading = createTradingClient(exchange);
  const quote = (bid) =>
    exchange.onMarketEvent({ type: 'quote', symbol: 'MNQ', ts: clock.now() + 1000, bid, bidSize: 10, ask: bid + 0.25, askSize: 10 });
  return { exchange, trading, quote };
}

test('order and position matchers pass', () => {
  const { trading, quote } = market();
  quote(19999.75);
  const buy = trading.placeMarketOrder('MNQ', 'buy', 1);
  expect(trading.getOrder(buy.id)).toBeFilled();
  expect(trading.getOrder(buy.id)).toHaveStatus('filled');
  expect(trading).toHavePosition('MNQ', 1, { avgPrice: '20000' });
  quote(19989.75);
  trading.placeMarketOrder('MNQ', 'sell', 1);
  expect(trading).toHaveRealizedPnl('-20.5');
  expect(trading.getOrder(buy.id).avgFillPrice).toBeWithinTicks(20000, 0, 0.25);
  expect(20000.25).toBeOnTick(0.25);
  const partial = trading.placeLimitOrder('MNQ', 'buy', 15, 19990);
  expect(trading.getOrder(partial.id)).toBePartiallyFilled();
});

test('failures read in domain terms', () => {
  const { trading, quote } = market();
  quote(19999.75);
  const order = trading.placeLimitOrder('MNQ', 'buy', 2, 19990);
  expect(() => expect(order).toBeFilled()).toThrow(
    'Expected order o1 (buy 2 MNQ limit @ 19990) to be filled, but it has status "new", filled 0 of 2.',
  );
  expect(order).not.toBeFilled();
  expect(() => expect(trading).toHavePosition('MNQ', 1)).toThrow(
    'Expected the position of account default in MNQ to be 1 (long), but it is 0 (flat).',
  );
  expect(() => expect(20000.3).toBeOnTick(0.25)).toThrow('but it is 0.05 above 20000.25');
});

test('asymmetric use and decimals', () => {
  expect({ pnl: new Decimal('-100.00') }).toEqual({ pnl: expect.toEqualDecimal(-100) });
  expect(() => expect(0.1 + 0.2).toEqualDecimal('0.3')).toThrow('differs by +4e-17');
});

test('a matcher on the wrong kind of object says so', () => {
  expect(() => expect(42).toBeFilled()).toThrow('toBeFilled() expects an Order');
});

test('snapshot serializers', () => {
  expect(new Decimal('-101.240')).toMatchSnapshot();
});
`;

const SNAPSHOT = `// Jest Snapshot v1, https://jestjs.io/docs/snapshot-testing

exports[\`snapshot serializers 1\`] = \`Decimal(-101.24)\`;
`;

describe('the matchers under Jest', () => {
  it('pass and fail as under vitest, in a real Jest run', { timeout: 180_000 }, async () => {
    const alias = Object.fromEntries(
      ['types', 'order-sim'].map((p) => [`@tradekit/${p}`, join(repoRoot, `packages/${p}/src/index.ts`)]),
    );
    writeFileSync(
      join(dir, 'entry.ts'),
      `export { tradekitMatchers, tradekitSerializers } from ${JSON.stringify(join(packageDir, 'src/matchers.ts'))};
export { Exchange, createTradingClient } from '@tradekit/order-sim';
export { VirtualClock, Decimal } from '@tradekit/types';
`,
    );
    await build({
      entryPoints: [join(dir, 'entry.ts')],
      outfile: join(dir, 'bundle.cjs'),
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      alias,
      logLevel: 'silent',
    });
    writeFileSync(join(dir, 'matchers.test.cjs'), JEST_TEST);
    mkdirSync(join(dir, '__snapshots__'), { recursive: true });
    writeFileSync(join(dir, '__snapshots__', 'matchers.test.cjs.snap'), SNAPSHOT);

    const require = createRequire(join(packageDir, 'package.json'));
    const jestBin = join(require.resolve('jest/package.json'), '..', 'bin', 'jest.js');
    const report = join(dir, 'report.json');
    const config = { rootDir: dir, testEnvironment: 'node', transform: {}, testMatch: ['**/*.test.cjs'], cache: false };
    const r = spawnSync(
      process.execPath,
      [jestBin, '--ci', '--json', `--outputFile=${report}`, '--config', JSON.stringify(config)],
      { cwd: dir, encoding: 'utf8', timeout: 150_000, env: { ...process.env, NO_COLOR: '1' } },
    );
    const output = `${r.stdout}\n${r.stderr}`;
    expect(r.status, output).toBe(0);
    const json = JSON.parse(readFileSync(report, 'utf8')) as {
      numTotalTests: number;
      numPassedTests: number;
      numFailedTests: number;
      snapshot: { matched: number; unmatched: number; added: number };
    };
    expect(json.numFailedTests, output).toBe(0);
    expect(json.numPassedTests, output).toBe(5);
    expect(json.snapshot.matched, output).toBe(1);
  });
});
