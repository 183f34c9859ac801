import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { start as run } from '../testing/run-cli.js';

describe('tradekit venue', () => {
  it('serves the ProjectX profile on a virtual clock that the control endpoint steps, and stops after --duration', async () => {
    const { out, code } = run(['venue', '--clock', 'virtual', '--symbols', 'MNQ', '--duration', '2s']);
    const url = await out.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const login = await fetch(`${url}/api/Auth/loginKey`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userName: 'trader', apiKey: 'sim-key' }),
    });
    const { token, success } = (await login.json()) as { token: string; success: boolean };
    expect(success).toBe(true);
    const adv = await fetch(`${url}/venue/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ by: '5s' }),
    });
    const status = (await adv.json()) as { eventsApplied: number };
    expect(status.eventsApplied).toBeGreaterThan(0);
    const place = await fetch(`${url}/api/Order/place`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ accountId: 1, contractId: 'CON.F.US.MNQ.U25', type: 2, side: 0, size: 1 }),
    });
    expect(((await place.json()) as { success: boolean }).success).toBe(true);
    expect(await code).toBe(0);
    expect(out.text()).toMatch(/stopped \(duration\): \d+ market events, 1 orders/);
  });

  it('exits 2 on a bad option value and on an unreadable instruments file', async () => {
    const bad = run(['venue', '--clock', 'sometimes', '--duration', '1s']);
    expect(await bad.code).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), 'tk-venue-'));
    const file = join(dir, 'instruments.json');
    writeFileSync(file, '{not json');
    const broken = run(['venue', '--instruments', file, '--duration', '1s']);
    expect(await broken.code).toBe(2);
    expect(await run(['venue', '--port', 'x']).code).toBe(2);
  });
});
