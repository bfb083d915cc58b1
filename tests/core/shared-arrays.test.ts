// Columns on SharedArrayBuffers: exactly as long as asked, on a buffer of whole large pages (less
// the C library's header) once past one large page, so Linux can back all of it with large pages.
import { expect, test } from '@jest/globals';
import { sharedCopy, sharedFloat64, sharedInt32 } from '../../src/core/parallel/shared-arrays.js';

const LARGE_PAGE = 2 * 1024 * 1024;

test('small arrays: a buffer of exactly their size', () => {
  expect(sharedFloat64(1000).buffer.byteLength).toBe(8000);
  expect(sharedInt32(0).length).toBe(0);
  expect(sharedFloat64(LARGE_PAGE / 8).buffer.byteLength).toBe(LARGE_PAGE);
});

test('big arrays: exact length, a buffer of whole large pages less 32 bytes, room never seen', () => {
  for (const [array, bytes] of [
    [sharedFloat64(1_000_000), 8],
    [sharedInt32(1_000_000), 4],
    [sharedFloat64(LARGE_PAGE / 8 + 1), 8],
  ] as const) {
    expect(array.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(array.byteLength).toBe(array.length * bytes);
    expect((array.buffer.byteLength + 32) % LARGE_PAGE).toBe(0);
    expect(array.buffer.byteLength).toBeGreaterThanOrEqual(array.byteLength);
  }
  const values = sharedFloat64(1_000_000);
  values[999_999] = 2.5;
  const copy = sharedCopy(values);
  expect(copy.length).toBe(1_000_000);
  expect(copy[999_999]).toBe(2.5);
  expect(Array.from(copy.subarray(-2))).toEqual([0, 2.5]);
});
