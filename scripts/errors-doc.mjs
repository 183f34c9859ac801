#!/usr/bin/env node
// Builds docs/ERRORS.md, the one list of every error code, from docs/errors/<package>.md, and the
// copies of the docs each package ships in its tarball (packages/<pkg>/docs/: its own error codes
// as ERRORS.md, plus the shared docs its README links), because a registry page cannot follow a
// link out of the package folder.
// Run after adding a code or editing a shared doc: `node scripts/errors-doc.mjs` (a test checks
// that every generated file is up to date).
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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

/** Shared docs (in docs/) that a package ships beside its own error codes. */
const SHARED_DOCS = {
  'DATA-FORMATS.md': ['types', 'market-sim', 'replay', 'cli'],
  'CLI.md': ['cli'],
};

/**
 * The docs each package ships, as `{ file: 'packages/<pkg>/docs/<NAME>.md', text }`: its error
 * codes (docs/errors/<pkg>.md) and the shared docs listed above (those that exist).
 */
export function renderPackageDocs() {
  const out = [];
  const header = (source) =>
    `<!-- Generated from ${source} by \`node scripts/errors-doc.mjs\`; edit that file, not this copy. -->\n\n`;
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    if (!existsSync(join(root, 'packages', pkg, 'package.json'))) continue;
    const errors = join(root, 'docs', 'errors', `${pkg}.md`);
    if (existsSync(errors)) {
      out.push({
        file: `packages/${pkg}/docs/ERRORS.md`,
        text: header(`docs/errors/${pkg}.md`) + readFileSync(errors, 'utf8'),
      });
    }
    for (const [doc, packages] of Object.entries(SHARED_DOCS)) {
      const source = join(root, 'docs', doc);
      if (packages.includes(pkg) && existsSync(source)) {
        out.push({ file: `packages/${pkg}/docs/${doc}`, text: header(`docs/${doc}`) + readFileSync(source, 'utf8') });
      }
    }
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(join(root, 'docs', 'ERRORS.md'), renderErrorsDoc());
  console.log('wrote docs/ERRORS.md');
  for (const { file, text } of renderPackageDocs()) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
    console.log(`wrote ${file}`);
  }
}
