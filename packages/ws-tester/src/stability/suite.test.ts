import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type StabilityClient, runStabilitySuite } from './suite.js';

/** A well-behaved client: parses defensively, reconnects with capped exponential backoff. */
function goodClient(url: string): StabilityClient {
  const messages: unknown[] = [];
  let stopped = false;
  let socket: WebSocket | undefined;
  let delay = 25;
  let timer: NodeJS.Timeout | undefined;
  const connect = () => {
    socket = new WebSocket(url);
    socket.on('open', () => {
      delay = 25;
    });
    socket.on('message', (data, binary) => {
      if (binary) return;
      try {
        const m = JSON.parse(data.toString());
        if (typeof m?.seq === 'number') messages.push(m);
      } catch {
        // a corrupt frame is dropped, the connection kept
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (stopped) return;
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 200);
    });
  };
  connect();
  return {
    received: () => messages,
    close: () => {
      stopped = true;
      clearTimeout(timer);
      socket?.terminate();
    },
  };
}

/** A broken client: no reconnect after a drop, gives up on the first bad frame, and retries a failed handshake at once. */
function brokenClient(url: string): StabilityClient {
  const messages: unknown[] = [];
  let stopped = false;
  let socket: WebSocket | undefined;
  const connect = () => {
    socket = new WebSocket(url);
    socket.on('message', (data) => {
      try {
        messages.push(JSON.parse(data.toString()));
      } catch {
        socket?.close();
      }
    });
    socket.on('unexpected-response', (_req, res) => {
      res.resume();
      socket?.terminate();
      if (!stopped) setImmediate(connect);
    });
    socket.on('error', () => {});
  };
  connect();
  return {
    received: () => messages,
    close: () => {
      stopped = true;
      socket?.terminate();
    },
  };
}

describe('runStabilitySuite', () => {
  it('passes a well-behaved reconnecting client on every scenario, with figures', async () => {
    const report = await runStabilitySuite(goodClient, { highRateMessages: 5000, downtimeMs: 100, authWindowMs: 300 });
    for (const s of report.scenarios) expect({ name: s.name, errors: s.errors }).toEqual({ name: s.name, errors: [] });
    expect(report.passed).toBe(true);
    expect(report.scenarios.map((s) => s.name)).toEqual([
      'normal',
      'high-rate',
      'connection-drop',
      'reconnection',
      'auth-failure',
      'malformed',
    ]);
    const byName = Object.fromEntries(report.scenarios.map((s) => [s.name, s]));
    expect(byName['high-rate']?.figures.messagesPerSecond).toBeGreaterThan(0);
    expect(byName['connection-drop']?.figures.reconnectMs).toBeGreaterThanOrEqual(0);
    expect(byName['auth-failure']?.figures.attempts).toBeGreaterThanOrEqual(1);
  });

  it('fails a broken client where it is broken, and says why', async () => {
    // A 2 s auth window: the broken client retries at once, so it passes 10 attempts even when a
    // loaded machine stretches each handshake (a 300 ms window saw only 10 on a CI run at load ~15).
    const report = await runStabilitySuite(brokenClient, { timeoutMs: 400, downtimeMs: 50, authWindowMs: 2000 });
    const verdict = Object.fromEntries(report.scenarios.map((s) => [s.name, s.passed]));
    expect(verdict).toEqual({
      normal: true,
      'high-rate': true,
      'connection-drop': false,
      reconnection: false,
      'auth-failure': false,
      malformed: false,
    });
    expect(report.passed).toBe(false);
    const errors = Object.fromEntries(report.scenarios.map((s) => [s.name, s.errors.join(' ')]));
    expect(errors['connection-drop']).toMatch(/did not reconnect after an abrupt drop/);
    expect(errors['auth-failure']).toMatch(/at most 10 connection attempts/);
    expect(errors.malformed).toMatch(/did not reconnect after closing on a malformed frame/);
  });

  it('reports a client factory that throws instead of throwing', async () => {
    const report = await runStabilitySuite(
      () => {
        throw new Error('cannot build');
      },
      { scenarios: ['normal'] },
    );
    expect(report.scenarios[0]).toMatchObject({ passed: false, errors: ['The client threw: cannot build'] });
  });

  it('validates its options with WS_STABILITY_INVALID', async () => {
    await expect(runStabilitySuite(goodClient, { scenarios: ['nope' as never] })).rejects.toMatchObject({
      code: 'WS_STABILITY_INVALID',
    });
    await expect(runStabilitySuite(goodClient, { messages: 0 })).rejects.toMatchObject({
      code: 'WS_STABILITY_INVALID',
    });
  });
});
