// The binary COPY reader against streams built by hand from the format's description (the
// PostgreSQL run of the content-store tests reads real ones).
import { describe, expect, test } from '@jest/globals';
import { binaryCopyRows } from '../../src/db/pg-binary-copy.js';

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

describe('binaryCopyRows', () => {
  test('when rows hold text, integers, bytes and NULLs, then each field comes back as its bytes', () => {
    const blob = Buffer.from([0, 1, 2, 255, 10, 13]);
    const rows = binaryCopyRows(stream([
      [Buffer.from('values'), i32(3), i32(65536), blob],
      [Buffer.from('dict'), i32(0), i32(2), null],
      [Buffer.from(''), i32(-7), i32(0), Buffer.alloc(0)],
    ], Buffer.from('ext')));
    expect(rows).toHaveLength(3);
    expect(rows[0][0]!.toString()).toBe('values');
    expect(rows[0][1]!.readInt32BE(0)).toBe(3);
    expect(rows[0][2]!.readInt32BE(0)).toBe(65536);
    expect(rows[0][3]!.equals(blob)).toBe(true);
    expect(rows[1][3]).toBeNull();
    expect(rows[2][1]!.readInt32BE(0)).toBe(-7);
    expect(rows[2][3]!.length).toBe(0);
  });

  test('when there are no rows, then the answer is empty', () => {
    expect(binaryCopyRows(stream([]))).toEqual([]);
  });

  test('when the stream is not binary COPY or ends inside a row, then it throws', () => {
    expect(() => binaryCopyRows(Buffer.from('kind,chunk\nvalues,1\n'))).toThrow('Not a binary COPY stream');
    const whole = stream([[Buffer.from('values'), Buffer.alloc(100)]]);
    expect(() => binaryCopyRows(whole.subarray(0, whole.length - 40))).toThrow('ended inside a row');
  });
});
