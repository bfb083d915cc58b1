// Runs once before all test files: a fresh database with every migration applied.
// Plain ESM (jest loads global setup outside its transform), importing the TypeScript through tsx.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { createTestDatabase } = await tsImport('./test-database.ts', import.meta.url);
  const { migrate } = await tsImport('../../src/db/migrate.ts', import.meta.url);
  const database = await createTestDatabase();
  await migrate(database.url);
  process.env.DATABASE_URL = database.url;
  globalThis.__statlasTestDatabase = database;
  const kind = database.url.startsWith('file:') ? 'SQLite' : 'PostgreSQL';
  console.log(`\nTests use a fresh ${kind} database: ${database.url}`);
}
