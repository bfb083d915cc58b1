// Every analysis answer checked against the pandas/scipy oracle (tests/oracle/make_oracle.py →
// tests/oracle/expected/*.json): same keys, same strings/booleans/nulls, numbers within 1e-9
// relative. The query goes through the endpoint's zod schema, so defaults are exercised too.
import { afterAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Table } from '../../src/core/column.js';
import { applyFilters, parseFilterQuery } from '../../src/core/filter-ops.js';
import { parseWith } from '../../src/http/parse-input.js';
import * as schemas from '../../src/modules/analysis/analysis.schemas.js';
import * as service from '../../src/modules/analysis/analysis.service.js';
import { tableFromCsvFile, tableSource } from './table-from-csv.js';

const ORACLE = join(dirname(fileURLToPath(import.meta.url)), '..', 'oracle');
const REL_TOL = 1e-9;

interface Case {
  endpoint: string;
  params: Record<string, unknown>;
  filter: string[];
  expected: unknown;
}

const ROUTES: Record<string, { query: Parameters<typeof parseWith>[0]; run: (t: Table, rows: Int32Array | null, p: never) => unknown }> = {
  summary: { query: schemas.summaryQuery, run: service.summary },
  correlations: { query: schemas.correlationsQuery, run: service.correlations },
  outliers: { query: schemas.outliersQuery, run: service.outliers },
  'value-counts': { query: schemas.valueCountsQuery, run: service.valueCounts },
  histogram: { query: schemas.histogramQuery, run: service.histogram },
  regression: { query: schemas.regressionQuery, run: service.regression },
  groupby: { query: schemas.groupbyQuery, run: service.groupby },
};

const stats = { numbers: 0, maxRelError: 0, worst: '' };

/** Collects every difference between actual and expected (numbers with relative tolerance). */
function compare(actual: unknown, expected: unknown, path: string, diffs: string[]): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    stats.numbers++;
    const scale = Math.max(Math.abs(expected), Math.abs(actual));
    const rel = scale === 0 ? 0 : Math.abs(actual - expected) / scale;
    if (rel > stats.maxRelError) {
      stats.maxRelError = rel;
      stats.worst = path;
    }
    if (!(rel <= REL_TOL)) diffs.push(`${path}: ${actual} vs oracle ${expected} (rel ${rel.toExponential(2)})`);
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      diffs.push(`${path}: length ${Array.isArray(actual) ? actual.length : typeof actual} vs oracle ${expected.length}`);
      return;
    }
    expected.forEach((e, i) => compare(actual[i], e, `${path}[${i}]`, diffs));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') {
      diffs.push(`${path}: ${JSON.stringify(actual)} vs an object`);
      return;
    }
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    const keys = new Set([...Object.keys(a), ...Object.keys(e)]);
    for (const k of keys) {
      if (!(k in e)) diffs.push(`${path}.${k}: unexpected field`);
      else if (!(k in a)) diffs.push(`${path}.${k}: missing field`);
      else compare(a[k], e[k], `${path}.${k}`, diffs);
    }
    return;
  }
  if (actual !== expected) diffs.push(`${path}: ${JSON.stringify(actual)} vs oracle ${JSON.stringify(expected)}`);
}

/** The case's params as a query string would carry them. */
function toQuery(params: Record<string, unknown>, filter: string[]): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) q[k] = Array.isArray(v) ? v.join(',') : String(v);
  if (filter.length) q.filter = filter.length === 1 ? filter[0] : filter;
  return q;
}

for (const fixture of ['sales', 'sensors', 'tiny']) {
  const oracle = JSON.parse(readFileSync(join(ORACLE, 'expected', `${fixture}.json`), 'utf8')) as { types: Record<string, string>; cases: Case[] };
  describe(`oracle: ${fixture}.csv`, () => {
    let table: Table;
    test('when the fixture is loaded, then the column types are the oracle types', async () => {
      table = await tableFromCsvFile(join(ORACLE, 'fixtures', `${fixture}.csv`));
      expect(Object.fromEntries(table.columns.map((c) => [c.name, c.type]))).toEqual(oracle.types);
    });
    test.each(oracle.cases.map((c, i) => [`${i} ${c.endpoint} ${JSON.stringify(c.params)} ${c.filter.join(' & ')}`, c] as const))(
      'when %s, then it matches pandas/scipy',
      async (_name, c) => {
        table ??= await tableFromCsvFile(join(ORACLE, 'fixtures', `${fixture}.csv`));
        const route = ROUTES[c.endpoint];
        const { filter, ...params } = parseWith(route.query, toQuery(c.params, c.filter)) as Record<string, unknown>;
        const rows = applyFilters(table, parseFilterQuery(filter));
        const actual = JSON.parse(JSON.stringify(route.run(table, rows, params as never)));
        const diffs: string[] = [];
        compare(actual, c.expected, c.endpoint, diffs);
        expect(diffs).toEqual([]);
      },
    );
  });
}

afterAll(() => {
  // eslint-disable-next-line no-console
  console.log(`oracle: ${stats.numbers} numbers compared, max relative error ${stats.maxRelError.toExponential(3)} at ${stats.worst} (tables via ${tableSource})`);
});
