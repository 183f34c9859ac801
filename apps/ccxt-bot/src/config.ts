/**
 * ccxt constructor configuration that points the `binance` / `binanceusdm` classes at a TradeKit
 * venue and keeps them there: every URL family the profile serves is overridden, the start-up
 * requests that would reach Binance's real hosts are switched off, and an `http.Agent` lets ccxt.pro
 * open plain `ws://` connections in Node.
 */
import http from 'node:http';

/** Credentials and the venue's base URL (`http://127.0.0.1:<port>`). */
export interface VenueClientOptions {
  url: string;
  apiKey: string;
  secret: string;
  /** ccxt's client-side throttle. @default true */
  enableRateLimit?: boolean;
}

/** The `urls.api` table for a venue at `url`. */
export function venueUrls(url: string): Record<string, unknown> {
  const ws = url.replace(/^http/, 'ws');
  return {
    public: `${url}/api/v3`,
    private: `${url}/api/v3`,
    fapiPublic: `${url}/fapi/v1`,
    fapiPublicV2: `${url}/fapi/v2`,
    fapiPublicV3: `${url}/fapi/v3`,
    fapiPrivate: `${url}/fapi/v1`,
    fapiPrivateV2: `${url}/fapi/v2`,
    fapiPrivateV3: `${url}/fapi/v3`,
    ws: {
      spot: `${ws}/ws`,
      future: `${ws}/fstream/ws`,
      'ws-api': { spot: `${ws}/ws-api/v3`, future: `${ws}/ws-fapi/v1` },
    },
  };
}

/** Config for `new ccxt.pro.binance(…)` (spot). */
export function spotConfig(o: VenueClientOptions): Record<string, unknown> {
  return {
    apiKey: o.apiKey,
    secret: o.secret,
    enableRateLimit: o.enableRateLimit ?? true,
    httpAgent: new http.Agent(),
    urls: { api: venueUrls(o.url) },
    options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
  };
}

/** Config for `new ccxt.pro.binanceusdm(…)` (USDⓈ-M perpetuals). */
export function usdmConfig(o: VenueClientOptions): Record<string, unknown> {
  return {
    apiKey: o.apiKey,
    secret: o.secret,
    enableRateLimit: o.enableRateLimit ?? true,
    httpAgent: new http.Agent(),
    urls: { api: venueUrls(o.url) },
    options: { fetchCurrencies: false, fetchMargins: false },
  };
}
