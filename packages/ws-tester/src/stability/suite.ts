/**
 * runStabilitySuite: puts a user's WebSocket client through the situations that break trading
 * clients in production — steady traffic, a flood, a dropped connection, a server restart, an
 * auth failure, malformed frames — each against a fresh mock server, and reports per scenario.
 */
import { TradeKitError, describeValue } from '@tradekit/types';
import { type MockServer, createMockServer } from '../mock/server.js';

/** The scenarios, in the order they run. */
export const STABILITY_SCENARIOS = [
  'normal',
  'high-rate',
  'connection-drop',
  'reconnection',
  'auth-failure',
  'malformed',
] as const;

/** Name of one scenario. */
export type StabilityScenarioName = (typeof STABILITY_SCENARIOS)[number];

/**
 * What the suite needs from the client under test. The suite's server sends JSON messages
 * `{ "type": "tick", "seq": n }`; `received()` returns what the client delivered to its
 * application so far — parsed objects or raw strings, in order.
 */
export interface StabilityClient {
  /** Messages the client delivered so far (objects, or JSON strings the suite parses). */
  received(): unknown[];
  /** Stops the client for good: close the socket and cancel reconnection. */
  close(): void | Promise<void>;
}

/** Context handed to `makeClient`. */
export interface StabilityContext {
  /** The scenario about to run. */
  scenario: StabilityScenarioName;
}

/** Builds a fresh client connected (or connecting) to `url`. */
export type MakeStabilityClient = (
  url: string,
  context: StabilityContext,
) => StabilityClient | Promise<StabilityClient>;

/** Options for {@link runStabilitySuite}. */
export interface StabilityOptions {
  /** Scenarios to run. @default all of {@link STABILITY_SCENARIOS} */
  scenarios?: StabilityScenarioName[];
  /** Messages in the normal scenario. @default 100 */
  messages?: number;
  /** Messages in the high-rate scenario, sent as fast as the socket takes them. @default 10000 */
  highRateMessages?: number;
  /** Wall-clock limit for each wait (connect, deliver, reconnect), in ms. @default 5000 */
  timeoutMs?: number;
  /** How long the port stays closed in the reconnection scenario, in ms. @default 200 */
  downtimeMs?: number;
  /** How long the server refuses with 401 in the auth-failure scenario, in ms. @default 500 */
  authWindowMs?: number;
  /** Most connection attempts allowed during the auth window (more is a retry storm). @default 10 */
  maxAuthAttempts?: number;
}

/** The outcome of one scenario. */
export interface ScenarioResult {
  /** Scenario name. */
  name: StabilityScenarioName;
  /** True when every check held. */
  passed: boolean;
  /** Wall time the scenario took, in ms. */
  durationMs: number;
  /** Measured figures, e.g. `messagesPerSecond`, `reconnectMs`, `attempts`. */
  figures: Record<string, number>;
  /** What went wrong, one sentence each. */
  errors: string[];
}

/** The suite's result. */
export interface StabilityReport {
  /** True when every scenario passed. */
  passed: boolean;
  /** One result per scenario, in run order. */
  scenarios: ScenarioResult[];
}

interface Ctx {
  server: MockServer;
  client: StabilityClient;
  opts: Required<StabilityOptions>;
  figures: Record<string, number>;
  errors: string[];
}

const now = () => performance.now();

