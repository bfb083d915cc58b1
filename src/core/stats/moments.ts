// Sums and moments of numeric values, with the pandas/scipy conventions the contract names:
// sample variance (n-1), adjusted Fisher–Pearson skewness G1 and adjusted excess kurtosis G2.
//
// simple-statistics computes the same G1/G2 (`sampleSkewness` = n·Σd³/((n−1)(n−2)s³) and
// `sampleKurtosis`, both ≡ pandas' formulas), but each call makes its own passes over the data;
// here the mean, m2, m3 and m4 come from one fused second pass over an already compact copy.

/** Neumaier-compensated sum of v[0..n): exact to the last bit for ordinary data. */
export function neumaierSum(v: Float64Array, n = v.length): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i];
    const t = s + x;
    if (Math.abs(s) >= Math.abs(x)) c += s - t + x;
    else c += x - t + s;
    s = t;
  }
  return s + c;
}

export function mean(v: Float64Array, n = v.length): number | null {
  return n === 0 ? null : neumaierSum(v, n) / n;
}

/** Variance of v[0..n) with `ddof` (1 sample, 0 population), two-pass like numpy; null if n ≤ ddof. */
export function variance(v: Float64Array, n: number, ddof: 0 | 1): number | null {
  if (n <= ddof) return null;
  const m = neumaierSum(v, n) / n;
  let ss = 0;
  let allEqual = true;
  const first = v[0];
  for (let i = 0; i < n; i++) {
    const d = v[i] - m;
    ss += d * d;
    if (v[i] !== first) allEqual = false;
  }
  // A constant group has variance exactly 0 (the rounded mean can differ from the value by an ulp).
  return allEqual ? 0 : ss / (n - ddof);
}

export interface Moments {
  n: number;
  mean: number | null;
  variance: number | null;
  std: number | null;
  skewness: number | null;
  kurtosis: number | null;
}

/**
 * Mean, sample variance/std, G1 and G2 of v[0..n). Undefined statistics are null, never NaN:
 * variance needs n ≥ 2, skewness n ≥ 3, kurtosis n ≥ 4, and a constant column (min = max) has
 * variance 0 and null skewness/kurtosis (0/0). pandas returns 0 there (it zeroes m2 < 1e-14);
 * scipy returns NaN; the contract says "null where a statistic is undefined".
 */
export function moments(v: Float64Array, n: number, sum: number, constant: boolean): Moments {
  if (n === 0) return { n, mean: null, variance: null, std: null, skewness: null, kurtosis: null };
  const mu = sum / n;
  if (constant) {
    return { n, mean: v[0], variance: n >= 2 ? 0 : null, std: n >= 2 ? 0 : null, skewness: null, kurtosis: null };
  }
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = v[i] - mu;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  const variance = n >= 2 ? m2 / (n - 1) : null;
  // pandas nanskew: n·√(n−1)/(n−2) · m3/m2^1.5 (sums, not means).
  const skewness = n >= 3 ? ((n * Math.sqrt(n - 1)) / (n - 2)) * (m3 / Math.pow(m2, 1.5)) : null;
  // pandas nankurt: n(n+1)(n−1)·m4 / ((n−2)(n−3)·m2²) − 3(n−1)²/((n−2)(n−3)).
  let kurtosis: number | null = null;
  if (n >= 4) {
    const adj = (3 * (n - 1) ** 2) / ((n - 2) * (n - 3));
    kurtosis = (n * (n + 1) * (n - 1) * m4) / ((n - 2) * (n - 3) * m2 * m2) - adj;
  }
  return { n, mean: mu, variance, std: variance === null ? null : Math.sqrt(variance), skewness, kurtosis };
}
