/** Watches the file handles a reader opens, for tests that check it closes them. */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { vi } from 'vitest';

/** One handle opened through `fs.promises.open`, and whether it was closed. */
export interface WatchedHandle {
  fh: FileHandle;
  closed: boolean;
}

/**
 * Records every handle opened through `fs.promises.open` until `restore()`: a check on the
 * reader's own handles, not on a process-wide count that other work in the same worker changes.
 */
export function watchFileHandles(): { handles: WatchedHandle[]; restore(): void } {
  const handles: WatchedHandle[] = [];
  const realOpen = fsp.open.bind(fsp);
  const spy = vi.spyOn(fsp, 'open').mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
    const fh = await realOpen(...args);
    const entry = { fh, closed: false };
    handles.push(entry);
    const close = fh.close.bind(fh);
    fh.close = async () => {
      entry.closed = true;
      return close();
    };
    return fh;
  });
  return { handles, restore: () => spy.mockRestore() };
}
