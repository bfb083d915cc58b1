// The stored form through both content paths (Prisma, and the direct driver path enabled by the
// database URL): what one writes the other reads back bit for bit, and copy / prune / drop keep
// their meaning. Runs on the test database (SQLite, or PostgreSQL with TEST_DATABASE_URL).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Column, Table } from '../../src/core/column.js';
import { CHUNK_ROWS, chunkPlace, columnArray, decodeColumn } from '../../src/core/column-codec.js';
import { createDb, type Db } from '../../src/db/client.js';
import { contentRepo, type ContentRepo } from '../../src/db/content.repo.js';
import type { DatasetRecord } from '../../src/db/datasets.repo.js';
import { tableStore } from '../../src/modules/datasets/table-store.js';

const url = process.env.DATABASE_URL!;
let db: Db;
let prisma: ContentRepo;
let direct: ContentRepo;
let userId: string;

// More than two chunks per column, a last partial chunk, NaN and -0, missing codes.
const ROWS = CHUNK_ROWS * 2 + 1234;

function makeTable(): Table {
  const price = new Float64Array(ROWS);
  const when = new Float64Array(ROWS);
  const codes = new Int32Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    price[i] = i % 17 === 0 ? NaN : i % 23 === 0 ? -0 : (i * 7919) % 10007 / 7;
    when[i] = Date.UTC(2020, 0, 1) + (i % 1500) * 86_400_000;
    codes[i] = i % 11 === 0 ? -1 : i % 5;
  }
  const columns: Column[] = [
    { name: 'price', type: 'number', values: price },
    { name: 'region', type: 'string', codes, dict: ['north', 'süd', 'est', 'ouest', '"quoted", and, commas'] },
    { name: 'when', type: 'date', values: when },
  ];
  return { rowCount: ROWS, columns };
}

async function newDataset(table: Table): Promise<DatasetRecord> {
  const columns = table.columns.map((c) => ({ name: c.name, type: c.type, nullCount: 0, distinctCount: 0 }));
  const row = await db.dataset.create({
    data: { userId, name: 'content', originalFilename: 'c.csv', format: 'csv', sizeBytes: 1, status: 'ready', rowCount: table.rowCount, columnCount: columns.length, columns: columns as never },
  });
  return row as unknown as DatasetRecord;
}

function bytesOf(col: Column): Buffer {
  return col.type === 'string' ? Buffer.from(col.codes.buffer, col.codes.byteOffset, col.codes.byteLength) : Buffer.from(col.values.buffer, col.values.byteOffset, col.values.byteLength);
}

function expectSameTable(actual: Table, expected: Table): void {
  expect(actual.rowCount).toBe(expected.rowCount);
  expect(actual.columns.map((c) => [c.name, c.type])).toEqual(expected.columns.map((c) => [c.name, c.type]));
  actual.columns.forEach((col, i) => {
    expect(bytesOf(col).equals(bytesOf(expected.columns[i]))).toBe(true);
    if (col.type === 'string') expect(col.dict).toEqual((expected.columns[i] as typeof col).dict);
  });
}

beforeAll(async () => {
  db = await createDb(url);
  prisma = contentRepo(db);
  direct = contentRepo(db, { url });
  const user = await db.user.create({ data: { email: `content-${process.pid}-${Date.now()}@example.com`, name: 'content' } });
  userId = user.id;
});

afterAll(async () => {
  // Other suites share the database and check it holds no stray content (e.g. the version 2 of a
  // version 1 dataset that the cache test leaves): take ours away, the chunks go with the datasets.
  await db.dataset.deleteMany({ where: { userId } });
  await direct.close();
  await db.$disconnect();
});

describe.each([
  ['prisma writes, direct reads', () => prisma, () => direct],
  ['direct writes, prisma reads', () => direct, () => prisma],
  ['direct writes, direct reads', () => direct, () => direct],
])('content store: %s', (_label, writer, reader) => {
  test('round trip is bit-exact, columns load one by one', async () => {
    const table = makeTable();
    const ds = await newDataset(table);
    await tableStore(writer(), 64).save(ds.id, 1, table.columns.map((column, index) => ({ index, column })));
    const store = tableStore(reader(), 64);
    expectSameTable(await store.load(ds), table);
    const two = await tableStore(reader(), 64).load(ds, ['when', 'price']);
    expect(two.columns.map((c) => c.name)).toEqual(['price', 'when']);
  });

  test('copy makes a new version, prune and drop remove the right ones', async () => {
    const table = makeTable();
    const ds = await newDataset(table);
    const w = writer();
    const r = reader();
    await tableStore(w, 64).save(ds.id, 1, table.columns.map((column, index) => ({ index, column })));
    // Version 2: column 0 rewritten, columns 1 and 2 copied inside the database.
    const doubled = new Float64Array((table.columns[0] as { values: Float64Array }).values.map((v) => v * 2));
    await tableStore(w, 64).save(ds.id, 2, [{ index: 0, column: { name: 'price', type: 'number', values: doubled } }]);
    await w.copyColumns(ds.id, 1, 2, [1, 2]);
    const v2 = await tableStore(r, 64).load({ ...ds, version: 2 });
    expectSameTable(v2, { rowCount: ROWS, columns: [{ name: 'price', type: 'number', values: doubled }, table.columns[1], table.columns[2]] });

    await w.deleteVersions(ds.id, 2);
    expect(await r.readColumn(ds.id, 1, 1)).toEqual([]);
    expect((await r.readColumn(ds.id, 2, 1)).length).toBeGreaterThan(0);

    await w.deleteVersion(ds.id, 2);
    expect(await r.readColumn(ds.id, 2, 0)).toEqual([]);

    await tableStore(w, 64).save(ds.id, 3, [{ index: 0, column: table.columns[0] }]);
    await w.deleteVersions(ds.id, null);
    expect(await r.readColumn(ds.id, 3, 0)).toEqual([]);
  });
});

