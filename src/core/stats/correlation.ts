// Pairwise-complete correlations (pandas DataFrame.corr conventions) with scipy's p-values.
// Inputs are aligned Float64Arrays over the selected rows, NaN = missing; a pair uses only the rows
// where both are present.
//
//  - pearson: all pairs in one blocked pass of sums shifted by each column's mean; a pair whose
//    sums would cancel is redone in two exact passes (means, then centred sums) as scipy does.
//  - spearman: each column is turned once into dense codes (rank among its distinct values, -1
//    missing). Per pair, the codes of the complete rows are counted and prefix-summed into exact
//    average ranks (pandas re-ranks each pair's complete rows the same way), then one pearson pass.
//    When both columns are complete, the ranks are the column's own and are cached.
//  - kendall: tau-b by Knight's O(n log n) algorithm on the codes: counting sorts by (x, y), then
//    discordant pairs = inversions of y, counted with a Fenwick tree; ties as in scipy's kendalltau.
// simple-statistics' sampleCorrelation agrees for complete data but neither skips missing values
// nor reports constant input, so the passes are written here.
import { overChunks, type RowKernel } from '../parallel/split-rows.js';
import { doubleZeros, intZeros } from '../plain-arrays.js';
import { Scratch } from '../scratch.js';
import { countedDenseCodes } from './distinct.js';
import { correlationPValue, kendallExactP, normalTwoSided } from './pvalues.js';

export const CORRELATION_METHODS = ['pearson', 'spearman', 'kendall'] as const;
export type CorrelationMethod = (typeof CORRELATION_METHODS)[number];

export interface PairResult {
  /** null when undefined: fewer than 2 complete rows, or a column constant over them. */
  r: number | null;
  n: number;
  pValue: number | null;
}

const clamp = (r: number): number => (r > 1 ? 1 : r < -1 ? -1 : r);

/**
 * Pearson r over the rows where x and y are both present (scipy.stats.pearsonr p-value), in two
 * passes as scipy computes it: the means, then the centred sums. Exact about constancy (a column
 * whose complete values are all equal gives null, as scipy's ConstantInputWarning case).
 */
export function pearsonPair(x: Float64Array, y: Float64Array): PairResult {
  const m = x.length;
  let n = 0;
  let sx = 0;
  let sy = 0;
  let x0 = NaN;
  let y0 = NaN;
  let xConst = true;
  let yConst = true;
  for (let i = 0; i < m; i++) {
    const a = x[i];
    const b = y[i];
    if (a !== a || b !== b) continue;
    if (n === 0) {
      x0 = a;
      y0 = b;
    } else {
      if (a !== x0) xConst = false;
      if (b !== y0) yConst = false;
    }
    n++;
    sx += a;
    sy += b;
  }
  if (n < 2 || xConst || yConst) return { r: null, n, pValue: null };
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < m; i++) {
    const a = x[i];
    const b = y[i];
    if (a !== a || b !== b) continue;
    const dx = a - mx;
    const dy = b - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const r = clamp(sxy / Math.sqrt(sxx * syy));
  // scipy: two points always give p = 1.
  return { r, n, pValue: n === 2 ? 1 : correlationPValue(r, n) };
}

/** Values centreEstimate looks at, at most. */
const CENTRE_SAMPLE = 4096;

/**
 * A shift for pearsonMatrix: the mean of up to 4,096 evenly spaced present values (NaN when none
 * of them is present). It only has to be near the centre to keep the shifted sums from cancelling
 * (pearsonMatrix checks that, and recomputes a pair exactly when they do), and a full mean of
 * every column cost a fifth of pearson's time on 1M rows.
 */
export function centreEstimate(values: Float64Array): number {
  const step = Math.max(1, Math.floor(values.length / CENTRE_SAMPLE));
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i += step) {
    const v = values[i];
    if (v === v) {
      sum += v;
      n++;
    }
  }
  return n ? sum / n : NaN;
}

/** Rows per block in pearsonMatrix: a block of every column stays in cache while all pairs use it. */
const PEARSON_BLOCK = 4096;

