// Loads and saves a dataset's content: typed columns in chunks through the database, with an
// in-process LRU cache of decoded columns under a memory budget (CACHE_MB).
//
// Cache keys are `datasetId:version:columnIndex`. A retype writes a new version and a re-upload is
// a new dataset, so a key can never name stale content; a second instance sharing the database
// simply has its own cache. Names and types come from the dataset record at each load (a column
// rename changes only the record, not the content).
import { LRUCache } from 'lru-cache';
import type { Column, Table } from '../../core/column.js';
import { chunkPlace, columnArray, columnBytes, decodeColumn, encodeColumn } from '../../core/column-codec.js';
import type { ColumnChunk, ContentRepo } from '../../db/content.repo.js';
import type { DatasetRecord } from '../../db/datasets.repo.js';

const MB = 1024 * 1024;
/** Encoded bytes gathered before a write when saving several columns (bounds what is held at once). */
const SAVE_BATCH_BYTES = 4 * MB;
/** The column number of a version's claim row (real columns count from 0, so no read meets it). */
const CLAIM_COLUMN = -1;

/** A claim's content: when it was made (ms since 1970), as 8 bytes. */
const claimStamp = (): Uint8Array => new Uint8Array(Float64Array.of(Date.now()).buffer);
const stampOf = (data: Uint8Array): number => (data.byteLength === 8 ? new Float64Array(new Uint8Array(data).buffer)[0] : 0);

export function tableStore(content: ContentRepo, cacheMb: number) {
  const cache = new LRUCache<string, Column, { ds: DatasetRecord; index: number }>({
    // lru-cache needs a positive budget; with CACHE_MB=0 nothing fits, so nothing is kept.
    maxSize: Math.max(1, cacheMb * MB),
    sizeCalculation: (col) => Math.max(1, columnBytes(col)),
    // A column larger than the whole budget is still returned, just not kept (without this,
    // lru-cache rejects the fetch as "evicted").
    ignoreFetchAbort: true,
    // fetch() also merges concurrent loads of the same column into one database read.
    fetchMethod: async (_key, _stale, { context }) => {
      const { ds, index } = context;
      const meta = ds.columns[index];
      // The array first, so a reader can copy the chunks straight into it.
      const array = columnArray(meta.type, ds.rowCount);
      const chunks = await content.readColumn(ds.id, ds.version, index, (kind, chunk, count, length) => chunkPlace(array, kind, chunk, count, length));
      return decodeColumn(meta.name, meta.type, ds.rowCount, chunks, array);
    },
  });

  async function loadColumn(ds: DatasetRecord, index: number): Promise<Column> {
    const col = await cache.fetch(`${ds.id}:${ds.version}:${index}`, { context: { ds, index } });
    if (!col) throw new Error(`Column ${index} of dataset ${ds.id} could not be loaded.`);
    const meta = ds.columns[index];
    return { ...col, name: meta.name } as Column;
  }

  return {
    /**
     * The dataset as a Table holding only the named columns (all when `names` is absent), in the
     * dataset's column order. Unknown names are skipped: the caller's validation names them.
     */
    async load(ds: DatasetRecord, names?: Iterable<string>): Promise<Table> {
      const wanted = names ? new Set(names) : null;
      const indexes = ds.columns.flatMap((c, i) => (!wanted || wanted.has(c.name) ? [i] : []));
      const columns: Column[] = new Array(indexes.length);
      // A few columns at a time: each column's chunks are decoded and dropped before the next
      // ones are read, so a cold load never holds the whole table twice.
      let next = 0;
      const reader = async () => {
        while (next < indexes.length) {
          const k = next++;
          columns[k] = await loadColumn(ds, indexes[k]);
        }
      };
      await Promise.all(Array.from({ length: Math.min(content.readConcurrency, indexes.length) }, reader));
      return { rowCount: ds.rowCount, columns };
    },

    /**
     * Writes columns (by their index in the dataset) under a version; `fromChunk` skips row chunks
     * already written (as blocks, while the file was parsed). `onWritten` gets the share of the
     * columns written so far after each write.
     */
    async save(datasetId: string, version: number, columns: { index: number; column: Column; fromChunk?: number }[], onWritten?: (fraction: number) => void): Promise<void> {
      // Columns go together, up to SAVE_BATCH_BYTES a write: the last rows of a background upload
      // (a few KB per column) then take one write, not one per column (on PostgreSQL each write is
      // a connection, a transaction and a COPY: 10 columns took 25-45 ms, one write 5-10).
      let batch: ColumnChunk[] = [];
      let bytes = 0;
      for (let i = 0; i < columns.length; i++) {
        const { index, column, fromChunk } = columns[i];
        for (const c of encodeColumn(column, fromChunk)) {
          batch.push({ ...c, column: index });
          bytes += c.data.byteLength;
        }
        if (bytes >= SAVE_BATCH_BYTES || i === columns.length - 1) {
          if (batch.length > 0) await content.writeChunks(datasetId, version, batch);
          onWritten?.((i + 1) / columns.length);
          batch = [];
          bytes = 0;
        }
      }
    },

    /**
     * Claims a new version for one change of the dataset, before anything of it is written. Of two
     * changes that start from the same version, only one may write the next: the other gets the
     * database's unique-key error, having written nothing, and so removes nothing of the winner's.
     */
    async claimVersion(datasetId: string, version: number): Promise<void> {
      await content.writeChunks(datasetId, version, [{ column: CLAIM_COLUMN, kind: 'claim', chunk: 0, count: 0, data: claimStamp() }]);
    },

    /** When a version was claimed (ms since 1970), or null when it is not. */
    async claimedAt(datasetId: string, version: number): Promise<number | null> {
      const [held] = await content.readColumn(datasetId, version, CLAIM_COLUMN);
      return held ? stampOf(held.data) : null;
    },

    /** Writes chunks as they are (a block of rows of a parse that is still running, all its columns at once). */
    saveChunks: content.writeChunks,

    /** Drops one stored column of a version. */
    dropColumn: content.deleteColumn,

    /** Copies unchanged columns to a new version inside the database. */
    copy: content.copyColumns,

    /** Drops one stored version (a change that lost a race). */
    dropVersion: content.deleteVersion,

    /** Drops every stored version but `keep` (all content when null). */
    prune: content.deleteVersions,

    /** Forgets cached columns of a dataset (after delete or retype; keys by version make it a nicety). */
    forget(datasetId: string): void {
      for (const key of cache.keys()) if (key.startsWith(`${datasetId}:`)) cache.delete(key);
    },

    cacheStats: () => ({ entries: cache.size, bytes: cache.calculatedSize }),

    /** Opens the content repository's database connections (start-up; otherwise on first use). */
    connect: content.connect,

    /** Closes the content repository's own database connections (app shutdown). */
    async close(): Promise<void> {
      cache.clear();
      await content.close();
    },
  };
}
export type TableStore = ReturnType<typeof tableStore>;
