// Generates both Prisma clients (SQLite and PostgreSQL) without network access.
// Prisma's CLI wants a native schema engine it would download; generation does not use it,
// so we point it at a stub. The PostgreSQL schema is derived from the SQLite source schema.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = readFileSync(join(root, 'prisma/schema.prisma'), 'utf8');
const pg = source
  .replace('provider = "sqlite"', 'provider = "postgresql"')
  .replace('output   = "../src/generated/prisma"', 'output   = "../../src/generated/prisma-pg"')
  .replace(/^\/\/ Source schema[\s\S]*?\n\n/, '// GENERATED from prisma/schema.prisma by scripts/prisma-generate.mjs: do not edit.\n\n');
mkdirSync(join(root, 'prisma/postgres'), { recursive: true });
writeFileSync(join(root, 'prisma/postgres/schema.prisma'), pg);

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: join(root, 'tools/schema-engine-stub'),
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
  DATABASE_URL: process.env.DATABASE_URL ?? 'file:./data/statlas.db',
};
const prismaCli = join(root, 'node_modules/prisma/build/index.js');
for (const schema of ['prisma/schema.prisma', 'prisma/postgres/schema.prisma']) {
  execFileSync(process.execPath, [prismaCli, 'generate', '--schema', schema], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
}
console.log('Prisma clients generated (SQLite and PostgreSQL).');