/**
 * One column's rows [start, end) made ready for the pairs of pearsonMatrix: `shifted` holds
 * value − shift with 0 for a missing value (so a product with it adds nothing), `missing` the block
 * positions of missing values, and `sum`/`squares` the sums over the present values.
 */
class ShiftedBlock {
  // Plain arrays, read by every pair: see plain-arrays.ts.
  readonly shifted = doubleZeros(PEARSON_BLOCK);
  readonly missing = intZeros(PEARSON_BLOCK);
  missingCount = 0;
  sum = 0;
  squares = 0;

  fill(values: Float64Array, shift: number, start: number, end: number): void {
    const { shifted, missing } = this;
    let m = 0;
    let s = 0;
    let q = 0;
    for (let i = start, r = 0; i < end; i++, r++) {
      const v = values[i];
      if (v !== v) {
        shifted[r] = 0;
        missing[m++] = r;
        continue;
      }
      const d = v - shift;
      shifted[r] = d;
      s += d;
      q += d * d;
    }
    this.missingCount = m;
    this.sum = s;
    this.squares = q;
  }
}

/** Σ a[r]·b[r] for r < len, in four separate sums (one sum would be bound by the adds' latency). */
function dot(a: number[], b: number[], len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let r = 0;
  for (; r + 3 < len; r += 4) {
    s0 += a[r] * b[r];
    s1 += a[r + 1] * b[r + 1];
    s2 += a[r + 2] * b[r + 2];
    s3 += a[r + 3] * b[r + 3];
  }
  for (; r < len; r++) s0 += a[r] * b[r];
  return s0 + s1 + s2 + s3;
}

/**
 * Adds one block's shifted sums of a pair into acc[off..off+6) (n, Σx, Σy, Σx², Σy², Σxy over the
 * rows where both are present). The products need no test: a missing value is 0 in `shifted`. Each
 * column's own sums lose the rows where the other is missing; those are few (the missing lists).
 */
function accumulatePair(x: ShiftedBlock, y: ShiftedBlock, len: number, acc: number[], off: number): void {
  let sx = x.sum;
  let sxx = x.squares;
  let sy = y.sum;
  let syy = y.squares;
  let both = 0;
  const xs = x.shifted;
  const ys = y.shifted;
  for (let k = 0; k < y.missingCount; k++) {
    const r = y.missing[k];
    const d = xs[r];
    sx -= d;
    sxx -= d * d;
  }
  for (let k = 0; k < x.missingCount; k++) {
    const r = x.missing[k];
    const d = ys[r];
    sy -= d;
    syy -= d * d;
  }
  // Rows missing in both, counted by merging the two ascending lists.
  if (x.missingCount && y.missingCount) {
    for (let a = 0, b = 0; a < x.missingCount && b < y.missingCount; ) {
      const ra = x.missing[a];
      const rb = y.missing[b];
      if (ra === rb) {
        both++;
        a++;
        b++;
      } else if (ra < rb) a++;
      else b++;
    }
  }
  acc[off] += len - x.missingCount - y.missingCount + both;
  acc[off + 1] += sx;
  acc[off + 2] += sy;
  acc[off + 3] += sxx;
  acc[off + 4] += syy;
  acc[off + 5] += dot(xs, ys, len);
}

/** The blocks pearsonSumsKernel fills, kept for the next call (one set per thread). */
const blockPool: ShiftedBlock[] = [];

/**
 * Each pair's shifted sums (6 per pair, pairs i < j in order; see accumulatePair) over rows
 * [start, end), in blocks of PEARSON_BLOCK rows.
 */
export const pearsonSumsKernel: RowKernel<{ cols: Float64Array[]; shifts: number[] }> = {
  name: 'pearsonSums',
  run({ cols, shifts }, start, end) {
    const k = cols.length;
    const acc = doubleZeros(3 * k * (k - 1));
    while (blockPool.length < k) blockPool.push(new ShiftedBlock());
    for (let from = start; from < end; from += PEARSON_BLOCK) {
      const to = Math.min(end, from + PEARSON_BLOCK);
      for (let i = 0; i < k; i++) blockPool[i].fill(cols[i], shifts[i], from, to);
      let p = 0;
      for (let i = 0; i < k; i++) {
        for (let j = i + 1; j < k; j++) accumulatePair(blockPool[i], blockPool[j], to - from, acc, 6 * p++);
      }
    }
    return acc;
  },
};

