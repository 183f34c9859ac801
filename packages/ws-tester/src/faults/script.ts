/**
 * Fault scripts: a JSON-serialisable list of rules saying which faults hit which connection and
 * which message. The same script drives the mock server, the SignalR hub and the proxy, and the
 * same seed gives the same random choices on every run.
 */
import { TradeKitError, assertKnownKeys, describeValue, parseDuration } from '@tradekit/types';

/** A duration: microseconds as a number, or a string like `"50ms"` or `"1.5s"`. */
export type Duration = number | string;

/** What every rule may carry besides its own fields. */
export interface FaultRuleBase {
  /**
   * A stable name for the rule. Its seeded random draws (probability, jitter) come from a stream
   * named by `id`, or by the rule's content when there is no `id`, never by its position: adding
   * or moving other rules does not change which messages this rule hits.
   */
  id?: string;
}

/**
 * Which connections and messages a rule applies to. Every field narrows the selection; an empty
 * selector matches every message of every connection. Indices are 0-based: connections count
 * upgrade attempts on the server since it started, messages count frames sent to one connection
 * (message 0 is the first frame the server sends after the WebSocket upgrade).
 */
export interface FaultSelector extends FaultRuleBase {
  /** Only these connection attempts (0 = the first client to connect). */
  connections?: number[];
  /** Only these message indices (0-based). */
  messages?: number[];
  /** Messages from this index on (0-based). */
  from?: number;
  /** Messages up to this index (0-based, inclusive). */
  to?: number;
  /**
   * Every n-th message, counted from the first message of the connection: `every: 3` hits the
   * 3rd, 6th, 9th… (indices 2, 5, 8…), as `--corrupt-every 3` does. Combined with `from` / `to`,
   * a message must satisfy both.
   */
  every?: number;
  /** Chance in [0, 1] that a selected message is hit, drawn from the rule's seeded stream. */
  probability?: number;
}

/** Abrupt drop: the TCP socket is destroyed, the client sees close code 1006. */
export interface DropFault extends FaultSelector {
  type: 'drop';
  /** Drop this long after the connection opened instead of at a message. */
  after?: Duration;
}

/** Clean close with a code and reason (the message that triggers it is not sent). */
export interface CloseFault extends FaultSelector {
  type: 'close';
  /** Close code sent to the client. @default 1000 */
  code?: number;
  /** Close reason. @default "" */
  reason?: string;
  /** Close this long after the connection opened instead of at a message. */
  after?: Duration;
}

/** Refuse the WebSocket upgrade: answer with an HTTP status (401 = auth failure), or reset the TCP connection. */
export interface RejectFault extends FaultRuleBase {
  type: 'reject';
  /** HTTP status to answer the upgrade with; omit to destroy the socket with no answer. */
  status?: number;
  /** Only these connection attempts. @default all */
  connections?: number[];
  /** Chance in [0, 1] per attempt. @default 1 */
  probability?: number;
}

/** Delay each selected message by `delay` plus a uniform draw in [0, `jitter`); order is kept (as TCP does). */
export interface DelayFault extends FaultSelector {
  type: 'delay';
  /** Fixed delay. @default 0 */
  delay?: Duration;
  /** Extra random delay, uniform in [0, jitter). @default 0 */
  jitter?: Duration;
}

/** Corrupt the selected message before it is sent. */
export interface CorruptFault extends FaultSelector {
  type: 'corrupt';
  /**
   * `invalid-json`: the text is made unparsable; `truncate`: only the first half is sent;
   * `binary`: the same bytes in a binary frame; `oversized`: padded with spaces to `bytes`
   * (still valid JSON) so it exceeds the client's maximum payload.
   */
  kind: 'invalid-json' | 'truncate' | 'binary' | 'oversized';
  /** Size of an `oversized` frame in bytes. @default 2097152 (2 MiB) */
  bytes?: number;
}

/** Send the selected message `times` extra times in a row. */
export interface DuplicateFault extends FaultSelector {
  type: 'duplicate';
  /** Extra copies. @default 1 */
  times?: number;
}

/** Hold the selected message back and send it after the next one (swap with its successor). */
export interface ReorderFault extends FaultSelector {
  type: 'reorder';
}

/** Lose the selected message: it is never sent. */
export interface LoseFault extends FaultSelector {
  type: 'lose';
}

