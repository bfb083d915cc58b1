// Saved visualizations: a named chart request on one dataset. The request is checked against the
// dataset's columns when saved; if the columns change later (rename, retype), reading its data
// answers 409 naming the column instead of failing inside the chart code.
import { AppError } from '../../errors.js';
import type { VisualizationRecord, VisualizationsRepo } from '../../db/visualizations.repo.js';
import type { DatasetRecord } from '../../db/datasets.repo.js';
import type { DatasetReader } from '../datasets/dataset-reader.js';
import type { DatasetsService } from '../datasets/datasets.service.js';
import { validateChart } from '../charts/chart-data.js';
import { renderChart } from '../charts/chart-view.js';
import { chartRequestSchema, type ChartRequest } from '../charts/charts.schemas.js';

export const visualizationView = (v: VisualizationRecord) => ({
  id: v.id,
  datasetId: v.datasetId,
  name: v.name,
  description: v.description,
  chart: v.chart as Record<string, unknown>,
  createdAt: v.createdAt.toISOString(),
  updatedAt: v.updatedAt.toISOString(),
});

/** A chart that does not fit its dataset: 400 `chart.<field>` when saving. */
function checkForSave(dataset: DatasetRecord, chart: ChartRequest): void {
  try {
    validateChart(dataset.columns, chart);
  } catch (err) {
    if (err instanceof AppError && Array.isArray(err.details.fields)) {
      throw AppError.validation((err.details.fields as { path: string; message: string }[]).map((f) => ({ path: `chart.${f.path}`, message: f.message })));
    }
    throw err;
  }
}

const isForeignKeyError = (err: unknown) => (err as { code?: string }).code === 'P2003';

export function visualizationsService(repo: VisualizationsRepo, datasets: DatasetsService, reader: DatasetReader) {
  async function findOwned(userId: string, id: string): Promise<VisualizationRecord> {
    const v = await repo.find(userId, id);
    if (!v) throw AppError.notFound('Visualization');
    return v;
  }

  /** The saved chart's current data and spec; 409 when the dataset's columns no longer fit it. */
  async function render(userId: string, v: VisualizationRecord) {
    const dataset = await datasets.findReady(userId, v.datasetId);
    const chart = chartRequestSchema.parse(v.chart);
    try {
      validateChart(dataset.columns, chart);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'VALIDATION_ERROR') throw err;
      throw new AppError('CONFLICT', `The dataset's columns changed since this visualization was saved: ${err.message} Update its chart with PATCH.`, err.details);
    }
    return renderChart(reader, dataset, chart);
  }

  return {
    async create(userId: string, body: { datasetId: string; name: string; description?: string | null; chart: ChartRequest }) {
      const dataset = await datasets.findOwned(userId, body.datasetId);
      checkForSave(dataset, body.chart);
      try {
        const v = await repo.create({ userId, datasetId: dataset.id, name: body.name, description: body.description ?? null, chart: body.chart });
        return visualizationView(v);
      } catch (err) {
        // The dataset was deleted between the check and the insert.
        if (isForeignKeyError(err)) throw AppError.notFound('Dataset');
        throw err;
      }
    },

    async list(userId: string, q: { datasetId?: string; limit: number; offset: number }) {
      const { total, rows } = await repo.list(userId, q);
      return { data: rows.map(visualizationView), page: { total, limit: q.limit, offset: q.offset } };
    },

    async get(userId: string, id: string, include?: 'data') {
      const v = await findOwned(userId, id);
      const view = visualizationView(v);
      return include === 'data' ? { ...view, ...(await render(userId, v)) } : view;
    },

    async spec(userId: string, id: string) {
      return (await render(userId, await findOwned(userId, id))).spec;
    },

    async update(userId: string, id: string, body: { name?: string; description?: string | null; chart?: ChartRequest }) {
      const v = await findOwned(userId, id);
      if (body.chart) checkForSave(await datasets.findOwned(userId, v.datasetId), body.chart);
      if (!(await repo.update(userId, id, body))) throw AppError.notFound('Visualization');
      return visualizationView(await findOwned(userId, id));
    },

    async remove(userId: string, id: string) {
      if (!(await repo.delete(userId, id))) throw AppError.notFound('Visualization');
    },
  };
}
export type VisualizationsService = ReturnType<typeof visualizationsService>;
