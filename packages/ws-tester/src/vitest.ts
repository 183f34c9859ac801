/**
 * `@tradekit/ws-tester/vitest`: vitest matchers for the mock server and a `test.extend` fixture
 * that starts a server per test and stops it afterwards. Importing this module registers the
 * matchers with `expect.extend`.
 *
 * @example
 * import { wsTest as test } from '@tradekit/ws-tester/vitest';
 * test('subscribes', async ({ mockServer, expect }) => {
 *   const ws = new WebSocket(mockServer.url);
 *   await expect(mockServer).toReceiveMessage({ op: 'subscribe' }, { partial: true });
 * });
 * @packageDocumentation
 */
import { TradeKitError, describeValue } from '@tradekit/types';
import { expect, test } from 'vitest';
import { type MockServer, type MockServerOptions, createMockServer } from './mock/server.js';
import type { MessageQueue } from './mock/queue.js';
import { matchesPartial } from './protocol/json.js';

/** Options of {@link WsMatchers.toReceiveMessage}. */
export interface ReceiveMessageOptions {
  /** How long to wait for the next message, in ms. @default 1000 */
  timeout?: number;
  /** Match objects partially (only the keys `expected` lists, recursively). @default false */
  partial?: boolean;
}

/** The matchers this module adds to `expect`. */
export interface WsMatchers<R = unknown> {
  /**
   * Waits for the next message the server (or one client) receives and compares it with
   * `expected` (vitest equality: asymmetric matchers such as `expect.objectContaining` work).
   * Without `expected`, passes when any message arrives; `.not` with no argument asserts that
   * nothing arrives within the timeout.
   */
  toReceiveMessage(expected?: unknown, options?: ReceiveMessageOptions): Promise<R>;
  /** Checks that every message in `expected` is among those received so far (in any order). */
  toHaveReceivedMessages(expected: unknown[], options?: { partial?: boolean }): R;
}

declare module 'vitest' {
  // biome-ignore lint/suspicious/noExplicitAny: must match vitest's own declaration
  interface Matchers<T = any> extends WsMatchers<T> {}
}

interface Source {
  kind: string;
  queue: MessageQueue<unknown>;
  /** Frames that arrived but were not usable (not JSON…), when the source keeps them. */
  invalid: Array<{ code: string; frame: string }>;
}

/** Finds the message log of a MockServer or MockClient by shape (this entry may hold its own copy of the classes). */
function sourceOf(received: unknown): Source {
  const r = received as { inbox?: MessageQueue<unknown>; received?: MessageQueue<unknown> };
  const q = r && typeof r === 'object' ? (r.inbox ?? r.received) : undefined;
  if (!q || typeof (q as MessageQueue<unknown>).nextWithin !== 'function') {
    throw new TradeKitError(
      'WS_MATCHER_INVALID',
      `Expected the value under test to be a MockServer or a MockClient, got ${describeValue(received)}. Write \`await expect(server).toReceiveMessage(…)\`.`,
    );
  }
  const invalid = (r as { invalidFrames?: Source['invalid'] }).invalidFrames ?? [];
  return { kind: r.inbox ? 'the mock server' : 'the mock client', queue: q, invalid };
}

function same(
  equals: (a: unknown, b: unknown) => boolean,
  actual: unknown,
  expected: unknown,
  partial: boolean,
): boolean {
  if (!partial) return equals(actual, expected);
  if (typeof expected === 'object' && expected !== null && !Array.isArray(expected)) {
    return (
      matchesPartial(actual, expected) || equals(actual, expect.objectContaining(expected as Record<string, unknown>))
    );
  }
  return matchesPartial(actual, expected) || equals(actual, expected);
}

interface MatcherUtils {
  stringify(value: unknown, maxDepth?: number, options?: { min?: boolean; maxLength?: number }): string;
  diff(a: unknown, b: unknown): string | null;
}

/** One-line rendering for the headline (the diff below shows the detail). */
function show(utils: MatcherUtils, value: unknown): string {
  return utils.stringify(value, 6, { min: true, maxLength: 400 });
}

