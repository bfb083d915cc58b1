// Typed arrays on SharedArrayBuffers: split-rows.ts hands them to the helper thread without a copy.
// Columns are read back from the database into these (analyses always read a dataset from there).

const LARGE_PAGE = 2 * 1024 * 1024;
/** What the C library adds to a big block it asks the system for (its header, rounded). */
const MALLOC_HEADER = 32;

/**
 * The bytes to ask for an array of `bytes`: past one large page, a whole number of large pages
 * minus the C library's header. Why: Linux puts a mapping of whole large pages on a large-page
 * boundary, so where large pages are used (`npm start` turns them on where touching new memory is
 * slow, scripts/malloc-tunables.mjs) all of a column gets them. A mapping of any other size starts
 * anywhere, and its first and last 2 MB took small pages: 5,200 page faults for ten 8 MB columns
 * instead of 94 (72 ms against 7-19 on this kind of machine). The extra room is never touched, so
 * it costs no memory; the array is a view of exactly `bytes`.
 */
function roomFor(bytes: number): number {
  if (bytes <= LARGE_PAGE) return bytes;
  return Math.ceil((bytes + MALLOC_HEADER) / LARGE_PAGE) * LARGE_PAGE - MALLOC_HEADER;
}

export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(roomFor(length * Float64Array.BYTES_PER_ELEMENT)), 0, length);
}

export function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(roomFor(length * Int32Array.BYTES_PER_ELEMENT)), 0, length);
}

/** A copy of `from` on a SharedArrayBuffer. */
export function sharedCopy<T extends Float64Array | Int32Array>(from: T): T {
  const to = (from.BYTES_PER_ELEMENT === 8 ? sharedFloat64(from.length) : sharedInt32(from.length)) as T;
  to.set(from);
  return to;
}
