import { describe, expect, test } from '@jest/globals';
import type { Table } from '../../src/core/column.js';
import { buildChartData, validateChart, type ChartColumn } from '../../src/modules/charts/chart-data.js';
import { chartColumns } from '../../src/modules/charts/chart-view.js';
import { chartRequestSchema, type ChartRequestInput } from '../../src/modules/charts/charts.schemas.js';
import { AppError } from '../../src/errors.js';

const columns: ChartColumn[] = [
  { name: 'region', type: 'string' },
  { name: 'units', type: 'integer' },
  { name: 'price', type: 'number' },
  { name: 'day', type: 'date' },
  { name: 'at', type: 'datetime' },
  { name: 'ok', type: 'boolean' },
];

function issuesOf(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('VALIDATION_ERROR');
    expect((e as AppError).status).toBe(400);
    return ((e as AppError).details as { fields: { path: string; message: string }[] }).fields;
  }
  throw new Error('expected a validation error');
}

const check = (input: ChartRequestInput, cols = columns) => issuesOf(() => validateChart(cols, chartRequestSchema.parse(input)));

describe('validateChart', () => {
  test.each<[string, ChartRequestInput, string, string]>([
    ['an unknown x', { type: 'bar', x: 'nope' }, 'x', '"nope"'],
    ['an unknown y', { type: 'bar', x: 'region', y: 'nope' }, 'y', '"nope"'],
    ['an unknown groupBy', { type: 'line', x: 'day', groupBy: 'nope' }, 'groupBy', '"nope"'],
    ['an unknown heatmap value', { type: 'heatmap', x: 'region', y: 'ok', value: 'nope' }, 'value', '"nope"'],
    ['an unknown filter column', { type: 'bar', x: 'region', filters: [{ column: 'ok', op: 'notNull' }, { column: 'nope', op: 'isNull' }] }, 'filters.1.column', '"nope"'],
    ['a mean of a text y', { type: 'bar', x: 'ok', y: 'region', aggregate: 'mean' }, 'y', '"region"'],
    ['a sum of a date y', { type: 'line', x: 'region', y: 'day' }, 'y', '"day"'],
    ['a std of a boolean y', { type: 'area', x: 'region', y: 'ok', aggregate: 'std' }, 'y', '"ok"'],
    ['a median without y', { type: 'bar', x: 'region', aggregate: 'median' }, 'aggregate', 'y column'],
    ['a heatmap mean of a text value', { type: 'heatmap', x: 'region', y: 'ok', value: 'region', aggregate: 'mean' }, 'value', '"region"'],
    ['a timeUnit on a text x', { type: 'line', x: 'region', timeUnit: 'month' }, 'timeUnit', '"region"'],
    ['a timeUnit on a number x', { type: 'bar', x: 'price', timeUnit: 'year' }, 'timeUnit', '"price"'],
    ['a timeUnit on a scatter', { type: 'scatter', x: 'day', y: 'units', timeUnit: 'day' }, 'timeUnit', 'scatter'],
    ['bins on a text x', { type: 'bar', x: 'region', bins: 5 }, 'bins', '"region"'],
    ['bins on a heatmap of two text axes', { type: 'heatmap', x: 'region', y: 'ok', bins: 5 }, 'bins', '"region"'],
    ['a histogram of a text column', { type: 'histogram', x: 'region' }, 'x', '"region"'],
    ['a histogram of a date column', { type: 'histogram', x: 'day' }, 'x', '"day"'],
    ['a histogram with a y', { type: 'histogram', x: 'price', y: 'units' }, 'y', 'histogram'],
    ['a bar without x', { type: 'bar', y: 'units' }, 'x', 'x'],
    ['a pie without x', { type: 'pie' }, 'x', 'x'],
    ['a scatter without y', { type: 'scatter', x: 'price' }, 'y', 'y'],
    ['a scatter of a text y', { type: 'scatter', x: 'price', y: 'region' }, 'y', '"region"'],
    ['a box without y', { type: 'box', x: 'region' }, 'y', 'y'],
    ['a box of a date y', { type: 'box', x: 'region', y: 'day' }, 'y', '"day"'],
    ['a heatmap without y', { type: 'heatmap', x: 'region' }, 'y', 'y'],
    ['a pie with groupBy', { type: 'pie', x: 'region', groupBy: 'ok' }, 'groupBy', 'pie'],
    ['a value on a bar chart', { type: 'bar', x: 'region', value: 'units' }, 'value', 'heatmap'],
    ['a sort by value on a bar chart', { type: 'bar', x: 'region', sort: { by: 'value' } }, 'sort.by', 'value'],
  ])('when the request has %s, then a 400 names %s', (_what, input, path, mentions) => {
    const issues = check(input);
    const issue = issues.find((i) => i.path === path);
    expect(issue).toBeDefined();
    expect(issue!.message).toContain(mentions);
  });

  test('when a request has several problems, then every one is listed', () => {
    const issues = check({ type: 'bar', x: 'nope', y: 'region', aggregate: 'mean', filters: [{ column: 'gone', op: 'isNull' }] });
    expect(issues.map((i) => i.path).sort()).toEqual(['filters.0.column', 'x', 'y']);
  });

  test('when a saved chart is re-checked after its column was retyped, then the message names the column', () => {
    const retyped = columns.map((c) => (c.name === 'units' ? { ...c, type: 'string' as const } : c));
    const [issue] = check({ type: 'bar', x: 'region', y: 'units', aggregate: 'mean' }, retyped);
    expect(issue).toEqual({ path: 'y', message: 'Column "units" is string; the mean aggregate needs a number column.' });
  });

  test.each<[string, ChartRequestInput]>([
    ['a count bar', { type: 'bar', x: 'region' }],
    ['a month line of sums with series', { type: 'line', x: 'day', timeUnit: 'month', y: 'units', groupBy: 'region' }],
    ['an hour area on a datetime', { type: 'area', x: 'at', timeUnit: 'hour' }],
    ['a binned bar of a number x', { type: 'bar', x: 'price', bins: 4, y: 'units', aggregate: 'mean' }],
    ['a max date by region', { type: 'bar', x: 'region', y: 'day', aggregate: 'max' }],
    ['a first text by region', { type: 'bar', x: 'ok', y: 'region', aggregate: 'first' }],
    ['a box without x', { type: 'box', y: 'price' }],
    ['a heatmap with a number axis', { type: 'heatmap', x: 'region', y: 'price', bins: 3 }],
    ['a scatter of dates', { type: 'scatter', x: 'day', y: 'at' }],
    ['a histogram with series', { type: 'histogram', x: 'units', groupBy: 'ok' }],
  ])('when the request is %s, then it is valid', (_what, input) => {
    expect(() => validateChart(columns, chartRequestSchema.parse(input))).not.toThrow();
  });
});