/** The matcher implementations, for `expect.extend(wsMatchers)` in a setup file if you prefer. */
export const wsMatchers = {
  async toReceiveMessage(
    this: { isNot: boolean; equals: (a: unknown, b: unknown) => boolean; utils: MatcherUtils },
    received: unknown,
    expected?: unknown,
    options: ReceiveMessageOptions = {},
  ) {
    const { kind, queue, invalid } = sourceOf(received);
    const invalidBefore = invalid.length;
    const timeout = options.timeout ?? 1000;
    const what =
      expected === undefined
        ? 'a message'
        : `a message ${options.partial ? 'containing' : 'equal to'} ${show(this.utils, expected)}`;
    let message: unknown;
    try {
      message = await queue.nextWithin(timeout, 'a message');
    } catch {
      const bad = invalid.slice(invalidBefore);
      const first = bad[0];
      return {
        pass: false,
        message: () =>
          first
            ? `Expected ${kind} to receive ${what} within ${timeout} ms, but no usable message came: ${bad.length} frame${bad.length === 1 ? '' : 's'} arrived that ${bad.length === 1 ? 'was' : 'were'} rejected (${first.code}${first.code === 'WS_INVALID_JSON' ? ': not JSON' : ''}), the first: ${JSON.stringify(first.frame)}.`
            : `Expected ${kind} to receive ${what} within ${timeout} ms, but it received nothing.`,
      };
    }
    if (expected === undefined) {
      return {
        pass: true,
        message: () =>
          `Expected ${kind} to receive nothing within ${timeout} ms, but it received ${show(this.utils, message)}.`,
      };
    }
    const pass = same(this.equals, message, expected, options.partial ?? false);
    return {
      pass,
      message: () =>
        pass
          ? `Expected the next message of ${kind} not to be ${show(this.utils, expected)}, but it was.`
          : // vitest prints the diff of `expected` and `actual` below the message: not repeated here.
            `Expected the next message of ${kind} to ${options.partial ? 'contain' : 'equal'} ${show(this.utils, expected)}, received ${show(this.utils, message)}.`,
      actual: message,
      expected,
    };
  },

  toHaveReceivedMessages(
    this: { equals: (a: unknown, b: unknown) => boolean; utils: MatcherUtils },
    received: unknown,
    expected: unknown[],
    options: { partial?: boolean } = {},
  ) {
    const { kind, queue } = sourceOf(received);
    if (!Array.isArray(expected)) {
      throw new TradeKitError(
        'WS_MATCHER_INVALID',
        `Expected \`expected\` to be an array of messages, got ${describeValue(expected)}.`,
      );
    }
    const missing = expected.filter((e) => !queue.items.some((m) => same(this.equals, m, e, options.partial ?? false)));
    const pass = missing.length === 0;
    return {
      pass,
      message: () =>
        pass
          ? `Expected ${kind} not to have received ${show(this.utils, expected)}, but it had.`
          : `Expected ${kind} to have received ${show(this.utils, missing)}; it received ${show(this.utils, queue.items)}.`,
    };
  },
};

expect.extend(wsMatchers as never);

/** Fixtures provided by {@link wsTest}. */
export interface WsFixtures {
  /** A mock server started for this test and stopped after it. */
  mockServer: MockServer;
}

/**
 * Makes a `test` whose `mockServer` fixture is a mock server built with `options`,
 * started lazily when the test uses it and stopped after the test.
 *
 * @example
 * const test = createWsTest({ json: true, echo: true });
 * test('echo', async ({ mockServer }) => { … });
 */
export function createWsTest(options: MockServerOptions = {}) {
  return test.extend<WsFixtures>({
    // biome-ignore lint/correctness/noEmptyPattern: vitest reads the fixture's dependencies from this pattern
    mockServer: async ({}, use) => {
      const server = await createMockServer(options);
      try {
        await use(server);
      } finally {
        await server.stop();
      }
    },
  });
}

/** A `test` with a JSON-mode `mockServer` fixture that is stopped after each test. */
export const wsTest = createWsTest({ json: true });