test('the direct reader copies each chunk of rows straight to the place it is given, and only those', async () => {
  const table = makeTable();
  const ds = await newDataset(table);
  await tableStore(direct, 64).save(ds.id, 1, table.columns.map((column, index) => ({ index, column })));
  const seen = new Set<string>();
  for (const [index, expected] of table.columns.entries()) {
    const array = columnArray(expected.type, ROWS);
    const chunks = await direct.readColumn(ds.id, 1, index, (kind, chunk, count, length) => chunkPlace(array, kind, chunk, count, length));
    const rows = chunks.filter((c) => c.kind !== 'dict');
    expect(rows).toHaveLength(3);
    // Rows go straight into the column (narrower ones at the end of their place, to be widened there).
    for (const c of chunks) expect(c.data.buffer === array.buffer).toBe(c.kind !== 'dict');
    for (const c of chunks) seen.add(c.kind);
    expectSameTable({ rowCount: ROWS, columns: [decodeColumn(expected.name, expected.type, ROWS, chunks, array)] }, { rowCount: ROWS, columns: [expected] });
  }
  expect([...seen].sort()).toEqual(['codes8', 'days32', 'dict', 'values']);
});

test('an id with quotes, a backslash and a semicolon reads as nothing, on both paths', async () => {
  const id = `x'; DROP TABLE "DatasetChunk"; --\\'`;
  expect(await direct.readColumn(id, 1, 0)).toEqual([]);
  expect(await prisma.readColumn(id, 1, 0)).toEqual([]);
  expect(await db.datasetChunk.count()).toBeGreaterThanOrEqual(0);
});

test('content goes when its dataset is deleted (cascade), whichever path wrote it', async () => {
  const table = makeTable();
  const ds = await newDataset(table);
  await tableStore(direct, 64).save(ds.id, 1, table.columns.map((column, index) => ({ index, column })));
  await db.dataset.delete({ where: { id: ds.id } });
  expect(await direct.readColumn(ds.id, 1, 0)).toEqual([]);
  expect(await db.datasetChunk.count({ where: { datasetId: ds.id } })).toBe(0);
});

test('the cache keys by version: a new version is never served from an old one', async () => {
  const table = makeTable();
  const ds = await newDataset(table);
  const store = tableStore(direct, 64);
  await store.save(ds.id, 1, table.columns.map((column, index) => ({ index, column })));
  const v1 = await store.load(ds, ['price']);
  const changed = new Float64Array(ROWS).fill(1);
  await store.save(ds.id, 2, [{ index: 0, column: { name: 'price', type: 'number', values: changed } }]);
  const v2 = await store.load({ ...ds, version: 2 }, ['price']);
  expect((v1.columns[0] as { values: Float64Array }).values[1]).not.toBe(1);
  expect((v2.columns[0] as { values: Float64Array }).values[1]).toBe(1);
});

test('save writes small columns together (one write) and splits big ones, reporting each write', async () => {
  const table = makeTable();
  const ds = await newDataset(table);
  const writes: number[] = [];
  const counting: ContentRepo = {
    ...direct,
    async writeChunks(datasetId, version, chunks) {
      writes.push(new Set(chunks.map((c) => c.column)).size);
      return direct.writeChunks(datasetId, version, chunks);
    },
  };
  const store = tableStore(counting, 64);
  // The last rows only (as after a background upload stored its full blocks): one write for all.
  const fractions: number[] = [];
  await store.save(ds.id, 1, table.columns.map((column, index) => ({ index, column, fromChunk: 2 })), (f) => fractions.push(f));
  expect(writes).toEqual([3]);
  expect(fractions).toEqual([1]);
  // Whole columns of 5 MB each (past the 4 MB a write gathers): one write per column.
  const big = new Float64Array(640_000).map((_, i) => i / 3);
  const wide = { rowCount: big.length, columns: [0, 1, 2].map((i) => ({ name: `c${i}`, type: 'number' as const, values: big })) };
  const ds2 = await newDataset(wide);
  writes.length = 0;
  fractions.length = 0;
  await store.save(ds2.id, 1, wide.columns.map((column, index) => ({ index, column })), (f) => fractions.push(f));
  expect(writes).toEqual([1, 1, 1]);
  expect(fractions.map((f) => f.toFixed(2))).toEqual(['0.33', '0.67', '1.00']);
  const back = await store.load({ ...ds2, version: 1 });
  expect(back.columns.map((c) => (c as { values: Float64Array }).values[639_999])).toEqual([639_999 / 3, 639_999 / 3, 639_999 / 3]);
});

const sqliteOnly = url.startsWith('file:') ? test : test.skip;
sqliteOnly('SQLite: a write waits without blocking the event loop while another connection holds the lock', async () => {
  const { default: Database } = await import('better-sqlite3');
  const { sqlitePath } = await import('../../src/db/client.js');
  const table = makeTable();
  const ds = await newDataset(table);
  const other = new Database(sqlitePath(url));
  other.exec('BEGIN IMMEDIATE');
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 5);
  // The lock is released from a timer: this only works if the pending write yields to the event loop.
  setTimeout(() => other.exec('COMMIT'), 150);
  await tableStore(direct, 64).save(ds.id, 1, [{ index: 0, column: table.columns[0] }]);
  clearInterval(ticker);
  other.close();
  expect(ticks).toBeGreaterThan(5);
  expect((await direct.readColumn(ds.id, 1, 0)).length).toBe(3);
});
