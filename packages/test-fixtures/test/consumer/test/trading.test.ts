import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Decimal } from '@tradekit/types';
import { describe } from 'vitest';
import { priceMove, samplePath, test } from '@tradekit/test-fixtures';

describe('a user of the published package', () => {
  test.override({
    marketConfig: { symbols: ['MNQ'], duration: '1h', scenarios: [priceMove({ by: -60, from: '2m', to: '5m' })] },
  });

  test('trades with fixtures and matchers, and TypeScript sees the matcher types', async ({
    trading,
    until,
    expect,
  }) => {
    const entry = trading.placeMarketOrder('MNQ', 'buy', 1);
    await until(() => trading.getOrder(entry.id).status === 'filled', { timeout: '10s' });
    expect(entry).toBeFilled();
    expect(entry).toHaveStatus('filled');
    expect(trading).toHavePosition('MNQ', 1);
    const fill = trading.getOrder(entry.id).avgFillPrice ?? new Decimal(Number.NaN);
    expect(fill).toBeOnTick(0.25);
    trading.placeStopOrder('MNQ', 'sell', 1, fill.toNumber() - 50, { reduceOnly: true });
    await until(() => trading.getPosition('MNQ').quantity === 0, { timeout: '10m' });
    expect(trading).toHavePosition('MNQ', 0);
    expect(trading.getAccount()).toEqual(
      expect.objectContaining({ realizedPnl: expect.toEqualDecimal(trading.getAccount().realizedPnl) }),
    );
    expect(trading.getAccount().realizedPnl.toNumber()).toBeLessThan(-99);
    // @ts-expect-error: the matcher's declared types reject a status that does not exist
    expect(() => expect(entry).toHaveStatus('filed')).toThrow('Did you mean "filled"?');
  });

  test('ships its sample data, and the matchers entry loads without vitest (CommonJS)', ({ expect }) => {
    expect(existsSync(samplePath('mnq-1m-bars'))).toBe(true);
    const require = createRequire(import.meta.url);
    const { tradekitMatchers } =
      require('@tradekit/test-fixtures/matchers') as typeof import('@tradekit/test-fixtures/matchers');
    expect(Object.keys(tradekitMatchers)).toContain('toHaveRealizedPnl');
  });
});
