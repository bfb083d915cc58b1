// The one module that builds the database client. The adapter follows DATABASE_URL:
// file: → SQLite through better-sqlite3 (the embedded default), postgres(ql):// → PostgreSQL through pg.
// The app is typed against the SQLite client; the PostgreSQL client has the same models
// (generated from the same schema), so it is used through the same type.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;
export type DbProvider = 'sqlite' | 'postgresql';

export function providerOf(url: string): DbProvider {
  return url.startsWith('file:') ? 'sqlite' : 'postgresql';
}

/** Absolute path of a SQLite file: URL (relative paths are relative to the working directory). */
export function sqlitePath(url: string): string {
  return resolve(url.slice('file:'.length).replace(/^\/\/(?=\/)/, ''));
}

export async function createDb(url: string): Promise<Db> {
  if (providerOf(url) === 'sqlite') {
    const file = sqlitePath(url);
    mkdirSync(dirname(file), { recursive: true });
    const adapter = new PrismaBetterSqlite3({ url: `file:${file}`, timeout: 10_000 });
    return new PrismaClient({ adapter });
  }
  const [{ PrismaPg }, { PrismaClient: PgClient }] = await Promise.all([
    import('@prisma/adapter-pg'),
    import('../generated/prisma-pg/client.js'),
  ]);
  // Fail fast when the server is unreachable instead of hanging requests (503 UNAVAILABLE).
  const adapter = new PrismaPg({ connectionString: url, connectionTimeoutMillis: 5_000, max: 10 });
  return new PgClient({ adapter }) as unknown as Db;
}

/**
 * Opens `count` connections of a pg pool now (start-up) and leaves them idle in it (pools made with
 * `min: count` keep them), so that no request waits for the server to start a process for one.
 */
export async function openConnections(pool: import('pg').Pool, count: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: count }, () => pool.connect()));
  for (const client of clients) client.release();
}