/**
 * Pearson for every pair i < j of the columns (in that order), pairwise complete. One blocked pass
 * over the rows accumulates each pair's sums shifted by the column centres (`shifts`, e.g. the
 * means): each block of every column is shifted once, then read from cache by all pairs. When the
 * shifted sums would cancel (the pair's rows centre far from the shift, or a column is constant on
 * them) or are not finite, that pair is recomputed exactly by pearsonPair, which also decides
 * constancy exactly.
 */
export function pearsonMatrix(cols: Float64Array[], shifts: number[]): PairResult[] {
  const k = cols.length;
  const m = k ? cols[0].length : 0;
  const acc = new Float64Array(3 * k * (k - 1));
  const ox = shifts.map((s) => (Number.isFinite(s) ? s : 0));
  // Added in chunk order (see split-rows.ts); rows that are not split give one part.
  for (const part of overChunks(pearsonSumsKernel, { cols, shifts: ox }, m)) {
    for (let x = 0; x < acc.length; x++) acc[x] += part[x];
  }
  const out: PairResult[] = [];
  let p = 0;
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++, p++) {
      const [n, sx, sy, sxx, syy, sxy] = acc.subarray(6 * p, 6 * p + 6);
      const cxx = sxx - (sx * sx) / n;
      const cyy = syy - (sy * sy) / n;
      // Well conditioned (little cancellation): the one-pass result is accurate to ~1e-13.
      if (n > 2 && cxx > 1e-3 * sxx && cyy > 1e-3 * syy && Number.isFinite(sxy) && cxx < Infinity && cyy < Infinity) {
        const r = clamp((sxy - (sx * sy) / n) / Math.sqrt(cxx * cyy));
        out.push({ r, n, pValue: correlationPValue(r, n) });
      } else out.push(pearsonPair(cols[i], cols[j]));
    }
  }
  return out;
}

/** A column prepared for rank correlations: dense codes (-1 missing) and the number of distinct values. */
export interface RankedColumn {
  codes: Int32Array;
  k: number;
  /** Present values. */
  count: number;
  /** Average ranks (1-based) of the whole column; only when it has no missing value. */
  ranks: Float64Array | null;
  /** Rows of each code over the whole column. */
  counts: Int32Array;
  /** The rows with a missing value, ascending. */
  missing: Int32Array;
}

export function rankColumn(values: Float64Array): RankedColumn {
  const { codes, k, counts, present: count } = countedDenseCodes(values, null);
  const m = codes.length;
  const missing = new Int32Array(m - count);
  if (count < m) {
    for (let i = 0, j = 0; i < m; i++) if (codes[i] < 0) missing[j++] = i;
  }
  const column: RankedColumn = { codes, k, count, ranks: null, counts, missing };
  // The full-column ranks are built on first use only (spearmanPair does not need them).
  let ranks: Float64Array | null | undefined;
  Object.defineProperty(column, 'ranks', {
    enumerable: true,
    get(): Float64Array | null {
      if (ranks === undefined) {
        ranks = null;
        if (count === m) {
          const rankOf = averageRanksOfCodes(counts);
          ranks = new Float64Array(m);
          for (let i = 0; i < m; i++) ranks[i] = rankOf[codes[i]];
        }
      }
      return ranks;
    },
  });
  return column;
}

/** Average rank (1-based, ties share the mean of their positions) of each code, from code counts. */
function averageRanksOfCodes(counts: Int32Array): Float64Array {
  const out = new Float64Array(counts.length);
  let before = 0;
  for (let c = 0; c < counts.length; c++) {
    const k = counts[c];
    out[c] = before + (k + 1) / 2;
    before += k;
  }
  return out;
}

/**
 * The per-code counts of a pair (spearman: then its ranks, in place): the pairs of a request share
 * these two arrays rather than each making new ones (see scratch.ts).
 */
const countsX = new Scratch((n) => new Int32Array(n));
const countsY = new Scratch((n) => new Int32Array(n));

