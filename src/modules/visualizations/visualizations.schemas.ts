import { z } from 'zod';
import { chartRequestSchema } from '../charts/charts.schemas.js';
import { chartDataResponse } from '../charts/chart-view.js';
import { LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT, pageSchema } from '../datasets/datasets.schemas.js';
import { pageLimit, pageOffset } from '../../http/query-params.js';

export const createBody = z.strictObject({
  datasetId: z.string().min(1).max(100),
  name: z.string().trim().min(1).max(200),
  description: z.string().max(5000).nullish(),
  chart: chartRequestSchema,
});

export const patchBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  description: z.string().max(5000).nullable().optional(),
  chart: chartRequestSchema.optional(),
});

export const listQuery = z.strictObject({
  datasetId: z.string().max(100).optional().describe('Only the visualizations of this dataset.'),
  limit: pageLimit(LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT),
  offset: pageOffset,
});

export const getQuery = z.strictObject({
  include: z.enum(['data']).optional().describe('`data` adds the chart\'s current data, meta and spec.'),
});

export const visualizationSchema = z.object({
  id: z.string(),
  datasetId: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  chart: z.record(z.string(), z.unknown()).describe('The chart request (as for chart-data).'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const visualizationWithData = visualizationSchema.extend(chartDataResponse.partial().shape);
export const visualizationList = z.object({ data: z.array(visualizationSchema), page: pageSchema });
export const specResponse = chartDataResponse.shape.spec;
