// The dataset as the API shows it (API.md "GET /datasets/:id").
import type { DatasetRecord } from '../../db/datasets.repo.js';

export function datasetView(ds: DatasetRecord) {
  return {
    id: ds.id,
    name: ds.name,
    description: ds.description,
    originalFilename: ds.originalFilename,
    format: ds.format,
    sizeBytes: ds.sizeBytes,
    status: ds.status,
    progress: ds.progress,
    error: ds.error,
    rowCount: ds.rowCount,
    columnCount: ds.columnCount,
    columns: ds.columns,
    sheets: ds.sheets ?? null,
    createdAt: ds.createdAt.toISOString(),
    updatedAt: ds.updatedAt.toISOString(),
  };
}
export type DatasetView = ReturnType<typeof datasetView>;

/** Row objects without a prototype: a column named `__proto__` is just a key. */
export function rowObject(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}
