import type { AddressInfo } from 'node:net';
import { type MarketEvent, isTradeKitError } from '@tradekit/types';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createFeedServer } from '../feed/server.js';
import { createEchoServer } from './echo-server.js';
import { createLatencyRecorder, mergeHistograms } from './histogram.js';
import { formatLoadSummary, mergeReports } from './report.js';
import { parseShard, runLoad } from './run.js';
import { parseThreshold } from './thresholds.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function server(
  onConnection: (ws: import('ws').WebSocket) => void,
  opts: ConstructorParameters<typeof WebSocketServer>[0] = {},
) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...opts });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', onConnection);
  closers.push(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  });
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
}
const echoServer = async () => {
  const echo = await createEchoServer();
  closers.push(() => echo.close());
  return echo.url;
};

async function code(p: unknown): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'ok';
  } catch (e) {
    return isTradeKitError(e) ? e.code : String(e);
  }
}

describe('runLoad', () => {
  it('drives closed-loop echo traffic and records every latency', async () => {
    const url = await echoServer();
    const progress: number[] = [];
    const report = await runLoad({
      url,
      connections: 4,
      duration: '400ms',
      workers: 0,
      thresholds: ['errors<1%', 'p99<10s', 'throughput>1'],
      onProgress: (p) => progress.push(p.received),
    });
    expect(report.connects).toEqual({ attempted: 4, succeeded: 4, failed: 0 });
    expect(report.messages.received).toBeGreaterThan(10);
    expect(report.messages.received).toBe(report.messages.sent);
    expect(report.latency.count).toBe(report.messages.received);
    expect(report.connectTime.count).toBe(4);
    expect(report.errors.total).toBe(0);
    expect(report.disconnects).toBe(0);
    expect(report.correctedForCoordinatedOmission).toBe(false);
    expect(report.passed).toBe(true);
    expect(report.thresholds.map((t) => t.passed)).toEqual([true, true, true]);
    expect(progress.at(-1)).toBe(report.messages.received);
    expect(formatLoadSummary(report)).toMatch(/result {5}PASSED/);
  });

  it('fails the run when a threshold is not met', async () => {
    const url = await echoServer();
    const report = await runLoad({
      url,
      connections: 2,
      duration: '200ms',
      workers: 0,
      thresholds: ['p50<1us', 'errors<5'],
    });
    expect(report.passed).toBe(false);
    expect(report.thresholds.map((t) => [t.expression, t.passed])).toEqual([
      ['p50<1us', false],
      ['errors<5', true],
    ]);
    expect(formatLoadSummary(report)).toContain('FAIL  p50<1us');
  });

  it('sends at a fixed rate, measuring from each request’s due time', async () => {
    const url = await echoServer();
    const report = await runLoad({ url, connections: 3, duration: '500ms', rate: 50, workers: 0 });
    expect(report.correctedForCoordinatedOmission).toBe(true);
    expect(report.rate).toBe(50);
    expect(report.messages.sent).toBeGreaterThan(0);
    // Bounded by the schedule: at most rate × duration per connection (+1 for the first).
    expect(report.messages.sent).toBeLessThanOrEqual(3 * (50 * 0.5 + 1));
    expect(report.messages.received).toBe(report.messages.sent);
    expect(report.latency.count).toBe(report.messages.sent);
  });

  it('splits connections over worker threads and merges their histograms', async () => {
    const url = await echoServer();
    const report = await runLoad({ url, connections: 4, duration: '500ms', workers: 2 });
    expect(report.workers).toBe(2);
    expect(report.connects.succeeded).toBe(4);
    expect(report.messages.received).toBeGreaterThan(0);
    expect(report.latency.count).toBe(report.messages.received);
  });

  it('receives a feed in subscribe mode, checking sequence numbers and latency from the send stamp', async () => {
    const events = function* (): Generator<MarketEvent> {
      for (let i = 0; i < 100_000; i++)
        yield { type: 'trade', symbol: i % 2 ? 'A' : 'B', ts: i, price: 1, size: 1, side: 'buy' };
    };
    const feed = await createFeedServer({ source: events(), rate: 2_000 });
    closers.push(() => feed.close());
    const report = await runLoad({
      url: feed.url,
      mode: 'subscribe',
      symbols: ['A', 'B'],
      connections: 3,
      duration: '400ms',
      workers: 0,
    });
    expect(report.messages.received).toBeGreaterThan(0);
    expect(report.latency.count).toBe(report.messages.received);
    expect(report.errors.byKind.gap ?? 0).toBe(0);
    expect(report.errors.total).toBe(0);
  });

  it('counts disconnects, refused handshakes and unreachable servers by kind', async () => {
    const dropping = await server((ws) => ws.on('message', () => ws.terminate()));
    const dropped = await runLoad({
      url: dropping,
      connections: 3,
      duration: '300ms',
      workers: 0,
      thresholds: ['disconnects<1'],
    });
    expect(dropped.disconnects).toBe(3);
    expect(dropped.errors.byKind.disconnect).toBe(3);
    expect(dropped.passed).toBe(false);

    const refusing = await server(() => {}, {
      verifyClient: (_info, cb) => cb(false, 401, 'Unauthorized'),
    });
    const refused = await runLoad({
      url: refusing,
      connections: 2,
      duration: '200ms',
      workers: 0,
      thresholds: ['errors<0.1%'],
    });
    expect(refused.errors.byKind.handshake).toBe(2);
    expect(refused.connects.failed).toBe(2);
    expect(refused.passed).toBe(false);

    const closedPort = await echoServer();
    await closers.pop()?.();
    const unreachable = await runLoad({ url: closedPort, connections: 2, duration: '200ms', workers: 0 });
    expect(unreachable.errors.byKind.connect).toBe(2);
  });

  it('a latency threshold with no samples fails (nothing listening), and says so', async () => {
    const closedPort = await echoServer();
    await closers.pop()?.();
    const report = await runLoad({
      url: closedPort,
      connections: 2,
      duration: '100ms',
      workers: 0,
      thresholds: ['p99<50ms', 'connect_p99<50ms', 'errors<1000'],
    });
    expect(report.thresholds.map((t) => [t.expression, t.passed, t.actual, t.note])).toEqual([
      ['p99<50ms', false, null, 'no samples'],
      ['connect_p99<50ms', false, null, 'no samples'],
      ['errors<1000', true, 2, undefined],
    ]);
    expect(report.passed).toBe(false);
    const summary = formatLoadSummary(report);
    expect(summary).toContain('FAIL  p99<50ms  (no samples)');
    expect(summary).toContain('FAIL  connect_p99<50ms  (no samples)');
    expect(summary).toMatch(/result {5}FAILED: threshold p99<50ms has no samples/);
    expect(summary).not.toContain('PASSED');
  });

  it('replies that never correlate give no samples: the run fails, with or without thresholds', async () => {
    const url = await server((ws) => ws.on('message', () => ws.send('{"unrelated":true}')));
    const withThreshold = await runLoad({ url, connections: 1, duration: '150ms', workers: 0, thresholds: ['p99<1s'] });
    expect(withThreshold.latency.count).toBe(0);
    expect(withThreshold.thresholds[0]).toMatchObject({ passed: false, note: 'no samples' });
    expect(withThreshold.passed).toBe(false);
    const bare = await runLoad({ url, connections: 1, duration: '150ms', workers: 0 });
    expect(bare.passed).toBe(false);
    expect(bare.failures?.join('\n')).toMatch(/no successful round trip/);
  });

  it('a run with errors never passes unless the user opted in (allowErrors, or an error threshold)', async () => {
    // echoes five messages per connection, then drops it: round trips and disconnect errors
    const url = await server((ws) => {
      let n = 0;
      ws.on('message', (d) => (++n > 5 ? ws.terminate() : ws.send(d)));
    });
    const run = (extra: object) => runLoad({ url, connections: 2, duration: '150ms', workers: 0, ...extra });
    const bare = await run({});
    expect(bare.errors.total).toBeGreaterThan(0);
    expect(bare.latency.count).toBeGreaterThan(0);
    expect(bare.passed).toBe(false);
    expect(formatLoadSummary(bare)).toMatch(/result {5}FAILED: \d+ errors/);
    expect((await run({ allowErrors: true })).passed).toBe(true);
    expect((await run({ thresholds: ['errors<100%'] })).passed).toBe(true);
    expect((await run({ thresholds: ['errors<1'] })).passed).toBe(false);
  });

  it('an empty run passes only with allowEmpty (and allowErrors for its unanswered requests)', async () => {
    const url = await server(() => {});
    const run = (extra: object) =>
      runLoad({ url, connections: 1, duration: '100ms', drainTimeout: '50ms', workers: 0, ...extra });
    expect((await run({ allowErrors: true })).passed).toBe(false);
    expect((await run({ allowEmpty: true })).passed).toBe(false);
    const both = await run({ allowEmpty: true, allowErrors: true });
    expect(both.passed).toBe(true);
    expect(both.failures).toEqual([]);
  });

  it('merges shard reports into one with exactly summed histograms', async () => {
    const url = await echoServer();
    const parts = [];
    for (const shard of ['1/2', '2/2']) {
      parts.push(
        await runLoad({ url, connections: 5, duration: '250ms', workers: 0, shard, thresholds: ['errors<1%'] }),
      );
    }
    expect(parts.map((p) => p.connections)).toEqual([3, 2]);
    const merged = mergeReports(JSON.parse(JSON.stringify(parts)));
    expect(merged.connections).toBe(5);
    expect(merged.shards).toEqual([
      { index: 1, count: 2 },
      { index: 2, count: 2 },
    ]);
    expect(merged.messages.received).toBe(parts[0]!.messages.received + parts[1]!.messages.received);
    expect(merged.latency.count).toBe(parts[0]!.latency.count + parts[1]!.latency.count);
    expect(merged.latency.max).toBe(Math.max(parts[0]!.latency.max, parts[1]!.latency.max));
    expect(merged.thresholds.map((t) => t.expression)).toEqual(['errors<1%']);
    expect(merged.passed).toBe(true);
    expect(await code(() => mergeReports([]))).toBe('WS_REPORT_INVALID');
    expect(await code(() => mergeReports([{ version: 2 } as never]))).toBe('WS_REPORT_INVALID');
  });

  it('correlates replies of a request-response server by id, and counts garbage as protocol errors', async () => {
    const replying = await server((ws) =>
      ws.on('message', (d) => {
        const req = JSON.parse(String(d));
        ws.send(JSON.stringify({ ok: true, result: 42, t: req.t, id: req.id }));
      }),
    );
    const good = await runLoad({ url: replying, connections: 2, duration: '300ms', workers: 0 });
    expect(good.messages.received).toBeGreaterThan(0);
    expect(good.latency.count).toBe(good.messages.received);
    expect(good.errors.total).toBe(0);

    const garbage = await server((ws) => ws.on('message', () => ws.send('nonsense')));
    const bad = await runLoad({ url: garbage, connections: 2, duration: '200ms', workers: 0, drainTimeout: '50ms' });
    expect(bad.errors.byKind.protocol).toBe(2);
    expect(bad.errors.byKind.unanswered).toBe(2);
    expect(bad.messages.received).toBe(0);
  });

  it('correlates by id for servers whose replies carry only the id', async () => {
    const seen: unknown[] = [];
    const rpc = await server((ws) =>
      ws.on('message', (d) => {
        const req = JSON.parse(String(d));
        if (seen.length < 1) seen.push(req);
        ws.send(JSON.stringify({ id: req.id, result: 'pong' }));
      }),
    );
    const ok = await runLoad({
      url: rpc,
      connections: 2,
      duration: '300ms',
      workers: 0,
      correlate: 'id',
      request: { op: 'ping' },
    });
    expect(seen[0]).toMatchObject({ op: 'ping' });
    expect(ok.messages.received).toBeGreaterThan(0);
    expect(ok.latency.count).toBe(ok.messages.received);
    expect(ok.errors.total).toBe(0);
    // Without id correlation such replies cannot be timed: each counts as a protocol error.
    const blind = await runLoad({ url: rpc, connections: 1, duration: '200ms', workers: 0, drainTimeout: '50ms' });
    expect(blind.errors.byKind.protocol).toBe(1);
    expect(await code(runLoad({ url: rpc, connections: 1, duration: '1s', workers: 0, request: { id: 1 } }))).toBe(
      'WS_LOAD_INVALID_OPTION',
    );
  });

  it('opens connections at the arrival rate and never past the end of the run', async () => {
    const url = await echoServer();
    // Due at 0 ms and 500 ms; the third would be due when the run ends, so it never opens.
    const report = await runLoad({ url, connections: 10, arrivalRate: 2, duration: '1s', workers: 0 });
    expect(report.connects.attempted).toBeGreaterThanOrEqual(1);
    expect(report.connects.attempted).toBeLessThanOrEqual(2);
    expect(report.connects.failed).toBe(0);
  });

  it('rejects bad options, non-loopback targets and unbounded runs', async () => {
    const ok = { url: 'ws://127.0.0.1:1', connections: 1, duration: '1s', workers: 0 };
    expect(await code(runLoad({ ...ok, url: 'ws://example.com' }))).toBe('WS_LOAD_NOT_LOOPBACK');
    expect(await code(runLoad({ ...ok, url: 'http://127.0.0.1:1' }))).toBe('WS_LOAD_INVALID_OPTION');
    expect(await code(runLoad({ ...ok, connections: 0 }))).toBe('WS_LOAD_INVALID_OPTION');
    expect(await code(runLoad({ ...ok, connections: 1_000_000 }))).toBe('WS_LOAD_INVALID_OPTION');
    expect(await code(runLoad({ ...ok, duration: '2h' }))).toBe('WS_LOAD_INVALID_OPTION');
    expect(await code(runLoad({ ...ok, duration: 'soon' }))).toBe('WS_LOAD_INVALID_OPTION');
    expect(await code(runLoad({ ...ok, rate: 0 }))).toBe('WS_LOAD_INVALID_OPTION');
    expect(await code(runLoad({ ...ok, thresholds: ['p99 < fast'] }))).toBe('WS_THRESHOLD_INVALID');
    expect(await code(() => parseShard('3/2'))).toBe('WS_LOAD_INVALID_OPTION');
    expect(parseShard(' 2/3 ')).toEqual({ index: 2, count: 3 });
  });
});

