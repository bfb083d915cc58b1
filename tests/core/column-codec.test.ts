// Stored chunks back to columns: chunks a reader copied straight into the column's array
// (chunkPlace) give the same column as chunks in buffers of their own, and a chunk that does not
// belong in the array gets no place there.
import { describe, expect, test } from '@jest/globals';
import { CHUNK_ROWS, chunkPlace, columnArray, decodeColumn, encodeColumn } from '../../src/core/column-codec.js';
import type { Column } from '../../src/core/column.js';

const ROWS = 2 * CHUNK_ROWS + 777;

/** What a reader that uses chunkPlace hands back: the bytes copied into the array where it says. */
function placedChunks(col: Column, array: Float64Array | Int32Array) {
  return encodeColumn(col).map((c) => {
    const into = chunkPlace(array, c.kind, c.chunk, c.count, c.data.byteLength);
    if (!into) return c;
    into.set(c.data);
    return { ...c, data: into };
  });
}

describe('decodeColumn with chunks placed by the reader', () => {
  test('when a number column is read into its array, then it is the column that was stored', () => {
    const values = Float64Array.from({ length: ROWS }, (_, i) => (i % 97 === 0 ? NaN : i * 0.25 - 1000));
    const col: Column = { name: 'price', type: 'number', values };
    const array = columnArray('number', ROWS);
    const chunks = placedChunks(col, array);
    expect(chunks.every((c) => c.data.buffer === array.buffer)).toBe(true);
    const out = decodeColumn('price', 'number', ROWS, chunks, array);
    expect(out.type === 'number' && out.values).toEqual(values);
    expect(decodeColumn('price', 'number', ROWS, encodeColumn(col))).toEqual(out);
  });

  test('when a text column is read into its array, then its codes are placed and its dictionary is read', () => {
    const codes = Int32Array.from({ length: ROWS }, (_, i) => (i % 50 === 0 ? -1 : i % 7));
    const col: Column = { name: 'city', type: 'string', codes, dict: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] };
    const array = columnArray('string', ROWS);
    const chunks = placedChunks(col, array);
    expect(chunks.filter((c) => c.kind === 'codes').every((c) => c.data.buffer === array.buffer)).toBe(true);
    expect(chunks.filter((c) => c.kind === 'dict').every((c) => c.data.buffer !== array.buffer)).toBe(true);
    expect(decodeColumn('city', 'string', ROWS, chunks, array)).toEqual(col);
  });

  test('a chunk of another kind, of the wrong size, or past the end gets no place', () => {
    const array = columnArray('number', ROWS);
    expect(chunkPlace(array, 'codes', 0, CHUNK_ROWS, CHUNK_ROWS * 4)).toBeNull();
    expect(chunkPlace(array, 'values', 0, CHUNK_ROWS, CHUNK_ROWS * 4)).toBeNull();
    expect(chunkPlace(array, 'values', 3, CHUNK_ROWS, CHUNK_ROWS * 8)).toBeNull();
    expect(chunkPlace(array, 'values', 2, 777, 777 * 8)!.byteOffset).toBe(2 * CHUNK_ROWS * 8);
  });
});
