/**
 * Loaders for the real market data used to check the realism report (dev dependencies only,
 * never shipped): S&P 500 daily closes 2000–2020 from `vega-datasets`, and BTC-USD 1-minute
 * bars (1–3 Jan 2016, GDAX) from `gdax-sim-test-data`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PriceSeries } from '../src/realism.js';

const modules = fileURLToPath(new URL('../node_modules/', import.meta.url));

/** S&P 500 daily closes and volumes (vega-datasets `data/sp500-2000.csv`). */
export function loadSp500Daily(): PriceSeries {
  const rows = readFileSync(`${modules}vega-datasets/data/sp500-2000.csv`, 'utf8').trim().split('\n');
  const header = (rows[0] as string).split(',');
  const ci = header.indexOf('adjclose');
  const vi = header.indexOf('volume');
  const close: number[] = [];
  const volume: number[] = [];
  for (const line of rows.slice(1)) {
    const f = line.split(',');
    close.push(Number(f[ci]));
    volume.push(Number(f[vi]));
  }
  return { close, volume, interval: '1d' };
}

interface GdaxBar {
  time: string;
  close: number;
  volume: number;
}

/**
 * BTC-USD 1-minute closes and volumes. Minutes without trades are missing from the capture;
 * they are filled with the previous close and zero volume so the grid is regular.
 */
export function loadBtcUsd1m(): PriceSeries {
  const bars: GdaxBar[] = [];
  for (const day of [1, 2, 3]) {
    bars.push(
      ...(JSON.parse(
        readFileSync(`${modules}gdax-sim-test-data/CapturedData/${day}Jan2016.json`, 'utf8'),
      ) as GdaxBar[]),
    );
  }
  const close: number[] = [];
  const volume: number[] = [];
  let prevT = Number.NaN;
  for (const b of bars) {
    const t = Date.parse(b.time);
    if (!Number.isNaN(prevT)) {
      for (let m = prevT + 60_000; m < t; m += 60_000) {
        close.push(close[close.length - 1] as number);
        volume.push(0);
      }
    }
    close.push(b.close);
    volume.push(b.volume);
    prevT = t;
  }
  return { close, volume, interval: '1m' };
}
