// Chart data (API.md "Charts and visualizations"): one pipeline for every chart type —
//   filter → derive keys (time bucket / equal-width bin) → group → aggregate → sort → limit (+ "Other").
// Pure: takes a Table, returns plain records. `validateChart` checks a request against column names
// and types only, so a saved visualization can be re-checked when its dataset's columns change.
//
// Documented choices where the contract is silent:
// - meta.rowsScanned counts the rows left after the filters (the rows the chart is computed from);
//   meta.truncated is true when groups, points or outliers were left out (folding into "Other" leaves
//   nothing out).
// - With groupBy, sort and limit act on the x categories; sorting by y uses the sum of the series'
//   values for a category (a single series: its value). Missing keys and values sort last both ways.
// - A numeric heatmap axis (and a numeric x with `bins` on bar/line/area/pie/box) is cut into numpy
//   equal-width bins and labelled by the bin start; heatmap cells are the (x, y) pairs that have rows.
// - Scatter sampling: when n points exceed the limit L, the points at positions ⌊i·n/L⌋ (i < L) in
//   row order are kept — an evenly spread, repeatable sample.
// - Box outliers are listed in ascending order (at most MAX_CHART_LIMIT per box). Box sorts by y use
//   the median. Heatmap sorts: x (default: x, then y key order), y (y key, then x), value.
// - Histogram bins and scatter points keep their own order: sort, limit (scatter: the sample size) and
//   `other` do not apply to histograms; `other` does not apply to scatter or heatmaps; `aggregate`
//   applies only where values are aggregated (bar, line, area, pie, heatmap).
import type { CellValue, Column, ColumnType, Table, ValueColumn } from '../../core/column.js';
import { cellValue, findColumn, isNumericType, isTimeType } from '../../core/column.js';
import { applyFilters, selectionSize } from '../../core/filter-ops.js';
import type { RowSelection } from '../../core/filter.types.js';
import { aggregateGroups, groupRows, type GroupKeySpec, type Grouping } from '../../core/group-by.js';
import { METRICS, metricValue, type MetricOp, type MetricSpec } from '../../core/metrics.js';
import { binColumn } from '../../core/binning.js';
import { quantileSorted } from '../../core/stats/quantile.js';
import { compareCodePoints } from '../../core/sort.js';
import { formatBucket, nextBucketStart, type TimeUnit } from '../../core/time-bucket.js';
import { AppError, type FieldIssue } from '../../errors.js';
import { DEFAULT_BINS, DEFAULT_SCATTER_LIMIT, MAX_CHART_LIMIT, type ChartRequest, type ChartType } from './charts.schemas.js';

export interface ChartColumn {
  name: string;
  type: ColumnType;
}

export interface ChartMeta {
  rowsScanned: number;
  rowsReturned: number;
  truncated: boolean;
}

export interface ChartData {
  data: Record<string, unknown>[];
  meta: ChartMeta;
}

/** The label of the group that `other: true` folds the groups beyond `limit` into. */
export const OTHER_LABEL = 'Other';
/** Multiplier of the iqr fences for box plots (as analysis/outliers' default). */
export const BOX_IQR_K = 1.5;

type Need = 'required' | 'optional' | 'no';

/** What each chart type takes (one row per type). */
interface ChartRule {
  x: Need;
  y: Need;
  groupBy: boolean;
  value: boolean;
  /** Whether `aggregate` applies (to y, or to value for heatmaps). */
  aggregates: boolean;
  /** Whether x is grouped (so timeUnit / bins can derive its keys). */
  groupsX: boolean;
  /** Allowed x / y column types (undefined: any). */
  xTypes?: (t: ColumnType) => boolean;
  yTypes?: (t: ColumnType) => boolean;
  xTypeText?: string;
  yTypeText?: string;
}

const quantitative = (t: ColumnType): boolean => isNumericType(t) || isTimeType(t);

