// Reading PostgreSQL's binary COPY format (`COPY … TO STDOUT (FORMAT binary)`), the way the content
// repository reads column chunks: bytea comes back as its raw bytes, where a SELECT sends it as hex
// or base64 text that the server has to encode and the client has to decode.
//
// The format: an 11-byte signature, a 32-bit flags word and a header extension (length-prefixed);
// then one tuple per row — a 16-bit field count, and per field a 32-bit length (−1 for NULL) and
// that many bytes — and a 16-bit −1 at the end. Integers are big-endian.
//
// The stream arrives in pieces of a few dozen KB, and a field (a 512 KB chunk) spans many of them:
// each field is copied once, straight into a buffer of its own, rather than joining the pieces first.

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Signature, flags and the extension's length. */
const HEADER_BYTES = 19;

type Stage = 'header' | 'extension' | 'count' | 'length' | 'data' | 'done';

export class BinaryCopyReader {
  private readonly rows: (Buffer | null)[][] = [];
  private stage: Stage = 'header';
  /** The fixed-size item being read (header, count or length), as far as it has arrived. */
  private readonly small = Buffer.alloc(HEADER_BYTES);
  private smallLength = 0;
  private skip = 0;
  private row: (Buffer | null)[] = [];
  private fieldsLeft = 0;
  private field: Buffer | null = null;
  private filled = 0;

  /** Reads the next piece of the stream. */
  push(part: Buffer): void {
    let at = 0;
    while (at < part.length) {
      switch (this.stage) {
        case 'data': {
          const field = this.field!;
          const n = Math.min(field.length - this.filled, part.length - at);
          part.copy(field, this.filled, at, at + n);
          this.filled += n;
          at += n;
          if (this.filled === field.length) this.endField(field);
          break;
        }
        case 'extension': {
          const n = Math.min(this.skip, part.length - at);
          this.skip -= n;
          at += n;
          if (this.skip === 0) this.stage = 'count';
          break;
        }
        case 'done':
          throw new Error('The binary COPY stream goes on after its end.');
        default: {
          const need = this.stage === 'header' ? HEADER_BYTES : this.stage === 'count' ? 2 : 4;
          const n = Math.min(need - this.smallLength, part.length - at);
          part.copy(this.small, this.smallLength, at, at + n);
          this.smallLength += n;
          at += n;
          if (this.smallLength === need) {
            this.smallLength = 0;
            this.readSmall();
          }
        }
      }
    }
  }

  /** The rows, each field its own buffer (null for NULL). Throws when the stream stopped early. */
  end(): (Buffer | null)[][] {
    if (this.stage !== 'done') throw new Error('The binary COPY stream ended inside a row.');
    return this.rows;
  }

  private readSmall(): void {
    const b = this.small;
    switch (this.stage) {
      case 'header':
        if (!b.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('Not a binary COPY stream.');
        this.skip = b.readUInt32BE(15);
        this.stage = this.skip > 0 ? 'extension' : 'count';
        return;
      case 'count': {
        const count = b.readInt16BE(0);
        if (count === -1) {
          this.stage = 'done';
          return;
        }
        this.row = [];
        this.fieldsLeft = count;
        if (count === 0) this.rows.push(this.row);
        else this.stage = 'length';
        return;
      }
      case 'length': {
        const length = b.readInt32BE(0);
        if (length < 0) this.endField(null);
        else if (length === 0) this.endField(Buffer.alloc(0));
        else {
          // Over 4 KB, allocUnsafe gives memory of its own (aligned for the typed arrays); smaller
          // fields may sit in Node's shared pool (decodeColumn copies those).
          this.field = Buffer.allocUnsafe(length);
          this.filled = 0;
          this.stage = 'data';
        }
        return;
      }
    }
  }

  private endField(field: Buffer | null): void {
    this.field = null;
    this.row.push(field);
    if (--this.fieldsLeft > 0) {
      this.stage = 'length';
      return;
    }
    this.rows.push(this.row);
    this.stage = 'count';
  }
}
