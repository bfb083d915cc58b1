// Group rows by one or more key columns (string codes, numbers, booleans, dates, or dates cut into
// time buckets) and compute metric ops per group. Shared by analysis/groupby and chart-data.
//
// Layout: every selected row gets a group id; groups are numbered in key order (each key column's
// levels sorted ascending — strings by code point, false < true — with the missing level last,
// compared column by column), and the rows of each group are listed contiguously in row order
// (a counting sort: offsets[g]..offsets[g+1] in `order`). Only groups that have rows exist.
import type { CellValue, Column, Table } from './column.js';
import { findColumn, formatTime } from './column.js';
import type { RowSelection } from './filter.types.js';
import { METRICS, metricField, metricValue, type MetricOp, type MetricSpec } from './metrics.js';
import { compareCodePoints } from './sort.js';
import { argsortFloat } from './stats/radix.js';
import { distinctIndex } from './stats/distinct.js';
import { columnRange } from './binning.js';
import { sharedInt32 } from './parallel/shared-arrays.js';
import { overChunks, splitsRows, type RowKernel } from './parallel/split-rows.js';
import { doubleZeros, intZeros } from './plain-arrays.js';
import { bucketStart, bucketStartDay, dayOf, formatBucket, isDayUnit, type DayUnit, type TimeUnit } from './time-bucket.js';

const MS_PER_DAY = 86_400_000;

export interface GroupKeySpec {
  column: string;
  /** Only for date/datetime columns: group by the UTC bucket start. */
  unit?: TimeUnit;
}

export interface Grouping {
  by: GroupKeySpec[];
  groupCount: number;
  /** keys[g][k]: the key of group g for by-entry k, typed as the API returns it (null = missing). */
  keys: CellValue[][];
  /** The selection grouped (null = all rows). */
  rows: RowSelection;
  /** Where each selected position's group is found (see Slots). */
  slots: Slots;
  /** Selected rows in each group. */
  sizes: Int32Array;
  /** Rows of group g are order[offsets[g] .. offsets[g+1]), ascending row indexes (built on first use). */
  offsets: Int32Array;
  order: Int32Array;
}

// Strings order by code point, as sort.ts orders rows (re-exported for callers of this module).
export { compareCodePoints };

/**
 * Selected position i is in slot ids[i] + base (0 ≤ slot < count), and slot s belongs to group (or
 * level) groupOfSlot[s] — or to group s when groupOfSlot is null. Slots let a string column's own
 * codes (−1 for missing, hence base 1) stand for its groups, so grouping all rows by one text column
 * writes no array of a million group ids: the per-group sums run over the slots, and the few slots
 * are mapped to groups at the end.
 */
export interface Slots {
  ids: Int32Array;
  base: number;
  count: number;
  groupOfSlot: Int32Array | null;
}

/** Slots that are the groups themselves. */
const directSlots = (ids: Int32Array, count: number): Slots => ({ ids, base: 0, count, groupOfSlot: null });

interface Levels {
  /** Level per selected position, through its slots (0..levelCount-1; the missing level, if any, is last). */
  slots: Slots;
  levelCount: number;
  /** Selected rows per level (counted while the levels are assigned, so no pass of its own). */
  sizes: Int32Array;
  /** The key of a level, as the API returns it. */
  keyOf: (level: number) => CellValue;
  /** Every level has at least one row. */
  allUsed: boolean;
}

/**
 * The kernels below keep one or three numbers per slot (group, code, level) in plain arrays (see
 * plain-arrays.ts), and each chunk hands back all of them. That pays up to this many slots; past it,
 * building the plain arrays costs more than it saves, and the pass runs whole, on typed arrays.
 */
const MAX_SPLIT_SLOTS = 4096;

/** Rows per code + 1 (slot 0 is the missing code −1). */
export const codeCountsKernel: RowKernel<{ codes: Int32Array; slots: number }> = {
  name: 'codeCounts',
  run({ codes, slots }, start, end) {
    const count = intZeros(slots);
    for (let i = start; i < end; i++) count[codes[i] + 1]++;
    return count;
  },
};

