// A dataset's content: column chunks, keyed by (dataset, version, column, kind, chunk).
//
// With the database URL, chunks go straight through the drivers, on their own connections: Prisma
// turns every blob into JSON-safe text and back, which made storing a 1M-row table 2-4x slower
// than the plain driver. SQLite: a write connection and a read connection (better-sqlite3 is
// synchronous, so each write transaction is kept to a few MB and the event loop runs between
// them; a transaction never spans an await, because a Prisma write on the other connection in this
// process would then wait for a lock that cannot be released). PostgreSQL: a small pg pool; blobs
// go up and come back through a binary COPY, as raw bytes (a SELECT sends bytea as hex or base64
// text: loading a 1M-row table took ~1 s that way, of which the server's base64 encoding alone was
// ~0.37 s, against ~0.45 s with COPY; an INSERT's parameters are copied into one message as big as
// the statement first, and those big buffers made the garbage collector run far more often).
//
// Without a URL (or for a database it does not know) it uses Prisma: same rows, same semantics.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { Db } from './client.js';
import { Prisma } from '../generated/prisma/client.js';
import type { EncodedChunk } from '../core/column-codec.js';
import { openConnections, providerOf, sqlitePath } from './client.js';
import { BinaryCopyReader, binaryCopyPieces } from './pg-binary-copy.js';

/** Chunks per INSERT through Prisma: ~8 × 512 KB keeps statements small on both databases. */
const PRISMA_WRITE_BATCH = 8;
/** Payload per SQLite write transaction (it blocks the event loop while it runs). */
const SQLITE_TX_BYTES = 4 * 1024 * 1024;
/** Page cache per SQLite content connection, in KB (SQLite's own default). */
const PAGE_CACHE_KB = 2000;
/** How long a SQLite write retries while another connection holds the write lock. */
const BUSY_WAIT_MS = 10_000;
/** Connections of the PostgreSQL content pool. */
const POOL_SIZE = 4;

/** A chunk and the column it belongs to. */
export type ColumnChunk = EncodedChunk & { column: number };

/** Where a chunk's bytes may go (a view of exactly `length` bytes), or null. */
export type ChunkPlace = (kind: EncodedChunk['kind'], chunk: number, count: number, length: number) => Uint8Array | null;

export interface ContentRepo {
  /**
   * How many columns are worth reading at once: 1 for SQLite (its reads are synchronous, so reading
   * ahead only keeps every column's chunks in memory before any is decoded), more for a server.
   */
  readonly readConcurrency: number;
  /** Writes chunks of one version, of one column or several (a block of rows), in one transaction or a few. */
  writeChunks(datasetId: string, version: number, chunks: ColumnChunk[]): Promise<void>;
  /**
   * A column's chunks. With `place`, a reader that can copies a chunk's bytes straight to where it
   * says (the column being rebuilt: column-codec's chunkPlace) instead of into a buffer of their own.
   */
  readColumn(datasetId: string, version: number, column: number, place?: ChunkPlace): Promise<EncodedChunk[]>;
  /** Removes every version but `keep` (or all content when keep is null). */
  deleteVersions(datasetId: string, keep: number | null): Promise<void>;
  deleteVersion(datasetId: string, version: number): Promise<void>;
  /** Removes one column of one version (its blocks were stored early and turned out stale). */
  deleteColumn(datasetId: string, version: number, column: number): Promise<void>;
  /** Copies unchanged columns into a new version inside the database (no round trip through Node). */
  copyColumns(datasetId: string, fromVersion: number, toVersion: number, columns: number[]): Promise<void>;
  /** Opens the repository's own connections now rather than on first use (start-up). */
  connect(): Promise<void>;
  /** Closes the repository's own connections (none through Prisma). */
  close(): Promise<void>;
}

export interface ContentRepoOptions {
  /** DATABASE_URL: enables the direct driver path. */
  url?: string;
}

const COLUMNS = '"datasetId", "version", "column", "kind", "chunk", "count", "data"';

/** Splits chunks into runs of about `bytes` payload (at least one chunk each), each of one column. */
function batches(chunks: ColumnChunk[], bytes: number): ColumnChunk[][] {
  const out: ColumnChunk[][] = [];
  let current: ColumnChunk[] = [];
  let size = 0;
  for (const c of chunks) {
    if (current.length > 0 && (size + c.data.byteLength > bytes || c.column !== current[0].column)) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(c);
    size += c.data.byteLength;
  }
  if (current.length > 0) out.push(current);
  return out;
}

const toBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function contentRepo(db: Db, options: ContentRepoOptions = {}): ContentRepo {
  const url = options.url;
  if (url && url.startsWith('file:')) return sqliteContent(sqlitePath(url));
  if (url && providerOf(url) === 'postgresql') return pgContent(url);
  return prismaContent(db);
}

function prismaContent(db: Db): ContentRepo {
  return {
    readConcurrency: 4,
    async writeChunks(datasetId, version, chunks) {
      for (let i = 0; i < chunks.length; i += PRISMA_WRITE_BATCH) {
        await db.datasetChunk.createMany({
          data: chunks.slice(i, i + PRISMA_WRITE_BATCH).map((c) => ({
            datasetId, version, column: c.column, kind: c.kind, chunk: c.chunk, count: c.count, data: c.data as Uint8Array<ArrayBuffer>,
          })),
        });
      }
    },

    async readColumn(datasetId, version, column) {
      const rows = await db.datasetChunk.findMany({
        where: { datasetId, version, column },
        select: { kind: true, chunk: true, count: true, data: true },
      });
      return rows.map((r) => ({ kind: r.kind as EncodedChunk['kind'], chunk: r.chunk, count: r.count, data: r.data }));
    },

    async deleteVersions(datasetId, keep) {
      await db.datasetChunk.deleteMany({ where: keep === null ? { datasetId } : { datasetId, version: { not: keep } } });
    },

    async deleteVersion(datasetId, version) {
      await db.datasetChunk.deleteMany({ where: { datasetId, version } });
    },

    async deleteColumn(datasetId, version, column) {
      await db.datasetChunk.deleteMany({ where: { datasetId, version, column } });
    },

    async copyColumns(datasetId, fromVersion, toVersion, columns) {
      if (columns.length === 0) return;
      await db.$executeRaw`
        INSERT INTO "DatasetChunk" ("datasetId", "version", "column", "kind", "chunk", "count", "data")
        SELECT "datasetId", ${toVersion}, "column", "kind", "chunk", "count", "data" FROM "DatasetChunk"
        WHERE "datasetId" = ${datasetId} AND "version" = ${fromVersion} AND "column" IN (${Prisma.join(columns)})`;
    },

    async connect() {},

    async close() {},
  };
}

interface SqliteConnection {
  prepare(sql: string): { run(...args: unknown[]): unknown; all(...args: unknown[]): unknown[]; iterate(...args: unknown[]): Iterable<unknown> };
  transaction<F extends (...args: any[]) => unknown>(fn: F): F;
  pragma(sql: string): unknown;
  close(): void;
}

