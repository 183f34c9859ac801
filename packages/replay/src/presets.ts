/**
 * Named layouts of common vendor files, so that `format: 'tardis-trades'` (CLI `--format
 * tardis-trades`) reads a vendor export without writing a column mapping. Each preset is only
 * CSV reader options; anything the caller passes overrides the preset.
 */
import { basename } from 'node:path';
import { TradeKitError, nearestName } from '@tradekit/types';
import type { CsvReadOptions } from './csv.js';

/** A named vendor layout. */
export interface FormatPreset {
  /** The name passed as `format` / `--format`. */
  readonly name: string;
  /** What the files are, and their columns in order as the vendor writes them. */
  readonly description: string;
  /** The vendor's columns, in file order. */
  readonly columns: readonly string[];
  /** Where the layout is documented by the vendor. */
  readonly source: string;
  /** Reader options the preset sets (the caller's options win). */
  readonly options: CsvReadOptions;
  /**
   * Reads what the file name says (Binance puts symbol and interval only there:
   * `BTCUSDT-1m-2024-01-01.csv`); the caller's `symbol` / `timeframe` win.
   */
  readonly fromFileName?: (file: string) => Partial<Pick<CsvReadOptions, 'symbol' | 'timeframe'>>;
}

const TARDIS = 'https://docs.tardis.dev/downloadable-csv-files/data-types';
const BINANCE = 'https://github.com/binance/binance-public-data (data.binance.vision)';
const DATABENTO = 'https://databento.com/docs/schemas-and-data-formats';

/** Binance daily/monthly files: `BTCUSDT-1m-2024-01-01.csv` (klines), `BTCUSDT-trades-2024-01-01.csv`. */
function binanceName(file: string): Partial<Pick<CsvReadOptions, 'symbol' | 'timeframe'>> {
  const m = /^([A-Z0-9]+)-(\d+[smhdwM]|trades|aggTrades)-/.exec(basename(file));
  if (!m) return {};
  const out: Partial<Pick<CsvReadOptions, 'symbol' | 'timeframe'>> = { symbol: m[1] as string };
  if (/^\d+[smhdw]$/.test(m[2] as string)) out.timeframe = m[2] as string;
  return out;
}

const wideBook25: string[] = ['exchange', 'symbol', 'timestamp', 'local_timestamp'];
for (let i = 0; i < 25; i++)
  wideBook25.push(`asks[${i}].price`, `asks[${i}].amount`, `bids[${i}].price`, `bids[${i}].amount`);

const DATABENTO_HEAD = [
  'ts_recv',
  'ts_event',
  'rtype',
  'publisher_id',
  'instrument_id',
  'action',
  'side',
  'depth',
  'price',
  'size',
  'flags',
  'ts_in_delta',
  'sequence',
];