function stringLevels(col: Extract<Column, { type: 'string' }>, rows: RowSelection, n: number): Levels {
  const codes = col.codes;
  // rowsOf[c + 1]: rows with code c (slot 0 is the missing code -1).
  const rowsOf = new Int32Array(col.dict.length + 1);
  if (rows) for (let i = 0; i < n; i++) rowsOf[codes[rows[i]] + 1]++;
  else if (rowsOf.length > MAX_SPLIT_SLOTS) for (let i = 0; i < n; i++) rowsOf[codes[i] + 1]++;
  else {
    for (const part of overChunks(codeCountsKernel, { codes, slots: rowsOf.length }, n)) {
      for (let c = 0; c < rowsOf.length; c++) rowsOf[c] += part[c];
    }
  }
  const present: number[] = [];
  for (let c = 0; c < col.dict.length; c++) if (rowsOf[c + 1]) present.push(c);
  present.sort((a, b) => compareCodePoints(col.dict[a], col.dict[b]));
  // levelOf[c + 1]: the level of code c (−1 for a code no selected row has); the missing level is last.
  const levelOf = new Int32Array(col.dict.length + 1).fill(-1);
  if (rowsOf[0]) levelOf[0] = present.length;
  present.forEach((c, r) => (levelOf[c + 1] = r));
  let slots: Slots;
  if (rows) {
    const level = new Int32Array(n);
    for (let i = 0; i < n; i++) level[i] = levelOf[codes[rows[i]] + 1];
    slots = directSlots(level, present.length + (rowsOf[0] ? 1 : 0));
  } else {
    // All rows: the codes themselves are the slots (no copy).
    slots = { ids: codes.length === n ? codes : codes.subarray(0, n), base: 1, count: levelOf.length, groupOfSlot: levelOf };
  }
  const keys: CellValue[] = present.map((c) => col.dict[c]);
  if (rowsOf[0]) keys.push(null);
  const sizes = new Int32Array(keys.length);
  present.forEach((c, r) => (sizes[r] = rowsOf[c + 1]));
  if (rowsOf[0]) sizes[present.length] = rowsOf[0];
  return { slots, levelCount: keys.length, sizes, keyOf: (l) => keys[l], allUsed: true };
}

/** The selected rows of a value column as one aligned array (no copy for all rows). */
function alignedValues(values: Float64Array, rows: RowSelection): Float64Array {
  if (!rows) return values;
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]];
  return out;
}

/**
 * Writes level[i] for rows [start, end): the bucket of the value's day (bucketOfDay[day − first]), or
 * `missing`; returns the rows per level (missing + 1 of them).
 */
export const dayLevelsKernel: RowKernel<{ values: Float64Array; first: number; bucketOfDay: Int32Array; missing: number; level: Int32Array }> = {
  name: 'dayLevels',
  run({ values, first, bucketOfDay, missing, level }, start, end) {
    for (let i = start; i < end; i++) {
      const v = values[i];
      level[i] = v === v ? bucketOfDay[Math.floor(v / MS_PER_DAY) - first] : missing;
    }
    // Counted in a second pass over the levels just written: counted in the same loop, 1M rows took
    // 11.5 ms instead of 8.7 (the processor could not tell the count it read from the level it had
    // just written, and waited).
    const sizes = intZeros(missing + 1);
    for (let i = start; i < end; i++) sizes[level[i]]++;
    return sizes;
  },
};

/** Most days a day-bucket lookup table may span (beyond, the general path hashes the bucket starts). */
const MAX_DAY_SPAN = 1 << 22;

/**
 * Levels of a time column cut into day-based buckets, through a day → bucket table over the
 * column's range of days: bucket starts never decrease with the day, so numbering each new start
 * in day order gives the levels in key order with no sort and no per-row date math.
 * Null when the range of days is too wide for a table.
 */