export const CHART_RULES: Record<ChartType, ChartRule> = {
  bar: { x: 'required', y: 'optional', groupBy: true, value: false, aggregates: true, groupsX: true },
  line: { x: 'required', y: 'optional', groupBy: true, value: false, aggregates: true, groupsX: true },
  area: { x: 'required', y: 'optional', groupBy: true, value: false, aggregates: true, groupsX: true },
  pie: { x: 'required', y: 'optional', groupBy: false, value: false, aggregates: true, groupsX: true },
  histogram: { x: 'required', y: 'no', groupBy: true, value: false, aggregates: false, groupsX: false,
    xTypes: isNumericType, xTypeText: 'a number column' },
  scatter: { x: 'required', y: 'required', groupBy: true, value: false, aggregates: false, groupsX: false,
    xTypes: quantitative, yTypes: quantitative, xTypeText: 'a number or date column', yTypeText: 'a number or date column' },
  box: { x: 'optional', y: 'required', groupBy: false, value: false, aggregates: false, groupsX: true,
    yTypes: isNumericType, yTypeText: 'a number column' },
  heatmap: { x: 'required', y: 'required', groupBy: false, value: true, aggregates: true, groupsX: true },
};

/** The aggregate applied: the request's, else count without a y (heatmap: value), sum with one. */
export function effectiveAggregate(req: ChartRequest): MetricOp {
  const measured = req.type === 'heatmap' ? req.value : req.y;
  return req.aggregate ?? (measured ? 'sum' : 'count');
}

const quote = (name: string): string => `"${name.slice(0, 200)}"`;

/**
 * Checks a chart request against the dataset's columns: every named column exists and has a type
 * the chart can use. Throws AppError.validation listing every problem (paths like 'x', 'y',
 * 'timeUnit', 'bins', 'filters.0.column'); each message names the column concerned.
 */
