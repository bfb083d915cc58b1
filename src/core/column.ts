// The columnar, typed in-memory form of a dataset. Pure: no I/O, no express, no prisma.
//
// Every non-string column keeps its values in one Float64Array with NaN for a missing value:
//   integer / number → the number
//   boolean          → 1 (true) or 0 (false)
//   date / datetime  → milliseconds since 1970-01-01T00:00:00Z (a date is midnight UTC)
// A string column is dictionary-encoded: `codes[i]` indexes `dict`, -1 is missing, and the
// dictionary is in order of first appearance (so code order = first-appearance order).

export const COLUMN_TYPES = ['integer', 'number', 'boolean', 'date', 'datetime', 'string'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface ValueColumn {
  name: string;
  type: Exclude<ColumnType, 'string'>;
  values: Float64Array;
}

export interface StringColumn {
  name: string;
  type: 'string';
  codes: Int32Array;
  dict: string[];
}

export type Column = ValueColumn | StringColumn;

export interface Table {
  rowCount: number;
  columns: Column[];
}

/** A JSON cell value as the API returns it. */
export type CellValue = number | boolean | string | null;

export const isNumericType = (t: ColumnType): boolean => t === 'integer' || t === 'number';
export const isTimeType = (t: ColumnType): boolean => t === 'date' || t === 'datetime';

export function isMissing(col: Column, row: number): boolean {
  return col.type === 'string' ? col.codes[row] < 0 : Number.isNaN(col.values[row]);
}

/** Formats a stored time value the way the API returns it. */
export function formatTime(type: 'date' | 'datetime', ms: number): string {
  const iso = new Date(ms).toISOString();
  return type === 'date' ? iso.slice(0, 10) : iso;
}

/** The value of one cell, typed as the API returns it (dates as YYYY-MM-DD, missing as null). */
export function cellValue(col: Column, row: number): CellValue {
  if (col.type === 'string') {
    const code = col.codes[row];
    return code < 0 ? null : col.dict[code];
  }
  const v = col.values[row];
  if (Number.isNaN(v)) return null;
  switch (col.type) {
    case 'boolean':
      return v === 1;
    case 'date':
    case 'datetime':
      return formatTime(col.type, v);
    default:
      return v;
  }
}

export function findColumn(table: Table, name: string): Column | undefined {
  return table.columns.find((c) => c.name === name);
}

/** Non-missing values of a value column as a compact Float64Array (optionally only the given rows). */
export function presentValues(values: Float64Array, rows?: Int32Array | null): Float64Array {
  const out = new Float64Array(rows ? rows.length : values.length);
  const k = compactPresent(values, rows ?? null, out);
  return k === out.length ? out : out.slice(0, k);
}

/** Writes the non-missing values of the selected rows to the start of `out` (long enough); returns how many. */
export function compactPresent(values: Float64Array, rows: Int32Array | null, out: Float64Array): number {
  const n = rows ? rows.length : values.length;
  let k = 0;
  if (rows) {
    for (let i = 0; i < n; i++) {
      const v = values[rows[i]];
      if (v === v) out[k++] = v;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === v) out[k++] = v;
    }
  }
  return k;
}
