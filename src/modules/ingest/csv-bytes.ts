// The fast path for delimited text: scans UTF-8 bytes straight into typed columns, never decoding
// the file to one big string and never making a string per cell (performance-facts.md, section 1).
//
// It produces exactly what the text path (csv-scanner.ts → TableBuilder) produces, cell for cell:
// the same dialect (see csv-scanner.ts), missing markers, whole-column inference, dictionaries in
// first-appearance order and column metadata. Where it is unsure it does not guess:
// - cells are classified from their bytes when they are plain numbers (≤ 15 digits; decimal commas in
//   semicolon files), ISO dates, the common ISO datetimes or true/false, and checked against the
//   missing markers by their bytes. Any other cell (spaces around it, a long number, an exponent,
//   another date form, non-ASCII text that might start with a Unicode space…) is decoded and
//   classified by the text path's own functions (counted in byteScanStats.slowCells);
// - any error (unclosed quote, a row too long, a cell over the limit, too many columns), or too much
//   re-reading, throws ByteScanUnsure and the caller runs the text path, which gives the exact error.
//
// How a column is kept: "typed" (Float64Array, NaN missing) while its cells are numbers, booleans or
// dates; once a cell makes it `string` (isStringKinds), it is "demoted": its earlier cells are read
// again from the file (from the first data row: the cells of one column are not kept as text) and
// interned. Strings are interned by their bytes: FNV-1a hash, open addressing, a JS string only for
// each new distinct value. Plain numbers (≤ 15 digits) are parsed from the bytes as m / 10^k, which
// is exactly rounded, as Number() is (Clinger's fast path).
//
// The columns live on SharedArrayBuffers, so that the ingest worker hands them over without a
// transfer: a transfer detaches a buffer, and once any buffer of a thread has been detached, V8
// checks every typed-array access in that thread for it. This scan then took 20-25% longer (the 1M
// file: 400 → 500 ms, three fresh processes each), and the worker's first transfer was at start-up.
import { Buffer } from 'node:buffer';
import type { Column, Table } from '../../core/column.js';
import { countingScale, countValuesDistinct } from '../../core/stats/scaled-distinct.js';
import { AppError } from '../../errors.js';
import { uniqueColumnNames } from './column-names.js';
import { PROGRESS_EVERY_ROWS } from './csv-scanner.js';
import { classifiedValue, classifyText, dateMs, daysFromCivil, isStringKinds, K_BOOLEAN, K_DATE, K_DATETIME, K_DECIMAL_COMMA,
  K_INTEGER, K_NUMBER, K_STRING, typeOfKinds } from './infer-value.js';
import type { ColumnBlock, ColumnMeta, IngestLimits } from './ingest.types.js';
import { CHUNK_ROWS, codeKindForSize, decimalKind, MAX_DECIMALS, rowKindBytes, wholeKindOf, writeDecimals, writeRows, type RowKind } from '../../core/column-codec.js';
import { sharedCopy, sharedFloat64, sharedInt32 } from '../../core/parallel/shared-arrays.js';
import { isMissingText, MISSING_MARKERS, trimCell } from './missing-markers.js';

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Thrown where the fast path is unsure: the caller parses the text path instead. */
export class ByteScanUnsure extends Error {
  constructor(readonly reason: string) {
    super(`byte scan unsure: ${reason}`);
  }
}

/** What the fast path did (tests check it is not silently skipped). */
export const byteScanStats = {
  /** Files fully read by the fast path. */
  scans: 0,
  /** Files handed to the text path (with the reason of the last one). */
  fallbacks: 0,
  lastFallback: '',
  /** Cells classified through a decoded string. */
  slowCells: 0,
  /** Columns whose earlier cells were read again on becoming `string`. */
  rescans: 0,
};

export function resetByteScanStats(): void {
  byteScanStats.scans = 0;
  byteScanStats.fallbacks = 0;
  byteScanStats.lastFallback = '';
  byteScanStats.slowCells = 0;
  byteScanStats.rescans = 0;
}

export interface ByteScanInput {
  /** UTF-8 bytes (valid UTF-8: the caller checks or transcodes). */
  bytes: Uint8Array;
  /** Where the text starts (after byte order marks). */
  start: number;
  delimiter: string;
  header: boolean;
  limits: IngestLimits;
  /** Semicolon files: `1,5` is a number (infer-value's K_DECIMAL_COMMA). */
  decimalComma: boolean;
  /** The row estimate: the column arrays grow to it after the first rows, and 1.5x past it. */
  capacity: number;
  onProgress?: (fraction: number) => void;
  /** Gets each full block of CHUNK_ROWS rows as soon as it is read (see ColumnBlock). */
  onBlock?: (block: ColumnBlock) => void;
  /** The receiver of the blocks counts the typed columns' distinct values (IngestOptions.distinctFromBlocks). */
  distinctFromBlocks?: boolean;
}

/** What a scan gives: the table, its metadata, and with distinctFromBlocks the scale of each column's count. */
export type ByteScanResult = { table: Table; columns: ColumnMeta[]; scales?: number[] };

// ---- scratch (typed arrays: writing a double into them allocates nothing) ----
/** The value of the cell last classified by classifyBytes / slowKind. */
const NUM = new Float64Array(1);
/** readField's answer: value start, value end, kind (0 plain, 1 quoted as is, 2 quoted needing a rebuild), raw start. */
const FIELD = new Float64Array(4);

const FNV_BASIS = -2128831035; // FNV-1a: 0x811c9dc5 as int32
const FNV_PRIME = 16777619;

const POW10 = Float64Array.of(1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15);

// ---- interning strings by their bytes ----

/** One column's dictionary: distinct values in first-appearance order, found by their UTF-8 bytes. */
class Interner {
  private slots = new Int32Array(64);
  private mask = 63;
  private hashes = new Int32Array(32);
  private offsets = new Int32Array(32);
  private lengths = new Int32Array(32);
  private store = new Uint8Array(1024);
  private used = 0;
  strings: string[] = [];

