// The binary COPY reader against streams built by hand from the format's description, handed over
// in pieces of every size, and the writer against the reader (the PostgreSQL run of the
// content-store tests writes and reads real ones).
import { describe, expect, test } from '@jest/globals';
import { BinaryCopyReader, binaryCopyPieces } from '../../src/db/pg-binary-copy.js';

const SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);

/** A binary COPY stream of these rows (null = SQL NULL), with an optional header extension. */
function stream(rows: (Buffer | null)[][], extension = Buffer.alloc(0)): Buffer {
  const parts: Buffer[] = [SIGNATURE, Buffer.alloc(4), u32(extension.length), extension];
  for (const row of rows) {
    parts.push(i16(row.length));
    for (const field of row) parts.push(field === null ? i32(-1) : Buffer.concat([i32(field.length), field]));
  }
  parts.push(i16(-1));
  return Buffer.concat(parts);
}
const i16 = (v: number) => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };
const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b; };

/** Reads a stream handed over in pieces of `size` bytes. */
function read(buf: Buffer, size = buf.length): (Buffer | null)[][] {
  const reader = new BinaryCopyReader();
  for (let at = 0; at < buf.length; at += size) reader.push(buf.subarray(at, at + size));
  return reader.end();
}

describe('BinaryCopyReader', () => {
  test.each([1, 3, 7, 1000])('when rows hold text, integers, bytes and NULLs, then each field comes back as its bytes (pieces of %i bytes)', (size) => {
    const blob = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) & 255));
    const rows = read(stream([
      [Buffer.from('values'), i32(3), i32(65536), blob],
      [Buffer.from('dict'), i32(0), i32(2), null],
      [Buffer.from(''), i32(-7), i32(0), Buffer.alloc(0)],
    ], Buffer.from('ext')), size);
    expect(rows).toHaveLength(3);
    expect(rows[0][0]!.toString()).toBe('values');
    expect(rows[0][1]!.readInt32BE(0)).toBe(3);
    expect(rows[0][2]!.readInt32BE(0)).toBe(65536);
    expect(rows[0][3]!.equals(blob)).toBe(true);
    expect(rows[0][3]!.byteOffset % 8).toBe(0); // a big field can back a Float64Array as it is
    expect(rows[1][3]).toBeNull();
    expect(rows[2][1]!.readInt32BE(0)).toBe(-7);
    expect(rows[2][3]!.length).toBe(0);
  });

  test('when a target gives a place for a field, then its bytes are copied there and nowhere else', () => {
    const blob = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 11) & 255));
    const place = new Uint8Array(new SharedArrayBuffer(8000));
    const seen: string[] = [];
    const reader = new BinaryCopyReader((before, length) => {
      seen.push(`${before.length}:${length}`);
      return before.length === 1 ? place.subarray(1000, 1000 + length) : null;
    });
    const whole = stream([[Buffer.from('values'), blob]]);
    for (let at = 0; at < whole.length; at += 333) reader.push(whole.subarray(at, at + 333));
    const [[kind, data]] = reader.end();
    expect(seen).toEqual(['0:6', '1:5000']);
    expect(kind!.toString()).toBe('values');
    expect(data!.buffer).toBe(place.buffer);
    expect(data!.byteOffset).toBe(1000);
    expect(Buffer.from(place.buffer, 1000, 5000).equals(blob)).toBe(true);
  });

  test('when there are no rows, then the answer is empty', () => {
    expect(read(stream([]))).toEqual([]);
  });

  test('when the stream is not binary COPY or ends inside a row, then it throws', () => {
    expect(() => read(Buffer.from('kind,chunk\nvalues,1\n,and more'))).toThrow('Not a binary COPY stream');
    const whole = stream([[Buffer.from('values'), Buffer.alloc(100)]]);
    expect(() => read(whole.subarray(0, whole.length - 40), 16)).toThrow('ended inside a row');
    expect(() => read(Buffer.concat([whole, Buffer.from([0])]))).toThrow('goes on after its end');
  });
});

describe('binaryCopyPieces', () => {
  test('when rows hold text, integers and bytes, then the stream reads back as the same fields', () => {
    const blob = new Uint8Array(new SharedArrayBuffer(64)).map((_, i) => i * 3);
    const pieces = binaryCopyPieces([
      ['ds-é', 2, -1, 'values', blob.subarray(8, 40)],
      ['', 0, 65536, 'codes', new Uint8Array(0)],
    ]);
    const rows = read(Buffer.concat(pieces), 5);
    expect(rows.map((r) => r.length)).toEqual([5, 5]);
    expect(rows[0][0]!.toString('utf8')).toBe('ds-é');
    expect([rows[0][1]!.readInt32BE(0), rows[0][2]!.readInt32BE(0), rows[1][2]!.readInt32BE(0)]).toEqual([2, -1, 65536]);
    expect(rows[0][3]!.toString()).toBe('values');
    expect([...rows[0][4]!]).toEqual([...blob.subarray(8, 40)]);
    expect(rows[1][4]!.length).toBe(0);
  });

  test('a bytes field goes out as a view of its memory, not a copy', () => {
    const data = new Uint8Array(1024).fill(7);
    const piece = binaryCopyPieces([['id', data]]).find((p) => p.length === 1024)!;
    expect(piece.buffer).toBe(data.buffer);
  });
});
