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

// Prisma loads its query compiler (WebAssembly) by importing a module that holds it as one base64
// string. V8 keeps a module's source for as long as the process runs, so the server held those
// 4.2 MB twice (the source and the string). Read as a file instead, the text is garbage once the
// compiler is built: the server's heap after start-up went from 59.6 to 51.2 MB.
const WASM_IMPORT = /const \{ wasm \} = await import\(("@prisma\/client\/runtime\/[^"]+\.wasm-base64\.mjs")\)\n(\s*)return await decodeBase64AsWasm\(wasm\)/;
const READ_BASE64 = `
/** Added by scripts/prisma-generate.mjs: the base64 text of a module \`const wasm = "..."\`, read as a file. */
async function readBase64Module(specifier: string): Promise<string> {
  const { readFile } = await import('node:fs/promises')
  const { createRequire } = await import('node:module')
  const text = await readFile(createRequire(import.meta.url).resolve(specifier), 'latin1')
  const start = text.indexOf('"') + 1
  return text.slice(start, text.indexOf('"', start))
}
`;
for (const dir of ['src/generated/prisma', 'src/generated/prisma-pg']) {
  const file = join(root, dir, 'internal/class.ts');
  const code = readFileSync(file, 'utf8');
  if (!WASM_IMPORT.test(code)) {
    // Another Prisma version: its own way works, it only takes more memory.
    console.warn(`${dir}: the query compiler is loaded as Prisma generated it (its import was not found).`);
    continue;
  }
  writeFileSync(file, code.replace(WASM_IMPORT, 'return await decodeBase64AsWasm(await readBase64Module($1))') + READ_BASE64);
}
console.log('Prisma clients generated (SQLite and PostgreSQL).');