function dayBucketLevels(src: Float64Array, unit: DayUnit): Levels | null {
  const n = src.length;
  const { min: lo, max: hi, present } = columnRange(src);
  if (present === 0) {
    // No value: every row is in the missing level.
    return { slots: directSlots(new Int32Array(n), n > 0 ? 1 : 0), levelCount: n > 0 ? 1 : 0, sizes: n > 0 ? Int32Array.of(n) : new Int32Array(0), keyOf: () => null, allUsed: true };
  }
  const first = dayOf(lo);
  const span = dayOf(hi) - first + 1;
  if (!(span <= MAX_DAY_SPAN)) return null;
  // When the rows are split, the helper thread reads the day table and writes its chunks of the
  // levels: both are shared then.
  const split = splitsRows(n);
  const bucketOfDay = split ? sharedInt32(span) : new Int32Array(span);
  const starts: number[] = [];
  let prev = NaN;
  for (let d = 0; d < span; d++) {
    const s = bucketStartDay(unit, first + d);
    if (s !== prev) {
      starts.push(s);
      prev = s;
    }
    bucketOfDay[d] = starts.length - 1;
  }
  // The missing level (last) exists only when a value is missing.
  const missing = starts.length;
  const levelCount = present < n ? missing + 1 : missing;
  const sizes = new Int32Array(missing + 1);
  const level = split ? sharedInt32(n) : new Int32Array(n);
  if (missing + 1 <= MAX_SPLIT_SLOTS) {
    const args = { values: src, first, bucketOfDay, missing, level };
    for (const part of overChunks(dayLevelsKernel, args, n)) for (let l = 0; l <= missing; l++) sizes[l] += part[l];
  } else {
    for (let i = 0; i < n; i++) {
      const v = src[i];
      const l = v === v ? bucketOfDay[Math.floor(v / MS_PER_DAY) - first] : missing;
      level[i] = l;
      sizes[l]++;
    }
  }
  let allUsed = true;
  for (let l = 0; l < levelCount; l++) if (!sizes[l]) allUsed = false;
  return {
    slots: directSlots(level, levelCount),
    levelCount,
    sizes: sizes.subarray(0, levelCount),
    keyOf: (l) => (l === missing ? null : formatBucket(unit, starts[l] * MS_PER_DAY)),
    allUsed,
  };
}

function valueLevels(col: Extract<Column, { type: Exclude<Column['type'], 'string'> }>, unit: TimeUnit | undefined, rows: RowSelection, n: number): Levels {
  const src = alignedValues(col.values, rows);
  if (unit !== undefined && isDayUnit(unit)) {
    const byDay = dayBucketLevels(src, unit);
    if (byDay) return byDay;
  }
  // Present (bucketed) values → first-appearance ids by hash (-0 and 0 are one level), then the
  // K distinct values are ranked by a radix argsort: O(n + K).
  const present = new Float64Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    let v = src[i];
    if (unit !== undefined) v = bucketStart(unit, v);
    if (v === v) present[m++] = v;
  }
  const { values: distinct, ids } = distinctIndex(present, m);
  const order = argsortFloat(distinct);
  const rankOfId = new Int32Array(distinct.length);
  for (let r = 0; r < order.length; r++) rankOfId[order[r]] = r;
  const missingLevel = distinct.length;
  const level = new Int32Array(n);
  const sizes = new Int32Array(missingLevel + 1);
  for (let i = 0, j = 0; i < n; i++) {
    const v = src[i];
    const l = v === v ? rankOfId[ids[j++]] : missingLevel;
    level[i] = l;
    sizes[l]++;
  }
  const keys: CellValue[] = Array.from(order, (id) => {
    const v = distinct[id];
    if (unit !== undefined) return formatBucket(unit, v);
    if (col.type === 'boolean') return v === 1;
    if (col.type === 'date' || col.type === 'datetime') return formatTime(col.type, v);
    return v;
  });
  if (m < n) keys.push(null);
  return { slots: directSlots(level, keys.length), levelCount: keys.length, sizes: sizes.subarray(0, keys.length), keyOf: (l) => keys[l], allUsed: true };
}

/** The group (or level) of each selected position, as one array. */
function groupIds({ ids, base, groupOfSlot }: Slots): Int32Array {
  if (!groupOfSlot) return ids;
  const out = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = groupOfSlot[ids[i] + base];
  return out;
}

/** A Grouping whose row lists (order/offsets) are built by a counting sort only when first asked for. */
class GroupingImpl implements Grouping {
  private lists: { offsets: Int32Array; order: Int32Array } | null = null;
  constructor(
    readonly by: GroupKeySpec[],
    readonly groupCount: number,
    readonly keys: CellValue[][],
    readonly rows: RowSelection,
    readonly slots: Slots,
    readonly sizes: Int32Array,
  ) {}

