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
import { METRICS, metricField, metricValue, type MetricSpec } from './metrics.js';
import { compareCodePoints } from './sort.js';
import { argsortFloat } from './stats/radix.js';
import { distinctIndex } from './stats/distinct.js';
import { bucketStart, formatBucket, type TimeUnit } from './time-bucket.js';

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
  /** Rows of group g are order[offsets[g] .. offsets[g+1]), ascending row indexes. */
  offsets: Int32Array;
  order: Int32Array;
}

// Strings order by code point, as sort.ts orders rows (re-exported for callers of this module).
export { compareCodePoints };

interface Levels {
  /** Level index per selected position (0..levelCount-1; the missing level, if any, is last). */
  level: Int32Array;
  levelCount: number;
  keys: CellValue[];
}

function stringLevels(col: Extract<Column, { type: 'string' }>, rows: RowSelection, n: number): Levels {
  const codes = col.codes;
  const used = new Uint8Array(col.dict.length);
  let anyMissing = false;
  for (let i = 0; i < n; i++) {
    const c = codes[rows ? rows[i] : i];
    if (c < 0) anyMissing = true;
    else used[c] = 1;
  }
  const present: number[] = [];
  for (let c = 0; c < used.length; c++) if (used[c]) present.push(c);
  present.sort((a, b) => compareCodePoints(col.dict[a], col.dict[b]));
  const rank = new Int32Array(col.dict.length);
  present.forEach((c, r) => (rank[c] = r));
  const missingLevel = present.length;
  const level = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = codes[rows ? rows[i] : i];
    level[i] = c < 0 ? missingLevel : rank[c];
  }
  const keys: CellValue[] = present.map((c) => col.dict[c]);
  if (anyMissing) keys.push(null);
  return { level, levelCount: keys.length, keys };
}

function valueLevels(col: Extract<Column, { type: Exclude<Column['type'], 'string'> }>, unit: TimeUnit | undefined, rows: RowSelection, n: number): Levels {
  const src = col.values;
  // Present (bucketed) values → first-appearance ids by hash (-0 and 0 are one level), then the
  // K distinct values are ranked by a radix argsort: O(n + K).
  const present = new Float64Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    let v = src[rows ? rows[i] : i];
    if (unit !== undefined) v = bucketStart(unit, v);
    if (v === v) present[m++] = v;
  }
  const { values: distinct, ids } = distinctIndex(present, m);
  const order = argsortFloat(distinct);
  const rankOfId = new Int32Array(distinct.length);
  for (let r = 0; r < order.length; r++) rankOfId[order[r]] = r;
  const missingLevel = distinct.length;
  const level = new Int32Array(n);
  for (let i = 0, j = 0; i < n; i++) {
    const v = src[rows ? rows[i] : i];
    level[i] = v === v ? rankOfId[ids[j++]] : missingLevel;
  }
  const keys: CellValue[] = Array.from(order, (id) => {
    const v = distinct[id];
    if (unit !== undefined) return formatBucket(unit, v);
    if (col.type === 'boolean') return v === 1;
    if (col.type === 'date' || col.type === 'datetime') return formatTime(col.type, v);
    return v;
  });
  if (m < n) keys.push(null);
  return { level, levelCount: keys.length, keys };
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
  // Mixed-radix combined key in key order. Below 2^24 combinations a dense table maps it to a group;
  // above, a Map on the combined number (exact up to 2^53) does.
  let radix = 1;
  for (const l of levels) radix *= Math.max(1, l.levelCount);
  const combined = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let k = 0;
    for (let j = 0; j < levels.length; j++) k = k * levels[j].levelCount + levels[j].level[i];
    combined[i] = k;
  }
  const groupOf = new Int32Array(n);
  let groupCount = 0;
  let keyOfGroup: Float64Array;
  if (radix <= 1 << 24) {
    const present = new Uint8Array(radix);
    for (let i = 0; i < n; i++) present[combined[i]] = 1;
    const gid = new Int32Array(radix);
    const keyList: number[] = [];
    for (let k = 0; k < radix; k++) if (present[k]) { gid[k] = groupCount++; keyList.push(k); }
    for (let i = 0; i < n; i++) groupOf[i] = gid[combined[i]];
    keyOfGroup = Float64Array.from(keyList);
  } else {
    const keysSorted = Float64Array.from(new Set(combined)).sort();
    const gid = new Map<number, number>();
    keysSorted.forEach((k, g) => gid.set(k, g));
    groupCount = keysSorted.length;
    for (let i = 0; i < n; i++) groupOf[i] = gid.get(combined[i])!;
    keyOfGroup = keysSorted;
  }
  // Counting sort of positions by group, stable (row order within a group).
  const offsets = new Int32Array(groupCount + 1);
  for (let i = 0; i < n; i++) offsets[groupOf[i] + 1]++;
  for (let g = 0; g < groupCount; g++) offsets[g + 1] += offsets[g];
  const fill = offsets.slice(0, groupCount);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[groupOf[i]]++] = rows ? rows[i] : i;
  // Decode each group's combined key back into its per-column keys.
  const keys: CellValue[][] = new Array(groupCount);
  for (let g = 0; g < groupCount; g++) {
    let k = keyOfGroup[g];
    const row: CellValue[] = new Array(levels.length);
    for (let j = levels.length - 1; j >= 0; j--) {
      const lc = levels[j].levelCount;
      row[j] = levels[j].keys[k % lc];
      k = Math.floor(k / lc);
    }
    keys[g] = row;
  }
  return { by, groupCount, keys, offsets, order };
}

/**
 * Computes each metric for each group: out[g][m]. Columns must exist and be accepted by the op
 * (the caller validates and answers 400 first). Values are gathered per group into one scratch
 * buffer, so memory stays O(largest group) whatever the number of metrics.
 */
export function aggregateGroups(table: Table, grouping: Grouping, metrics: MetricSpec[]): CellValue[][] {
  const { groupCount, offsets, order } = grouping;
  const out: CellValue[][] = Array.from({ length: groupCount }, () => new Array<CellValue>(metrics.length));
  let maxSize = 0;
  for (let g = 0; g < groupCount; g++) maxSize = Math.max(maxSize, offsets[g + 1] - offsets[g]);
  const scratch = new Float64Array(maxSize);
  metrics.forEach((m, mi) => {
    const def = METRICS[m.op];
    if (m.column === undefined) {
      // Bare count: the group's rows.
      for (let g = 0; g < groupCount; g++) out[g][mi] = offsets[g + 1] - offsets[g];
      return;
    }
    const col = findColumn(table, m.column);
    if (!col) throw new Error(`unknown column ${m.column}`);
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
