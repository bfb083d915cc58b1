// Null and distinct counts of a column (the dataset metadata), in one pass.
import type { Column } from './column.js';
import { countDistinct } from './stats/distinct.js';

export function nullAndDistinctCounts(col: Column): { nullCount: number; distinctCount: number } {
  if (col.type === 'string') {
    const seen = new Uint8Array(col.dict.length);
    let nulls = 0;
    let distinct = 0;
    for (let i = 0; i < col.codes.length; i++) {
      const c = col.codes[i];
      if (c < 0) nulls++;
      else if (seen[c] === 0) {
        seen[c] = 1;
        distinct++;
      }
    }
    return { nullCount: nulls, distinctCount: distinct };
  }
  const present = new Float64Array(col.values.length);
  let k = 0;
  for (let i = 0; i < col.values.length; i++) {
    const v = col.values[i];
    if (v === v) present[k++] = v;
  }
  return { nullCount: col.values.length - k, distinctCount: countDistinct(present, k) };
}
