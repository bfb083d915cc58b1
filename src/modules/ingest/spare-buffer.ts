// One upload buffer kept for the next upload for a while, then let go, so an idle server gives the
// memory back. On this kind of machine, memory a process touches for the first time costs about
// 3 ms per MB (page faults): more than parsing the bytes in it.

/** A spare buffer is kept this long after an upload. */
const SPARE_MS = 60_000;

export function spareBuffer<T extends { byteLength: number }>(make: (size: number) => T) {
  let spare: T | null = null;
  let timer: NodeJS.Timeout | null = null;
  return {
    /** A buffer of at least `size` bytes: the spare one when it is big enough. */
    take(size: number): T {
      if (spare && spare.byteLength >= size) {
        const b = spare;
        spare = null;
        return b;
      }
      return make(size);
    },
    /** Done with `buf`: keep it for the next upload (the bigger of it and the spare). */
    giveBack(buf: T): void {
      if (spare && spare.byteLength >= buf.byteLength) return;
      spare = buf;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        spare = null;
        timer = null;
      }, SPARE_MS);
      timer.unref();
    },
  };
}
