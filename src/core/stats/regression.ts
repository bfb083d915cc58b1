// Ordinary least squares of y on x over the rows where both are present, as scipy.stats.linregress
// (scipy 1.10): population (bias=1) centred sums, r clipped to [−1, 1], t = r·√(df/((1−r+ε)(1+r+ε)))
// with ε = 1e-20, two-sided p from Student's t, slope stderr √((1−r²)·ssym/ssxm/df).
import { tTwoSided } from './pvalues.js';

export interface Regression {
  n: number;
  slope: number | null;
  intercept: number | null;
  r: number | null;
  r2: number | null;
  pValue: number | null;
  stderr: number | null;
  interceptStderr: number | null;
}

const TINY = 1e-20;

export function linearRegression(x: Float64Array, y: Float64Array): Regression {
  const m = x.length;
  let n = 0;
  let sx = 0;
  let sy = 0;
  let x0 = NaN;
  let xConst = true;
  for (let i = 0; i < m; i++) {
    const a = x[i];
    const b = y[i];
    if (a !== a || b !== b) continue;
    if (n === 0) x0 = a;
    else if (a !== x0) xConst = false;
    n++;
    sx += a;
    sy += b;
  }
  const none: Regression = { n, slope: null, intercept: null, r: null, r2: null, pValue: null, stderr: null, interceptStderr: null };
  // scipy raises for fewer than 2 points or a constant x: no line is defined.
  if (n < 2 || xConst) return none;
  const xmean = sx / n;
  const ymean = sy / n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  let y0 = NaN;
  let y1 = NaN;
  for (let i = 0; i < m; i++) {
    const a = x[i];
    const b = y[i];
    if (a !== a || b !== b) continue;
    if (y0 !== y0) y0 = b;
    else if (y1 !== y1) y1 = b;
    const dx = a - xmean;
    const dy = b - ymean;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const ssxm = sxx / n;
  const ssym = syy / n;
  const ssxym = sxy / n;
  let r = ssym === 0 ? 0 : ssxym / Math.sqrt(ssxm * ssym);
  if (r > 1) r = 1;
  else if (r < -1) r = -1;
  const slope = ssxym / ssxm;
  const intercept = ymean - slope * xmean;
  let pValue: number | null;
  let stderr: number;
  let interceptStderr: number;
  if (n === 2) {
    pValue = y0 === y1 ? 1 : 0;
    stderr = 0;
    interceptStderr = 0;
  } else {
    const df = n - 2;
    const t = r * Math.sqrt(df / ((1 - r + TINY) * (1 + r + TINY)));
    pValue = tTwoSided(t, df);
    stderr = Math.sqrt(((1 - r * r) * ssym) / ssxm / df);
    interceptStderr = stderr * Math.sqrt(ssxm + xmean * xmean);
  }
  return { n, slope, intercept, r, r2: r * r, pValue, stderr, interceptStderr };
}
