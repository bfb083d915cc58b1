import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import * as XLSX from 'xlsx';
import type { StatlasApp } from '../../src/app.js';
import { expectError, signUp, startTestApp, upload, uploadReady, type TestUser } from '../helpers/test-app.js';

const SALES = [
  'region,units,price,day,active,code',
  'north,10,2.5,2024-01-31,true,007',
  'south,,3.25,2024-02-01,false,008',
  'east,7,NA,2024-02-03,TRUE,009',
  'north,3,1,2024-03-10,,010',
  '=cmd,5,-2,2024-03-11,false,011',
].join('\n');

let statlas: StatlasApp;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  statlas = await startTestApp();
  alice = await signUp(statlas.app, 'alice');
  bob = await signUp(statlas.app, 'bob');
});
afterAll(async () => statlas.close());

describe('upload and metadata', () => {
  test('a CSV becomes a ready dataset with typed columns and counts', async () => {
    const ds = await uploadReady(statlas.app, alice, SALES, 'sales.csv');
    expect(ds).toMatchObject({ name: 'sales', originalFilename: 'sales.csv', format: 'csv', status: 'ready', progress: 1, error: null, rowCount: 5, columnCount: 6, sheets: null });
    expect(ds.columns).toEqual([
      { name: 'region', type: 'string', nullCount: 0, distinctCount: 4 },
      { name: 'units', type: 'integer', nullCount: 1, distinctCount: 4 },
      { name: 'price', type: 'number', nullCount: 1, distinctCount: 4 },
      { name: 'day', type: 'date', nullCount: 0, distinctCount: 5 },
      { name: 'active', type: 'boolean', nullCount: 1, distinctCount: 2 },
      { name: 'code', type: 'string', nullCount: 0, distinctCount: 5 },
    ]);
    const again = await request(statlas.app).get(`/api/v1/datasets/${ds.id}`).set(alice.auth);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(ds);
  });

  test('content decides the format: JSON named .csv is JSON; a PNG named .csv is 415', async () => {
    const json = await uploadReady(statlas.app, alice, JSON.stringify([{ a: 1, b: { c: 'x' } }, { a: 2, b: { c: null } }]), 'really.csv');
    expect(json.format).toBe('json');
    expect(json.columns.map((c: { name: string }) => c.name)).toEqual(['a', 'b.c']);
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a1c6a9e70000000049454e44ae426082', 'hex');
    expectError(await upload(statlas.app, alice, png, 'image.csv'), 415, 'UNSUPPORTED_FILE_TYPE');
  });

  test('a broken quote is a 422 that says where, and nothing is stored', async () => {
    const before = await request(statlas.app).get('/api/v1/datasets').set(alice.auth);
    const res = await upload(statlas.app, alice, 'a,b\n1,"x\n2,3\n', 'bad.csv');
    expectError(res, 422, 'PARSE_ERROR');
    expect(res.body.error.details.line).toBeGreaterThanOrEqual(2);
    const after = await request(statlas.app).get('/api/v1/datasets').set(alice.auth);
    expect(after.body.page.total).toBe(before.body.page.total);
  });

  test('an empty file is 422; a header with no rows is a dataset with 0 rows', async () => {
    expectError(await upload(statlas.app, alice, '', 'empty.csv'), 422, 'PARSE_ERROR');
    const ds = await uploadReady(statlas.app, alice, 'a,b\n', 'header.csv');
    expect(ds.rowCount).toBe(0);
    expect(ds.columns.map((c: { name: string }) => c.name)).toEqual(['a', 'b']);
  });

  test('over MAX_UPLOAD_MB is 413, and the server keeps serving', async () => {
    const small = await startTestApp({ MAX_UPLOAD_MB: '1' });
    try {
      const user = await signUp(small.app, 'big');
      const big = Buffer.alloc(1024 * 1024 + 10, 'a,b\n1,2\n');
      expectError(await upload(small.app, user, big, 'big.csv'), 413, 'FILE_TOO_LARGE');
      expect((await request(small.app).get('/health')).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  test('Excel: sheet choice and the list of sheets', async () => {
    const book = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet([['x', 'y'], [1, 'a'], [2, 'b']]), 'First');
    XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet([['k'], [10], [20], [30]]), 'Second');
    const bytes = XLSX.write(book, { type: 'buffer', bookType: 'xlsx' }) as Buffer;
    const ds = await uploadReady(statlas.app, alice, bytes, 'book.xlsx', { sheet: 'Second' });
    expect(ds.format).toBe('xlsx');
    expect(ds.rowCount).toBe(3);
    expect(ds.sheets.map((s: { name: string }) => s.name)).toEqual(['First', 'Second']);
    const inspect = await upload(statlas.app, alice, bytes, 'book.xlsx', {}, '/api/v1/datasets/inspect');
    expect(inspect.status).toBe(200);
    expect(inspect.body.format).toBe('xlsx');
    expect(inspect.body.columns.map((c: { name: string }) => c.name)).toEqual(['x', 'y']);
  });

  test('a NUL character in a column name is dropped (PostgreSQL cannot store it), the upload works', async () => {
    // (A NUL byte in a text file makes it binary: 415. In JSON it can be written as an escape.)
    const ds = await uploadReady(statlas.app, alice, '[{"a\\u0000b": 1, "c": 2}]', 'nul.json');
    expect(ds.columns.map((c: { name: string }) => c.name)).toEqual(['ab', 'c']);
  });

  test('a file name with ../ and control characters is shown back sanitized', async () => {
    const ds = await uploadReady(statlas.app, alice, 'a\n1\n', '..\\..\\etc/pa\u202esswd.csv');
    expect(ds.originalFilename).toBe('passwd.csv');
    const malformed = await upload(statlas.app, alice, 'a\n1\n', 'x\u0001y.csv');
    expectError(malformed, 400, 'VALIDATION_ERROR');
  });
});

describe('rows, filters, sort, export', () => {
  let id: string;
  beforeAll(async () => {
    id = (await uploadReady(statlas.app, alice, SALES, 'sales.csv')).id;
  });

  test('rows come back typed, filtered and sorted (missing last)', async () => {
    const res = await request(statlas.app)
      .get(`/api/v1/datasets/${id}/rows`)
      .query({ columns: 'region,units,day,active', sort: '-units', filter: 'day:gte:2024-02-01' })
      .set(alice.auth);
    expect(res.status).toBe(200);
    expect(res.body.page).toEqual({ total: 4, limit: 100, offset: 0 });
    expect(res.body.data).toEqual([
      { region: 'east', units: 7, day: '2024-02-03', active: true },
      { region: '=cmd', units: 5, day: '2024-03-11', active: false },
      { region: 'north', units: 3, day: '2024-03-10', active: null },
      { region: 'south', units: null, day: '2024-02-01', active: false },
    ]);
  });

  test('limit is clamped; limit=0 gives only counts; bad values are 400 naming the field', async () => {
    const big = await request(statlas.app).get(`/api/v1/datasets/${id}/rows?limit=999999`).set(alice.auth);
    expect(big.body.page.limit).toBe(10000);
    const zero = await request(statlas.app).get(`/api/v1/datasets/${id}/rows?limit=0`).set(alice.auth);
    expect(zero.body).toEqual({ data: [], page: { total: 5, limit: 0, offset: 0 } });
    const bad = await request(statlas.app).get(`/api/v1/datasets/${id}/rows?limit=abc&offset=-1&nope=1`).set(alice.auth);
    expectError(bad, 400, 'VALIDATION_ERROR');
    expect(bad.body.error.details.fields.map((f: { path: string }) => f.path).sort()).toEqual(['limit', 'nope', 'offset']);
    expectError(await request(statlas.app).get(`/api/v1/datasets/${id}/rows?filter=nosuch:eq:1`).set(alice.auth), 400, 'VALIDATION_ERROR');
    expectError(await request(statlas.app).get(`/api/v1/datasets/${id}/rows?columns=nosuch`).set(alice.auth), 400, 'VALIDATION_ERROR');
  });

  test('CSV export escapes formulas, keeps numbers as numbers', async () => {
    const res = await request(statlas.app).get(`/api/v1/datasets/${id}/export?format=csv&columns=region,price`).set(alice.auth);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="?sales\.csv"?$/);
    expect(res.text.split('\r\n')).toEqual(['region,price', 'north,2.5', 'south,3.25', 'east,', 'north,1', "'=cmd,-2", '']);
  });

  test('JSON and XLSX exports', async () => {
    const json = await request(statlas.app).get(`/api/v1/datasets/${id}/export?format=json&filter=region:eq:east`).set(alice.auth);
    expect(JSON.parse(json.text)).toEqual([{ region: 'east', units: 7, price: null, day: '2024-02-03', active: true, code: '009' }]);
    const xlsx = await request(statlas.app)
      .get(`/api/v1/datasets/${id}/export?format=xlsx`)
      .set(alice.auth)
      .buffer(true)
      .parse((res, cb) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => cb(null, Buffer.concat(parts)));
      });
    const book = XLSX.read(xlsx.body as Buffer);
    const rows = XLSX.utils.sheet_to_json<Record<string, unknown>>(book.Sheets[book.SheetNames[0]], { raw: true });
    expect(rows[4].region).toBe("'=cmd");
    expect(rows[0].units).toBe(10);
  });

  test('PATCH renames and retypes; values that do not convert become null', async () => {
    const res = await request(statlas.app)
      .patch(`/api/v1/datasets/${id}`)
      .set(alice.auth)
      .send({ name: 'Sales 2024', columns: [{ name: 'code', type: 'integer', newName: 'codeNumber' }, { name: 'region', type: 'number' }] });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Sales 2024');
    expect(res.body.conversions).toEqual([
      { column: 'codeNumber', converted: 0, nulled: 5 },
      { column: 'region', converted: 0, nulled: 5 },
    ]);
    expect(res.body.columns.find((c: { name: string }) => c.name === 'codeNumber')).toEqual({ name: 'codeNumber', type: 'integer', nullCount: 5, distinctCount: 0 });
    const rows = await request(statlas.app).get(`/api/v1/datasets/${id}/rows?columns=codeNumber,units&limit=1`).set(alice.auth);
    expect(rows.body.data).toEqual([{ codeNumber: null, units: 10 }]);
    const back = await request(statlas.app).patch(`/api/v1/datasets/${id}`).set(alice.auth).send({ columns: [{ name: 'units', type: 'string' }] });
    expect(back.body.conversions).toEqual([{ column: 'units', converted: 4, nulled: 0 }]);
    const asText = await request(statlas.app).get(`/api/v1/datasets/${id}/rows?columns=units&limit=2`).set(alice.auth);
    expect(asText.body.data).toEqual([{ units: '10' }, { units: null }]);
    expectError(await request(statlas.app).patch(`/api/v1/datasets/${id}`).set(alice.auth).send({ columns: [{ name: 'nosuch', type: 'string' }] }), 400, 'VALIDATION_ERROR');
  });
});