/** The codes of the rows where both columns are present (and the per-code counts over them). */
function completeCodes(a: RankedColumn, b: RankedColumn) {
  const m = a.codes.length;
  const xs = new Int32Array(m);
  const ys = new Int32Array(m);
  const cx = countsX.get(a.k).subarray(0, a.k).fill(0);
  const cy = countsY.get(b.k).subarray(0, b.k).fill(0);
  let n = 0;
  for (let i = 0; i < m; i++) {
    const p = a.codes[i];
    const q = b.codes[i];
    if (p < 0 || q < 0) continue;
    xs[n] = p;
    ys[n] = q;
    cx[p]++;
    cy[q]++;
    n++;
  }
  return { xs, ys, cx, cy, n };
}

/**
 * Counts of a's codes over the rows where b is present too: a's full counts minus its codes on
 * b's missing rows (O(missing), no pass over all rows). Returns the number of such rows.
 */
function countsWhereBothPresent(a: RankedColumn, b: RankedColumn, out: Int32Array): number {
  out.set(a.counts);
  const codes = a.codes;
  const miss = b.missing;
  let n = a.count;
  for (let j = 0; j < miss.length; j++) {
    const c = codes[miss[j]];
    if (c >= 0) {
      out[c]--;
      n--;
    }
  }
  return n;
}

/**
 * Twice each code's average rank minus (n+1), i.e. 2·(rank − mean) as an exact integer (ranks are
 * multiples of 1/2), from code counts; false when fewer than two codes occur.
 */
function centredDoubleRanks(counts: Int32Array, n: number, out: Int32Array): boolean {
  let before = 0;
  let used = 0;
  for (let c = 0; c < counts.length; c++) {
    const k = counts[c];
    // 2·(before + (k+1)/2) − (n+1)
    out[c] = 2 * before + k - n;
    before += k;
    if (k > 0) used++;
  }
  return used >= 2;
}

/** Spearman rho over the complete rows (pandas' re-ranking of each pair; scipy.stats.spearmanr p-value). */
export function spearmanPair(a: RankedColumn, b: RankedColumn): PairResult {
  // Re-rank over the complete rows: code counts there (from the full counts and the other
  // column's missing rows), prefix-summed into average ranks, then one pass over the rows.
  // The ranks and their mean (n+1)/2 are multiples of 1/2, so the pass sums the exact integers
  // 2·(rank − mean) and the sums are scaled by 1/4 at the end: powers of two change no rounding,
  // so the result is the same bit for bit as summing (rank − mean) products directly.
  const cx = countsX.get(a.k).subarray(0, a.k).fill(0);
  const cy = countsY.get(b.k).subarray(0, b.k).fill(0);
  const n = countsWhereBothPresent(a, b, cx);
  countsWhereBothPresent(b, a, cy);
  if (n < 2) return { r: null, n, pValue: null };
  const rx = cx; // reused in place: counts → centred double ranks
  const ry = cy;
  if (!centredDoubleRanks(cx, n, rx) || !centredDoubleRanks(cy, n, ry)) return { r: null, n, pValue: null };
  const sums = a.missing.length === 0 && b.missing.length === 0 ? rankSumsComplete(a.codes, b.codes, rx, ry) : rankSums(a.codes, b.codes, rx, ry);
  const sxx = sums[0] / 4;
  const syy = sums[1] / 4;
  const sxy = sums[2] / 4;
  const r = sxx === 0 || syy === 0 ? null : clamp(sxy / Math.sqrt(sxx * syy));
  return { r, n, pValue: r === null ? null : correlationPValue(r, n) };
}

const SUMS = new Float64Array(3);

/** Σdx², Σdy², Σdx·dy in row order over the rows where both codes are present (dx = rx[code]). */
function rankSums(ca: Int32Array, cb: Int32Array, rx: Int32Array, ry: Int32Array): Float64Array {
  const m = ca.length;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < m; i++) {
    const p = ca[i];
    const q = cb[i];
    if (p < 0 || q < 0) continue;
    const dx = rx[p];
    const dy = ry[q];
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  SUMS[0] = sxx;
  SUMS[1] = syy;
  SUMS[2] = sxy;
  return SUMS;
}