  get offsets(): Int32Array {
    return (this.lists ??= this.buildLists()).offsets;
  }

  get order(): Int32Array {
    return (this.lists ??= this.buildLists()).order;
  }

  // Counting sort of positions by group, stable (row order within a group).
  private buildLists(): { offsets: Int32Array; order: Int32Array } {
    const { groupCount, rows, sizes } = this;
    const groupOf = groupIds(this.slots);
    const n = groupOf.length;
    const offsets = new Int32Array(groupCount + 1);
    for (let g = 0; g < groupCount; g++) offsets[g + 1] = offsets[g] + sizes[g];
    const fill = offsets.slice(0, groupCount);
    const order = new Int32Array(n);
    if (rows) for (let i = 0; i < n; i++) order[fill[groupOf[i]]++] = rows[i];
    else for (let i = 0; i < n; i++) order[fill[groupOf[i]]++] = i;
    return { offsets, order };
  }
}

/**
 * Groups the selected rows by the key columns. Throws nothing itself: the caller validates column
 * names and units (an unknown column here is a programming error).
 */
export function groupRows(table: Table, rows: RowSelection, by: GroupKeySpec[]): Grouping {
  const n = rows ? rows.length : table.rowCount;
  const levels = by.map((b) => {
    const col = findColumn(table, b.column);
    if (!col) throw new Error(`unknown column ${b.column}`);
    return col.type === 'string' ? stringLevels(col, rows, n) : valueLevels(col, b.unit, rows, n);
  });
  // One key whose levels all have rows: the levels are the groups.
  if (levels.length === 1 && levels[0].allUsed) {
    const l = levels[0];
    const keys: CellValue[][] = new Array(l.levelCount);
    for (let g = 0; g < l.levelCount; g++) keys[g] = [l.keyOf(g)];
    return new GroupingImpl(by, l.levelCount, keys, rows, l.slots, l.sizes);
  }
  // Mixed-radix combined key in key order. Below 2^24 combinations a dense table maps it to a group;
  // above, a Map on the combined number (exact up to 2^53) does.
  let radix = 1;
  for (const l of levels) radix *= Math.max(1, l.levelCount);
  const levelIds = levels.map((l) => groupIds(l.slots));
  const groupOf = new Int32Array(n);
  let groupCount = 0;
  let keyOfGroup: Float64Array;
  if (radix <= 1 << 24) {
    const combined = new Int32Array(n);
    levels.forEach((l, j) => {
      const lc = l.levelCount;
      const lv = levelIds[j];
      for (let i = 0; i < n; i++) combined[i] = combined[i] * lc + lv[i];
    });
    const gid = new Int32Array(radix);
    for (let i = 0; i < n; i++) gid[combined[i]] = 1;
    const keyList: number[] = [];
    for (let k = 0; k < radix; k++) if (gid[k]) { gid[k] = groupCount++; keyList.push(k); }
    for (let i = 0; i < n; i++) groupOf[i] = gid[combined[i]];
    keyOfGroup = Float64Array.from(keyList);
  } else {
    const combined = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let k = 0;
      for (let j = 0; j < levels.length; j++) k = k * levels[j].levelCount + levelIds[j][i];
      combined[i] = k;
    }
    const keysSorted = Float64Array.from(new Set(combined)).sort();
    const gid = new Map<number, number>();
    keysSorted.forEach((k, g) => gid.set(k, g));
    groupCount = keysSorted.length;
    for (let i = 0; i < n; i++) groupOf[i] = gid.get(combined[i])!;
    keyOfGroup = keysSorted;
  }
  const sizes = new Int32Array(groupCount);
  for (let i = 0; i < n; i++) sizes[groupOf[i]]++;
  // Decode each group's combined key back into its per-column keys.
  const keys: CellValue[][] = new Array(groupCount);
  for (let g = 0; g < groupCount; g++) {
    let k = keyOfGroup[g];
    const row: CellValue[] = new Array(levels.length);
    for (let j = levels.length - 1; j >= 0; j--) {
      const lc = levels[j].levelCount;
      row[j] = levels[j].keyOf(k % lc);
      k = Math.floor(k / lc);
    }
    keys[g] = row;
  }
  return new GroupingImpl(by, groupCount, keys, rows, directSlots(groupOf, groupCount), sizes);
}

