/**
 * R's `EuStockMarkets` (daily closes of DAX, SMI, CAC and FTSE, 1991–1998) as canonical bar
 * events: one 1-day bar per observation on consecutive days (the data has business days only,
 * no dates; see data/SOURCE.md).
 */
import { readFileSync } from 'node:fs';
import type { BarEvent } from '@tradekit/types';

const DAY = 86_400_000_000;
/** 1991-07-01T00:00:00Z: the series starts mid-1991 (R's start 1991.496, 260 per year). */
const START = Date.UTC(1991, 6, 1) * 1000;

/** The daily closes of one index as `bar` events (close = open = high = low, volume 0). */
export function euStockBars(index: 'DAX' | 'SMI' | 'CAC' | 'FTSE'): BarEvent[] {
  const rows = readFileSync(new URL('./data/EuStockMarkets.csv', import.meta.url), 'utf8')
    .trim()
    .split('\n');
  const col = (rows[0] as string).split(',').indexOf(index);
  return rows.slice(1).map((line, i) => {
    const close = Number(line.split(',')[col]);
    return {
      type: 'bar',
      symbol: index,
      ts: START + (i + 1) * DAY,
      start: START + i * DAY,
      timeframe: '1d',
      open: close,
      high: close,
      low: close,
      close,
      volume: 0,
    };
  });
}
