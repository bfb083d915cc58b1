// The analysis service's edges: 400s that name the parameter, empty selections, undefined statistics.
import { describe, expect, test } from '@jest/globals';
import type { Table } from '../../src/core/column.js';
import { parseWith } from '../../src/http/parse-input.js';
import { AppError } from '../../src/errors.js';
import { correlationsQuery, groupbyQuery, histogramQuery, outliersQuery, summaryQuery, valueCountsQuery } from '../../src/modules/analysis/analysis.schemas.js';
import * as service from '../../src/modules/analysis/analysis.service.js';
import { tableFromCsvText } from './table-from-csv.js';

const table: Table = tableFromCsvText(
  ['id,price,city,when,ok', '1,2.5,Oslo,2024-01-05,true', '2,,Rome,2024-02-10,false', '3,7,Oslo,,true', '4,-1,,2024-02-11,'].join('\n'),
);
const none = new Int32Array(0);

/** The 400's field paths, or a failure if f does not throw one. */
function fieldsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).status).toBe(400);
    return ((e as AppError).details.fields as { path: string }[]).map((x) => x.path);
  }
  throw new Error('expected a 400');
}

describe('analysis service: validation', () => {
  test('when columns= names unknown columns, then one 400 lists each under "columns"', () => {
    expect(fieldsOf(() => service.summary(table, null, { columns: ['price', 'nope', 'nada'] }))).toEqual(['columns', 'columns']);
  });
  test('when a single-column analysis names an unknown column, then 400 on "column"', () => {
    expect(fieldsOf(() => service.histogram(table, null, { column: 'nope', bins: 10 }))).toEqual(['column']);
    expect(fieldsOf(() => service.valueCounts(table, null, { column: 'nope', limit: 10 }))).toEqual(['column']);
  });
  test('when a numeric analysis gets a text column, then 400 naming the parameter', () => {
    expect(fieldsOf(() => service.outliers(table, null, { column: 'city', method: 'iqr', limit: 100 }))).toEqual(['column']);
    expect(fieldsOf(() => service.regression(table, null, { x: 'city', y: 'nope' }))).toEqual(['x', 'y']);
    expect(fieldsOf(() => service.correlations(table, null, { method: 'pearson', columns: ['price', 'city'] }))).toEqual(['columns']);
  });
  test('when groupby has a bad key, unit or metric, then 400 on "by" / "metrics"', () => {
    expect(fieldsOf(() => service.groupby(table, null, { by: ['nope', 'price:month', 'when:fortnight'], metrics: ['mean:city', 'avg:price', 'sum:zzz'] }))).toEqual([
      'by', 'by', 'by', 'metrics', 'metrics', 'metrics',
    ]);
  });
  test('when query values are out of bounds or unknown, then the schema names each one', () => {
    expect(fieldsOf(() => parseWith(histogramQuery, { column: 'price', bins: '0' }))).toEqual(['bins']);
    expect(fieldsOf(() => parseWith(valueCountsQuery, { column: 'price', limit: 'ten', extra: '1' }))).toEqual(['limit', 'extra']);
    expect(fieldsOf(() => parseWith(outliersQuery, { column: 'price', method: 'grubbs', threshold: '-1' }))).toEqual(['method', 'threshold']);
    expect(fieldsOf(() => parseWith(correlationsQuery, { method: 'cosine' }))).toEqual(['method']);
    expect(fieldsOf(() => parseWith(groupbyQuery, {}))).toEqual(['by']);
  });
  test('when the query is valid, then defaults apply and lists are split', () => {
    expect(parseWith(summaryQuery, { columns: 'a,b', filter: ['a:gt:1', 'b:isNull'] })).toEqual({ columns: ['a', 'b'], filter: ['a:gt:1', 'b:isNull'] });
    expect(parseWith(outliersQuery, { column: 'x' })).toEqual({ column: 'x', method: 'iqr', limit: 100 });
    expect(parseWith(groupbyQuery, { by: 'a,b:month' })).toEqual({ by: ['a', 'b:month'], metrics: ['count'] });
  });
});

