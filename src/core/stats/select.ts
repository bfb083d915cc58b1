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

/** Type-7 quantile of buf[0..n) (reorders buf). */
export function quantileInPlace(buf: Float64Array, n: number, p: number): number | null {
  return quantilesInPlace(buf, n, [p])[0];
}

/** Median of buf[0..n) (reorders buf). */
export function medianInPlace(buf: Float64Array, n: number): number | null {
  return quantilesInPlace(buf, n, [0.5])[0];
}
