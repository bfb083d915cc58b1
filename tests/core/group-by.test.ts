import { describe, expect, test } from '@jest/globals';
import type { Table } from '../../src/core/column.js';
import { aggregateGroups, compareCodePoints, groupRecords, groupRows } from '../../src/core/group-by.js';
import { METRIC_OPS, METRICS, metricField, parseMetric, type MetricSpec } from '../../src/core/metrics.js';

const N = NaN;
const table: Table = {
  rowCount: 8,
  columns: [
    { name: 'region', type: 'string', codes: Int32Array.from([0, 1, 0, -1, 2, 1, 0, 2]), dict: ['west', 'east', 'Zeta'] },
    { name: 'units', type: 'integer', values: Float64Array.from([3, 5, N, 2, 7, 5, 1, -4]) },
    { name: 'day', type: 'date', values: Float64Array.from(['2024-01-31', '2024-02-01', '2024-01-02', '2024-03-09', N, '2024-02-29', '2024-01-01', '2024-03-31'].map((s) => (typeof s === 'string' ? Date.parse(s) : s))) },
    { name: 'ok', type: 'boolean', values: Float64Array.from([1, 0, 1, 1, N, 0, 0, 1]) },
  ],
};

const run = (by: { column: string; unit?: 'month' }[], metrics: MetricSpec[], rows: Int32Array | null = null) => {
  const g = groupRows(table, rows, by);
  return groupRecords(g, metrics, aggregateGroups(table, g, metrics));
};

describe('groupRows + aggregateGroups', () => {
  test('when grouping by a string, then groups are sorted by code point with the null group last', () => {
    const out = run([{ column: 'region' }], [{ op: 'count' }, { op: 'sum', column: 'units' }, { op: 'mean', column: 'units' }, { op: 'count', column: 'units' }]);
    expect(out).toEqual([
      { region: 'Zeta', count: 2, sum_units: 3, mean_units: 1.5, count_units: 2 },
      { region: 'east', count: 2, sum_units: 10, mean_units: 5, count_units: 2 },
      { region: 'west', count: 3, sum_units: 4, mean_units: 2, count_units: 2 },
      { region: null, count: 1, sum_units: 2, mean_units: 2, count_units: 1 },
    ]);
  });
  test('when grouping by date:month and a boolean, then keys are bucket dates and booleans', () => {
    const out = run([{ column: 'day', unit: 'month' }, { column: 'ok' }], [{ op: 'count' }, { op: 'first', column: 'region' }, { op: 'max', column: 'day' }]);
    expect(out).toEqual([
      { day: '2024-01-01', ok: false, count: 1, first_region: 'west', max_day: '2024-01-01' },
      { day: '2024-01-01', ok: true, count: 2, first_region: 'west', max_day: '2024-01-31' },
      { day: '2024-02-01', ok: false, count: 2, first_region: 'east', max_day: '2024-02-29' },
      { day: '2024-03-01', ok: true, count: 2, first_region: 'Zeta', max_day: '2024-03-31' },
      { day: null, ok: null, count: 1, first_region: 'Zeta', max_day: null },
    ]);
  });
  test('when a metric has no values, then it is null except counts and sum', () => {
    const metrics = METRIC_OPS.filter((op) => op !== 'count').map((op) => ({ op, column: 'units' }) as MetricSpec);
    const out = run([{ column: 'region' }], metrics, Int32Array.from([2]));
    expect(out).toHaveLength(1);
    const rec = out[0];
    for (const m of metrics) {
      const expected = ['missing'].includes(m.op) ? 1 : ['distinct', 'sum'].includes(m.op) ? 0 : null;
      expect([metricField(m), rec[metricField(m)]]).toEqual([metricField(m), expected]);
    }
  });
  test('when every op runs on one group, then it matches hand-computed values', () => {
    const metrics = METRIC_OPS.map((op) => (op === 'count' ? { op } : { op, column: 'units' }) as MetricSpec);
    const [rec] = run([{ column: 'ok' }], metrics, Int32Array.from([0, 1, 2, 3, 5, 7])); // ok: t f t t f t
    expect(rec.ok).toBe(false);
    const [t] = run([{ column: 'ok' }], metrics, Int32Array.from([0, 2, 3, 7])); // units 3, NaN, 2, -4
    expect(t).toEqual({
      ok: true, count: 4, missing_units: 1, sum_units: 1, mean_units: 1 / 3, median_units: 2, min_units: -4, max_units: 3,
      std_units: Math.sqrt(43 / 3), var_units: 14.333333333333332 /* numpy: np.var([3,2,-4], ddof=1) */, stdp_units: Math.sqrt(86 / 9), varp_units: 86 / 9, distinct_units: 3,
      q1_units: -1, q3_units: 2.5, first_units: 3, last_units: -4,
    });
  });
  test('when no rows are selected, then there are no groups', () => {
    expect(run([{ column: 'region' }], [{ op: 'count' }], new Int32Array(0))).toEqual([]);
  });
});

describe('metrics table', () => {
  test('when parsing metric specs, then bad ops and missing columns are reported', () => {
    expect(parseMetric('count')).toEqual({ op: 'count' });
    expect(parseMetric('mean:a:b')).toEqual({ op: 'mean', column: 'a:b' });
    expect(parseMetric('avg:x')).toHaveProperty('error');
    expect(parseMetric('mean')).toHaveProperty('error');
  });
  test('when an op needs numbers, then it rejects string and date columns', () => {
    expect(METRICS.mean.accepts('string')).toBe(false);
    expect(METRICS.mean.accepts('date')).toBe(false);
    expect(METRICS.min.accepts('date')).toBe(true);
    expect(METRICS.first.accepts('string')).toBe(true);
  });
  test('code point order puts astral characters after U+FFFF', () => {
    expect(compareCodePoints('\uffff', '\u{1F600}')).toBeLessThan(0);
    expect(compareCodePoints('a', 'ab')).toBeLessThan(0);
    expect(compareCodePoints('B', 'a')).toBeLessThan(0);
  });
});