  /** The code of the value bytes[s..e), added if new. */
  intern(buf: Buffer, s: number, e: number): number {
    let h = FNV_BASIS;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], FNV_PRIME);
    return this.internHashed(buf, s, e, h);
  }

  /** intern() with the bytes' FNV-1a hash already computed (the scanner hashes as it reads). */
  internHashed(buf: Buffer, s: number, e: number, h: number): number {
    const len = e - s;
    const mask = this.mask;
    const slots = this.slots;
    let slot = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const k = slots[slot];
      if (k === 0) break;
      const code = k - 1;
      if (this.hashes[code] === h && this.lengths[code] === len && this.equal(code, buf, s, len)) return code;
      slot = (slot + 1) & mask;
    }
    return this.add(buf, s, e, h, slot);
  }

  /** The code of a value given as a string (quoted fields rebuilt from their pieces). */
  internString(value: string): number {
    const bytes = Buffer.from(value, 'utf8');
    return this.intern(bytes, 0, bytes.length);
  }

  /** Empties the dictionary and lets its memory go (the strings stay with whoever holds them). */
  clear(): void {
    this.slots = new Int32Array(64);
    this.mask = 63;
    this.hashes = new Int32Array(32);
    this.offsets = new Int32Array(32);
    this.lengths = new Int32Array(32);
    this.store = new Uint8Array(1024);
    this.used = 0;
    this.strings = [];
  }

  private equal(code: number, buf: Buffer, s: number, len: number): boolean {
    const store = this.store;
    const off = this.offsets[code];
    for (let i = 0; i < len; i++) if (store[off + i] !== buf[s + i]) return false;
    return true;
  }

  private add(buf: Buffer, s: number, e: number, h: number, slot: number): number {
    const code = this.strings.length;
    const len = e - s;
    if (code === this.hashes.length) {
      this.hashes = grownInt32(this.hashes, code * 2);
      this.offsets = grownInt32(this.offsets, code * 2);
      this.lengths = grownInt32(this.lengths, code * 2);
    }
    if (this.used + len > this.store.length) {
      const next = new Uint8Array(Math.max(this.store.length * 2, this.used + len));
      next.set(this.store.subarray(0, this.used));
      this.store = next;
    }
    const off = this.used;
    const store = this.store;
    for (let i = 0; i < len; i++) store[off + i] = buf[s + i];
    this.used += len;
    this.hashes[code] = h;
    this.offsets[code] = off;
    this.lengths[code] = len;
    this.strings.push(buf.toString('utf8', s, e));
    this.slots[slot] = code + 1;
    if ((code + 1) * 2 > this.slots.length) this.rehash();
    return code;
  }

  private rehash(): void {
    const size = this.slots.length * 2;
    const mask = size - 1;
    const slots = new Int32Array(size);
    for (let code = 0; code < this.strings.length; code++) {
      const h = this.hashes[code];
      let slot = (h ^ (h >>> 15)) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = code + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

function grownInt32(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(size);
  next.set(a);
  return next;
}

// ---- missing markers on bytes ----

const MARKER_START = new Uint8Array(128);
for (const m of MISSING_MARKERS) if (m.length > 0) MARKER_START[m.charCodeAt(0)] = 1;
const MARKERS_BY_LENGTH: Uint8Array[][] = [];
for (const m of MISSING_MARKERS) (MARKERS_BY_LENGTH[m.length] ??= []).push(Buffer.from(m, 'latin1'));
const LONGEST_MARKER = MARKERS_BY_LENGTH.length - 1;

function isAsciiSpace(b: number): boolean {
  return b === 32 || (b >= 9 && b <= 13);
}

/**
 * Whether bytes[s..e) is a missing marker (isMissingText on its text): 1 yes, 0 no, -1 unsure
 * (spaces around it may matter: ask the text). Most cells are ruled out by their first byte.
 */
function missingBytes(buf: Buffer, s: number, e: number): number {
  if (s === e) return 1;
  const f = buf[s];
  if (f >= 0x80) {
    // Lead bytes of the Unicode spaces String.prototype.trim removes (U+00A0, U+1680, U+2000…, U+3000, U+FEFF).
    return f === 0xc2 || f === 0xe1 || f === 0xe2 || f === 0xe3 || f === 0xef ? -1 : 0;
  }
  if (isAsciiSpace(f)) return -1;
  if (MARKER_START[f] === 0) return 0;
  const l = buf[e - 1];
  if (l >= 0x80 || isAsciiSpace(l)) return -1;
  const len = e - s;
  if (len > LONGEST_MARKER) return 0;
  const list = MARKERS_BY_LENGTH[len];
  if (list === undefined) return 0;
  for (let k = 0; k < list.length; k++) {
    const m = list[k];
    let i = 0;
    while (i < len && m[i] === buf[s + i]) i++;
    if (i === len) return 1;
  }
  return 0;
}

// ---- classifying cells on bytes ----

function isDigitAt(buf: Buffer, i: number): boolean {
  const d = buf[i] - 48;
  return d >= 0 && d <= 9;
}

/**
 * The kind of a non-empty cell bytes[s..e) (value in NUM[0]) for the common forms: plain numbers of at
 * most 15 digits (with a decimal comma when `dc`), ISO dates, true/false. 0 when unsure: the cell
 * then goes through the text path's classifier. Same answers as classifyText on those forms.
 */
function classifyBytes(buf: Buffer, s: number, e: number, dc: boolean): number {
  let b = buf[s];
  if (b <= 57 && (b >= 48 || b === 45 || b === 43 || b === 46)) {
    let i = s;
    const negative = b === 45;
    if (negative || b === 43) i++;
    const first = i;
    let m = 0;
    let digits = 0;
    for (; i < e; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      m = m * 10 + d;
      digits++;
    }
    const intDigits = digits;
    let scale = 0;
    let sep = 0;
    if (i < e) {
      b = buf[i];
      if (b === 46 || (b === 44 && dc)) {
        sep = b;
        for (i++; i < e; i++) {
          const d = buf[i] - 48;
          if (d < 0 || d > 9) break;
          m = m * 10 + d;
          digits++;
          scale++;
        }
      }
    }
    if (i === e && digits > 0 && digits <= 15) {
      // `,5` and `5,` are not decimal-comma numbers: the text path says what they are.
      if (sep === 44 && (intDigits === 0 || scale === 0)) return 0;
      // 007, 08123, 01.5: identifiers, not numbers.
      if (intDigits > 1 && buf[first] === 48) return K_STRING;
      let v = scale === 0 ? m : m / POW10[scale];
      if (negative) v = -v;
      if (sep === 0) {
        NUM[0] = v + 0; // -0 → 0: an integer has no negative zero
        return K_INTEGER;
      }
      NUM[0] = v;
      return sep === 46 ? K_NUMBER : K_DECIMAL_COMMA;
    }
    // YYYY-MM-DD
    if (e - s === 10 && buf[s + 4] === 45 && buf[s + 7] === 45 && isDigitAt(buf, s) && isDigitAt(buf, s + 1) &&
      isDigitAt(buf, s + 2) && isDigitAt(buf, s + 3) && isDigitAt(buf, s + 5) && isDigitAt(buf, s + 6) &&
      isDigitAt(buf, s + 8) && isDigitAt(buf, s + 9)) {
      const y = (buf[s] - 48) * 1000 + (buf[s + 1] - 48) * 100 + (buf[s + 2] - 48) * 10 + (buf[s + 3] - 48);
      const mo = (buf[s + 5] - 48) * 10 + (buf[s + 6] - 48);
      const d = (buf[s + 8] - 48) * 10 + (buf[s + 9] - 48);
      const days = calendarDays(y, mo, d);
      if (days !== days) return 0;
      NUM[0] = days * DAY_MS;
      return K_DATE;
    }
    if (e - s >= 19 && (buf[s + 10] === 84 || buf[s + 10] === 32)) return isoDateTimeBytes(buf, s, e);
    return 0;
  }
  const len = e - s;
  if (len === 4) {
    if ((b | 0x20) === 116 && (buf[s + 1] | 0x20) === 114 && (buf[s + 2] | 0x20) === 117 && (buf[s + 3] | 0x20) === 101) {
      NUM[0] = 1;
      return K_BOOLEAN;
    }
  } else if (len === 5) {
    if ((b | 0x20) === 102 && (buf[s + 1] | 0x20) === 97 && (buf[s + 2] | 0x20) === 108 && (buf[s + 3] | 0x20) === 115 &&
      (buf[s + 4] | 0x20) === 101) {
      NUM[0] = 0;
      return K_BOOLEAN;
    }
  }
  return 0;
}

// Days since 1970 of the first of each month, and the month's length, for years TABLE_FROM… (dates
// outside go through dateMs): a date cell costs two table reads instead of the calendar arithmetic.
const TABLE_FROM = 1800;
const TABLE_YEARS = 400;
const MONTH_START = new Float64Array(TABLE_YEARS * 12);
const MONTH_DAYS = new Uint8Array(TABLE_YEARS * 12);
for (let k = 0; k < TABLE_YEARS * 12; k++) {
  const y = TABLE_FROM + Math.floor(k / 12);
  const m = (k % 12) + 1;
  MONTH_START[k] = daysFromCivil(y, m, 1);
  MONTH_DAYS[k] = m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}
const DAY_MS = 86_400_000;

/**
 * Whether an ISO date YYYY-MM-DD is at s and the field ends right after it: its epoch ms go to
 * NUM[0]. Not returned: a number of ms returned from a call is boxed (a heap object per date cell),
 * and the scan loop's value, which it joined, was then boxed for every number cell too (77 MB of
 * garbage per million rows of the benchmark's file).
 */
function isoDateAt(buf: Buffer, s: number, n: number, stop: Uint8Array): boolean {
  const e = s + 10;
  if (e > n || (e < n && stop[buf[e]] === 0) || buf[s + 4] !== 45 || buf[s + 7] !== 45) return false;
  const m1 = buf[s + 5] - 48;
  const m2 = buf[s + 6] - 48;
  const d1 = buf[s + 8] - 48;
  const d2 = buf[s + 9] - 48;
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return false;
  const y = (buf[s] - 48) * 1000 + (buf[s + 1] - 48) * 100 + (buf[s + 2] - 48) * 10 + (buf[s + 3] - 48);
  const days = calendarDays(y, m1 * 10 + m2, d1 * 10 + d2);
  NUM[0] = days * DAY_MS;
  return days === days;
}

/**
 * Days since 1970 of a valid calendar date (else NaN), through the month table where it covers the
 * year. Days, not ms: a whole number this small comes back from a call as is, where a number of ms
 * would be boxed (one heap object per date cell).
 */
function calendarDays(y: number, m: number, d: number): number {
  if (y < TABLE_FROM || y >= TABLE_FROM + TABLE_YEARS || m < 1 || m > 12) return dateMs(y, m, d) / DAY_MS;
  const k = (y - TABLE_FROM) * 12 + m - 1;
  if (d < 1 || d > MONTH_DAYS[k]) return NaN;
  return MONTH_START[k] + d - 1;
}

function twoDigits(buf: Buffer, i: number): number {
  const a = buf[i] - 48;
  const b = buf[i + 1] - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * The common ISO datetimes, `YYYY-MM-DD[T ]HH:MM:SS[.fff…][Z|±HH[:MM]]`, as classifyText reads them
 * (fraction cut to milliseconds, offsets to UTC). 0 for any other form or an out-of-range part:
 * the text path decides those.
 */
function isoDateTimeBytes(buf: Buffer, s: number, e: number): number {
  if (buf[s + 4] !== 45 || buf[s + 7] !== 45 || buf[s + 13] !== 58 || buf[s + 16] !== 58) return 0;
  const y100 = twoDigits(buf, s);
  const y1 = twoDigits(buf, s + 2);
  const mo = twoDigits(buf, s + 5);
  const d = twoDigits(buf, s + 8);
  const h = twoDigits(buf, s + 11);
  const mi = twoDigits(buf, s + 14);
  const sec = twoDigits(buf, s + 17);
  if (y100 < 0 || y1 < 0 || mo < 0 || d < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return 0;
  const days = calendarDays(y100 * 100 + y1, mo, d);
  if (days !== days) return 0;
  const day = days * DAY_MS;
  let p = s + 19;
  let ms = 0;
  if (p < e && buf[p] === 46) {
    p++;
    const from = p;
    while (p < e && buf[p] >= 48 && buf[p] <= 57) {
      // The first three digits are the milliseconds ("5" is 500); the rest is cut.
      if (p - from < 3) ms += (buf[p] - 48) * (p === from ? 100 : p === from + 1 ? 10 : 1);
      p++;
    }
    if (p === from) return 0;
  }
  let offset = 0;
  if (p < e) {
    const z = buf[p];
    if (z === 90 || z === 122) {
      p++;
    } else if (z === 43 || z === 45) {
      const oh = twoDigits(buf, p + 1);
      if (p + 3 > e || oh < 0 || oh > 23) return 0;
      p += 3;
      let om = 0;
      if (p < e) {
        if (buf[p] === 58) p++;
        if (p + 2 > e) return 0;
        om = twoDigits(buf, p);
        if (om < 0 || om > 59) return 0;
        p += 2;
      }
      offset = (z === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
    } else {
      return 0;
    }
  }
  if (p !== e) return 0;
  NUM[0] = day + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms - offset;
  return K_DATETIME;
}

/** A cell the bytes could not settle: -1 when missing, else its kind (value in NUM[0]), as the text path says. */
function slowKind(buf: Buffer, s: number, e: number, dc: boolean): number {
  byteScanStats.slowCells++;
  const missing = missingBytes(buf, s, e);
  if (missing === 1) return -1;
  const text = buf.toString('utf8', s, e);
  if (missing === -1 && isMissingText(text)) return -1;
  return textKind(text, dc);
}

function textKind(text: string, dc: boolean): number {
  const kind = classifyText(trimCell(text), dc);
  NUM[0] = kind === K_STRING ? NaN : classifiedValue();
  return kind;
}

// ---- the scan ----

interface ScanState {
  /** The part of the file read now (a window: buf[0] is the file's byte `base`), and its length. */
  buf: Buffer;
  base: number;
  end: number;
  delim: number;
  width: number;
  dc: boolean;
  maxCellBytes: number;
  maxRows: number;
  /** Where the first data row starts in the file (demotion reads the earlier cells again from here). */
  dataStart: number;
  /** The file's bytes [from, to) when they are no longer in the window (demotion); see GrowingScan. */
  history: ((from: number, to: number) => Uint8Array) | undefined;
  /** Bytes read again by demotions so far (bounded: past it the text path is cheaper). */
  reread: number;
  /** Rows the column arrays hold now, and the estimate of the file's rows they grow to first. */
  cap: number;
  expectedRows: number;
  /** Per column: OR of the cells' kinds, missing cells, 1 once `string`, its values or codes, its dictionary. */
  kinds: Int32Array;
  nulls: Float64Array;
  isString: Uint8Array;
  vals: Float64Array[];
  codes: Int32Array[];
  dicts: (Interner | null)[];
  /** Per column: the most decimals a number read from its bytes had (for counting distinct values). */
  scales: Int32Array;
  /** Per number column: a block's values as decimals (emitBlock), once needed. */
  decimals: (Int32Array | undefined)[];
  progress: ((fraction: number) => void) | undefined;
  onBlock: ((block: ColumnBlock) => void) | undefined;
  /** The file's full size, for progress (the scan may see only a part of it so far). */
  total: number;
  /** Where the row being read starts (in the window), and its index (a scan that stops at a cut can take it back). */
  rowStart: number;
  rowIndex: number;
}

const EMPTY_F64 = new Float64Array(0);
const EMPTY_I32 = new Int32Array(0);
const EMPTY_BUFFER = Buffer.alloc(0);

/**
 * The last finished scan's state, kept with its big parts let go (the file's bytes, the columns,
 * the dictionaries' tables). Why keep it: V8's optimized scanRows (and the Interner methods it
 * inlines) depends on objects of the scan it was compiled in, held weakly. When the full
 * collection after an upload took the last scan's objects away, V8 threw that code away too
 * ("weak objects" in --trace-opt), so every upload started its scan slowly, compiled it again,
 * and every third upload also hit gaps in what the fresh code knew (another deopt). With the last
 * state kept, the code stays: the scan of the 1M-row file alone took 359 ms instead of 570
 * (medians of 32 scans in 16 fresh processes, taken in turns).
 */
let retired: ScanState | null = null; // only held, never read: what it references stays alive

function retire(st: ScanState): void {
  st.buf = EMPTY_BUFFER;
  st.history = undefined;
  st.vals.fill(EMPTY_F64);
  st.codes.fill(EMPTY_I32);
  for (const dict of st.dicts) dict?.clear();
  retired = st;
}

/** Rows the column arrays are made for at first (then they grow to the row estimate at once). */
const FIRST_ROWS = 256;

/** Scans delimited UTF-8 bytes into a typed table; throws ByteScanUnsure where the text path must decide. */
export function scanDelimitedBytes(input: ByteScanInput): ByteScanResult {
  const scan = new GrowingScan(input, input.bytes.length);
  scan.advance(input.bytes, 0, true);
  return scan.finish();
}

/**
 * A scan of a file that is still arriving: `advance` reads the records complete so far, and the
 * last call (final) reads the rest. Exactly the table a scan of the whole file gives: the scan
 * only ever stops at a line end, and a row cut there inside a quoted field (which may hold line
 * ends) is taken back and read again once more of the file is in.
 *
 * Each call may get only a window of the file: from where the scan stands (`position`) on. The
 * bytes before it are then not needed, except when a column turns out to be text after many rows:
 * its earlier cells are read again, from `history` (an upload spooled to disk, upload-spool.ts).
 */
export class GrowingScan {
  private st: ScanState | null = null;
  private header: string[] | null = null;
  /** Where the scan stands in the file: the next advance starts reading here. */
  private pos = 0;
  private rows = 0;

  constructor(
    private readonly input: Omit<ByteScanInput, 'bytes'>,
    private readonly total: number,
    private readonly history?: (from: number, to: number) => Uint8Array,
  ) {
    if (input.delimiter.length !== 1 || input.delimiter.charCodeAt(0) >= 0x80) throw new ByteScanUnsure('delimiter');
  }

  /** The file offset the next advance must start its window at (or before). */
  get position(): number {
    return this.pos;
  }

  /** Sets where progress and blocks go from now on, and who counts distinct values. */
  listen(onProgress: ByteScanInput['onProgress'], onBlock: ByteScanInput['onBlock'], distinctFromBlocks = false): void {
    this.input.onProgress = onProgress;
    this.input.onBlock = onBlock;
    this.input.distinctFromBlocks = distinctFromBlocks;
    if (this.st) {
      this.st.progress = onProgress;
      this.st.onBlock = onBlock;
    }
  }

  /**
   * Reads the file's bytes from `position` to the end of `window`, which holds the file's bytes
   * from `base` on (base <= position): all of them when `final`, else the window must end just
   * after a line end (LF) of the text. The window is not kept. Throws ByteScanUnsure or AppError
   * as the whole-file scan would.
   */
  advance(window: Uint8Array, base: number, final: boolean): void {
    if (base > this.pos) throw new Error(`The window starts at ${base}, after the scan's position ${this.pos}.`);
    const buf = Buffer.from(window.buffer, window.byteOffset, window.byteLength);
    if (!this.st) {
      if (base !== 0) throw new Error('The first window must start at the beginning of the file.');
      if (!this.begin(buf, final)) return;
    }
    const st = this.st!;
    st.buf = buf;
    st.base = base;
    st.end = buf.length;
    try {
      this.rows = scanRows(st, this.pos - base, this.rows);
      this.pos = base + buf.length;
    } catch (err) {
      // A quoted field runs past the part we have: take its row back, read it with the next part.
      if (final || !(err instanceof ByteScanUnsure) || err.reason !== 'unclosed quote') throw err;
      takeBackRow(st);
      this.pos = base + st.rowStart;
      this.rows = st.rowIndex;
    }
  }

  finish(): ByteScanResult {
    if (!this.st) throw new ByteScanUnsure('no record');
    const leftToReceiver = this.input.distinctFromBlocks === true && this.input.onBlock !== undefined;
    const result = finish(this.st, this.rows, this.input.header ? this.header : null, leftToReceiver);
    retire(this.st);
    this.st = null;
    return result;
  }

  /** Reads the first record and sets the scan up; false when that record is not complete yet. */
  private begin(buf: Buffer, final: boolean): boolean {
    const input = this.input;
    const { limits } = input;
    const delim = input.delimiter.charCodeAt(0);
    let first: ReturnType<typeof readFirstRecord>;
    try {
      first = readFirstRecord(buf, input.start, delim, limits);
    } catch (err) {
      if (!final && err instanceof ByteScanUnsure && err.reason === 'unclosed quote') return false;
      throw err;
    }
    if (first === null) {
      if (final) throw new ByteScanUnsure('no record');
      return false;
    }
    const width = first.fields.length;
    if (!input.header && limits.maxRows < 1) throw new ByteScanUnsure('row limit');

    const expectedRows = Math.max(16, Math.min(input.capacity, limits.maxRows + 1));
    // The arrays start small: the first rows show which columns are text, and those then get
    // codes, without a Float64Array as long as the file made for them first (8 MB a million rows).
    const cap = Math.min(expectedRows, FIRST_ROWS);
    const st: ScanState = {
      buf,
      base: 0,
      end: buf.length,
      delim,
      width,
      dc: input.decimalComma,
      maxCellBytes: limits.maxCellBytes,
      maxRows: limits.maxRows,
      dataStart: input.header ? first.end : first.start,
      history: this.history,
      reread: 0,
      cap,
      expectedRows,
      kinds: new Int32Array(width),
      nulls: new Float64Array(width),
      isString: new Uint8Array(width),
      vals: Array.from({ length: width }, () => sharedFloat64(cap)),
      codes: Array.from({ length: width }, () => EMPTY_I32),
      dicts: Array.from({ length: width }, () => null),
      scales: new Int32Array(width),
      decimals: [],
      progress: input.onProgress,
      onBlock: input.onBlock,
      total: this.total,
      rowStart: first.end,
      rowIndex: 0,
    };
    this.st = st;
    this.header = first.fields;
    this.rows = 0;
    if (!input.header) {
      first.fields.forEach((text, c) => textCell(st, c, 0, text));
      this.rows = 1;
    }
    this.pos = first.end;
    return true;
  }
}

/**
 * Undoes the cells the row being read has written so far: its missing cells are no longer counted,
 * and its slots are cleared (a slot not written by this row holds 0, never NaN or -1).
 */
function takeBackRow(st: ScanState): void {
  const row = st.rowIndex;
  if (row >= st.cap) return; // the row had not started writing
  for (let c = 0; c < st.width; c++) {
    if (st.isString[c] === 1) {
      if (st.codes[c][row] === -1) st.nulls[c]--;
      st.codes[c][row] = 0;
    } else {
      const v = st.vals[c][row];
      if (v !== v) st.nulls[c]--;
      st.vals[c][row] = 0;
    }
  }
}

/** The first non-blank record's fields as strings, and where it starts and ends; null when there is none. */
function readFirstRecord(buf: Buffer, pos: number, delim: number, limits: IngestLimits): { fields: string[]; start: number; end: number } | null {
  const n = buf.length;
  pos = skipBlankLines(buf, pos, n);
  if (pos >= n) return null;
  const start = pos;
  const fields: string[] = [];
  for (;;) {
    if (fields.length === limits.maxColumns) throw new ByteScanUnsure('column limit');
    pos = readField(buf, pos, n, delim);
    const s = FIELD[0];
    const e = FIELD[1];
    if (pos - FIELD[3] > limits.maxCellBytes) throw new ByteScanUnsure('cell size');
    fields.push(FIELD[2] === 2 ? quotedValue(buf, FIELD[3], pos) : buf.toString('utf8', s, e));
    if (pos >= n) break;
    const b = buf[pos++];
    if (b === delim) continue;
    if (b === CR && pos < n && buf[pos] === LF) pos++;
    break;
  }
  return { fields, start, end: pos };
}

function skipBlankLines(buf: Buffer, pos: number, n: number): number {
  while (pos < n) {
    const b = buf[pos];
    if (b === LF) pos++;
    else if (b === CR) {
      pos++;
      if (pos < n && buf[pos] === LF) pos++;
    } else break;
  }
  return pos;
}

/**
 * Reads one field at pos (not the hot loop: header and re-reads). Leaves its parts in FIELD and
 * returns the position of the byte that ends it (a delimiter, a line end, or the end).
 */
function readField(buf: Buffer, pos: number, n: number, delim: number): number {
  let b: number;
  if (pos < n && buf[pos] === QUOTE) {
    const raw = pos;
    pos++;
    const s = pos;
    let kind = 1;
    for (;;) {
      if (pos >= n) throw new ByteScanUnsure('unclosed quote');
      b = buf[pos];
      if (b === QUOTE) {
        if (pos + 1 < n && buf[pos + 1] === QUOTE) {
          kind = 2;
          pos += 2;
          continue;
        }
        break;
      }
      pos++;
    }
    const e = pos;
    pos++;
    while (pos < n) {
      b = buf[pos];
      if (b === delim || b === LF || b === CR) break;
      kind = 2;
      pos++;
    }
    FIELD[0] = s;
    FIELD[1] = e;
    FIELD[2] = kind;
    FIELD[3] = raw;
    return pos;
  }
  const s = pos;
  while (pos < n) {
    b = buf[pos];
    if (b === delim || b === LF || b === CR) break;
    pos++;
  }
  FIELD[0] = s;
  FIELD[1] = pos;
  FIELD[2] = 0;
  FIELD[3] = s;
  return pos;
}

/** The value of a quoted field raw..end that has `""` pairs or text after its closing quote. */
function quotedValue(buf: Buffer, raw: number, end: number): string {
  let pos = raw + 1;
  let out = '';
  let start = pos;
  for (;;) {
    if (buf[pos] === QUOTE) {
      if (buf[pos + 1] === QUOTE) {
        out += buf.toString('utf8', start, pos + 1);
        pos += 2;
        start = pos;
        continue;
      }
      break;
    }
    pos++;
  }
  out += buf.toString('utf8', start, pos);
  return out + buf.toString('utf8', pos + 1, end);
}

/**
 * The hot loop: all data rows from pos. Locals only; rare cases are small top-level functions.
 * One pass over each cell's bytes: a typed column's number is parsed while its end is looked for, a
 * string column's hash is computed on the way. Anything else ends in classifyBytes / slowKind.
 */
function scanRows(st: ScanState, pos: number, rows: number): number {
  const buf = st.buf;
  const n = st.end;
  const delim = st.delim;
  const width = st.width;
  const dc = st.dc;
  const sep2 = dc ? 44 : 46; // the second decimal separator accepted (a point again when no decimal comma)
  const maxCellBytes = st.maxCellBytes;
  const maxRows = st.maxRows;
  const kinds = st.kinds;
  const nulls = st.nulls;
  const isString = st.isString;
  const vals = st.vals;
  const codes = st.codes;
  const dicts = st.dicts;
  const scales = st.scales;
  const pow10 = POW10;
  const progress = st.progress;
  // 1 for the bytes that end an unquoted field.
  const stop = new Uint8Array(256);
  stop[delim] = 1;
  stop[LF] = 1;
  stop[CR] = 1;
  let b = 0;

  while (pos < n) {
    b = buf[pos];
    if (b === LF) {
      pos++;
      continue;
    }
    if (b === CR) {
      pos++;
      if (pos < n && buf[pos] === LF) pos++;
      continue;
    }
    st.rowStart = pos;
    st.rowIndex = rows;
    if (rows >= st.cap) grow(st, rows + 1);
    const row = rows;
    let col = 0;
    for (;;) {
      if (col === width) throw new ByteScanUnsure('row too long');
      const s = pos;
      b = pos < n ? buf[pos] : LF;
      if (b === QUOTE) {
        pos = quotedCell(st, col, row, pos);
      } else if (isString[col] === 1) {
        let h = FNV_BASIS;
        while (pos < n) {
          b = buf[pos];
          if (stop[b] === 1) break;
          h = Math.imul(h ^ b, FNV_PRIME);
          pos++;
        }
        if (pos - s > maxCellBytes) throw new ByteScanUnsure('cell size');
        const missing = s === pos ? 1 : missingBytes(buf, s, pos);
        if (missing === 0) {
          codes[col][row] = dicts[col]!.internHashed(buf, s, pos, h);
        } else {
          stringCellSlow(st, col, row, s, pos, missing);
        }
      } else if (stop[b] === 1) {
        // An empty field: missing.
        vals[col][row] = NaN;
        nulls[col]++;
      } else {
        // A plain number, read as the end of the field is looked for: [+-]digits[.digits], ≤ 15 digits.
        // The digit loops only read and add: the digits are counted from positions after them, and
        // `(d >>> 0) > 9` is one test for "not a digit" (the scan took 3-9% less time than with two
        // tests and counters in the loops).
        let i = pos;
        const negative = b === 45;
        if (negative || b === 43) i++;
        const first = i;
        let m = 0;
        let d = 0;
        while (i < n) {
          d = buf[i] - 48;
          if (d >>> 0 > 9) break;
          m = m * 10 + d;
          i++;
        }
        const intDigits = i - first;
        let digits = intDigits;
        let scale = 0;
        let sep = 0;
        if (i < n) {
          b = buf[i];
          if (b === 46 || b === sep2) {
            sep = b;
            i++;
            const fraction = i;
            while (i < n) {
              d = buf[i] - 48;
              if (d >>> 0 > 9) break;
              m = m * 10 + d;
              i++;
            }
            scale = i - fraction;
            digits += scale;
          }
        }
        let kind = 0;
        let v = 0;
        if ((i === n || stop[buf[i]] === 1) && digits > 0 && digits <= 15 && (intDigits < 2 || buf[first] !== 48) &&
          (sep !== 44 || (intDigits > 0 && scale > 0))) {
          v = scale === 0 ? m : m / pow10[scale];
          if (negative) v = -v;
          if (sep === 0) {
            kind = K_INTEGER;
            v += 0; // -0 → 0: an integer has no negative zero
          } else {
            kind = sep === 46 ? K_NUMBER : K_DECIMAL_COMMA;
            if (scale > scales[col]) scales[col] = scale;
          }
          pos = i;
        } else if (digits === 4 && i === s + 4 && sep === 0 && isoDateAt(buf, s, n, stop)) {
          // YYYY-MM-DD (the 4 digits read are the year).
          v = NUM[0];
          kind = K_DATE;
          pos = s + 10;
        } else {
          // Not a plain number: find the end, then the general byte classifier (dates, booleans, the rest).
          pos = i;
          while (pos < n) {
            if (stop[buf[pos]] === 1) break;
            pos++;
          }
          if (pos - s > maxCellBytes) throw new ByteScanUnsure('cell size');
          kind = classifyBytes(buf, s, pos, dc);
          if (kind === 0) kind = slowKind(buf, s, pos, dc);
          v = NUM[0];
        }
        if (kind < 0) {
          vals[col][row] = NaN;
          nulls[col]++;
        } else {
          const next = kinds[col] | kind;
          if (next === kinds[col] || !isStringKinds(next)) {
            kinds[col] = next;
            vals[col][row] = v;
          } else {
            demote(st, col, row);
            stringCellSlow(st, col, row, s, pos, -1);
          }
        }
      }
      col++;

      if (pos >= n) break;
      b = buf[pos];
      pos++;
      // After a delimiter there is always one more field, empty at the end of the text.
      if (b === delim) continue;
      if (b === CR && pos < n && buf[pos] === LF) pos++;
      break;
    }
    // A short row: the rest of its cells are missing.
    for (; col < width; col++) {
      if (isString[col] === 1) codes[col][row] = -1;
      else vals[col][row] = NaN;
      nulls[col]++;
    }
    rows++;
    if (rows > maxRows) {
      throw new AppError('FILE_TOO_LARGE', `The file has more than ${maxRows} rows.`, { limit: maxRows });
    }
    if ((rows & (PROGRESS_EVERY_ROWS - 1)) === 0) {
      if (progress !== undefined) progress((st.base + pos) / st.total);
      if (st.onBlock !== undefined && (rows & (CHUNK_ROWS - 1)) === 0) emitBlock(st, rows);
    }
  }
  return rows;
}

/** Memory for one block's bytes (all its columns, one after another). */
export type BlockMemory = (bytes: number) => { memory: Uint8Array; release?: () => void };

let blockMemory: BlockMemory = (bytes) => ({ memory: new Uint8Array(bytes) });

/** Where blocks are copied to (the ingest worker's ring); null restores a new buffer per block. */
export function setBlockMemory(memory: BlockMemory | null): void {
  blockMemory = memory ?? ((bytes) => ({ memory: new Uint8Array(bytes) }));
}

/**
 * Hands over rows [rows - CHUNK_ROWS, rows) of every column as they are now, in their stored form
 * (written into blockMemory: the scan goes on writing its own arrays). A column still typed gives
 * its values; one that later becomes text makes these blocks stale, which the receiver sees by
 * their kind.
 */
function emitBlock(st: ScanState, rows: number): void {
  const start = rows - CHUNK_ROWS;
  const parts: (Float64Array | Int32Array)[] = [];
  const kinds: RowKind[] = [];
  let bytes = 0;
  for (let c = 0; c < st.width; c++) {
    const text = st.isString[c] === 1;
    const part = text ? st.codes[c].subarray(start, rows) : st.vals[c].subarray(start, rows);
    let kind = text ? codeKindForSize(st.dicts[c]!.strings.length) : blockValueKind(st.kinds[c], part as Float64Array);
    // Numbers with a few decimals: written here (in one pass with the check), copied below.
    const scale = st.scales[c];
    if (kind === 'values' && scale >= 1 && scale <= MAX_DECIMALS && writeDecimals(part as Float64Array, scale, decimalScratch(st, c))) {
      kind = decimalKind(scale);
    }
    parts.push(part);
    kinds.push(kind);
    bytes += rowKindBytes(kind, CHUNK_ROWS);
  }
  const { memory, release } = blockMemory(bytes);
  const columns: ColumnBlock['columns'] = [];
  let at = 0;
  for (let c = 0; c < st.width; c++) {
    const data = memory.subarray(at, at + rowKindBytes(kinds[c], CHUNK_ROWS));
    const decimals = st.decimals[c];
    if (kinds[c].startsWith('dec')) data.set(new Uint8Array(decimals!.buffer, 0, data.byteLength));
    else writeRows(parts[c], kinds[c], data);
    columns.push({ kind: kinds[c], data });
    at += data.byteLength;
  }
  // What the receiver needs to count distinct values as blocks come (see block-distinct.ts).
  const scales = Array.from(st.kinds, (k, c) => countingScale(typeOfKinds(k), st.scales[c]));
  st.onBlock!({ index: start / CHUNK_ROWS, count: CHUNK_ROWS, columns, scales, expectedRows: Math.max(st.cap, st.expectedRows), ...(release ? { release } : {}) });
}

/** A number column's room for a block written as decimals (made on first use). */
function decimalScratch(st: ScanState, c: number): Int32Array {
  return (st.decimals[c] ??= new Int32Array(CHUNK_ROWS));
}

/**
 * The stored kind of a block of a value column, from what the scan knows of its cells (its kind
 * bits) rather than from a look at every value: integers and booleans are whole numbers (never -0)
 * and dates are at midnight, so only their range decides; anything with decimals is 'values' here
 * (emitBlock then tries the column's decimals).
 */
function blockValueKind(kinds: number, part: Float64Array): RowKind {
  if (kinds === 0 || kinds === K_BOOLEAN || kinds === K_INTEGER) return wholeKindOf(part, false);
  if (kinds === K_DATE) return wholeKindOf(part, true);
  return 'values';
}

/** A quoted field at pos (its opening quote): stores the cell, returns the position after the field. */
function quotedCell(st: ScanState, col: number, row: number, pos: number): number {
  const buf = st.buf;
  pos = readField(buf, pos, st.end, st.delim);
  if (pos - FIELD[3] > st.maxCellBytes) throw new ByteScanUnsure('cell size');
  if (FIELD[2] === 2) {
    textCell(st, col, row, quotedValue(buf, FIELD[3], pos));
    return pos;
  }
  const s = FIELD[0];
  const e = FIELD[1];
  if (st.isString[col] === 1) {
    stringCellSlow(st, col, row, s, e, -1);
    return pos;
  }
  let kind = s === e ? -1 : classifyBytes(buf, s, e, st.dc);
  if (kind === 0) kind = slowKind(buf, s, e, st.dc);
  if (kind < 0) {
    st.vals[col][row] = NaN;
    st.nulls[col]++;
    return pos;
  }
  const next = st.kinds[col] | kind;
  if (next === st.kinds[col] || !isStringKinds(next)) {
    st.kinds[col] = next;
    st.vals[col][row] = NUM[0];
  } else {
    demote(st, col, row);
    stringCellSlow(st, col, row, s, e, -1);
  }
  return pos;
}

/** A cell of a `string` column, bytes[s..e) as written; `missing` as missingBytes says, -1 when not yet asked. */
function stringCellSlow(st: ScanState, col: number, row: number, s: number, e: number, missing: number): void {
  const buf = st.buf;
  if (missing === -1) missing = missingBytes(buf, s, e);
  if (missing === -1) missing = isMissingText(buf.toString('utf8', s, e)) ? 1 : 0;
  if (missing === 1) {
    st.codes[col][row] = -1;
    st.nulls[col]++;
  } else {
    st.codes[col][row] = st.dicts[col]!.intern(buf, s, e);
  }
}

/** A cell known by its text (a quoted field rebuilt from its pieces, or the first row of a header-less file). */
function textCell(st: ScanState, col: number, row: number, text: string): void {
  byteScanStats.slowCells++;
  if (isMissingText(text)) {
    if (st.isString[col] === 1) st.codes[col][row] = -1;
    else st.vals[col][row] = NaN;
    st.nulls[col]++;
    return;
  }
  if (st.isString[col] === 0) {
    const kind = textKind(text, st.dc);
    const next = st.kinds[col] | kind;
    if (!isStringKinds(next)) {
      st.kinds[col] = next;
      st.vals[col][row] = NUM[0];
      return;
    }
    demote(st, col, row);
  }
  st.codes[col][row] = st.dicts[col]!.internString(text);
}

/**
 * Column `col` turned out to be text at row `row`: it becomes a string column, its rows before
 * `row` read again from the file (their texts were not kept). A column with nothing but missing
 * cells so far needs no re-reading.
 */
function demote(st: ScanState, col: number, row: number): void {
  st.isString[col] = 1;
  st.kinds[col] |= K_STRING;
  const codes = sharedInt32(st.cap);
  st.codes[col] = codes;
  st.dicts[col] = new Interner();
  const vals = st.vals[col];
  st.vals[col] = EMPTY_F64;
  let present = false;
  for (let r = 0; r < row; r++) {
    if (vals[r] === vals[r]) {
      present = true;
      break;
    }
  }
  if (!present) {
    codes.fill(-1, 0, row);
    return;
  }
  byteScanStats.rescans++;
  // The earlier rows are in the window, or (a window further on) read back from the file's start.
  const inWindow = st.dataStart >= st.base;
  const buf = inWindow ? st.buf : earlierRows(st);
  const n = inWindow ? st.end : buf.length;
  const delim = st.delim;
  const from = inWindow ? st.dataStart - st.base : 0;
  let pos = from;
  for (let r = 0; r < row; r++) {
    pos = skipBlankLines(buf, pos, n);
    let c = 0;
    codes[r] = -1;
    for (;;) {
      pos = readField(buf, pos, n, delim);
      if (c === col) {
        if (FIELD[2] === 2) {
          const text = quotedValue(buf, FIELD[3], pos);
          codes[r] = isMissingText(text) ? -1 : st.dicts[col]!.internString(text);
        } else {
          const s = FIELD[0];
          const e = FIELD[1];
          let missing = missingBytes(buf, s, e);
          if (missing === -1) missing = isMissingText(buf.toString('utf8', s, e)) ? 1 : 0;
          if (missing === 0) codes[r] = st.dicts[col]!.intern(buf, s, e);
        }
      }
      c++;
      if (pos >= n) break;
      const b = buf[pos++];
      if (b === delim) continue;
      if (b === CR && pos < n && buf[pos] === LF) pos++;
      break;
    }
  }
  // Several late demotions of big columns: the text path reads the file once, which is then cheaper.
  st.reread += pos - from;
  if (st.reread > 4 * (st.base + st.end - st.dataStart) + (1 << 20)) throw new ByteScanUnsure('re-reading');
}

/** The file from its first data row to the row being read, when the window no longer holds it. */
function earlierRows(st: ScanState): Buffer {
  if (!st.history) throw new Error('The earlier rows are not in the window, and there is no way to read them again.');
  const bytes = st.history(st.dataStart, st.base + st.rowStart);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function grow(st: ScanState, rows: number): void {
  const size = Math.max(rows, st.expectedRows, Math.ceil(st.cap * 1.5) + 16);
  for (let c = 0; c < st.width; c++) {
    if (st.isString[c] === 1) {
      const next = sharedInt32(size);
      next.set(st.codes[c]);
      st.codes[c] = next;
    } else {
      const next = sharedFloat64(size);
      next.set(st.vals[c]);
      st.vals[c] = next;
    }
  }
  st.cap = size;
}

/**
 * The table and column metadata, as TableBuilder.finish gives them. `leftToReceiver`: the distinct
 * values of typed columns that had blocks are counted by the blocks' receiver (-1 here), at `scales`.
 */
function finish(st: ScanState, rows: number, rawHeader: string[] | null, leftToReceiver: boolean): ByteScanResult {
  const names = uniqueColumnNames(rawHeader ?? new Array<null>(st.width).fill(null));
  const columns: Column[] = [];
  const meta: ColumnMeta[] = [];
  for (let c = 0; c < st.width; c++) {
    const name = names[c];
    const type = typeOfKinds(st.kinds[c]);
    let distinct: number;
    if (st.isString[c] === 1) {
      const dict = st.dicts[c]!.strings;
      columns.push({ name, type: 'string', codes: fit(st.codes[c], rows), dict });
      distinct = dict.length;
    } else if (type === 'string') {
      // Nothing but missing cells.
      columns.push({ name, type: 'string', codes: sharedInt32(rows).fill(-1), dict: [] });
      distinct = 0;
    } else {
      const values = fit(st.vals[c], rows);
      columns.push({ name, type, values });
      if (leftToReceiver && rows >= CHUNK_ROWS) {
        distinct = -1;
      } else {
        distinct = countValuesDistinct(values, countingScale(type, st.scales[c]));
      }
    }
    meta.push({ name, type, nullCount: st.nulls[c], distinctCount: distinct });
  }
  byteScanStats.scans++;
  const table = { rowCount: rows, columns };
  if (!leftToReceiver) return { table, columns: meta };
  return { table, columns: meta, scales: columns.map((col, c) => countingScale(col.type, st.scales[c])) };
}

/**
 * The first `rows` entries. A view when the array is at most 1/16 too long (the row estimate is 5%
 * over: copying ten 8 MB columns costs more than the slack), else a copy (shared, as the columns are).
 */
function fit<T extends Float64Array | Int32Array>(a: T, rows: number): T {
  if (a.length === rows) return a;
  return (a.length - rows <= rows >> 4 ? a.subarray(0, rows) : sharedCopy(a.subarray(0, rows))) as T;
}
