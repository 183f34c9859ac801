// Generates dist/templates/<name> from the apps of this repository (see src/generate.ts), at
// every build: the templates cannot drift from the apps. A template whose app is not in this
// checkout is left out with a warning (scaffolding it then fails with CREATE_TEMPLATE_MISSING);
// the release test scaffolds and tests every template, so a package missing one cannot pass it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTemplate } from '../src/generate.js';
import { TEMPLATES } from '../src/templates.js';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const root = join(pkg, '..', '..');
for (const t of TEMPLATES) {
  if (!existsSync(join(root, 'apps', t.app, 'package.json'))) {
    console.warn(`[create-tradekit] WARNING: apps/${t.app} is missing: the ${t.name} template is not built`);
    continue;
  }
  generateTemplate(t, { root, overlays: join(pkg, 'overlays') }, join(pkg, 'dist', 'templates', t.name));
  console.log(`[create-tradekit] template ${t.name} ← apps/${t.app}`);
}
