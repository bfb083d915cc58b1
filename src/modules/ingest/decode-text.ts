// Text encoding of an uploaded delimited file: detection and decoding to a JS string.
import { Buffer, isUtf8 } from 'node:buffer';
import chardet from 'chardet';
import type { Encoding } from './ingest.types.js';

// UTF-16 without a BOM is recognised by its NUL bytes; this much is plenty to see the pattern.
const UTF16_PROBE_BYTES = 4096;
// chardet is only asked to name a single-byte code page; a sample keeps it cheap on big files.
const CHARDET_SAMPLE_BYTES = 64 * 1024;

/**
 * Guesses the encoding of a text file: a BOM first, then UTF-16 by its NUL-byte pattern, then
 * valid UTF-8, and otherwise a single-byte Western code page.
 */
export function detectEncoding(bytes: Uint8Array): Encoding {
  const n = bytes.length;
  if (n >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (n >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (n >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';

  // Before the UTF-8 check: UTF-16 text made of ASCII characters is also valid UTF-8 (NUL is legal there).
  const utf16 = guessUtf16(bytes);
  if (utf16) return utf16;

  if (isValidUtf8(bytes)) return 'utf-8';

  // Everything else is read as windows-1252 (WHATWG decodes 'latin1' that way too, which is what
  // users mean); the label only tells which of the two the file looks like.
  const sample = n > CHARDET_SAMPLE_BYTES ? bytes.subarray(0, CHARDET_SAMPLE_BYTES) : bytes;
  if (chardet.detect(sample) === 'windows-1252') return 'windows-1252';
  // 0x80–0x9F are control codes in ISO-8859-1 but curly quotes, dashes and € in windows-1252.
  for (let i = 0; i < sample.length; i++) {
    const b = sample[i];
    if (b >= 0x80 && b <= 0x9f) return 'windows-1252';
  }
  return 'latin1';
}

// Format detection, encoding detection and the byte scanner all ask whether the same upload is valid
// UTF-8 (a full pass over it each time): the answer is kept per buffer object.
const utf8Answers = new WeakMap<Uint8Array, boolean>();

/** Whether the bytes are valid UTF-8 (remembered per Uint8Array object; uploads are not changed in place). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  let valid = utf8Answers.get(bytes);
  if (valid === undefined) {
    valid = isUtf8(bytes);
    utf8Answers.set(bytes, valid);
  }
  return valid;
}

function guessUtf16(bytes: Uint8Array): Encoding | null {
  const m = Math.min(bytes.length, UTF16_PROBE_BYTES) & ~1;
  if (m < 2) return null;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < m; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  const pairs = m / 2;
  // Mostly-ASCII UTF-16 has a NUL in nearly every pair, always on the same side; real text in an
  // 8-bit encoding has none. Requiring a clear majority tolerates some non-Latin characters.
  if (oddNul >= pairs * 0.4 && evenNul <= pairs * 0.05) return 'utf-16le';
  if (evenNul >= pairs * 0.4 && oddNul <= pairs * 0.05) return 'utf-16be';
  return null;
}

/**
 * Decodes the bytes as the given encoding (invalid sequences become U+FFFD: an encoding the user
 * named is taken at its word) and drops a leading byte order mark.
 */
export function decodeText(bytes: Uint8Array, encoding: Encoding): string {
  const text =
    encoding === 'latin1' || encoding === 'windows-1252' ? decodeWindows1252(bytes) : new TextDecoder(encoding).decode(bytes);
  // TextDecoder already drops one BOM of its own encoding; a second one (some tools prepend one to
  // text that had one) would otherwise end up in the first header name.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// windows-1252's characters for bytes 0x80–0x9F (WHATWG index; the five unassigned bytes map to
// themselves). Node 20's TextDecoder('windows-1252') decodes these as ISO-8859-1 control codes.
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
].map((c) => String.fromCharCode(c));

/** 'latin1' and 'windows-1252' both decode as windows-1252 (the WHATWG meaning of both labels). */
function decodeWindows1252(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return /[\x80-\x9f]/.test(text) ? text.replace(/[\x80-\x9f]/g, (ch) => CP1252_HIGH[ch.charCodeAt(0) - 0x80]) : text;
}
