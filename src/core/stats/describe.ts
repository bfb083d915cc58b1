// Descriptive statistics of one numeric column over the selected rows, in the contract's (pandas')
// conventions: count, sum, mean, sample std/variance (n−1), type-7 quartiles, G1/G2, zeros.
// Pass 1 compacts the present values and takes the sum, min, max and zeros; pass 2 the moments
// (moments.ts); quartiles by selection (select.ts) instead of a sort; distinct values by hash.
import { compactPresent } from '../column.js';
import { overItems, type RowKernel } from '../parallel/split-rows.js';
import { Scratch } from '../scratch.js';
import { countDistinct } from './distinct.js';
import { moments, neumaierSum } from './moments.js';
import { quantilesInPlace } from './select.js';

export interface NumericDescription {
  count: number;
  missing: number;
  distinct: number;
  mean: number | null;
  std: number | null;
  variance: number | null;
  min: number | null;
  q25: number | null;
  median: number | null;
  q75: number | null;
  max: number | null;
  sum: number;
  skewness: number | null;
  kurtosis: number | null;
  zeros: number;
}

/** The present values of the column being described: the columns of a summary share one array. */
const present = new Scratch((n) => new Float64Array(n));

/** `knownDistinct` skips the distinct pass (the dataset's ingest metadata, valid for all rows). */
export function describeNumeric(values: Float64Array, rows: Int32Array | null, knownDistinct?: number): NumericDescription {
  const total = rows ? rows.length : values.length;
  const buf = present.get(total);
  const n = compactPresent(values, rows, buf);
  let min = Infinity;
  let max = -Infinity;
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    const v = buf[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (v === 0) zeros++;
  }
  const sum = neumaierSum(buf, n);
  const mo = moments(buf, n, sum, n > 0 && min === max);
  const distinct = knownDistinct ?? countDistinct(buf, n);
  const [q25, median, q75] = quantilesInPlace(buf, n, [0.25, 0.5, 0.75]);
  return {
    count: n,
    missing: total - n,
    distinct,
    mean: mo.mean,
    std: mo.std,
    variance: mo.variance,
    min: n ? min : null,
    q25,
    median,
    q75,
    max: n ? max : null,
    sum: sum === 0 ? 0 : sum,
    skewness: mo.skewness,
    kurtosis: mo.kurtosis,
    zeros,
  };
}

/** The fields of a NumericDescription in the order describeColumnsKernel sends them (null as NaN). */
const FIELDS = ['count', 'missing', 'distinct', 'mean', 'std', 'variance', 'min', 'q25', 'median', 'q75', 'max', 'sum', 'skewness', 'kurtosis', 'zeros'] as const;

/** describeNumeric of whole columns [start, end), each as FIELDS.length numbers. `known`: distinct counts, NaN when unknown. */
export const describeColumnsKernel: RowKernel<{ columns: Float64Array[]; known: number[] }> = {
  name: 'describeColumns',
  run({ columns, known }, start, end) {
    const out: number[] = [];
    for (let c = start; c < end; c++) {
      const d = describeNumeric(columns[c], null, Number.isNaN(known[c]) ? undefined : known[c]);
      for (const f of FIELDS) out.push(d[f] ?? NaN);
    }
    return out;
  },
};

/** describeNumeric of each whole column, the columns shared between the two threads (see split-rows.ts). */
export function describeColumns(columns: Float64Array[], known: (number | undefined)[]): NumericDescription[] {
  const parts = overItems(describeColumnsKernel, { columns, known: known.map((k) => k ?? NaN) }, columns.length);
  const flat = parts.flat();
  return columns.map((_, c) => {
    const d = {} as Record<(typeof FIELDS)[number], number | null>;
    FIELDS.forEach((f, i) => {
      const v = flat[c * FIELDS.length + i];
      d[f] = v === v ? v : null;
    });
    return d as unknown as NumericDescription;
  });
}
