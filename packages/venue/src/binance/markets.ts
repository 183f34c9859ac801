/**
 * The Binance markets of a venue: which core instruments are listed on spot (`/api/v3`) and on
 * USDⓈ-M (`/fapi`), under which wire id (`BTCUSDT`), base and quote asset, and how their prices
 * and quantities are printed.
 */
import { type Instrument, TradeKitError, invalidValue } from '@tradekit/types';
import type { Contract } from '../contracts.js';
import { CONFIG_INVALID } from '../errors.js';

/** A core instrument listed on a Binance surface. */
export interface BinanceMarketSpec {
  /** The core instrument's symbol. */
  symbol: string;
  /** Wire id (`BTCUSDT`). @default the symbol without a `-PERP` suffix and without separators (`BTC-USD` → `BTCUSD`) */
  id?: string;
  /** Base asset. @default the id without its quote suffix */
  base?: string;
  /** Quote asset. @default the instrument's currency */
  quote?: string;
}

/** A resolved market. */
export interface BinanceMarket {
  readonly surface: 'spot' | 'usdm';
  /** Wire id, upper case (`BTCUSDT`). */
  readonly id: string;
  /** Core symbol. */
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly instrument: Instrument;
  readonly contract: Contract;
  /** Decimals of prices and quantities on the wire. */
  readonly priceDecimals: number;
  readonly qtyDecimals: number;
}

