/**
 * Byte sources for the readers: a file (optionally from a byte offset) or a gzip file, read in
 * large chunks and decoded as UTF-8 on demand, so memory stays bounded by the chunk size.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { TradeKitError } from '@tradekit/types';

/** Read size of the file streams. Large chunks keep per-chunk overhead off the hot path. */
export const CHUNK_BYTES = 1 << 19;
/** Largest piece of a plain file decoded into one string (see {@link plainChunks}). */
const DECODE_BYTES = 1 << 16;

/** True when the path names a gzip file (by extension). */
export function isGzipPath(path: string): boolean {
  return /\.gz$/i.test(path);
}

function notFound(path: string, err: unknown): TradeKitError {
  const code = (err as { code?: string }).code;
  return new TradeKitError(
    'REPLAY_FILE_UNREADABLE',
    `Expected \`${path}\` to be a readable file, got ${code ?? String(err)}. Check the path and its permissions.`,
    { cause: err, details: { file: path } },
  );
}

/** Throws `REPLAY_FILE_UNREADABLE` when the file cannot be opened. */
export async function assertReadable(path: string): Promise<number> {
  try {
    const st = await fsp.stat(path);
    if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    return st.size;
  } catch (err) {
    throw notFound(path, err);
  }
}

/** Streams the decoded text of a file from `start` (bytes), gunzipping when asked. */
export async function* textChunks(path: string, gzip: boolean, start = 0): AsyncGenerator<string> {
  if (!gzip) {
    yield* plainChunks(path, start);
    return;
  }
  yield* gzipChunks(path, start);
}

/** Decompressed bytes a gzip read may hold for a slow consumer before it pauses the file. */
const GZIP_QUEUE_BYTES = 4 * CHUNK_BYTES;

/**
 * Gunzips a file into decoded text. Output is taken from gunzip as it is produced (never left
 * in a stream buffer, which a decompression error would discard), and the file read pauses while
 * the consumer is behind; so a truncated or damaged file delivers every byte before the damage,
 * then the error, however fast or slowly it is read.
 */
