// Background uploads store blocks of rows while the file is still being parsed. What ends up stored
// must be exactly the parsed table, also when a column turns out to be text after its first blocks
// were written, when a column has nothing but missing cells, and when the fast parse gives up half
// way and the text path parses the file again.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { StatlasApp } from '../../src/app.js';
import { CHUNK_ROWS } from '../../src/core/column-codec.js';
import { byteScanStats, resetByteScanStats } from '../../src/modules/ingest/csv-bytes.js';
import { ingestFile } from '../../src/modules/ingest/ingest.js';
import { ringCounts, setRingBytes, stopIngestWorker } from '../../src/modules/ingest/ingest-pool.js';
import { bufferedIngester } from '../../src/modules/ingest/ingester.js';
import { signUp, startTestApp, upload, type TestUser } from '../helpers/test-app.js';

const LIMITS = { maxRows: 5_000_000, maxColumns: 1000, maxCellBytes: 32768 };
const ROWS = 2 * CHUNK_ROWS + 1234; // two full blocks and a tail

/** Cells by column name and row; `late` columns are numbers until their last row, which is text. */
function csv(columns: Record<string, (row: number) => string>): Buffer {
  const names = Object.keys(columns);
  const lines = [names.join(',')];
  for (let r = 0; r < ROWS; r++) lines.push(names.map((n) => columns[n](r)).join(','));
  return Buffer.from(lines.join('\n'), 'utf8');
}

const apps: StatlasApp[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
});

async function uploadInBackground(app: StatlasApp, user: TestUser, bytes: Buffer) {
  const res = await upload(app.app, user, bytes, 'blocks.csv');
  expect(res.status).toBe(202);
  await app.datasets.idle();
  const ds = await app.datasets.findReady(user.id, res.body.id);
  return { ds, stored: await app.store.load(ds) };
}

/** The stored table equals the in-process parse of the same bytes, column by column. */
async function expectStoredAsParsed(app: StatlasApp, user: TestUser, bytes: Buffer) {
  const expected = await ingestFile(new Uint8Array(bytes), { filename: 'blocks.csv', header: true, limits: LIMITS });
  const { ds, stored } = await uploadInBackground(app, user, bytes);
  expect(ds.rowCount).toBe(ROWS);
  expect(ds.columns).toEqual(expected.columns);
  expect(stored.columns.map((c) => ({ ...c }))).toEqual(expected.table.columns.map((c) => ({ ...c })));
  return ds;
}

describe('blocks stored while a background upload is parsed', () => {
  let app: StatlasApp;
  let user: TestUser;
  beforeAll(async () => {
    app = await startTestApp({ ASYNC_UPLOAD_MB: '0' });
    apps.push(app);
    user = await signUp(app.app, 'blocks');
  });

  test('when every column keeps its kind, then the stored table is the parsed one', async () => {
    await expectStoredAsParsed(app, user, csv({
      id: (r) => String(r),
      price: (r) => (r % 17 === 0 ? '' : (r * 0.25).toFixed(2)),
      region: (r) => `r${r % 23}`,
      day: (r) => `2024-02-${String((r % 28) + 1).padStart(2, '0')}`,
    }));
  });

  test('when a column becomes text after two blocks and another is all missing, then both are stored as text', async () => {
    const ds = await expectStoredAsParsed(app, user, csv({
      id: (r) => String(r),
      late: (r) => (r === ROWS - 1 ? 'not a number' : String(r % 1000)),
      empty: () => '',
      flag: (r) => (r % 3 === 0 ? 'true' : 'false'),
    }));
    expect(ds.columns.map((c) => c.type)).toEqual(['integer', 'string', 'string', 'boolean']);
    const rows = await request(app.app).get(`/api/v1/datasets/${ds.id}/rows?offset=${CHUNK_ROWS - 1}&limit=2`).set(user.auth);
    expect(rows.body.data).toEqual([
      { id: CHUNK_ROWS - 1, late: String((CHUNK_ROWS - 1) % 1000), empty: null, flag: (CHUNK_ROWS - 1) % 3 === 0 },
      { id: CHUNK_ROWS, late: String(CHUNK_ROWS % 1000), empty: null, flag: CHUNK_ROWS % 3 === 0 },
    ]);
  });

  test('when two uploads send blocks at the same time, then each stores exactly its own table', async () => {
    // Their blocks share the ring and are given back out of order (two writers).
    const one = csv({ id: (r) => String(r), city: (r) => `c${r % 13}` });
    const two = csv({ id: (r) => String(2 * r + 1), city: (r) => `t${r % 7}` });
    const [a, b] = await Promise.all([upload(app.app, user, one, 'one.csv'), upload(app.app, user, two, 'two.csv')]);
    expect([a.status, b.status]).toEqual([202, 202]);
    await app.datasets.idle();
    for (const [res, bytes, name] of [[a, one, 'one.csv'], [b, two, 'two.csv']] as const) {
      const expected = await ingestFile(new Uint8Array(bytes), { filename: name, header: true, limits: LIMITS });
      const ds = await app.datasets.findReady(user.id, res.body.id);
      const stored = await app.store.load(ds);
      expect(stored.columns.map((c) => ({ ...c }))).toEqual(expected.table.columns.map((c) => ({ ...c })));
    }
  });
});

