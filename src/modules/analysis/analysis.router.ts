// GET /datasets/:id/analysis/*: each route reads the columns it names (all for summary,
// correlations and insights unless `columns=` narrows them), applies `filter=`, and calls the
// pure analysis function.
import type { z } from 'zod';
import type { Table } from '../../core/column.js';
import { parseFilterQuery } from '../../core/filter-ops.js';
import type { RowSelection } from '../../core/filter.types.js';
import type { DatasetRecord } from '../../db/datasets.repo.js';
import { endpoint, type Endpoint } from '../../http/endpoint.js';
import type { DatasetReader } from '../datasets/dataset-reader.js';
import { idParams } from '../datasets/datasets.schemas.js';
import * as analysis from './analysis.service.js';
import * as s from './analysis.schemas.js';

interface AnalysisRoute<Q extends z.ZodType> {
  path: string;
  summary: string;
  query: Q;
  response: z.ZodType;
  /** Columns to load; null loads every column. */
  columnsOf: (q: z.infer<Q>) => string[] | null;
  run: (table: Table, rows: RowSelection, params: z.infer<Q>, dataset: DatasetRecord) => unknown;
}

/** `by=date:month` names the column `date` (a column whose own name has a ':' is kept too). */
const keyColumns = (by: string[]) => by.flatMap((b) => [b, b.replace(/:[a-z]+$/, '')]);
/** `mean:price` names `price`; a bare `count` names nothing. */
const metricColumns = (metrics: string[]) => metrics.flatMap((m) => (m.includes(':') ? [m.slice(m.indexOf(':') + 1)] : []));

export function analysisEndpoints(reader: DatasetReader): Endpoint[] {
  function route<Q extends z.ZodType>(r: AnalysisRoute<Q>): Endpoint {
    return endpoint({
      method: 'get', path: `/datasets/:id/analysis/${r.path}`, tag: 'Analysis',
      summary: r.summary,
      params: idParams,
      query: r.query,
      responses: { 200: { description: r.summary, schema: r.response } },
      errors: ['NOT_FOUND', 'CONFLICT'],
      handle: async ({ user, params, query }) => {
        const q = query as z.infer<Q> & { filter?: string | string[] };
        const request = { columns: r.columnsOf(q), filters: parseFilterQuery(q.filter), filterPath: 'filter' as const };
        const body = await reader.compute(user.id, params.id, r.path, request, q, ({ table, rows, dataset }) => r.run(table, rows, q, dataset), user.pathDataset);
        return { body };
      },
    });
  }

  // Counts kept at ingest answer an unfiltered summary without a pass over the data.
  const metaIfAll = (rows: RowSelection, ds: DatasetRecord) => (rows === null ? ds.columns : undefined);

  return [
    route({
      path: 'summary', summary: 'Descriptive statistics per column', query: s.summaryQuery, response: s.summaryResponse,
      columnsOf: (q) => q.columns ?? null,
      run: (t, rows, q, ds) => analysis.summary(t, rows, q, metaIfAll(rows, ds)),
    }),
    route({
      path: 'correlations', summary: 'Pearson, Spearman or Kendall correlations with p-values', query: s.correlationsQuery,
      response: s.correlationsResponse,
      columnsOf: (q) => q.columns ?? null,
      run: (t, rows, q) => analysis.correlations(t, rows, q),
    }),
    route({
      path: 'outliers', summary: 'Values outside the iqr, zscore or mad fences', query: s.outliersQuery, response: s.outliersResponse,
      columnsOf: (q) => [q.column],
      run: (t, rows, q) => analysis.outliers(t, rows, q),
    }),
    route({
      path: 'value-counts', summary: 'Most frequent values of a column', query: s.valueCountsQuery, response: s.valueCountsResponse,
      columnsOf: (q) => [q.column],
      run: (t, rows, q) => analysis.valueCounts(t, rows, q),
    }),
    route({
      path: 'histogram', summary: 'Equal-width histogram of a number column', query: s.histogramQuery, response: s.histogramResponse,
      columnsOf: (q) => [q.column],
      run: (t, rows, q) => analysis.histogram(t, rows, q),
    }),
    route({
      path: 'regression', summary: 'Least-squares line of y on x', query: s.regressionQuery, response: s.regressionResponse,
      columnsOf: (q) => [q.x, q.y],
      run: (t, rows, q) => analysis.regression(t, rows, q),
    }),
    route({
      path: 'groupby', summary: 'Metrics per group of one or more columns', query: s.groupbyQuery, response: s.groupbyResponse,
      columnsOf: (q) => [...keyColumns(q.by), ...metricColumns(q.metrics)],
      run: (t, rows, q) => analysis.groupby(t, rows, q),
    }),
    route({
      path: 'insights', summary: 'What is notable in the dataset, most important first', query: s.insightsQuery, response: s.insightsResponse,
      columnsOf: (q) => q.columns ?? null,
      run: (t, rows, q, ds) => analysis.insights(t, rows, q, metaIfAll(rows, ds)),
    }),
  ];
}