export function validateChart(columns: ChartColumn[], req: ChartRequest): void {
  const issues: FieldIssue[] = [];
  const rule = CHART_RULES[req.type];
  const byName = new Map(columns.map((c) => [c.name, c] as const));
  const lookup = (path: string, name: string | null | undefined): ChartColumn | undefined => {
    if (name === null || name === undefined) return undefined;
    const col = byName.get(name);
    if (!col) issues.push({ path, message: `Unknown column ${quote(name)}.` });
    return col;
  };
  const fieldNeed = (path: 'x' | 'y', need: Need, name: string | null | undefined) => {
    if (need === 'required' && !name) issues.push({ path, message: `A ${req.type} chart needs ${path}: give a column name.` });
    if (need === 'no' && name) issues.push({ path, message: `A ${req.type} chart takes no ${path}; it counts rows.` });
  };
  fieldNeed('x', rule.x, req.x);
  fieldNeed('y', rule.y, req.y);
  const x = lookup('x', req.x);
  const y = rule.y === 'no' ? undefined : lookup('y', req.y);
  const groupBy = lookup('groupBy', req.groupBy);
  const value = lookup('value', req.value);
  req.filters.forEach((f, i) => lookup(`filters.${i}.column`, f.column));

  if (x && rule.xTypes && !rule.xTypes(x.type)) {
    issues.push({ path: 'x', message: `Column ${quote(x.name)} is ${x.type}; a ${req.type} chart needs ${rule.xTypeText} for x.` });
  }
  if (y && rule.yTypes && !rule.yTypes(y.type)) {
    issues.push({ path: 'y', message: `Column ${quote(y.name)} is ${y.type}; a ${req.type} chart needs ${rule.yTypeText} for y.` });
  }
  if (req.groupBy && !rule.groupBy) issues.push({ path: 'groupBy', message: `A ${req.type} chart takes no groupBy.` });
  if (req.value && !rule.value) issues.push({ path: 'value', message: `Only heatmaps take value; use y for a ${req.type} chart.` });

  if (rule.aggregates) {
    const op = effectiveAggregate(req);
    const def = METRICS[op];
    const [path, measured] = req.type === 'heatmap' ? (['value', value] as const) : (['y', y] as const);
    const measuredName = req.type === 'heatmap' ? req.value : req.y;
    if (!measuredName && def.column === 'required') {
      issues.push({ path: 'aggregate', message: `The ${op} aggregate needs a ${path} column.` });
    } else if (measured && !def.accepts(measured.type)) {
      issues.push({ path, message: `Column ${quote(measured.name)} is ${measured.type}; the ${op} aggregate needs a number column.` });
    }
  }

  if (req.timeUnit) {
    if (!rule.groupsX) issues.push({ path: 'timeUnit', message: `A ${req.type} chart does not take timeUnit.` });
    else if (x && !isTimeType(x.type)) {
      issues.push({ path: 'timeUnit', message: `timeUnit needs a date x; column ${quote(x.name)} is ${x.type}.` });
    }
  }
  if (req.bins !== null && req.bins !== undefined) {
    if (req.type === 'heatmap') {
      const numericAxes = [x, y].filter((c) => c && isNumericType(c.type));
      if (x && y && numericAxes.length === 0) {
        issues.push({ path: 'bins', message: `bins needs a number axis; columns ${quote(x.name)} and ${quote(y.name)} are not numbers.` });
      }
    } else if (req.type === 'scatter') {
      issues.push({ path: 'bins', message: 'A scatter chart does not take bins.' });
    } else if (rule.groupsX || req.type === 'histogram') {
      if (x && !isNumericType(x.type)) issues.push({ path: 'bins', message: `bins needs a number x; column ${quote(x.name)} is ${x.type}.` });
      if (req.timeUnit) issues.push({ path: 'bins', message: 'Use either bins or timeUnit, not both.' });
    }
  }
  if (req.sort?.by === 'value' && req.type !== 'heatmap') {
    issues.push({ path: 'sort.by', message: `Sort by "value" is for heatmaps; a ${req.type} chart sorts by x or y.` });
  }
  if (issues.length > 0) throw AppError.validation(issues);
}

// ---------------------------------------------------------------------------------------------
// Shared steps

/** Orders API cells: false < true, numbers, strings by code point; null last (in both directions). */
export function compareCells(a: CellValue, b: CellValue): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a ? 1 : -1;
  return compareCodePoints(String(a), String(b));
}

/** Sorts items by a key, nulls last both ways; stable, so equal keys keep their order. */
function sortByKey<T>(items: T[], key: (item: T) => CellValue, descending: boolean): T[] {
  return items
    .map((item, i) => ({ item, i, k: key(item) }))
    .sort((a, b) => {
      if (a.k === null || b.k === null) return a.k === b.k ? a.i - b.i : a.k === null ? 1 : -1;
      const c = compareCells(a.k, b.k);
      return (descending ? -c : c) || a.i - b.i;
    })
    .map((e) => e.item);
}

function effectiveLimit(req: ChartRequest, fallback: number): number {
  return Math.min(req.limit ?? fallback, MAX_CHART_LIMIT);
}

/** A derived table: the dataset's columns plus computed key columns (binned axes). */
interface KeyPlan {
  table: Table;
  key: GroupKeySpec;
}

/**
 * How a chart axis is grouped: by a time bucket (date column with a unit), by equal-width bins
 * labelled with their start (a number column with a bin count), or by its own values.
 */
function planKey(table: Table, rows: RowSelection, column: string, unit: TimeUnit | null | undefined, bins: number | null): KeyPlan {
  const col = findColumn(table, column)!;
  if (unit && col.type !== 'string') return { table, key: { column, unit } };
  if (bins !== null && col.type !== 'string' && isNumericType(col.type)) {
    const derived = binStartColumn(col, rows, bins, table.rowCount);
    return { table: { rowCount: table.rowCount, columns: [...table.columns, derived] }, key: { column: derived.name } };
  }
  return { table, key: { column } };
}

