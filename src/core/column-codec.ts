// Stored form of a column: chunks of rows as raw little-endian typed-array bytes (loaded back
// without parsing), and a string column's dictionary as JSON chunks.
import type { Column, ColumnType } from './column.js';
import { sharedFloat64, sharedInt32 } from './parallel/shared-arrays.js';

export const CHUNK_ROWS = 65_536;
export const DICT_CHUNK_ENTRIES = 65_536;

/** 'claim': the row a change writes first to own a new version (table-store's claimVersion). */
export type ChunkKind = 'values' | 'codes' | 'dict' | 'claim';

export interface EncodedChunk {
  kind: ChunkKind;
  chunk: number;
  count: number;
  data: Uint8Array;
}

function bytesOf(view: Float64Array | Int32Array): Uint8Array {
  // A copy on an ArrayBuffer of its own: the stored bytes must not alias the live table (which may
  // sit on a SharedArrayBuffer, and the database drivers take plain buffers).
  const out = new Uint8Array(view.byteLength);
  out.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  return out;
}

/** The column's chunks; `fromChunk` skips the first row chunks (stored already, as blocks of a parse). */
export function encodeColumn(col: Column, fromChunk = 0): EncodedChunk[] {
  const out: EncodedChunk[] = [];
  const rows = col.type === 'string' ? col.codes.length : col.values.length;
  for (let i = fromChunk, start = fromChunk * CHUNK_ROWS; start < rows; start += CHUNK_ROWS, i++) {
    const end = Math.min(rows, start + CHUNK_ROWS);
    const part = col.type === 'string' ? col.codes.subarray(start, end) : col.values.subarray(start, end);
    out.push({ kind: col.type === 'string' ? 'codes' : 'values', chunk: i, count: end - start, data: bytesOf(part) });
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
 * one that does not fit: decodeColumn then says what is wrong).
 */
export function chunkPlace(array: ColumnArray, kind: ChunkKind, chunk: number, count: number, length: number): Uint8Array | null {
  const expected = array instanceof Int32Array ? 'codes' : 'values';
  const start = chunk * CHUNK_ROWS;
  if (kind !== expected || length !== count * array.BYTES_PER_ELEMENT || start + count > array.length) return null;
  return new Uint8Array(array.buffer, start * array.BYTES_PER_ELEMENT, length);
}

/**
 * Rebuilds a column from its chunks (any order) in `array` (a new one by default). Chunks a reader
 * already placed there (chunkPlace) are not copied again. A chunk's bytes may sit at any offset (a
 * small one read from PostgreSQL lives in Node's shared buffer pool): unaligned ones are copied
 * first (`new Uint8Array`, not `slice`, which on a Buffer is a view).
 */
export function decodeColumn(name: string, type: ColumnType, rowCount: number, chunks: EncodedChunk[], array = columnArray(type, rowCount)): Column {
  const byKind = (kind: ChunkKind) => chunks.filter((c) => c.kind === kind).sort((a, b) => a.chunk - b.chunk);
  const size = array.BYTES_PER_ELEMENT;
  let offset = 0;
  for (const c of byKind(type === 'string' ? 'codes' : 'values')) {
    const inPlace = c.data.buffer === array.buffer && c.data.byteOffset === offset * size;
    if (!inPlace) {
      const aligned = c.data.byteOffset % size === 0 ? c.data : new Uint8Array(c.data);
      const part = type === 'string' ? new Int32Array(aligned.buffer, aligned.byteOffset, c.count) : new Float64Array(aligned.buffer, aligned.byteOffset, c.count);
      array.set(part, offset);
    }
    offset += c.count;
  }
  if (type !== 'string') return { name, type, values: array as Float64Array };
  const dict: string[] = [];
  const decoder = new TextDecoder();
  for (const c of byKind('dict')) for (const s of JSON.parse(decoder.decode(c.data)) as string[]) dict.push(s);
  return { name, type, codes: array as Int32Array, dict };
}

/** Bytes a decoded column holds in memory (for the cache's budget). */
export function columnBytes(col: Column): number {
  if (col.type !== 'string') return col.values.byteLength;
  let dictBytes = 0;
  for (const s of col.dict) dictBytes += 16 + s.length * 2;
  return col.codes.byteLength + dictBytes;
}
