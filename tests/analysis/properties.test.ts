// Property tests (fast-check): invariants that must hold for any data, not just the fixtures.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { Column, Table } from '../../src/core/column.js';
import type { AppError } from '../../src/errors.js';
import { applyFilters } from '../../src/core/filter-ops.js';
import type { Filter } from '../../src/core/filter.types.js';
import { quantilesInPlace } from '../../src/core/stats/select.js';
import { argsortFloat } from '../../src/core/stats/radix.js';
import { pearsonMatrix, pearsonPair } from '../../src/core/stats/correlation.js';
import { correlations, groupby, histogram, outliers, summary, valueCounts } from '../../src/modules/analysis/analysis.service.js';

const cellArb = fc.option(fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { nil: null, freq: 5 });
const columnArb = (len: number) => fc.array(cellArb, { minLength: len, maxLength: len });

/** A table of 3 numeric columns (gaps included), a small-alphabet string column and a boolean one. */
const tableArb = fc.integer({ min: 0, max: 40 }).chain((n) =>
  fc.tuple(columnArb(n), columnArb(n), columnArb(n), fc.array(fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: null }), { minLength: n, maxLength: n }), fc.array(fc.option(fc.boolean(), { nil: null }), { minLength: n, maxLength: n })).map(([a, b, c, s, t]): Table => {
    const num = (name: string, v: (number | null)[]): Column => ({ name, type: 'number', values: Float64Array.from(v, (x) => (x === null ? NaN : x)) });
    const dict: string[] = [];
    const codes = Int32Array.from(s, (x) => {
      if (x === null) return -1;
      if (!dict.includes(x)) dict.push(x);
      return dict.indexOf(x);
    });
    return {
      rowCount: n,
      columns: [num('a', a), num('b', b), num('c', c), { name: 's', type: 'string', codes, dict }, { name: 't', type: 'boolean', values: Float64Array.from(t, (x) => (x === null ? NaN : x ? 1 : 0)) }],
    };
  }),
);

/** The table restricted to the given rows (what a table built from only those rows would be). */
function subTable(table: Table, rows: Int32Array): Table {
  return {
    rowCount: rows.length,
    columns: table.columns.map((c) => (c.type === 'string' ? { ...c, codes: Int32Array.from(rows, (r) => c.codes[r]) } : { ...c, values: Float64Array.from(rows, (r) => c.values[r]) })),
  };
}

const filterArb: fc.Arbitrary<Filter[]> = fc.array(
  fc.oneof(
    fc.record({ column: fc.constantFrom('a', 'b'), op: fc.constantFrom('gt' as const, 'lte' as const), value: fc.integer({ min: -20, max: 20 }).map(String) }),
    fc.record({ column: fc.constant('s'), op: fc.constantFrom('eq' as const, 'ne' as const), value: fc.constantFrom('a', 'b') }),
    fc.record({ column: fc.constantFrom('a', 's', 't'), op: fc.constantFrom('isNull' as const, 'notNull' as const) }),
  ),
  { maxLength: 2 },
);

