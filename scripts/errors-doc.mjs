#!/usr/bin/env node
// Builds docs/ERRORS.md, the one list of every error code, from docs/errors/<package>.md.
// Run after adding a code: `node scripts/errors-doc.mjs` (a test checks the file is up to date).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The text docs/ERRORS.md should have. */
export function renderErrorsDoc() {
  const dir = join(root, 'docs', 'errors');
  const order = (f) => (f === 'types.md' ? '' : f);
  const parts = readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort((a, b) => order(a).localeCompare(order(b)))
    .map((f) => readFileSync(join(dir, f), 'utf8').trim());
  return `# TradeKit error codes

Every error TradeKit raises on purpose is a \`TradeKitError\` with a stable \`code\` (never renamed
between versions), a message that says what was expected, what came and how to fix it, and
\`details\` (field, value, file, line, column where they apply). Check with \`isTradeKitError(err)\`,
which also works across duplicate copies of the package. Order rejections from the simulated
exchange carry the same codes in \`order.rejectReason\`.

This file is generated from \`docs/errors/*.md\` by \`node scripts/errors-doc.mjs\`.

${parts.join('\n\n')}
`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(join(root, 'docs', 'ERRORS.md'), renderErrorsDoc());
  console.log('wrote docs/ERRORS.md');
}
