// Stored form of a column: chunks of rows as raw little-endian typed-array bytes (loaded back
// without parsing), and a string column's dictionary as JSON chunks.
//
// Each chunk of rows is stored in the narrowest form that keeps every value exactly, chosen chunk
// by chunk: whole numbers in 1 or 4 bytes, dates in 4 (days), numbers with a few decimals in 4 (as
// whole numbers of hundredths, say), codes in 1 or 2 bytes while the dictionary is small. The
// benchmark's 1M-row table takes 29 MB instead of 72 MB: less to write and less to read back.
// Chunks stored before this have the full-width kinds ('values', 'codes') and read back as before.
import type { Column, ColumnType } from './column.js';
import { sharedFloat64, sharedInt32 } from './parallel/shared-arrays.js';

export const CHUNK_ROWS = 65_536;
export const DICT_CHUNK_ENTRIES = 65_536;

/**
 * How a chunk of a value column is stored. 'values': Float64, as in memory. 'int32' / 'int8':
 * whole numbers, the type's smallest number marking a missing value. 'days32': dates at midnight
 * UTC as days since 1970, missing marked the same way. 'dec1'…'dec9': numbers times 10^1…10^9 as
 * Int32 whole numbers, kept only when dividing gives every number back exactly, missing as int32.
 */
export type ValueKind = 'values' | 'int32' | 'int8' | 'days32' | DecimalKind;
export type DecimalKind = 'dec1' | 'dec2' | 'dec3' | 'dec4' | 'dec5' | 'dec6' | 'dec7' | 'dec8' | 'dec9';
/** How a chunk of a text column's codes is stored: Int32, or Uint16 / Uint8 with the largest number marking a missing value. */
export type CodeKind = 'codes' | 'codes16' | 'codes8';
/** A stored chunk of rows. */
export type RowKind = ValueKind | CodeKind;
/** 'claim': the row a change writes first to own a new version (table-store's claimVersion). */
export type ChunkKind = RowKind | 'dict' | 'claim';

const DECIMAL_KINDS = ['dec1', 'dec2', 'dec3', 'dec4', 'dec5', 'dec6', 'dec7', 'dec8', 'dec9'] as const satisfies DecimalKind[];
const VALUE_KINDS: readonly string[] = ['values', 'int32', 'int8', 'days32', ...DECIMAL_KINDS] satisfies ValueKind[];
const CODE_KINDS: readonly string[] = ['codes', 'codes16', 'codes8'] satisfies CodeKind[];
const BYTES: Record<RowKind, number> = {
  values: 8, int32: 4, int8: 1, days32: 4, codes: 4, codes16: 2, codes8: 1,
  dec1: 4, dec2: 4, dec3: 4, dec4: 4, dec5: 4, dec6: 4, dec7: 4, dec8: 4, dec9: 4,
};
/** Most decimals a 'decN' kind has. */
export const MAX_DECIMALS = DECIMAL_KINDS.length;
const POW10 = Float64Array.of(1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9);

const DAY_MS = 86_400_000;
const MISSING_INT32 = -0x80000000;
const MISSING_INT8 = -128;
const MISSING_CODE16 = 0xffff;
const MISSING_CODE8 = 0xff;

export interface EncodedChunk {
  kind: ChunkKind;
  chunk: number;
  count: number;
  data: Uint8Array;
}

/** Whether a stored chunk of this kind holds rows of a column of this type. */
export function rowKindFits(kind: string, type: ColumnType): boolean {
  return (type === 'string' ? CODE_KINDS : VALUE_KINDS).includes(kind);
}

/** Bytes of a chunk of `count` rows stored as `kind`. */
export function rowKindBytes(kind: RowKind, count: number): number {
  return BYTES[kind] * count;
}

/** The narrowest kind that keeps every value of `part` exactly (NaN as missing, -0 as -0). */
export function valueKindOf(part: Float64Array): ValueKind {
  const kind = wholeOrDayKindOf(part);
  return kind === 'values' ? decimalKindOf(part) : kind;
}

/** The decimal kind for `scale` decimals (1 to MAX_DECIMALS). */
export function decimalKind(scale: number): DecimalKind {
  return DECIMAL_KINDS[scale - 1];
}

function decimalsOf(kind: DecimalKind): number {
  return DECIMAL_KINDS.indexOf(kind) + 1;
}

/**
 * Writes `part` as whole numbers of 10^-scale into `out` (missing as the int32 marker) when every
 * value comes back exactly by dividing (and fits, and is not -0): true then; false as soon as one
 * does not (`out` is partly written). The check and the decoding divide alike, so they agree.
 */
export function writeDecimals(part: Float64Array, scale: number, out: Int32Array): boolean {
  return decimalsFailAt(part, scale, out) < 0;
}