function ticksOf(client: StabilityClient, errors: string[]): number[] {
  let list: unknown[];
  try {
    list = client.received();
  } catch (err) {
    errors.push(`received() threw: ${(err as Error).message}`);
    return [];
  }
  const out: number[] = [];
  for (const item of list) {
    let m = item;
    if (typeof m === 'string') {
      try {
        m = JSON.parse(m);
      } catch {
        continue;
      }
    }
    if (
      typeof m === 'object' &&
      m !== null &&
      (m as { type?: unknown }).type === 'tick' &&
      typeof (m as { seq?: unknown }).seq === 'number'
    ) {
      out.push((m as { seq: number }).seq);
    }
  }
  return out;
}

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = now() + timeoutMs;
  while (!cond()) {
    if (now() > end) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/** Checks that ticks `from..to` all arrived, each once, in order (after any earlier ones). */
function checkRange(seqs: number[], from: number, to: number, errors: string[]): boolean {
  const inRange = seqs.filter((s) => s >= from && s <= to);
  const missing = to - from + 1 - new Set(inRange).size;
  if (missing > 0) {
    errors.push(`Expected ticks ${from}..${to}, ${missing} missing (got ${inRange.length}).`);
    return false;
  }
  if (inRange.length !== to - from + 1) {
    errors.push(`Expected each tick ${from}..${to} once, got ${inRange.length - (to - from + 1)} duplicates.`);
    return false;
  }
  for (let i = 1; i < inRange.length; i++) {
    if ((inRange[i] as number) < (inRange[i - 1] as number)) {
      errors.push(`Expected ticks in order, got ${inRange[i - 1]} before ${inRange[i]}.`);
      return false;
    }
  }
  return true;
}

async function sendTicks(server: MockServer, from: number, to: number): Promise<void> {
  for (let seq = from; seq <= to; seq++) {
    server.send({ type: 'tick', seq });
    // Yield now and then so a flood does not starve the event loop the client shares.
    if (seq % 1000 === 0) await new Promise((r) => setImmediate(r));
  }
}

async function waitConnected(ctx: Ctx, what: string): Promise<boolean> {
  try {
    await ctx.server.connectedWithin(ctx.opts.timeoutMs);
    return true;
  } catch {
    ctx.errors.push(`The client did not ${what} within ${ctx.opts.timeoutMs} ms.`);
    return false;
  }
}

async function deliver(ctx: Ctx, from: number, to: number): Promise<boolean> {
  const ok = await until(() => {
    const seqs = ticksOf(ctx.client, ctx.errors);
    return seqs.filter((s) => s >= from && s <= to).length >= to - from + 1;
  }, ctx.opts.timeoutMs);
  return checkRange(ticksOf(ctx.client, ctx.errors), from, to, ctx.errors) && ok;
}

const scenarios: Record<
  StabilityScenarioName,
  { server?: Parameters<typeof createMockServer>[0]; run(ctx: Ctx): Promise<boolean> }
> = {
  normal: {
    async run(ctx) {
      if (!(await waitConnected(ctx, 'connect'))) return false;
      const t0 = now();
      await sendTicks(ctx.server, 1, ctx.opts.messages);
      const ok = await deliver(ctx, 1, ctx.opts.messages);
      ctx.figures.messages = ctx.opts.messages;
      ctx.figures.deliveryMs = now() - t0;
      return ok;
    },
  },
  'high-rate': {
    async run(ctx) {
      if (!(await waitConnected(ctx, 'connect'))) return false;
      const n = ctx.opts.highRateMessages;
      const t0 = now();
      await sendTicks(ctx.server, 1, n);
      const ok = await deliver(ctx, 1, n);
      const ms = now() - t0;
      ctx.figures.messages = n;
      ctx.figures.deliveryMs = ms;
      ctx.figures.messagesPerSecond = Math.round((n / Math.max(ms, 0.001)) * 1000);
      return ok;
    },
  },
  'connection-drop': {
    async run(ctx) {
      if (!(await waitConnected(ctx, 'connect'))) return false;
      await sendTicks(ctx.server, 1, 10);
      if (!(await deliver(ctx, 1, 10))) return false;
      const t0 = now();
      ctx.server.error();
      if (!(await waitConnected(ctx, 'reconnect after an abrupt drop (1006)'))) return false;
      ctx.figures.reconnectMs = now() - t0;
      await sendTicks(ctx.server, 11, 20);
      return deliver(ctx, 11, 20);
    },
  },
  reconnection: {
    async run(ctx) {
      if (!(await waitConnected(ctx, 'connect'))) return false;
      await sendTicks(ctx.server, 1, 10);
      if (!(await deliver(ctx, 1, 10))) return false;
      const t0 = now();
      // A restart announced with 1012 (service restart), then the port is closed for a while.
      await ctx.server.restart({ code: 1012, downtime: ctx.opts.downtimeMs * 1000 });
      if (!(await waitConnected(ctx, `reconnect after a server restart with ${ctx.opts.downtimeMs} ms downtime`)))
        return false;
      ctx.figures.reconnectMs = now() - t0;
      await sendTicks(ctx.server, 11, 20);
      return deliver(ctx, 11, 20);
    },
  },
  'auth-failure': {
    server: { authenticate: () => false },
    async run(ctx) {
      await new Promise((r) => setTimeout(r, ctx.opts.authWindowMs));
      const attempts = ctx.server.connectionAttempts;
      ctx.figures.attempts = attempts;
      ctx.figures.windowMs = ctx.opts.authWindowMs;
      let ok = true;
      if (attempts === 0) {
        ctx.errors.push('The client never tried to connect.');
        ok = false;
      }
      if (attempts > ctx.opts.maxAuthAttempts) {
        ctx.errors.push(
          `Expected at most ${ctx.opts.maxAuthAttempts} connection attempts in ${ctx.opts.authWindowMs} ms of HTTP 401, got ${attempts}: back off (or stop) on auth failures.`,
        );
        ok = false;
      }
      return ok;
    },
  },
  malformed: {
    async run(ctx) {
      if (!(await waitConnected(ctx, 'connect'))) return false;
      ctx.server.send({ type: 'tick', seq: 1 });
      if (!(await deliver(ctx, 1, 1))) return false;
      for (const c of ctx.server.clients) {
        c.sendRaw('{"type":"tick","seq":');
        c.sendRaw('not json at all');
        c.sendRaw(new Uint8Array([0xff, 0x00, 0x7b]));
        c.sendRaw('{"type":"tick","seq":"two"}');
        c.sendRaw('{"type":"unknown-kind"}');
      }
      // A ping answered after the bad frames proves the client read them and kept the socket;
      // a client that gave up closes instead and must reconnect to get the next ticks.
      const settled = ctx.server.clients.map(
        (c) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ctx.opts.timeoutMs);
            const done = () => {
              clearTimeout(timer);
              resolve();
            };
            c.socket.once('pong', done);
            void c.closed.then(done);
            if (c.isOpen) c.socket.ping();
          }),
      );
      await Promise.all(settled);
      if (
        ctx.server.clients.length === 0 &&
        !(await waitConnected(ctx, 'reconnect after closing on a malformed frame'))
      )
        return false;
      await sendTicks(ctx.server, 2, 5);
      ctx.figures.malformedFrames = 5;
      return deliver(ctx, 2, 5);
    },
  },
};

