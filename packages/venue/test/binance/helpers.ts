/**
 * Binance-profile test helpers: a deterministic L2 market (book snapshot, many diffs, trades) for a
 * spot and a perpetual instrument, a venue with the profile on, and ccxt clients pointed at it
 * exactly as the reference documents (URL overrides, start-up options, an http.Agent for ws://).
 */
import http from 'node:http';
import ccxt from 'ccxt';
import { afterEach, beforeAll } from 'vitest';
import {
  type Venue,
  type VenueOptions,
  assertNoLoopbackEscapes,
  createVenue,
  installLoopbackGuard,
} from '../../src/index.js';

import { T0, l2Market } from './market.js';

export { T0, l2Market };
export const API_KEY = 'sim-key';
export const SECRET = 'sim-secret';

/** Installs the loopback guard for this file and fails any test that tried to leave loopback. */
export function guardLoopback(): void {
  beforeAll(() => installLoopbackGuard());
  afterEach(() => assertNoLoopbackEscapes());
}

export const BTC = { symbol: 'BTCUSDT', tickSize: 0.1, lotSize: 0.001, multiplier: 1, currency: 'USDT' };
export const ETH = { symbol: 'ETHUSDT', tickSize: 0.01, lotSize: 0.001, multiplier: 1, currency: 'USDT' };
export const BTC_PERP = {
  symbol: 'BTCUSDT-PERP',
  tickSize: 0.1,
  lotSize: 0.001,
  multiplier: 1,
  currency: 'USDT',
  marginPerContract: 3000,
};

/** A venue with the Binance profile on, BTCUSDT spot and BTCUSDT perpetual, 60 s of L2 market. */
export async function binanceVenue(overrides: Partial<VenueOptions> = {}): Promise<Venue> {
  return createVenue({
    instruments: [BTC, ETH, BTC_PERP],
    source: l2Market(
      [
        { symbol: 'BTCUSDT', mid: 60000 },
        { symbol: 'ETHUSDT', mid: 3000 },
        { symbol: 'BTCUSDT-PERP', mid: 60010 },
      ],
      60,
    ),
    accounts: [
      { id: 1, userName: 'alice', apiKey: API_KEY, balance: 100_000 },
      { id: 2, userName: 'alice', apiKey: API_KEY, balance: 100_000 },
      { id: 3, userName: 'bob', apiKey: 'bob-key', balance: 100_000 },
    ],
    binance: { spotBalances: { 1: { BTC: 1 } }, ...(overrides.binance === false ? {} : (overrides.binance ?? {})) },
    projectx: false,
    json: false,
    ...Object.fromEntries(Object.entries(overrides).filter(([k]) => k !== 'binance')),
  });
}

/** The `urls.api` table that points every ccxt binance family the profile serves at the venue. */
export function binanceUrls(venue: Venue): Record<string, unknown> {
  const HTTP = venue.url;
  const WS = HTTP.replace(/^http/, 'ws');
  return {
    public: `${HTTP}/api/v3`,
    private: `${HTTP}/api/v3`,
    fapiPublic: `${HTTP}/fapi/v1`,
    fapiPublicV2: `${HTTP}/fapi/v2`,
    fapiPublicV3: `${HTTP}/fapi/v3`,
    fapiPrivate: `${HTTP}/fapi/v1`,
    fapiPrivateV2: `${HTTP}/fapi/v2`,
    fapiPrivateV3: `${HTTP}/fapi/v3`,
    ws: {
      spot: `${WS}/ws`,
      future: `${WS}/fstream/ws`,
      'ws-api': { spot: `${WS}/ws-api/v3`, future: `${WS}/ws-fapi/v1` },
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: ccxt's classes are loosely typed
export type Ccxt = any;

/** A ccxt.pro `binance` (spot) client on the venue. */
export function spotClient(venue: Venue, extra: Record<string, unknown> = {}): Ccxt {
  return new ccxt.pro.binance({
    apiKey: API_KEY,
    secret: SECRET,
    httpAgent: new http.Agent(),
    enableRateLimit: false,
    urls: { api: binanceUrls(venue) },
    options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
    ...extra,
  });
}

/** A ccxt.pro `binanceusdm` client on the venue. */
export function usdmClient(venue: Venue, extra: Record<string, unknown> = {}): Ccxt {
  return new ccxt.pro.binanceusdm({
    apiKey: API_KEY,
    secret: SECRET,
    httpAgent: new http.Agent(),
    enableRateLimit: false,
    urls: { api: binanceUrls(venue) },
    options: { fetchCurrencies: false, fetchMargins: false },
    ...extra,
  });
}

/** Waits for a promise with a timeout and a message. */
export async function within<T = Ccxt>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `cond` every few ms until true; fails with `what` after `ms`. */
export async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Advances the venue clock in steps until `p` settles (the client saw what it waits for), giving
 * the sockets a moment between steps; fails after `steps` steps.
 */
export async function pump(
  venue: Venue,
  p: Promise<unknown>,
  what: string,
  step = '100ms',
  steps = 100,
): Promise<Ccxt> {
  let settled = false;
  const watched = p.finally(() => {
    settled = true;
  });
  watched.catch(() => undefined);
  for (let i = 0; i < steps && !settled; i++) {
    await venue.advance(step);
    await Promise.race([watched.catch(() => undefined), new Promise((r) => setTimeout(r, 10))]);
  }
  if (!settled) throw new Error(`${what}: nothing after ${steps} steps of ${step}`);
  return watched;
}