describe('parseThreshold', () => {
  it.each([
    ['p99<50ms', { metric: 'p99', op: '<', value: 50_000 }],
    ['p99.9 <= 2s', { metric: 'p999', op: '<=', value: 2_000_000 }],
    ['median<250us', { metric: 'p50', op: '<', value: 250 }],
    ['connect.p99<100ms', { metric: 'connect_p99', op: '<', value: 100_000 }],
    ['errors<0.1%', { metric: 'errors%', op: '<', value: 0.1 }],
    ['errors<5', { metric: 'errors', op: '<', value: 5 }],
    ['throughput>=1000/s', { metric: 'throughput', op: '>=', value: 1000 }],
    ['disconnects<1', { metric: 'disconnects', op: '<', value: 1 }],
  ])('reads %s', (text, expected) => {
    expect(parseThreshold(text)).toEqual({ expression: text.trim(), ...expected });
  });

  it.each(['p99<50', 'p99<<5ms', 'latency<5ms', 'errors<5ms', '', 'p99=5ms', 'throughput>5%'])(
    'rejects %j with WS_THRESHOLD_INVALID',
    async (text) => {
      expect(await code(() => parseThreshold(text))).toBe('WS_THRESHOLD_INVALID');
    },
  );
});

describe('mergeHistograms', () => {
  it('gives the same percentiles as one histogram of all the values', async () => {
    const values = Array.from({ length: 5000 }, (_, i) => ((i * 7919) % 100_000) + 1);
    const whole = await createLatencyRecorder();
    const a = await createLatencyRecorder();
    const b = await createLatencyRecorder();
    values.forEach((v, i) => {
      whole.record(v);
      (i % 3 ? a : b).record(v);
    });
    const one = mergeHistograms([whole.finish()]);
    const two = mergeHistograms([a.finish(), b.finish()]);
    expect({ ...two, histogram: '' }).toEqual({ ...one, histogram: '' });
    expect(one.count).toBe(5000);
  });

  it('is exported with its recorder from the package entry, for benches that merge across processes', async () => {
    const api = await import('../index.js');
    const r = await api.createLatencyRecorder();
    r.record(1500);
    r.record(0.2); // below the floor: counted as 1 µs
    const s = api.mergeHistograms([r.finish(), r.finish()]);
    expect([s.count, s.min, s.max]).toEqual([4, 1, 1500]);
  });
});

