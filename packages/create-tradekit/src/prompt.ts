import { createInterface } from 'node:readline/promises';
import type { InputStream, OutputStream } from './cli.js';
import { TEMPLATES, type TemplateName, findTemplate } from './templates.js';

/**
 * Asks which template to use (on a terminal): lists them numbered, accepts a number or a name,
 * asks again on anything else. Resolves undefined when input ends.
 */
export async function promptTemplate(input: InputStream, output: OutputStream): Promise<TemplateName | undefined> {
  // Node's streams satisfy these shapes; the public types stay free of Node's (no @types/node needed).
  const rl = createInterface({
    input: input as unknown as NodeJS.ReadableStream,
    output: output as unknown as NodeJS.WritableStream,
    terminal: false,
  });
  const lines = rl[Symbol.asyncIterator]();
  output.write('Which template?\n');
  TEMPLATES.forEach((t, i) => {
    output.write(`  ${i + 1}) ${t.name.padEnd(12)} ${t.description}\n`);
  });
  try {
    while (true) {
      output.write(`Template [1-${TEMPLATES.length}]: `);
      const next = await lines.next();
      if (next.done) return undefined;
      const answer = String(next.value).trim();
      const byNumber = TEMPLATES[Number(answer) - 1];
      const chosen = /^\d+$/.test(answer) ? byNumber : findTemplate(answer);
      if (chosen) return chosen.name;
      output.write(`"${answer}" is not a template: type a number from 1 to ${TEMPLATES.length} or a name.\n`);
    }
  } finally {
    rl.close();
  }
}