/** A number column holding each selected row's bin start (NaN for missing or unselected rows). */
function binStartColumn(col: ValueColumn, rows: RowSelection, bins: number, rowCount: number): ValueColumn {
  const values = new Float64Array(rowCount).fill(NaN);
  const binned = binColumn(col.values, rows, bins);
  if (binned) {
    const n = rows ? rows.length : rowCount;
    for (let i = 0; i < n; i++) {
      const j = binned.index[i];
      if (j >= 0) values[rows ? rows[i] : i] = binned.bins.edges[j];
    }
  }
  return { name: `\u0000bin:${col.name}`, type: 'number', values };
}

function metricFor(op: MetricOp, column: string | null | undefined): MetricSpec {
  return column ? { op, column } : { op };
}

/** Rows of the given groups, merged back into row order (so first/last stay right). */
function rowsOfGroups(grouping: Grouping, groups: number[]): Int32Array {
  let total = 0;
  for (const g of groups) total += grouping.offsets[g + 1] - grouping.offsets[g];
  const out = new Int32Array(total);
  let k = 0;
  for (const g of groups) {
    out.set(grouping.order.subarray(grouping.offsets[g], grouping.offsets[g + 1]), k);
    k += grouping.offsets[g + 1] - grouping.offsets[g];
  }
  return out.sort();
}

// ---------------------------------------------------------------------------------------------
// bar / line / area / pie: one aggregated y per x category (and series)

interface Category {
  x: CellValue;
  /** Group indexes of this category (one per series present), empty for a filled time bucket. */
  groups: number[];
  points: Record<string, CellValue>[];
}

function aggregatedChart(table: Table, rows: RowSelection, req: ChartRequest): { data: Record<string, unknown>[]; truncated: boolean } {
  const op = effectiveAggregate(req);
  const def = METRICS[op];
  const metric = metricFor(op, req.y);
  const measuredCol = req.y ? findColumn(table, req.y)! : null;
  const emptyValue = metricValue(def, measuredCol, null);
  const plan = planKey(table, rows, req.x!, req.timeUnit, req.bins ?? null);
  const by: GroupKeySpec[] = req.groupBy ? [plan.key, { column: req.groupBy }] : [plan.key];
  const grouping = groupRows(plan.table, rows, by);
  const values = aggregateGroups(plan.table, grouping, [metric]);

  // Categories: runs of groups with the same x key (groups come sorted by x, then series).
  let cats: Category[] = [];
  for (let g = 0; g < grouping.groupCount; g++) {
    const x = grouping.keys[g][0];
    const last = cats[cats.length - 1];
    if (last && last.x === x) last.groups.push(g);
    else cats.push({ x, groups: [g], points: [] });
  }
  const seriesKeys = req.groupBy ? distinctSorted(grouping.keys.map((k) => k[1])) : [];
  const point = (x: CellValue, y: CellValue, series?: CellValue): Record<string, CellValue> =>
    req.groupBy ? { x, y, series: series ?? null } : { x, y };

  const fill = (req.type === 'line' || req.type === 'area') && !!req.timeUnit;
  if (fill) cats = fillTimeBuckets(cats, req.timeUnit!);
  for (const cat of cats) {
    if (fill && req.groupBy) {
      // Every series gets a point in every bucket of the range.
      const have = new Map(cat.groups.map((g) => [grouping.keys[g][1], values[g][0]] as const));
      cat.points = seriesKeys.map((s) => point(cat.x, have.has(s) ? have.get(s)! : emptyValue, s));
    } else if (cat.groups.length === 0) {
      cat.points = [point(cat.x, emptyValue)];
    } else {
      cat.points = cat.groups.map((g) => point(cat.x, values[g][0], req.groupBy ? grouping.keys[g][1] : undefined));
    }
  }

  const sortBy = req.sort?.by ?? 'x';
  const descending = req.sort?.order === 'desc';
  const sorted = sortByKey(cats, (c) => (sortBy === 'y' ? categoryScore(c) : c.x), descending);
  const limit = effectiveLimit(req, Infinity);
  const kept = sorted.slice(0, limit);
  const rest = sorted.slice(limit);
  const data: Record<string, unknown>[] = kept.flatMap((c) => c.points);
  if (rest.length > 0 && req.other) {
    const otherRows = rowsOfGroups(grouping, rest.flatMap((c) => c.groups));
    const sub = groupRows(plan.table, otherRows, req.groupBy ? [{ column: req.groupBy }] : []);
    const subValues = aggregateGroups(plan.table, sub, [metric]);
    if (sub.groupCount === 0) data.push(point(OTHER_LABEL, emptyValue));
    for (let g = 0; g < sub.groupCount; g++) data.push(point(OTHER_LABEL, subValues[g][0], req.groupBy ? sub.keys[g][0] : undefined));
  }
  return { data, truncated: rest.length > 0 && !req.other };
}

