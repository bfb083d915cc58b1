// Two-sided p-values the way scipy 1.10 computes them (the contract: "as scipy's pearsonr, spearmanr,
// kendalltau and linregress"). Distribution functions come from @stdlib (t and normal CDFs).
import tcdf from '@stdlib/stats-base-dists-t-cdf';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';

/** 2·P(T > |t|) for Student's t with `df` degrees of freedom; null when undefined (NaN t, df ≤ 0). */
export function tTwoSided(t: number, df: number): number | null {
  if (t !== t || !(df > 0)) return null;
  const p = 2 * tcdf(-Math.abs(t), df);
  return p === p ? Math.min(1, p) : null;
}

/** 2·P(Z > |z|) for a standard normal Z. */
export function normalTwoSided(z: number): number | null {
  if (z !== z) return null;
  return Math.min(1, 2 * normalCdf(-Math.abs(z), 0, 1));
}

/**
 * p-value of a correlation coefficient r over n pairs under the t test with n − 2 degrees of freedom:
 * t = r·√(df / ((1 − r)(1 + r))). This is spearmanr's formula, and pearsonr's beta-distribution
 * p-value (2·sf(|r|) of Beta(n/2 − 1, n/2 − 1) on [−1, 1]) is the same quantity. (1 − r)(1 + r)
 * rather than 1 − r² keeps precision when |r| is close to 1.
 */
export function correlationPValue(r: number, n: number): number | null {
  const df = n - 2;
  if (r !== r || df <= 0) return null;
  const denom = (1 - r) * (1 + r);
  if (denom <= 0) return 0;
  return tTwoSided(r * Math.sqrt(df / denom), df);
}

const factorials: number[] = [1];
function factorial(n: number): number {
  for (let i = factorials.length; i <= n; i++) factorials[i] = factorials[i - 1] * i;
  return factorials[n];
}

/**
 * Exact two-sided p-value of Kendall's tau without ties: n values, c concordant pairs
 * (scipy.stats._mstats_basic._kendall_p_exact, Kendall 1970): the count of permutations with at
 * most c inversions, by the recurrence over n, doubled. Used by scipy's method='auto' when there
 * are no ties and n ≤ 33 (or c within 1 of an end).
 */
export function kendallExactP(n: number, cIn: number): number {
  const tot = (n * (n - 1)) / 2;
  const c = Math.min(cIn, tot - cIn);
  let prob: number;
  if (n <= 2) prob = 1;
  else if (c === 0) prob = n < 171 ? 2 / factorial(n) : 0;
  else if (c === 1) prob = n < 172 ? 2 / factorial(n - 1) : 0;
  else if (4 * c === n * (n - 1)) prob = 1;
  else {
    // new[k] = permutations of j items with exactly k inversions, for k ≤ c.
    let cur = new Float64Array(c + 1);
    cur[0] = 1;
    cur[1] = 1;
    const big = n >= 171; // scale by 1/j each step so nothing overflows (scipy does the same)
    for (let j = 3; j <= n; j++) {
      const next = new Float64Array(c + 1);
      let acc = 0;
      for (let k = 0; k <= c; k++) {
        acc += cur[k];
        next[k] = big ? acc / j : acc;
      }
      if (j <= c) {
        const snapshot = next.slice();
        for (let k = j; k <= c; k++) next[k] -= snapshot[k - j];
      }
      cur = next;
    }
    let sum = 0;
    for (let k = 0; k <= c; k++) sum += cur[k];
    prob = big ? sum : (2 * sum) / factorial(n);
  }
  return Math.min(1, Math.max(0, prob));
}