test('a change that stopped half-way (its claim on the next version left behind) blocks others for a while, then not', async () => {
  const ds = await uploadReady(statlas.app, alice, SALES, 'half-way.csv');
  // What a crash after claiming version 2 and writing part of it leaves in the database.
  const leftBehind = async (claimedAt: number) => {
    await statlas.db.datasetChunk.deleteMany({ where: { datasetId: ds.id, version: 2 } });
    await statlas.db.datasetChunk.createMany({
      data: [
        { datasetId: ds.id, version: 2, column: -1, kind: 'claim', chunk: 0, count: 0, data: new Uint8Array(Float64Array.of(claimedAt).buffer) },
        { datasetId: ds.id, version: 2, column: 1, kind: 'codes', chunk: 0, count: 5, data: new Uint8Array(20) },
      ],
    });
  };
  const retype = () => request(statlas.app).patch(`/api/v1/datasets/${ds.id}`).set(alice.auth).send({ columns: [{ name: 'units', type: 'string' }] });
  // A recent claim: another change may still be writing that version.
  await leftBehind(Date.now());
  expectError(await retype(), 409, 'CONFLICT');
  // An old one: that change is gone; its version is dropped and this change writes it afresh.
  await leftBehind(Date.now() - 60 * 60_000);
  const res = await retype();
  expect(res.status).toBe(200);
  const rows = await request(statlas.app).get(`/api/v1/datasets/${ds.id}/rows?columns=units`).set(alice.auth);
  expect(rows.body.data).toEqual([{ units: '10' }, { units: null }, { units: '7' }, { units: '3' }, { units: '5' }]);
  const versions = await statlas.db.datasetChunk.groupBy({ by: ['version'], where: { datasetId: ds.id } });
  expect(versions).toEqual([{ version: 2 }]);
});

