// Distinct values of float data without sorting: an open-addressing hash on the float's bits.
// (A JS Set of a million numbers costs ~10x more; sorting a copy ~85 ms per million.)
// -0 and 0 are one value, as numpy.unique / pandas nunique count them. No NaN in the input.
import { argsortFloat } from './radix.js';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function hashOf(v: number, mask: number): number {
  f64[0] = v;
  return (Math.imul(u32[0] ^ Math.imul(u32[1], 0x85ebca6b), 0x9e3779b1) >>> 0) & mask;
}

export interface DistinctIndex {
  /** Distinct values in first-appearance order. */
  values: Float64Array;
  /** For each input position, the index of its value in `values`. */
  ids: Int32Array;
}

function tableSize(n: number): number {
  let cap = 16;
  while (cap < 2 * n) cap *= 2;
  return cap;
}

/** First-appearance ids of v[0..n) (no NaN). */
export function distinctIndex(v: Float64Array, n = v.length): DistinctIndex {
  const cap = tableSize(n);
  const mask = cap - 1;
  const slotKey = new Float64Array(cap);
  const slotId = new Int32Array(cap).fill(-1);
  const ids = new Int32Array(n);
  const values = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    let x = v[i];
    if (x === 0) x = 0; // -0 → 0
    let h = hashOf(x, mask);
    for (;;) {
      const id = slotId[h];
      if (id < 0) {
        slotId[h] = k;
        slotKey[h] = x;
        values[k] = x;
        ids[i] = k++;
        break;
      }
      if (slotKey[h] === x) {
        ids[i] = id;
        break;
      }
      h = (h + 1) & mask;
    }
  }
  return { values: values.slice(0, k), ids };
}

/** Number of distinct values in v[0..n) (no NaN). */
export function countDistinct(v: Float64Array, n = v.length): number {
  if (n < 2) return n;
  const cap = tableSize(n);
  const mask = cap - 1;
  const slotKey = new Float64Array(cap);
  const used = new Uint8Array(cap);
  let k = 0;
  for (let i = 0; i < n; i++) {
    let x = v[i];
    if (x === 0) x = 0;
    let h = hashOf(x, mask);
    for (;;) {
      if (!used[h]) {
        used[h] = 1;
        slotKey[h] = x;
        k++;
        break;
      }
      if (slotKey[h] === x) break;
      h = (h + 1) & mask;
    }
  }
  return k;
}

/** Scales tried for decimal data: a value v fits scale s when Math.round(v*s)/s === v. */
const SCALES = [1, 10, 100, 1e3, 1e4, 1e5, 1e6];

/**
 * The smallest scale s (SCALES) at which every present value v is an integer key Math.round(v*s)
 * with key/s === v, or 0. Keys that pass this check are an exact, order-keeping and one-to-one
 * image of the values (division by s is monotone, so different keys never give the same value and
 * k1 > k2 cannot give v1 < v2). Most data parsed from decimal text fits with few decimals.
 */
function decimalScale(values: Float64Array, rows: Int32Array | null, n: number, range: Float64Array): number {
  for (let t = 0; t < SCALES.length; t++) {
    const s = SCALES[t];
    let ok = true;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = values[rows ? rows[i] : i];
      if (v !== v) continue;
      if (Math.round(v * s) / s !== v) {
        ok = false;
        break;
      }
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (ok) {
      range[0] = lo;
      range[1] = hi;
      return s;
    }
  }
  return 0;
}

/** Set bits of a 32-bit word. */
function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Keys per row at most this many times the row count (in bits) take the bitmap path. */
const BITMAP_BITS_PER_ROW = 128;

/**
 * Dense codes: each value's rank among the distinct values (0 = smallest), -1 for missing (NaN).
 * Data whose values are exact integers after a decimal scale (decimalScale) over a key range of at
 * most 128 bits per row: a bitmap of the keys present, prefix counts of its words, and each code
 * read back as the set bits below its key (O(n + range/32), no sort). Other data: a radix argsort
 * of the present values (radix.ts, O(n)), then one walk numbering the runs.
 * Spearman (average ranks) and Kendall (tie-aware ordering) work on these integers.
 */
export function denseCodes(values: Float64Array, rows: Int32Array | null): { codes: Int32Array; k: number } {
  return countedDenseCodes(values, rows);
}

/** Dense codes with the number of rows of each code (`counts`) and of present values. */
export interface CountedCodes {
  codes: Int32Array;
  k: number;
  counts: Int32Array;
  present: number;
}

/** denseCodes, also counting the rows of each code. */
export function countedDenseCodes(values: Float64Array, rows: Int32Array | null): CountedCodes {
  const n = rows ? rows.length : values.length;
  const lohi = new Float64Array(2);
  const s = decimalScale(values, rows, n, lohi);
  if (s > 0) {
    const [lo, hi] = lohi;
    if (lo > hi) return { codes: new Int32Array(n).fill(-1), k: 0, counts: new Int32Array(0), present: 0 };
    const kmin = Math.round(lo * s);
    const range = Math.round(hi * s) - kmin + 1;
    if (range <= Math.min(1 << 30, Math.max(1 << 20, BITMAP_BITS_PER_ROW * n))) return bitmapCodes(values, rows, n, s, kmin, range);
  }
  return sortedCodes(values, rows, n);
}

function bitmapCodes(values: Float64Array, rows: Int32Array | null, n: number, s: number, kmin: number, range: number): CountedCodes {
  const words = (range + 31) >>> 5;
  const bits = new Int32Array(words);
  const codes = new Int32Array(n);
  let present = 0;
  for (let i = 0; i < n; i++) {
    const v = values[rows ? rows[i] : i];
    if (v !== v) {
      codes[i] = -1;
      continue;
    }
    const key = Math.round(v * s) - kmin;
    codes[i] = key;
    bits[key >>> 5] |= 1 << (key & 31);
    present++;
  }
  const before = new Int32Array(words);
  let k = 0;
  for (let w = 0; w < words; w++) {
    before[w] = k;
    k += popcount(bits[w]);
  }
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const key = codes[i];
    if (key < 0) continue;
    const b = key & 31;
    const c = before[key >>> 5] + (b === 0 ? 0 : popcount(bits[key >>> 5] << (32 - b)));
    codes[i] = c;
    counts[c]++;
  }
  return { codes, k, counts, present };
}

function sortedCodes(values: Float64Array, rows: Int32Array | null, n: number): CountedCodes {
  const present = new Float64Array(n);
  const where = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = values[rows ? rows[i] : i];
    if (v === v) {
      present[m] = v;
      where[m++] = i;
    }
  }
  const codes = new Int32Array(n).fill(-1);
  const order = argsortFloat(present, m);
  const runs = new Int32Array(m);
  let k = 0;
  let prev = NaN;
  for (let j = 0; j < m; j++) {
    const p = order[j];
    const v = present[p];
    if (j > 0 && v !== prev) k++;
    prev = v;
    codes[where[p]] = k;
    runs[k]++;
  }
  const distinct = m === 0 ? 0 : k + 1;
  return { codes, k: distinct, counts: runs.slice(0, distinct), present: m };
}