describe('analysis invariants', () => {
  test('quantiles are monotone in p and lie within [min, max]', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 200 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 }), (xs, ps) => {
        const sorted = [...ps].sort((x, y) => x - y);
        const q = quantilesInPlace(Float64Array.from(xs), xs.length, sorted) as number[];
        const min = Math.min(...xs);
        const max = Math.max(...xs);
        for (let i = 0; i < q.length; i++) {
          expect(q[i]).toBeGreaterThanOrEqual(min);
          expect(q[i]).toBeLessThanOrEqual(max);
          if (i > 0) expect(q[i]).toBeGreaterThanOrEqual(q[i - 1]);
        }
      }),
    );
  });

  test('summary quartiles are ordered min ≤ q25 ≤ median ≤ q75 ≤ max', () => {
    fc.assert(
      fc.property(tableArb, (table) => {
        for (const c of summary(table, null, {}).columns) {
          if (c.type !== 'number' || c.count === 0) continue;
          const seq = [c.min, c.q25, c.median, c.q75, c.max] as number[];
          for (let i = 1; i < seq.length; i++) expect(seq[i]).toBeGreaterThanOrEqual(seq[i - 1]);
        }
      }),
    );
  });

  test.each(['pearson', 'spearman', 'kendall'] as const)('%s correlations are in [-1, 1], symmetric, with p in [0, 1]', (method) => {
    fc.assert(
      fc.property(tableArb, (table) => {
        const res = correlations(table, null, { method });
        const k = res.columns.length;
        for (let i = 0; i < k; i++) {
          for (let j = 0; j < k; j++) {
            const r = res.matrix[i][j];
            expect(r).toBe(res.matrix[j][i]);
            if (r !== null) {
              expect(r).toBeGreaterThanOrEqual(-1);
              expect(r).toBeLessThanOrEqual(1);
            }
          }
        }
        for (const p of res.pairs) if (p.pValue !== null) expect(p.pValue >= 0 && p.pValue <= 1).toBe(true);
      }),
    );
  });

  test('the blocked pearson matrix agrees with the exact pairwise computation', () => {
    // Up to 3 row blocks (4096 rows each), data from a seeded generator: offsets, gaps, ties.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 13000 }), fc.integer({ min: 1, max: 2 ** 30 }), fc.double({ min: -1e4, max: 1e4, noNaN: true }), (n, seed, shift) => {
        let st = seed;
        const rnd = () => ((st = (Math.imul(st, 48271) + 11) >>> 0) / 2 ** 32);
        const x = Float64Array.from({ length: n }, () => (rnd() < 0.1 ? NaN : Math.round(rnd() * 50) + 1e3));
        const y = Float64Array.from(x, (v) => (rnd() < 0.1 ? NaN : v * 0.5 + rnd() * 20 - 7));
        const [fast] = pearsonMatrix([x, y], [shift, -shift]);
        const exact = pearsonPair(x, y);
        expect(fast.n).toBe(exact.n);
        if (exact.r === null) expect(fast.r).toBeNull();
        else expect(Math.abs((fast.r as number) - exact.r)).toBeLessThan(1e-10);
      }),
      { numRuns: 60 },
    );
  });

  test('the blocked pearson matrix gives the exact answer when its sums overflow', () => {
    // Squares of 1e200 overflow to Infinity: the blocked sums are not usable, the exact pass decides.
    const x = Float64Array.from({ length: 9000 }, (_, i) => (i % 17 === 0 ? NaN : (i % 5) * 1e200));
    const y = Float64Array.from({ length: 9000 }, (_, i) => (i % 13 === 0 ? NaN : i % 7));
    const z = Float64Array.from({ length: 9000 }, (_, i) => (i % 11 === 0 ? NaN : (i % 7) * 2 + (i % 3)));
    const [xy, xz, yz] = pearsonMatrix([x, y, z], [0, 3, 6]);
    expect(xy).toEqual(pearsonPair(x, y));
    expect(xz).toEqual(pearsonPair(x, z));
    expect(yz.n).toBe(pearsonPair(y, z).n);
    expect(Math.abs((yz.r as number) - (pearsonPair(y, z).r as number))).toBeLessThan(1e-12);
  });

  test('histogram counts sum to the number of non-missing values', () => {
    fc.assert(
      fc.property(tableArb, fc.integer({ min: 1, max: 30 }), (table, bins) => {
        let h: ReturnType<typeof histogram>;
        try {
          h = histogram(table, null, { column: 'a', bins });
        } catch (err) {
          // Only a range too narrow for `bins` distinct edges (e.g. [0, 5e-324]) may refuse, naming bins.
          expect((err as AppError).details).toEqual({ fields: [{ path: 'bins', message: expect.stringContaining('too close') }] });
          const a = table.columns.find((c) => c.name === 'a') as Extract<Column, { values: Float64Array }>;
          const present = a.values.filter((v) => !Number.isNaN(v));
          const lo = Math.min(...present);
          const hi = Math.max(...present);
          const edges = [...Array.from({ length: bins }, (_, i) => i * ((hi - lo) / bins) + lo), hi];
          expect(edges.some((e, i) => i > 0 && !(e > edges[i - 1]))).toBe(true);
          return;
        }
        const present = summary(table, null, { columns: ['a'] }).columns[0].count;
        expect(h.counts.reduce((x, y) => x + y, 0)).toBe(present);
        expect(h.edges).toHaveLength(bins + 1);
        for (let i = 1; i < h.edges.length; i++) expect(h.edges[i]).toBeGreaterThan(h.edges[i - 1]);
      }),
    );
  });

  test('filters commute: analysing the selected rows equals analysing a table of only those rows', () => {
    fc.assert(
      fc.property(tableArb, filterArb, (table, filters) => {
        const rows = applyFilters(table, filters) ?? Int32Array.from({ length: table.rowCount }, (_, i) => i);
        const sub = subTable(table, rows);
        expect(summary(table, rows, {})).toEqual(summary(sub, null, {}));
        for (const method of ['pearson', 'spearman', 'kendall'] as const) {
          expect(correlations(table, rows, { method })).toEqual(correlations(sub, null, { method }));
        }
        // A range too narrow for 5 bins (tiny subnormal values) is a 400 on both sides.
        const outcome = (f: () => unknown) => {
          try {
            return f();
          } catch (err) {
            return { error: (err as Error).message };
          }
        };
        expect(outcome(() => histogram(table, rows, { column: 'b', bins: 5 }))).toEqual(outcome(() => histogram(sub, null, { column: 'b', bins: 5 })));
        expect(valueCounts(table, rows, { column: 's', limit: 10 })).toEqual(valueCounts(sub, null, { column: 's', limit: 10 }));
        expect(groupby(table, rows, { by: ['s'], metrics: ['count', 'mean:a', 'median:b'] })).toEqual(groupby(sub, null, { by: ['s'], metrics: ['count', 'mean:a', 'median:b'] }));
        // Outliers report dataset row indexes: map the sub-table's back through the selection.
        const o = outliers(table, rows, { column: 'a', method: 'iqr', limit: 100 });
        const os = outliers(sub, null, { column: 'a', method: 'iqr', limit: 100 });
        expect(o).toEqual({ ...os, rows: os.rows.map((r) => ({ ...r, rowIndex: rows[r.rowIndex] })) });
      }),
    );
  });

  test('value counts: percents sum to 100 and counts to the non-missing total', () => {
    fc.assert(
      fc.property(tableArb, (table) => {
        const v = valueCounts(table, null, { column: 's', limit: 100 });
        expect(v.data.reduce((x, d) => x + d.count, 0)).toBe(v.total);
        if (v.total) expect(Math.abs(v.data.reduce((x, d) => x + d.percent, 0) - 100)).toBeLessThan(1e-9);
        for (let i = 1; i < v.data.length; i++) expect(v.data[i].count).toBeLessThanOrEqual(v.data[i - 1].count);
      }),
    );
  });

  test('the radix argsort orders like a stable comparison sort', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(0, -0, 1, -1, Infinity, -Infinity)), { maxLength: 300 }), (xs) => {
        const order = Array.from(argsortFloat(Float64Array.from(xs)));
        const expected = xs.map((_, i) => i).sort((i, j) => xs[i] - xs[j] || (xs[i] === xs[j] ? i - j : 0) || i - j);
        expect(order.map((i) => xs[i])).toEqual(expected.map((i) => xs[i]));
      }),
    );
  });

  /** The histogram, or null when it refuses because the values are too close for `bins` edges (tested above). */
  function histogramOrRefusal(table: Table, column: string, bins: number): ReturnType<typeof histogram> | null {
    try {
      return histogram(table, null, { column, bins });
    } catch (err) {
      const fields = (err as AppError).details?.fields as { path: string }[] | undefined;
      if (fields?.[0]?.path === 'bins') return null;
      throw err;
    }
  }

  test('no output carries NaN or Infinity', () => {
    fc.assert(
      fc.property(tableArb, (table) => {
        const all = [summary(table, null, {}), correlations(table, null, { method: 'spearman' }), histogramOrRefusal(table, 'c', 4), outliers(table, null, { column: 'c', method: 'mad', limit: 5 })];
        JSON.stringify(all, (_k, v) => {
          if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
          return v;
        });
      }),
    );
  });
});
