// The two reads nearly every API request makes — its API key (with the user) and its dataset —
// straight through the database drivers, on their own connection(s). When the request's path names
// its dataset, both come from one statement (keyAndDataset): one round trip to the database.
//
// Why not Prisma: under load (50 clients, answers from the result cache) these two lookups through
// Prisma took about 40% of the process's CPU on SQLite (query planning and result mapping in the
// client, and the adapter preparing each statement anew); here each is one prepared statement.
//
// Nothing is cached between requests: every request reads the current rows, so a key deleted or a
// dataset deleted or changed through any instance sharing the database is seen by the next request
// here. The connections only ever read, and each read sees what was committed before it started
// (SQLite in WAL mode, PostgreSQL in read committed), i.e. every write the app has answered for.
//
// The rows come back in the shapes the Prisma repositories return (Dates, parsed JSON); the
// repositories use these lookups when the app has a database URL, and Prisma otherwise.
import type { ColumnMeta, SheetInfo } from '../modules/ingest/ingest.types.js';
import { openConnections, providerOf, sqlitePath } from './client.js';
import type { DatasetRecord } from './datasets.repo.js';
import type { ApiKeyRecord, UserRecord } from './users.repo.js';

export interface KeyWithUser extends ApiKeyRecord {
  hash: string;
  user: UserRecord;
}

export interface RequestLookups {
  /** The key with this hash and its user, or null. */
  keyByHash(hash: string): Promise<KeyWithUser | null>;
  /** The dataset with this id if it belongs to this user, else null. */
  dataset(userId: string, id: string): Promise<DatasetRecord | null>;
  /**
   * Both in one read, for a request whose path names a dataset: the key and its user (null when
   * there is no such key), and the dataset if it belongs to that user (else null).
   */
  keyAndDataset(hash: string, datasetId: string): Promise<{ key: KeyWithUser; dataset: DatasetRecord | null } | null>;
  /** Opens the connection(s) now rather than on first use (start-up). */
  connect(): Promise<void>;
  close(): Promise<void>;
}

const KEY_SQL = `SELECT k."id", k."userId", k."prefix", k."hash", k."createdAt", k."lastUsedAt",
  u."email" AS "userEmail", u."name" AS "userName", u."createdAt" AS "userCreatedAt"
  FROM "ApiKey" k JOIN "User" u ON u."id" = k."userId" WHERE k."hash" = `;

/** Every field of DatasetRecord (what Prisma's findFirst returns). */
const DATASET_FIELDS = ['id', 'userId', 'name', 'description', 'originalFilename', 'format', 'sizeBytes', 'status', 'progress', 'error', 'rowCount', 'columnCount', 'columns', 'sheets', 'version', 'createdAt', 'updatedAt'];
const DATASET_SQL = `SELECT ${DATASET_FIELDS.map((f) => `"${f}"`).join(', ')} FROM "Dataset" WHERE "id" = `;

/**
 * The key, its user and the dataset in one statement (one round trip instead of two: under load on
 * PostgreSQL each costs the server a socket write and a read). The dataset's fields come prefixed
 * with `d_`; they are all null when it does not exist or is someone else's. `$DATASET` and `$HASH`
 * stand for each driver's placeholders.
 */
const KEY_AND_DATASET_SQL = `SELECT k."id", k."userId", k."prefix", k."hash", k."createdAt", k."lastUsedAt",
  u."email" AS "userEmail", u."name" AS "userName", u."createdAt" AS "userCreatedAt",
  ${DATASET_FIELDS.map((f) => `d."${f}" AS "d_${f}"`).join(', ')}
  FROM "ApiKey" k JOIN "User" u ON u."id" = k."userId"
  LEFT JOIN "Dataset" d ON d."id" = $DATASET AND d."userId" = k."userId"
  WHERE k."hash" = $HASH`;
const keyAndDatasetSql = (dataset: string, hash: string) => KEY_AND_DATASET_SQL.replace('$DATASET', () => dataset).replace('$HASH', () => hash);
const PG_KEY_AND_DATASET_SQL = keyAndDatasetSql('$2', '$1');

/** The dataset's fields of a KEY_AND_DATASET_SQL row, without their prefix; null when it found none. */
function prefixedDataset(row: Record<string, unknown>): Record<string, unknown> | null {
  if (row.d_id == null) return null;
  const out: Record<string, unknown> = {};
  for (const f of DATASET_FIELDS) out[f] = row[`d_${f}`];
  return out;
}

interface KeyRow {
  id: string;
  userId: string;
  prefix: string;
  hash: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  userEmail: string;
  userName: string;
  userCreatedAt: Date;
}

function keyFromRow(r: KeyRow): KeyWithUser {
  return {
    id: r.id,
    userId: r.userId,
    prefix: r.prefix,
    hash: r.hash,
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt,
    user: { id: r.userId, email: r.userEmail, name: r.userName, createdAt: r.userCreatedAt },
  };
}

/** The lookups for a database URL: SQLite or PostgreSQL. */
export function requestLookups(url: string): RequestLookups {
  return providerOf(url) === 'sqlite' ? sqliteLookups(sqlitePath(url)) : pgLookups(url);
}

/**
 * SQLite stores Prisma's DateTime as ISO text (`…+00:00`, the adapter's default format) or, in
 * older files, epoch milliseconds; SQLite's own CURRENT_TIMESTAMP text has no zone and means UTC.
 */
function sqliteDate(v: unknown): Date {
  if (typeof v === 'number' || typeof v === 'bigint') return new Date(Number(v));
  const text = String(v);
  return new Date(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(text) ? `${text.replace(' ', 'T')}Z` : text);
}
const sqliteDateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : sqliteDate(v));