/** Every built-in preset, by name. */
export const FORMAT_PRESETS: Readonly<Record<string, FormatPreset>> = Object.freeze({
  'tardis-trades': {
    name: 'tardis-trades',
    description: 'tardis.dev `trades` CSV (header row; times in µs since epoch; side buy / sell / unknown)',
    columns: ['exchange', 'symbol', 'timestamp', 'local_timestamp', 'id', 'side', 'price', 'amount'],
    source: `${TARDIS}#trades`,
    options: {
      kind: 'trade',
      header: true,
      ts: 'us',
      columns: { ts: 'timestamp', symbol: 'symbol', price: 'price', size: 'amount', side: 'side', id: 'id' },
    },
  },
  'tardis-quotes': {
    name: 'tardis-quotes',
    description: 'tardis.dev `quotes` CSV (top of book; header row; times in µs since epoch)',
    columns: [
      'exchange',
      'symbol',
      'timestamp',
      'local_timestamp',
      'ask_amount',
      'ask_price',
      'bid_price',
      'bid_amount',
    ],
    source: `${TARDIS}#quotes`,
    options: {
      kind: 'quote',
      header: true,
      ts: 'us',
      columns: { ts: 'timestamp', bid: 'bid_price', bid_size: 'bid_amount', ask: 'ask_price', ask_size: 'ask_amount' },
    },
  },
  'tardis-incremental-book-l2': {
    name: 'tardis-incremental-book-l2',
    description:
      'tardis.dev `incremental_book_L2` CSV (one row per level update; `is_snapshot` true rows form the snapshot, amount 0 removes a level)',
    columns: ['exchange', 'symbol', 'timestamp', 'local_timestamp', 'is_snapshot', 'side', 'price', 'amount'],
    source: `${TARDIS}#incremental_book_l2`,
    options: {
      kind: 'book',
      header: true,
      ts: 'us',
      columns: { ts: 'timestamp', kind: 'is_snapshot', side: 'side', price: 'price', size: 'amount' },
      values: { kind: { true: 'snapshot', false: 'delta' } },
    },
  },
  'tardis-book-snapshot-25': {
    name: 'tardis-book-snapshot-25',
    description:
      'tardis.dev `book_snapshot_25` CSV (one row per snapshot: asks[i].price, asks[i].amount, bids[i].price, bids[i].amount for i = 0..24; empty when the book is shallower)',
    columns: wideBook25,
    source: `${TARDIS}#book_snapshot_25`,
    options: { kind: 'book', header: true, ts: 'us', columns: { ts: 'timestamp' } },
  },
  'binance-klines': {
    name: 'binance-klines',
    description:
      'Binance klines from data.binance.vision (no header in spot files, a header row in newer futures files; open time in ms, or µs in spot files from 2025; symbol and interval from the file name `BTCUSDT-1m-2024-01-01.csv`)',
    columns: [
      'open_time',
      'open',
      'high',
      'low',
      'close',
      'volume',
      'close_time',
      'quote_volume',
      'count',
      'taker_buy_volume',
      'taker_buy_quote_volume',
      'ignore',
    ],
    source: `${BINANCE}#klines`,
    options: {
      kind: 'bar',
      header: 'auto',
      barTime: 'open',
      columns: { ts: 0, open: 1, high: 2, low: 3, close: 4, volume: 5, trades: 8 },
    },
    fromFileName: binanceName,
  },
  'binance-trades': {
    name: 'binance-trades',
    description:
      'Binance trades from data.binance.vision (no header in spot files; time in ms, or µs in spot files from 2025; is_buyer_maker True means the seller was the aggressor, so side = sell; symbol from the file name `BTCUSDT-trades-2024-01-01.csv`)',
    columns: ['id', 'price', 'qty', 'quote_qty', 'time', 'is_buyer_maker', 'is_best_match'],
    source: `${BINANCE}#trades`,
    options: {
      kind: 'trade',
      header: 'auto',
      columns: { id: 0, price: 1, size: 2, ts: 4, side: 5 },
      values: { side: { True: 'sell', False: 'buy', true: 'sell', false: 'buy' } },
    },
    fromFileName: binanceName,
  },
  'databento-trades': {
    name: 'databento-trades',
    description:
      'Databento `trades` schema as CSV (header row; ts_event in ns or ISO with pretty_ts; decimal prices with pretty_px, or pass `priceDecimals: 9` for raw fixed-point prices; side A = sell aggressor, B = buy aggressor, N = none)',
    columns: [...DATABENTO_HEAD, 'symbol'],
    source: `${DATABENTO}/trades`,
    options: {
      kind: 'trade',
      header: true,
      columns: { ts: 'ts_event', price: 'price', size: 'size', side: 'side', symbol: 'symbol', id: null },
      values: { side: { A: 'sell', B: 'buy', N: null } },
    },
  },
  'databento-mbp-1': {
    name: 'databento-mbp-1',
    description:
      'Databento `mbp-1` schema as CSV, read as quotes (best bid / ask after each event; header row; ts_event in ns or ISO; decimal prices with pretty_px, or `priceDecimals: 9`)',
    columns: [
      ...DATABENTO_HEAD,
      'bid_px_00',
      'ask_px_00',
      'bid_sz_00',
      'ask_sz_00',
      'bid_ct_00',
      'ask_ct_00',
      'symbol',
    ],
    source: `${DATABENTO}/mbp-1`,
    options: {
      kind: 'quote',
      header: true,
      columns: { ts: 'ts_event', bid: 'bid_px_00', ask: 'ask_px_00', bid_size: 'bid_sz_00', ask_size: 'ask_sz_00' },
    },
  },
  'coinbase-candles': {
    name: 'coinbase-candles',
    description:
      'Coinbase Exchange (GDAX) candles, as the API returns them: time (bucket start, epoch seconds), low, high, open, close, volume; header row optional. Pass `timeframe` (the granularity) and `symbol`. The API lists newest first: sort the file oldest first.',
    columns: ['time', 'low', 'high', 'open', 'close', 'volume'],
    source: 'https://docs.cdp.coinbase.com/exchange/reference/exchangerestapi_getproductcandles',
    options: {
      kind: 'bar',
      header: 'auto',
      barTime: 'open',
      ts: 's',
      columns: { ts: 0, low: 1, high: 2, open: 3, close: 4, volume: 5 },
    },
  },
  ohlcv: {
    name: 'ohlcv',
    description:
      'Generic OHLCV bars with a header naming timestamp (or time / date / datetime), open, high, low, close, volume; the time is the bar open (pass `barTime: "close"` if not); pass `timeframe` unless there is a timeframe column, and `symbol` unless there is a symbol column',
    columns: ['timestamp', 'open', 'high', 'low', 'close', 'volume'],
    source: 'TradeKit (a common layout, e.g. pandas / ccxt exports)',
    options: { kind: 'bar', header: true, barTime: 'open' },
  },
});

/** Names of the built-in presets. */
export const PRESET_NAMES: readonly string[] = Object.freeze(Object.keys(FORMAT_PRESETS));

/** True when `name` is a preset name. */
export function isPresetName(name: unknown): name is string {
  return typeof name === 'string' && Object.hasOwn(FORMAT_PRESETS, name);
}

/**
 * The CSV options of a preset for one file, with the caller's options on top (`columns` and
 * `values` merged key by key).
 */
export function presetOptions<T extends CsvReadOptions>(name: string, file: string, options: T): T {
  const preset = FORMAT_PRESETS[name];
  if (preset === undefined) {
    const near = nearestName(name, [...PRESET_NAMES, 'csv', 'jsonl', 'parquet']);
    throw new TradeKitError(
      'REPLAY_UNKNOWN_FORMAT',
      `Expected \`format\` to be csv, jsonl, parquet or a preset (${PRESET_NAMES.join(', ')}), got ${JSON.stringify(name)}.${near ? ` Did you mean \`${near}\`?` : ''}`,
      { details: { file, value: name } },
    );
  }
  const fromName = preset.fromFileName?.(file) ?? {};
  const values: Record<string, Record<string, string | null>> = { ...(preset.options.values ?? {}) };
  for (const [k, v] of Object.entries(options.values ?? {})) if (v !== undefined) values[k] = v;
  const merged: T = {
    ...preset.options,
    ...fromName,
    ...options,
    columns: { ...(preset.options.columns ?? {}), ...(options.columns ?? {}) },
  };
  if (Object.keys(values).length > 0) merged.values = values;
  return merged;
}
