import { endpoint, type Endpoint } from '../../http/endpoint.js';
import type { DatasetReader } from '../datasets/dataset-reader.js';
import type { DatasetsService } from '../datasets/datasets.service.js';
import { idParams } from '../datasets/datasets.schemas.js';
import { chartDataResponse, renderChart } from './chart-view.js';
import { chartRequestSchema } from './charts.schemas.js';

export function chartsEndpoints(datasets: DatasetsService, reader: DatasetReader): Endpoint[] {
  return [
    endpoint({
      method: 'post', path: '/datasets/:id/chart-data', tag: 'Charts',
      summary: 'Data and a Vega-Lite spec for a bar, line, area, scatter, pie, histogram, box or heatmap chart',
      params: idParams,
      body: chartRequestSchema,
      responses: { 200: { description: 'Chart points, counts, and the spec with the data inline.', schema: chartDataResponse } },
      errors: ['NOT_FOUND', 'CONFLICT'],
      handle: async ({ user, params, body }) => ({ body: await renderChart(reader, await datasets.findReady(user.id, params.id, user.pathDataset), body) }),
    }),
  ];
}
