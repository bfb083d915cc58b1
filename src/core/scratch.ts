// Typed arrays reused by the passes of one request instead of each touching new memory, which is
// slow on this kind of VM (about 11 µs per 4 KB page) and leaves garbage whose freeing stalls the
// next request. Held through a WeakRef: kept while the GC keeps it, not for the life of the process.
// One per thread (each has its own copy of the module), and never shared between two live uses.

export class Scratch<T extends Float64Array | Int32Array> {
  private ref: WeakRef<T> | undefined;

  constructor(private readonly make: (length: number) => T) {}

  /** An array of at least `length` entries; what it holds is left over from its last use. */
  get(length: number): T {
    let array = this.ref?.deref();
    if (!array || array.length < length) {
      array = this.make(length);
      this.ref = new WeakRef(array);
    }
    return array;
  }
}
