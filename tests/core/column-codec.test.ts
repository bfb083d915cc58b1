// Stored chunks back to columns: each chunk is stored in the narrowest form that keeps its values
// exactly, and reads back bit for bit; chunks a reader copied straight into the column's array
// (chunkPlace) give the same column as chunks in buffers of their own, and a chunk that does not
// belong in the array gets no place there.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { CHUNK_ROWS, chunkPlace, codeKindForSize, codeKindOf, columnArray, decodeColumn, encodeColumn, valueKindOf, wholeKindOf } from '../../src/core/column-codec.js';
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
    // More than 65,535 values: the codes are stored full width, as Int32.
    const codes = Int32Array.from({ length: ROWS }, (_, i) => (i % 50 === 0 ? -1 : i));
    const col: Column = { name: 'city', type: 'string', codes, dict: Array.from({ length: ROWS }, (_, i) => `c${i}`) };
    const array = columnArray('string', ROWS);
    const chunks = placedChunks(col, array);
    expect(chunks.filter((c) => c.kind !== 'dict').map((c) => c.kind)).toEqual(['codes', 'codes', 'codes']);
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

/** The first row where two columns differ bit for bit (NaN and -0 included), or -1: a short message when it fails. */
function firstDifference(a: Float64Array | false, b: Float64Array): number {
  if (!a || a.length !== b.length) return -2;
  const x = new BigUint64Array(a.buffer, a.byteOffset, a.length);
  const y = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}
const DAY = 86_400_000;

