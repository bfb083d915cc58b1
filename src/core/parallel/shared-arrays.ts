// Typed arrays on SharedArrayBuffers: split-rows.ts hands them to the helper thread without a copy.
// Columns are read back from the database into these (analyses always read a dataset from there).

export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}

export function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * Int32Array.BYTES_PER_ELEMENT));
}

/** A copy of `from` on a SharedArrayBuffer. */
export function sharedCopy<T extends Float64Array | Int32Array>(from: T): T {
  const to = (from.BYTES_PER_ELEMENT === 8 ? sharedFloat64(from.length) : sharedInt32(from.length)) as T;
  to.set(from);
  return to;
}
