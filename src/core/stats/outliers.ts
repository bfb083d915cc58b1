// Outlier fences (API.md analysis/outliers), shared by analysis and box charts:
//   iqr    q25 − k·IQR, q75 + k·IQR          (type-7 quartiles)
//   zscore mean ± k·std                      (sample std, n−1)
//   mad    median ± k·c·MAD, c = 1/Φ⁻¹(0.75) (scipy median_abs_deviation(scale='normal')); no fences when MAD = 0
// Outliers are the values strictly outside the fences.
import { moments, neumaierSum } from './moments.js';
import { medianInPlace, quantilesInPlace } from './select.js';

export const OUTLIER_METHODS = ['iqr', 'zscore', 'mad'] as const;
export type OutlierMethod = (typeof OUTLIER_METHODS)[number];

export const DEFAULT_OUTLIER_THRESHOLD: Record<OutlierMethod, number> = { iqr: 1.5, zscore: 3, mad: 3.5 };

/** 1/Φ⁻¹(0.75): makes the MAD a consistent estimator of the std for normal data. */
export const MAD_NORMAL_SCALE = 1.482602218505602;

export interface Fences {
  lower: number;
  upper: number;
}

/**
 * Fences for the present values buf[0..n) (reorders buf). null when undefined: no values, fewer
 * than 2 for zscore (no sample std), or MAD = 0 for mad.
 */
export function outlierFences(buf: Float64Array, n: number, method: OutlierMethod, k: number): Fences | null {
  if (n === 0) return null;
  switch (method) {
    case 'iqr': {
      const [q1, q3] = quantilesInPlace(buf, n, [0.25, 0.75]) as number[];
      const iqr = q3 - q1;
      return { lower: q1 - k * iqr, upper: q3 + k * iqr };
    }
    case 'zscore': {
      let min = buf[0];
      let max = buf[0];
      for (let i = 1; i < n; i++) {
        if (buf[i] < min) min = buf[i];
        if (buf[i] > max) max = buf[i];
      }
      const mo = moments(buf, n, neumaierSum(buf, n), min === max);
      if (mo.std === null || mo.mean === null) return null;
      return { lower: mo.mean - k * mo.std, upper: mo.mean + k * mo.std };
    }
    case 'mad': {
      const med = medianInPlace(buf, n) as number;
      const dev = new Float64Array(n);
      for (let i = 0; i < n; i++) dev[i] = Math.abs(buf[i] - med);
      const mad = medianInPlace(dev, n) as number;
      if (mad === 0) return null;
      const spread = k * MAD_NORMAL_SCALE * mad;
      return { lower: med - spread, upper: med + spread };
    }
  }
}

export const isOutside = (f: Fences, v: number): boolean => v < f.lower || v > f.upper;