// ---------- aggregation ----------

/** Ops computed in sequential passes over the rows, each row adding to its group's accumulators. */
const STREAMED = new Set<MetricOp>(['count', 'missing', 'sum', 'mean', 'min', 'max', 'std', 'var', 'stdp', 'varp', 'first', 'last']);

/** Per-group accumulators of one column, filled by sequential passes (each group's values in row order). */
interface ColumnAcc {
  /** Non-missing values per group. */
  count: Int32Array;
  /** Neumaier sum per group: sum + comp (see sumPass). */
  sum: Float64Array | null;
  comp: Float64Array | null;
  min: Float64Array | null;
  max: Float64Array | null;
  first: Float64Array | null;
  last: Float64Array | null;
  /** Σ(v − mean)² per group (mean = the Neumaier sum / count), and whether all values equal the first. */
  ss: Float64Array | null;
  varied: Uint8Array | null;
}

/** Codes of a string column (missing -1 → NaN) or the values of a value column, for the selected positions. */
function metricValues(col: Column, rows: RowSelection): Float64Array {
  if (col.type !== 'string') return alignedValues(col.values, rows);
  const n = rows ? rows.length : col.codes.length;
  const out = new Float64Array(n);
  const codes = col.codes;
  for (let i = 0; i < n; i++) {
    const c = codes[rows ? rows[i] : i];
    out[i] = c < 0 ? NaN : c;
  }
  return out;
}

// The passes below add row i to slot ids[i] + base (see Slots).

interface SlotPassArgs {
  v: Float64Array;
  ids: Int32Array;
  base: number;
  slots: number;
}

/** Non-missing values per slot. */
export const slotCountsKernel: RowKernel<SlotPassArgs> = {
  name: 'slotCounts',
  run({ v, ids, base, slots }, start, end) {
    const count = intZeros(slots);
    for (let i = start; i < end; i++) if (v[i] === v[i]) count[ids[i] + base]++;
    return count;
  },
};

function countPass(v: Float64Array, ids: Int32Array, base: number, count: Int32Array): void {
  if (count.length > MAX_SPLIT_SLOTS) {
    for (let i = 0; i < v.length; i++) if (v[i] === v[i]) count[ids[i] + base]++;
    return;
  }
  for (const part of overChunks(slotCountsKernel, { v, ids, base, slots: count.length }, v.length)) {
    for (let g = 0; g < count.length; g++) count[g] += part[g];
  }
}

/** What a Neumaier sum s loses when x is added to it (t = s + x): the compensation step. */
const neumaierLoss = (s: number, x: number, t: number): number => (Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s);

/** Per slot g: [3g] non-missing values, [3g + 1] their Neumaier sum, [3g + 2] its compensation. */
export const slotSumsKernel: RowKernel<SlotPassArgs> = {
  name: 'slotSums',
  run({ v, ids, base, slots }, start, end) {
    const acc = doubleZeros(3 * slots);
    for (let i = start; i < end; i++) {
      const x = v[i];
      if (x !== x) continue;
      const g = 3 * (ids[i] + base);
      acc[g]++;
      const s = acc[g + 1];
      const t = s + x;
      acc[g + 2] += neumaierLoss(s, x, t);
      acc[g + 1] = t;
    }
    return acc;
  },
};

/**
 * Counts and Neumaier sums per slot. The chunks' sums are added in chunk order by the same Neumaier
 * step, so rows that are not split (one part) give exactly neumaierSum's result in row order.
 */
function sumPass(v: Float64Array, ids: Int32Array, base: number, count: Int32Array, sum: Float64Array, comp: Float64Array): void {
  if (count.length > MAX_SPLIT_SLOTS) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x !== x) continue;
      const g = ids[i] + base;
      count[g]++;
      const s = sum[g];
      const t = s + x;
      comp[g] += neumaierLoss(s, x, t);
      sum[g] = t;
    }
    return;
  }
  for (const part of overChunks(slotSumsKernel, { v, ids, base, slots: count.length }, v.length)) {
    for (let g = 0; g < count.length; g++) {
      count[g] += part[3 * g];
      const s = sum[g];
      const x = part[3 * g + 1];
      const t = s + x;
      comp[g] += neumaierLoss(s, x, t) + part[3 * g + 2];
      sum[g] = t;
    }
  }
}

