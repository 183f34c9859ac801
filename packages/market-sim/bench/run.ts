/**
 * Throughput of the sync iterator: quotes + trades (and book deltas) generated per second, one
 * symbol, single core, side by side with a bare GBM-on-ticks loop as the baseline.
 * Run: pnpm bench   (writes bench-results/market-sim.json and prints the JSON as the last line)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { type MarketEvent, Rng } from '@tradekit/types';
import { createMarket } from '../src/market.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 3_000_000);
const REPS = Number(process.env.BENCH_REPS ?? 5);

/** The baseline: GBM on integer ticks, alternately one quote and one trade object per step, nothing else. */
function bareGbmOnTicks(n: number): number {
  const rng = new Rng(1);
  const tickUnits = 25;
  const scale = 100;
  let logP = Math.log(20000);
  const sd = 0.2 * Math.sqrt(1 / (365.25 * 86400 * 10));
  let ts = 1_704_153_600_000_000;
  let sink = 0;
  for (let i = 0; i < n; i++) {
    logP += sd * rng.normal();
    const ticks = Math.round((Math.exp(logP) * scale) / tickUnits);
    ts += 100_000;
    let e: MarketEvent;
    if (i & 1) e = { type: 'trade', symbol: 'MNQ', ts, price: (ticks * tickUnits) / scale, size: 1, side: 'buy' };
    else
      e = {
        type: 'quote',
        symbol: 'MNQ',
        ts,
        bid: (ticks * tickUnits) / scale,
        bidSize: 10,
        ask: ((ticks + 1) * tickUnits) / scale,
        askSize: 12,
      };
    sink += e.ts & 1;
  }
  return sink;
}

function drain(levels: number, n: number): { count: number; quotesTrades: number } {
  const market = createMarket({
    seed: 1,
    symbols: ['MNQ'],
    duration: null,
    maxEvents: n,
    book: levels > 0 ? { levels } : false,
  });
  let count = 0;
  let qt = 0;
  for (const e of market) {
    count++;
    if (e.type === 'quote' || e.type === 'trade') qt++;
  }
  return { count, quotesTrades: qt };
}

function measure(fn: () => number): { eventsPerSec: number; best: number; runsMs: number[] } {
  fn(); // warm-up
  const runs: number[] = [];
  const rates: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    const events = fn();
    const ms = performance.now() - t0;
    runs.push(Math.round(ms));
    rates.push((events / ms) * 1000);
  }
  rates.sort((a, b) => a - b);
  return {
    eventsPerSec: rates[Math.floor(rates.length / 2)] as number,
    best: rates[rates.length - 1] as number,
    runsMs: runs,
  };
}

const rows: Array<{ name: string; eventsPerSec: number; best: number; target?: number; note: string }> = [];
const base = measure(() => {
  bareGbmOnTicks(EVENTS);
  return EVENTS;
});
rows.push({
  name: 'baseline: bare GBM-on-ticks loop',
  eventsPerSec: base.eventsPerSec,
  best: base.best,
  note: 'quote/trade objects only, no book, no Hawkes',
});
let mix = { count: 0, quotesTrades: 0 };
const off = measure(() => {
  mix = drain(0, EVENTS);
  return mix.count;
});
rows.push({
  name: 'market-sim, book off (quotes+trades)',
  eventsPerSec: off.eventsPerSec,
  best: off.best,
  target: 3_000_000,
  note: `${((mix.quotesTrades / mix.count) * 100).toFixed(0)}% quotes+trades`,
});
const on = measure(() => {
  mix = drain(10, EVENTS);
  return mix.count;
});
rows.push({
  name: 'market-sim, 10-level book (all events)',
  eventsPerSec: on.eventsPerSec,
  best: on.best,
  target: 1_000_000,
  note: `${((mix.quotesTrades / mix.count) * 100).toFixed(0)}% quotes+trades, rest book deltas`,
});
rows.push({
  name: 'market-sim, 10-level book (quotes+trades only)',
  eventsPerSec: (on.eventsPerSec * mix.quotesTrades) / mix.count,
  best: (on.best * mix.quotesTrades) / mix.count,
  target: 1_000_000,
  note: 'same run, deltas not counted',
});

const w = Math.max(...rows.map((r) => r.name.length));
console.log(
  `market-sim sync iterator, one symbol (MNQ, default preset), ${EVENTS.toLocaleString('en')} events × ${REPS} runs; median and best (the CPU is shared: best shows the code, median the machine)`,
);
console.log(
  `${'case'.padEnd(w)}  ${'median/s'.padStart(12)}  ${'best/s'.padStart(10)}  ${'vs baseline'.padStart(11)}  ${'target'.padStart(8)}  note`,
);
for (const r of rows) {
  const target = r.target
    ? `${r.target / 1e6}M ${r.eventsPerSec >= r.target ? 'ok' : r.best >= r.target ? 'best' : 'MISS'}`
    : '';
  console.log(
    `${r.name.padEnd(w)}  ${(r.eventsPerSec / 1e6).toFixed(2).padStart(10)} M  ${(r.best / 1e6).toFixed(2).padStart(8)} M  ${(r.eventsPerSec / base.eventsPerSec).toFixed(2).padStart(10)}×  ${target.padStart(8)}  ${r.note}`,
  );
}
const json = { package: '@tradekit/market-sim', node: process.version, events: EVENTS, reps: REPS, results: rows };
mkdirSync(new URL('../bench-results/', import.meta.url), { recursive: true });
writeFileSync(new URL('../bench-results/market-sim.json', import.meta.url), `${JSON.stringify(json, null, 2)}\n`);
console.log(JSON.stringify(json));