/** writeDecimals, telling where it stopped: the index of the first value that does not fit, or -1. */
function decimalsFailAt(part: Float64Array, scale: number, out: Int32Array): number {
  const mul = POW10[scale];
  for (let i = 0; i < part.length; i++) {
    const v = part[i];
    if (v !== v) {
      out[i] = MISSING_INT32;
      continue;
    }
    const r = Math.round(v * mul);
    if (r / mul !== v || !(r > MISSING_INT32 && r < 2 ** 31) || (v === 0 && 1 / v < 0)) return i;
    out[i] = r;
  }
  return -1;
}

/** 'decN' for the fewest decimals N that keep every value of `part` exactly, else 'values'. */
function decimalKindOf(part: Float64Array): ValueKind {
  const scratch = new Int32Array(part.length);
  let scale = 1;
  for (;;) {
    const at = decimalsFailAt(part, scale, scratch);
    if (at < 0) return decimalKind(scale);
    // Try again with as many decimals as that value needs (usually met in the first rows, so the
    // passes that stop there cost little). A value that has few enough decimals but does not fit
    // (too big, or -0) fits at no scale.
    const v = part[at];
    if (Math.round(v * POW10[scale]) / POW10[scale] === v) return 'values';
    do {
      if (++scale > MAX_DECIMALS) return 'values';
    } while (Math.round(v * POW10[scale]) / POW10[scale] !== v);
  }
}

function wholeOrDayKindOf(part: Float64Array): ValueKind {
  let whole = true;
  let small = true;
  let days = true;
  for (let i = 0; i < part.length; i++) {
    const v = part[i];
    if (v !== v) continue;
    // -0 has no place in an integer form.
    if (v === 0 && 1 / v < 0) return 'values';
    if (whole && ((v | 0) !== v || v === MISSING_INT32)) whole = false;
    if (small && !(v > MISSING_INT8 && v <= 127)) small = false;
    if (days) {
      const d = v / DAY_MS;
      if ((d | 0) !== d || d === MISSING_INT32 || d * DAY_MS !== v) days = false;
    }
    if (!whole && !days) return 'values';
  }
  return whole ? (small ? 'int8' : 'int32') : 'days32';
}

/** The narrowest kind that holds the codes of `part` (-1 is missing). */
export function codeKindOf(part: Int32Array): CodeKind {
  let max = -1;
  for (let i = 0; i < part.length; i++) if (part[i] > max) max = part[i];
  return codeKindForSize(max + 1);
}

/** The narrowest kind for codes that are all below `size` (a dictionary's size: no look at the codes). */
export function codeKindForSize(size: number): CodeKind {
  return size <= MISSING_CODE8 ? 'codes8' : size <= MISSING_CODE16 ? 'codes16' : 'codes';
}

/**
 * The narrowest kind for values known to be whole numbers (never -0) or missing: only their range
 * is looked at. `days`: they are dates at midnight (ms), stored as days.
 */
export function wholeKindOf(part: Float64Array, days: boolean): ValueKind {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < part.length; i++) {
    const v = part[i];
    // NaN (missing) fails both tests.
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (days) return lo / DAY_MS > MISSING_INT32 && hi / DAY_MS < 2 ** 31 ? 'days32' : 'values';
  if (lo > MISSING_INT8 && hi <= 127) return 'int8';
  return lo > MISSING_INT32 && hi < 2 ** 31 ? 'int32' : 'values';
}

/**
 * The narrowest kind for a chunk of a text column's codes (`text`) or of a value column. Told, not
 * guessed from the array: a typed array made in another realm (a worker's message, a test's VM
 * context) is no `instanceof Int32Array` here.
 */
export function rowKindOf(part: Float64Array | Int32Array, text: boolean): RowKind {
  return text ? codeKindOf(part as Int32Array) : valueKindOf(part as Float64Array);
}

/** Writes `part` as `kind` into `out` (exactly rowKindBytes(kind, part.length) bytes, at any offset). */
export function writeRows(part: Float64Array | Int32Array, kind: RowKind, out: Uint8Array): void {
  if (kind === 'values' || kind === 'codes') {
    out.set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
    return;
  }
  if (out.byteOffset % BYTES[kind] !== 0) {
    // A typed view needs an aligned offset: write into a buffer of its own, then copy.
    const aligned = new Uint8Array(out.byteLength);
    writeRows(part, kind, aligned);
    out.set(aligned);
    return;
  }
  // One loop per source type: a loop that saw both Float64Array and Int32Array runs slower.
  if (kind === 'codes16' || kind === 'codes8') writeCodes(part as Int32Array, kind, out);
  else if (kind === 'int32' || kind === 'int8' || kind === 'days32') writeValues(part as Float64Array, kind, out);
  else writeDecimals(part as Float64Array, decimalsOf(kind), new Int32Array(out.buffer, out.byteOffset, part.length));
}