test('two retypes of one dataset at once: one wins, the other is a 409, content stays whole', async () => {
  const ds = await uploadReady(statlas.app, alice, SALES, 'race.csv');
  const patch = (body: object) => request(statlas.app).patch(`/api/v1/datasets/${ds.id}`).set(alice.auth).send(body);
  const results = await Promise.all([patch({ columns: [{ name: 'units', type: 'string' }] }), patch({ columns: [{ name: 'price', type: 'string' }] })]);
  const statuses = results.map((r) => r.status).sort();
  expect([[200, 200], [200, 409]]).toContainEqual(statuses);
  const now = await request(statlas.app).get(`/api/v1/datasets/${ds.id}`).set(alice.auth);
  const rows = await request(statlas.app).get(`/api/v1/datasets/${ds.id}/rows`).set(alice.auth);
  expect(rows.status).toBe(200);
  expect(rows.body.data).toHaveLength(5);
  const versions = await statlas.db.datasetChunk.groupBy({ by: ['version'], where: { datasetId: ds.id } });
  expect(versions).toHaveLength(1);
  for (const col of now.body.columns) expect(typeof rows.body.data[0][col.name] === 'string' || col.type !== 'string' || rows.body.data[0][col.name] === null).toBe(true);
});

describe('ownership and auth', () => {
  test('another user gets 404, no key gets 401 before 404/405', async () => {
    const ds = await uploadReady(statlas.app, alice, 'a\n1\n', 'mine.csv');
    expectError(await request(statlas.app).get(`/api/v1/datasets/${ds.id}`).set(bob.auth), 404, 'NOT_FOUND');
    expectError(await request(statlas.app).delete(`/api/v1/datasets/${ds.id}`).set(bob.auth), 404, 'NOT_FOUND');
    expectError(await request(statlas.app).get(`/api/v1/datasets/${ds.id}`), 401, 'UNAUTHORIZED');
    expectError(await request(statlas.app).get('/api/v1/nowhere'), 401, 'UNAUTHORIZED');
    expectError(await request(statlas.app).put(`/api/v1/datasets/${ds.id}`).set(alice.auth), 405, 'METHOD_NOT_ALLOWED');
    expectError(await request(statlas.app).get('/api/v1/nowhere').set(alice.auth), 404, 'NOT_FOUND');
    const list = await request(statlas.app).get('/api/v1/datasets').set(bob.auth);
    expect(list.body.data.find((d: { id: string }) => d.id === ds.id)).toBeUndefined();
  });

  test('delete removes the dataset and its content', async () => {
    const ds = await uploadReady(statlas.app, alice, 'a\n1\n', 'gone.csv');
    expect((await request(statlas.app).delete(`/api/v1/datasets/${ds.id}`).set(alice.auth)).status).toBe(204);
    expectError(await request(statlas.app).get(`/api/v1/datasets/${ds.id}`).set(alice.auth), 404, 'NOT_FOUND');
    expect(await statlas.db.datasetChunk.count({ where: { datasetId: ds.id } })).toBe(0);
  });

  test('list pages, searches and sorts', async () => {
    const user = await signUp(statlas.app, 'lister');
    for (const name of ['Bravo', 'alpha', 'Charlie']) await uploadReady(statlas.app, user, 'a\n1\n', `${name}.csv`);
    const res = await request(statlas.app).get('/api/v1/datasets?sort=name&limit=2').set(user.auth);
    expect(res.body.page).toEqual({ total: 3, limit: 2, offset: 0 });
    expect(res.body.data.length).toBe(2);
    const q = await request(statlas.app).get('/api/v1/datasets?q=ALP').set(user.auth);
    expect(q.body.data.map((d: { name: string }) => d.name)).toEqual(['alpha']);
  });
});

