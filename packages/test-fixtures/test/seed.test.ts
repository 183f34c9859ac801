import { afterAll, describe, expect, it } from 'vitest';
import { seedFromName } from '../src/index.js';
import { makeChildProject, runChildVitest, srcIndex } from './helpers/child-vitest.js';

const project = makeChildProject('seed');
afterAll(() => project.cleanup());

/** A fixture-based test that always fails, with a message that depends on the market's data. */
function failingTest(name: string): string {
  return `import { test } from ${JSON.stringify(srcIndex)};
test(${JSON.stringify(name)}, async ({ market, expect }) => {
  await market.advance('90s');
  expect(market.price('MNQ').mid, 'the mid after 90 s').toBeLessThan(0);
});
`;
}

function failure(run: ReturnType<typeof runChildVitest>, name: string) {
  const t = run.tests.find((x) => x.fullName === name);
  expect(t, run.output).toBeDefined();
  expect(t?.status, run.output).toBe('failed');
  const message = (t?.failureMessages ?? []).join('\n');
  const mid = /expected (\d+(?:\.\d+)?) to be less than 0/.exec(message)?.[1];
  expect(mid, message).toBeDefined();
  return { message, mid };
}

describe('seeds', () => {
  it('a failing fixture-based test prints its seed, and re-running with that seed reproduces the failure', {
    timeout: 180_000,
  }, () => {
    const name = 'orders fill at a sane price';
    const otherName = 'a differently named test';
    project.write('first.test.ts', failingTest(name));
    project.write('other.test.ts', failingTest(otherName));
    const seed = seedFromName(name);

    const run = runChildVitest(project.dir);
    expect(run.status, run.output).toBe(1);
    const first = failure(run, name);
    expect(first.message).toContain(
      `[tradekit] test "${name}" ran with seed ${seed} (derived from the test name); reproduce with TRADEKIT_SEED=${seed}`,
    );
    // The other test has a seed of its own, so it sees other data.
    const other = failure(run, otherName);
    expect(other.mid).not.toBe(first.mid);

    // Re-run with the printed seed: the first test fails the same way, and so does the other one.
    const rerun = runChildVitest(project.dir, [], { TRADEKIT_SEED: String(seed) });
    expect(failure(rerun, name).mid).toBe(first.mid);
    const reproduced = failure(rerun, otherName);
    expect(reproduced.mid).toBe(first.mid);
    expect(reproduced.message).toContain(`ran with seed ${seed} (from TRADEKIT_SEED)`);
  });
});
