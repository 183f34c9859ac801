/// <reference lib="dom" />
/**
 * The HTML report in a real browser: Debian's Chromium through playwright-core. No console
 * errors, three non-blank chart canvases, the metrics table equal to the JSON report; a
 * screenshot is saved under .tmp/.
 */
import { mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BacktestReport,
  METRIC_LABELS,
  formatMetric,
  randomWalkBars,
  runBacktest,
  writeReport,
} from '../src/index.js';
import { smaCross } from './strategies.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

describe('HTML report in headless Chromium', () => {
  let dir = '';
  let paths: { json: string; html: string };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bt-report-'));
    const bars = randomWalkBars({ count: 3000, seed: 12 });
    const result = await runBacktest({
      strategy: smaCross,
      data: bars,
      instruments: [{ symbol: 'MNQ', tickSize: 0.25, multiplier: 2 }],
      exchange: { fees: { perContract: 0.62 } },
    });
    paths = await writeReport(result, dir, { maxPoints: 1000 });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is self-contained: no external URL is loaded', async () => {
    const html = await readFile(paths.html, 'utf8');
    // Nothing fetched: no external scripts, stylesheets, images or CSS urls (uPlot's licence
    // banner names its repository, which is text, not a load; the browser test checks requests).
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|url\(\s*['"]?https?:/);
    expect(html).toContain('uPlot');
  });

  it('renders with no console errors, charts drawn, the metrics table equal to the JSON', async () => {
    const report = JSON.parse(await readFile(paths.json, 'utf8')) as BacktestReport;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
      });
      page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(paths.html).href, { waitUntil: 'load', timeout: 30_000 });
      await page.waitForSelector('#price canvas', { timeout: 10_000 });

      // Charts: three canvases, each with drawn (non-background) pixels in at least two colours.
      const canvases = await page.evaluate(() =>
        Array.from(document.querySelectorAll('canvas')).map((c) => {
          const ctx = c.getContext('2d') as CanvasRenderingContext2D;
          const { data } = ctx.getImageData(0, 0, c.width, c.height);
          let drawn = 0;
          const colours = new Set<string>();
          for (let i = 0; i < data.length; i += 4) {
            if ((data[i + 3] as number) > 0) {
              drawn++;
              if (colours.size < 50) colours.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
            }
          }
          return { id: c.closest('.chart')?.id, width: c.width, height: c.height, drawn, colours: colours.size };
        }),
      );
      expect(canvases.map((c) => c.id)).toEqual(['equity', 'drawdown', 'price']);
      for (const c of canvases) {
        expect(c.width * c.height).toBeGreaterThan(10_000);
        expect(c.drawn, `${c.id} has drawn pixels`).toBeGreaterThan(500);
        expect(c.colours).toBeGreaterThan(1);
      }

      // Metrics table: every metric of the JSON, its exact value, and the text formatted from it.
      const rows = await page.$$eval('#metrics tr', (trs) =>
        trs.map((tr) => ({
          key: tr.getAttribute('data-key'),
          value: tr.getAttribute('data-value'),
          text: tr.querySelector('td')?.textContent,
        })),
      );
      expect(rows.length).toBe(METRIC_LABELS.length);
      expect(new Set(rows.map((r) => r.key))).toEqual(new Set(Object.keys(report.metrics)));
      for (const [key, , kind] of METRIC_LABELS) {
        const row = rows.find((r) => r.key === key);
        const v = report.metrics[key] as number | null;
        expect(JSON.parse(row?.value as string), key).toEqual(v);
        expect(row?.text, key).toBe(formatMetric(kind, v));
        if (kind === 'money' && v !== null) expect(Math.abs(Number(row?.text) - v)).toBeLessThanOrEqual(0.005 + 1e-9);
      }
      expect(report.metrics.trades).toBeGreaterThan(20);
      const tradeRows = await page.$$eval('#trades tr', (trs) => trs.length - 1);
      expect(tradeRows).toBe(report.trades.length);

      const shots = resolve(__dirname, '../.tmp');
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, 'report.png'), fullPage: true });

      expect(requests.every((u) => u.startsWith('file:'))).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
