// A chart's data, meta and Vega-Lite spec for a dataset: shared by chart-data and saved visualizations.
import { z } from 'zod';
import type { ColumnMeta } from '../ingest/ingest.types.js';
import type { DatasetRecord } from '../../db/datasets.repo.js';
import type { DatasetReader } from '../datasets/dataset-reader.js';
import { buildChartData, validateChart } from './chart-data.js';
import type { ChartRequest } from './charts.schemas.js';
import { buildVegaLiteSpec } from './vega-spec.js';

export const chartDataResponse = z.object({
  data: z.array(z.record(z.string(), z.unknown())).describe('Points: { x, y, series? }; histogram { x, x2, y }; box { x, min, q1, median, q3, max, outliers }; heatmap { x, y, value }.'),
  meta: z.object({ rowsScanned: z.number().int(), rowsReturned: z.number().int(), truncated: z.boolean() }),
  spec: z.record(z.string(), z.unknown()).describe('A complete Vega-Lite v6 spec with the data inline.'),
});

/** The columns a chart request names (the others need not be loaded). */
export function chartColumns(req: ChartRequest): string[] {
  return [req.x, req.y, req.groupBy, req.value].filter((c): c is string => typeof c === 'string');
}

export async function renderChart(reader: DatasetReader, dataset: DatasetRecord, req: ChartRequest) {
  validateChart(dataset.columns, req);
  const { table } = await reader.readDataset(dataset, { columns: chartColumns(req), filters: [], filterPath: 'filters' });
  // buildChartData applies the request's own filters (and names them `filters.N` in errors).
  const { data, meta } = buildChartData(table, req);
  return { data, meta, spec: buildVegaLiteSpec(req, data, dataset.columns as ColumnMeta[]) };
}
