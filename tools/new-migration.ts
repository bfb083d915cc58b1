// Development tool: writes a new migration for BOTH providers from the change in prisma/schema.prisma,
// with Prisma's own wasm schema engine (the native one cannot be downloaded here).
//
//   npm run db:new-migration -- <name>
//
// It diffs the schema as it was at the last migration (kept next to the migrations as
// schema.prisma.last) against the current one. SQLite needs no database for that; PostgreSQL's
// engine wants a live connection (PG_ADMIN_URL, default the local server) even for a
// datamodel-to-datamodel diff.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindMigrationAwareSqlAdapterFactory, mockMigrationAwareAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPg } from '@prisma/adapter-pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const name = (process.argv[2] ?? '').replace(/[^a-z0-9_]/gi, '_');
if (!name) {
  console.error('usage: npm run db:new-migration -- <name>');
  process.exit(2);
}

async function loadEngine() {
  const bgUrl = import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const bg: any = await import(bgUrl);
  const wasmPath = join(dirname(fileURLToPath(bgUrl)), 'schema_engine_bg.wasm');
  const { instance } = await (globalThis as any).WebAssembly.instantiate(readFileSync(wasmPath), { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports as any).__wbindgen_start();
  return bg;
}

async function diffScript(bg: any, schemaPath: string, lastPath: string, factory: any): Promise<string> {
  let script = '';
  const log = (line: string) => void line;
  const schemaText = readFileSync(schemaPath, 'utf8');
  const engine = await bg.SchemaEngine.new({ datamodels: [[schemaPath, schemaText]] }, log, bindMigrationAwareSqlAdapterFactory(factory));
  const from = existsSync(lastPath)
    ? { tag: 'schemaDatamodel', files: [{ path: lastPath, content: readFileSync(lastPath, 'utf8') }] }
    : { tag: 'empty' };
  const result = await engine.diff({
    from,
    to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schemaText }] },
    script: true,
    exitCode: true,
    filters: { externalTables: [], externalEnums: [] },
  });
  script = result.stdout ?? '';
  engine.free?.();
  return script;
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function main() {
  execFileSync(process.execPath, [join(root, 'scripts/prisma-generate.mjs')], { stdio: 'inherit' });
  const bg = await loadEngine();
  const dirName = `${stamp()}_${name}`;
  const pgAdmin = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const targets = [
    { provider: 'sqlite', schema: 'prisma/schema.prisma', dir: 'prisma/migrations', factory: mockMigrationAwareAdapterFactory('sqlite') },
    { provider: 'postgresql', schema: 'prisma/postgres/schema.prisma', dir: 'prisma/postgres/migrations', factory: new PrismaPg({ connectionString: pgAdmin }) },
  ];
  for (const t of targets) {
    const lastPath = join(root, t.dir, 'schema.prisma.last');
    let sql = await diffScript(bg, join(root, t.schema), lastPath, t.factory);
    if (!sql.trim() || sql.includes('This is an empty migration')) {
      console.log(`${t.provider}: no changes`);
      continue;
    }
    if (t.provider === 'postgresql') sql += postgresTuning(sql);
    mkdirSync(join(root, t.dir, dirName), { recursive: true });
    writeFileSync(join(root, t.dir, dirName, 'migration.sql'), sql);
    writeFileSync(join(root, t.dir, 'migration_lock.toml'), `# Written by tools/new-migration.ts\nprovider = "${t.provider}"\n`);
    writeFileSync(lastPath, readFileSync(join(root, t.schema), 'utf8'));
    console.log(`${t.provider}: wrote ${t.dir}/${dirName}/migration.sql`);
  }
  process.exit(0);
}

/** Content chunks are typed-array bytes: PostgreSQL's default pglz TOAST compression makes writes ~6x slower for no gain. */
function postgresTuning(sql: string): string {
  return sql.includes('CREATE TABLE "DatasetChunk"')
    ? '\n-- Chunks hold raw typed-array bytes: keep them out of pglz compression (6x slower writes).\nALTER TABLE "DatasetChunk" ALTER COLUMN "data" SET STORAGE EXTERNAL;\n'
    : '';
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
