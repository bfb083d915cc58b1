// The analyses of API.md "Analysis" as pure functions: (table, selected rows, parsed params) → the
// contract's JSON. No I/O and no express: the router loads the table, applies `filter` (a
// RowSelection) and passes the query without it. Conventions are pandas'/scipy's (see core/stats/*):
// sample variance, type-7 quantiles, G1/G2, pairwise-complete correlations, numpy histogram edges.
// Undefined statistics are null (never NaN or Infinity), so every answer is valid JSON.
import { cellValue, findColumn, formatTime, isNumericType, presentValues, type CellValue, type Column, type StringColumn, type Table, type ValueColumn } from '../../core/column.js';
import { equalWidthEdges, histogramCounts, valueRange } from '../../core/binning.js';
import type { RowSelection } from '../../core/filter.types.js';
import { aggregateGroups, groupRecords, groupRows, type GroupKeySpec } from '../../core/group-by.js';
import { METRICS, metricField, parseMetric, type MetricSpec } from '../../core/metrics.js';
import { CORRELATION_METHODS, centreEstimate, kendallPair, pearsonMatrix, rankColumn, spearmanPair, type CorrelationMethod, type PairResult, type RankedColumn } from '../../core/stats/correlation.js';
import { splitsRows } from '../../core/parallel/split-rows.js';
import { describeColumns, describeNumeric, type NumericDescription } from '../../core/stats/describe.js';
import { countDistinct, distinctIndex } from '../../core/stats/distinct.js';
import { DEFAULT_OUTLIER_THRESHOLD, isOutside, outlierFences } from '../../core/stats/outliers.js';
import { linearRegression } from '../../core/stats/regression.js';
import { isTimeUnit, TIME_UNITS } from '../../core/time-bucket.js';
import { AppError, type FieldIssue } from '../../errors.js';
import type {
  CorrelationsParams, GroupbyParams, HistogramParams, InsightsParams, OutliersParams, RegressionParams, SummaryParams, ValueCountsParams,
} from './analysis.schemas.js';
import { buildInsights, type Insight } from './insights.js';

/** Column metadata kept at ingest (dataset.columns): reused by an unfiltered summary. */
export interface IngestColumnMeta {
  name: string;
  type: string;
  nullCount: number;
  distinctCount: number;
}

// ---------- shared helpers ----------

const finite = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : x);

/** A column by name; a name with surrounding spaces (from `a, b`) is tried trimmed. */
function lookup(table: Table, name: string): Column | undefined {
  return findColumn(table, name) ?? findColumn(table, name.trim());
}

function unknownColumn(path: string, name: string): FieldIssue {
  return { path, message: `Unknown column "${name.slice(0, 200)}".` };
}

/** Resolves `columns=` names (every unknown one listed in one 400), or all columns. */
function selectColumns(table: Table, names: string[] | undefined, path = 'columns'): Column[] {
  if (!names) return table.columns;
  const issues: FieldIssue[] = [];
  const out: Column[] = [];
  const seen = new Set<Column>();
  for (const name of names) {
    const col = lookup(table, name);
    if (!col) issues.push(unknownColumn(path, name));
    else if (!seen.has(col)) {
      seen.add(col);
      out.push(col);
    }
  }
  if (issues.length) throw AppError.validation(issues);
  return out;
}

function requireColumn(table: Table, name: string, path: string): Column {
  const col = lookup(table, name);
  if (!col) throw AppError.validation([unknownColumn(path, name)]);
  return col;
}

/** A column that must be integer/number (path names the parameter in the 400). */
function requireNumeric(table: Table, name: string, path: string): ValueColumn {
  const col = requireColumn(table, name, path);
  if (!isNumericType(col.type)) {
    throw AppError.validation([{ path, message: `Column "${col.name}" is ${col.type}; this analysis needs a numeric column.` }]);
  }
  return col as ValueColumn;
}

/** The selected rows of a value column as one aligned array (NaN = missing); no copy for all rows. */
function gather(values: Float64Array, rows: RowSelection): Float64Array {
  if (!rows) return values;
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]];
  return out;
}

const selectedCount = (table: Table, rows: RowSelection): number => (rows ? rows.length : table.rowCount);