describe('analysis service: answers', () => {
  test('when the selection is empty, then every analysis is well formed with zero counts and null statistics', () => {
    const s = service.summary(table, none, {});
    expect(s.rowCount).toBe(0);
    expect(s.columns.find((c) => c.name === 'price')).toMatchObject({ count: 0, missing: 0, distinct: 0, mean: null, std: null, median: null, sum: 0, zeros: 0 });
    expect(s.columns.find((c) => c.name === 'city')).toMatchObject({ count: 0, top: [], minLength: null, maxLength: null });
    expect(service.correlations(table, none, { method: 'kendall' }).pairs).toEqual([{ a: 'id', b: 'price', r: null, n: 0, pValue: null }]);
    expect(service.histogram(table, none, { column: 'price', bins: 2 })).toEqual({ column: 'price', edges: [0, 0.5, 1], counts: [0, 0] });
    expect(service.outliers(table, none, { column: 'price', method: 'zscore', limit: 5 })).toMatchObject({ lowerFence: null, count: 0, rows: [] });
    expect(service.valueCounts(table, none, { column: 'city', limit: 5 })).toEqual({ column: 'city', total: 0, data: [] });
    expect(service.groupby(table, none, { by: ['city'], metrics: ['count'] })).toEqual({ by: ['city'], data: [] });
    expect(service.regression(table, none, { x: 'id', y: 'price' })).toMatchObject({ n: 0, slope: null, pValue: null });
    expect(service.insights(table, none, {})).toEqual({ data: [] });
  });
  test('when a column is typed, then summary gives the fields of its type', () => {
    const s = service.summary(table, null, {});
    expect(s.columns.find((c) => c.name === 'ok')).toEqual({ name: 'ok', type: 'boolean', count: 3, missing: 1, distinct: 2, trueCount: 2, falseCount: 1 });
    expect(s.columns.find((c) => c.name === 'when')).toEqual({ name: 'when', type: 'date', count: 3, missing: 1, distinct: 3, min: '2024-01-05', max: '2024-02-11' });
    expect(s.columns.find((c) => c.name === 'city')).toEqual({
      name: 'city', type: 'string', count: 3, missing: 1, distinct: 2, top: [{ value: 'Oslo', count: 2 }, { value: 'Rome', count: 1 }], minLength: 4, maxLength: 4,
    });
  });
  test('when ingest metadata is given and nothing is filtered, then its distinct counts are reused', () => {
    const meta = table.columns.map((c) => ({ name: c.name, type: c.type, nullCount: 0, distinctCount: 99 }));
    expect(service.summary(table, null, { columns: ['price'] }, meta).columns[0].distinct).toBe(99);
    expect(service.summary(table, Int32Array.from([0, 1, 2, 3]), { columns: ['price'] }, meta).columns[0].distinct).toBe(3);
  });
  test('when value counts cover booleans and dates, then values come back typed', () => {
    expect(service.valueCounts(table, null, { column: 'ok', limit: 10 }).data.map((d) => d.value)).toEqual([true, false]);
    expect(service.valueCounts(table, null, { column: 'when', limit: 1 }).data).toEqual([{ value: '2024-01-05', count: 1, percent: (1 / 3) * 100 }]);
  });
  test('when mad has MAD = 0, then fences and count are null', () => {
    const t = tableFromCsvText(['v', '5', '5', '5', '9'].join('\n'));
    expect(service.outliers(t, null, { column: 'v', method: 'mad', limit: 10 })).toEqual({ column: 'v', method: 'mad', threshold: 3.5, lowerFence: null, upperFence: null, count: null, rows: [] });
  });
  test('when outliers exceed the limit, then rows are the first ones in row order and count is the full count', () => {
    const t = tableFromCsvText(['v', ...[1, 100, 2, 3, 2, -100, 3, 2, 250].map(String)].join('\n'));
    expect(service.outliers(t, null, { column: 'v', method: 'iqr', limit: 2 })).toMatchObject({ count: 3, rows: [{ rowIndex: 1, value: 100 }, { rowIndex: 5, value: -100 }] });
  });
});
