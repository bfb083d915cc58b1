import { beforeAll, describe, expect, test } from '@jest/globals';
import type { Table } from '../../src/core/column.js';
import { buildChartData } from '../../src/modules/charts/chart-data.js';
import { chartRequestSchema } from '../../src/modules/charts/charts.schemas.js';
import { mismatches } from './compare.js';
import { loadFixtureTable, loadOracle } from './fixture.js';

const oracle = loadOracle();
let table: Table;

beforeAll(async () => {
  table = await loadFixtureTable();
});

describe('buildChartData against pandas (tests/charts/oracle)', () => {
  test('when the fixture is ingested, then its column types are the ones the oracle assumed', () => {
    expect(table.columns.map((c) => ({ name: c.name, type: c.type }))).toEqual(oracle.columns);
  });

  test.each(oracle.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const req = chartRequestSchema.parse(c.request);
    const out = buildChartData(table, req);
    expect(mismatches(out.data, c.data, c.exactFields)).toEqual([]);
    expect(out.meta).toEqual(c.meta);
  });
});