/** Length in characters (code points), as Python's len and pandas' str.len count. */
function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/**
 * Counts of each string code over the selection, with the codes ordered by count descending and
 * ties by first appearance among the selected rows.
 */
function rankedCodeCounts(col: StringColumn, rows: RowSelection, total: number) {
  const counts = new Int32Array(col.dict.length);
  const firstSeen: number[] = [];
  for (let i = 0; i < total; i++) {
    const c = col.codes[rows ? rows[i] : i];
    if (c < 0) continue;
    if (counts[c]++ === 0) firstSeen.push(c);
  }
  // firstSeen is in first-appearance order; a stable sort by count keeps that order for ties.
  const ranked = firstSeen.slice().sort((a, b) => counts[b] - counts[a]);
  return { counts, ranked };
}

// ---------- summary ----------

export type SummaryColumn = Record<string, unknown> & { name: string; type: Column['type']; count: number; missing: number; distinct: number };

export interface SummaryResult {
  rowCount: number;
  columns: SummaryColumn[];
}

/** Most frequent values listed for a string column. */
export const SUMMARY_TOP = 10;

export function summary(table: Table, rows: RowSelection, params: SummaryParams, ingestMeta?: IngestColumnMeta[]): SummaryResult {
  const cols = selectColumns(table, params.columns);
  const rowCount = selectedCount(table, rows);
  const described = describeTogether(cols, rows, rowCount, ingestMeta);
  return { rowCount, columns: cols.map((col) => summarizeColumn(col, rows, rowCount, knownDistinct(col, rows, ingestMeta), described.get(col))) };
}

/**
 * The number columns of a big summary of all rows, described together: the request thread and the
 * helper thread take them one at a time (see split-rows.ts). Others are described one by one.
 */
function describeTogether(cols: Column[], rows: RowSelection, rowCount: number, meta?: IngestColumnMeta[]): Map<Column, NumericDescription> {
  const numeric = cols.filter((c): c is ValueColumn => c.type === 'number' || c.type === 'integer');
  if (rows || numeric.length < 2 || !splitsRows(rowCount)) return new Map();
  const described = describeColumns(
    numeric.map((c) => c.values),
    numeric.map((c) => knownDistinct(c, rows, meta)),
  );
  return new Map(numeric.map((c, i) => [c, described[i]]));
}

function knownDistinct(col: Column, rows: RowSelection, meta?: IngestColumnMeta[]): number | undefined {
  if (rows || !meta) return undefined;
  const m = meta.find((x) => x.name === col.name);
  return m && m.type === col.type ? m.distinctCount : undefined;
}

function summarizeColumn(col: Column, rows: RowSelection, total: number, distinctHint?: number, described?: NumericDescription): SummaryColumn {
  const head = { name: col.name, type: col.type };
  if (col.type === 'string') {
    const { counts, ranked } = rankedCodeCounts(col, rows, total);
    let count = 0;
    let minLength = Infinity;
    let maxLength = -Infinity;
    for (const c of ranked) {
      count += counts[c];
      const len = codePointLength(col.dict[c]);
      if (len < minLength) minLength = len;
      if (len > maxLength) maxLength = len;
    }
    return {
      ...head,
      count,
      missing: total - count,
      distinct: ranked.length,
      top: ranked.slice(0, SUMMARY_TOP).map((c) => ({ value: col.dict[c], count: counts[c] })),
      minLength: finite(minLength),
      maxLength: finite(maxLength),
    };
  }
  if (col.type === 'boolean') {
    let t = 0;
    let f = 0;
    for (let i = 0; i < total; i++) {
      const v = col.values[rows ? rows[i] : i];
      if (v === 1) t++;
      else if (v === 0) f++;
    }
    return { ...head, count: t + f, missing: total - t - f, distinct: (t > 0 ? 1 : 0) + (f > 0 ? 1 : 0), trueCount: t, falseCount: f };
  }
  if (col.type === 'date' || col.type === 'datetime') {
    const present = presentValues(col.values, rows);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < present.length; i++) {
      if (present[i] < min) min = present[i];
      if (present[i] > max) max = present[i];
    }
    const n = present.length;
    return {
      ...head,
      count: n,
      missing: total - n,
      distinct: distinctHint ?? countDistinct(present),
      min: n ? formatTime(col.type, min) : null,
      max: n ? formatTime(col.type, max) : null,
    };
  }
  const d = described ?? describeNumeric(col.values, rows, distinctHint);
  return {
    ...head,
    count: d.count,
    missing: d.missing,
    distinct: d.distinct,
    mean: finite(d.mean),
    std: finite(d.std),
    variance: finite(d.variance),
    min: finite(d.min),
    q25: finite(d.q25),
    median: finite(d.median),
    q75: finite(d.q75),
    max: finite(d.max),
    sum: finite(d.sum) ?? 0,
    skewness: finite(d.skewness),
    kurtosis: finite(d.kurtosis),
    zeros: d.zeros,
  };
}

