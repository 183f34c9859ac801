import { createMarket } from '@tradekit/market-sim';
import { fromEvents, replay } from '@tradekit/replay';
import { type MarketEvent, eventToJsonLine } from '@tradekit/types';
import { afterAll, describe, expect, it } from 'vitest';
import { describeEventSource, samplePath } from '../src/index.js';
import { schemaProblem } from '../src/contract.js';
import { makeChildProject, runChildVitest, srcIndex } from './helpers/child-vitest.js';

const ticks = { MNQ: 0.25, ES: 0.25 };

describeEventSource(
  'market-sim (two symbols, L2 book)',
  () => createMarket({ seed: 1, symbols: ['MNQ', 'ES'], duration: '10m', book: { levels: 5 } }),
  { tickSizes: ticks, minEvents: 5000 },
);

describeEventSource('replay of the bundled quotes and trades', () => replay(samplePath('mnq-quotes-trades')), {
  tickSizes: ticks,
  minEvents: 5000,
});

describeEventSource('replay of the bundled bars', () => replay(samplePath('mnq-1m-bars')), {
  tickSizes: ticks,
  maxEvents: 2000,
  minEvents: 1440,
});

describeEventSource(
  'replay of market-sim events merged with the bundled book snapshots',
  () =>
    replay([
      fromEvents(createMarket({ seed: 3, start: '2024-01-02T14:30:00Z', duration: '10m' }).take(3000)),
      samplePath('mnq-book'),
    ]),
  { tickSizes: ticks, minEvents: 2000 },
);

describe('schemaProblem', () => {
  it('names what is wrong with an event', () => {
    const q: MarketEvent = { type: 'quote', symbol: 'MNQ', ts: 1, bid: 10, bidSize: 1, ask: 9.75, askSize: 1 };
    expect(schemaProblem(q)).toBe('crossed quote: bid 10 > ask 9.75');
    expect(schemaProblem({ ...q, bid: 9.6 }, ticks)).toBe('price 9.6 is off the 0.25 tick grid of MNQ');
    expect(schemaProblem({ ...q, ts: 1.5 })).toBe('ts 1.5 is not an integer epoch µs');
    expect(schemaProblem({ type: 'tick', symbol: 'MNQ', ts: 1 })).toMatch(/^not a market event/);
    expect(schemaProblem({ ...q, bid: 9.5 }, ticks)).toBeUndefined();
  });
});

describe('the contract catches broken sources', () => {
  const project = makeChildProject('contract');
  afterAll(() => project.cleanup());

  it('fails an empty, an out-of-order, a non-deterministic and an invalid source', { timeout: 120_000 }, () => {
    const q = (ts: number, bid: number) => ({
      type: 'quote',
      symbol: 'MNQ',
      ts,
      bid,
      bidSize: 1,
      ask: bid + 0.25,
      askSize: 1,
    });
    project.write(
      'broken.test.ts',
      `import { describeEventSource } from ${JSON.stringify(srcIndex)};
let calls = 0;
describeEventSource('empty', () => []);
describeEventSource('out of order', () => [${JSON.stringify(q(2, 10))}, ${JSON.stringify(q(1, 10))}]);
describeEventSource('changes every time', () => [{ ...${JSON.stringify(q(1, 10))}, bid: 10 + ++calls * 0.25, ask: 20 }]);
describeEventSource('crossed', () => [${JSON.stringify(q(1, 10))}, { ...${JSON.stringify(q(2, 10))}, ask: 9 }]);
`,
    );
    const run = runChildVitest(project.dir);
    expect(run.status, run.output).toBe(1);
    const status = Object.fromEntries(run.tests.map((t) => [t.fullName, t.status]));
    const failed = Object.keys(status).filter((k) => status[k] === 'failed');
    expect(failed.sort()).toEqual(
      [
        'event source contract: empty yields at least 1 event',
        'event source contract: empty yields the same events from every fresh source',
        'event source contract: empty yields events in time order (ts never decreases)',
        'event source contract: empty yields only valid canonical events',
        'event source contract: out of order yields events in time order (ts never decreases)',
        'event source contract: changes every time yields the same events from every fresh source',
        'event source contract: crossed yields only valid canonical events',
      ].sort(),
    );
    const messages = run.tests.flatMap((t) => t.failureMessages).join('\n');
    expect(messages).toContain(
      'empty yielded 0 events, expected at least 1 (too few to check anything; an empty source proves nothing)',
    );
    expect(messages).toContain(
      `out of order: event #1 ${eventToJsonLine(q(1, 10) as MarketEvent)} comes after event #0`,
    );
    expect(messages).toContain('changes every time: event #0 differs between two fresh sources');
    expect(messages).toContain('crossed: event #1 is invalid: crossed quote: bid 10 > ask 9');
  });
});
