// Stable multi-column sort of row indexes. Missing values sort last in both directions;
// strings compare by Unicode code point (not UTF-16 units, which misorder astral characters).
import { AppError } from '../errors.js';
import { findColumn, type Table } from './column.js';
import type { RowSelection } from './filter.types.js';

export interface SortKey {
  column: string;
  descending: boolean;
}

export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Parses `sort=a,-b`. */
export function parseSortParam(raw: string | undefined, path = 'sort'): SortKey[] {
  if (!raw) return [];
  return raw.split(',').map((part) => {
    const p = part.trim();
    const descending = p.startsWith('-');
    const column = descending ? p.slice(1) : p;
    if (!column) throw AppError.validation([{ path, message: 'Name a column to sort by, e.g. sort=-price.' }]);
    return { column, descending };
  });
}

/** Ranks of a string column's dictionary entries in code-point order (equal strings get equal rank). */
export function dictRanks(dict: string[]): Int32Array {
  const order = dict.map((_, i) => i).sort((x, y) => compareCodePoints(dict[x], dict[y]));
  const ranks = new Int32Array(dict.length);
  order.forEach((code, rank) => (ranks[code] = rank));
  return ranks;
}

/** Returns the selected rows (all rows when null) sorted by the keys; stable. */
export function sortRows(table: Table, rows: RowSelection, keys: SortKey[], path = 'sort'): Int32Array {
  const selected = rows ?? Int32Array.from({ length: table.rowCount }, (_, i) => i);
  if (keys.length === 0) return selected;
  // Each key becomes a Float64 sort value per row (string → code-point rank), NaN = missing.
  const columns = keys.map((k) => {
    const col = findColumn(table, k.column);
    if (!col) throw AppError.validation([{ path, message: `Unknown column "${k.column.slice(0, 200)}".` }]);
    if (col.type !== 'string') return { values: col.values, sign: k.descending ? -1 : 1 };
    const ranks = dictRanks(col.dict);
    const values = new Float64Array(col.codes.length);
    for (let i = 0; i < values.length; i++) values[i] = col.codes[i] < 0 ? NaN : ranks[col.codes[i]];
    return { values, sign: k.descending ? -1 : 1 };
  });
  const out = Array.from(selected);
  out.sort((a, b) => {
    for (const { values, sign } of columns) {
      const x = values[a];
      const y = values[b];
      const xm = x !== x;
      const ym = y !== y;
      if (xm || ym) {
        if (xm && ym) continue;
        return xm ? 1 : -1;
      }
      if (x !== y) return x < y ? -sign : sign;
    }
    return a - b; // stable: keep file order for equal keys
  });
  return Int32Array.from(out);
}