// ---------- correlations ----------

export interface CorrelationPair {
  a: string;
  b: string;
  r: number | null;
  n: number;
  pValue: number | null;
}

export interface CorrelationsResult {
  method: CorrelationMethod;
  columns: string[];
  matrix: (number | null)[][];
  pairs: CorrelationPair[];
}

/**
 * Correlation matrix and pairs. Default columns: the integer and number ones; `columns=` may also
 * name boolean (0/1) and date/datetime (epoch ms) columns; a string column is a 400.
 * The diagonal is 1 for a column with at least two distinct values, else null (undefined).
 */
export function correlations(table: Table, rows: RowSelection, params: CorrelationsParams): CorrelationsResult {
  const method = params.method ?? 'pearson';
  if (!(CORRELATION_METHODS as readonly string[]).includes(method)) {
    throw AppError.validation([{ path: 'method', message: `Use one of: ${CORRELATION_METHODS.join(', ')}.` }]);
  }
  let cols: ValueColumn[];
  if (params.columns) {
    const picked = selectColumns(table, params.columns);
    const text = picked.filter((c) => c.type === 'string');
    if (text.length) {
      throw AppError.validation(text.map((c) => ({ path: 'columns', message: `Column "${c.name}" is text; correlations need numbers, booleans or dates.` })));
    }
    cols = picked as ValueColumn[];
  } else {
    cols = table.columns.filter((c): c is ValueColumn => isNumericType(c.type));
  }
  const data = cols.map((c) => gather(c.values, rows));
  const k = cols.length;
  const ranked: RankedColumn[] | null = method === 'pearson' ? null : data.map((d) => rankColumn(d));
  // Pearson: all pairs in one blocked pass (pearsonMatrix returns them in i < j order).
  const pearson = method === 'pearson' ? pearsonMatrix(data, data.map(centreEstimate)) : [];
  let next = 0;
  const pairOf = (i: number, j: number): PairResult =>
    method === 'pearson' ? pearson[next++] : method === 'spearman' ? spearmanPair(ranked![i], ranked![j]) : kendallPair(ranked![i], ranked![j]);

  const matrix: (number | null)[][] = Array.from({ length: k }, () => new Array<number | null>(k).fill(null));
  const pairs: CorrelationPair[] = [];
  for (let i = 0; i < k; i++) {
    matrix[i][i] = hasTwoDistinct(data[i], ranked?.[i]) ? 1 : null;
    for (let j = i + 1; j < k; j++) {
      const p = pairOf(i, j);
      const r = finite(p.r);
      matrix[i][j] = matrix[j][i] = r;
      pairs.push({ a: cols[i].name, b: cols[j].name, r, n: p.n, pValue: r === null ? null : finite(p.pValue) });
    }
  }
  // |r| descending, undefined last; the sort is stable, so ties keep column order.
  pairs.sort((p, q) => (p.r === null || q.r === null ? (p.r === null ? 1 : 0) - (q.r === null ? 1 : 0) : Math.abs(q.r) - Math.abs(p.r)));
  return { method, columns: cols.map((c) => c.name), matrix, pairs };
}

function hasTwoDistinct(values: Float64Array, ranked?: RankedColumn): boolean {
  if (ranked) return ranked.k >= 2;
  let first = NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) continue;
    if (first !== first) first = v;
    else if (v !== first) return true;
  }
  return false;
}

// ---------- outliers ----------