function extremesPass(v: Float64Array, ids: Int32Array, base: number, min: Float64Array, max: Float64Array): void {
  // Both start NaN; the first value replaces NaN, later ones only if strictly smaller/larger (as minOf/maxOf).
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x !== x) continue;
    const g = ids[i] + base;
    const a = min[g];
    if (a !== a || x < a) min[g] = x;
    const b = max[g];
    if (b !== b || x > b) max[g] = x;
  }
}

function endsPass(v: Float64Array, ids: Int32Array, base: number, first: Float64Array, last: Float64Array): void {
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x !== x) continue;
    const g = ids[i] + base;
    if (first[g] !== first[g]) first[g] = x;
    last[g] = x;
  }
}

/** Second pass of the two-pass variance: needs first (for constancy) and the group means. */
function squaresPass(v: Float64Array, ids: Int32Array, base: number, mean: Float64Array, first: Float64Array, ss: Float64Array, varied: Uint8Array): void {
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x !== x) continue;
    const g = ids[i] + base;
    const d = x - mean[g];
    ss[g] += d * d;
    if (x !== first[g]) varied[g] = 1;
  }
}

/** Accumulators per slot (slots.count of them) for one column. */
function accumulate(v: Float64Array, slots: Slots, ops: Set<MetricOp>): ColumnAcc {
  const { ids, base, count: slotCount } = slots;
  const needVar = ops.has('std') || ops.has('var') || ops.has('stdp') || ops.has('varp');
  const needSum = needVar || ops.has('sum') || ops.has('mean');
  const needEnds = needVar || ops.has('first') || ops.has('last');
  const needExtremes = ops.has('min') || ops.has('max');
  const nan = () => new Float64Array(slotCount).fill(NaN);
  const acc: ColumnAcc = {
    count: new Int32Array(slotCount),
    sum: needSum ? new Float64Array(slotCount) : null,
    comp: needSum ? new Float64Array(slotCount) : null,
    min: needExtremes ? nan() : null,
    max: needExtremes ? nan() : null,
    first: needEnds ? nan() : null,
    last: needEnds ? nan() : null,
    ss: null,
    varied: null,
  };
  if (needSum) sumPass(v, ids, base, acc.count, acc.sum!, acc.comp!);
  else countPass(v, ids, base, acc.count);
  if (needExtremes) extremesPass(v, ids, base, acc.min!, acc.max!);
  if (needEnds) endsPass(v, ids, base, acc.first!, acc.last!);
  if (needVar) {
    const mean = new Float64Array(slotCount);
    for (let g = 0; g < slotCount; g++) mean[g] = (acc.sum![g] + acc.comp![g]) / acc.count[g];
    acc.ss = new Float64Array(slotCount);
    acc.varied = new Uint8Array(slotCount);
    squaresPass(v, ids, base, mean, acc.first!, acc.ss, acc.varied);
  }
  return acc;
}

/** A streamed op's raw value for the group in slot g (as METRICS[op].compute gives it over the gathered values). */
function streamedValue(op: MetricOp, acc: ColumnAcc, g: number, size: number): number | null {
  const n = acc.count[g];
  switch (op) {
    case 'count':
      return n;
    case 'missing':
      return size - n;
    case 'sum':
      return acc.sum![g] + acc.comp![g];
    case 'mean':
      return n === 0 ? null : (acc.sum![g] + acc.comp![g]) / n;
    case 'min':
      return n === 0 ? null : acc.min![g];
    case 'max':
      return n === 0 ? null : acc.max![g];
    case 'first':
      return n === 0 ? null : acc.first![g];
    case 'last':
      return n === 0 ? null : acc.last![g];
    default: {
      // var/std (ddof 1) and varp/stdp (ddof 0), as moments.variance.
      const ddof = op === 'var' || op === 'std' ? 1 : 0;
      if (n <= ddof) return null;
      const variance = acc.varied![g] ? acc.ss![g] / (n - ddof) : 0;
      return op === 'std' || op === 'stdp' ? Math.sqrt(variance) : variance;
    }
  }
}