describe('reading a CSV while it arrives', () => {
  let app: StatlasApp;
  let user: TestUser;
  beforeAll(async () => {
    app = await startTestApp({ ASYNC_UPLOAD_MB: '0' });
    apps.push(app);
    user = await signUp(app.app, 'arriving');
  });

  test('when quoted cells hold line ends, delimiters and quotes, then the stored table is the parsed one', async () => {
    await expectStoredAsParsed(app, user, csv({
      id: (r) => String(r),
      note: (r) => (r % 5 === 0 ? `"line ${r}\nnext, ""quoted""\r\nend"` : `n${r % 50}`),
      price: (r) => (r % 11 === 0 ? 'NA' : (r / 8).toFixed(3)),
    }));
  });

  test('when the upload says the file has no header, then the early reading is dropped and the file is read that way', async () => {
    const bytes = csv({ a: (r) => String(r), b: (r) => `x${r % 9}` });
    const expected = await ingestFile(new Uint8Array(bytes), { filename: 'blocks.csv', header: false, limits: LIMITS });
    const res = await upload(app.app, user, bytes, 'blocks.csv', { header: 'false' });
    expect(res.status).toBe(202);
    await app.datasets.idle();
    const ds = await app.datasets.findReady(user.id, res.body.id);
    expect(ds.rowCount).toBe(ROWS + 1);
    expect(ds.columns).toEqual(expected.columns);
    expect(ds.columns.map((c) => c.name)).toEqual(['column_1', 'column_2']);
  });

  test('when the file breaks at its end, after blocks were stored, then the dataset fails and none of its content is left', async () => {
    const good = csv({ id: (r) => String(r), city: (r) => `c${r % 13}` });
    const res = await upload(app.app, user, Buffer.concat([good, Buffer.from('\n1,2,3,4\n')]), 'broken.csv');
    expect(res.status).toBe(202);
    await app.datasets.idle();
    const got = await request(app.app).get(`/api/v1/datasets/${res.body.id}`).set(user.auth);
    expect(got.body.status).toBe('failed');
    expect(got.body.error).toMatch(/line/);
    expect(await app.db.datasetChunk.count({ where: { datasetId: res.body.id } })).toBe(0);
  });

  test('when a big upload is JSON, then it is read as JSON', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ id: i, city: `c${i % 7}` }));
    const res = await upload(app.app, user, Buffer.from(JSON.stringify(rows)), 'rows.json');
    expect(res.status).toBe(202);
    await app.datasets.idle();
    const ds = await app.datasets.findReady(user.id, res.body.id);
    expect(ds.format).toBe('json');
    expect(ds.rowCount).toBe(20_000);
  });
});

describe('blocks on their way to the database', () => {
  // Blocks go through a ring of memory the worker reuses (block-ring.ts). Here it holds one block of
  // the table below, so a block that failed to give its place back would keep every later block out.
  const table = () => csv({ id: (r) => String(r), city: (r) => `c${r % 13}` });
  const BLOCK_BYTES = CHUNK_ROWS * (8 + 4);
  let app: StatlasApp;
  let quick: StatlasApp;
  let user: TestUser;
  beforeAll(async () => {
    await stopIngestWorker();
    setRingBytes(BLOCK_BYTES);
    app = await startTestApp({ ASYNC_UPLOAD_MB: '0' });
    // Uploads under 8 MB are parsed in the request here: the worker reads blocks early, nobody takes them.
    quick = await startTestApp();
    apps.push(app, quick);
    user = await signUp(app.app, 'ring');
  });
  afterAll(async () => {
    setRingBytes();
    await stopIngestWorker();
  });

  test('when uploads fail or drop their early blocks, then the ring is free again for the next upload', async () => {
    const sent = () => ringCounts()!.inRing;
    // The file breaks at its end, after its blocks were sent.
    const broken = await upload(app.app, user, Buffer.concat([table(), Buffer.from('\n1,2,3,4\n')]), 'broken.csv');
    expect(broken.status).toBe(202);
    await app.datasets.idle();
    // Blocks read early are dropped in the worker: the options differ from its guess, or the
    // upload is not a background one, or its content is refused.
    expect((await upload(app.app, user, table(), 'blocks.csv', { header: 'false' })).status).toBe(202);
    await app.datasets.idle();
    expect((await upload(quick.app, user, table(), 'blocks.csv')).status).toBe(201);
    expect((await upload(app.app, user, table(), 'blocks.csv', { delimiter: ';' })).status).toBe(202);
    await app.datasets.idle();
    const before = sent();
    expect(before).toBeGreaterThan(0);
    await expectStoredAsParsed(app, user, table());
    expect(sent()).toBeGreaterThan(before);
  });
});

describe('when the fast parse gives up after writing blocks', () => {
  test('then the text path parses again and the stored table is still exactly the parsed one', async () => {
    // Parsed in this process, so the scanner's counters can be read.
    const app = await startTestApp({ ASYNC_UPLOAD_MB: '0' }, { ingester: bufferedIngester() });
    apps.push(app);
    const user = await signUp(app.app, 'fallback');
    // Six columns turn to text on the last row: re-reading the file for each is more than the scanner
    // allows, so it hands the file to the text path after both blocks went out.
    const late = (k: number) => (r: number) => (r === ROWS - 1 ? `t${k}` : String(r + k));
    const bytes = csv({ a: late(1), b: late(2), c: late(3), d: late(4), e: late(5), f: late(6), n: (r) => String(r) });
    resetByteScanStats();
    await expectStoredAsParsed(app, user, bytes);
    expect(byteScanStats.fallbacks).toBeGreaterThanOrEqual(2); // the upload's parse and the reference parse
    expect(byteScanStats.lastFallback).toBe('re-reading');
  });
});