/** After the selected message, send `count` more at once: copies of it, or `message` when given. */
export interface BurstFault extends FaultSelector {
  type: 'burst';
  /** Number of extra messages sent back to back. */
  count: number;
  /** What to send instead of copies (strings as they are, anything else as JSON). */
  message?: unknown;
}

/** Cap the bytes per second delivered to each connection (a slow network); messages queue behind. */
export interface BandwidthFault extends FaultRuleBase {
  type: 'bandwidth';
  /** Bytes per second. */
  bytesPerSecond: number;
  /** Only these connection attempts. @default all */
  connections?: number[];
}

/** Stop answering the client's pings (and, in SignalR mode, stop sending keep-alive pings). */
export interface PingTimeoutFault extends FaultRuleBase {
  type: 'ping-timeout';
  /** Start this long after the connection opened. @default 0 */
  after?: Duration;
  /** Only these connection attempts. @default all */
  connections?: number[];
}

/** Stop reading what the client sends (slow consumer): the client's send buffer fills up. */
export interface SlowConsumerFault extends FaultRuleBase {
  type: 'slow-consumer';
  /** Start this long after the connection opened. @default 0 */
  after?: Duration;
  /** Only these connection attempts. @default all */
  connections?: number[];
}

/** One rule of a {@link FaultScript}. */
export type FaultRule =
  | DropFault
  | CloseFault
  | RejectFault
  | DelayFault
  | CorruptFault
  | DuplicateFault
  | ReorderFault
  | LoseFault
  | BurstFault
  | BandwidthFault
  | PingTimeoutFault
  | SlowConsumerFault;

/** A server-level event on the timeline, counted from when the server started. */
export interface RestartEvent {
  type: 'restart';
  /** When, after the server started listening. */
  at: Duration;
  /** How long the port stays closed. @default 0 */
  downtime?: Duration;
}

/**
 * A whole fault script: JSON-serialisable, so it can live in a file (`--fault-script faults.json`).
 *
 * @example
 * const script: FaultScript = {
 *   seed: 7,
 *   rules: [
 *     { type: 'delay', delay: '20ms', jitter: '10ms' },
 *     { type: 'drop', connections: [0], from: 100 },
 *     { type: 'corrupt', kind: 'invalid-json', probability: 0.01 },
 *   ],
 * };
 */
export interface FaultScript {
  /** Seed of the random choices (probability, jitter). @default 0 */
  seed?: number | string;
  /** Rules, applied in order to each message. */
  rules?: FaultRule[];
  /** Server-level events (restarts). */
  timeline?: RestartEvent[];
}

/**
 * A rule after validation, with durations in microseconds. `index` is its position (for messages);
 * `stream` names its seeded random stream (`id`, or the rule's content), so draws do not depend on position.
 */
export type NormalizedRule = FaultRule & {
  index: number;
  stream: string;
  afterUs?: number;
  delayUs?: number;
  jitterUs?: number;
};

/** A validated fault script. */
export interface NormalizedScript {
  seed: number | string;
  rules: NormalizedRule[];
  timeline: Array<{ atUs: number; downtimeUs: number }>;
}

const RULE_TYPES = [
  'drop',
  'close',
  'reject',
  'delay',
  'corrupt',
  'duplicate',
  'reorder',
  'lose',
  'burst',
  'bandwidth',
  'ping-timeout',
  'slow-consumer',
] as const;

const CORRUPT_KINDS = ['invalid-json', 'truncate', 'binary', 'oversized'] as const;

const SELECTOR_KEYS = ['type', 'id', 'connections', 'messages', 'from', 'to', 'every', 'probability'] as const;
/** The keys each rule type accepts; anything else is a typo to report, never a field to ignore. */
const RULE_KEYS: Record<(typeof RULE_TYPES)[number], readonly string[]> = {
  drop: [...SELECTOR_KEYS, 'after'],
  close: [...SELECTOR_KEYS, 'code', 'reason', 'after'],
  reject: ['type', 'id', 'status', 'connections', 'probability'],
  delay: [...SELECTOR_KEYS, 'delay', 'jitter'],
  corrupt: [...SELECTOR_KEYS, 'kind', 'bytes'],
  duplicate: [...SELECTOR_KEYS, 'times'],
  reorder: SELECTOR_KEYS,
  lose: SELECTOR_KEYS,
  burst: [...SELECTOR_KEYS, 'count', 'message'],
  bandwidth: ['type', 'id', 'bytesPerSecond', 'connections'],
  'ping-timeout': ['type', 'id', 'after', 'connections'],
  'slow-consumer': ['type', 'id', 'after', 'connections'],
};
const SCRIPT_KEYS = ['seed', 'rules', 'timeline'] as const;
const TIMELINE_KEYS = ['type', 'at', 'downtime'] as const;

