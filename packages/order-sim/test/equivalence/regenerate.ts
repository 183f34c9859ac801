/**
 * Writes `golden.json`: the SHA-256 of every equivalence flow's log. Run only to accept a change
 * of behaviour on purpose: `pnpm exec tsx test/equivalence/regenerate.ts`.
 */
import { writeFileSync } from 'node:fs';
import { FLOWS, flowDigest } from './flows.js';

const digests: string[] = [];
for (let seed = 0; seed < FLOWS; seed++) digests.push(flowDigest(seed));
writeFileSync(
  new URL('./golden.json', import.meta.url),
  `${JSON.stringify({ flows: FLOWS, sha256: digests }, null, 1)}\n`,
);
console.log(`wrote ${FLOWS} digests`);
