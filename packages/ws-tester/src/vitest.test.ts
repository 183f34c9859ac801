import { describe, expect } from 'vitest';
import { openProbe } from './mock/probe.js';
import type { MockServer } from './mock/server.js';
import { createWsTest, wsTest as test } from './vitest.js';

describe('vitest matchers', () => {
  test('toReceiveMessage with exact, partial and asymmetric matching', async ({ mockServer }) => {
    const p = await openProbe(mockServer.url);
    p.socket.send(JSON.stringify({ op: 'subscribe', symbol: 'MNQ', depth: { levels: 10, agg: true } }));
    p.socket.send(JSON.stringify({ op: 'subscribe', symbol: 'ES' }));
    p.socket.send(JSON.stringify({ op: 'ping', id: 3 }));
    await expect(mockServer).toReceiveMessage({ op: 'subscribe', symbol: 'MNQ', depth: { levels: 10, agg: true } });
    await expect(mockServer).toReceiveMessage({ symbol: 'ES' }, { partial: true });
    await expect(mockServer).toReceiveMessage(expect.objectContaining({ op: 'ping' }));
    expect(mockServer).toHaveReceivedMessages([
      { op: 'ping', id: 3 },
      { op: 'subscribe', symbol: 'ES' },
    ]);
    expect(mockServer).toHaveReceivedMessages([{ depth: { levels: 10 } }], { partial: true });
    expect(mockServer).not.toHaveReceivedMessages([{ op: 'unsubscribe' }]);
    p.socket.close();
  });

  test('deep partial matching compares nested objects on listed keys only', async ({ mockServer }) => {
    const p = await openProbe(mockServer.url);
    p.socket.send(JSON.stringify({ op: 'order', order: { side: 'buy', qty: 2, price: 18000.25 } }));
    await expect(mockServer).toReceiveMessage({ order: { side: 'buy' } }, { partial: true });
    p.socket.close();
  });

  test('"received nothing": not.toReceiveMessage() passes on silence and fails on a message', async ({
    mockServer,
  }) => {
    const p = await openProbe(mockServer.url);
    await expect(mockServer).not.toReceiveMessage(undefined, { timeout: 50 });
    p.socket.send('{"late":true}');
    await expect(expect(mockServer).not.toReceiveMessage(undefined, { timeout: 1000 })).rejects.toThrow(
      /Expected the mock server to receive nothing within 1000 ms, but it received/,
    );
    p.socket.close();
  });

  test('a timeout fails with a clear message', async ({ mockServer }) => {
    await expect(expect(mockServer).toReceiveMessage({ op: 'x' }, { timeout: 30 })).rejects.toThrow(
      'Expected the mock server to receive a message equal to {"op": "x"} within 30 ms, but it received nothing.',
    );
  });

  test('a mismatch shows what came', async ({ mockServer }) => {
    const p = await openProbe(mockServer.url);
    p.socket.send('{"op":"b"}');
    await expect(expect(mockServer).toReceiveMessage({ op: 'a' })).rejects.toThrow(
      /to equal \{"op": "a"\}, received \{"op": "b"\}/,
    );
    p.socket.close();
  });

  test('a frame that is not JSON is named as such, with its text, instead of "received nothing"', async ({
    mockServer,
  }) => {
    const p = await openProbe(mockServer.url);
    p.socket.send('hello, not json');
    await expect(expect(mockServer).toReceiveMessage({ op: 'subscribe' }, { timeout: 300 })).rejects.toThrow(
      'but no usable message came: 1 frame arrived that was rejected (WS_INVALID_JSON: not JSON), the first: "hello, not json".',
    );
    const client = await mockServer.connected;
    expect(client.invalidFrames).toEqual([{ code: 'WS_INVALID_JSON', frame: 'hello, not json', client: 0 }]);
    p.socket.close();
  });

  test('a mismatch message does not repeat the diff (vitest prints it once from expected/actual)', async ({
    mockServer,
  }) => {
    const p = await openProbe(mockServer.url);
    p.socket.send('{"op":"b","n":1}');
    const error = await expect(mockServer)
      .toReceiveMessage({ op: 'a', n: 1 })
      .then(
        () => undefined,
        (e: unknown) => e as Error & { expected?: unknown; actual?: unknown },
      );
    expect(error?.message).toBe(
      'Expected the next message of the mock server to equal {"n": 1, "op": "a"}, received {"n": 1, "op": "b"}.',
    );
    expect(error?.message).not.toMatch(/- Expected|\+ Received/);
    p.socket.close();
  });

  test('works on one client too', async ({ mockServer }) => {
    const a = await openProbe(mockServer.url);
    const b = await openProbe(mockServer.url);
    const ca = await mockServer.connected;
    const cb = await mockServer.connected;
    b.socket.send('{"from":"b"}');
    a.socket.send('{"from":"a"}');
    await expect(ca).toReceiveMessage({ from: 'a' });
    await expect(cb).toReceiveMessage({ from: 'b' });
    a.socket.close();
    b.socket.close();
  });

  test('rejects values that are not mock servers with WS_MATCHER_INVALID', async () => {
    await expect(expect({}).toReceiveMessage('x')).rejects.toMatchObject({ code: 'WS_MATCHER_INVALID' });
  });
});

describe('fixture auto-cleanup', () => {
  let leaked: MockServer | undefined;
  const echoTest = createWsTest({ echo: true });
  echoTest('uses a raw echo server', async ({ mockServer }) => {
    leaked = mockServer;
    const p = await openProbe(mockServer.url);
    p.socket.send('hi');
    expect((await p.frames.next()).data).toBe('hi');
  });
  echoTest('the previous test server was stopped', async () => {
    expect(leaked).toBeDefined();
    await expect(openProbe((leaked as MockServer).url)).rejects.toThrow(/ECONNREFUSED/);
  });
});
