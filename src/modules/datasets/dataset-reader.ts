// Reading a ready dataset for a computation (analysis, charts, saved visualizations): the owner's
// dataset, only the columns the computation names, and the rows its filters keep. Answers are
// kept in the result cache by dataset state and request.
import type { Table } from '../../core/column.js';
import { applyFilters } from '../../core/filter-ops.js';
import type { Filter, RowSelection } from '../../core/filter.types.js';
import type { DatasetRecord } from '../../db/datasets.repo.js';
import type { PathDataset } from '../../http/auth.js';
import type { DatasetsService } from './datasets.service.js';
import type { ResultCache } from './result-cache.js';

export interface ReadRequest {
  /** Columns the computation names; null = every column. Unknown names are left for it to report. */
  columns: string[] | null;
  filters: Filter[];
  /** How filter errors name the field: 'filter' (query) or 'filters' (JSON body). */
  filterPath: 'filter' | 'filters';
}

export interface DatasetRead {
  dataset: DatasetRecord;
  table: Table;
  rows: RowSelection;
}

export function datasetReader(datasets: DatasetsService, results: ResultCache) {
  async function readDataset(dataset: DatasetRecord, request: ReadRequest): Promise<DatasetRead> {
    const names = request.columns ? [...request.columns, ...request.filters.map((f) => f.column)] : undefined;
    const table = await datasets.loadTable(dataset, names);
    return { dataset, table, rows: applyFilters(table, request.filters, request.filterPath) };
  }

  return {
    readDataset,

    /** The answer of `run` over the caller's ready dataset, from the cache when the same request was answered before. */
    async compute<T>(
      userId: string, datasetId: string, kind: string, request: ReadRequest, params: unknown, run: (read: DatasetRead) => T, known?: PathDataset,
    ): Promise<T> {
      const dataset = await datasets.findReady(userId, datasetId, known);
      return results.get(dataset, kind, { request, params }, async () => run(await readDataset(dataset, request)));
    },

    /** A cached answer for a dataset the caller already holds. */
    cached: <T>(dataset: DatasetRecord, kind: string, request: unknown, compute: () => Promise<T>) => results.get(dataset, kind, request, compute),
  };
}
export type DatasetReader = ReturnType<typeof datasetReader>;