function writeValues(part: Float64Array, kind: 'int32' | 'int8' | 'days32', out: Uint8Array): void {
  const n = part.length;
  if (kind === 'int8') {
    const o = new Int8Array(out.buffer, out.byteOffset, n);
    for (let i = 0; i < n; i++) {
      const v = part[i];
      o[i] = v === v ? v : MISSING_INT8;
    }
    return;
  }
  const o = new Int32Array(out.buffer, out.byteOffset, n);
  const div = kind === 'days32' ? DAY_MS : 1;
  for (let i = 0; i < n; i++) {
    const v = part[i];
    o[i] = v === v ? v / div : MISSING_INT32;
  }
}

function writeCodes(part: Int32Array, kind: 'codes16' | 'codes8', out: Uint8Array): void {
  const n = part.length;
  const o = kind === 'codes16' ? new Uint16Array(out.buffer, out.byteOffset, n) : new Uint8Array(out.buffer, out.byteOffset, n);
  const missing = kind === 'codes16' ? MISSING_CODE16 : MISSING_CODE8;
  for (let i = 0; i < n; i++) {
    const c = part[i];
    o[i] = c < 0 ? missing : c;
  }
}

/**
 * Reads `count` rows stored as `kind` from `data` (at any offset) into `into` from row `at` on, front
 * to back: a chunk that chunkPlace put at the end of its rows' place is widened where it lies.
 */
export function readRows(kind: RowKind, data: Uint8Array, count: number, into: Float64Array | Int32Array, at: number): void {
  // A typed view needs an aligned offset (a copy, not `slice`, which on a Buffer is a view).
  const bytes = data.byteOffset % BYTES[kind] === 0 ? data : new Uint8Array(data);
  const { buffer, byteOffset } = bytes;
  switch (kind) {
    case 'values':
      into.set(new Float64Array(buffer, byteOffset, count), at);
      break;
    case 'codes':
      into.set(new Int32Array(buffer, byteOffset, count), at);
      break;
    case 'int32': {
      const src = new Int32Array(buffer, byteOffset, count);
      for (let i = 0; i < count; i++) into[at + i] = src[i] === MISSING_INT32 ? NaN : src[i];
      break;
    }
    case 'int8': {
      const src = new Int8Array(buffer, byteOffset, count);
      for (let i = 0; i < count; i++) into[at + i] = src[i] === MISSING_INT8 ? NaN : src[i];
      break;
    }
    case 'days32': {
      const src = new Int32Array(buffer, byteOffset, count);
      for (let i = 0; i < count; i++) into[at + i] = src[i] === MISSING_INT32 ? NaN : src[i] * DAY_MS;
      break;
    }
    case 'codes16': {
      const src = new Uint16Array(buffer, byteOffset, count);
      for (let i = 0; i < count; i++) into[at + i] = src[i] === MISSING_CODE16 ? -1 : src[i];
      break;
    }
    case 'codes8': {
      const src = new Uint8Array(buffer, byteOffset, count);
      for (let i = 0; i < count; i++) into[at + i] = src[i] === MISSING_CODE8 ? -1 : src[i];
      break;
    }
    default: {
      const src = new Int32Array(buffer, byteOffset, count);
      const div = POW10[decimalsOf(kind)];
      for (let i = 0; i < count; i++) into[at + i] = src[i] === MISSING_INT32 ? NaN : src[i] / div;
    }
  }
}

/**
 * A stored chunk of whole numbers as they are stored, without widening: each value times 10^scale
 * (scale 0 for 'int32' and 'int8', -1 for 'days32': days, N for 'decN'), `missing` marking a missing
 * one. Null for the kinds that hold values as they are ('values') or codes.
 */
export function scaledRows(kind: RowKind, data: Uint8Array, count: number): { scale: number; rows: Int32Array | Int8Array; missing: number } | null {
  if (kind === 'values' || !VALUE_KINDS.includes(kind)) return null;
  if (kind === 'int8') return { scale: 0, rows: new Int8Array(data.buffer, data.byteOffset, count), missing: MISSING_INT8 };
  const bytes = data.byteOffset % 4 === 0 ? data : new Uint8Array(data);
  const rows = new Int32Array(bytes.buffer, bytes.byteOffset, count);
  return { scale: kind === 'int32' ? 0 : kind === 'days32' ? -1 : decimalsOf(kind as DecimalKind), rows, missing: MISSING_INT32 };
}