export interface OutliersResult {
  column: string;
  method: OutliersParams['method'];
  threshold: number;
  lowerFence: number | null;
  upperFence: number | null;
  count: number | null;
  rows: { rowIndex: number; value: number }[];
}

export function outliers(table: Table, rows: RowSelection, params: OutliersParams): OutliersResult {
  const col = requireNumeric(table, params.column, 'column');
  const method = params.method ?? 'iqr';
  const threshold = params.threshold ?? DEFAULT_OUTLIER_THRESHOLD[method];
  const limit = params.limit ?? 100;
  const buf = presentValues(col.values, rows);
  const fences = outlierFences(buf, buf.length, method, threshold);
  const head = { column: col.name, method, threshold };
  if (!fences || !Number.isFinite(fences.lower) || !Number.isFinite(fences.upper)) {
    // No values: nothing is outside. No fences for data that has values (mad with MAD = 0, a single
    // value for zscore): the method is undefined, so the count is too.
    return { ...head, lowerFence: null, upperFence: null, count: buf.length === 0 ? 0 : null, rows: [] };
  }
  const out: { rowIndex: number; value: number }[] = [];
  let count = 0;
  const n = selectedCount(table, rows);
  for (let i = 0; i < n; i++) {
    const r = rows ? rows[i] : i;
    const v = col.values[r];
    if (v === v && isOutside(fences, v)) {
      if (count < limit) out.push({ rowIndex: r, value: v });
      count++;
    }
  }
  return { ...head, lowerFence: fences.lower, upperFence: fences.upper, count, rows: out };
}

// ---------- value counts ----------

export interface ValueCountsResult {
  column: string;
  total: number;
  data: { value: CellValue; count: number; percent: number }[];
}

/** Count descending, ties by first appearance (among the selected rows); percent of non-missing. */
export function valueCounts(table: Table, rows: RowSelection, params: ValueCountsParams): ValueCountsResult {
  const col = requireColumn(table, params.column, 'column');
  const limit = params.limit ?? 10;
  const n = selectedCount(table, rows);
  let entries: { value: CellValue; count: number }[];
  let total = 0;
  if (col.type === 'string') {
    const { counts, ranked } = rankedCodeCounts(col, rows, n);
    for (const c of ranked) total += counts[c];
    entries = ranked.slice(0, limit).map((c) => ({ value: col.dict[c], count: counts[c] }));
  } else {
    const present = presentValues(col.values, rows);
    total = present.length;
    const { values, ids } = distinctIndex(present); // ids in first-appearance order
    const counts = new Int32Array(values.length);
    for (let i = 0; i < ids.length; i++) counts[ids[i]]++;
    const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => counts[b] - counts[a]);
    const probe: ValueColumn = { name: col.name, type: col.type, values: new Float64Array(1) };
    entries = order.slice(0, limit).map((id) => {
      probe.values[0] = values[id];
      return { value: cellValue(probe, 0), count: counts[id] };
    });
  }
  return { column: col.name, total, data: entries.map((e) => ({ ...e, percent: total === 0 ? 0 : (e.count / total) * 100 })) };
}

// ---------- histogram ----------

export interface HistogramResult {
  column: string;
  edges: number[];
  counts: number[];
}

/** numpy.histogram(values, bins): equal-width bins over [min, max], last bin closed; no values → range [0, 1]. */
export function histogram(table: Table, rows: RowSelection, params: HistogramParams): HistogramResult {
  const col = requireNumeric(table, params.column, 'column');
  const bins = params.bins ?? 10;
  const range = valueRange(col.values, rows);
  const b = range ? equalWidthEdges(range.min, range.max, bins) : equalWidthEdges(0, 1, bins);
  const counts = Array.from(histogramCounts(col.values, rows, b));
  return { column: col.name, edges: Array.from(b.edges, (e) => (e === 0 ? 0 : e)), counts };
}

// ---------- regression ----------

export type RegressionResult = { x: string; y: string } & ReturnType<typeof linearRegression>;

