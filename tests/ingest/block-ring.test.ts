// The ring blocks of rows go through from the ingest worker to the request thread: regions in use
// never overlap, a region is reused only after the request thread is done with it, and a full ring
// answers null (the worker then gives the block a buffer of its own).
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { makeRingBuffer, RingReader, RingWriter } from '../../src/modules/ingest/block-ring.js';

function ring(bytes: number) {
  const buffer = makeRingBuffer(bytes);
  return { writer: new RingWriter(buffer), reader: new RingReader(buffer) };
}

describe('block ring', () => {
  test('when regions are taken, then they follow one another until the ring is full', () => {
    const { writer } = ring(100);
    const a = writer.take(40)!;
    const b = writer.take(40)!;
    expect(writer.offsetOf(a.memory)).toBe(0);
    expect(writer.offsetOf(b.memory)).toBe(40);
    expect(writer.take(40)).toBeNull();
    expect(writer.take(20)).not.toBeNull();
  });

  test('when the oldest region is released, then the next region wraps around to the start', () => {
    const { writer, reader } = ring(100);
    const a = writer.take(40)!;
    writer.take(40);
    expect(writer.take(30)).toBeNull();
    reader.release(a.seq);
    const c = writer.take(30)!;
    expect(writer.offsetOf(c.memory)).toBe(0);
    // Wrapped: only the 10 bytes between the new region and the oldest one in use are free.
    expect(writer.take(11)).toBeNull();
    expect(writer.offsetOf(writer.take(10)!.memory)).toBe(30);
  });

  test('when a newer region is released first, then nothing is freed until the oldest is', () => {
    const { writer, reader } = ring(90);
    const a = writer.take(30)!;
    const b = writer.take(30)!;
    writer.take(30);
    reader.release(b.seq);
    expect(writer.take(30)).toBeNull();
    reader.release(a.seq);
    // Both a and b are free now: 60 bytes from the start.
    expect(writer.take(60)).not.toBeNull();
  });

  test('when a block is bigger than the ring, or 64 regions are in use, then there is no room', () => {
    const { writer } = ring(1000);
    expect(writer.take(1001)).toBeNull();
    for (let i = 0; i < 64; i++) expect(writer.take(8)).not.toBeNull();
    expect(writer.take(8)).toBeNull();
  });

  test('when every region is released, then the next one starts at the beginning', () => {
    const { writer, reader } = ring(100);
    const a = writer.take(60)!;
    reader.release(a.seq);
    expect(writer.offsetOf(writer.take(70)!.memory)).toBe(0);
  });

  test('the reader sees the bytes the writer wrote, and regions in use never share a byte', () => {
    // Random sizes and releases in random order: each region in use keeps its own pattern.
    const op = fc.oneof(fc.record({ take: fc.integer({ min: 1, max: 48 }) }), fc.record({ release: fc.nat() }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const { writer, reader } = ring(128);
        const live: { seq: number; offset: number; bytes: number }[] = [];
        for (const o of ops) {
          if ('take' in o) {
            const r = writer.take(o.take);
            if (!r) continue;
            r.memory.fill(r.seq % 251);
            live.push({ seq: r.seq, offset: writer.offsetOf(r.memory), bytes: o.take });
          } else if (live.length > 0) {
            const [gone] = live.splice(o.release % live.length, 1);
            reader.release(gone.seq);
          }
          for (const r of live) expect(reader.view(r.offset, r.bytes).every((b) => b === r.seq % 251)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('counts blocks sent in the ring and blocks that did not fit', () => {
    const { writer, reader } = ring(100);
    writer.count(true);
    writer.count(true);
    writer.count(false);
    expect(reader.counts()).toEqual({ inRing: 2, outside: 1 });
  });
});
