/**
 * Writers for the canonical CSV and JSONL formats (gzip by `.gz`), streaming with backpressure,
 * so that recorded or simulated streams round-trip through replay unchanged.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
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
    this.file = typeof path === 'string' ? createWriteStream(path) : path;
    const gzip = options.gzip ?? (typeof path === 'string' && isGzipPath(path));
    if (gzip) {
      const z = createGzip();
      // Never end a stream the caller owns (stdout); a file we opened is ours to end.
      z.pipe(this.file, { end: typeof path === 'string' });
      this.out = z;
    } else this.out = this.file;
  }

  /** Adds one event; resolves at once unless the stream asks to slow down. */
  write(event: MarketEvent): Promise<void> | undefined {
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

  private flush(): Promise<void> | undefined {
    const chunk = this.buf;
    this.buf = '';
    if (chunk.length === 0) return undefined;
    if (!this.out.write(chunk)) return once(this.out, 'drain').then(() => undefined);
    return undefined;
  }

  /** Writes what is buffered and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    const ownFile = typeof this.path === 'string';
    // Listen before anything ends: with gzip the pipe ends our file on its own, and a 'finish'
    // that fired before the listener was attached would leave close() waiting forever.
    const fileFinished = ownFile ? once(this.file, 'finish') : undefined;
    if (this.out !== this.file) {
      const zipped = once(this.out, 'end');
      this.out.end();
      await zipped;
    } else if (ownFile) this.file.end();
    if (fileFinished) await fileFinished;
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
