// Blocks of rows on their way from the ingest worker to the request thread (which stores them while
// the parse goes on) are copied into one SharedArrayBuffer, made once per worker, instead of a new
// buffer per block. Why: V8 counts every new buffer a thread makes or receives as memory outside
// its heap, and starts a full garbage collection about every 64 MB of it. A 1M-row upload sends
// about 72 MB of blocks; on their own buffers they cost each thread about one more full collection
// per upload (the marking for those collections, on V8's helper threads, took about a fifth of the
// server's CPU during uploads).
//
// The worker takes regions in order and wraps around; the request thread says when it is done with
// a region (stored or dropped) by setting that region's flag, and the worker frees regions from the
// oldest on, as far as their flags are set. When there is no room (the request thread is behind),
// the worker gives the block a buffer of its own, as before: nothing waits.

/** Room for a few blocks of a wide table (a block of 10 number columns takes 5 MB). */
export const RING_BYTES = 32 * 1024 * 1024;
/** Regions in use at most (each has a flag). */
const SLOTS = 64;
/** Header: SLOTS flags, then two counters (blocks sent in the ring, blocks that did not fit). */
const HEADER_INTS = SLOTS + 2;
const IN_RING = SLOTS;
const OUTSIDE = SLOTS + 1;

interface Region {
  seq: number;
  offset: number;
  end: number;
}

export function makeRingBuffer(bytes = RING_BYTES): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_INTS * 4 + bytes);
}

/** The request thread's side: where a block's bytes are, and saying it is done with them. */
export class RingReader {
  private readonly flags: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.flags = new Int32Array(buffer, 0, HEADER_INTS);
  }

  /** The bytes [offset, offset + length) of the ring's data. */
  view(offset: number, length: number): Uint8Array {
    return new Uint8Array(this.buffer, HEADER_INTS * 4 + offset, length);
  }

  /** Done with region `seq`: the worker may write over it. */
  release(seq: number): void {
    Atomics.store(this.flags, seq % SLOTS, 1);
  }

  /** Blocks sent through the ring, and blocks that did not fit (tests). */
  counts(): { inRing: number; outside: number } {
    return { inRing: Atomics.load(this.flags, IN_RING), outside: Atomics.load(this.flags, OUTSIDE) };
  }
}

/** The worker's side: hands out regions. */
export class RingWriter {
  private readonly flags: Int32Array;
  private readonly data: Uint8Array;
  /** Regions not yet freed, oldest first. */
  private readonly held: Region[] = [];
  /** Where the next region starts. */
  private head = 0;
  private nextSeq = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.flags = new Int32Array(buffer, 0, HEADER_INTS);
    this.data = new Uint8Array(buffer, HEADER_INTS * 4);
  }

  /** A region of `bytes` bytes and its number, or null when there is no room now. */
  take(bytes: number): { seq: number; memory: Uint8Array } | null {
    this.reclaim();
    const offset = this.place(bytes);
    if (offset === null) return null;
    const region = { seq: this.nextSeq++, offset, end: offset + bytes };
    this.held.push(region);
    this.head = region.end;
    return { seq: region.seq, memory: this.data.subarray(offset, region.end) };
  }

  /** Where a region of `bytes` fits: after the newest region, or from the start when that is free. */
  private place(bytes: number): number | null {
    const capacity = this.data.length;
    if (this.held.length === SLOTS || bytes > capacity) return null;
    if (this.held.length === 0) {
      this.head = 0;
      return 0;
    }
    const tail = this.held[0].offset;
    // Not wrapped: the regions in use run from tail to head.
    if (this.head > tail) {
      if (this.head + bytes <= capacity) return this.head;
      return bytes <= tail ? 0 : null;
    }
    // Wrapped: the free room is between head and tail.
    return this.head + bytes <= tail ? this.head : null;
  }

  /** Frees regions from the oldest on, as long as the request thread is done with them. */
  private reclaim(): void {
    while (this.held.length > 0) {
      const slot = this.held[0].seq % SLOTS;
      if (Atomics.load(this.flags, slot) !== 1) return;
      Atomics.store(this.flags, slot, 0);
      this.held.shift();
    }
  }

  /** The number of the region `view` starts, or null when it is not in the ring. */
  seqOf(view: Uint8Array): number | null {
    if (view.buffer !== this.data.buffer) return null;
    const offset = view.byteOffset - this.data.byteOffset;
    return this.held.find((r) => r.offset === offset)?.seq ?? null;
  }

  /** The place of `view` in the ring's data (the request thread rebuilds it with RingReader.view). */
  offsetOf(view: Uint8Array): number {
    return view.byteOffset - this.data.byteOffset;
  }

  /** Region `seq` is not needed (its block was dropped before it was sent). */
  release(seq: number): void {
    Atomics.store(this.flags, seq % SLOTS, 1);
  }

  /** Counts a block sent in the ring (true) or on a buffer of its own (false). */
  count(inRing: boolean): void {
    Atomics.add(this.flags, inRing ? IN_RING : OUTSIDE, 1);
  }
}
