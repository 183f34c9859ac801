// The mock server and the proxy with a real browser as the client (headless Chromium driven by
// playwright-core): a browser's WebSocket sees the same messages and the same faults as Node's.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxy } from '../proxy/proxy.js';
import { createMockServer } from './server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
// CI installs Chromium (.ci/run); there a missing browser is a failure, not a skip.
if (!available && process.env.CI)
  throw new Error(`Chromium not found at ${CHROMIUM}; .ci/run installs it with apt-get`);

describe.skipIf(!available)('a real browser as the client', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  /** Runs a WebSocket session inside the page: sends `send`, collects messages until close or `wantMessages`. */
  async function browserSession(url: string, send: unknown[], wantMessages: number) {
    const page = await browser.newPage();
    try {
      return await page.evaluate(
        ({ url, send, wantMessages }) =>
          new Promise<{ messages: string[]; closeCode: number | null }>((resolve) => {
            const messages: string[] = [];
            const ws = new WebSocket(url);
            const done = (closeCode: number | null) => resolve({ messages, closeCode });
            ws.onopen = () => {
              for (const m of send) ws.send(JSON.stringify(m));
            };
            ws.onmessage = (e) => {
              messages.push(String(e.data));
              if (messages.length === wantMessages) {
                ws.onclose = null;
                ws.close();
                done(null);
              }
            };
            ws.onclose = (e) => done(e.code);
            setTimeout(() => done(-1), 10_000);
          }),
        { url, send, wantMessages },
      );
    } finally {
      await page.close();
    }
  }

  it('talks JSON with the mock server: the server receives the browser frame and the browser the reply', async () => {
    // a browser page may take seconds to open on a busy machine
    await using server = await createMockServer({ json: true, timeout: 30_000 });
    server.handle({ op: 'subscribe' }, (m) => ({ op: 'subscribed', symbol: (m as { symbol: string }).symbol }));
    const session = browserSession(server.url, [{ op: 'subscribe', symbol: 'MNQ' }], 1);
    expect(await server.nextMessage).toEqual({ op: 'subscribe', symbol: 'MNQ' });
    const { messages } = await session;
    expect(messages.map((m) => JSON.parse(m))).toEqual([{ op: 'subscribed', symbol: 'MNQ' }]);
  });

  it('sees an injected abrupt drop as close code 1006', async () => {
    await using server = await createMockServer({ json: true, echo: true, faults: [{ type: 'drop', from: 1 }] });
    const { messages, closeCode } = await browserSession(server.url, [{ n: 0 }, { n: 1 }], 5);
    expect(messages.map((m) => JSON.parse(m))).toEqual([{ n: 0 }]);
    expect(closeCode).toBe(1006);
  });

  it('gets HTTP 401 from an auth fault on the proxy as a failed connection (1006, no message)', async () => {
    await using server = await createMockServer({ json: true, echo: true });
    await using proxy = await createProxy({ target: server.url, faults: [{ type: 'reject', status: 401 }] });
    const { messages, closeCode } = await browserSession(proxy.url, [{ n: 0 }], 1);
    expect(messages).toEqual([]);
    expect(closeCode).toBe(1006);
  });
});
