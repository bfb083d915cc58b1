// Type-7 quantiles without a full sort: order statistics are placed by selection (simple-statistics'
// Floyd–Rivest `quickselect`), and the interpolation is numpy's lerp (quantile.ts), which differs
// from simple-statistics' own `quantileSorted` (`a + f·(b − a)` for every f) in the last bit when
// f ≥ 0.5 — the contract asks for numpy's digits, so only the selection is borrowed.
import { quickselect } from 'simple-statistics';

type Select = (arr: Float64Array, k: number, left: number, right: number) => void;
// simple-statistics types its arrays as number[]; at runtime it indexes any array-like.
const select = quickselect as unknown as Select;

function lerp(a: number, b: number, g: number): number {
  const diff = b - a;
  return g >= 0.5 ? b - diff * (1 - g) : a + diff * g;
}

/**
 * Type-7 quantiles of buf[0..n) for ascending probabilities `ps` (reorders buf in place; no NaN).
 * One selection per probability over the part right of the previous one, then a min-scan for the
 * upper neighbour: O(n) per quantile instead of an O(n log n) sort.
 */
export function quantilesInPlace(buf: Float64Array, n: number, ps: readonly number[]): (number | null)[] {
  if (n === 0) return ps.map(() => null);
  if (n >= BUCKET_SELECT_MIN) return quantilesByBuckets(buf, n, ps);
  let left = 0;
  const out: (number | null)[] = [];
  for (const p of ps) {
    const h = (n - 1) * p;
    const lo = Math.floor(h);
    const g = h - lo;
    // n > 1: simple-statistics reads right = 0 as "not given" and would select over the whole buffer.
    if ((lo > left || left === 0) && n > 1) select(buf, lo, left, n - 1);
    left = lo;
    const a = buf[lo];
    if (g === 0 || lo + 1 >= n) {
      out.push(a);
      continue;
    }
    // After selecting lo, every element right of it is ≥ buf[lo]; the next order statistic is their min.
    let b = Infinity;
    for (let i = lo + 1; i < n; i++) if (buf[i] < b) b = buf[i];
    out.push(lerp(a, b, g));
  }
  return out;
}

// ---------- large inputs: order statistics through a histogram of the top 16 key bits ----------

/** From this size on, quantiles go through bucketSelect (two linear passes, then selection in small buckets). */
const BUCKET_SELECT_MIN = 1 << 15;
const KEY_BUCKETS = 1 << 16;

/** Top 16 bits of the order-preserving key of a float whose high word is h (negatives: all bits flipped). */
function bucketOf(h: number): number {
  return (h >>> 16) ^ ((h >> 31) & 0x7fff) ^ 0x8000;
}

/**
 * The order statistics ks (ascending, distinct, each in [0, n)) of buf[0..n) (no NaN; buf is not
 * reordered). Pass 1 counts values per bucket of the top 16 bits of their order-preserving key
 * (sign, exponent, 4 mantissa bits), which places each k in one bucket; pass 2 copies only those
 * buckets out, and each k is selected inside its bucket. Equal values give equal keys, so ties
 * never span buckets; -0 sorts before 0 (they are equal as numbers).
 */
function bucketSelect(buf: Float64Array, n: number, ks: number[]): number[] {
  const hi = new Uint32Array(buf.buffer, buf.byteOffset, 2 * n);
  const counts = new Int32Array(KEY_BUCKETS);
  for (let i = 0; i < n; i++) counts[bucketOf(hi[2 * i + 1])]++;
  // Bucket and rank within it of each k (ks ascending: one walk over the buckets).
  const bucketOfK: number[] = [];
  const rankOfK: number[] = [];
  let before = 0;
  let b = 0;
  for (const k of ks) {
    while (before + counts[b] <= k) before += counts[b++];
    bucketOfK.push(b);
    rankOfK.push(k - before);
  }
  const slot = new Int8Array(KEY_BUCKETS).fill(-1);
  const parts: Float64Array[] = [];
  for (const bk of bucketOfK) {
    if (slot[bk] < 0) {
      slot[bk] = parts.length;
      parts.push(new Float64Array(counts[bk]));
    }
  }
  const fill = new Int32Array(parts.length);
  for (let i = 0; i < n; i++) {
    const s = slot[bucketOf(hi[2 * i + 1])];
    if (s >= 0) parts[s][fill[s]++] = buf[i];
  }
  // Within each bucket, ranks ascending: each selection only has to look right of the previous one.
  const left = new Int32Array(parts.length);
  return ks.map((_, j) => {
    const s = slot[bucketOfK[j]];
    const part = parts[s];
    const r = rankOfK[j];
    if (part.length > 1 && (r > left[s] || left[s] === 0)) select(part, r, left[s], part.length - 1);
    left[s] = r;
    return part[r];
  });
}

/** Type-7 quantiles of a large buf[0..n) from its order statistics (bucketSelect); same lerp as above. */
function quantilesByBuckets(buf: Float64Array, n: number, ps: readonly number[]): (number | null)[] {
  const needed = new Set<number>();
  for (const p of ps) {
    const h = (n - 1) * p;
    const lo = Math.floor(h);
    needed.add(lo);
    if (h - lo !== 0 && lo + 1 < n) needed.add(lo + 1);
  }
  const ks = [...needed].sort((a, b) => a - b);
  const stats = bucketSelect(buf, n, ks);
  const at = (k: number): number => stats[ks.indexOf(k)];
  return ps.map((p) => {
    const h = (n - 1) * p;
    const lo = Math.floor(h);
    const g = h - lo;
    const a = at(lo);
    return g === 0 || lo + 1 >= n ? a : lerp(a, at(lo + 1), g);
  });
}

/** Type-7 quantile of buf[0..n) (reorders buf). */
export function quantileInPlace(buf: Float64Array, n: number, p: number): number | null {
  return quantilesInPlace(buf, n, [p])[0];
}

/** Median of buf[0..n) (reorders buf). */
export function medianInPlace(buf: Float64Array, n: number): number | null {
  return quantilesInPlace(buf, n, [0.5])[0];
}
