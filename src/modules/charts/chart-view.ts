// A chart's data, meta and Vega-Lite spec for a dataset: shared by chart-data and saved visualizations.
import type { ColumnMeta } from '../ingest/ingest.types.js';
import type { DatasetRecord } from '../../db/datasets.repo.js';
import type { DatasetReader } from '../datasets/dataset-reader.js';
import { buildChartData, validateChart } from './chart-data.js';
import type { ChartRequest } from './charts.schemas.js';
import { buildVegaLiteSpec } from './vega-spec.js';

export { chartDataResponse } from './charts.schemas.js';

/** The columns a chart request names, its filters' included (the others need not be loaded). */
export function chartColumns(req: ChartRequest): string[] {
  const names = [req.x, req.y, req.groupBy, req.value, ...req.filters.map((f) => f.column)];
  return [...new Set(names.filter((c): c is string => typeof c === 'string'))];
}

export async function renderChart(reader: DatasetReader, dataset: DatasetRecord, req: ChartRequest) {
  validateChart(dataset.columns, req);
  return reader.cached(dataset, 'chart', req, async () => {
    const { table } = await reader.readDataset(dataset, { columns: chartColumns(req), filters: [], filterPath: 'filters' });
    // buildChartData applies the request's own filters (and names them `filters.N` in errors).
    const { data, meta } = buildChartData(table, req);
    return { data, meta, spec: buildVegaLiteSpec(req, data, dataset.columns as ColumnMeta[]) };
  });
}
