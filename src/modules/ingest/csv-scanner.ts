// The delimited-text scanner: RFC 4180 plus what papaparse accepts, straight into a CellSink.
// Uploads normally go through the byte scanner (csv-bytes.ts), which reads the same dialect from UTF-8
// bytes; this text path is its reference in tests and its fallback wherever it is unsure (errors).
//
// Dialect:
// - A field that starts with `"` is quoted: delimiters and line ends inside are data, `""` is a
//   quote. Text between the closing quote and the next delimiter is kept as written (`"a"b` → `ab`,
//   as pandas reads it). A `"` anywhere else in a field is an ordinary character.
// - Rows end at LF, CRLF or CR (mixed freely); the last row needs no line end.
// - Blank lines (no characters at all) are skipped. A line holding only `""` is a row with one empty
//   field (pandas keeps it; papaparse's skipEmptyLines drops it).
// - A row shorter than the header just ends (the sink fills in missing values); a longer one is an
//   error, as in pandas.
//
// Speed (performance-facts.md): the hot loop is one top-level function working on locals only
// (no closures), reading the string with charCodeAt and slicing each cell once. Plain numbers in the
// columns a sink marks as numeric are parsed in place and never become strings. Errors are built
// in separate cold functions so the loop stays small.
import { AppError } from '../../errors.js';
import { classifiedValue, K_INTEGER, K_NUMBER, scanPlainNumber } from './infer-value.js';
import type { CellSink, IngestLimits } from './ingest.types.js';

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** How often (in rows) progress is reported. */
export const PROGRESS_EVERY_ROWS = 65536;

export interface ScanOptions {
  /** One character (a tab as '\t'). */
  delimiter: string;
  /** Whether the first record is the header. */
  header: boolean;
  limits: IngestLimits;
  /** Called once, after the first record: with its fields as written when it is the header. */
  makeSink: (rawHeader: string[] | null, width: number) => CellSink;
  /** Called every PROGRESS_EVERY_ROWS rows with the fraction of the text scanned. */
  onProgress?: (fraction: number) => void;
}

export interface ScanResult {
  /** Data rows (the header excluded). */
  rows: number;
  /** Fields per row: the header's, or the first row's without a header. */
  width: number;
}

/** Where the scan is; `line` is 1-based, `rows` counts data rows done. */
interface Cursor {
  pos: number;
  line: number;
  rows: number;
}

/** What the hot loop needs besides the text and the sink, read once into locals. */
interface Frame {
  delim: number;
  width: number;
  /** Stop after this many records (the first-record pass reads one). */
  maxRecords: number;
  maxCellBytes: number;
  maxRows: number;
  /** 1 when a header precedes the data: row numbers in errors are data rows, 1-based. */
  rowBase: number;
  /** The first record's pass: too many fields means too many columns, not a ragged row. */
  first: boolean;
  names: string[] | null;
  progress: ((fraction: number) => void) | undefined;
}

/**
 * Scans delimited text: the first non-blank record goes to `makeSink` (as the header, or as the
 * width and first row of a header-less file), every other record's cells to the sink it returns.
 */
export function scanDelimitedText(text: string, options: ScanOptions): ScanResult {
  if (options.delimiter.length !== 1) throw new Error('The delimiter must be one character.');
  const { limits } = options;
  const delim = options.delimiter.charCodeAt(0);
  const cursor: Cursor = { pos: 0, line: 1, rows: 0 };

  const firstRecord = new RecordingSink();
  scanRows(text, cursor, firstRecord, {
    delim,
    width: limits.maxColumns,
    maxRecords: 1,
    maxCellBytes: limits.maxCellBytes,
    // The first-record pass counts the header too; the data limit is checked below.
    maxRows: Number.MAX_SAFE_INTEGER,
    rowBase: options.header ? 1 : 0,
    first: true,
    names: null,
    progress: undefined,
  });
  const first = firstRecord.rows[0];
  const width = first ? first.length : 0;

  let sink: CellSink;
  let names: string[] | null;
  if (options.header || !first) {
    const rawHeader = first ?? [];
    sink = options.makeSink(options.header ? rawHeader : null, width);
    cursor.rows = 0;
    names = options.header ? rawHeader : null;
    if (!first) return { rows: 0, width };
  } else {
    sink = options.makeSink(null, width);
    if (limits.maxRows < 1) throw tooManyRows(limits.maxRows);
    for (let i = 0; i < first.length; i++) sink.text(i, first[i]);
    sink.endRow();
    names = null;
  }

  scanRows(text, cursor, sink, {
    delim,
    width,
    maxRecords: Number.MAX_SAFE_INTEGER,
    maxCellBytes: limits.maxCellBytes,
    maxRows: limits.maxRows,
    rowBase: options.header ? 1 : 0,
    first: false,
    names,
    progress: options.onProgress,
  });
  return { rows: cursor.rows, width };
}