interface SqliteStatement {
  get(...args: unknown[]): unknown;
}
interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
  close(): void;
}

function sqliteLookups(file: string): RequestLookups {
  // Opened on first use: the migrations have created the file and tables by then.
  interface Connection {
    db: SqliteConnection;
    key: SqliteStatement;
    dataset: SqliteStatement;
    keyAndDataset: SqliteStatement;
  }
  let conn: Connection | null = null;
  let opening: Promise<Connection> | null = null;

  async function open(): Promise<Connection> {
    if (conn) return conn;
    opening ??= (async () => {
      const { default: Database } = await import('better-sqlite3');
      // Only reads (not opened read-only: in WAL mode that fails while no -shm file exists).
      // Readers never wait for writers in WAL mode; the timeout covers a checkpoint's brief lock.
      const db = new Database(file, { timeout: 1_000 }) as unknown as SqliteConnection;
      const opened = {
        db,
        key: db.prepare(`${KEY_SQL}?`),
        dataset: db.prepare(`${DATASET_SQL}? AND "userId" = ?`),
        keyAndDataset: db.prepare(keyAndDatasetSql('@dataset', '@hash')),
      };
      conn = opened;
      return opened;
    })();
    return opening;
  }

  const keyOf = (row: Record<string, unknown>): KeyWithUser =>
    keyFromRow({
      ...(row as unknown as KeyRow),
      createdAt: sqliteDate(row.createdAt),
      lastUsedAt: sqliteDateOrNull(row.lastUsedAt),
      userCreatedAt: sqliteDate(row.userCreatedAt),
    });
  const datasetOf = (row: Record<string, unknown>): DatasetRecord => ({
    ...(row as unknown as DatasetRecord),
    columns: JSON.parse(row.columns as string) as ColumnMeta[],
    sheets: row.sheets == null ? null : (JSON.parse(row.sheets as string) as SheetInfo[] | null),
    createdAt: sqliteDate(row.createdAt),
    updatedAt: sqliteDate(row.updatedAt),
  });

  return {
    async keyByHash(hash) {
      const row = (conn ?? (await open())).key.get(hash) as Record<string, unknown> | undefined;
      return row ? keyOf(row) : null;
    },

    async dataset(userId, id) {
      const row = (conn ?? (await open())).dataset.get(id, userId) as Record<string, unknown> | undefined;
      return row ? datasetOf(row) : null;
    },

    async keyAndDataset(hash, datasetId) {
      const row = (conn ?? (await open())).keyAndDataset.get({ hash, dataset: datasetId }) as Record<string, unknown> | undefined;
      if (!row) return null;
      const dataset = prefixedDataset(row);
      return { key: keyOf(row), dataset: dataset && datasetOf(dataset) };
    },

    async connect() {
      await open();
    },

    async close() {
      const c = conn;
      conn = null;
      opening = null;
      c?.db.close();
    },
  };
}

/** Connections of the PostgreSQL lookup pool. */
const POOL_SIZE = 4;

/** PostgreSQL's `timestamp` (no zone) holds UTC here, as Prisma writes it; pg would read it as local time. */
const TIMESTAMP_OID = 1114;
const parseUtcTimestamp = (v: string): Date => new Date(`${v.replace(' ', 'T')}Z`);

function pgLookups(url: string): RequestLookups {
  type Pool = import('pg').Pool;
  let pool: Pool | null = null;
  let opening: Promise<Pool> | null = null;
  let types: { getTypeParser: (oid: number, format?: string) => (v: string) => unknown } | null = null;

  async function open(): Promise<Pool> {
    if (pool) return pool;
    opening ??= (async () => {
      const { default: pg } = await import('pg');
      types = {
        getTypeParser: (oid, format) => (oid === TIMESTAMP_OID ? parseUtcTimestamp : (pg.types.getTypeParser(oid, format as 'text') as (v: string) => unknown)),
      };
      // Few connections: each lookup is a single indexed row, and a request holds one for well under a
      // millisecond. `min`: the ones opened at start-up stay open while idle (see connect()).
      const p = new pg.Pool({ connectionString: url, min: POOL_SIZE, max: POOL_SIZE, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
      // An idle connection dropped by the server (restart, DROP DATABASE) must not crash the process.
      p.on('error', () => undefined);
      pool = p;
      return p;
    })();
    return opening;
  }

  // Named statements: each connection parses and plans them once.
  async function one<T>(name: string, text: string, values: unknown[]): Promise<T | null> {
    const p = pool ?? (await open());
    const res = await p.query({ name, text, values, types: types! });
    return (res.rows[0] as T | undefined) ?? null;
  }

  return {
    async keyByHash(hash) {
      const row = await one<KeyRow>('statlas_key_by_hash', `${KEY_SQL}$1`, [hash]);
      return row ? keyFromRow(row) : null;
    },

    // jsonb comes back parsed and integers and doubles as numbers (pg's defaults).
    dataset: (userId, id) => one<DatasetRecord>('statlas_dataset_owned', `${DATASET_SQL}$1 AND "userId" = $2`, [id, userId]),

    async keyAndDataset(hash, datasetId) {
      const row = await one<KeyRow & Record<string, unknown>>('statlas_key_and_dataset', PG_KEY_AND_DATASET_SQL, [hash, datasetId]);
      if (!row) return null;
      return { key: keyFromRow(row), dataset: prefixedDataset(row) as DatasetRecord | null };
    },

    async connect() {
      // All of them, kept while idle (`min`): otherwise the first burst of requests after start-up
      // or after a quiet time waited for the server to start a process per new connection.
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
