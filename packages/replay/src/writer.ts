/**
 * Writers for the canonical CSV and JSONL formats (gzip by `.gz`), streaming with backpressure,
 * so that recorded or simulated streams round-trip through replay unchanged.
 */
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import {
  type CsvKind,
  type MarketEvent,
  type MarketEventSource,
  TradeKitError,
  csvHeader,
  csvKindOf,
  eventToCsvRows,
  eventToJsonLine,
} from '@tradekit/types';
import { invalidOption } from './errors.js';
import { isGzipPath } from './text.js';

/** Output format of a writer. */
export type WriteFormat = 'csv' | 'jsonl';

/** Options of {@link EventWriter} and {@link writeEvents}. */
export interface WriteOptions {
  /** `csv` or `jsonl`; by default from the extension. */
  format?: WriteFormat;
  /** Compress with gzip; by default when the path ends in `.gz`. */
  gzip?: boolean;
}

const FLUSH_CHARS = 1 << 16;

/** The `REPLAY_WRITE_FAILED` error for a stream error while writing `name`. */
function writeFailed(name: string, err: Error): TradeKitError {
  const code = (err as { code?: string }).code;
  const hint =
    code === 'ENOENT'
      ? 'Create the directory first, or write somewhere else.'
      : code === 'EACCES' || code === 'EPERM'
        ? 'Check the permissions of the file and its directory.'
        : code === 'EISDIR'
          ? 'Give a file name, not a directory.'
          : code === 'EPIPE'
            ? 'The reader closed the pipe; nothing more can be written.'
            : 'Check the output path.';
  return new TradeKitError(
    'REPLAY_WRITE_FAILED',
    `Expected to write to \`${name}\`, got ${code ?? err.message}${code ? ` (${err.message})` : ''}. ${hint}`,
    { cause: err, details: { file: name, code } },
  );
}

/**
 * Writes events to a canonical CSV (one kind per file, header first) or JSONL file.
 *
 * @example
 * const w = new EventWriter('out/trades.jsonl.gz');
 * for (const e of events) await w.write(e);
 * await w.close();
 */
export class EventWriter {
  /** The format being written. */
  readonly format: WriteFormat;
  /** Events written so far. */
  events = 0;
  private readonly out: NodeJS.WritableStream;
  private readonly file: NodeJS.WritableStream;
  private readonly name: string;
  /** The first error of the output stream(s), reported by the next write, flush or close. */
  private failure: TradeKitError | undefined;
  private readonly onError = (err: Error) => {
    this.failure ??= writeFailed(this.name, err);
  };
  private buf = '';
  private kind: CsvKind | undefined;
  private closed = false;
  /** ts, symbol and type of the last book event written to CSV, to mark where the next one starts. */
  private lastBook: { ts: number; symbol: string; type: string } | undefined;

  constructor(
    readonly path: string | NodeJS.WritableStream,
    options: WriteOptions = {},
  ) {
    const name = typeof path === 'string' ? path : '<stream>';
    const base = name.toLowerCase().replace(/\.gz$/, '');
    const format =
      options.format ??
      (base.endsWith('.csv')
        ? 'csv'
        : base.endsWith('.jsonl') || base.endsWith('.ndjson') || base.endsWith('.json')
          ? 'jsonl'
          : undefined);
    if (format !== 'csv' && format !== 'jsonl') {
      throw invalidOption('format', "'csv' or 'jsonl' (or a path ending in .csv / .jsonl)", options.format ?? name);
    }
    this.format = format;
    this.name = name;
    this.file = typeof path === 'string' ? createWriteStream(path) : path;
    // Errors of the streams (a missing directory, EPIPE on a closed pipe) become a TradeKitError
    // from the next call instead of an unhandled 'error' event.
    this.file.on('error', this.onError);
    const gzip = options.gzip ?? (typeof path === 'string' && isGzipPath(path));
    if (gzip) {
      const z = createGzip();
      // Never end a stream the caller owns (stdout); a file we opened is ours to end.
      z.pipe(this.file, { end: typeof path === 'string' });
      z.on('error', this.onError);
      this.out = z;
    } else this.out = this.file;
  }