/** Scripts that went through {@link normalizeFaultScript}; only these skip validation. */
const normalized = new WeakSet<object>();

/** True when `script` is the result of {@link normalizeFaultScript} (not merely shaped like one). */
export function isNormalizedScript(script: unknown): script is NormalizedScript {
  return typeof script === 'object' && script !== null && normalized.has(script);
}

/** JSON with sorted keys, so a rule's content names the same stream however its keys were written. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function bad(field: string, expectation: string, value: unknown, hint = ''): TradeKitError {
  return new TradeKitError(
    'WS_FAULT_INVALID',
    `Expected \`${field}\` to be ${expectation}, got ${describeValue(value)}.${hint ? ` ${hint}` : ''}`,
    { details: { field, value } },
  );
}

function duration(field: string, value: unknown): number {
  if (typeof value !== 'number' && typeof value !== 'string') {
    throw bad(field, 'a duration (µs as a number, or a string like "50ms")', value);
  }
  try {
    return parseDuration(value);
  } catch (err) {
    throw new TradeKitError(
      'WS_FAULT_INVALID',
      `Expected \`${field}\` to be a duration like "50ms" or a number of µs ≥ 0, got ${describeValue(value)}.`,
      {
        cause: err,
        details: { field, value },
      },
    );
  }
}

function intList(field: string, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v) && v >= 0)) {
    throw bad(field, 'an array of integers ≥ 0', value, 'Indices are 0-based.');
  }
}

function nonNegInt(field: string, value: unknown, min = 0): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || (value as number) < min) throw bad(field, `an integer ≥ ${min}`, value);
}

/**
 * Validates a fault script (from code or a parsed JSON file) and converts durations to µs.
 * Throws `WS_FAULT_INVALID` naming the first bad field.
 *
 * @example
 * normalizeFaultScript({ rules: [{ type: 'delay', delay: '50ms' }] }).rules[0].delayUs; // 50000
 */
export function normalizeFaultScript(
  script: FaultScript | FaultRule[] | NormalizedScript | undefined,
): NormalizedScript {
  if (isNormalizedScript(script)) return script;
  if (script === undefined) return brand({ seed: 0, rules: [], timeline: [] });
  const input: FaultScript = Array.isArray(script) ? { rules: script } : script;
  if (typeof input !== 'object' || input === null)
    throw bad('faults', 'a fault script object or an array of rules', input);
  assertKnownKeys(input, SCRIPT_KEYS, { code: 'WS_FAULT_INVALID', where: 'the fault script (faults)' });
  const seed = input.seed ?? 0;
  if (typeof seed !== 'number' && typeof seed !== 'string') throw bad('faults.seed', 'a number or a string', seed);
  const rawRules = input.rules ?? [];
  if (!Array.isArray(rawRules)) throw bad('faults.rules', 'an array of fault rules', rawRules);
  const seen = new Map<string, number>();
  const ids = new Set<string>();
  const rules = rawRules.map((rule, index) => {
    const out = normalizeRule(rule, index);
    if (out.id !== undefined) {
      if (ids.has(out.id)) {
        throw bad(`faults.rules[${index}].id`, 'unique among the rules', out.id, 'Each id names one random stream.');
      }
      ids.add(out.id);
    }
    // Identical rules without an id get #2, #3…: distinct streams, still independent of position.
    const n = (seen.get(out.stream) ?? 0) + 1;
    seen.set(out.stream, n);
    if (n > 1) out.stream = `${out.stream}#${n}`;
    return out;
  });
  const rawTimeline = input.timeline ?? [];
  if (!Array.isArray(rawTimeline)) throw bad('faults.timeline', 'an array of timeline events', rawTimeline);
  const timeline = rawTimeline.map((event, i) => {
    const f = `faults.timeline[${i}]`;
    if (typeof event !== 'object' || event === null || event.type !== 'restart') {
      throw bad(`${f}.type`, '"restart"', (event as { type?: unknown } | null)?.type);
    }
    assertKnownKeys(event, TIMELINE_KEYS, { code: 'WS_FAULT_INVALID', where: `${f} (a restart event)` });
    return {
      atUs: duration(`${f}.at`, event.at),
      downtimeUs: event.downtime === undefined ? 0 : duration(`${f}.downtime`, event.downtime),
    };
  });
  return brand({ seed, rules, timeline });
}

