import type { QuoteEvent } from '@tradekit/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SymbolChannel } from './symbol-channel.js';

const q = (i: number): QuoteEvent => ({
  type: 'quote',
  symbol: 'A',
  ts: i,
  bid: i,
  bidSize: 1,
  ask: i + 1,
  askSize: 1,
});

describe('SymbolChannel', () => {
  it('replays exactly the frames from..seq while they are held, and nothing once they are not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: -2, max: 64 }),
        (history, n, from) => {
          const ch = new SymbolChannel<never>('A', history);
          for (let i = 1; i <= n; i++) ch.apply(q(i), (seq) => `f${seq}`);
          const got = ch.framesFrom(from);
          const held = history > 0 && from >= Math.max(1, n - history + 1) && from <= n + 1;
          if (held) expect(got).toEqual(Array.from({ length: n - from + 1 }, (_, k) => `f${from + k}`));
          else expect(got).toBeUndefined();
          expect(ch.seq).toBe(n);
          expect(ch.snapshot()).toMatchObject({ seq: n, quote: n > 0 ? q(n) : null });
        },
      ),
    );
  });
});