/**
 * The hot loop. Reads records from cursor.pos until the text ends or frame.maxRecords records
 * were read, and leaves the cursor after the last one.
 */
function scanRows(text: string, cursor: Cursor, sink: CellSink, frame: Frame): void {
  const n = text.length;
  const delim = frame.delim;
  const width = frame.width;
  const maxRecords = frame.maxRecords;
  const maxRows = frame.maxRows;
  const maxCellBytes = frame.maxCellBytes;
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so cells up to this many units need no byte count.
  const safeCellChars = Math.floor(maxCellBytes / 3);
  const progress = frame.progress;
  const numeric = sink.plainNumber ? sink.plainNumberColumns : undefined;
  let pos = cursor.pos;
  let line = cursor.line;
  let rows = cursor.rows;
  let records = 0;

  while (pos < n && records < maxRecords) {
    let c = text.charCodeAt(pos);
    if (c === LF) {
      pos++;
      line++;
      continue;
    }
    if (c === CR) {
      pos++;
      if (pos < n && text.charCodeAt(pos) === LF) pos++;
      line++;
      continue;
    }

    const rowLine = line;
    const rowPos = pos;
    let col = 0;
    for (;;) {
      if (col === width) throw tooManyFields(text, rowPos, rowLine, rows, frame);
      let value: string;
      if (pos < n && text.charCodeAt(pos) === QUOTE) {
        pos++;
        let start = pos;
        let head: string | null = null;
        for (;;) {
          if (pos >= n) throw unclosedQuote(text, start, rowLine, rows, col, frame);
          c = text.charCodeAt(pos);
          if (c === QUOTE) {
            if (pos + 1 < n && text.charCodeAt(pos + 1) === QUOTE) {
              // Keep the first quote of the pair, skip the second.
              head = head === null ? text.slice(start, pos + 1) : head + text.slice(start, pos + 1);
              pos += 2;
              start = pos;
              continue;
            }
            break;
          }
          // Line ends inside the field still count as lines of the file.
          if (c === LF) line++;
          else if (c === CR && (pos + 1 >= n || text.charCodeAt(pos + 1) !== LF)) line++;
          pos++;
        }
        value = head === null ? text.slice(start, pos) : head + text.slice(start, pos);
        pos++;
        if (pos < n) {
          c = text.charCodeAt(pos);
          if (c !== delim && c !== LF && c !== CR) {
            const tail = pos;
            while (pos < n) {
              c = text.charCodeAt(pos);
              if (c === delim || c === LF || c === CR) break;
              pos++;
            }
            value += text.slice(tail, pos);
          }
        }
      } else {
        const start = pos;
        while (pos < n) {
          c = text.charCodeAt(pos);
          if (c === delim || c === LF || c === CR) break;
          pos++;
        }
        // A numeric column's plain numbers skip the string: parsed in place, handed over as values.
        if (numeric !== undefined && numeric[col] === 1 && pos - start <= safeCellChars) {
          const kind = scanPlainNumber(text, start, pos);
          if (kind === K_INTEGER || kind === K_NUMBER) {
            sink.plainNumber!(col, kind, classifiedValue());
            col++;
            if (pos >= n) break;
            c = text.charCodeAt(pos);
            pos++;
            if (c === delim) continue;
            if (c === CR && pos < n && text.charCodeAt(pos) === LF) pos++;
            line++;
            break;
          }
        }
        value = text.slice(start, pos);
      }
      if (value.length > safeCellChars && Buffer.byteLength(value, 'utf8') > maxCellBytes) {
        throw cellTooLarge(rowLine, rows, col, maxCellBytes, frame);
      }
      sink.text(col, value);
      col++;

      if (pos >= n) break;
      c = text.charCodeAt(pos);
      pos++;
      // After a delimiter there is always one more field, empty at the end of the text.
      if (c === delim) continue;
      if (c === CR && pos < n && text.charCodeAt(pos) === LF) pos++;
      line++;
      break;
    }
    sink.endRow();
    records++;
    rows++;
    if (rows > maxRows) throw tooManyRows(maxRows);
    if (progress !== undefined && (rows & (PROGRESS_EVERY_ROWS - 1)) === 0) progress(pos / n);
  }

  cursor.pos = pos;
  cursor.line = line;
  cursor.rows = rows;
}

