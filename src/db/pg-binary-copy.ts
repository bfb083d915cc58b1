// Reading PostgreSQL's binary COPY format (`COPY … TO STDOUT (FORMAT binary)`), the way the content
// repository reads column chunks: bytea comes back as its raw bytes, where a SELECT sends it as hex
// or base64 text that the server has to encode and the client has to decode.
//
// The format: an 11-byte signature, a 32-bit flags word and a header extension (length-prefixed);
// then one tuple per row — a 16-bit field count, and per field a 32-bit length (−1 for NULL) and
// that many bytes — and a 16-bit −1 at the end. Integers are big-endian.

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** The rows of a binary COPY output: each field as a view into `buf` (no copy), or null. */
export function binaryCopyRows(buf: Buffer): (Buffer | null)[][] {
  if (buf.length < 19 || !buf.subarray(0, 11).equals(SIGNATURE)) throw new Error('Not a binary COPY stream.');
  let at = 15 + 4 + buf.readUInt32BE(15);
  const rows: (Buffer | null)[][] = [];
  for (;;) {
    const fields = buf.readInt16BE(at);
    at += 2;
    if (fields === -1) return rows;
    const row: (Buffer | null)[] = new Array(fields);
    for (let f = 0; f < fields; f++) {
      const length = buf.readInt32BE(at);
      at += 4;
      if (length < 0) {
        row[f] = null;
        continue;
      }
      if (at + length > buf.length) throw new Error('The binary COPY stream ended inside a row.');
      row[f] = buf.subarray(at, at + length);
      at += length;
    }
    rows.push(row);
  }
}
