// Row filters. Each op is one row of a table (arity + how to test a value); the zod enums and the
// docs come from FILTER_OPS. A missing value matches only isNull (not ne or nin), as the contract says.
import { AppError } from '../errors.js';
import { findColumn, type Column, type Table } from './column.js';
import { FILTER_OPS, type Filter, type FilterOp, type RowSelection } from './filter.types.js';
import { parseTimeText } from './parse-time.js';
import { compareCodePoints } from './sort.js';

type Arity = 'none' | 'one' | 'list' | 'pair';
type Scalar = number | string;

interface OpSpec {
  arity: Arity;
  /** Only for string columns (contains, startsWith). */
  textOnly?: boolean;
  /** Builds the test for one present value (compare: the column type's ordering). */
  test?: (args: Scalar[], compare: (a: Scalar, b: Scalar) => number) => (v: Scalar) => boolean;
}

export const FILTER_OP_SPECS: Record<FilterOp, OpSpec> = {
  eq: { arity: 'one', test: ([a], cmp) => (v) => cmp(v, a) === 0 },
  ne: { arity: 'one', test: ([a], cmp) => (v) => cmp(v, a) !== 0 },
  gt: { arity: 'one', test: ([a], cmp) => (v) => cmp(v, a) > 0 },
  gte: { arity: 'one', test: ([a], cmp) => (v) => cmp(v, a) >= 0 },
  lt: { arity: 'one', test: ([a], cmp) => (v) => cmp(v, a) < 0 },
  lte: { arity: 'one', test: ([a], cmp) => (v) => cmp(v, a) <= 0 },
  in: { arity: 'list', test: (list, cmp) => (v) => list.some((a) => cmp(v, a) === 0) },
  nin: { arity: 'list', test: (list, cmp) => (v) => !list.some((a) => cmp(v, a) === 0) },
  between: { arity: 'pair', test: ([lo, hi], cmp) => (v) => cmp(v, lo) >= 0 && cmp(v, hi) <= 0 },
  contains: { arity: 'one', textOnly: true, test: ([a]) => (v) => String(v).includes(String(a)) },
  startsWith: { arity: 'one', textOnly: true, test: ([a]) => (v) => String(v).startsWith(String(a)) },
  isNull: { arity: 'none' },
  notNull: { arity: 'none' },
};

/** Parses `filter=<column>:<op>:<value>` query values (the value may itself contain ':'). */
export function parseFilterQuery(raw: unknown): Filter[] {
  if (raw === undefined) return [];
  const items = Array.isArray(raw) ? raw : [raw];
  return items.map((item, i) => {
    const path = items.length > 1 ? `filter.${i}` : 'filter';
    if (typeof item !== 'string') throw AppError.validation([{ path, message: 'Write filters as column:op:value.' }]);
    const first = item.indexOf(':');
    if (first <= 0) throw AppError.validation([{ path, message: `"${item.slice(0, 100)}" is not column:op:value.` }]);
    const column = item.slice(0, first);
    const rest = item.slice(first + 1);
    const second = rest.indexOf(':');
    const op = second < 0 ? rest : rest.slice(0, second);
    const value = second < 0 ? undefined : rest.slice(second + 1);
    if (!(FILTER_OPS as readonly string[]).includes(op)) {
      throw AppError.validation([{ path, message: `Unknown filter op "${op.slice(0, 50)}". Use one of: ${FILTER_OPS.join(', ')}.` }]);
    }
    return { column, op: op as FilterOp, value };
  });
}

function argsOf(filter: Filter, arity: Arity, path: string): unknown[] {
  const v = filter.value;
  const fail = (message: string): never => {
    throw AppError.validation([{ path, message }]);
  };
  switch (arity) {
    case 'none':
      return [];
    case 'one':
      if (v === undefined || v === null || typeof v === 'object') fail(`The ${filter.op} filter on "${filter.column}" needs one value.`);
      return [v];
    case 'list': {
      const list = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : fail(`The ${filter.op} filter on "${filter.column}" needs a list of values.`);
      if (list.length === 0) fail(`The ${filter.op} filter on "${filter.column}" needs at least one value.`);
      return list;
    }
    case 'pair': {
      const pair = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [];
      if (pair.length !== 2) fail(`The between filter on "${filter.column}" needs two values: low,high.`);
      return pair;
    }
  }
}