async function* gzipChunks(path: string, start: number): AsyncGenerator<string> {
  const raw = createReadStream(path, { start, highWaterMark: CHUNK_BYTES });
  const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  raw.on('data', (c) => {
    if (!gunzip.write(c) || queued > GZIP_QUEUE_BYTES) raw.pause();
  });
  raw.on('end', () => gunzip.end());
  raw.on('error', (e) => {
    failure ??= e;
    signal();
  });
  gunzip.on('drain', () => {
    if (queued <= GZIP_QUEUE_BYTES) raw.resume();
  });
  gunzip.on('data', (c: Buffer) => {
    queue.push(c);
    queued += c.length;
    signal();
  });
  gunzip.on('end', () => {
    ended = true;
    signal();
  });
  gunzip.on('error', (e) => {
    failure ??= e;
    signal();
  });
  const decoder = new TextDecoder('utf-8');
  try {
    while (true) {
      const bytes = queue.shift();
      if (bytes !== undefined) {
        queued -= bytes.length;
        if (queued <= GZIP_QUEUE_BYTES && raw.isPaused() && !gunzip.writableNeedDrain && !raw.destroyed) raw.resume();
        // Pieces below the large-object size, as in plainChunks.
        for (let from = 0; from < bytes.length; from += DECODE_BYTES) {
          const text = decoder.decode(bytes.subarray(from, from + DECODE_BYTES), { stream: true });
          if (text.length > 0) yield text;
        }
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    const rest = decoder.decode();
    if (rest.length > 0) yield rest;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT' || (err as { code?: string }).code === 'EACCES')
      throw notFound(path, err);
    if (err instanceof Error && /header|gzip|incorrect|unexpected end|invalid/i.test(err.message)) {
      const truncated = /unexpected end/i.test(err.message);
      throw new TradeKitError(
        'REPLAY_BAD_GZIP',
        truncated
          ? `Expected \`${path}\` to be complete gzip data, but it is truncated (${err.message}): every row before the cut was read. Re-download or re-create the file.`
          : `Expected \`${path}\` to be gzip data, but decompression failed: ${err.message}. Remove the .gz extension if the file is not compressed, or re-create it.`,
        { cause: err, details: { file: path, truncated } },
      );
    }
    throw err;
  } finally {
    raw.destroy();
    gunzip.destroy();
  }
}

/** Index after the last complete UTF-8 character in `buf[0, end)` (Buffer#toString is ~2× TextDecoder). */
function utf8Boundary(buf: Buffer, end: number): number {
  // Walk back over at most 3 continuation bytes to the lead byte of the last character.
  let i = end - 1;
  const stop = Math.max(0, end - 4);
  while (i >= stop && ((buf[i] as number) & 0xc0) === 0x80) i--;
  if (i < 0) return end;
  const lead = buf[i] as number;
  const need = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return i + need <= end ? end : i;
}

/**
 * Plain files are read into two reused buffers in turn: no Buffer per chunk waiting for the GC,
 * which keeps the external memory flat however large the file, and the next read is already
 * under way while the consumer parses the current chunk.
 */
async function* plainChunks(path: string, start: number): AsyncGenerator<string> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(path, 'r');
  } catch (err) {
    throw notFound(path, err);
  }
  const bufs: [Buffer, Buffer] = [Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)];
  let k: 0 | 1 = 0;
  let position = start;
  let pending = 0;
  let next: Promise<{ bytesRead: number }> = fh.read(bufs[0], 0, CHUNK_BYTES, position);
  try {
    while (true) {
      const buf = bufs[k];
      const { bytesRead } = await next;
      if (bytesRead === 0) {
        if (pending > 0) yield buf.toString('utf8', 0, pending);
        break;
      }
      position += bytesRead;
      const end = pending + bytesRead;
      // Decode up to the last whole UTF-8 character; the cut bytes start the next read.
      const cut = utf8Boundary(buf, end);
      pending = end - cut;
      const other = k === 0 ? bufs[1] : bufs[0];
      if (pending > 0) buf.copy(other, 0, cut, end);
      next = fh.read(other, pending, CHUNK_BYTES - pending, position);
      // Decode in pieces below V8's large-object size: a 512 KiB string is a fresh mmap'd
      // large object each time, and faulting its pages in costs more than the parsing on some
      // machines; small strings reuse the young generation's pages.
      for (let from = 0; from < cut; ) {
        const to = cut - from > DECODE_BYTES ? utf8Boundary(buf, from + DECODE_BYTES) : cut;
        yield buf.toString('utf8', from, to);
        from = to;
      }
      k = k === 0 ? 1 : 0;
    }
  } finally {
    // The consumer may stop early with a read in flight: let it land before closing the file.
    await next.catch(() => undefined);
    await fh.close();
  }
}

/** Reads up to `length` bytes of a file at `position` (for binary search and headers). */
export async function readBytes(path: string, position: number, length: number): Promise<Buffer> {
  const fh = await fsp.open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(length);
    const { bytesRead } = await fh.read(buf, 0, length, position);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Lower-bound binary search over a sorted text file: a byte offset of a line start such that
 * every line before it has a time below `from`. `lineTs` reads one line's time (NaN to skip it).
 */
export async function searchLineOffset(
  path: string,
  dataStart: number,
  size: number,
  from: number,
  lineTs: (line: string) => number,
): Promise<number> {
  const probe = async (at: number): Promise<{ start: number; ts: number } | undefined> => {
    const buf = (await readBytes(path, at, 1 << 16)).toString('latin1');
    let p = 0;
    if (at > dataStart) {
      const nl = buf.indexOf('\n');
      if (nl < 0) return undefined;
      p = nl + 1;
    }
    for (let k = 0; k < 8; k++) {
      const nl = buf.indexOf('\n', p);
      if (nl < 0) return undefined;
      const ts = lineTs(buf.slice(p, nl));
      if (!Number.isNaN(ts)) return { start: at + p, ts };
      p = nl + 1;
    }
    return undefined;
  };
  let lo = dataStart;
  let hi = size;
  while (hi - lo > 1 << 17) {
    const mid = Math.floor((lo + hi) / 2);
    const hit = await probe(mid);
    if (!hit || hit.start >= hi) {
      hi = mid;
      continue;
    }
    if (hit.ts < from) lo = hit.start;
    else hi = mid;
  }
  return lo;
}
