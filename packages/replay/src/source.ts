/**
 * The one interface every reader implements: a restartable, seekable stream of market events
 * read in batches, with a report of what its data checks found.
 */
import type { MarketEvent, Micros } from '@tradekit/types';
import type { DataReport } from './checks.js';

/** How a source reaches a seek target without reading what lies before it. */
export type SeekMethod =
  /** Binary search on byte offsets of a plain (uncompressed) sorted text file. */
  | 'binary-search'
  /** Skips Parquet row groups whose `ts` statistics end before the target. */
  | 'row-groups'
  /** Reads from the start and drops earlier events (gzip, streams, arrays). */
  | 'scan';

/** A file (or any data) that can be replayed: read from any time, as batches of events. */
export interface EventSource extends AsyncIterable<MarketEvent> {
  /** The file path or a name for messages. */
  readonly name: string;
  /** `csv`, `jsonl`, `parquet` or `events` (in-memory). */
  readonly format: string;
  /** How {@link EventSource.batches} reaches a `from` time. */
  readonly seekMethod: SeekMethod;
  /** What the data checks found so far (accumulates over reads). */
  readonly report: DataReport;
  /**
   * Reads the events with `ts ≥ from` in file order, in batches (one per read chunk, so memory
   * stays bounded). Each call starts a fresh read.
   */
  batches(from?: Micros): AsyncIterableIterator<MarketEvent[]>;
}

/** Flattens batches into single events (the `for await` view of a source). */
export async function* flatten(batches: AsyncIterable<MarketEvent[]>): AsyncGenerator<MarketEvent> {
  for await (const batch of batches) {
    for (const e of batch) yield e;
  }
}