/** rankSums when no code is missing. */
function rankSumsComplete(ca: Int32Array, cb: Int32Array, rx: Int32Array, ry: Int32Array): Float64Array {
  const m = ca.length;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < m; i++) {
    const dx = rx[ca[i]];
    const dy = ry[cb[i]];
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  SUMS[0] = sxx;
  SUMS[1] = syy;
  SUMS[2] = sxy;
  return SUMS;
}

/** Σ over tie groups of size t of t(t−1)/2, t(t−1)(t−2) and t(t−1)(2t+5) (scipy's count_rank_tie). */
function tieStats(counts: Int32Array): [number, number, number] {
  let t0 = 0;
  let t1 = 0;
  let t2 = 0;
  for (let i = 0; i < counts.length; i++) {
    const t = counts[i];
    if (t > 1) {
      t0 += (t * (t - 1)) / 2;
      t1 += t * (t - 1) * (t - 2);
      t2 += t * (t - 1) * (2 * t + 5);
    }
  }
  return [t0, t1, t2];
}

/** Kendall tau-b over the complete rows, with scipy.stats.kendalltau's default (method='auto') p-value. */
export function kendallPair(a: RankedColumn, b: RankedColumn): PairResult {
  const { xs, ys, cx, cy, n } = completeCodes(a, b);
  if (n < 2) return { r: null, n, pValue: null };
  // Stable counting sorts: by y, then by x → ordered by (x, y).
  const byY = countingSortPositions(ys, cy, n, null);
  const order = countingSortPositions(xs, cx, n, byY);
  // Discordant pairs: pairs i<j (in (x,y) order) with y_i > y_j, x ties excluded because within an
  // x tie the ys ascend. Fenwick tree over y codes.
  const tree = new Int32Array(b.k + 1);
  let dis = 0;
  let ntie = 0;
  let run = 0;
  let px = -1;
  let py = -1;
  for (let i = 0; i < n; i++) {
    const pos = order[i];
    const x = xs[pos];
    const y = ys[pos];
    // count previous with y' ≤ y
    let le = 0;
    for (let j = y + 1; j > 0; j -= j & -j) le += tree[j];
    dis += i - le;
    for (let j = y + 1; j <= b.k; j += j & -j) tree[j]++;
    if (x === px && y === py) run++;
    else {
      ntie += (run * (run + 1)) / 2;
      run = 0;
      px = x;
      py = y;
    }
  }
  ntie += (run * (run + 1)) / 2;
  const [xtie, x0, x1] = tieStats(cx);
  const [ytie, y0, y1] = tieStats(cy);
  const tot = (n * (n - 1)) / 2;
  if (xtie === tot || ytie === tot) return { r: null, n, pValue: null };
  const conMinusDis = tot - xtie - ytie + ntie - 2 * dis;
  const tau = clamp(conMinusDis / Math.sqrt(tot - xtie) / Math.sqrt(tot - ytie));
  let pValue: number | null;
  if (xtie === 0 && ytie === 0 && (n <= 33 || Math.min(dis, tot - dis) <= 1)) {
    pValue = kendallExactP(n, tot - dis);
  } else {
    const m = n * (n - 1);
    const variance = (m * (2 * n + 5) - x1 - y1) / 18 + (2 * xtie * ytie) / m + (x0 * y0) / (9 * m * (n - 2));
    pValue = normalTwoSided(conMinusDis / Math.sqrt(variance));
  }
  return { r: tau, n, pValue };
}

/**
 * Positions 0..n-1 stably sorted by key[pos] (keys in 0..counts.length-1). With `input`, sorts
 * that sequence of positions instead of 0..n-1 (so two calls give a lexicographic sort).
 */
function countingSortPositions(key: Int32Array, counts: Int32Array, n: number, input: Int32Array | null): Int32Array {
  const start = new Int32Array(counts.length);
  for (let c = 1; c < counts.length; c++) start[c] = start[c - 1] + counts[c - 1];
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const pos = input ? input[i] : i;
    out[start[key[pos]]++] = pos;
  }
  return out;
}
