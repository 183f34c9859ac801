import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ccxt from 'ccxt';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, takeLoopbackEscapes } from '../../src/index.js';
import { binanceVenue, guardLoopback, spotClient } from './helpers.js';

guardLoopback();

describe('loopback guard: nothing leaves 127.0.0.1', () => {
  it('refuses ccxt’s fallback to the real exchange before any socket or DNS query, and records it', async () => {
    const plain = new ccxt.binance({ enableRateLimit: false });
    const err = await plain.fetchTime().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ccxt.NetworkError);
    expect(String(err)).toContain('Loopback guard: refused a connection to api.binance.com');
    const escapes = takeLoopbackEscapes();
    expect(escapes.length).toBeGreaterThan(0);
    expect(escapes.every((e) => e.host === 'api.binance.com')).toBe(true);
    expect(escapes[0]).toMatchObject({ via: 'connect', port: 443 });
  });

  it('refuses fetch, WebSocket and raw addresses; loopback still works', async () => {
    await expect(fetch('http://192.0.2.1:81/')).rejects.toThrow();
    const ws = new WebSocket('ws://192.0.2.1:82/');
    const wsErr = await new Promise<Error>((r) => ws.on('error', r));
    expect(wsErr.message).toContain('Loopback guard');
    expect(takeLoopbackEscapes().map((e) => `${e.host}:${e.port}`)).toEqual(['192.0.2.1:81', '192.0.2.1:82']);
    const venue = await binanceVenue();
    try {
      const c = spotClient(venue);
      expect(Object.keys(await c.loadMarkets())).toContain('BTC/USDT');
      await c.close();
    } finally {
      await venue.close();
    }
    expect(takeLoopbackEscapes()).toEqual([]);
    expect(['127.0.0.1', 'localhost', '::1', '[::1]', '127.8.9.10'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', 'api.binance.com', '::ffff:10.0.0.1', '0.0.0.0'].some(isLoopbackHost)).toBe(false);
  });

  it('fails a test that tried to leave loopback even when the test swallowed the error', async () => {
    const require = createRequire(import.meta.url);
    const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
    const config = fileURLToPath(new URL('./fixtures/vitest.config.ts', import.meta.url));
    const out = await new Promise<{ code: number; text: string }>((resolve) => {
      execFile(
        process.execPath,
        [vitest, 'run', '--config', config],
        { timeout: 60_000, env: { ...process.env, CI: '1', NO_COLOR: '1', FORCE_COLOR: undefined } },
        (e, stdout, stderr) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, text: stdout + stderr }),
      );
    });
    expect(out.text).toContain('This test tried to leave loopback 1 time(s): connect 192.0.2.1:81');
    expect(out.code).toBe(1);
  }, 70_000);
});
