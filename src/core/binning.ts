// Equal-width bins as numpy.histogram makes them (numpy 1.24 `histogram`, `linspace`):
//   edges over [min, max] of the non-missing values: edges[i] = i·step + min, step = (max − min)/bins,
//   the last edge set to max; when min = max the range is widened to [min − 0.5, max + 0.5].
//   A value v falls in bin j when edges[j] ≤ v < edges[j+1]; the last bin is closed (v = max is in it).
// Shared by chart-data (histogram, binned heatmap axes) and analysis/histogram.
// A range too narrow for `bins` distinct edges (e.g. [0, 5e-324]) is a 400 naming `bins`: numpy
// 1.24 crashes on it, and equal edges would make empty, zero-width bins.
import { AppError } from '../errors.js';
import { overChunks, type RowKernel } from './parallel/split-rows.js';
import { intZeros } from './plain-arrays.js';

export interface Bins {
  /** n + 1 ascending edges. */
  edges: Float64Array;
  count: number;
}

/** numpy's equal-width edges for `bins` bins over [min, max] (finite min ≤ max). */
export function equalWidthEdges(min: number, max: number, bins: number): Bins {
  let lo = min;
  let hi = max;
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const step = (hi - lo) / bins;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) edges[i] = i * step + lo;
  edges[bins] = hi;
  for (let i = 1; i <= bins; i++) {
    if (!(edges[i] > edges[i - 1])) {
      throw AppError.validation([{ path: 'bins', message: `The values are too close together to make ${bins} bins. Use fewer bins.` }]);
    }
  }
  return { edges, count: bins };
}

/**
 * The bin of v (−1 when v is missing or outside the edges). The estimate is numpy's
 * `(v − first) · (n / (last − first))`, then settled against the edges themselves, so the answer is
 * exactly the j with edges[j] ≤ v < edges[j+1] (last bin closed), as numpy.histogram counts.
 */
export function binIndex(bins: Bins, v: number): number {
  const { edges, count } = bins;
  const first = edges[0];
  const last = edges[count];
  if (!(v >= first && v <= last)) return -1;
  return settle(edges, count, v, Math.floor((v - first) * (count / (last - first))));
}

/**
 * The exact bin of an in-range v from the estimate j (one comparison each way in the usual case).
 * No estimate (NaN: a range so narrow or wide that count/(last − first) overflows) → binary search.
 */
function settle(edges: Float64Array, count: number, v: number, j: number): number {
  if (j !== j) {
    let lo = 0;
    let hi = count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (v >= edges[mid]) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  if (j >= count) j = count - 1;
  while (j > 0 && v < edges[j]) j--;
  while (j < count - 1 && v >= edges[j + 1]) j++;
  return j;
}

/** [smallest, largest, count] of the non-missing values in rows [start, end) (±Infinity, 0 for none). */
export const valueRangeKernel: RowKernel<{ values: Float64Array }> = {
  name: 'valueRange',
  run({ values }, start, end) {
    let min = Infinity;
    let max = -Infinity;
    let present = 0;
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (v < min) min = v;
      if (v > max) max = v;
      if (v === v) present++;
    }
    return [min, max, present];
  },
};

export interface ColumnRange {
  min: number;
  max: number;
  present: number;
}

/**
 * Ranges of columns read from the database, kept while the column is: such a column never changes (a
 * retype or an upload makes a new version, read into new arrays), and it is the only kind of array
 * on a SharedArrayBuffer that reaches columnRange. A histogram or a date bucketing of the whole
 * column then needs one pass, not two.
 */
const knownRanges = new WeakMap<Float64Array, ColumnRange>();

/** Smallest and largest non-missing value and how many there are, over all rows (see split-rows.ts). */
export function columnRange(values: Float64Array): ColumnRange {
  const known = knownRanges.get(values);
  if (known) return known;
  let min = Infinity;
  let max = -Infinity;
  let present = 0;
  for (const [lo, hi, n] of overChunks(valueRangeKernel, { values }, values.length)) {
    if (lo < min) min = lo;
    if (hi > max) max = hi;
    present += n;
  }
  const range = { min, max, present };
  if (values.buffer instanceof SharedArrayBuffer) knownRanges.set(values, range);
  return range;
}

/** Smallest and largest non-missing value of the selected rows (null when there is none). */
export function valueRange(values: Float64Array, rows: Int32Array | null): { min: number; max: number } | null {
  if (!rows) {
    const { min, max } = columnRange(values);
    return min <= max ? { min, max } : null;
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : null;
}

/**
 * How far (in bins) the estimate `(v − first) · norm` can be from v's true position among the edges:
 * a few ulps of the estimate plus a few ulps of the edges' magnitude, in bin widths (generously
 * bounded). An estimate whose fractional part is farther than this from 0 and 1 is the exact bin;
 * only the others are settled against the edges. Infinity when the estimate cannot be trusted at all.
 */
function estimateSlack(first: number, last: number, count: number): number {
  const slack = 64 * Number.EPSILON * count * (1 + (Math.abs(first) + Math.abs(last)) / (last - first));
  return slack < 0.25 && count < 1 << 30 ? slack : Infinity;
}

/** binIndex over v[0..n) into out: the estimate, settled against the edges only when it lands near one. */
function binAll(bins: Bins, v: Float64Array, n: number, out: Int32Array): void {
  const { edges, count } = bins;
  const first = edges[0];
  const last = edges[count];
  const norm = count / (last - first);
  if (estimateIsExact(edges, count, norm)) {
    const cap = count - 1;
    for (let i = 0; i < n; i++) {
      const x = v[i];
      out[i] = x >= first && x <= last ? Math.min(cap, ((x - first) * norm) | 0) : -1;
    }
    return;
  }
  const slack = estimateSlack(first, last, count);
  const top = 1 - slack;
  for (let i = 0; i < n; i++) {
    const x = v[i];
    if (!(x >= first && x <= last)) {
      out[i] = -1;
      continue;
    }
    const f = (x - first) * norm;
    const j = Math.floor(f);
    const frac = f - j;
    out[i] = frac > slack && frac < top && j < count ? j : settle(edges, count, x, j);
  }
}

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);

