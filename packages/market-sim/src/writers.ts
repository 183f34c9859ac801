/** Streaming writers to the canonical JSONL and CSV files that `replay` reads back. */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { constants as zlibConstants, createGzip } from 'node:zlib';
import { type CsvKind, type MarketEvent, csvHeader, csvKindOf, eventToCsvRows, eventToJsonLine } from '@tradekit/types';
import { checkKeys } from './errors.js';

/** Options of the writers. */
export interface WriteOptions {
  /** Called about every `progressEvery` events with the count so far and the last timestamp. */
  onProgress?: (events: number, ts: number) => void;
  /** How often `onProgress` is called, in events. @default 65536 */
  progressEvery?: number;
}

/** Options of {@link writeCsv}. */
export interface CsvWriteOptions extends WriteOptions {
  /** Write only this kind, to exactly `target`; otherwise one `<stem>.<kind>.csv` per kind seen. */
  kind?: CsvKind;
}

/** What a writer did. */
export interface WriteSummary {
  /** Events written. */
  events: number;
  /** Timestamp of the first and last event written (NaN when none). */
  firstTs: number;
  lastTs: number;
  /** Files written (empty when writing to a stream). */
  files: string[];
}

const CHUNK = 1 << 16;

const WRITE_KEYS = ['onProgress', 'progressEvery'];

class Sink {
  private buf = '';
  constructor(
    readonly stream: NodeJS.WritableStream,
    private readonly owned: boolean,
    /** The file stream under a gzip stream: `finish` on it means the bytes are on disk. */
    private readonly file?: NodeJS.WritableStream,
  ) {}
  async add(text: string): Promise<void> {
    this.buf += text;
    if (this.buf.length >= CHUNK) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const ok = this.stream.write(this.buf);
    this.buf = '';
    if (!ok) await once(this.stream as unknown as NodeJS.EventEmitter, 'drain');
  }
  async close(): Promise<void> {
    await this.flush();
    if (this.owned) {
      const done = once((this.file ?? this.stream) as unknown as NodeJS.EventEmitter, 'finish');
      this.stream.end();
      await done;
    }
  }
}

/** True when `path` names a gzip file (`.gz`, any case): such files are written compressed. */
function isGzipPath(path: string): boolean {
  return path.toLowerCase().endsWith('.gz');
}

function openFile(path: string): Sink {
  const file = createWriteStream(path);
  if (!isGzipPath(path)) return new Sink(file, true);
  // Same bytes for the same input on every run: gzip's header has no timestamp from zlib streams.
  const gzip = createGzip({ level: zlibConstants.Z_DEFAULT_COMPRESSION });
  gzip.on('error', (err) => file.destroy(err));
  gzip.pipe(file);
  return new Sink(gzip, true, file);
}

/**
 * Writes events as canonical JSONL (one `eventToJsonLine` per line) to a file path or a stream,
 * in chunks with back-pressure, so memory stays bounded for any length. A path ending in `.gz`
 * is written gzip-compressed (what `replay` reads back).
 *
 * @example
 * await writeJsonl(createMarket({ seed: 1, duration: '1h' }), 'mnq.jsonl');
 */
export async function writeJsonl(
  events: Iterable<MarketEvent>,
  target: string | NodeJS.WritableStream,
  options: WriteOptions = {},
): Promise<WriteSummary> {
  checkKeys(options, WRITE_KEYS, 'writeJsonl options');
  const sink = typeof target === 'string' ? openFile(target) : new Sink(target, false);
  const every = options.progressEvery ?? 65536;
  let count = 0;
  let firstTs = Number.NaN;
  let lastTs = Number.NaN;
  let buf = '';
  for (const e of events) {
    buf += `${eventToJsonLine(e)}\n`;
    if (count === 0) firstTs = e.ts;
    lastTs = e.ts;
    count++;
    if (buf.length >= CHUNK) {
      await sink.add(buf);
      buf = '';
    }
    if (options.onProgress && count % every === 0) options.onProgress(count, lastTs);
  }
  await sink.add(buf);
  await sink.close();
  options.onProgress?.(count, lastTs);
  return { events: count, firstTs, lastTs, files: typeof target === 'string' ? [target] : [] };
}

/** `dir/stem.<kind>.csv` for a target `dir/stem.csv` (and `dir/stem.<kind>.csv.gz` for `dir/stem.csv.gz`). */
export function csvPathFor(target: string, kind: CsvKind): string {
  const gz = isGzipPath(target) ? target.slice(-3) : '';
  const plain = gz ? target.slice(0, -3) : target;
  const ext = extname(plain);
  const stem = ext.toLowerCase() === '.csv' ? basename(plain, ext) : basename(plain);
  return join(dirname(plain), `${stem}.${kind}.csv${gz}`);
}

/**
 * Writes events as canonical CSV. The canonical format holds one kind per file, so by default
 * each kind seen goes to its own file next to `target` (`ticks.csv` → `ticks.quote.csv`,
 * `ticks.trade.csv`, `ticks.book.csv`, `ticks.status.csv`, `ticks.bar.csv`). With `kind`, only
 * that kind is written, to `target` itself. A target ending in `.gz` writes gzip files.
 */
export async function writeCsv(
  events: Iterable<MarketEvent>,
  target: string,
  options: CsvWriteOptions = {},
): Promise<WriteSummary> {
  checkKeys(options, [...WRITE_KEYS, 'kind'], 'writeCsv options');
  const sinks = new Map<CsvKind, { sink: Sink; buf: string }>();
  const files: string[] = [];
  const every = options.progressEvery ?? 65536;
  let count = 0;
  let firstTs = Number.NaN;
  let lastTs = Number.NaN;
  for (const e of events) {
    const kind = csvKindOf(e.type);
    if (options.kind && kind !== options.kind) continue;
    let s = sinks.get(kind);
    if (!s) {
      const path = options.kind ? target : csvPathFor(target, kind);
      files.push(path);
      s = { sink: openFile(path), buf: `${csvHeader(kind)}\n` };
      sinks.set(kind, s);
    }
    const rows = eventToCsvRows(e);
    for (let i = 0; i < rows.length; i++) s.buf += `${rows[i]}\n`;
    if (count === 0) firstTs = e.ts;
    lastTs = e.ts;
    count++;
    if (s.buf.length >= CHUNK) {
      await s.sink.add(s.buf);
      s.buf = '';
    }
    if (options.onProgress && count % every === 0) options.onProgress(count, lastTs);
  }
  if (options.kind && !sinks.has(options.kind)) {
    // An empty but valid file, so downstream tools find the header they expect.
    files.push(target);
    sinks.set(options.kind, { sink: openFile(target), buf: `${csvHeader(options.kind)}\n` });
  }
  for (const s of sinks.values()) {
    await s.sink.add(s.buf);
    await s.sink.close();
  }
  options.onProgress?.(count, lastTs);
  return { events: count, firstTs, lastTs, files };
}