function checkOptions(options: StabilityOptions): Required<StabilityOptions> {
  const positive = (field: keyof StabilityOptions, value: unknown, def: number): number => {
    if (value === undefined) return def;
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new TradeKitError(
        'WS_STABILITY_INVALID',
        `Expected \`${field}\` to be an integer ≥ 1, got ${describeValue(value)}.`,
        {
          details: { field, value },
        },
      );
    }
    return value as number;
  };
  const list = options.scenarios ?? [...STABILITY_SCENARIOS];
  for (const s of list) {
    if (!(STABILITY_SCENARIOS as readonly string[]).includes(s)) {
      throw new TradeKitError(
        'WS_STABILITY_INVALID',
        `Expected \`scenarios\` to hold names from ${STABILITY_SCENARIOS.join(', ')}, got ${describeValue(s)}.`,
        {
          details: { field: 'scenarios', value: s },
        },
      );
    }
  }
  return {
    scenarios: list,
    messages: positive('messages', options.messages, 100),
    highRateMessages: positive('highRateMessages', options.highRateMessages, 10_000),
    timeoutMs: positive('timeoutMs', options.timeoutMs, 5000),
    downtimeMs: positive('downtimeMs', options.downtimeMs, 200),
    authWindowMs: positive('authWindowMs', options.authWindowMs, 500),
    maxAuthAttempts: positive('maxAuthAttempts', options.maxAuthAttempts, 10),
  };
}

/**
 * Runs the stability scenarios against clients built by `makeClient` (one fresh client and
 * one fresh mock server per scenario) and reports each. Never throws for a failing client.
 *
 * @example
 * const report = await runStabilitySuite((url) => {
 *   const client = new MyFeedClient(url); // reconnects with backoff
 *   return { received: () => client.messages, close: () => client.stop() };
 * });
 * expect(report.passed).toBe(true);
 */
export async function runStabilitySuite(
  makeClient: MakeStabilityClient,
  options: StabilityOptions = {},
): Promise<StabilityReport> {
  if (typeof makeClient !== 'function') {
    throw new TradeKitError(
      'WS_STABILITY_INVALID',
      `Expected \`makeClient\` to be a function (url) => client, got ${describeValue(makeClient)}.`,
      {
        details: { field: 'makeClient', value: makeClient },
      },
    );
  }
  const opts = checkOptions(options);
  const results: ScenarioResult[] = [];
  for (const name of opts.scenarios) {
    const def = scenarios[name];
    const server = await createMockServer({ json: true, ...def.server });
    const errors: string[] = [];
    const figures: Record<string, number> = {};
    const t0 = now();
    let passed = false;
    let client: StabilityClient | undefined;
    try {
      client = await makeClient(server.url, { scenario: name });
      passed = await def.run({ server, client, opts, figures, errors });
    } catch (err) {
      errors.push(`The client threw: ${err instanceof Error ? err.message : String(err)}`);
      passed = false;
    } finally {
      try {
        await client?.close();
      } catch (err) {
        errors.push(`close() threw: ${err instanceof Error ? err.message : String(err)}`);
      }
      await server.stop();
    }
    results.push({ name, passed: passed && errors.length === 0, durationMs: now() - t0, figures, errors });
  }
  return { passed: results.every((r) => r.passed), scenarios: results };
}
