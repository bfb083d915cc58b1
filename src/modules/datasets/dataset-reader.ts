// Reading a ready dataset for a computation (analysis, charts, saved visualizations): the owner's
// dataset, only the columns the computation names, and the rows its filters keep.
import type { Table } from '../../core/column.js';
import { applyFilters } from '../../core/filter-ops.js';
import type { Filter, RowSelection } from '../../core/filter.types.js';
import type { DatasetRecord } from '../../db/datasets.repo.js';
import type { DatasetsService } from './datasets.service.js';
import type { TableStore } from './table-store.js';

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

export function datasetReader(datasets: DatasetsService, store: TableStore) {
  return {
    async read(userId: string, datasetId: string, request: ReadRequest): Promise<DatasetRead> {
      const dataset = await datasets.findReady(userId, datasetId);
      return this.readDataset(dataset, request);
    },

    async readDataset(dataset: DatasetRecord, request: ReadRequest): Promise<DatasetRead> {
      const names = request.columns ? [...request.columns, ...request.filters.map((f) => f.column)] : undefined;
      const table = await store.load(dataset, names);
      return { dataset, table, rows: applyFilters(table, request.filters, request.filterPath) };
    },
  };
}
export type DatasetReader = ReturnType<typeof datasetReader>;