function brand(script: NormalizedScript): NormalizedScript {
  normalized.add(script);
  return script;
}

function normalizeRule(rule: FaultRule, index: number): NormalizedRule {
  const f = `faults.rules[${index}]`;
  if (typeof rule !== 'object' || rule === null) throw bad(f, 'a fault rule object', rule);
  if (!(RULE_TYPES as readonly string[]).includes(rule.type)) {
    throw bad(`${f}.type`, `one of ${RULE_TYPES.map((t) => `"${t}"`).join(', ')}`, rule.type);
  }
  assertKnownKeys(rule, RULE_KEYS[rule.type], { code: 'WS_FAULT_INVALID', where: `${f} (a ${rule.type} rule)` });
  if (rule.id !== undefined && (typeof rule.id !== 'string' || rule.id === '')) {
    throw bad(`${f}.id`, 'a non-empty string', rule.id);
  }
  const stream = rule.id !== undefined ? `id:${rule.id}` : `rule:${canonical(rule)}`;
  const out: NormalizedRule = { ...rule, index, stream };
  const r = rule as FaultRule & FaultSelector & { after?: unknown };
  intList(`${f}.connections`, r.connections);
  intList(`${f}.messages`, r.messages);
  nonNegInt(`${f}.from`, r.from);
  nonNegInt(`${f}.to`, r.to);
  nonNegInt(`${f}.every`, r.every, 1);
  if (r.probability !== undefined && !(typeof r.probability === 'number' && r.probability >= 0 && r.probability <= 1)) {
    throw bad(`${f}.probability`, 'a number from 0 to 1', r.probability);
  }
  if (r.after !== undefined) out.afterUs = duration(`${f}.after`, r.after);
  switch (rule.type) {
    case 'delay':
      out.delayUs = rule.delay === undefined ? 0 : duration(`${f}.delay`, rule.delay);
      out.jitterUs = rule.jitter === undefined ? 0 : duration(`${f}.jitter`, rule.jitter);
      break;
    case 'close':
      if (
        rule.code !== undefined &&
        !(
          Number.isInteger(rule.code) &&
          (rule.code === 1000 ||
            (rule.code >= 3000 && rule.code <= 4999) ||
            (rule.code >= 1001 && rule.code <= 1014 && rule.code !== 1004 && rule.code !== 1005 && rule.code !== 1006))
        )
      ) {
        throw bad(
          `${f}.code`,
          'a close code a server may send (1000, 1001–1003, 1007–1014, or 3000–4999)',
          rule.code,
          '1005 and 1006 are never sent on the wire; use a `drop` rule for 1006.',
        );
      }
      if (rule.reason !== undefined && (typeof rule.reason !== 'string' || Buffer.byteLength(rule.reason) > 123)) {
        throw bad(`${f}.reason`, 'a string of at most 123 bytes', rule.reason);
      }
      break;
    case 'reject':
      if (rule.status !== undefined && !(Number.isInteger(rule.status) && rule.status >= 400 && rule.status <= 599)) {
        throw bad(
          `${f}.status`,
          'an HTTP error status from 400 to 599',
          rule.status,
          'Omit it to reset the connection instead.',
        );
      }
      break;
    case 'corrupt':
      if (!(CORRUPT_KINDS as readonly string[]).includes(rule.kind)) {
        throw bad(`${f}.kind`, `one of ${CORRUPT_KINDS.map((t) => `"${t}"`).join(', ')}`, rule.kind);
      }
      nonNegInt(`${f}.bytes`, rule.bytes, 1);
      break;
    case 'duplicate':
      nonNegInt(`${f}.times`, rule.times, 1);
      break;
    case 'burst':
      if (!Number.isInteger(rule.count) || rule.count < 1) throw bad(`${f}.count`, 'an integer ≥ 1', rule.count);
      break;
    case 'bandwidth':
      if (
        !(typeof rule.bytesPerSecond === 'number' && rule.bytesPerSecond > 0 && Number.isFinite(rule.bytesPerSecond))
      ) {
        throw bad(`${f}.bytesPerSecond`, 'a finite number > 0', rule.bytesPerSecond);
      }
      break;
    default:
      break;
  }
  return out;
}
