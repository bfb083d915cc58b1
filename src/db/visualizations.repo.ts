// Saved visualizations, always scoped to their owner.
import type { Db } from './client.js';

export interface VisualizationRecord {
  id: string;
  userId: string;
  datasetId: string;
  name: string;
  description: string | null;
  chart: unknown;
  createdAt: Date;
  updatedAt: Date;
}

export function visualizationsRepo(db: Db) {
  return {
    create: (data: { userId: string; datasetId: string; name: string; description: string | null; chart: unknown }): Promise<VisualizationRecord> =>
      db.visualization.create({ data: { ...data, chart: data.chart as object } }),

    find: (userId: string, id: string): Promise<VisualizationRecord | null> => db.visualization.findFirst({ where: { id, userId } }),

    async list(userId: string, opts: { datasetId?: string; limit: number; offset: number }) {
      const where = { userId, ...(opts.datasetId ? { datasetId: opts.datasetId } : {}) };
      const [total, rows] = await Promise.all([
        db.visualization.count({ where }),
        db.visualization.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], skip: opts.offset, take: opts.limit }),
      ]);
      return { total, rows: rows as VisualizationRecord[] };
    },

    async update(userId: string, id: string, data: { name?: string; description?: string | null; chart?: unknown }): Promise<boolean> {
      const { count } = await db.visualization.updateMany({ where: { id, userId }, data: data as object });
      return count > 0;
    },

    async delete(userId: string, id: string): Promise<boolean> {
      const { count } = await db.visualization.deleteMany({ where: { id, userId } });
      return count > 0;
    },
  };
}
export type VisualizationsRepo = ReturnType<typeof visualizationsRepo>;