/** Collects cells as arrays (the first record; also handy in tests). */
export class RecordingSink implements CellSink {
  readonly rows: string[][] = [];
  private current: string[] = [];
  text(column: number, value: string): void {
    this.current[column] = value;
  }
  value(column: number, value: unknown): void {
    this.current[column] = String(value);
  }
  endRow(): void {
    this.rows.push(this.current);
    this.current = [];
  }
}

// ---- errors (cold) ----

function columnLabel(col: number, names: string[] | null): string {
  const name = names?.[col];
  return name ? name : `column_${col + 1}`;
}

/** 1-based data row of the record being read, or undefined for the header. */
function rowNumber(rowsDone: number, frame: Frame): number | undefined {
  if (frame.first && frame.rowBase === 1) return undefined;
  return rowsDone + 1;
}

function unclosedQuote(text: string, start: number, line: number, rowsDone: number, col: number, frame: Frame): AppError {
  return AppError.parse(`Line ${line}: a quoted field is never closed.`, {
    line,
    row: rowNumber(rowsDone, frame),
    column: columnLabel(col, frame.names),
    value: text.slice(start, start + 50),
  });
}

function tooManyFields(text: string, rowPos: number, line: number, rowsDone: number, frame: Frame): AppError {
  if (frame.first) {
    return new AppError('FILE_TOO_LARGE', `The file has more than ${frame.width} columns, the limit.`, {
      line,
      limit: frame.width,
    });
  }
  const seen = countFields(text, rowPos, frame.delim);
  return AppError.parse(`Line ${line}: expected ${frame.width} fields, saw ${seen}.`, {
    line,
    row: rowNumber(rowsDone, frame),
  });
}

function cellTooLarge(line: number, rowsDone: number, col: number, limit: number, frame: Frame): AppError {
  const column = columnLabel(col, frame.names);
  return new AppError('FILE_TOO_LARGE', `Line ${line}: the value in column ${column} is over ${limit} bytes, the limit.`, {
    line,
    row: rowNumber(rowsDone, frame),
    column,
    limit,
  });
}

function tooManyRows(limit: number): AppError {
  return new AppError('FILE_TOO_LARGE', `The file has more than ${limit} rows, the limit.`, { limit });
}

/** Fields of the record starting at pos (for the error message only; an open quote runs to the end). */
function countFields(text: string, pos: number, delim: number): number {
  const n = text.length;
  let fields = 1;
  let inQuotes = false;
  let atStart = true;
  for (; pos < n; pos++) {
    const c = text.charCodeAt(pos);
    if (inQuotes) {
      if (c === QUOTE) {
        if (pos + 1 < n && text.charCodeAt(pos + 1) === QUOTE) pos++;
        else inQuotes = false;
      }
      continue;
    }
    if (c === LF || c === CR) break;
    if (c === delim) {
      fields++;
      atStart = true;
      continue;
    }
    if (c === QUOTE && atStart) inQuotes = true;
    atStart = false;
  }
  return fields;
}