  /** Adds one event; resolves at once unless the stream asks to slow down. */
  write(event: MarketEvent): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    if (this.closed)
      throw new TradeKitError(
        'REPLAY_WRITER_CLOSED',
        'Expected an open writer, got one already closed. Create a new EventWriter.',
      );
    if (this.format === 'jsonl') this.buf += `${eventToJsonLine(event)}\n`;
    else {
      const kind = csvKindOf(event.type);
      if (this.kind === undefined) {
        this.kind = kind;
        this.buf += `${csvHeader(kind)}\n`;
      } else if (kind !== this.kind) {
        throw new TradeKitError(
          'REPLAY_CSV_KIND_MIX',
          `Expected only ${this.kind} events in this CSV file, got a ${event.type} event. Canonical CSV holds one kind per file: write one file per kind, or use JSONL.`,
          { details: { value: event.type } },
        );
      }
      if (event.type === 'book_snapshot' || event.type === 'book_delta') {
        const lb = this.lastBook;
        // Book rows with the same ts, symbol and kind read back as one event; a row without a
        // level in front of the next such event marks where it starts (an empty event is that row alone).
        if (
          lb !== undefined &&
          lb.ts === event.ts &&
          lb.symbol === event.symbol &&
          lb.type === event.type &&
          event.bids.length + event.asks.length > 0
        )
          this.buf += `${eventToCsvRows({ ...event, bids: [], asks: [] })[0]}\n`;
        this.lastBook = { ts: event.ts, symbol: event.symbol, type: event.type };
      }
      for (const row of eventToCsvRows(event)) this.buf += `${row}\n`;
    }
    this.events++;
    if (this.buf.length >= FLUSH_CHARS) return this.flush();
    return undefined;
  }

  /**
   * Hands what is buffered to the stream now (paced output calls this after every event, so a
   * reader on a pipe sees each event when it is due); resolves at once unless the stream asks
   * to slow down.
   */
  flush(): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    const chunk = this.buf;
    this.buf = '';
    if (chunk.length === 0) return undefined;
    if (!this.out.write(chunk)) return this.settle(this.out, 'drain');
    return undefined;
  }

  /** Waits for `event` on `stream`, or rejects with the stream's error (never waits forever on a failed stream). */
  private settle(stream: NodeJS.WritableStream, event: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        stream.off('error', fail);
        resolve();
      };
      const fail = (err: Error) => {
        stream.off(event, done);
        reject(this.failure ?? writeFailed(this.name, err));
      };
      stream.once(event, done);
      stream.once('error', fail);
    });
  }

  /** Writes what is buffered and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
      const ownFile = typeof this.path === 'string';
      // Listen before anything ends: with gzip the pipe ends our file on its own, and a 'finish'
      // that fired before the listener was attached would leave close() waiting forever.
      const fileFinished = ownFile ? this.settle(this.file, 'finish') : undefined;
      if (this.out !== this.file) {
        const zipped = this.settle(this.out, 'end');
        this.out.end();
        await zipped;
      } else if (ownFile) this.file.end();
      if (fileFinished) await fileFinished;
    } finally {
      // A stream the caller owns (stdout) keeps no listener of ours.
      if (typeof this.path !== 'string') this.file.off('error', this.onError);
      else if (this.failure) (this.file as NodeJS.WritableStream & { destroy?: () => void }).destroy?.();
    }
  }
}

/**
 * Writes a stream of events to a file and resolves to the number written.
 *
 * @example
 * await writeEvents('trades.csv', replay('trades.jsonl'));
 */
export async function writeEvents(
  path: string | NodeJS.WritableStream,
  events: MarketEventSource,
  options: WriteOptions = {},
): Promise<number> {
  const w = new EventWriter(path, options);
  try {
    if (Symbol.asyncIterator in (events as object)) {
      for await (const e of events as AsyncIterable<MarketEvent>) {
        const p = w.write(e);
        if (p) await p;
      }
    } else {
      for (const e of events as Iterable<MarketEvent>) {
        const p = w.write(e);
        if (p) await p;
      }
    }
  } finally {
    await w.close();
  }
  return w.events;
}
