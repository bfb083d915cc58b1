// Fresh, migrated databases for the benchmarks: a SQLite file, or a new database on a PostgreSQL
// server (skipped with a message when the server cannot be reached). `drop()` removes them.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';

export interface BenchDb {
  kind: 'sqlite' | 'postgresql';
  url: string;
  drop(): Promise<void>;
}

/** The PostgreSQL server the benchmarks use: BENCH_PG, else TEST_DATABASE_URL, else the local one ('off' skips it). */
export const PG_SERVER = process.env.BENCH_PG ?? process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export async function sqliteDb(dir: string, tag: string): Promise<BenchDb> {
  const file = join(dir, `${tag}-${process.pid}.db`);
  const url = `file:${file}`;
  await migrate(url);
  return { kind: 'sqlite', url, drop: async () => ['', '-wal', '-shm'].forEach((s) => rmSync(file + s, { force: true })) };
}

export async function pgDb(tag: string, log: (message: string) => void): Promise<BenchDb | null> {
  if (PG_SERVER === 'off') return null;
  const name = `statlas_${tag}_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_SERVER, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (err) {
    log(`PostgreSQL skipped: ${(err as Error).message}`);
    return null;
  }
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(PG_SERVER);
  u.pathname = `/${name}`;
  await migrate(u.toString());
  return {
    kind: 'postgresql',
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_SERVER });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}
