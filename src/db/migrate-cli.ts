// `npm run db:migrate` (and the Procfile's release phase): applies pending migrations to DATABASE_URL.
// With --if-sqlite (used by `npm start`) it only migrates the embedded SQLite default, because a
// PostgreSQL database is migrated by the release phase of a deploy.
import { loadConfigOrExit } from '../config.js';
import { migrate } from './migrate.js';
import { providerOf } from './client.js';

const config = loadConfigOrExit();
if (process.argv.includes('--if-sqlite') && providerOf(config.DATABASE_URL) !== 'sqlite') process.exit(0);
try {
  const applied = await migrate(config.DATABASE_URL);
  console.log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database is up to date.');
} catch (err) {
  console.error(`Migration failed: ${(err as Error).message}`);
  process.exit(1);
}
