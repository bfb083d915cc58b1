// PostgreSQL's binary COPY format, the way the content repository reads and writes column chunks.
// Reading (`COPY … TO STDOUT (FORMAT binary)`): bytea comes back as its raw bytes, where a SELECT
// sends it as hex or base64 text that the server has to encode and the client has to decode.
// Writing (`COPY … FROM STDIN (FORMAT binary)`): a chunk's bytes go to the socket as they are, where
// an INSERT's parameters are first copied into one message as big as the statement.
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

/** A field to write: text (UTF-8), a 32-bit integer, or bytes (bytea). */
export type CopyField = string | number | Uint8Array;

/**
 * A binary COPY stream of these rows, as pieces to write in order: small buffers for the framing
 * and the text and integer fields, and each bytes field itself (a view, not a copy: it must stay
 * unchanged until the COPY is over).
 */
export function binaryCopyPieces(rows: CopyField[][]): Buffer[] {
  const pieces: Buffer[] = [];
  const header = Buffer.alloc(HEADER_BYTES);
  SIGNATURE.copy(header);
  pieces.push(header);
  // Framing and small fields are gathered until the next bytes field (or the end).
  let small: Buffer[] = [];
  const flush = () => {
    if (small.length > 0) pieces.push(Buffer.concat(small));
    small = [];
  };
  for (const row of rows) {
    small.push(int16(row.length));
    for (const field of row) {
      if (typeof field === 'number') small.push(int32(4), int32(field));
      else if (typeof field === 'string') {
        const text = Buffer.from(field, 'utf8');
        small.push(int32(text.length), text);
      } else {
        small.push(int32(field.byteLength));
        flush();
        pieces.push(Buffer.from(field.buffer, field.byteOffset, field.byteLength));
      }
    }
  }
  small.push(int16(-1));
  flush();
  return pieces;
}

function int16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(v);
  return b;
}

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
}

type Stage = 'header' | 'extension' | 'count' | 'length' | 'data' | 'done';

/**
 * Where a field of `length` bytes goes, given the fields of its row before it: a view of that size
 * (e.g. into the column being built, so the bytes are copied once), or null for a buffer of its own.
 */
export type FieldTarget = (before: (Buffer | null)[], length: number) => Uint8Array | null;

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

  constructor(private readonly target?: FieldTarget) {}

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

  /**
   * The rows, each field its own buffer or the target's view (null for NULL). Throws when the
   * stream stopped early.
   */
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
          const into = this.target?.(this.row, length) ?? null;
          if (into && into.byteLength !== length) throw new Error('A COPY field target has the wrong size.');
          this.field = into ? Buffer.from(into.buffer, into.byteOffset, length) : Buffer.allocUnsafe(length);
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
