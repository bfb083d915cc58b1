// The chart request (API.md "Charts and visualizations"), shared by chart-data, saved
// visualizations and the OpenAPI document. Only the shape is checked here; whether the named
// columns exist and have fitting types is `validateChart` (chart-data.ts), because a saved
// visualization must be re-checked against the dataset's columns later.
import { z } from 'zod';
import { FILTER_OPS } from '../../core/filter.types.js';
import { METRIC_OPS } from '../../core/metrics.js';
import { TIME_UNITS } from '../../core/time-bucket.js';

export const CHART_TYPES = ['bar', 'line', 'area', 'scatter', 'pie', 'histogram', 'box', 'heatmap'] as const;
export type ChartType = (typeof CHART_TYPES)[number];

/** Largest `limit` honoured; a larger one is clamped (as `limit` on rows), and no chart returns more points. */
export const MAX_CHART_LIMIT = 10_000;
/** Scatter returns at most this many points when the request has no `limit`. */
export const DEFAULT_SCATTER_LIMIT = 5_000;
export const DEFAULT_BINS = 10;
export const MAX_BINS = 200;

const columnName = z.string().min(1, 'Give a column name.');

export const chartFilterSchema = z.strictObject({
  column: columnName,
  op: z.enum(FILTER_OPS),
  value: z.unknown().optional(),
});

export const chartSortSchema = z.strictObject({
  by: z.enum(['x', 'y', 'value']).default('x').describe('x: the group keys; y: the aggregated value; value: a heatmap cell value.'),
  order: z.enum(['asc', 'desc']).default('asc'),
});

export const chartRequestSchema = z
  .strictObject({
    type: z.enum(CHART_TYPES),
    x: columnName.nullish(),
    y: columnName.nullish(),
    aggregate: z
      .enum(METRIC_OPS)
      .nullish()
      .describe('Metric op applied to y (heatmap: to value); default count without y, sum with it.'),
    groupBy: columnName.nullish().describe('A column whose values become series (colors).'),
    value: columnName.nullish().describe('Heatmap only: the column to aggregate per cell (default: count of rows).'),
    timeUnit: z.enum(TIME_UNITS).nullish().describe('Buckets a date/datetime x by UTC year, quarter, month, ISO week, day or hour.'),
    bins: z.number().int().min(1).max(MAX_BINS).nullish().describe('Bin count for a numeric x (histogram) or numeric heatmap axes; default 10.'),
    filters: z.array(chartFilterSchema).default([]),
    sort: chartSortSchema.nullish().describe('Default: by x ascending.'),
    limit: z
      .number()
      .int()
      .min(1)
      .nullish()
      .describe(`Keep the first N groups in sort order (scatter: N points, sampled; default 5,000). Values above ${MAX_CHART_LIMIT} are clamped.`),
    other: z.boolean().default(false).describe('Fold the groups beyond limit into one "Other" group.'),
  })
  .superRefine((req, ctx) => {
    // A value is part of every filter op except the two null checks (API.md Filters).
    req.filters.forEach((f, i) => {
      if (f.op !== 'isNull' && f.op !== 'notNull' && f.value === undefined) {
        ctx.addIssue({ code: 'custom', path: ['filters', i, 'value'], message: `The ${f.op} filter needs a value.` });
      }
    });
  });

/** A parsed chart request (defaults for `filters` and `other` applied). */
export type ChartRequest = z.infer<typeof chartRequestSchema>;
/** What a client sends (before defaults). */
export type ChartRequestInput = z.input<typeof chartRequestSchema>;

// ---------------------------------------------------------------------------------------------
// Responses (OpenAPI): what chart-data returns, per chart type.

const chartCell = z.union([z.number(), z.string(), z.boolean(), z.null()]).describe('A value typed as the API returns cells (dates as YYYY-MM-DD, hours as ISO datetimes).');

export const chartPointSchema = z
  .object({
    x: chartCell,
    y: chartCell.describe('The aggregated value (bar, line, area, pie) or the raw y (scatter).'),
    series: chartCell.optional().describe('The groupBy value; absent without groupBy.'),
  })
  .meta({ id: 'ChartPoint', description: 'bar, line, area, pie and scatter.' });

export const histogramBinSchema = z
  .object({
    x: z.number().describe('Bin start.'),
    x2: z.number().describe('Bin end (the last bin includes it).'),
    y: z.number().int().describe('Rows in the bin.'),
    series: chartCell.optional(),
  })
  .meta({ id: 'HistogramBin', description: 'histogram: numpy equal-width bins over [min, max] of x, in order.' });

export const boxGroupSchema = z
  .object({
    x: chartCell.describe('The group (null when the request has no x).'),
    min: z.number().nullable().describe('Smallest value inside the iqr fences (q1 − 1.5·IQR, q3 + 1.5·IQR).'),
    q1: z.number().nullable(),
    median: z.number().nullable(),
    q3: z.number().nullable(),
    max: z.number().nullable().describe('Largest value inside the iqr fences.'),
    outliers: z.array(z.number()).describe('Values outside the fences, ascending.'),
  })
  .meta({ id: 'BoxGroup', description: 'box: one entry per x group.' });

export const heatmapCellSchema = z
  .object({
    x: chartCell.describe('x key (a number axis: the start of its bin).'),
    y: chartCell.describe('y key (a number axis: the start of its bin).'),
    value: chartCell.describe('The aggregate of value (count of rows by default).'),
  })
  .meta({ id: 'HeatmapCell', description: 'heatmap: one entry per (x, y) pair that has rows.' });

export const chartMetaSchema = z
  .object({
    rowsScanned: z.number().int().describe('Rows the chart is computed from (after the filters).'),
    rowsReturned: z.number().int().describe('Entries in data.'),
    truncated: z.boolean().describe('True when groups, points or outliers were left out by limit (folding into "Other" leaves nothing out).'),
  })
  .meta({ id: 'ChartMeta' });

export const vegaLiteSpecSchema = z
  .record(z.string(), z.unknown())
  .meta({
    id: 'VegaLiteSpec',
    description: 'A complete Vega-Lite v6 document ($schema https://vega.github.io/schema/vega-lite/v6.json) with the data inline; renders with vega-embed 7, also under a strict CSP.',
  });

export const chartDataResponse = z
  .object({
    // Most specific first, so a parse would not strip fields through a looser shape.
    data: z.array(z.union([histogramBinSchema, boxGroupSchema, heatmapCellSchema, chartPointSchema])),
    meta: chartMetaSchema,
    spec: vegaLiteSpecSchema,
  })
  .meta({ id: 'ChartData' });
