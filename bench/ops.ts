// The measured operations, each as an HTTP request against the real API and as the pure function the
// route calls (to separate computing from loading and JSON). pandas_bench.py times the same ones.
// Only types come from src/ here: the server process hands in the compiled modules (server-child.ts).
import type { Table } from '../src/core/column.js';
import type { DatasetRecord } from '../src/db/datasets.repo.js';
import type * as srcAnalysis from '../src/modules/analysis/analysis.service.js';
import type { buildChartData as srcBuildChartData } from '../src/modules/charts/chart-data.js';
import type * as srcSchemas from '../src/modules/analysis/analysis.schemas.js';
import type { chartRequestSchema as srcChartRequestSchema } from '../src/modules/charts/charts.schemas.js';
import { NUMERIC_COLUMNS } from './generate.js';

/** The modules the operations call: the sources here, the compiled ones in the server (server-child.ts). */
export interface OpModules {
  analysis: typeof srcAnalysis;
  schemas: typeof srcSchemas;
  buildChartData: typeof srcBuildChartData;
  chartRequestSchema: typeof srcChartRequestSchema;
}

export interface BenchOp {
  name: string;
  /** What pandas does for the same answer (printed in the table). */
  pandas: string;
  http: { method: 'GET' | 'POST'; path: string; body?: unknown };
  /** Columns the route loads. */
  columns: string[];
  run: (table: Table, ds: DatasetRecord) => unknown;
}

const numeric = NUMERIC_COLUMNS.join(',');
/** The parsed parameters of a query string, as the route gets them. */
const query = (schema: { parse(v: unknown): unknown }, path: string) => schema.parse(Object.fromEntries(new URLSearchParams(path.split('?')[1]))) as never;

export function benchOps({ analysis, schemas, buildChartData, chartRequestSchema }: OpModules): BenchOp[] {
  const monthChart = chartRequestSchema.parse({ type: 'line', x: 'order_date', y: 'price', aggregate: 'mean', timeUnit: 'month' });
  const regionChart = chartRequestSchema.parse({ type: 'bar', x: 'region', y: 'price', aggregate: 'mean' });
  return [
    {
      name: 'summary',
      pandas: 'describe() + skew/kurt/sum/var/zeros/nunique, 6 numeric columns',
      http: { method: 'GET', path: `analysis/summary?columns=${numeric}` },
      columns: [...NUMERIC_COLUMNS],
      run: (t, ds) => analysis.summary(t, null, query(schemas.summaryQuery, `?columns=${numeric}`), ds.columns),
    },
    {
      name: 'pearson',
      pandas: "df.corr() (6 numeric columns)",
      http: { method: 'GET', path: `analysis/correlations?method=pearson&columns=${numeric}` },
      columns: [...NUMERIC_COLUMNS],
      run: (t) => analysis.correlations(t, null, query(schemas.correlationsQuery, `?method=pearson&columns=${numeric}`)),
    },
    {
      name: 'spearman',
      pandas: "df.corr('spearman')",
      http: { method: 'GET', path: `analysis/correlations?method=spearman&columns=${numeric}` },
      columns: [...NUMERIC_COLUMNS],
      run: (t) => analysis.correlations(t, null, query(schemas.correlationsQuery, `?method=spearman&columns=${numeric}`)),
    },
    {
      name: 'groupby-20',
      pandas: "groupby('region').agg(mean/sum/count of price, revenue)",
      http: { method: 'GET', path: 'analysis/groupby?by=region&metrics=mean:price,sum:price,count:price,mean:revenue,sum:revenue,count:revenue' },
      columns: ['region', 'price', 'revenue'],
      run: (t) => analysis.groupby(t, null, query(schemas.groupbyQuery, '?by=region&metrics=mean:price,sum:price,count:price,mean:revenue,sum:revenue,count:revenue')),
    },
    {
      name: 'histogram-20',
      pandas: 'numpy.histogram(price.dropna(), bins=20)',
      http: { method: 'GET', path: 'analysis/histogram?column=price&bins=20' },
      columns: ['price'],
      run: (t) => analysis.histogram(t, null, query(schemas.histogramQuery, '?column=price&bins=20')),
    },
    {
      name: 'month-buckets',
      pandas: "groupby(order_date.dt.to_period('M')).agg(size, count+mean of price)",
      http: { method: 'GET', path: 'analysis/groupby?by=order_date:month&metrics=count,count:price,mean:price' },
      columns: ['order_date', 'price'],
      run: (t) => analysis.groupby(t, null, query(schemas.groupbyQuery, '?by=order_date:month&metrics=count,count:price,mean:price')),
    },
    {
      name: 'chart-bar-region',
      pandas: "groupby('region')['price'].mean()",
      http: { method: 'POST', path: 'chart-data', body: { type: 'bar', x: 'region', y: 'price', aggregate: 'mean' } },
      columns: ['region', 'price'],
      run: (t) => buildChartData(t, regionChart),
    },
    {
      name: 'chart-line-month',
      pandas: "resample('MS', on='order_date')['price'].mean()",
      http: { method: 'POST', path: 'chart-data', body: { type: 'line', x: 'order_date', y: 'price', aggregate: 'mean', timeUnit: 'month' } },
      columns: ['order_date', 'price'],
      run: (t) => buildChartData(t, monthChart),
    },
  ];
}