describe('buildChartData errors and edges', () => {
  const day = (s: string) => Date.parse(s);
  const table: Table = {
    rowCount: 4,
    columns: [
      { name: 'region', type: 'string', codes: Int32Array.from([0, 1, 0, -1]), dict: ['b', 'a'] },
      { name: 'units', type: 'integer', values: Float64Array.from([1, 2, NaN, 4]) },
      { name: 'at', type: 'datetime', values: Float64Array.from([day('2000-01-01T00:00:00Z'), day('2024-01-01T05:00:00Z'), NaN, day('2010-06-01T00:00:00Z')]) },
    ],
  };
  const build = (input: ChartRequestInput) => buildChartData(table, chartRequestSchema.parse(input));

  test('when a filter value does not fit the column, then a 400 names filters.N', () => {
    const [issue] = issuesOf(() => build({ type: 'bar', x: 'region', filters: [{ column: 'units', op: 'gt', value: 'lots' }] }));
    expect(issue.path).toBe('filters.0');
    expect(issue.message).toContain('units');
  });

  test('when filling hour buckets over 24 years, then a 400 on timeUnit instead of 200,000 points', () => {
    const [issue] = issuesOf(() => build({ type: 'line', x: 'at', timeUnit: 'hour' }));
    expect(issue.path).toBe('timeUnit');
  });

  test('when filters keep no rows, then every chart type answers empty data', () => {
    const none = [{ column: 'units', op: 'gt', value: 100 }] as const;
    for (const input of [
      { type: 'bar', x: 'region' }, { type: 'line', x: 'at', timeUnit: 'year' }, { type: 'histogram', x: 'units' },
      { type: 'scatter', x: 'units', y: 'at' }, { type: 'box', x: 'region', y: 'units' }, { type: 'heatmap', x: 'region', y: 'units' },
    ] as ChartRequestInput[]) {
      const out = build({ ...input, filters: [...none] });
      expect([input.type, out.data, out.meta]).toEqual([input.type, [], { rowsScanned: 0, rowsReturned: 0, truncated: false }]);
    }
  });

  test('when a box has no x and no filters, then one box over all values', () => {
    const out = build({ type: 'box', y: 'units' });
    expect(out.data).toEqual([{ x: null, min: 1, q1: 1.5, median: 2, q3: 3, max: 4, outliers: [] }]);
  });

  test('when every value is the same, then the histogram has numpy’s widened range', () => {
    const one: Table = { rowCount: 3, columns: [{ name: 'v', type: 'number', values: Float64Array.from([5, 5, 5]) }] };
    const out = buildChartData(one, chartRequestSchema.parse({ type: 'histogram', x: 'v', bins: 2 }));
    expect(out.data).toEqual([{ x: 4.5, x2: 5, y: 0 }, { x: 5, x2: 5.5, y: 3 }]); // np.histogram([5,5,5], 2)
  });

  test('when the limit is above 10,000, then it is clamped and the data is marked truncated', () => {
    const n = 10_050;
    const big: Table = { rowCount: n, columns: [{ name: 'k', type: 'integer', values: Float64Array.from({ length: n }, (_, i) => i) }] };
    const out = buildChartData(big, chartRequestSchema.parse({ type: 'bar', x: 'k', limit: 50_000 }));
    expect(out.meta).toEqual({ rowsScanned: n, rowsReturned: 10_000, truncated: true });
  });
});

describe('chartColumns', () => {
  test('when a chart has filters, then their columns are loaded too (once each)', () => {
    const req = chartRequestSchema.parse({ type: 'bar', x: 'region', y: 'units', filters: [{ column: 'day', op: 'notNull' }, { column: 'region', op: 'eq', value: 'a' }] });
    expect(chartColumns(req)).toEqual(['region', 'units', 'day']);
  });
});
