// Sweep worker when the package runs from its TypeScript sources (tests, tsx): loads
// sweep-worker.ts through jiti. The published build uses dist/sweep-worker.js instead.
import { createJiti } from 'jiti';

const jiti = createJiti(import.meta.url, { interopDefault: true });
const mod = await jiti.import(new URL('./sweep-worker.ts', import.meta.url).pathname);

export default function run(task) {
  return (mod.default ?? mod)(task);
}
