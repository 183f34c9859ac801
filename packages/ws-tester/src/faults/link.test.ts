/**
 * Invariants of FaultyLink on a VirtualClock with an in-memory sink (no sockets): timing faults
 * never lose or reorder, counting faults add exactly what they say, and a seed fixes the output.
 */
import { createHash } from 'node:crypto';
import { VirtualClock } from '@tradekit/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FaultPlan } from './link.js';
import type { FaultRule } from './script.js';

function run(
  rules: FaultRule[],
  messages: number,
  seed: number | string = 0,
): { out: string[]; times: number[]; ended: string | undefined } {
  const clock = new VirtualClock();
  const out: string[] = [];
  const times: number[] = [];
  let ended: string | undefined;
  const plan = new FaultPlan({ seed, rules }, clock);
  const link = plan.link(0, {
    write: (data) => {
      out.push(String(data));
      times.push(clock.now());
    },
    terminate: () => {
      ended = 'terminate';
    },
    close: (code) => {
      ended = `close ${code}`;
    },
  });
  for (let i = 0; i < messages; i++) {
    link.send(`m${i}`);
    clock.advanceBy(1000);
  }
  clock.runAll();
  return { out, times, ended };
}

const duration = fc.integer({ min: 0, max: 200_000 });
const timingRule: fc.Arbitrary<FaultRule> = fc.oneof(
  fc.record({ type: fc.constant('delay' as const), delay: duration, jitter: duration }),
  fc.record({ type: fc.constant('bandwidth' as const), bytesPerSecond: fc.integer({ min: 1, max: 100_000 }) }),
);

describe('FaultyLink invariants', () => {
  it('delay, jitter and bandwidth never lose, duplicate or reorder messages, and never deliver early', () => {
    fc.assert(
      fc.property(
        fc.array(timingRule, { maxLength: 3 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer(),
        (rules, n, seed) => {
          const { out, times } = run(rules, n, seed);
          expect(out).toEqual(Array.from({ length: n }, (_, i) => `m${i}`));
          const minDelay = rules.reduce((s, r) => s + (r.type === 'delay' ? (r.delay as number) : 0), 0);
          for (const [i, t] of times.entries()) expect(t).toBeGreaterThanOrEqual(i * 1000 + minDelay);
          for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1] as number);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('duplicate and burst add exactly times / count frames per selected message', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 30 }),
        (times, count, every, n) => {
          const { out } = run(
            [
              { type: 'duplicate', times, every },
              { type: 'burst', count, every, message: 'B' },
            ],
            n,
          );
          const selected = Math.floor(n / every); // the every-th, 2·every-th… of n messages
          expect(out.length).toBe(n + selected * (times + count));
          expect(out.filter((m) => m === 'B').length).toBe(selected * count);
        },
      ),
    );
  });

  it('drop at index k delivers exactly k messages, then terminates', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 30 }), duration, (k, n, delay) => {
        const { out, ended } = run(
          [
            { type: 'delay', delay },
            { type: 'drop', from: k },
          ],
          n,
        );
        expect(out.length).toBe(Math.min(k, n));
        expect(ended).toBe(k < n ? 'terminate' : undefined);
      }),
    );
  });

  it('is deterministic: the same seed gives byte-identical output and timing (golden hash)', () => {
    const rules: FaultRule[] = [
      { type: 'delay', delay: '5ms', jitter: '20ms' },
      { type: 'lose', probability: 0.1 },
      { type: 'duplicate', probability: 0.1 },
      { type: 'reorder', probability: 0.1 },
      { type: 'corrupt', kind: 'truncate', probability: 0.05 },
    ];
    const digest = (seed: number) => {
      const r = run(rules, 500, seed);
      return createHash('sha256')
        .update(JSON.stringify([r.out, r.times]))
        .digest('hex');
    };
    expect(digest(42)).toBe(digest(42));
    expect(digest(42)).not.toBe(digest(43));
    expect(digest(42)).toBe('fe77c077cabd80c741218861fb79f3c58a7f0c31d1d4fa7062e1bc0089277d27');
  });
});
