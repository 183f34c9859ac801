#!/usr/bin/env node
/**
 * Writes one small fixture per vendor preset into fixtures/, in the vendor's own layout (column
 * names and order, units, header or none), deterministically (same bytes on every run):
 *
 *   node scripts/make-fixtures.mjs            # writes packages/replay/fixtures/*.csv
 *
 * The layouts follow the vendors' documentation, named in src/presets.ts for each preset.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
mkdirSync(out, { recursive: true });

/** A small deterministic generator (LCG), so the fixtures never change between runs. */
function rng(seed) {
  let s = seed >>> 0;
  return (lo, hi) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + (s % (hi - lo + 1));
  };
}

const ROWS = 300;
const T0_US = 1_704_067_200_000_000; // 2024-01-01T00:00:00Z in µs
const files = {};

// tardis.dev trades: exchange,symbol,timestamp,local_timestamp,id,side,price,amount (µs)
{
  const r = rng(1);
  const lines = ['exchange,symbol,timestamp,local_timestamp,id,side,price,amount'];
  let ts = T0_US;
  let px = 4200000;
  for (let i = 0; i < ROWS; i++) {
    ts += r(1, 20_000);
    px += r(-3, 3);
    const side = ['buy', 'sell', 'unknown'][r(0, 2)];
    const id = i % 7 === 0 ? '' : String(900_000_000 + i);
    lines.push(
      `binance-futures,BTCUSDT,${ts},${ts + r(100, 900)},${id},${side},${(px / 100).toFixed(2)},${r(1, 500) / 1000}`,
    );
  }
  files['tardis-trades.csv'] = lines;
}

// tardis.dev quotes: exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount
{
  const r = rng(2);
  const lines = ['exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount'];
  let ts = T0_US;
  let bid = 64500;
  for (let i = 0; i < ROWS; i++) {
    ts += r(1, 30_000);
    bid += r(-2, 2) * 0.5;
    const ask = bid + r(1, 3) * 0.5;
    lines.push(`deribit,BTC-PERPETUAL,${ts},${ts + r(50, 500)},${r(10, 9000)},${ask},${bid},${r(10, 9000)}`);
  }
  files['tardis-quotes.csv'] = lines;
}

// tardis.dev incremental_book_L2: exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount
{
  const r = rng(3);
  const lines = ['exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount'];
  let ts = T0_US + 1_000;
  // The initial snapshot: 10 levels a side, all with one timestamp.
  for (let k = 0; k < 10; k++)
    lines.push(`bitmex,XBTUSD,${ts},${ts + 5},true,ask,${42000.5 + k * 0.5},${r(100, 5000)}`);
  for (let k = 0; k < 10; k++) lines.push(`bitmex,XBTUSD,${ts},${ts + 5},true,bid,${42000 - k * 0.5},${r(100, 5000)}`);
  while (lines.length <= ROWS) {
    ts += r(1, 50_000);
    const n = r(1, 3); // levels updated by one message share its timestamp
    for (let k = 0; k < n; k++) {
      const side = r(0, 1) === 0 ? 'bid' : 'ask';
      const price = side === 'bid' ? 42000 - r(0, 12) * 0.5 : 42000.5 + r(0, 12) * 0.5;
      lines.push(`bitmex,XBTUSD,${ts},${ts + 7},false,${side},${price},${r(0, 3) === 0 ? 0 : r(100, 5000)}`);
    }
  }
  files['tardis-incremental-book-l2.csv'] = lines;
}

// tardis.dev book_snapshot_25: exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,bids[0].price,bids[0].amount,...
{
  const r = rng(4);
  const head = ['exchange', 'symbol', 'timestamp', 'local_timestamp'];
  for (let i = 0; i < 25; i++)
    head.push(`asks[${i}].price`, `asks[${i}].amount`, `bids[${i}].price`, `bids[${i}].amount`);
  const lines = [head.join(',')];
  let ts = T0_US;
  for (let i = 0; i < 120; i++) {
    ts += r(1, 100_000);
    const mid = 3000 + r(-20, 20) * 0.25;
    const depth = i % 50 === 0 ? 20 : 25; // a shallower book leaves the last levels empty
    const cells = ['coinbase', 'ETH-USD', ts, ts + 3];
    for (let k = 0; k < 25; k++) {
      if (k < depth) cells.push(mid + 0.25 + k * 0.25, r(1, 900) / 100, mid - k * 0.25, r(1, 900) / 100);
      else cells.push('', '', '', '');
    }
    lines.push(cells.join(','));
  }
  files['tardis-book-snapshot-25.csv'] = lines;
}

// Binance klines (data.binance.vision spot): no header; open_time,open,high,low,close,volume,
// close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore. Two files: one
// from 2024 (times in ms) and one from 2025 (spot switched to µs).
function klines(seed, startMs, unit) {
  const r = rng(seed);
  const lines = [];
  let open = 42000;
  const mult = unit === 'us' ? 1000 : 1;
  for (let i = 0; i < ROWS; i++) {
    const t = (startMs + i * 60_000) * mult;
    const close = open + r(-50, 50) / 10;
    const high = Math.max(open, close) + r(0, 30) / 10;
    const low = Math.min(open, close) - r(0, 30) / 10;
    const vol = r(1000, 90000) / 1000;
    lines.push(
      [
        t,
        open.toFixed(2),
        high.toFixed(2),
        low.toFixed(2),
        close.toFixed(2),
        vol,
        t + 60_000 * mult - 1,
        (vol * close).toFixed(4),
        r(10, 900),
        (vol / 2).toFixed(3),
        ((vol / 2) * close).toFixed(4),
        0,
      ].join(','),
    );
    open = close;
  }
  return lines;
}
files['BTCUSDT-1m-2024-01-01.csv'] = klines(5, 1_704_067_200_000, 'ms');
files['BTCUSDT-1m-2025-01-01.csv'] = klines(6, 1_735_689_600_000, 'us');

