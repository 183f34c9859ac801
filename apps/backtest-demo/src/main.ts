/** `pnpm demo`: runs the demo into ./out and prints the summary; exit 1 if the parity check fails. */
import { resolve } from 'node:path';
import { runDemo } from './demo.js';

const out = resolve(process.argv[2] ?? 'out');
const { summary, parity } = await runDemo(out);
process.stdout.write(`${summary}\n`);
process.exitCode = parity.match ? 0 : 1;
