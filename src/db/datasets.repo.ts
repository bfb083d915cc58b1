// Dataset rows. Every query is scoped to the owner: another user's id simply is not found.
import type { Db, DbProvider } from './client.js';
import type { RequestLookups } from './request-lookups.js';
import type { ColumnMeta, SheetInfo } from '../modules/ingest/ingest.types.js';

export interface DatasetRecord {
  id: string;
  userId: string;
  name: string;
  description: string | null;
  originalFilename: string;
  format: string;
  sizeBytes: number;
  status: 'processing' | 'ready' | 'failed';
  progress: number;
  error: string | null;
  rowCount: number;
  columnCount: number;
  columns: ColumnMeta[];
  sheets: SheetInfo[] | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export type DatasetSortField = 'name' | 'createdAt' | 'rowCount';

const asRecord = (row: any): DatasetRecord => row as DatasetRecord;

/** `lookups`: the owner's-dataset lookup through the drivers (most requests make it); Prisma without. */
export function datasetsRepo(db: Db, provider: DbProvider, lookups?: RequestLookups) {
  return {
    async create(data: {
      userId: string; name: string; description: string | null; originalFilename: string; format: string; sizeBytes: number;
      status: DatasetRecord['status']; rowCount?: number; columnCount?: number; columns?: ColumnMeta[]; sheets?: SheetInfo[] | null;
    }): Promise<DatasetRecord> {
      const row = await db.dataset.create({
        data: { ...data, columns: (data.columns ?? []) as any, sheets: (data.sheets ?? undefined) as any, progress: data.status === 'ready' ? 1 : 0 },
      });
      return asRecord(row);
    },

    async find(userId: string, id: string): Promise<DatasetRecord | null> {
      if (lookups) return lookups.dataset(userId, id);
      const row = await db.dataset.findFirst({ where: { id, userId } });
      return row ? asRecord(row) : null;
    },

    async list(userId: string, opts: { q?: string; limit: number; offset: number; sort: DatasetSortField; descending: boolean }) {
      // Case-insensitive name search that works the same on SQLite and PostgreSQL:
      // SQLite's LIKE ignores ASCII case; PostgreSQL needs `mode`, which the SQLite client lacks.
      const where: any = { userId };
      if (opts.q) where.name = { contains: opts.q, ...(provider === 'postgresql' ? { mode: 'insensitive' } : {}) };
      const [total, rows] = await Promise.all([
        db.dataset.count({ where }),
        db.dataset.findMany({
          where,
          orderBy: [{ [opts.sort]: opts.descending ? 'desc' : 'asc' }, { id: 'asc' }],
          skip: opts.offset,
          take: opts.limit,
        }),
      ]);
      return { total, rows: rows.map(asRecord) };
    },

    /** Updates a dataset if it is still at `expectedVersion` (two concurrent changes cannot both win). */
    async update(userId: string, id: string, expectedVersion: number, data: Partial<Pick<DatasetRecord, 'name' | 'description' | 'columns' | 'version'>>) {
      const { count } = await db.dataset.updateMany({ where: { id, userId, version: expectedVersion }, data: data as any });
      return count > 0;
    },

    /** Progress of a background ingest; only while it is still processing. */
    setProgress: (id: string, progress: number) =>
      db.dataset.updateMany({ where: { id, status: 'processing' }, data: { progress } }),

    /** Marks a processing dataset ready with its metadata: the record as it is now, or null if it is no longer processing (deleted or failed meanwhile). */
    async markReady(id: string, meta: { rowCount: number; columnCount: number; columns: ColumnMeta[]; sheets: SheetInfo[] | null; format: string }): Promise<DatasetRecord | null> {
      const [row] = await db.dataset.updateManyAndReturn({
        where: { id, status: 'processing' },
        data: { ...meta, columns: meta.columns as any, sheets: (meta.sheets ?? undefined) as any, status: 'ready', progress: 1, error: null },
      });
      return row ? asRecord(row) : null;
    },

    markFailed: (id: string, error: string) =>
      db.dataset.updateMany({ where: { id, status: 'processing' }, data: { status: 'failed', error } }),

    /**
     * Fails datasets still `processing` whose last sign of life (progress or heartbeat, both move
     * `updatedAt`) is older than `before`: the instance ingesting them is gone. Returns their ids.
     */
    async failStale(reason: string, before: Date): Promise<string[]> {
      const where = { status: 'processing', updatedAt: { lt: before } };
      const stuck = await db.dataset.findMany({ where, select: { id: true } });
      if (stuck.length === 0) return [];
      await db.dataset.updateMany({ where: { ...where, id: { in: stuck.map((s) => s.id) } }, data: { status: 'failed', error: reason } });
      return stuck.map((s) => s.id);
    },

    async delete(userId: string, id: string): Promise<boolean> {
      const { count } = await db.dataset.deleteMany({ where: { id, userId } });
      return count > 0;
    },
  };
}
export type DatasetsRepo = ReturnType<typeof datasetsRepo>;

