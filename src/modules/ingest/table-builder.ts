// Builds the columnar Table (core/column.ts) from cells as a parser streams them, inferring each
// column's type over the WHOLE column (API.md: narrowest type that fits every non-missing value).
//
// Per column, never per row object:
//  - "dict mode" (the start): each distinct text gets a code (Map text → code, first-appearance order),
//    and is classified once, when first seen. Rows store Int32 codes. At the end the column becomes a
//    string column as is (codes + dict) or a typed one (one lookup per row). A type conflict costs
//    nothing: the original texts are all there.
//  - "value mode": a column that is still numeric/date/boolean after DICT_LIMIT distinct values (prices,
//    timestamps…) stops keeping texts and stores Float64 values directly. If such a column later meets a
//    value that makes it `string`, its original texts are gone: it is marked for a re-parse as `string`
//    (`restartColumns()`; the ingest orchestrator parses again with `forceString`). That is rare and
//    costs one more pass, against keeping every text of every numeric column in memory.
//    A column of many different numbers switches early (NUMERIC_PROBE_ROWS): its cells skip the Map.
//
// String columns keep the text as written (surrounding spaces included); spaces are ignored only to
// infer types and to recognise missing markers.
import { Buffer } from 'node:buffer';
import { presentValues, type Column, type Table } from '../../core/column.js';
import { countDistinct } from '../../core/stats/distinct.js';
import { AppError } from '../../errors.js';
import { uniqueColumnNames } from './column-names.js';
import { classifiedValue, classifyText, isStringKinds, K_BOOLEAN, K_DATE, K_DATETIME, K_INTEGER, K_NUMBER, K_STRING,
  typeOfKinds } from './infer-value.js';
import type { CellSink, ColumnMeta, IngestLimits } from './ingest.types.js';
import { isMissingText, trimCell } from './missing-markers.js';

/** Distinct texts a still-typed column may collect before switching to value mode. */
export const DICT_LIMIT = 1 << 16;
/**
 * A column that holds only numbers after this many rows, with more than NUMERIC_PROBE_DISTINCT
 * distinct texts, goes to value mode at once: numbers classify faster than a Map can look their text
 * up. (The price: if text shows up later in it, the file is read a second time.)
 */
export const NUMERIC_PROBE_ROWS = 2048;
export const NUMERIC_PROBE_DISTINCT = 64;
const NUMERIC_KINDS = K_INTEGER | K_NUMBER;

const MAX_SAFE = 2 ** 53;
const DAY_MS = 86_400_000;

export interface TableBuilderOptions {
  /** Raw header names (null: no header; columns are named column_1… as they appear). */
  rawNames?: readonly (string | null | undefined)[] | null;
  /** Columns (0-based) to keep as `string` whatever they hold (after a value-mode conflict). */
  forceString?: ReadonlySet<number>;
  /** Initial row capacity hint. */
  capacity?: number;
  /** Text cells may be decimal-comma numbers (`1,5`): semicolon-delimited files (infer-value's classifyText). */
  decimalComma?: boolean;
}

class ColumnState {
  kinds = 0;
  len = 0;
  nulls = 0;
  abandoned = false;
  keys: Map<string, number> | null = new Map();
  dictText: string[] = [];
  dictVal = new Float64Array(16);
  codes: Int32Array | null;
  vals: Float64Array | null = null;

  constructor(
    readonly force: boolean,
    capacity: number,
    /** The builder's flags of columns taking parsed plain numbers (CellSink.plainNumberColumns), and this column's index. */
    private readonly numericFlags: { flags: Uint8Array },
    private readonly index: number,
  ) {
    this.codes = new Int32Array(capacity);
    if (force) this.kinds = K_STRING;
  }

  /** Pads with missing cells up to `rows`. */
  padTo(rows: number): void {
    const n = rows - this.len;
    if (n <= 0) return;
    this.reserve(rows);
    if (this.codes) this.codes.fill(-1, this.len, rows);
    else if (this.vals) this.vals.fill(NaN, this.len, rows);
    this.len = rows;
    this.nulls += n;
  }

  reserve(rows: number): void {
    const arr = this.codes ?? this.vals!;
    if (rows <= arr.length) return;
    const size = Math.max(rows, Math.ceil(arr.length * 1.5) + 16);
    if (this.codes) {
      const next = new Int32Array(size);
      next.set(this.codes.subarray(0, this.len));
      this.codes = next;
    } else {
      const next = new Float64Array(size);
      next.set(this.vals!.subarray(0, this.len));
      this.vals = next;
    }
  }

  pushMissing(): void {
    if (this.len >= (this.codes ?? this.vals!).length) this.reserve(this.len + 1);
    if (this.codes) this.codes[this.len++] = -1;
    else this.vals![this.len++] = NaN;
    this.nulls++;
  }

  /** Adds a distinct entry in dict mode; returns its code. */
  addEntry(key: string, kind: number, value: number): number {
    const code = this.dictText.length;
    this.keys!.set(key, code);
    this.dictText.push(key);
    if (code >= this.dictVal.length) {
      const next = new Float64Array(this.dictVal.length * 2);
      next.set(this.dictVal);
      this.dictVal = next;
    }
    this.dictVal[code] = value;
    this.kinds |= kind;
    return code;
  }

