// Query and response schemas of the analysis routes (API.md "Analysis"). The query schemas parse and
// bound the parameters; the response schemas document the answers in /openapi.json.
// `filter` is only checked for shape here (a string or repeated strings); the router parses it with
// parseFilterQuery (core/filter-ops.ts) and applies it before calling the service.
import { z } from 'zod';
import { columnList as sharedColumnList, filterParam as sharedFilterParam } from '../../http/query-params.js';
import { CORRELATION_METHODS } from '../../core/stats/correlation.js';
import { OUTLIER_METHODS } from '../../core/stats/outliers.js';

export const DEFAULT_VALUE_COUNTS_LIMIT = 10;
export const MAX_VALUE_COUNTS_LIMIT = 10_000;
export const DEFAULT_OUTLIER_ROWS = 100;
export const MAX_OUTLIER_ROWS = 10_000;
export const DEFAULT_HISTOGRAM_BINS = 10;
export const MAX_HISTOGRAM_BINS = 1_000;

const columnList = sharedColumnList.optional().describe('Comma-separated column names to analyse (default: every column that fits the analysis).');
const filterParam = sharedFilterParam.optional();

const columnName = (what: string) => z.string().min(1, `Give the ${what} column.`);

const intParam = (min: number, max: number, def: number, text: string) =>
  z.coerce
    .number({ message: 'Expected a whole number.' })
    .int('Expected a whole number.')
    .min(min, `Must be at least ${min}.`)
    .max(max, `Must be at most ${max}.`)
    .default(def)
    .describe(text);

const base = { columns: columnList, filter: filterParam };

export const summaryQuery = z.strictObject({ ...base });

export const correlationsQuery = z.strictObject({
  ...base,
  method: z.enum(CORRELATION_METHODS).default('pearson').describe('pearson, spearman (average ranks) or kendall (tau-b).'),
});

export const outliersQuery = z.strictObject({
  ...base,
  column: columnName('numeric'),
  method: z.enum(OUTLIER_METHODS).default('iqr'),
  threshold: z.coerce
    .number({ message: 'Expected a number.' })
    .positive('Must be greater than 0.')
    .max(1e6, 'Must be at most 1000000.')
    .optional()
    .describe('k: iqr 1.5, zscore 3, mad 3.5 by default.'),
  limit: intParam(0, MAX_OUTLIER_ROWS, DEFAULT_OUTLIER_ROWS, 'Most outlier rows listed (count is always the full count).'),
});

export const valueCountsQuery = z.strictObject({
  ...base,
  column: columnName('counted'),
  limit: intParam(0, MAX_VALUE_COUNTS_LIMIT, DEFAULT_VALUE_COUNTS_LIMIT, 'Most values listed, most frequent first.'),
});

export const histogramQuery = z.strictObject({
  ...base,
  column: columnName('numeric'),
  bins: intParam(1, MAX_HISTOGRAM_BINS, DEFAULT_HISTOGRAM_BINS, 'Number of equal-width bins.'),
});

export const regressionQuery = z.strictObject({
  ...base,
  x: columnName('x (explanatory)'),
  y: columnName('y (response)'),
});

export const groupbyQuery = z.strictObject({
  ...base,
  by: z
    .string()
    .min(1, 'Give at least one column to group by.')
    .transform((s) => s.split(','))
    .describe('Comma-separated key columns; a date column may be `column:unit` (year quarter month week day hour).'),
  metrics: z
    .string()
    .min(1, 'Give at least one metric.')
    .default('count')
    .transform((s) => s.split(','))
    .describe('Comma-separated `op:column` metrics, or a bare `count` (default).'),
});

export const insightsQuery = z.strictObject({ ...base });

/** The parsed parameters a service function takes (the query without `filter`). */
type Params<S extends z.ZodType> = Omit<z.infer<S>, 'filter'>;
export type SummaryParams = Params<typeof summaryQuery>;
export type CorrelationsParams = Params<typeof correlationsQuery>;
export type OutliersParams = Params<typeof outliersQuery>;
export type ValueCountsParams = Params<typeof valueCountsQuery>;
export type HistogramParams = Params<typeof histogramQuery>;
export type RegressionParams = Params<typeof regressionQuery>;
export type GroupbyParams = Params<typeof groupbyQuery>;
export type InsightsParams = Params<typeof insightsQuery>;

// ---- responses ----

const num = (text: string) => z.number().nullable().describe(text);
const cell = z.union([z.number(), z.string(), z.boolean(), z.null()]).describe('A value typed as the column: number, boolean, YYYY-MM-DD / ISO datetime, text; null = missing.');
const columnType = z.enum(['integer', 'number', 'boolean', 'date', 'datetime', 'string']);

