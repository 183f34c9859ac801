import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FLOWS, flowDigest } from './equivalence/flows.js';

const golden = JSON.parse(readFileSync(new URL('./equivalence/golden.json', import.meta.url), 'utf8')) as {
  flows: number;
  sha256: string[];
};

describe('equivalence with the exchange before the redesign', () => {
  it(`${FLOWS} seeded flows give byte-identical event logs`, () => {
    expect(golden.flows).toBe(FLOWS);
    expect(golden.sha256).toHaveLength(FLOWS);
    const differ: number[] = [];
    for (let seed = 0; seed < FLOWS; seed++) if (flowDigest(seed) !== golden.sha256[seed]) differ.push(seed);
    expect(differ).toEqual([]);
  });
});