/** Converts a filter argument to the column's type (numbers numerically, dates as dates). */
function coerce(col: Column, raw: unknown, path: string): Scalar {
  const bad = (): never => {
    throw AppError.validation([{ path, message: `"${String(raw).slice(0, 100)}" is not a valid ${col.type} for column "${col.name}".` }]);
  };
  if (col.type === 'string') return String(raw);
  if (col.type === 'boolean') {
    if (raw === true || raw === false) return raw ? 1 : 0;
    const s = String(raw).trim().toLowerCase();
    return s === 'true' ? 1 : s === 'false' ? 0 : bad();
  }
  if (col.type === 'date' || col.type === 'datetime') {
    const ms = typeof raw === 'string' ? parseTimeText(raw) : null;
    return ms ?? bad();
  }
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : bad();
  const s = String(raw).trim();
  const n = s === '' ? NaN : Number(s);
  return Number.isFinite(n) ? n : bad();
}

const compareNumbers = (a: Scalar, b: Scalar) => (a as number) - (b as number);
const compareText = (a: Scalar, b: Scalar) => compareCodePoints(a as string, b as string);

/** A per-row mask (1 = keeps the row) for one filter. */
function filterMask(table: Table, filter: Filter, path: string): Uint8Array {
  const col = findColumn(table, filter.column);
  if (!col) throw AppError.validation([{ path, message: `Unknown column "${filter.column.slice(0, 200)}".` }]);
  const spec = FILTER_OP_SPECS[filter.op];
  if (!spec) throw AppError.validation([{ path, message: `Unknown filter op "${String(filter.op)}".` }]);
  if (spec.textOnly && col.type !== 'string') {
    throw AppError.validation([{ path, message: `The ${filter.op} filter works on text columns; "${col.name}" is ${col.type}.` }]);
  }
  const mask = new Uint8Array(table.rowCount);
  const n = table.rowCount;
  if (filter.op === 'isNull' || filter.op === 'notNull') {
    const want = filter.op === 'isNull' ? 1 : 0;
    if (col.type === 'string') for (let i = 0; i < n; i++) mask[i] = (col.codes[i] < 0 ? 1 : 0) === want ? 1 : 0;
    else for (let i = 0; i < n; i++) mask[i] = (col.values[i] !== col.values[i] ? 1 : 0) === want ? 1 : 0;
    return mask;
  }
  const args = argsOf(filter, spec.arity, path).map((a) => coerce(col, a, path));
  const test = spec.test!(args, col.type === 'string' ? compareText : compareNumbers);
  if (col.type === 'string') {
    // Decide once per distinct value, then look codes up.
    const hit = new Uint8Array(col.dict.length);
    for (let c = 0; c < col.dict.length; c++) hit[c] = test(col.dict[c]) ? 1 : 0;
    for (let i = 0; i < n; i++) {
      const c = col.codes[i];
      mask[i] = c >= 0 ? hit[c] : 0;
    }
  } else {
    const values = col.values;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      mask[i] = v === v && test(v) ? 1 : 0;
    }
  }
  return mask;
}

/**
 * The rows that pass every filter (AND), as ascending indexes; null when there are no filters.
 * `pathPrefix` names the field in 400 details: 'filter' for query strings, 'filters' for bodies.
 */
export function applyFilters(table: Table, filters: Filter[], pathPrefix = 'filter'): RowSelection {
  if (filters.length === 0) return null;
  let combined: Uint8Array | null = null;
  filters.forEach((f, i) => {
    const path = filters.length > 1 || pathPrefix === 'filters' ? `${pathPrefix}.${i}` : pathPrefix;
    const mask = filterMask(table, f, path);
    if (!combined) combined = mask;
    else for (let r = 0; r < mask.length; r++) combined[r] &= mask[r];
  });
  const keep = combined as unknown as Uint8Array;
  let count = 0;
  for (let r = 0; r < keep.length; r++) count += keep[r];
  const rows = new Int32Array(count);
  for (let r = 0, k = 0; r < keep.length; r++) if (keep[r]) rows[k++] = r;
  return rows;
}

/** Number of rows a selection keeps. */
export function selectionSize(table: Table, rows: RowSelection): number {
  return rows ? rows.length : table.rowCount;
}