function distinctSorted(keys: CellValue[]): CellValue[] {
  return [...new Set(keys)].sort(compareCells);
}

/** The sort value of a category: its y, or with series the sum of their numeric ys. */
function categoryScore(c: Category): CellValue {
  if (c.points.length === 1) return c.points[0].y;
  let sum = 0;
  let any = false;
  for (const p of c.points) {
    if (typeof p.y === 'number') {
      sum += p.y;
      any = true;
    }
  }
  if (any) return sum;
  return c.points.find((p) => p.y !== null)?.y ?? null;
}

/** Adds the empty time buckets between the first and the last present bucket (a missing key stays last). */
function fillTimeBuckets(cats: Category[], unit: TimeUnit): Category[] {
  const present = cats.filter((c) => c.x !== null);
  if (present.length < 2) return cats;
  const startOf = (key: CellValue): number => Date.parse(key as string);
  const byStart = new Map(present.map((c) => [startOf(c.x), c] as const));
  const first = startOf(present[0].x);
  const last = startOf(present[present.length - 1].x);
  const out: Category[] = [];
  for (let t = first; t <= last; t = nextBucketStart(unit, t)) {
    if (out.length >= MAX_CHART_LIMIT) {
      throw AppError.validation([{
        path: 'timeUnit',
        message: `From ${formatBucket(unit, first)} to ${formatBucket(unit, last)} there are more than ${MAX_CHART_LIMIT} ${unit} buckets; choose a larger timeUnit or filter the dates.`,
      }]);
    }
    out.push(byStart.get(t) ?? { x: formatBucket(unit, t), groups: [], points: [] });
  }
  const missing = cats.find((c) => c.x === null);
  if (missing) out.push(missing);
  return out;
}

// ---------------------------------------------------------------------------------------------
// histogram: numpy bins over the filtered x, counts per bin (per series)