function sqliteContent(file: string): ContentRepo {
  // Opened on first use: the migrations have created the file and table by then.
  interface Connections {
    writer: SqliteConnection;
    reader: SqliteConnection;
  }
  let conns: Connections | null = null;
  let opening: Promise<Connections> | null = null;

  async function open(): Promise<Connections> {
    if (conns) return conns;
    opening ??= (async () => {
      const { default: Database } = await import('better-sqlite3');
      const writer = new Database(file, { timeout: 0 }) as unknown as SqliteConnection;
      // WAL (set by the migrations) + NORMAL: a commit does not fsync; a crash can lose the last
      // commits but never corrupts, and the dataset only turns ready after its content is written.
      writer.pragma('synchronous = NORMAL');
      // Readers never wait for writers in WAL mode.
      const reader = new Database(file, { timeout: 1_000 }) as unknown as SqliteConnection;
      // better-sqlite3 builds SQLite with a 16 MB page cache per connection, and the server kept it
      // full after the first big upload. Chunks are written once and read once, so a cache does
      // not help them: with SQLite's usual 2 MB, the peak during a 72 MB upload was about 17 MB
      // lower (median of 15: 276 against 293 MB), for the same upload time.
      for (const db of [writer, reader]) db.pragma(`cache_size = -${PAGE_CACHE_KB}`);
      conns = { writer, reader };
      return conns;
    })();
    return opening;
  }

  /**
   * Runs one synchronous write transaction. The connection does not wait for a busy database inside
   * SQLite (that would block the event loop, and with it the Prisma transaction holding the lock);
   * it retries after a short pause instead, for up to BUSY_WAIT_MS.
   */
  async function write(fn: (w: SqliteConnection) => void): Promise<void> {
    const { writer } = await open();
    const deadline = Date.now() + BUSY_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        writer.transaction(() => fn(writer))();
        return;
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (!code.startsWith('SQLITE_BUSY') || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, Math.min(50, 2 + attempt * 2)));
      }
    }
  }

  return {
    readConcurrency: 1,

    async writeChunks(datasetId, version, chunks) {
      const { writer } = await open();
      const insert = writer.prepare(`INSERT INTO "DatasetChunk" (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
      const runs = batches(chunks, SQLITE_TX_BYTES);
      for (let i = 0; i < runs.length; i++) {
        // Between the parts of a big column, others get a turn. A block of rows (a chunk of each
        // column) goes in one go: yielding between its columns made uploads 40-80 ms slower.
        if (i > 0 && runs[i][0].column === runs[i - 1][0].column) await nextTurn();
        await write(() => {
          for (const c of runs[i]) insert.run(datasetId, version, c.column, c.kind, c.chunk, c.count, toBuffer(c.data));
        });
      }
    },

    async readColumn(datasetId, version, column, place) {
      const { reader } = await open();
      const rows = reader
        .prepare(`SELECT "kind", "chunk", "count", "data" FROM "DatasetChunk" WHERE "datasetId" = ? AND "version" = ? AND "column" = ?`)
        .iterate(datasetId, version, column) as Iterable<EncodedChunk>;
      // One row at a time: a chunk copied to its place is dropped at once, so a column's blobs are
      // never all held at the same time (less new memory to touch on a cold load).
      const out: EncodedChunk[] = [];
      for (const row of rows) {
        const target = place?.(row.kind, row.chunk, row.count, row.data.byteLength);
        if (target) target.set(row.data);
        out.push(target ? { ...row, data: target } : row);
      }
      return out;
    },

    async deleteVersions(datasetId, keep) {
      await write((w) => {
        if (keep === null) w.prepare(`DELETE FROM "DatasetChunk" WHERE "datasetId" = ?`).run(datasetId);
        else w.prepare(`DELETE FROM "DatasetChunk" WHERE "datasetId" = ? AND "version" <> ?`).run(datasetId, keep);
      });
    },

    async deleteVersion(datasetId, version) {
      await write((w) => w.prepare(`DELETE FROM "DatasetChunk" WHERE "datasetId" = ? AND "version" = ?`).run(datasetId, version));
    },

    async deleteColumn(datasetId, version, column) {
      await write((w) =>
        w.prepare(`DELETE FROM "DatasetChunk" WHERE "datasetId" = ? AND "version" = ? AND "column" = ?`).run(datasetId, version, column),
      );
    },

    async copyColumns(datasetId, fromVersion, toVersion, columns) {
      if (columns.length === 0) return;
      await write((w) =>
        w
          .prepare(
            `INSERT INTO "DatasetChunk" (${COLUMNS}) SELECT "datasetId", ?, "column", "kind", "chunk", "count", "data" FROM "DatasetChunk"
             WHERE "datasetId" = ? AND "version" = ? AND "column" IN (${columns.map(() => '?').join(', ')})`,
          )
          .run(toVersion, datasetId, fromVersion, ...columns),
      );
    },

    async connect() {
      await open();
    },

    async close() {
      const c = conns;
      conns = null;
      opening = null;
      c?.writer.close();
      c?.reader.close();
    },
  };
}

function pgContent(url: string): ContentRepo {
  type Pool = import('pg').Pool;
  let pool: Pool | null = null;
  let opening: Promise<Pool> | null = null;

  async function open(): Promise<Pool> {
    if (pool) return pool;
    opening ??= (async () => {
      const { default: pg } = await import('pg');
      // `min`: the connections opened at start-up stay open while idle (see connect()).
      const p = new pg.Pool({ connectionString: url, min: POOL_SIZE, max: POOL_SIZE, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
      // An idle connection dropped by the server (restart, DROP DATABASE) must not crash the process.
      p.on('error', () => undefined);
      pool = p;
      return p;
    })();
    return opening;
  }

  return {
    readConcurrency: POOL_SIZE,

    async writeChunks(datasetId, version, chunks) {
      const client = await (await open()).connect();
      let failed: Error | undefined;
      try {
        // Durable enough: the dataset record turns ready in a later, synchronous commit, which
        // flushes the write-ahead log up to and including these rows.
        await client.query('BEGIN; SET LOCAL synchronous_commit = off');
        const copy = client.query(copyFrom(`COPY "DatasetChunk" (${COLUMNS}) FROM STDIN (FORMAT binary)`));
        const rows = chunks.map((c) => [datasetId, version, c.column, c.kind, c.chunk, c.count, c.data]);
        await pipeline(Readable.from(binaryCopyPieces(rows)), copy);
        await client.query('COMMIT');
      } catch (err) {
        failed = err as Error;
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        // A connection left in the middle of a COPY is closed, not reused.
        client.release(failed);
      }
    },

    async readColumn(datasetId, version, column, place) {
      if (!Number.isSafeInteger(version) || !Number.isSafeInteger(column)) throw new Error('version and column must be integers');
      const client = await (await open()).connect();
      let failed: Error | undefined;
      try {
        // COPY takes no bind parameters: the id is quoted by the driver, the numbers are integers.
        const copy = client.query(copyTo(
          `COPY (SELECT "kind", "chunk", "count", "data" FROM "DatasetChunk" WHERE "datasetId" = ${client.escapeLiteral(datasetId)}
           AND "version" = ${version} AND "column" = ${column}) TO STDOUT (FORMAT binary)`,
        ));
        // The data field comes after kind, chunk and count: they say where its bytes go.
        const reader = new BinaryCopyReader(
          place && ((before, length) =>
            before.length === 3 && before.every((f) => f !== null)
              ? place(before[0]!.toString('utf8') as EncodedChunk['kind'], before[1]!.readInt32BE(0), before[2]!.readInt32BE(0), length)
              : null),
        );
        for await (const part of copy) reader.push(part as Buffer);
        return reader.end().map(([kind, chunk, count, data]) => ({
          kind: kind!.toString('utf8') as EncodedChunk['kind'],
          chunk: chunk!.readInt32BE(0),
          count: count!.readInt32BE(0),
          data: data!,
        }));
      } catch (err) {
        failed = err as Error;
        throw err;
      } finally {
        // A connection left in the middle of a COPY is closed, not reused.
        client.release(failed);
      }
    },

    async deleteVersions(datasetId, keep) {
      const p = await open();
      if (keep === null) await p.query(`DELETE FROM "DatasetChunk" WHERE "datasetId" = $1`, [datasetId]);
      else await p.query(`DELETE FROM "DatasetChunk" WHERE "datasetId" = $1 AND "version" <> $2`, [datasetId, keep]);
    },

    async deleteVersion(datasetId, version) {
      await (await open()).query(`DELETE FROM "DatasetChunk" WHERE "datasetId" = $1 AND "version" = $2`, [datasetId, version]);
    },

    async deleteColumn(datasetId, version, column) {
      await (await open()).query(`DELETE FROM "DatasetChunk" WHERE "datasetId" = $1 AND "version" = $2 AND "column" = $3`, [datasetId, version, column]);
    },

    async copyColumns(datasetId, fromVersion, toVersion, columns) {
      if (columns.length === 0) return;
      await (await open()).query(
        `INSERT INTO "DatasetChunk" (${COLUMNS}) SELECT "datasetId", $1, "column", "kind", "chunk", "count", "data" FROM "DatasetChunk"
         WHERE "datasetId" = $2 AND "version" = $3 AND "column" = ANY($4::int[])`,
        [toVersion, datasetId, fromVersion, columns],
      );
    },

    async connect() {
      // Every connection of the pool, not one: a cold load reads POOL_SIZE columns at once, and each
      // connection it had to open then started a server process in the middle of it (a 1M-row
      // table: 285-313 ms with one connection open before, 204-218 ms with all four).
      await openConnections(await open(), POOL_SIZE);
    },

    async close() {
      const p = pool;
      pool = null;
      opening = null;
      await p?.end();
    },
  };
}