  pushCode(code: number): void {
    if (this.len >= this.codes!.length) this.reserve(this.len + 1);
    this.codes![this.len++] = code;
    if (this.dictText.length > DICT_LIMIT && !isStringKinds(this.kinds)) this.toValueMode();
    else if (this.len === NUMERIC_PROBE_ROWS && this.kinds !== 0 && (this.kinds & ~NUMERIC_KINDS) === 0 &&
      this.dictText.length > NUMERIC_PROBE_DISTINCT) {
      this.toValueMode();
    }
  }

  pushValue(kind: number, value: number): void {
    const kinds = this.kinds | kind;
    if (isStringKinds(kinds)) {
      this.abandon();
      return;
    }
    this.kinds = kinds;
    if (this.len >= this.vals!.length) this.reserve(this.len + 1);
    this.vals![this.len++] = value;
  }

  private toValueMode(): void {
    const codes = this.codes!;
    const vals = new Float64Array(codes.length);
    const dv = this.dictVal;
    for (let i = 0; i < this.len; i++) {
      const c = codes[i];
      vals[i] = c < 0 ? NaN : dv[c];
    }
    this.vals = vals;
    // Only numbers so far: let the scanner hand over plain numbers already parsed.
    if (!this.force && (this.kinds & ~NUMERIC_KINDS) === 0) this.numericFlags.flags[this.index] = 1;
    this.codes = null;
    this.keys = null;
    this.dictText = [];
    this.dictVal = new Float64Array(0);
  }

  /** The texts are gone and the column turned out to be text: keep row count only, re-parse later. */
  private abandon(): void {
    this.abandoned = true;
    this.kinds = K_STRING;
    this.numericFlags.flags[this.index] = 0;
    if (this.len >= this.vals!.length) this.reserve(this.len + 1);
    this.vals![this.len++] = NaN;
  }
}

export class TableBuilder implements CellSink {
  private readonly cols: ColumnState[] = [];
  private readonly rawNames: (string | null)[] = [];
  private readonly force: ReadonlySet<number>;
  private readonly capacity: number;
  private readonly numeric: { flags: Uint8Array };
  private readonly decimalComma: boolean;
  private row = 0;

  constructor(
    private readonly limits: IngestLimits,
    options: TableBuilderOptions = {},
  ) {
    this.force = options.forceString ?? new Set();
    this.decimalComma = options.decimalComma ?? false;
    this.capacity = Math.max(16, Math.min(options.capacity ?? 1024, limits.maxRows + 1));
    const names = options.rawNames;
    this.numeric = { flags: new Uint8Array(Math.max(16, names?.length ?? 0)) };
    if (names) for (const n of names) this.addColumn(n ?? null);
  }

  get rowCount(): number {
    return this.row;
  }

  /** CellSink fast path: the columns in value mode that have held only numbers (1), by index. */
  get plainNumberColumns(): Uint8Array {
    return this.numeric.flags;
  }

  /** CellSink fast path: an unquoted plain number, parsed by the scanner (same outcome as text()). */
  plainNumber(index: number, kind: number, value: number): void {
    const c = this.column(index);
    if (!c) return;
    if (c.abandoned) {
      c.pushMissing();
      c.nulls--; // not a missing value, just not kept: the column is re-parsed
      return;
    }
    c.pushValue(kind, value);
  }

  get columnCount(): number {
    return this.cols.length;
  }

  /** Adds a column (missing in the rows so far) and returns its index. */
  addColumn(rawName: string | null): number {
    const index = this.cols.length;
    if (index >= this.limits.maxColumns) {
      throw new AppError('FILE_TOO_LARGE', `The file has more than ${this.limits.maxColumns} columns.`, {
        limit: this.limits.maxColumns,
      });
    }
    if (index >= this.numeric.flags.length) {
      const grown = new Uint8Array(Math.max(16, index * 2));
      grown.set(this.numeric.flags);
      this.numeric.flags = grown;
    }
    const col = new ColumnState(this.force.has(index), Math.max(this.capacity, this.row), this.numeric, index);
    col.padTo(this.row);
    this.cols.push(col);
    this.rawNames.push(rawName);
    return index;
  }

  private column(index: number): ColumnState | null {
    while (index >= this.cols.length) this.addColumn(null);
    const c = this.cols[index];
    if (c.len > this.row) return null; // a second cell for the same column in this row: the first one stays
    if (c.len < this.row) c.padTo(this.row);
    return c;
  }

  private checkSize(index: number, text: string): void {
    const max = this.limits.maxCellBytes;
    // A UTF-16 code unit is at most 3 UTF-8 bytes: most cells skip the byte count.
    if (text.length * 3 > max && Buffer.byteLength(text, 'utf8') > max) {
      const name = uniqueColumnNames(this.rawNames)[index];
      throw new AppError(
        'FILE_TOO_LARGE',
        `The cell in row ${this.row + 1}, column "${name}" is larger than ${max} bytes.`,
        { row: this.row + 1, column: name, limit: max },
      );
    }
  }

