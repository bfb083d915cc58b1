// A dataset's content: column chunks, keyed by (dataset, version, column, kind, chunk).
// Writes go in batches so no single statement carries a huge blob list; reads fetch only the
// columns asked for.
import type { Db } from './client.js';
import { Prisma } from '../generated/prisma/client.js';
import type { EncodedChunk } from '../core/column-codec.js';

/** Chunks per INSERT: ~8 × 512 KB keeps statements small on both databases. */
const WRITE_BATCH = 8;

export function contentRepo(db: Db) {
  return {
    async writeColumn(datasetId: string, version: number, column: number, chunks: EncodedChunk[]): Promise<void> {
      for (let i = 0; i < chunks.length; i += WRITE_BATCH) {
        await db.datasetChunk.createMany({
          data: chunks.slice(i, i + WRITE_BATCH).map((c) => ({
            datasetId, version, column, kind: c.kind, chunk: c.chunk, count: c.count, data: c.data as Uint8Array<ArrayBuffer>,
          })),
        });
      }
    },

    async readColumn(datasetId: string, version: number, column: number): Promise<EncodedChunk[]> {
      const rows = await db.datasetChunk.findMany({
        where: { datasetId, version, column },
        select: { kind: true, chunk: true, count: true, data: true },
      });
      return rows.map((r) => ({ kind: r.kind as EncodedChunk['kind'], chunk: r.chunk, count: r.count, data: r.data }));
    },

    /** Removes every version but `keep` (or all content when keep is null). */
    async deleteVersions(datasetId: string, keep: number | null): Promise<void> {
      await db.datasetChunk.deleteMany({ where: keep === null ? { datasetId } : { datasetId, version: { not: keep } } });
    },

    async deleteVersion(datasetId: string, version: number): Promise<void> {
      await db.datasetChunk.deleteMany({ where: { datasetId, version } });
    },

    /** Copies unchanged columns into a new version inside the database (no round trip through Node). */
    async copyColumns(datasetId: string, fromVersion: number, toVersion: number, columns: number[]): Promise<void> {
      if (columns.length === 0) return;
      await db.$executeRaw`
        INSERT INTO "DatasetChunk" ("datasetId", "version", "column", "kind", "chunk", "count", "data")
        SELECT "datasetId", ${toVersion}, "column", "kind", "chunk", "count", "data" FROM "DatasetChunk"
        WHERE "datasetId" = ${datasetId} AND "version" = ${fromVersion} AND "column" IN (${Prisma.join(columns)})`;
    },
  };
}
export type ContentRepo = ReturnType<typeof contentRepo>;