describe('coordinated omission', () => {
  it('counts a server stall in the latency of every request that was due during it (rate mode)', async () => {
    // Holds every reply until 800 ms after the first request arrived, then answers at once. The run
    // lasts 2 s, so the release comes well before its end even when the first request is late on a
    // busy machine (with a 400 ms stall in a 600 ms run, a 200 ms late start left replies in flight).
    let releaseAt: number | undefined;
    const held: Array<() => void> = [];
    const url = await server((ws) =>
      ws.on('message', (d) => {
        const reply = () => ws.readyState === ws.OPEN && ws.send(d);
        if (releaseAt === undefined) {
          releaseAt = 1;
          setTimeout(() => {
            releaseAt = 2;
            for (const r of held.splice(0)) r();
          }, 800);
        }
        if (releaseAt === 2) reply();
        else held.push(reply);
      }),
    );
    const report = await runLoad({ url, connections: 1, duration: '2s', rate: 100, workers: 0 });
    expect(report.errors.total).toBe(0);
    expect(report.latency.count).toBe(report.messages.sent);
    // Requests due in the first 600 ms of the stall waited ≥ 200 ms each: about 30 % of all
    // samples, so p90 must show the stall (a closed-loop sender would have recorded it once).
    expect(report.latency.p90).toBeGreaterThanOrEqual(200_000);
  });
});