function histogramChart(table: Table, rows: RowSelection, req: ChartRequest): Record<string, unknown>[] {
  const col = findColumn(table, req.x!) as ValueColumn;
  const binned = binColumn(col.values, rows, req.bins ?? DEFAULT_BINS);
  if (!binned) return [];
  const { edges, count } = binned.bins;
  const bin = (j: number, y: number, series?: CellValue): Record<string, unknown> =>
    series === undefined ? { x: edges[j], x2: edges[j + 1], y } : { x: edges[j], x2: edges[j + 1], y, series };
  if (!req.groupBy) {
    const counts = new Float64Array(count);
    for (const j of binned.index) if (j >= 0) counts[j]++;
    return Array.from(counts, (y, j) => bin(j, y));
  }
  // Each row's bin, by row index (the grouping lists row indexes).
  const binOfRow = new Int32Array(table.rowCount).fill(-1);
  binned.index.forEach((j, i) => (binOfRow[rows ? rows[i] : i] = j));
  const grouping = groupRows(table, rows, [{ column: req.groupBy }]);
  const out: Record<string, unknown>[] = [];
  for (let g = 0; g < grouping.groupCount; g++) {
    const counts = new Float64Array(count);
    for (let i = grouping.offsets[g]; i < grouping.offsets[g + 1]; i++) {
      const j = binOfRow[grouping.order[i]];
      if (j >= 0) counts[j]++;
    }
    counts.forEach((y, j) => out.push(bin(j, y, grouping.keys[g][0])));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// scatter: raw points, evenly sampled above the limit

function scatterChart(table: Table, rows: RowSelection, req: ChartRequest): { data: Record<string, unknown>[]; truncated: boolean } {
  const xc = findColumn(table, req.x!) as ValueColumn;
  const yc = findColumn(table, req.y!) as ValueColumn;
  const gc = req.groupBy ? findColumn(table, req.groupBy)! : null;
  const n = rows ? rows.length : table.rowCount;
  const complete = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const r = rows ? rows[i] : i;
    if (xc.values[r] === xc.values[r] && yc.values[r] === yc.values[r]) complete[k++] = r;
  }
  const limit = effectiveLimit(req, DEFAULT_SCATTER_LIMIT);
  const take = Math.min(k, limit);
  const data: Record<string, unknown>[] = new Array(take);
  for (let i = 0; i < take; i++) {
    const r = complete[take === k ? i : Math.floor((i * k) / limit)];
    data[i] = gc ? { x: cellValue(xc, r), y: cellValue(yc, r), series: cellValue(gc, r) } : { x: cellValue(xc, r), y: cellValue(yc, r) };
  }
  return { data, truncated: take < k };
}

// ---------------------------------------------------------------------------------------------
// box: five numbers and outliers per x group

export interface BoxStats {
  min: number | null;
  q1: number | null;
  median: number | null;
  q3: number | null;
  max: number | null;
  outliers: number[];
  /** Outliers left out above MAX_CHART_LIMIT. */
  truncated: boolean;
}

/** Box-plot numbers of a group's values: type-7 quartiles, iqr fences (k = 1.5), whiskers inside them. */
export function boxStats(values: Float64Array, rows: Int32Array): BoxStats {
  const present = new Float64Array(rows.length);
  let n = 0;
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]];
    if (v === v) present[n++] = v;
  }
  const sorted = present.subarray(0, n).sort();
  if (n === 0) return { min: null, q1: null, median: null, q3: null, max: null, outliers: [], truncated: false };
  const q1 = quantileSorted(sorted, 0.25)!;
  const q3 = quantileSorted(sorted, 0.75)!;
  const iqr = q3 - q1;
  const lower = q1 - BOX_IQR_K * iqr;
  const upper = q3 + BOX_IQR_K * iqr;
  let lo = 0;
  while (sorted[lo] < lower) lo++;
  let hi = n - 1;
  while (sorted[hi] > upper) hi--;
  const outliers: number[] = [];
  for (let i = 0; i < lo; i++) outliers.push(sorted[i]);
  for (let i = hi + 1; i < n; i++) outliers.push(sorted[i]);
  const truncated = outliers.length > MAX_CHART_LIMIT;
  return {
    min: sorted[lo], q1, median: quantileSorted(sorted, 0.5), q3, max: sorted[hi],
    outliers: truncated ? outliers.slice(0, MAX_CHART_LIMIT) : outliers, truncated,
  };
}