describe('background uploads', () => {
  test('a file above ASYNC_UPLOAD_MB answers 202 and becomes ready', async () => {
    const bg = await startTestApp({ ASYNC_UPLOAD_MB: '0' });
    try {
      const user = await signUp(bg.app, 'bg');
      const res = await upload(bg.app, user, 'a,b\n1,x\n2,y\n', 'bg.csv');
      expect(res.status).toBe(202);
      expect(res.body.status).toBe('processing');
      expect(res.headers.location).toBe(`/api/v1/datasets/${res.body.id}`);
      await bg.datasets.idle();
      const done = await request(bg.app).get(res.headers.location).set(user.auth);
      expect(done.body).toMatchObject({ status: 'ready', progress: 1, rowCount: 2 });
      const bad = await upload(bg.app, user, 'a,b\n1,"x\n', 'bad.csv');
      expect(bad.status).toBe(202);
      await bg.datasets.idle();
      const failed = await request(bg.app).get(`/api/v1/datasets/${bad.body.id}`).set(user.auth);
      expect(failed.body.status).toBe('failed');
      expect(failed.body.error).toMatch(/line/);
      expectError(await request(bg.app).get(`/api/v1/datasets/${bad.body.id}/rows`).set(user.auth), 409, 'CONFLICT');
    } finally {
      await bg.close();
    }
  });
});

test('health answers ok with the database up', async () => {
  const res = await request(statlas.app).get('/health');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ status: 'ok', db: 'ok' });
  expect(res.headers['x-request-id']).toBeTruthy();
});
