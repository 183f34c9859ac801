import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

describe('README quick start', () => {
  it('runs as written and prints the seed scenario', async () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toContain("from '@tradekit/order-sim'");
    const dir = fileURLToPath(new URL('../.tmp/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const file = `${dir}readme-quick-start.ts`;
    writeFileSync(file, code as string);
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    });
    try {
      await import(/* @vite-ignore */ file);
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual(['buy 1 @ 20000', '1', 'sell 1 @ 19950', '0 -100 1.24']);
  });
});
