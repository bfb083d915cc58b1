// JSON and NDJSON uploads: an array of objects, `{ "data": [...] }`, or one object per line.
// Nested objects become `a.b` columns; arrays are kept as their JSON text (a `string` cell); only
// `null` is missing (no text markers: "NA" in JSON is the text NA). Whole JSON numbers count as integers.
//
// Safety: JSON.parse in V8 is iterative, so deep input cannot overflow the stack there; flattening
// stops at MAX_DEPTH levels of objects (422), and a too-deep array cell is a 422 too. Row, column and
// cell-size limits are checked by the TableBuilder as cells arrive (413).
import { AppError } from '../../errors.js';
import { decodeText, detectEncoding } from './decode-text.js';
import type { IngestOptions, IngestResult } from './ingest.types.js';
import { TableBuilder } from './table-builder.js';

/** Levels of nested objects a row may have (a.b.c… names get silly long before this). */
export const MAX_DEPTH = 64;

const PROGRESS_EVERY = 65536;

type Row = { value: unknown; line?: number };

/**
 * Parses JSON or NDJSON bytes. `format` comes from detect-format; the result keeps it.
 */
export function parseJson(bytes: Uint8Array, format: 'json' | 'ndjson', opts: IngestOptions): IngestResult {
  const encoding = opts.encoding ?? detectEncoding(bytes);
  const text = decodeText(bytes, encoding);
  if (!/\S/.test(text)) throw AppError.parse('The file is empty.');

  const rows = format === 'ndjson' ? ndjsonRows(text, opts.limits.maxRows) : jsonRows(text, opts.limits.maxRows);
  if (rows.length === 0) throw AppError.parse('The file holds no rows.');

  // One pass normally; a second one only when a long numeric column turns out to hold text late
  // (see TableBuilder.restartColumns).
  let forceString = new Set<number>();
  for (;;) {
    const builder = new TableBuilder(opts.limits, { rawNames: [], forceString, capacity: rows.length });
    const flattener = new Flattener(builder);
    for (let i = 0; i < rows.length; i++) {
      flattener.row(rows[i], i);
      if (opts.onProgress && (i + 1) % PROGRESS_EVERY === 0) opts.onProgress((i + 1) / rows.length);
    }
    const restart = builder.restartColumns();
    if (restart.length > 0) {
      forceString = new Set([...forceString, ...restart]);
      continue;
    }
    opts.onProgress?.(1);
    const { table, columns } = builder.finish();
    return { format, encoding, delimiter: null, sheets: null, table, columns };
  }
}

/** The rows of a JSON document: a top-level array, or the `data` array of a top-level object. */
function jsonRows(text: string, maxRows: number): Row[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw syntaxError(text, err, 0, 0);
  }
  let list: unknown;
  if (Array.isArray(doc)) list = doc;
  else if (doc !== null && typeof doc === 'object' && Array.isArray((doc as Record<string, unknown>).data)) {
    list = (doc as Record<string, unknown>).data;
  } else {
    throw AppError.parse('The JSON must be an array of objects, or an object with a "data" array.');
  }
  const arr = list as unknown[];
  if (arr.length > maxRows) throw tooManyRows(maxRows);
  return arr.map((value) => ({ value }));
}

/** The rows of NDJSON: one JSON value per non-blank line. */
function ndjsonRows(text: string, maxRows: number): Row[] {
  const rows: Row[] = [];
  const n = text.length;
  let pos = 0;
  let line = 0;
  while (pos < n) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    line++;
    const src = text.slice(pos, end);
    if (/\S/.test(src)) {
      let value: unknown;
      try {
        value = JSON.parse(src);
      } catch (err) {
        throw syntaxError(src, err, line - 1, rows.length + 1);
      }
      if (rows.length >= maxRows) throw tooManyRows(maxRows);
      rows.push({ value, line });
    }
    pos = end + 1;
  }
  return rows;
}

/** Feeds one row object's leaves to the builder, naming nested ones `a.b`. */
class Flattener {
  private readonly index = new Map<string, number>();

  constructor(private readonly builder: TableBuilder) {}

  row(row: Row, i: number): void {
    const v = row.value;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      const what = v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
      throw AppError.parse(`Row ${i + 1} is ${what}, not an object.`, { row: i + 1, ...(row.line ? { line: row.line } : {}) });
    }
    this.object(v as Record<string, unknown>, '', 1, i, row.line);
    this.builder.endRow();
  }

  private object(obj: Record<string, unknown>, prefix: string, depth: number, i: number, line?: number): void {
    if (depth > MAX_DEPTH) {
      throw AppError.parse(`Row ${i + 1} is nested more than ${MAX_DEPTH} levels deep.`, {
        row: i + 1,
        column: prefix.slice(0, -1),
        ...(line ? { line } : {}),
      });
    }
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      const name = prefix + key;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        this.object(v as Record<string, unknown>, name + '.', depth + 1, i, line);
        continue;
      }
      const col = this.column(name);
      if (Array.isArray(v)) arrayCell(this.builder, col, v, i, name, line);
      else this.builder.value(col, v);
    }
  }

  private column(name: string): number {
    let col = this.index.get(name);
    if (col === undefined) {
      col = this.builder.addColumn(name);
      this.index.set(name, col);
    }
    return col;
  }
}

/** An array cell: the builder keeps it as its JSON text (a `string` cell). */
function arrayCell(builder: TableBuilder, col: number, v: unknown[], i: number, name: string, line?: number): void {
  try {
    builder.value(col, v);
  } catch (err) {
    // JSON.stringify runs out of stack on absurdly nested lists: that is bad input, not a crash.
    if (err instanceof RangeError) {
      throw AppError.parse(`Row ${i + 1}: the list in column ${name} is nested too deeply.`, {
        row: i + 1,
        column: name,
        ...(line ? { line } : {}),
      });
    }
    throw err;
  }
}

function tooManyRows(limit: number): AppError {
  return new AppError('FILE_TOO_LARGE', `The file has more than ${limit} rows, the limit.`, { limit });
}

/** A 422 saying where JSON.parse stopped (V8 says "at position N"). */
function syntaxError(text: string, err: unknown, lineOffset: number, row: number): AppError {
  const message = err instanceof Error ? err.message : String(err);
  const m = /position (\d+)/.exec(message);
  const where: { line?: number; row?: number; column?: number; value?: string } = {};
  if (m) {
    const pos = Number(m[1]);
    let line = 1;
    let lineStart = 0;
    for (let k = 0; k < pos && k < text.length; k++) {
      if (text.charCodeAt(k) === 10) {
        line++;
        lineStart = k + 1;
      }
    }
    where.line = line + lineOffset;
    where.column = pos - lineStart + 1;
    where.value = text.slice(Math.max(pos - 20, lineStart), pos + 20);
  } else if (lineOffset > 0 || row > 0) {
    where.line = lineOffset + 1;
  } else {
    where.line = text.split('\n').length;
  }
  if (row > 0) where.row = row;
  return AppError.parse(`Line ${where.line}: the JSON is not valid.`, where);
}
