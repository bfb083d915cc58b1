// The group-by metric ops of API.md as one data table, shared by analysis/groupby and chart-data.
//
// Every op is computed from one group's values, gathered into a scratch Float64Array in row order:
//   numbers, booleans (0/1) and times (epoch ms) as stored; string columns as their dictionary codes.
// `compute(values, n, missing)` sees the n non-missing values in values[0..n) and may reorder them
// (median/quartiles select in place). For a bare `count` the caller passes n = the group's row count.
// Conventions: std/var sample (n−1), stdp/varp population (n); quartiles type 7; a metric over no
// values is null except the counts and `sum` (0).
import type { CellValue, ColumnType } from './column.js';
import { formatTime, isNumericType } from './column.js';
import { countDistinct } from './stats/distinct.js';
import { neumaierSum, variance } from './stats/moments.js';
import { quantileInPlace } from './stats/select.js';

export const METRIC_OPS = [
  'count', 'missing', 'sum', 'mean', 'median', 'min', 'max', 'std', 'var', 'stdp', 'varp',
  'distinct', 'q1', 'q3', 'first', 'last',
] as const;
export type MetricOp = (typeof METRIC_OPS)[number];
export const isMetricOp = (s: string): s is MetricOp => (METRIC_OPS as readonly string[]).includes(s);

/**
 * What the result is: `count` an integer count; `number` a plain number;
 * `value` a value of the column itself (typed as the API returns cells: a date as YYYY-MM-DD, a
 * string from the dictionary — see `metricValue`).
 */
export type MetricResult = 'count' | 'number' | 'value';

export interface MetricDef {
  op: MetricOp;
  /** `none`: never takes a column; `optional`: bare form allowed (only count); `required`. */
  column: 'optional' | 'required';
  /** Column types the op accepts (anything else is a 400 naming the column). */
  accepts: (type: ColumnType) => boolean;
  result: MetricResult;
  /** Value over values[0..n) (non-missing, row order) given `missing` missing ones. */
  compute: (values: Float64Array, n: number, missing: number) => number | null;
  /** Plain-language description (OpenAPI, docs). */
  description: string;
}

const anyType = (): boolean => true;
const numeric = (t: ColumnType): boolean => isNumericType(t);
// min/max make sense for anything ordered as stored: numbers, dates, booleans (false < true).
// Strings are stored as first-appearance codes, whose order is not the strings' order.
const ordered = (t: ColumnType): boolean => t !== 'string';

function minOf(v: Float64Array, n: number): number | null {
  if (n === 0) return null;
  let m = v[0];
  for (let i = 1; i < n; i++) if (v[i] < m) m = v[i];
  return m;
}
function maxOf(v: Float64Array, n: number): number | null {
  if (n === 0) return null;
  let m = v[0];
  for (let i = 1; i < n; i++) if (v[i] > m) m = v[i];
  return m;
}
const distinctOf = (v: Float64Array, n: number): number => countDistinct(v, n);
const sqrtOrNull = (x: number | null): number | null => (x === null ? null : Math.sqrt(x));

export const METRICS: Record<MetricOp, MetricDef> = {
  count: { op: 'count', column: 'optional', accepts: anyType, result: 'count', compute: (_v, n) => n,
    description: 'bare: rows in the group; with a column: its non-missing values' },
  missing: { op: 'missing', column: 'required', accepts: anyType, result: 'count', compute: (_v, _n, m) => m,
    description: 'missing values of the column' },
  sum: { op: 'sum', column: 'required', accepts: numeric, result: 'number', compute: (v, n) => neumaierSum(v, n),
    description: 'sum (0 over no values)' },
  mean: { op: 'mean', column: 'required', accepts: numeric, result: 'number',
    compute: (v, n) => (n === 0 ? null : neumaierSum(v, n) / n), description: 'arithmetic mean' },
  median: { op: 'median', column: 'required', accepts: numeric, result: 'number',
    compute: (v, n) => quantileInPlace(v, n, 0.5), description: 'median (type-7 quantile 0.5)' },
  min: { op: 'min', column: 'required', accepts: ordered, result: 'value', compute: minOf, description: 'smallest value' },
  max: { op: 'max', column: 'required', accepts: ordered, result: 'value', compute: maxOf, description: 'largest value' },
  std: { op: 'std', column: 'required', accepts: numeric, result: 'number',
    compute: (v, n) => sqrtOrNull(variance(v, n, 1)), description: 'sample standard deviation (n−1)' },
  var: { op: 'var', column: 'required', accepts: numeric, result: 'number',
    compute: (v, n) => variance(v, n, 1), description: 'sample variance (n−1)' },
  stdp: { op: 'stdp', column: 'required', accepts: numeric, result: 'number',
    compute: (v, n) => sqrtOrNull(variance(v, n, 0)), description: 'population standard deviation (n)' },
  varp: { op: 'varp', column: 'required', accepts: numeric, result: 'number',
    compute: (v, n) => variance(v, n, 0), description: 'population variance (n)' },
  distinct: { op: 'distinct', column: 'required', accepts: anyType, result: 'count', compute: distinctOf,
    description: 'distinct non-missing values' },
  q1: { op: 'q1', column: 'required', accepts: numeric, result: 'number',
    compute: (v, n) => quantileInPlace(v, n, 0.25), description: 'first quartile (type 7)' },
  q3: { op: 'q3', column: 'required', accepts: numeric, result: 'number',
    compute: (v, n) => quantileInPlace(v, n, 0.75), description: 'third quartile (type 7)' },
  first: { op: 'first', column: 'required', accepts: anyType, result: 'value',
    compute: (v, n) => (n === 0 ? null : v[0]), description: 'first non-missing value in row order' },
  last: { op: 'last', column: 'required', accepts: anyType, result: 'value',
    compute: (v, n) => (n === 0 ? null : v[n - 1]), description: 'last non-missing value in row order' },
};

export interface MetricSpec {
  op: MetricOp;
  /** Absent only for a bare `count`. */
  column?: string;
}

/** The output field name: `<op>_<column>`, a bare count stays `count`. */
export function metricField(m: MetricSpec): string {
  return m.column === undefined ? m.op : `${m.op}_${m.column}`;
}

/**
 * Parses `op:column` or a bare `count` (the column is everything after the first ':', so column
 * names may contain ':'). Returns an error message instead of throwing, so callers can list every
 * bad entry in one 400.
 */
export function parseMetric(text: string): MetricSpec | { error: string } {
  const i = text.indexOf(':');
  const op = (i < 0 ? text : text.slice(0, i)).trim();
  const column = i < 0 ? undefined : text.slice(i + 1);
  if (!isMetricOp(op)) return { error: `unknown metric op '${op}' (one of ${METRIC_OPS.join(', ')})` };
  if (column === undefined && METRICS[op].column === 'required') return { error: `metric '${op}' needs a column, as '${op}:<column>'` };
  if (column !== undefined && column.length === 0) return { error: `metric '${text}' has an empty column name` };
  return column === undefined ? { op } : { op, column };
}

/** A metric's raw result as the API returns it, typed by the column for `value` results. */
export function metricValue(def: MetricDef, col: { type: ColumnType; dict?: string[] } | null, x: number | null): CellValue {
  if (x === null || x !== x) return def.result === 'count' ? 0 : def.op === 'sum' ? 0 : null;
  if (def.result !== 'value' || col === null) return x;
  switch (col.type) {
    case 'string':
      return col.dict![x];
    case 'boolean':
      return x === 1;
    case 'date':
    case 'datetime':
      return formatTime(col.type, x);
    default:
      return x;
  }
}