function boxChart(table: Table, rows: RowSelection, req: ChartRequest): { data: Record<string, unknown>[]; truncated: boolean } {
  const yc = findColumn(table, req.y!) as ValueColumn;
  let plan: KeyPlan | null = null;
  if (req.x) plan = planKey(table, rows, req.x, req.timeUnit, req.bins ?? null);
  const grouping = groupRows(plan ? plan.table : table, rows, plan ? [plan.key] : []);
  let truncated = false;
  const record = (x: CellValue, groupRowsList: Int32Array): Record<string, unknown> & { median: number | null } => {
    const s = boxStats(yc.values, groupRowsList);
    truncated ||= s.truncated;
    return { x, min: s.min, q1: s.q1, median: s.median, q3: s.q3, max: s.max, outliers: s.outliers };
  };
  const boxes = Array.from({ length: grouping.groupCount }, (_, g) => ({
    g,
    rec: record(plan ? grouping.keys[g][0] : null, grouping.order.subarray(grouping.offsets[g], grouping.offsets[g + 1])),
  }));
  const sortBy = req.sort?.by ?? 'x';
  const sorted = sortByKey(boxes, (b) => (sortBy === 'y' ? b.rec.median : (b.rec.x as CellValue)), req.sort?.order === 'desc');
  const limit = effectiveLimit(req, Infinity);
  const rest = sorted.slice(limit);
  const data: Record<string, unknown>[] = sorted.slice(0, limit).map((b) => b.rec);
  if (rest.length > 0 && req.other) data.push(record(OTHER_LABEL, rowsOfGroups(grouping, rest.map((b) => b.g))));
  return { data, truncated: truncated || (rest.length > 0 && !req.other) };
}

// ---------------------------------------------------------------------------------------------
// heatmap: one aggregated value per (x, y) cell; numeric axes binned

function heatmapChart(table: Table, rows: RowSelection, req: ChartRequest): { data: Record<string, unknown>[]; truncated: boolean } {
  const op = effectiveAggregate(req);
  const metric = metricFor(op, req.value);
  const bins = req.bins ?? DEFAULT_BINS;
  const xPlan = planKey(table, rows, req.x!, req.timeUnit, bins);
  const yPlan = planKey(xPlan.table, rows, req.y!, null, bins);
  const grouping = groupRows(yPlan.table, rows, [xPlan.key, yPlan.key]);
  const values = aggregateGroups(yPlan.table, grouping, [metric]);
  const cells = Array.from({ length: grouping.groupCount }, (_, g) => ({ x: grouping.keys[g][0], y: grouping.keys[g][1], value: values[g][0] }));
  const sortBy = req.sort?.by ?? 'x';
  const descending = req.sort?.order === 'desc';
  let sorted = cells;
  if (sortBy === 'value') sorted = sortByKey(cells, (c) => c.value, descending);
  else if (sortBy === 'y') sorted = sortByKey(sortByKey(cells, (c) => c.x, false), (c) => c.y, descending);
  else if (descending) sorted = sortByKey(cells, (c) => c.x, true);
  const limit = effectiveLimit(req, Infinity);
  return { data: sorted.slice(0, limit), truncated: sorted.length > limit };
}

// ---------------------------------------------------------------------------------------------

/** Computes a chart's data (validating the request against the table's columns first). */
export function buildChartData(table: Table, req: ChartRequest): ChartData {
  validateChart(table.columns.map((c: Column) => ({ name: c.name, type: c.type })), req);
  const rows = applyFilters(table, req.filters, 'filters');
  const rowsScanned = selectionSize(table, rows);
  let result: { data: Record<string, unknown>[]; truncated: boolean };
  switch (req.type) {
    case 'bar':
    case 'line':
    case 'area':
    case 'pie':
      result = aggregatedChart(table, rows, req);
      break;
    case 'histogram':
      result = { data: histogramChart(table, rows, req), truncated: false };
      break;
    case 'scatter':
      result = scatterChart(table, rows, req);
      break;
    case 'box':
      result = boxChart(table, rows, req);
      break;
    case 'heatmap':
      result = heatmapChart(table, rows, req);
      break;
  }
  return { data: result.data, meta: { rowsScanned, rowsReturned: result.data.length, truncated: result.truncated } };
}
