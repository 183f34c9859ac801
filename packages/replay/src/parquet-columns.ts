/**
 * Direct decoding of flat Parquet column chunks into typed arrays: the fast path of the Parquet
 * reader. It covers what market data files hold (flat REQUIRED/OPTIONAL columns of doubles,
 * floats, integers, timestamps and strings; PLAIN or dictionary encoded; data pages v1 or v2;
 * uncompressed or Snappy). Anything else returns `undefined`, and the caller reads that row group
 * through hyparquet's general path, so the values are the same either way.
 *
 * Page headers are parsed with hyparquet's own Thrift reader and Snappy with its decoder; the
 * rest (level and dictionary-index decoding, PLAIN values, null placement) is done here, straight
 * into one preallocated array per column, without hyparquet's per-value assembly.
 */
import type { ColumnMetaData, PageHeader, SchemaElement } from 'hyparquet';

/**
 * hyparquet parsers that give TIMESTAMP columns as epoch µs numbers (its default is a Date, which
 * would lose the microseconds). The fast path decodes to the same numbers.
 */
export const TIMESTAMP_PARSERS = {
  timestampFromMilliseconds: (v: bigint): number => Number(v) * 1000,
  timestampFromMicroseconds: (v: bigint): number => Number(v),
  timestampFromNanoseconds: (v: bigint): number => Number(v / 1000n),
};

/** The two hyparquet functions the fast path uses (loaded lazily with hyparquet itself). */
export interface PageCodecs {
  parquetHeader(reader: { view: DataView; offset: number }): PageHeader;
  snappyUncompress(input: Uint8Array, output: Uint8Array): void;
}

/**
 * How a column's values come out: numbers in a Float64Array (`f64`, `f32`, `i32`, and INT64
 * timestamps converted to epoch µs), raw INT64 as a BigInt64Array (as hyparquet gives them), or
 * strings in an array. Columns with nulls come out as a plain array holding `null` there.
 */
type ValueKind = 'f64' | 'f32' | 'i32' | 'i64' | 'ts-ms' | 'ts-us' | 'ts-ns' | 'str';

/** Thrown inside the decoder when a chunk needs the general path; never escapes {@link decodeColumnChunk}. */
class Unsupported extends Error {}

/**
 * A string column without an array slot per row: `index[row]` points into `values` (the
 * dictionary, then any PLAIN-encoded values), -1 for null. Dictionary-encoded strings (symbols,
 * sides) are never copied per row; a row's string is looked up when its event is built.
 */
export class StringColumn {
  constructor(
    readonly values: string[],
    readonly index: Int32Array,
  ) {}

  /** Number of rows. */
  get length(): number {
    return this.index.length;
  }

  /** The value of row `i` (null where the column is null). */
  at(i: number): string | null {
    const k = this.index[i] as number;
    return k < 0 ? null : (this.values[k] as string);
  }