/** The largest double below x (x finite). */
function nextDown(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  f64[0] = x;
  i64[0] += x > 0 ? -1n : 1n;
  return f64[0];
}

/**
 * Whether the plain estimate ⌊(v − first) · norm⌋, capped at the last bin, is the exact bin of every
 * v in [first, last]. Both it and the exact bin only grow with v (each rounding step keeps order), so
 * they agree everywhere when they start each bin k at the same value: the estimate reaches k at
 * edges[k] and not one double below it. Usually true; then no value needs a check of its own.
 */
function estimateIsExact(edges: Float64Array, count: number, norm: number): boolean {
  const first = edges[0];
  if (!Number.isFinite(norm) || count >= 1 << 30) return false;
  for (let k = 1; k < count; k++) {
    const e = edges[k];
    if (Math.floor((e - first) * norm) < k) return false;
    if (Math.floor((nextDown(e) - first) * norm) >= k) return false;
  }
  return true;
}

/** Counts per bin of v[0..n) (missing and out-of-range values are not counted), as binAll bins them. */
function countAll(bins: Bins, v: Float64Array, n: number, counts: Float64Array): void {
  const { edges, count } = bins;
  const exact = estimateIsExact(edges, count, count / (edges[count] - edges[0]));
  // The edges go as a plain array: a typed array not on a SharedArrayBuffer would keep the rows whole.
  for (const part of overChunks(binCountsKernel, { v, edges: Array.from(edges), exact }, n)) {
    for (let j = 0; j < count; j++) counts[j] += part[j];
  }
}

/**
 * Counts per bin of rows [start, end). `exact` (estimateIsExact): the plain estimate is each value's
 * bin, one multiply and a cap. Otherwise an estimate near an edge is settled against the edges.
 */
export const binCountsKernel: RowKernel<{ v: Float64Array; edges: number[]; exact: boolean }> = {
  name: 'binCounts',
  run({ v, edges: edgeList, exact }, start, end) {
    const edges = Float64Array.from(edgeList);
    const count = edges.length - 1;
    const first = edges[0];
    const last = edges[count];
    const norm = count / (last - first);
    // Four interleaved tallies (bin·4 + i mod 4): consecutive values in one bin do not wait on each
    // other's store. A plain array: see plain-arrays.ts.
    const tally = intZeros(4 * count);
    if (exact) {
      const cap = count - 1;
      for (let i = start; i < end; i++) {
        const x = v[i];
        if (!(x >= first && x <= last)) continue;
        let j = ((x - first) * norm) | 0;
        if (j > cap) j = cap;
        tally[(j << 2) | (i & 3)]++;
      }
    } else {
      const slack = estimateSlack(first, last, count);
      const top = 1 - slack;
      for (let i = start; i < end; i++) {
        const x = v[i];
        if (!(x >= first && x <= last)) continue;
        const f = (x - first) * norm;
        let j = f | 0;
        const frac = f - j;
        if (!(frac > slack && frac < top && j < count)) j = settle(edges, count, x, Math.floor(f));
        tally[(j << 2) | (i & 3)]++;
      }
    }
    const counts = intZeros(count);
    for (let j = 0; j < count; j++) counts[j] = tally[4 * j] + tally[4 * j + 1] + tally[4 * j + 2] + tally[4 * j + 3];
    return counts;
  },
};

/** The selected rows' values in selection order (the column itself for all rows). */
function selected(values: Float64Array, rows: Int32Array | null): Float64Array {
  if (!rows) return values;
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]];
  return out;
}

/** How many selected values fall in each bin, as numpy.histogram counts them. */
export function histogramCounts(values: Float64Array, rows: Int32Array | null, bins: Bins): Float64Array {
  const v = selected(values, rows);
  const counts = new Float64Array(bins.count);
  countAll(bins, v, v.length, counts);
  return counts;
}

/**
 * Bins for the selected rows of a value column (numpy's edges over their range), with each row's bin
 * index (−1 for missing), or null when no row has a value.
 */
export function binColumn(values: Float64Array, rows: Int32Array | null, bins: number): { bins: Bins; index: Int32Array } | null {
  const range = valueRange(values, rows);
  if (!range) return null;
  const b = equalWidthEdges(range.min, range.max, bins);
  const v = selected(values, rows);
  const index = new Int32Array(v.length);
  binAll(b, v, v.length, index);
  return { bins: b, index };
}