describe('narrow chunk kinds', () => {
  test('each chunk takes the narrowest kind that keeps its values', () => {
    expect(valueKindOf(Float64Array.of(1, 0, NaN, 1))).toBe('int8');
    expect(valueKindOf(Float64Array.of(-127, 127))).toBe('int8');
    expect(valueKindOf(Float64Array.of(-128))).toBe('int32');
    expect(valueKindOf(Float64Array.of(2 ** 31 - 1, -(2 ** 31) + 1, NaN))).toBe('int32');
    expect(valueKindOf(Float64Array.of(-(2 ** 31)))).toBe('values');
    expect(valueKindOf(Float64Array.of(2 ** 31))).toBe('values');
    expect(valueKindOf(Float64Array.of(1.5, NaN, -2))).toBe('dec1');
    expect(valueKindOf(Float64Array.of(1.25, 3.5))).toBe('dec2');
    expect(valueKindOf(Float64Array.of(0.123456789))).toBe('dec9');
    expect(valueKindOf(Float64Array.of(0.1 + 0.2))).toBe('values'); // 0.30000000000000004
    expect(valueKindOf(Float64Array.of(214_748_364.7))).toBe('dec1');
    expect(valueKindOf(Float64Array.of(214_748_364.8))).toBe('values'); // 2^31 tenths
    expect(valueKindOf(Float64Array.of(-214_748_364.7))).toBe('dec1');
    expect(valueKindOf(Float64Array.of(-214_748_364.8))).toBe('values'); // the missing marker
    expect(valueKindOf(Float64Array.of(0.5, -0))).toBe('values');
    expect(valueKindOf(Float64Array.of(Infinity, 0.5))).toBe('values');
    expect(valueKindOf(Float64Array.of(-0))).toBe('values');
    expect(valueKindOf(Float64Array.of(Date.UTC(2024, 1, 29), Date.UTC(1900, 0, 1), NaN))).toBe('days32');
    expect(valueKindOf(Float64Array.of(Date.UTC(2024, 1, 29, 12)))).toBe('values');
    expect(valueKindOf(Float64Array.of(NaN, NaN))).toBe('int8');
    expect(codeKindOf(Int32Array.of(-1, 0, 254))).toBe('codes8');
    expect(codeKindOf(Int32Array.of(255))).toBe('codes16');
    expect(codeKindOf(Int32Array.of(65_534, -1))).toBe('codes16');
    expect(codeKindOf(Int32Array.of(65_535))).toBe('codes');
  });

  // The scan knows a column holds only whole numbers or dates: only the range is checked then.
  test('kinds told by what the values are: whole numbers and dates by their range, codes by the dictionary size', () => {
    expect(wholeKindOf(Float64Array.of(1, 0, NaN, 127, -127), false)).toBe('int8');
    expect(wholeKindOf(Float64Array.of(NaN, NaN), false)).toBe('int8');
    expect(wholeKindOf(Float64Array.of(5, -128), false)).toBe('int32');
    expect(wholeKindOf(Float64Array.of(128), false)).toBe('int32');
    expect(wholeKindOf(Float64Array.of(2 ** 31 - 1, -(2 ** 31) + 1, NaN), false)).toBe('int32');
    expect(wholeKindOf(Float64Array.of(-(2 ** 31)), false)).toBe('values');
    expect(wholeKindOf(Float64Array.of(2 ** 31), false)).toBe('values');
    expect(wholeKindOf(Float64Array.of(Date.UTC(9999, 11, 31), Date.UTC(-2000, 0, 1), NaN), true)).toBe('days32');
    expect(wholeKindOf(Float64Array.of((2 ** 31 - 1) * DAY), true)).toBe('days32');
    expect(wholeKindOf(Float64Array.of(2 ** 31 * DAY), true)).toBe('values');
    expect(wholeKindOf(Float64Array.of(-(2 ** 31) * DAY), true)).toBe('values');
    expect(codeKindForSize(0)).toBe('codes8');
    expect(codeKindForSize(255)).toBe('codes8'); // codes 0-254; 255 marks a missing one
    expect(codeKindForSize(256)).toBe('codes16');
    expect(codeKindForSize(65_535)).toBe('codes16');
    expect(codeKindForSize(65_536)).toBe('codes');
  });

  test('a chunk of each kind, stored and read back, is bit for bit the column (chunks of mixed kinds in one column)', () => {
    const parts = [
      Array.from({ length: CHUNK_ROWS }, (_, i) => (i % 9 === 0 ? NaN : i % 2)), // int8
      Array.from({ length: CHUNK_ROWS }, (_, i) => (i % 9 === 0 ? NaN : i * 1000 - 5e7)), // int32
      Array.from({ length: CHUNK_ROWS }, (_, i) => (i % 9 === 0 ? NaN : (i - 40_000) * DAY)), // days32
      Array.from({ length: CHUNK_ROWS }, (_, i) => (i % 9 === 0 ? NaN : (i - 30_000) / 1000)), // dec3
      Array.from({ length: 321 }, (_, i) => (i === 7 ? -0 : i / 3)), // values
    ];
    const values = Float64Array.from(parts.flat());
    const chunks = encodeColumn({ name: 'x', type: 'number', values });
    expect(chunks.map((c) => [c.kind, c.data.byteLength])).toEqual([['int8', CHUNK_ROWS], ['int32', CHUNK_ROWS * 4], ['days32', CHUNK_ROWS * 4], ['dec3', CHUNK_ROWS * 4], ['values', 321 * 8]]);
    const out = decodeColumn('x', 'number', values.length, [...chunks].reverse());
    expect(firstDifference(out.type !== 'string' && out.values, values)).toBe(-1);
  });

  test('any numbers read back bit for bit, whatever kind their chunk took', () => {
    const sorts = [
      fc.double(),
      fc.integer({ min: -130, max: 130 }),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
      fc.integer({ min: -200_000, max: 200_000 }).map((d) => d * DAY),
      // A few decimals, as prices and amounts have them, up to the edges of the 4-byte form.
      fc.tuple(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), fc.integer({ min: 1, max: 10 })).map(([k, s]) => k / 10 ** s),
      fc.tuple(fc.integer({ min: -(10 ** 6), max: 10 ** 6 }), fc.integer({ min: 1, max: 9 })).map(([k, s]) => Number((k / 10 ** s).toFixed(s))),
      fc.constantFrom(NaN, -0, 0, 2 ** 31 * DAY, -(2 ** 31) * DAY, Number.MAX_SAFE_INTEGER, 0.1 + 0.2, 1e-10, -(2 ** 31) / 10),
    ];
    // One sort of number per column (so every kind is met), or all sorts mixed.
    const column = fc.oneof(...sorts.map((sort) => fc.array(sort, { minLength: 1, maxLength: 300 })), fc.array(fc.oneof(...sorts), { minLength: 1, maxLength: 300 }));
    fc.assert(
      fc.property(column, (list) => {
        const values = Float64Array.from(list);
        const out = decodeColumn('x', 'number', values.length, encodeColumn({ name: 'x', type: 'number', values }));
        expect(firstDifference(out.type !== 'string' && out.values, values)).toBe(-1);
      }),
      { numRuns: 500 },
    );
  });

  test('any codes read back exactly, whatever kind their chunk took', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(-1), fc.nat({ max: 300 }), fc.nat({ max: 70_000 })), { minLength: 1, maxLength: 300 }), (list) => {
        const codes = Int32Array.from(list);
        const dict = Array.from({ length: Math.max(0, ...list) + 1 }, (_, i) => String(i));
        const out = decodeColumn('c', 'string', codes.length, encodeColumn({ name: 'c', type: 'string', codes, dict }));
        expect(out.type === 'string' && Array.from(out.codes)).toEqual(list);
      }),
      { numRuns: 300 },
    );
  });

  test('narrow chunks a reader placed in the column are widened where they lie', () => {
    const parts = [
      Array.from({ length: CHUNK_ROWS }, (_, i) => (i % 9 === 0 ? NaN : i % 2)), // int8
      Array.from({ length: CHUNK_ROWS }, (_, i) => (i % 9 === 0 ? NaN : (i - 40_000) * DAY)), // days32
      Array.from({ length: CHUNK_ROWS }, (_, i) => (i % 9 === 0 ? NaN : i * 1000 - 5e7)), // int32
      Array.from({ length: 555 }, (_, i) => (i % 200) - 100), // int8, a short last chunk
    ];
    const values = Float64Array.from(parts.flat());
    const array = columnArray('number', values.length);
    const chunks = placedChunks({ name: 'x', type: 'number', values }, array);
    expect(chunks.map((c) => c.kind)).toEqual(['int8', 'days32', 'int32', 'int8']);
    expect(chunks.every((c) => c.data.buffer === array.buffer)).toBe(true);
    const out = decodeColumn('x', 'number', values.length, chunks, array);
    expect(out.type !== 'string' && out.values).toBe(array);
    expect(firstDifference(array as Float64Array, values)).toBe(-1);

    const codes = Int32Array.from({ length: 2 * CHUNK_ROWS + 9 }, (_, i) => (i % 11 === 0 ? -1 : i < CHUNK_ROWS ? i % 200 : i % 60_000));
    const dict = Array.from({ length: 60_000 }, (_, i) => `v${i}`);
    const codeArray = columnArray('string', codes.length);
    const codeChunks = placedChunks({ name: 'c', type: 'string', codes, dict }, codeArray);
    expect(codeChunks.map((c) => c.kind)).toEqual(['codes8', 'codes16', 'codes16', 'dict']);
    expect(decodeColumn('c', 'string', codes.length, codeChunks, codeArray)).toEqual({ name: 'c', type: 'string', codes, dict });
  });

  test('chunks stored in full width before narrow kinds existed still read back', () => {
    const values = Float64Array.of(1, 2, NaN, 4);
    const codes = Int32Array.of(0, -1, 1);
    const old = (a: Float64Array | Int32Array) => new Uint8Array(a.buffer.slice(0));
    const dict = new TextEncoder().encode(JSON.stringify(['a', 'b']));
    const num = decodeColumn('n', 'integer', 4, [{ kind: 'values', chunk: 0, count: 4, data: old(values) }]);
    expect(firstDifference(num.type !== 'string' && num.values, values)).toBe(-1);
    const text = decodeColumn('t', 'string', 3, [{ kind: 'codes', chunk: 0, count: 3, data: old(codes) }, { kind: 'dict', chunk: 0, count: 2, data: dict }]);
    expect(text).toEqual({ name: 't', type: 'string', codes, dict: ['a', 'b'] });
  });

  test('a chunk of a kind this version does not know is an error, not rows of zeros', () => {
    const known = { kind: 'int8' as const, chunk: 0, count: 2, data: Uint8Array.of(1, 2) };
    const unknown = { kind: 'dec12' as unknown as 'int8', chunk: 1, count: 2, data: new Uint8Array(8) };
    expect(() => decodeColumn('n', 'number', 4, [known, unknown])).toThrow(/2 of its 4 rows/);
    expect(() => decodeColumn('n', 'number', 2, [known])).not.toThrow();
  });
});