  text(index: number, value: string): void {
    const c = this.column(index);
    if (!c) return;
    this.checkSize(index, value);
    if (isMissingText(value)) {
      c.pushMissing();
      return;
    }
    if (c.abandoned) {
      c.pushMissing();
      c.nulls--; // not a missing value, just not kept: the column is re-parsed
      return;
    }
    if (c.keys) {
      let code = c.keys.get(value);
      if (code === undefined) {
        const kind = c.force ? K_STRING : classifyText(trimCell(value), this.decimalComma);
        code = c.addEntry(value, kind, kind === K_STRING ? NaN : classifiedValue());
      }
      c.pushCode(code);
    } else {
      const kind = classifyText(trimCell(value), this.decimalComma);
      c.pushValue(kind, kind === K_STRING ? NaN : classifiedValue());
    }
  }

  value(index: number, v: unknown): void {
    if (typeof v === 'string') {
      // JSON strings and other typed text: inferred like text, but no missing markers (only null is missing).
      const c = this.column(index);
      if (!c) return;
      this.checkSize(index, v);
      this.typed(c, v, c.force ? K_STRING : classifyText(trimCell(v)), NaN);
      return;
    }
    const c = this.column(index);
    if (!c) return;
    if (v === null || v === undefined) {
      c.pushMissing();
      return;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) c.pushMissing();
      else if (Number.isInteger(v) && Math.abs(v) <= MAX_SAFE) this.typed(c, String(v), K_INTEGER, v + 0);
      else this.typed(c, String(v), K_NUMBER, v);
    } else if (typeof v === 'boolean') {
      this.typed(c, v ? 'true' : 'false', K_BOOLEAN, v ? 1 : 0);
    } else if (v instanceof Date) {
      const ms = v.getTime();
      if (Number.isNaN(ms)) c.pushMissing();
      else if (ms % DAY_MS === 0) this.typed(c, new Date(ms).toISOString().slice(0, 10), K_DATE, ms);
      else this.typed(c, new Date(ms).toISOString(), K_DATETIME, ms);
    } else {
      const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
      this.checkSize(index, text);
      this.typed(c, text, K_STRING, NaN);
    }
  }

  /** A cell whose kind is known; `key` is its text (what a string column shows). */
  private typed(c: ColumnState, key: string, kind: number, value: number): void {
    if (c.abandoned) {
      c.pushMissing();
      c.nulls--;
      return;
    }
    if (kind !== K_STRING && value !== value) value = classifiedValue();
    if (c.force) kind = K_STRING;
    if (c.keys) {
      let code = c.keys.get(key);
      if (code === undefined) code = c.addEntry(key, kind, value);
      c.pushCode(code);
    } else {
      c.pushValue(kind, value);
    }
  }

  endRow(): void {
    const row = ++this.row;
    if (row > this.limits.maxRows) {
      throw new AppError('FILE_TOO_LARGE', `The file has more than ${this.limits.maxRows} rows.`, {
        limit: this.limits.maxRows,
      });
    }
    const cols = this.cols;
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i];
      if (c.len < row) c.pushMissing();
    }
  }

  /** Columns whose type conflict came too late to convert in place: parse again with these in `forceString`. */
  restartColumns(): number[] {
    const out: number[] = [];
    this.cols.forEach((c, i) => {
      if (c.abandoned) out.push(i);
    });
    return out;
  }

  /** The column names so far (unique, as they will be in the table). */
  names(): string[] {
    return uniqueColumnNames(this.rawNames);
  }

  finish(): { table: Table; columns: ColumnMeta[] } {
    if (this.restartColumns().length > 0) throw new Error('TableBuilder.finish: columns need a re-parse as string.');
    const names = this.names();
    const rows = this.row;
    const columns: Column[] = [];
    const meta: ColumnMeta[] = [];
    this.cols.forEach((c, i) => {
      c.padTo(rows);
      const name = names[i];
      const type = typeOfKinds(c.kinds);
      let distinct: number;
      if (type === 'string') {
        // A string column is always in dict mode (value mode only holds typed columns).
        columns.push({ name, type, codes: c.codes!.slice(0, rows), dict: c.dictText });
        distinct = c.dictText.length;
      } else if (c.codes) {
        const values = new Float64Array(rows);
        const codes = c.codes;
        const dv = c.dictVal;
        for (let r = 0; r < rows; r++) {
          const code = codes[r];
          values[r] = code < 0 ? NaN : dv[code];
        }
        columns.push({ name, type, values });
        // Different texts can be one value ("1.0", "1.00", " 1"): count values, not texts.
        const set = new Set<number>();
        for (let k = 0; k < c.dictText.length; k++) set.add(dv[k]);
        distinct = set.size;
      } else {
        const values = c.vals!.slice(0, rows);
        columns.push({ name, type, values });
        distinct = countDistinct(presentValues(values));
      }
      meta.push({ name, type, nullCount: c.nulls, distinctCount: distinct });
    });
    return { table: { rowCount: rows, columns }, columns: meta };
  }
}