// Binance trades (data.binance.vision spot): no header; id,price,qty,quote_qty,time,is_buyer_maker,is_best_match
{
  const r = rng(7);
  const lines = [];
  let t = 1_704_067_200_000;
  let px = 4200000;
  for (let i = 0; i < ROWS; i++) {
    t += r(0, 400);
    px += r(-2, 2);
    const qty = r(1, 90000) / 100000;
    const price = px / 100;
    lines.push(
      `${3_300_000_000 + i},${price.toFixed(8)},${qty.toFixed(8)},${(price * qty).toFixed(8)},${t},${r(0, 1) ? 'True' : 'False'},True`,
    );
  }
  files['BTCUSDT-trades-2024-01-01.csv'] = lines;
}

// Databento trades (CSV, pretty_px, ns timestamps, symbols mapped):
// ts_recv,ts_event,rtype,publisher_id,instrument_id,action,side,depth,price,size,flags,ts_in_delta,sequence,symbol
const DB_HEAD =
  'ts_recv,ts_event,rtype,publisher_id,instrument_id,action,side,depth,price,size,flags,ts_in_delta,sequence';
{
  const r = rng(8);
  const lines = [`${DB_HEAD},symbol`];
  let ns = 1_704_205_800_000_000_000n;
  let px = 1683700;
  for (let i = 0; i < ROWS; i++) {
    ns += BigInt(r(1, 900_000)) * 1000n + BigInt(r(0, 999));
    px += r(-2, 2);
    const side = ['A', 'B', 'N'][r(0, 2)];
    lines.push(
      `${ns + 15000n},${ns},0,2,13,T,${side},0,${(px / 10000).toFixed(9)},${r(1, 400)},0,${r(1000, 20000)},${5_000_000 + i},AAPL`,
    );
  }
  files['databento-trades.csv'] = lines;
}

// Databento MBP-1 (CSV, pretty_px, ns timestamps, symbols mapped):
// ...,sequence,bid_px_00,ask_px_00,bid_sz_00,ask_sz_00,bid_ct_00,ask_ct_00,symbol
{
  const r = rng(9);
  const lines = [`${DB_HEAD},bid_px_00,ask_px_00,bid_sz_00,ask_sz_00,bid_ct_00,ask_ct_00,symbol`];
  let ns = 1_704_205_800_000_000_000n;
  let bid = 1683700;
  for (let i = 0; i < ROWS; i++) {
    ns += BigInt(r(1, 500_000)) * 1000n + BigInt(r(0, 999));
    bid += r(-1, 1);
    const ask = bid + r(1, 4);
    const action = ['A', 'C', 'T', 'M'][r(0, 3)];
    const side = ['A', 'B'][r(0, 1)];
    const f = (x) => (x / 10000).toFixed(9);
    lines.push(
      `${ns + 9000n},${ns},1,2,13,${action},${side},0,${f(side === 'B' ? bid : ask)},${r(1, 300)},130,${r(1000, 20000)},${6_000_000 + i},${f(bid)},${f(ask)},${r(1, 900)},${r(1, 900)},${r(1, 9)},${r(1, 9)},AAPL`,
    );
  }
  files['databento-mbp-1.csv'] = lines;
}

// Coinbase Exchange candles as the API returns them, oldest first: time,low,high,open,close,volume (epoch s)
{
  const r = rng(10);
  const lines = ['time,low,high,open,close,volume'];
  let open = 2300;
  for (let i = 0; i < ROWS; i++) {
    const t = 1_704_067_200 + i * 300;
    const close = open + r(-40, 40) / 10;
    const high = Math.max(open, close) + r(0, 20) / 10;
    const low = Math.min(open, close) - r(0, 20) / 10;
    lines.push(
      [t, low.toFixed(2), high.toFixed(2), open.toFixed(2), close.toFixed(2), (r(1, 90000) / 1000).toFixed(8)].join(
        ',',
      ),
    );
    open = close;
  }
  files['coinbase-candles.csv'] = lines;
}

// Generic OHLCV: timestamp (ISO-8601, bar open),open,high,low,close,volume
{
  const r = rng(11);
  const lines = ['timestamp,open,high,low,close,volume'];
  let open = 180;
  for (let i = 0; i < ROWS; i++) {
    const t = new Date(Date.UTC(2024, 0, 2, 14, 30) + i * 60_000).toISOString();
    const close = open + r(-20, 20) / 100;
    lines.push(
      [
        t,
        open.toFixed(2),
        (Math.max(open, close) + 0.05).toFixed(2),
        (Math.min(open, close) - 0.05).toFixed(2),
        close.toFixed(2),
        r(100, 90000),
      ].join(','),
    );
    open = close;
  }
  files['ohlcv.csv'] = lines;
}

for (const [name, lines] of Object.entries(files)) writeFileSync(join(out, name), `${lines.join('\n')}\n`);
console.log(`wrote ${Object.keys(files).length} fixtures to ${out}`);