  /** One array slot per row, for the general row path. */
  toArray(): (string | null)[] {
    const out: (string | null)[] = [];
    for (let i = 0; i < this.index.length; i++) out.push(this.at(i));
    return out;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextDecoder();

/** Which {@link ValueKind} a flat column decodes to, or undefined when it needs the general path. */
function valueKind(el: SchemaElement): ValueKind | undefined {
  const ct = el.converted_type;
  const lt = el.logical_type;
  const signedInt = (!ct || /^INT_(8|16|32|64)$/.test(ct)) && (!lt || (lt.type === 'INTEGER' && lt.isSigned));
  switch (el.type) {
    case 'DOUBLE':
      return !ct && !lt ? 'f64' : undefined;
    case 'FLOAT':
      return !ct && !lt ? 'f32' : undefined;
    case 'INT32':
      return signedInt ? 'i32' : undefined;
    case 'INT64':
      if (ct === 'TIMESTAMP_MILLIS') return 'ts-ms';
      if (ct === 'TIMESTAMP_MICROS') return 'ts-us';
      if (!ct && lt?.type === 'TIMESTAMP')
        return lt.unit === 'MILLIS' ? 'ts-ms' : lt.unit === 'MICROS' ? 'ts-us' : 'ts-ns';
      return signedInt ? 'i64' : undefined;
    case 'BYTE_ARRAY':
      return (!ct || ct === 'UTF8') && (!lt || lt.type === 'STRING') ? 'str' : undefined;
    default:
      return undefined;
  }
}

type Out = Float64Array | BigInt64Array | unknown[];

function newOut(kind: ValueKind, n: number): Out {
  // Strings are appended (a `new Array(n)` this large would be a slow sparse array).
  if (kind === 'str') return [];
  if (kind === 'i64') return new BigInt64Array(n);
  return new Float64Array(n);
}

/**
 * Decodes one column chunk (`bytes` is exactly the chunk, dictionary page first) of `rows` rows.
 * Returns the column's values, or undefined when this chunk needs hyparquet's general path.
 */
export function decodeColumnChunk(
  bytes: Uint8Array,
  meta: ColumnMetaData,
  el: SchemaElement,
  rows: number,
  codecs: PageCodecs,
): ArrayLike<unknown> | StringColumn | undefined {
  const kind = valueKind(el);
  if (!kind || !LITTLE_ENDIAN || meta.path_in_schema.length !== 1) return undefined;
  if (meta.codec !== 'UNCOMPRESSED' && meta.codec !== 'SNAPPY') return undefined;
  const rep = el.repetition_type ?? 'REQUIRED';
  if (rep === 'REPEATED') return undefined;
  try {
    return decodePages(bytes, meta.codec, kind, rep === 'OPTIONAL', rows, codecs);
  } catch {
    // Unsupported, or damaged data: the general path reads it, or raises its own error.
    return undefined;
  }
}

function decodePages(
  bytes: Uint8Array,
  codec: 'UNCOMPRESSED' | 'SNAPPY',
  kind: ValueKind,
  optional: boolean,
  rows: number,
  codecs: PageCodecs,
): ArrayLike<unknown> | StringColumn {
  const str = kind === 'str';
  const out = newOut(kind, str ? 0 : rows);
  // Strings: the dictionary then any PLAIN values (`out`), and each row's position in them.
  const index = str ? new Int32Array(rows) : undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = { view, offset: 0 };
  let dict: Out | undefined;
  let nullRows: number[] | undefined;
  let row = 0;
  while (row < rows) {
    if (reader.offset >= bytes.length) throw new Unsupported('column chunk ended early');
    const header = codecs.parquetHeader(reader);
    const start = reader.offset;
    const size = header.compressed_page_size;
    const end = start + size;
    if (end > bytes.length) throw new Unsupported('page runs past its chunk');
    reader.offset = end;
    const body = bytes.subarray(start, end);
    if (header.type === 'DICTIONARY_PAGE') {
      const n = header.dictionary_page_header?.num_values ?? 0;
      const page = inflate(body, header.uncompressed_page_size, codec, codecs);
      dict = newOut(kind, n);
      if (plain(page, 0, n, kind, dict, 0) > page.length) throw new Unsupported('dictionary page too short');
      continue;
    }
    let n: number;
    let page: Uint8Array;
    let p: number;
    let defs: Uint8Array | undefined;
    let encoding: string;
    if (header.type === 'DATA_PAGE') {
      const h = header.data_page_header;
      if (!h) throw new Unsupported('no data page header');
      n = h.num_values;
      encoding = h.encoding;
      page = inflate(body, header.uncompressed_page_size, codec, codecs);
      p = 0;
      if (optional) {
        if (h.definition_level_encoding !== 'RLE') throw new Unsupported('definition levels not RLE');
        const len = page[0]! | (page[1]! << 8) | (page[2]! << 16) | (page[3]! << 24);
        defs = new Uint8Array(n);
        if (hybrid(page, 4, 4 + len, 1, defs, n) > 4 + len) throw new Unsupported('definition levels too short');
        p = 4 + len;
      }
    } else if (header.type === 'DATA_PAGE_V2') {
      const h = header.data_page_header_v2;
      if (!h || h.repetition_levels_byte_length) throw new Unsupported('not a flat v2 page');
      n = h.num_values;
      encoding = h.encoding;
      const levels = h.definition_levels_byte_length;
      if (optional && h.num_nulls > 0) {
        defs = new Uint8Array(n);
        if (hybrid(body, 0, levels, 1, defs, n) > levels) throw new Unsupported('definition levels too short');
      }
      const values = body.subarray(levels);
      page =
        h.is_compressed === false ? values : inflate(values, header.uncompressed_page_size - levels, codec, codecs);
      p = 0;
    } else throw new Unsupported(`page type ${header.type}`);
    if (row + n > rows) throw new Unsupported('more values than rows');
    if (index) {
      stringPage(page, p, n, encoding, defs, dict as string[] | undefined, out as string[], index, row);
      row += n;
      continue;
    }
    if (!defs) {
      values(page, p, n, encoding, kind, dict, out, row);
    } else {
      let present = 0;
      for (let i = 0; i < n; i++) present += defs[i] as number;
      if (present === n) {
        values(page, p, n, encoding, kind, dict, out, row);
        row += n;
        continue;
      }
      const tmp = newOut(kind, present);
      values(page, p, present, encoding, kind, dict, tmp, 0);
      nullRows ??= [];
      for (let i = 0, k = 0; i < n; i++) {
        if (defs[i] === 1) out[row + i] = tmp[k++] as never;
        else nullRows.push(row + i);
      }
    }
    row += n;
  }
  if (index) return new StringColumn(out as string[], index);
  if (!nullRows?.length) return out;
  const withNulls: unknown[] = Array.from(out as ArrayLike<unknown>);
  for (const r of nullRows) withNulls[r] = null;
  return withNulls;
}

/**
 * One page of a string column: each row's position in `pool` (the dictionary, which starts the
 * pool, or PLAIN values appended to it), -1 for null.
 */
function stringPage(
  page: Uint8Array,
  p: number,
  n: number,
  encoding: string,
  defs: Uint8Array | undefined,
  dict: string[] | undefined,
  pool: string[],
  index: Int32Array,
  row: number,
): void {
  let present = n;
  if (defs) {
    present = 0;
    for (let i = 0; i < n; i++) present += defs[i] as number;
  }
  const idx = new Int32Array(present);
  if (encoding === 'PLAIN') {
    if (dict && pool.length === 0) for (const v of dict) pool.push(v);
    const base = pool.length;
    if (plain(page, p, present, 'str', pool, base) > page.length) throw new Unsupported('page too short');
    for (let k = 0; k < present; k++) idx[k] = base + k;
  } else {
    if ((encoding !== 'RLE_DICTIONARY' && encoding !== 'PLAIN_DICTIONARY') || !dict) throw new Unsupported(encoding);
    if (pool.length === 0) for (const v of dict) pool.push(v);
    if (present > 0) {
      const width = page[p] as number;
      if (width > 24) throw new Unsupported('dictionary index width');
      if (hybrid(page, p + 1, page.length, width, idx, present) > page.length) throw new Unsupported('indexes short');
      for (let k = 0; k < present; k++) if ((idx[k] as number) >= dict.length) throw new Unsupported('index range');
    }
  }
  if (!defs) index.set(idx, row);
  else for (let i = 0, k = 0; i < n; i++) index[row + i] = defs[i] === 1 ? (idx[k++] as number) : -1;
}

function inflate(body: Uint8Array, size: number, codec: 'UNCOMPRESSED' | 'SNAPPY', codecs: PageCodecs): Uint8Array {
  if (codec === 'UNCOMPRESSED') return body;
  const page = new Uint8Array(size);
  codecs.snappyUncompress(body, page);
  return page;
}

/** Decodes `n` values of one page in its encoding into `out` from position `at`. */
function values(
  page: Uint8Array,
  p: number,
  n: number,
  encoding: string,
  kind: ValueKind,
  dict: Out | undefined,
  out: Out,
  at: number,
): void {
  if (encoding === 'PLAIN') {
    if (plain(page, p, n, kind, out, at) > page.length) throw new Unsupported('page too short');
    return;
  }
  if ((encoding !== 'RLE_DICTIONARY' && encoding !== 'PLAIN_DICTIONARY') || !dict) throw new Unsupported(encoding);
  if (n === 0) return;
  const width = page[p] as number;
  if (width > 24) throw new Unsupported('dictionary index width');
  const idx = new Int32Array(n);
  if (hybrid(page, p + 1, page.length, width, idx, n) > page.length) throw new Unsupported('indexes too short');
  gather(dict as Float64Array | BigInt64Array, idx, n, out as Float64Array | BigInt64Array, at);
}

function gather<T extends Float64Array | BigInt64Array>(dict: T, idx: Int32Array, n: number, out: T, at: number): void {
  const size = dict.length;
  for (let i = 0; i < n; i++) {
    const k = idx[i] as number;
    if (k >= size) throw new Unsupported('dictionary index out of range');
    out[at + i] = dict[k] as never;
  }
}

/** Copies `n` little-endian fixed-width values at `p` into a fresh aligned buffer. */
function aligned(page: Uint8Array, p: number, bytes: number): ArrayBuffer {
  const copy = new Uint8Array(bytes);
  copy.set(page.subarray(p, p + bytes));
  return copy.buffer;
}

/** Decodes `n` PLAIN values at `p`; returns the position after them (beyond the page when short). */
function plain(page: Uint8Array, p: number, n: number, kind: ValueKind, out: Out, at: number): number {
  if (kind === 'str') return plainStrings(page, p, n, out as unknown[]);
  const width = kind === 'f32' || kind === 'i32' ? 4 : 8;
  const end = p + width * n;
  if (end > page.length) return Number.POSITIVE_INFINITY;
  const buf = aligned(page, p, width * n);
  if (kind === 'f64') (out as Float64Array).set(new Float64Array(buf), at);
  else if (kind === 'f32') (out as Float64Array).set(new Float32Array(buf), at);
  else if (kind === 'i32') (out as Float64Array).set(new Int32Array(buf), at);
  else if (kind === 'i64') (out as BigInt64Array).set(new BigInt64Array(buf), at);
  else int64Micros(new Int32Array(buf), n, kind, out as Float64Array, at);
  return end;
}

/** `n` PLAIN strings (4-byte length, UTF-8 bytes) at `p`, appended to `o` in order. */
function plainStrings(page: Uint8Array, p: number, n: number, o: unknown[]): number {
  for (let i = 0; i < n; i++) {
    if (p + 4 > page.length) return Number.POSITIVE_INFINITY;
    const len = (page[p]! | (page[p + 1]! << 8) | (page[p + 2]! << 16) | (page[p + 3]! << 24)) >>> 0;
    p += 4;
    const end = p + len;
    if (end > page.length) return Number.POSITIVE_INFINITY;
    o.push(text(page, p, end));
    p = end;
  }
  return p;
}

/** UTF-8 text of page[p, end): ASCII (the usual case for symbols, sides, ids) without a decoder call. */
function text(page: Uint8Array, p: number, end: number): string {
  const len = end - p;
  if (len <= 16) {
    let s = '';
    for (let j = p; j < end; j++) {
      const c = page[j] as number;
      if (c >= 0x80) return utf8.decode(page.subarray(p, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(page.subarray(p, end));
}

const TWO32 = 4294967296;

/**
 * INT64 values (low/high int32 pairs) as numbers without a BigInt per value, except for the rare
 * value beyond 2^53: `Number(v / 1000n)` when `mult` is 0 (ns → µs); else `Number(v) * mult`, which
 * is NaN for a value that is not a safe integer when `strict` (the reader's rule for plain integer
 * `ts` columns) and rounded when not (hyparquet's timestamp parsers).
 */
function int64Core(pairs: Int32Array, n: number, mult: number, strict: boolean, out: Float64Array, at: number): void {
  for (let i = 0; i < n; i++) {
    const lo = (pairs[2 * i] as number) >>> 0;
    const hi = pairs[2 * i + 1] as number;
    let v: number;
    if (mult === 0) {
      // hi·2^32 + lo = 1000·(hi·4294967) + (hi·296 + lo): exact in doubles while hi ≥ 0.
      v = hi >= 0 ? hi * 4294967 + Math.floor((hi * 296 + lo) / 1000) : Number(bigAt(pairs, i) / 1000n);
    } else if (hi > -0x200000 && hi < 0x200000) {
      // |v| < 2^53: exact, and a safe integer.
      v = (hi * TWO32 + lo) * mult;
    } else {
      const x = Number(bigAt(pairs, i));
      v = strict && !Number.isSafeInteger(x) ? Number.NaN : x * mult;
    }
    out[at + i] = v;
  }
}

/** INT64 timestamps to epoch µs, as the reader's hyparquet parsers would give them. */
function int64Micros(pairs: Int32Array, n: number, kind: ValueKind, out: Float64Array, at: number): void {
  int64Core(pairs, n, kind === 'ts-ns' ? 0 : kind === 'ts-ms' ? 1000 : 1, false, out, at);
}

/**
 * A plain INT64 `ts` column to epoch µs: `Number(v / 1000n)` when `mult` is 0, else
 * `Number(v) * mult`, NaN where `v` is not a safe integer.
 */
export function int64Numbers(col: BigInt64Array, n: number, mult: number, out: Float64Array): void {
  if (LITTLE_ENDIAN) {
    int64Core(new Int32Array(col.buffer, col.byteOffset, 2 * n), n, mult, true, out, 0);
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = col[i] as bigint;
    const x = Number(v);
    out[i] = mult === 0 ? Number(v / 1000n) : Number.isSafeInteger(x) ? x * mult : Number.NaN;
  }
}

function bigAt(pairs: Int32Array, i: number): bigint {
  return (BigInt(pairs[2 * i + 1] as number) << 32n) | BigInt((pairs[2 * i] as number) >>> 0);
}

/**
 * RLE / bit-packed hybrid decoding (definition levels and dictionary indexes) of `n` values of
 * `width` bits from `buf[p, end)` into `out`; returns the position after what it read (beyond
 * `end` when the data was short).
 */
function hybrid(
  buf: Uint8Array,
  p: number,
  end: number,
  width: number,
  out: Uint8Array | Int32Array,
  n: number,
): number {
  let i = 0;
  const mask = width === 0 ? 0 : width >= 32 ? -1 : (1 << width) - 1;
  const byteWidth = (width + 7) >> 3;
  while (i < n) {
    if (p >= end) return Number.POSITIVE_INFINITY;
    let header = 0;
    let shift = 0;
    let b: number;
    do {
      b = buf[p++] as number;
      header += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80 && p < end);
    if (header % 2 === 0) {
      // RLE run: one value repeated.
      const count = header / 2;
      let v = 0;
      for (let k = 0; k < byteWidth; k++) v |= (buf[p++] as number) << (8 * k);
      const stop = Math.min(n, i + count);
      out.fill(v, i, stop);
      i = stop;
    } else {
      // Bit-packed groups of 8 values, least significant bit first.
      const count = ((header - 1) / 2) * 8;
      const bytes = (count * width) / 8;
      if (p + bytes > end) return Number.POSITIVE_INFINITY;
      if (width === 1) {
        const stop = Math.min(n, i + count);
        for (let k = 0; i < stop; k++, i++) out[i] = ((buf[p + (k >> 3)] as number) >> (k & 7)) & 1;
      } else {
        let acc = 0;
        let bits = 0;
        let q = p;
        const stop = Math.min(n, i + count);
        while (i < stop) {
          while (bits < width) {
            acc |= (buf[q++] as number) << bits;
            bits += 8;
          }
          out[i++] = acc & mask;
          acc >>>= width;
          bits -= width;
        }
      }
      p += bytes;
    }
  }
  return p;
}
