// Histogram counts against the definition numpy.histogram uses: v is in bin j when
// edges[j] <= v < edges[j+1] (the last bin also takes the last edge). Values sit on, just below
// and just above the edges, where a quick estimate of the bin would go wrong.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { binColumn, columnRange, equalWidthEdges, histogramCounts, valueRange } from '../../src/core/binning.js';
import { sharedFloat64 } from '../../src/core/parallel/shared-arrays.js';

function bruteCounts(values: Float64Array, edges: Float64Array): number[] {
  const count = edges.length - 1;
  const out = new Array<number>(count).fill(0);
  for (const v of values) {
    if (!(v >= edges[0] && v <= edges[count])) continue;
    let j = 0;
    while (j < count - 1 && v >= edges[j + 1]) j++;
    out[j]++;
  }
  return out;
}

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
/** The double `steps` ulps away from x (x finite and not 0). */
function ulps(x: number, steps: number): number {
  f64[0] = x;
  i64[0] += BigInt(x > 0 ? steps : -steps);
  return f64[0];
}

const valuesArb = fc.oneof(
  fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
  fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 200 }),
  fc.array(fc.double({ min: 0.1, max: 0.3, noNaN: true }), { minLength: 1, maxLength: 200 }),
);

describe('histogram counts', () => {
  test('equal the edge-by-edge definition, for values on and next to every edge', () => {
    fc.assert(
      fc.property(valuesArb, fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), (base, bins, nanShare) => {
        const range = valueRange(Float64Array.from(base), null)!;
        let edges: Float64Array;
        try {
          edges = equalWidthEdges(range.min, range.max, bins).edges;
        } catch {
          return; // too close together for this many bins (a 400, tested elsewhere)
        }
        // The edges themselves and their neighbours (inside the range), plus some missing values.
        const extra: number[] = [];
        for (const e of edges) for (const d of [-2, -1, 1, 2]) if (e !== 0) extra.push(ulps(e, d));
        const all = Float64Array.from([...base, ...edges, ...extra.filter((x) => x >= range.min && x <= range.max)]);
        for (let i = 0; i < all.length; i++) if ((i * 7919) % 101 < nanShare * 20) all[i] = NaN;
        const b = { edges, count: bins };
        expect(Array.from(histogramCounts(all, null, b))).toEqual(bruteCounts(all, edges));
        // chart-data's per-row bins agree with the counts.
        const binned = binColumn(all, null, bins);
        if (binned) {
          const fromIndex = new Array<number>(binned.bins.count).fill(0);
          for (const j of binned.index) if (j >= 0) fromIndex[j]++;
          expect(fromIndex).toEqual(bruteCounts(all, binned.bins.edges));
        }
      }),
      { numRuns: 400 },
    );
  });

  test.each([
    ['very large values', [-5e307, -1e300, 0, 5e307, 1e308], 7],
    ['the smallest doubles (the scale overflows)', [0, 5e-324, 1e-323, 1.5e-323, 2e-323], 2],
  ])('%s are counted exactly too', (_label, list, bins) => {
    const values = Float64Array.from(list);
    const range = valueRange(values, null)!;
    const { edges } = equalWidthEdges(range.min, range.max, bins);
    expect(Array.from(histogramCounts(values, null, { edges, count: bins }))).toEqual(bruteCounts(values, edges));
  });
});

describe('columnRange', () => {
  test('a plain array is measured each time; a column read from the database (shared) is measured once', () => {
    const plain = Float64Array.from([3, NaN, -2, 8]);
    expect(columnRange(plain)).toEqual({ min: -2, max: 8, present: 3 });
    plain[0] = 100; // scratch arrays change: their range must not be kept
    expect(columnRange(plain)).toEqual({ min: -2, max: 100, present: 3 });
    const shared = sharedFloat64(4);
    shared.set([3, NaN, -2, 8]);
    const first = columnRange(shared);
    expect(first).toEqual({ min: -2, max: 8, present: 3 });
    expect(columnRange(shared)).toBe(first);
  });
});
