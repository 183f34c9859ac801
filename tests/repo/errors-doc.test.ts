// Every error code the sources raise is listed in docs/ERRORS.md, and the file is up to date.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { renderErrorsDoc, renderPackageDocs } from '../../scripts/errors-doc.mjs';
import { ROOT } from '../helpers';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const CODE_CALL =
  /(?:new TradeKitError|invalidValue|expectNumber|priceToTicksStrict\([^)]*?)\(\s*'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g;
const CODE_LITERAL = /\bcode:\s*'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g;

describe('docs/ERRORS.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'ERRORS.md'), 'utf8');

  it('is generated from docs/errors/*.md and up to date', () => {
    expect(doc).toBe(renderErrorsDoc());
  });

  it('every package ships an up-to-date copy of its docs (packages/<pkg>/docs/)', () => {
    const docs = renderPackageDocs() as { file: string; text: string }[];
    expect(docs.length).toBeGreaterThan(0);
    for (const { file, text } of docs) {
      const path = join(ROOT, file);
      const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
      expect(current, `${file} is out of date: run node scripts/errors-doc.mjs`).toBe(text);
    }
  });

  it('lists every error code raised in the packages', () => {
    const found = new Map<string, string>();
    for (const pkg of readdirSync(join(ROOT, 'packages'))) {
      const src = join(ROOT, 'packages', pkg, 'src');
      try {
        statSync(src);
      } catch {
        continue;
      }
      for (const file of sourceFiles(src)) {
        // Comments (TSDoc examples) do not raise errors: leave them out.
        const text = readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
          .join('\n');
        for (const re of [CODE_CALL, CODE_LITERAL]) {
          for (const m of text.matchAll(re)) found.set(m[1] as string, file.slice(ROOT.length + 1));
        }
      }
    }
    expect(found.size).toBeGreaterThan(10);
    const missing = [...found].filter(([code]) => !doc.includes(`\`${code}\``)).map(([c, f]) => `${c} (${f})`);
    expect(missing).toEqual([]);
  });
});