function decimalsOf(step: number): number {
  const s = String(step);
  if (s.includes('e-')) return Number(s.split('e-')[1]);
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** Prints a price on the market's tick grid. */
export function fmtPrice(m: BinanceMarket, p: number): string {
  return p.toFixed(m.priceDecimals);
}

/** Prints a quantity with the market's lot decimals. */
export function fmtQty(m: BinanceMarket, q: number): string {
  return q.toFixed(m.qtyDecimals);
}

const QUOTES = ['USDT', 'USDC', 'FDUSD', 'BUSD', 'USD', 'BTC', 'ETH', 'EUR'];

/** Resolves the spot and USDⓈ-M market lists against the venue's contracts. */
export function resolveMarkets(
  contracts: readonly Contract[],
  spot: Array<string | BinanceMarketSpec> | undefined,
  usdm: Array<string | BinanceMarketSpec> | undefined,
): { spot: BinanceMarket[]; usdm: BinanceMarket[] } {
  const perp = (c: Contract) => /-PERP$/i.test(c.symbol);
  const build = (surface: 'spot' | 'usdm', list: Array<string | BinanceMarketSpec>, where: string): BinanceMarket[] => {
    const ids = new Set<string>();
    return list.map((entry, i) => {
      const spec: BinanceMarketSpec = typeof entry === 'string' ? { symbol: entry } : entry;
      if (typeof spec !== 'object' || spec === null || typeof spec.symbol !== 'string')
        throw invalidValue(CONFIG_INVALID, `${where}[${i}]`, 'a symbol or { symbol, id?, base?, quote? }', entry);
      for (const k of Object.keys(spec))
        if (!['symbol', 'id', 'base', 'quote'].includes(k))
          throw new TradeKitError(
            CONFIG_INVALID,
            `Unknown key \`${k}\` in ${where}[${i}]. Valid keys: base, id, quote, symbol.`,
          );
      const contract = contracts.find((c) => c.symbol === spec.symbol);
      if (contract === undefined)
        throw invalidValue(
          CONFIG_INVALID,
          `${where}[${i}].symbol`,
          `one of the venue's instruments (${contracts.map((c) => c.symbol).join(', ')})`,
          spec.symbol,
        );
      const id = (spec.id ?? spec.symbol.replace(/-PERP$/i, '').replace(/[^A-Za-z0-9]/g, '')).toUpperCase();
      if (!/^[A-Z0-9]{2,20}$/.test(id))
        throw invalidValue(CONFIG_INVALID, `${where}[${i}].id`, 'letters and digits like "BTCUSDT"', id);
      if (ids.has(id)) throw invalidValue(CONFIG_INVALID, `${where}[${i}].id`, 'distinct ids', id);
      ids.add(id);
      const inst = contract.instrument;
      const quote =
        spec.quote ??
        (id.endsWith(inst.currency) ? inst.currency : (QUOTES.find((q) => id.endsWith(q)) ?? inst.currency));
      const base = spec.base ?? (id.endsWith(quote) && id.length > quote.length ? id.slice(0, -quote.length) : id);
      return {
        surface,
        id,
        symbol: contract.symbol,
        base,
        quote,
        instrument: inst,
        contract,
        priceDecimals: decimalsOf(inst.tickSize),
        qtyDecimals: decimalsOf(inst.lotSize),
      };
    });
  };
  return {
    spot: build('spot', spot ?? contracts.filter((c) => !perp(c)).map((c) => c.symbol), 'binance.spot'),
    usdm: build('usdm', usdm ?? contracts.filter(perp).map((c) => c.symbol), 'binance.usdm'),
  };
}

/** Spot order types the venue takes (ccxt refuses locally any type not listed). */
export const SPOT_ORDER_TYPES = ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT'];
/** USDⓈ-M order types. */
export const USDM_ORDER_TYPES = ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET'];

function filters(m: BinanceMarket): object[] {
  const i = m.instrument;
  const tick = fmtPrice(m, i.tickSize);
  const lot = fmtQty(m, i.lotSize);
  return [
    { filterType: 'PRICE_FILTER', minPrice: tick, maxPrice: '10000000', tickSize: tick },
    { filterType: 'LOT_SIZE', minQty: lot, maxQty: '100000', stepSize: lot },
    { filterType: 'MARKET_LOT_SIZE', minQty: lot, maxQty: '100000', stepSize: lot },
  ];
}

/** `GET /api/v3/exchangeInfo`. */
export function spotExchangeInfo(markets: readonly BinanceMarket[], serverTime: number, limit: number): object {
  return {
    timezone: 'UTC',
    serverTime,
    rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit }],
    exchangeFilters: [],
    symbols: markets.map((m) => ({
      symbol: m.id,
      status: 'TRADING',
      baseAsset: m.base,
      baseAssetPrecision: 8,
      quoteAsset: m.quote,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      orderTypes: SPOT_ORDER_TYPES,
      icebergAllowed: false,
      ocoAllowed: false,
      quoteOrderQtyMarketAllowed: true,
      cancelReplaceAllowed: true,
      isSpotTradingAllowed: true,
      isMarginTradingAllowed: false,
      filters: filters(m),
      permissions: [],
      permissionSets: [['SPOT']],
    })),
  };
}

/** `GET /fapi/v1/exchangeInfo`. */
export function usdmExchangeInfo(markets: readonly BinanceMarket[], serverTime: number, limit: number): object {
  return {
    timezone: 'UTC',
    serverTime,
    rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit }],
    exchangeFilters: [],
    assets: [...new Set(markets.map((m) => m.quote))].map((a) => ({ asset: a, marginAvailable: true })),
    symbols: markets.map((m) => ({
      symbol: m.id,
      pair: m.id,
      contractType: 'PERPETUAL',
      deliveryDate: 4133404800000,
      onboardDate: 1569398400000,
      status: 'TRADING',
      baseAsset: m.base,
      quoteAsset: m.quote,
      marginAsset: m.quote,
      pricePrecision: m.priceDecimals,
      quantityPrecision: m.qtyDecimals,
      baseAssetPrecision: 8,
      quotePrecision: 8,
      underlyingType: 'COIN',
      orderTypes: USDM_ORDER_TYPES,
      timeInForce: ['GTC', 'IOC', 'FOK', 'GTX'],
      filters: filters(m),
    })),
  };
}