export function regression(table: Table, rows: RowSelection, params: RegressionParams): RegressionResult {
  const issues: FieldIssue[] = [];
  const pick = (name: string, path: string): ValueColumn | null => {
    try {
      return requireNumeric(table, name, path);
    } catch (e) {
      if (e instanceof AppError) issues.push(...((e.details.fields as FieldIssue[]) ?? []));
      else throw e;
      return null;
    }
  };
  const xc = pick(params.x, 'x');
  const yc = pick(params.y, 'y');
  if (issues.length || !xc || !yc) throw AppError.validation(issues);
  const fit = linearRegression(gather(xc.values, rows), gather(yc.values, rows));
  return {
    x: xc.name,
    y: yc.name,
    n: fit.n,
    slope: finite(fit.slope),
    intercept: finite(fit.intercept),
    r: finite(fit.r),
    r2: finite(fit.r2),
    pValue: finite(fit.pValue),
    stderr: finite(fit.stderr),
    interceptStderr: finite(fit.interceptStderr),
  };
}

// ---------- group by ----------

export interface GroupbyResult {
  by: string[];
  data: Record<string, CellValue>[];
}

/** Parses a `by` entry: an exact column name, else `column:unit` for a date/datetime column. */
function parseByEntry(table: Table, entry: string, issues: FieldIssue[]): GroupKeySpec | null {
  const exact = lookup(table, entry);
  if (exact) return { column: exact.name };
  const i = entry.lastIndexOf(':');
  if (i > 0) {
    const unit = entry.slice(i + 1).trim();
    const col = lookup(table, entry.slice(0, i));
    if (col) {
      if (!isTimeUnit(unit)) {
        issues.push({ path: 'by', message: `Unknown time unit "${unit.slice(0, 50)}". Use one of: ${TIME_UNITS.join(', ')}.` });
        return null;
      }
      if (col.type !== 'date' && col.type !== 'datetime') {
        issues.push({ path: 'by', message: `Column "${col.name}" is ${col.type}; time units apply to date and datetime columns.` });
        return null;
      }
      return { column: col.name, unit };
    }
  }
  issues.push(unknownColumn('by', entry));
  return null;
}

/** `columns=` plays no part here: the keys and metrics name their columns. */
export function groupby(table: Table, rows: RowSelection, params: GroupbyParams): GroupbyResult {
  const issues: FieldIssue[] = [];
  const by = params.by.map((e) => parseByEntry(table, e, issues)).filter((x): x is GroupKeySpec => x !== null);
  const metrics: MetricSpec[] = [];
  for (const text of params.metrics ?? ['count']) {
    const m = parseMetric(text);
    if ('error' in m) {
      issues.push({ path: 'metrics', message: m.error });
      continue;
    }
    if (m.column !== undefined) {
      const col = lookup(table, m.column);
      if (!col) {
        issues.push({ path: 'metrics', message: `Unknown column "${m.column.slice(0, 200)}" in metric "${text.slice(0, 200)}".` });
        continue;
      }
      if (!METRICS[m.op].accepts(col.type)) {
        issues.push({ path: 'metrics', message: `Metric "${m.op}" does not work on the ${col.type} column "${col.name}".` });
        continue;
      }
      metrics.push({ op: m.op, column: col.name });
    } else metrics.push(m);
  }
  const fields = new Set(by.map((b) => b.column));
  for (const m of metrics) {
    const f = metricField(m);
    if (fields.has(f)) issues.push({ path: 'metrics', message: `The output field "${f}" appears twice.` });
    fields.add(f);
  }
  if (issues.length) throw AppError.validation(issues);
  const grouping = groupRows(table, rows, by);
  return { by: by.map((b) => b.column), data: groupRecords(grouping, metrics, aggregateGroups(table, grouping, metrics)) };
}

// ---------- insights ----------

export interface InsightsResult {
  data: Insight[];
}

export function insights(table: Table, rows: RowSelection, params: InsightsParams, ingestMeta?: IngestColumnMeta[]): InsightsResult {
  const cols = selectColumns(table, params.columns);
  const names = cols.map((c) => c.name);
  const sum = summary(table, rows, { columns: names }, ingestMeta);
  const numeric = cols.filter((c) => isNumericType(c.type)).map((c) => c.name);
  const corr = numeric.length >= 2 ? correlations(table, rows, { method: 'pearson', columns: numeric }) : null;
  return { data: buildInsights({ table, rows, columns: cols, summary: sum, correlations: corr }) };
}