const summaryColumn = z
  .object({
    name: z.string(),
    type: columnType,
    count: z.number().int().describe('Non-missing values.'),
    missing: z.number().int(),
    distinct: z.number().int().describe('Distinct non-missing values.'),
    mean: num('Numeric columns.').optional(),
    std: num('Sample standard deviation (n−1).').optional(),
    variance: num('Sample variance (n−1).').optional(),
    min: z.union([z.number(), z.string(), z.null()]).optional().describe('Numeric: a number; date/datetime: an ISO date or datetime.'),
    q25: num('Type-7 (linear) quantile 0.25.').optional(),
    median: num('Type-7 quantile 0.5.').optional(),
    q75: num('Type-7 quantile 0.75.').optional(),
    max: z.union([z.number(), z.string(), z.null()]).optional(),
    sum: z.number().optional(),
    skewness: num('Adjusted Fisher–Pearson G1; null below 3 values or for a constant column.').optional(),
    kurtosis: num('Adjusted excess kurtosis G2; null below 4 values or for a constant column.').optional(),
    zeros: z.number().int().optional(),
    top: z.array(z.object({ value: z.string(), count: z.number().int() })).optional().describe('String columns: the 10 most frequent values.'),
    minLength: z.number().int().nullable().optional().describe('String columns: shortest value, in characters.'),
    maxLength: z.number().int().nullable().optional(),
    trueCount: z.number().int().optional().describe('Boolean columns.'),
    falseCount: z.number().int().optional(),
  })
  .meta({ id: 'SummaryColumn' });

export const summaryResponse = z
  .object({ rowCount: z.number().int().describe('Rows analysed (after filters).'), columns: z.array(summaryColumn) })
  .meta({ id: 'Summary' });

export const correlationsResponse = z
  .object({
    method: z.enum(CORRELATION_METHODS),
    columns: z.array(z.string()),
    matrix: z.array(z.array(z.number().nullable())).describe('matrix[i][j] = r of columns i and j over their complete rows; null when undefined.'),
    pairs: z
      .array(z.object({ a: z.string(), b: z.string(), r: z.number().nullable(), n: z.number().int(), pValue: num('Two-sided, as scipy.') }))
      .describe('Every pair once, by |r| descending (undefined r last).'),
  })
  .meta({ id: 'Correlations' });

export const outliersResponse = z
  .object({
    column: z.string(),
    method: z.enum(OUTLIER_METHODS),
    threshold: z.number(),
    lowerFence: num('null when the method is undefined for the data (e.g. MAD = 0).'),
    upperFence: z.number().nullable(),
    count: z.number().int().nullable().describe('Values strictly outside the fences; null when there are no fences.'),
    rows: z.array(z.object({ rowIndex: z.number().int().describe('0-based row in the dataset.'), value: z.number() })),
  })
  .meta({ id: 'Outliers' });

export const valueCountsResponse = z
  .object({
    column: z.string(),
    total: z.number().int().describe('Non-missing values.'),
    data: z.array(z.object({ value: cell, count: z.number().int(), percent: z.number().describe('0–100, of total.') })),
  })
  .meta({ id: 'ValueCounts' });

export const histogramResponse = z
  .object({
    column: z.string(),
    edges: z.array(z.number()).describe('bins + 1 ascending edges (numpy.histogram).'),
    counts: z.array(z.number().int()).describe('Values per bin; the last bin includes its right edge.'),
  })
  .meta({ id: 'Histogram' });

export const regressionResponse = z
  .object({
    x: z.string(),
    y: z.string(),
    n: z.number().int().describe('Rows where both are present.'),
    slope: z.number().nullable(),
    intercept: z.number().nullable(),
    r: z.number().nullable(),
    r2: z.number().nullable(),
    pValue: num('Two-sided, for slope ≠ 0 (scipy linregress).'),
    stderr: num('Standard error of the slope.'),
    interceptStderr: num('Standard error of the intercept.'),
  })
  .meta({ id: 'Regression' });

export const groupbyResponse = z
  .object({
    by: z.array(z.string()),
    data: z.array(z.record(z.string(), cell)).describe('One object per group: the keys under their column names, then `<op>_<column>` metrics.'),
  })
  .meta({ id: 'GroupBy' });

export const INSIGHT_TYPES = [
  'high_correlation', 'skewed', 'missing', 'constant', 'high_cardinality', 'outliers', 'duplicate_rows', 'imbalanced', 'unique',
] as const;
export const SEVERITIES = ['high', 'medium', 'low'] as const;

export const insightsResponse = z
  .object({
    data: z.array(
      z.object({
        type: z.enum(INSIGHT_TYPES),
        severity: z.enum(SEVERITIES),
        columns: z.array(z.string()),
        message: z.string(),
        value: z.number().nullable().describe('The measured strength (a correlation, a share, a count…).'),
      }),
    ),
  })
  .meta({ id: 'Insights' });
