// Stable multi-column sort of row indexes. Missing values sort last in both directions;
// strings compare by Unicode code point (not UTF-16 units, which misorder astral characters).
import { AppError } from '../errors.js';
import { findColumn, type Table } from './column.js';
import type { RowSelection } from './filter.types.js';
import { argsortFloat } from './stats/radix.js';

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
  let order = rows ?? Int32Array.from({ length: table.rowCount }, (_, i) => i);
  // One stable radix pass per key, last key first (LSD order): each pass keeps the order of the
  // previous one among equal keys, so the result is sorted by all keys and stable overall.
  for (let k = keys.length - 1; k >= 0; k--) order = sortByKey(order, keyValues(table, keys[k], path), keys[k].descending);
  return order;
}

/** The sort value of every row of the key's column (strings by code-point rank), NaN = missing. */
function keyValues(table: Table, key: SortKey, path: string): Float64Array {
  const col = findColumn(table, key.column);
  if (!col) throw AppError.validation([{ path, message: `Unknown column "${key.column.slice(0, 200)}".` }]);
  if (col.type !== 'string') return col.values;
  const ranks = dictRanks(col.dict);
  const values = new Float64Array(col.codes.length);
  for (let i = 0; i < values.length; i++) values[i] = col.codes[i] < 0 ? NaN : ranks[col.codes[i]];
  return values;
}

/** `order` stably sorted by values[row]; missing values go last in both directions. */
function sortByKey(order: Int32Array, values: Float64Array, descending: boolean): Int32Array {
  const n = order.length;
  const present = new Int32Array(n);
  const keys = new Float64Array(n);
  const missing: number[] = [];
  let m = 0;
  for (let i = 0; i < n; i++) {
    const row = order[i];
    const v = values[row];
    if (v !== v) missing.push(row);
    else {
      present[m] = row;
      // Negating keeps equal keys equal, so a stable ascending sort of -v is a stable descending one.
      keys[m++] = descending ? -v : v;
    }
  }
  const idx = argsortFloat(keys, m);
  const out = new Int32Array(n);
  for (let i = 0; i < m; i++) out[i] = present[idx[i]];
  for (let i = 0; i < missing.length; i++) out[m + i] = missing[i];
  return out;
}