/** The column's chunks; `fromChunk` skips the first row chunks (stored already, as blocks of a parse). */
export function encodeColumn(col: Column, fromChunk = 0): EncodedChunk[] {
  const out: EncodedChunk[] = [];
  const rows = col.type === 'string' ? col.codes.length : col.values.length;
  for (let i = fromChunk, start = fromChunk * CHUNK_ROWS; start < rows; start += CHUNK_ROWS, i++) {
    const end = Math.min(rows, start + CHUNK_ROWS);
    const part = col.type === 'string' ? col.codes.subarray(start, end) : col.values.subarray(start, end);
    const kind = rowKindOf(part, col.type === 'string');
    // Bytes of their own: the stored bytes must not alias the live table (which may sit on a
    // SharedArrayBuffer, and the database drivers take plain buffers).
    const data = new Uint8Array(rowKindBytes(kind, part.length));
    writeRows(part, kind, data);
    out.push({ kind, chunk: i, count: end - start, data });
  }
  if (col.type === 'string') {
    const encoder = new TextEncoder();
    for (let start = 0, i = 0; start < col.dict.length; start += DICT_CHUNK_ENTRIES, i++) {
      const part = col.dict.slice(start, start + DICT_CHUNK_ENTRIES);
      out.push({ kind: 'dict', chunk: i, count: part.length, data: encoder.encode(JSON.stringify(part)) });
    }
  }
  return out;
}

/** The typed array a column is rebuilt in, on a SharedArrayBuffer (see split-rows.ts). */
export type ColumnArray = Float64Array | Int32Array;

export function columnArray(type: ColumnType, rowCount: number): ColumnArray {
  return type === 'string' ? sharedInt32(rowCount) : sharedFloat64(rowCount);
}

/**
 * Where a stored chunk's bytes belong in the column's array (a view of exactly `length` bytes), so
 * a reader can copy them straight there; null for a chunk that does not go there (a dictionary, or
 * one that does not fit). A narrower chunk goes at the end of its rows' place: decodeColumn then
 * widens it where it lies, front to back (value i is read before value i is written, and the bytes
 * written never reach a value not yet read). So a cold load touches no memory but the column's.
 */
export function chunkPlace(array: ColumnArray, kind: ChunkKind, chunk: number, count: number, length: number): Uint8Array | null {
  const size = array.BYTES_PER_ELEMENT;
  const start = chunk * CHUNK_ROWS;
  // The element size tells codes (Int32) from values (Float64), whatever realm made the array.
  if (!rowKindFits(kind, size === 4 ? 'string' : 'number') || length !== rowKindBytes(kind as RowKind, count) || start + count > array.length) return null;
  return new Uint8Array(array.buffer, array.byteOffset + (start + count) * size - length, length);
}

/**
 * Rebuilds a column from its chunks (any order) in `array` (a new one by default). Chunks a reader
 * already placed there (chunkPlace) are widened where they lie, or left as they are. A chunk's bytes
 * may sit at any offset (a small one read from PostgreSQL lives in Node's shared buffer pool).
 */
export function decodeColumn(name: string, type: ColumnType, rowCount: number, chunks: EncodedChunk[], array = columnArray(type, rowCount)): Column {
  const size = array.BYTES_PER_ELEMENT;
  let offset = 0;
  for (const c of chunks.filter((c) => rowKindFits(c.kind, type)).sort((a, b) => a.chunk - b.chunk)) {
    const placed = c.data.buffer === array.buffer && c.data.byteOffset === array.byteOffset + (offset + c.count) * size - c.data.byteLength;
    if (!placed || (c.kind !== 'values' && c.kind !== 'codes')) readRows(c.kind as RowKind, c.data, c.count, array, offset);
    offset += c.count;
  }
  // Rows not read would be zeros: say so instead. The version was removed while it was read (a
  // delete, or a newer version), or a newer server sharing the database wrote a kind this one does not know.
  if (offset !== rowCount) throw new IncompleteColumn(`Column "${name}" has ${offset} of its ${rowCount} rows stored in a form this server reads.`);
  if (type !== 'string') return { name, type, values: array as Float64Array };
  const dict: string[] = [];
  const decoder = new TextDecoder();
  for (const c of chunks.filter((c) => c.kind === 'dict').sort((a, b) => a.chunk - b.chunk)) {
    for (const s of JSON.parse(decoder.decode(c.data)) as string[]) dict.push(s);
  }
  return { name, type, codes: array as Int32Array, dict };
}

/** A column whose stored chunks do not cover its rows (decodeColumn). */
export class IncompleteColumn extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IncompleteColumn';
  }
}

/** Bytes a decoded column holds in memory (for the cache's budget). */
export function columnBytes(col: Column): number {
  if (col.type !== 'string') return col.values.byteLength;
  let dictBytes = 0;
  for (const s of col.dict) dictBytes += 16 + s.length * 2;
  return col.codes.byteLength + dictBytes;
}