/**
 * Computes each metric for each group: out[g][m]. Columns must exist and be accepted by the op
 * (the caller validates and answers 400 first). Counts, sums, means, extremes, first/last and
 * variances come from sequential passes over the rows indexed by group id (one set of passes per
 * column, shared by its metrics); the other ops (median, quartiles, distinct) gather each group's
 * values in row order into one scratch buffer, so memory stays O(largest group).
 */
export function aggregateGroups(table: Table, grouping: Grouping, metrics: MetricSpec[]): CellValue[][] {
  const { groupCount, rows, sizes, slots } = grouping;
  const out: CellValue[][] = Array.from({ length: groupCount }, () => new Array<CellValue>(metrics.length));
  // The slot holding each group's accumulators.
  const slotOf = new Int32Array(groupCount);
  if (slots.groupOfSlot) slots.groupOfSlot.forEach((g, slot) => g >= 0 && (slotOf[g] = slot));
  else for (let g = 0; g < groupCount; g++) slotOf[g] = g;
  // Streamed ops, collected per column so each column is read once per kind of pass.
  const streamedOps = new Map<Column, Set<MetricOp>>();
  for (const m of metrics) {
    if (m.column === undefined || !STREAMED.has(m.op)) continue;
    const col = findColumn(table, m.column);
    if (!col) throw new Error(`unknown column ${m.column}`);
    let ops = streamedOps.get(col);
    if (!ops) streamedOps.set(col, (ops = new Set()));
    ops.add(m.op);
  }
  const accs = new Map<Column, ColumnAcc>();
  for (const [col, ops] of streamedOps) accs.set(col, accumulate(metricValues(col, rows), slots, ops));

  let scratch: Float64Array | null = null;
  metrics.forEach((m, mi) => {
    const def = METRICS[m.op];
    if (m.column === undefined) {
      // Bare count: the group's rows.
      for (let g = 0; g < groupCount; g++) out[g][mi] = sizes[g];
      return;
    }
    const col = findColumn(table, m.column);
    if (!col) throw new Error(`unknown column ${m.column}`);
    const acc = accs.get(col);
    if (acc && STREAMED.has(m.op)) {
      for (let g = 0; g < groupCount; g++) out[g][mi] = metricValue(def, col, streamedValue(m.op, acc, slotOf[g], sizes[g]));
      return;
    }
    const { offsets, order } = grouping;
    if (!scratch) {
      let maxSize = 0;
      for (let g = 0; g < groupCount; g++) maxSize = Math.max(maxSize, sizes[g]);
      scratch = new Float64Array(maxSize);
    }
    for (let g = 0; g < groupCount; g++) {
      const start = offsets[g];
      const end = offsets[g + 1];
      let k = 0;
      if (col.type === 'string') {
        const codes = col.codes;
        for (let i = start; i < end; i++) {
          const c = codes[order[i]];
          if (c >= 0) scratch[k++] = c;
        }
      } else {
        const vals = col.values;
        for (let i = start; i < end; i++) {
          const v = vals[order[i]];
          if (v === v) scratch[k++] = v;
        }
      }
      out[g][mi] = metricValue(def, col, def.compute(scratch, k, end - start - k));
    }
  });
  return out;
}

/** The API's groupby rows: `{ <by column>: key, ..., <metricField>: value }`. */
export function groupRecords(grouping: Grouping, metrics: MetricSpec[], values: CellValue[][]): Record<string, CellValue>[] {
  const fields = metrics.map(metricField);
  const out: Record<string, CellValue>[] = new Array(grouping.groupCount);
  for (let g = 0; g < grouping.groupCount; g++) {
    // No prototype: a key column named `__proto__` is just a field.
    const rec = Object.create(null) as Record<string, CellValue>;
    grouping.by.forEach((b, j) => (rec[b.column] = grouping.keys[g][j]));
    fields.forEach((f, mi) => (rec[f] = values[g][mi]));
    out[g] = rec;
  }
  return out;
}
