// Hostile input through HTTP: every bad file or request gets the contract's error (never a 500),
// nothing leaks or pollutes, and the server keeps serving.
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Express } from 'express';
import request from 'supertest';
import { createApp, type StatlasApp } from '../../src/app.js';
import { setSpreadsheetTimeLimit } from '../../src/modules/ingest/ingest-pool.js';
import { loadConfig } from '../../src/config.js';
import { expectError, signUp, startTestApp, upload, uploadReady, type TestUser } from '../helpers/test-app.js';
import { zipOf } from '../helpers/zip.js';
import { peakRssGrowth, rawMultipart, xlsOf, xlsxBomb, xlsxOf } from './hostile.js';

let statlas: StatlasApp;
let user: TestUser;

beforeAll(async () => {
  statlas = await startTestApp();
  user = await signUp(statlas.app, 'hostile');
});
afterAll(async () => statlas.close());

async function healthy(app = statlas.app): Promise<void> {
  expect((await request(app).get('/health')).status).toBe(200);
}

/** A fresh app with some limits lowered; closed after `fn`. */
async function withLimits(env: Record<string, string>, fn: (s: StatlasApp, u: TestUser) => Promise<void>): Promise<void> {
  const s = await startTestApp(env);
  try {
    await fn(s, await signUp(s.app, 'limits'));
    await healthy(s.app);
  } finally {
    await s.close();
  }
}

/** POSTs a body with Transfer-Encoding: chunked (no Content-Length) to a real listening server. */
async function postChunked(app: Express, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: any }> {
  const server = app.listen(0);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve, reject) => {
      const req = http.request({ port, method: 'POST', path: '/api/v1/datasets', headers: { ...headers, 'Transfer-Encoding': 'chunked' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      // The server may answer and close before the whole body is written.
      req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
      req.end();
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

const csvRows = (n: number) => ['a,b', ...Array.from({ length: n }, (_, i) => `${i},x${i}`)].join('\n');

describe('size and shape limits → 413 FILE_TOO_LARGE', () => {
  test('over MAX_UPLOAD_MB (declared length, and a chunked body that does not declare it)', async () => {
    await withLimits({ MAX_UPLOAD_MB: '1' }, async (s, u) => {
      const big = Buffer.alloc(1024 * 1024 + 100, 'a,b\n1,2\n');
      expectError(await upload(s.app, u, big, 'big.csv'), 413, 'FILE_TOO_LARGE');
      expectError(await upload(s.app, u, big, 'big.csv', {}, '/api/v1/datasets/inspect'), 413, 'FILE_TOO_LARGE');
      // Without Content-Length (chunked), multer's stream limit still stops it.
      const { body, contentType } = rawMultipart('big.csv', big);
      const chunked = await postChunked(s.app, { ...u.auth, 'Content-Type': contentType }, body);
      expect(chunked.status).toBe(413);
      expect(chunked.body.error.code).toBe('FILE_TOO_LARGE');
      // Just under the limit is fine.
      expect((await upload(s.app, u, Buffer.alloc(1000 * 1000, 'a,b\n1,2\n'), 'ok.csv')).status).toBe(201);
    });
  });

  const table = (rows: number, cols: number, cell = 'x'): unknown[][] => [
    Array.from({ length: cols }, (_, c) => `c${c}`),
    ...Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => (c === 0 ? cell : r * cols + c))),
  ];
  const asCsv = (t: unknown[][]) => Buffer.from(t.map((r) => r.join(',')).join('\n'));
  const asJson = (t: unknown[][]) => Buffer.from(JSON.stringify(t.slice(1).map((r) => Object.fromEntries(r.map((v, i) => [t[0][i], v])))));
  const asNdjson = (t: unknown[][]) => Buffer.from(t.slice(1).map((r) => JSON.stringify(Object.fromEntries(r.map((v, i) => [t[0][i], v])))).join('\n'));
  const FORMATS: [string, (t: unknown[][]) => Buffer][] = [
    ['csv', asCsv],
    ['json', asJson],
    ['ndjson', asNdjson],
    ['xlsx', xlsxOf],
    ['xls', xlsOf],
  ];

  test.each(FORMATS)('%s: MAX_ROWS, MAX_COLUMNS and MAX_CELL_BYTES each answer 413; at the limit is 201', async (ext, make) => {
    await withLimits({ MAX_ROWS: '50', MAX_COLUMNS: '8', MAX_CELL_BYTES: '100' }, async (s, u) => {
      expect((await upload(s.app, u, make(table(50, 8, 'y'.repeat(100))), `ok.${ext}`)).status).toBe(201);
      expectError(await upload(s.app, u, make(table(51, 3)), `rows.${ext}`), 413, 'FILE_TOO_LARGE');
      expectError(await upload(s.app, u, make(table(3, 9)), `cols.${ext}`), 413, 'FILE_TOO_LARGE');
      expectError(await upload(s.app, u, make(table(3, 3, 'z'.repeat(101))), `cell.${ext}`), 413, 'FILE_TOO_LARGE');
      // inspect applies the same limits
      expectError(await upload(s.app, u, make(table(51, 3)), `rows.${ext}`, {}, '/api/v1/datasets/inspect'), 413, 'FILE_TOO_LARGE');
      const list = await request(s.app).get('/api/v1/datasets').set(u.auth);
      expect(list.body.page.total).toBe(1);
    });
  });

  test('a multi-byte cell is measured in bytes, not characters', async () => {
    await withLimits({ MAX_CELL_BYTES: '100' }, async (s, u) => {
      // 40 characters, 120 bytes in UTF-8
      expectError(await upload(s.app, u, `a\n${'€'.repeat(40)}\n`, 'euro.csv'), 413, 'FILE_TOO_LARGE');
    });
  });
});

describe('xlsx decompression bombs → 413 quickly, with bounded memory', () => {
  test.each([
    ['honest sizes (512 MB declared)', false],
    ['lying sizes (1 KB declared, 512 MB real)', true],
  ])('%s', async (_label, lie) => {
    const bomb = xlsxBomb(512, lie as boolean);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const before = process.resourceUsage().maxRSS;
    const { result: res, growthMb, ms } = await peakRssGrowth(() => upload(statlas.app, user, bomb, 'bomb.xlsx'));
    expectError(res, 413, 'FILE_TOO_LARGE');
    expect(ms).toBeLessThan(3000);
    expect(growthMb).toBeLessThan(200);
    // The lifetime peak did not jump by the size of the inflated sheet either.
    expect((process.resourceUsage().maxRSS - before) / 1024).toBeLessThan(200);
    expectError(await upload(statlas.app, user, bomb, 'bomb.xlsx', {}, '/api/v1/datasets/inspect'), 413, 'FILE_TOO_LARGE');
    await healthy();
  });

  test('a small bomb under the caps is still a working workbook (the builder makes real xlsx)', async () => {
    const ds = await uploadReady(statlas.app, user, xlsxBomb(1), 'tiny-bomb.xlsx');
    expect(ds.format).toBe('xlsx');
    expect(ds.columns.map((c: { name: string }) => c.name)).toEqual(['a']);
  });
});

describe('deeply nested or huge JSON → 413 or 422, never 500', () => {
  const cases: [string, () => string][] = [
    ['100,000 nested arrays', () => '['.repeat(100_000) + ']'.repeat(100_000)],
    ['100,000 nested objects in a row', () => '[' + '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000) + ']'],
    ['a row holding 50,000 nested lists', () => '[{"a":' + '['.repeat(50_000) + ']'.repeat(50_000) + '}]'],
    ['unclosed nesting', () => '[' + '{"a":['.repeat(20_000)],
    ['NDJSON with a deep line', () => '{"a":1}\n' + '{"b":'.repeat(50_000) + '1' + '}'.repeat(50_000) + '\n'],
    ['one row with 5,000 keys', () => JSON.stringify([Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))])],
    ['a 2 MB string cell', () => JSON.stringify([{ a: 'x'.repeat(2 * 1024 * 1024) }])],
  ];
  test.each(cases)('%s', async (_label, make) => {
    const res = await upload(statlas.app, user, make(), 'deep.json');
    expect([413, 422]).toContain(res.status);
    expectError(res, res.status, res.status === 413 ? 'FILE_TOO_LARGE' : 'PARSE_ERROR');
    const inspect = await upload(statlas.app, user, make(), 'deep.json', {}, '/api/v1/datasets/inspect');
    expect([413, 422]).toContain(inspect.status);
    await healthy();
  });

  test('a JSON request body over 1 MB → 413; nested 10,000 deep → 400, not 500', async () => {
    const big = { type: 'bar', x: 'a', filters: [{ column: 'a', op: 'eq', value: 'x'.repeat(1024 * 1024 + 10) }] };
    expectError(await request(statlas.app).post('/api/v1/datasets/whatever/chart-data').set(user.auth).send(big), 413, 'FILE_TOO_LARGE');
    expectError(await request(statlas.app).post('/api/v1/visualizations').set(user.auth).send(big), 413, 'FILE_TOO_LARGE');
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const res = await request(statlas.app).post('/api/v1/visualizations').set(user.auth).set('Content-Type', 'application/json').send(deep);
    expectError(res, 400, 'VALIDATION_ERROR');
    const broken = await request(statlas.app).post('/api/v1/visualizations').set(user.auth).set('Content-Type', 'application/json').send('{"a":');
    expectError(broken, 400, 'VALIDATION_ERROR');
    await healthy();
  });
});

describe('content checks', () => {
  const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  const PDF = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1');
  const GZIP = Buffer.from('1f8b08000000000000034b4c4a06000fc6bc8b03000000', 'hex');
  const ELF = Buffer.concat([Buffer.from('7f454c46020101000000000000000000', 'hex'), Buffer.alloc(200, 0)]);
  const JUNK = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
  // A zip with a text file in it: a zip, but not a workbook.
  const ZIP_NOT_XLSX = zipOf([{ name: 'hello.txt', data: Buffer.from('hello'), method: 0, declaredSize: 5 }]);

  test.each([
    ['a PNG named .csv', PNG, 'image.csv'],
    ['a PNG named .xlsx', PNG, 'image.xlsx'],
    ['a PDF named .json', PDF, 'doc.json'],
    ['gzip named .csv', GZIP, 'data.csv'],
    ['an ELF binary named .tsv', ELF, 'prog.tsv'],
    ['random binary junk', JUNK, 'junk.csv'],
    ['random binary junk named .xls', JUNK, 'junk.xls'],
    ['a zip that is not a workbook, named .xlsx', ZIP_NOT_XLSX, 'notes.xlsx'],
  ])('%s → 415', async (_label, bytes, name) => {
    expectError(await upload(statlas.app, user, bytes, name), 415, 'UNSUPPORTED_FILE_TYPE');
    expectError(await upload(statlas.app, user, bytes, name, {}, '/api/v1/datasets/inspect'), 415, 'UNSUPPORTED_FILE_TYPE');
  });

  const workbook = () => xlsxOf([['a', 'b'], ...Array.from({ length: 200 }, (_, i) => [i, `v${i}`])]);

  test('a truncated xlsx → 422 or 415, never 500', async () => {
    const good = workbook();
    for (const keep of [0.99, 0.9, 0.5, 0.2, 0.01]) {
      const res = await upload(statlas.app, user, good.subarray(0, Math.floor(good.length * keep)), 'cut.xlsx');
      expect([415, 422]).toContain(res.status);
      expectError(res, res.status, res.status === 422 ? 'PARSE_ERROR' : 'UNSUPPORTED_FILE_TYPE');
    }
  });

  // A cut-off xlsx has lost its zip directory; its local headers still say it is a workbook.
  test('a truncated xlsx (90% of it) → 422 PARSE_ERROR saying it is damaged', async () => {
    const good = workbook();
    const res = await upload(statlas.app, user, good.subarray(0, Math.floor(good.length * 0.9)), 'cut.xlsx');
    expectError(res, 422, 'PARSE_ERROR');
  });

  test('a corrupt xlsx (scrambled entry data, directory intact) → 422', async () => {
    const good = workbook();
    const bad = Buffer.from(good);
    // Scramble the middle of the file: entry data, not the central directory at the end.
    for (let i = Math.floor(good.length * 0.3); i < Math.floor(good.length * 0.6); i += 3) bad[i] ^= 0xa5;
    const res = await upload(statlas.app, user, bad, 'bad.xlsx');
    expectError(res, 422, 'PARSE_ERROR');
  });

  // SheetJS's reader loops without end on these (found by tests/fuzz): the V8 fatal error that
  // follows takes down the whole process, so they must never reach it.
  test.each([['sibling links that lead back', 'cfb-sibling-cycle.xls'], ['a sector chain that loops', 'cfb-sector-cycle.xls']])(
    'an xls whose container has %s → 422 at once, and the server goes on',
    async (_label, name) => {
      const bytes = readFileSync(new URL(`../fixtures/sheetjs-crashers/${name}`, import.meta.url));
      expectError(await upload(statlas.app, user, bytes, name), 422, 'PARSE_ERROR');
      expectError(await upload(statlas.app, user, bytes, name, {}, '/api/v1/datasets/inspect'), 422, 'PARSE_ERROR');
      await healthy();
    },
  );

  // This one sends SheetJS into a loop that never ends (no memory grows, so nothing crashes): the
  // parse's time limit stops the worker. An upload that waited behind it is asked to send again.
  test('an xls that keeps SheetJS busy for ever → 422 after the time limit; an upload queued behind it → 503; then all is well', async () => {
    const bytes = readFileSync(new URL('../fixtures/sheetjs-crashers/formula-length-hang.xls', import.meta.url));
    setSpreadsheetTimeLimit(2000);
    try {
      await uploadReady(statlas.app, user, 'a\n1\n', 'first.csv'); // the worker is up and waiting
      const started = Date.now();
      const hung = upload(statlas.app, user, bytes, 'hang.xls').then((res) => res);
      // The file reaches the worker within milliseconds; this one then waits behind it.
      await new Promise((r) => setTimeout(r, 500));
      const queued = await upload(statlas.app, user, 'a,b\n1,2\n', 'queued.csv');
      const res = await hung;
      expectError(res, 422, 'PARSE_ERROR');
      expect(res.body.error.message).toMatch(/too long/);
      expect(Date.now() - started).toBeLessThan(10_000);
      expectError(queued, 503, 'UNAVAILABLE');
      expect(queued.body.error.message).toMatch(/upload the file again/);

      expectError(await upload(statlas.app, user, bytes, 'hang.xls', {}, '/api/v1/datasets/inspect'), 422, 'PARSE_ERROR');
      const again = await uploadReady(statlas.app, user, 'a,b\n1,2\n', 'again.csv');
      expect(again.rowCount).toBe(1);
      const list = await request(statlas.app).get('/api/v1/datasets?limit=100').set(user.auth);
      expect(list.body.data.filter((d: { status: string }) => d.status !== 'ready')).toEqual([]);
      await healthy();
    } finally {
      setSpreadsheetTimeLimit();
    }
  });

  test('a truncated or corrupt xls → 422 (or 415)', async () => {
    const good = xlsOf([['a', 'b'], ...Array.from({ length: 300 }, (_, i) => [i, `v${i}`])]);
    const cut = await upload(statlas.app, user, good.subarray(0, Math.floor(good.length / 2)), 'cut.xls');
    expect([415, 422]).toContain(cut.status);
    const bad = Buffer.from(good);
    for (let i = 600; i < bad.length; i += 5) bad[i] ^= 0x5a;
    const res = await upload(statlas.app, user, bad, 'bad.xls');
    expect([415, 422]).toContain(res.status);
    expectError(res, res.status, res.status === 422 ? 'PARSE_ERROR' : 'UNSUPPORTED_FILE_TYPE');
    await healthy();
  });

  test('a broken quote → 422 naming the line', async () => {
    const res = await upload(statlas.app, user, 'a,b\n1,2\n3,4\n5,"oops\n6,7\n', 'quote.csv');
    expectError(res, 422, 'PARSE_ERROR');
    expect(res.body.error.details.line).toBe(4);
  });

  test('an empty file → 422; whitespace only → 422; a header only → 201 with 0 rows', async () => {
    expectError(await upload(statlas.app, user, '', 'empty.csv'), 422, 'PARSE_ERROR');
    expectError(await upload(statlas.app, user, ' \n\r\n\t\n', 'blank.csv'), 422, 'PARSE_ERROR');
    expectError(await upload(statlas.app, user, '', 'empty.json'), 422, 'PARSE_ERROR');
    const ds = await uploadReady(statlas.app, user, 'x,y\n', 'header.csv');
    expect(ds.rowCount).toBe(0);
    expectError(await upload(statlas.app, user, '[]', 'none.json'), 422, 'PARSE_ERROR');
  });
});

describe('column names that are hostile to objects', () => {
  const LONG = 'L'.repeat(10 * 1024);
  const CONTROL = 'a\u0001b\u0007c\u001b[31m';
  const header = ['__proto__', 'constructor', 'prototype', '', 'dup', 'dup', LONG, CONTROL, 'hasOwnProperty', 'toString'];
  const expectedNames = ['__proto__', 'constructor', 'prototype', 'column_4', 'dup', 'dup_2', LONG, CONTROL, 'hasOwnProperty', 'toString'];
  const row1 = ['{"polluted":1}', '1', 'p', 'e', 'd1', 'd2', 'long', 'ctl', 'h', 't'];

  function csvCell(s: string): string {
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }

  afterAll(() => {
    // Nothing anywhere got a polluted prototype.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  });

  async function checkDataset(id: string): Promise<void> {
    const meta = await request(statlas.app).get(`/api/v1/datasets/${id}`).set(user.auth);
    expect(meta.status).toBe(200);
    expect(meta.body.columns.map((c: { name: string }) => c.name)).toEqual(expectedNames);

    const rows = await request(statlas.app).get(`/api/v1/datasets/${id}/rows`).set(user.auth);
    expect(rows.status).toBe(200);
    const first = rows.body.data[0];
    // Every name is an own key of the row, in order, with its own value.
    expect(Object.keys(first)).toEqual(expectedNames);
    expect(Object.getOwnPropertyDescriptor(first, '__proto__')?.value).toBe('{"polluted":1}');
    expect(Object.getOwnPropertyDescriptor(first, 'constructor')?.value).toBe(1);
    expect(first.dup_2).toBe('d2');
    expect(first[LONG]).toBe('long');
    expect(first[CONTROL]).toBe('ctl');

    // The same columns work in queries: select, sort, filter, analysis, charts.
    const sel = await request(statlas.app)
      .get(`/api/v1/datasets/${id}/rows`)
      .query({ columns: '__proto__,constructor', sort: '-constructor', filter: 'constructor:gte:1' })
      .set(user.auth);
    expect(sel.status).toBe(200);
    expect(sel.body.data.map((r: object) => Object.keys(r))).toEqual([['__proto__', 'constructor']]);
    const summary = await request(statlas.app).get(`/api/v1/datasets/${id}/analysis/summary`).set(user.auth);
    expect(summary.status).toBe(200);
    expect(summary.body.columns.map((c: { name: string }) => c.name)).toEqual(expectedNames);
    const vc = await request(statlas.app).get(`/api/v1/datasets/${id}/analysis/value-counts`).query({ column: '__proto__' }).set(user.auth);
    expect(vc.status).toBe(200);
    expect(vc.body.data[0].value).toBe('{"polluted":1}');
    const gb = await request(statlas.app).get(`/api/v1/datasets/${id}/analysis/groupby`).query({ by: 'constructor', metrics: 'count,sum:constructor' }).set(user.auth);
    expect(gb.status).toBe(200);
    expect(gb.body.data).toEqual([{ constructor: 1, count: 1, sum_constructor: 1 }]);
    const chart = await request(statlas.app).post(`/api/v1/datasets/${id}/chart-data`).set(user.auth).send({ type: 'bar', x: '__proto__', y: 'constructor' });
    expect(chart.status).toBe(200);
    expect(chart.body.data[0].x).toBe('{"polluted":1}');
    const exp = await request(statlas.app).get(`/api/v1/datasets/${id}/export?format=json`).set(user.auth);
    expect(exp.status).toBe(200);
    const exported = JSON.parse(exp.text);
    expect(Object.keys(exported[0])).toEqual(expectedNames);
    const renamed = await request(statlas.app).patch(`/api/v1/datasets/${id}`).set(user.auth).send({ columns: [{ name: '__proto__', newName: 'prototype_2' }] });
    expect(renamed.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }

  test('in a CSV header: stored and returned as given (empty and repeated names as the contract says)', async () => {
    const csv = [header.map(csvCell).join(','), row1.map(csvCell).join(',')].join('\n');
    const ds = await uploadReady(statlas.app, user, csv, 'names.csv');
    await checkDataset(ds.id);
  });

  test('as JSON keys, including a __proto__ object that tries to pollute', async () => {
    const text = '[{' + header.filter((h) => h !== '' && h !== 'dup').map((h, i) => `${JSON.stringify(h)}:${JSON.stringify(row1[header.indexOf(h)] ?? i)}`).join(',') + '}]';
    const ds = await uploadReady(statlas.app, user, text, 'names.json');
    expect(ds.columns.map((c: { name: string }) => c.name)).toContain('__proto__');
    const polluting = '[{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"a":1}]';
    const p = await uploadReady(statlas.app, user, polluting, 'pollute.json');
    expect(p.columns.map((c: { name: string }) => c.name)).toEqual(['__proto__.polluted', 'constructor.prototype.polluted', 'a']);
    const rows = await request(statlas.app).get(`/api/v1/datasets/${p.id}/rows`).set(user.auth);
    expect(rows.body.data[0]).toEqual({ '__proto__.polluted': 'yes', 'constructor.prototype.polluted': 'yes', a: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  // Group records have no prototype, so `rec['__proto__'] = key` is a plain field.
  test('groupby by a column named __proto__ returns that key', async () => {
    const ds = await uploadReady(statlas.app, user, '__proto__,n\nx,1\ny,2\n', 'proto.csv');
    const gb = await request(statlas.app).get(`/api/v1/datasets/${ds.id}/analysis/groupby`).query({ by: '__proto__', metrics: 'sum:n' }).set(user.auth);
    expect(gb.status).toBe(200);
    expect(gb.body.data.map((r: object) => Object.getOwnPropertyDescriptor(r, '__proto__')?.value)).toEqual(['x', 'y']);
  });

  test('in an xlsx header', async () => {
    const ds = await uploadReady(statlas.app, user, xlsxOf([header, row1]), 'names.xlsx');
    await checkDataset(ds.id);
  });
});

describe('file names', () => {
  // Uploads stream into the ingest worker and are never written to disk; the names are only shown back.
  let own: StatlasApp;
  beforeAll(async () => {
    own = await createApp(loadConfig({ DATABASE_URL: process.env.DATABASE_URL!, NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_ENABLED: 'false' }));
  });
  afterAll(async () => own.close());

  async function sendRaw(filename: string, path = '/api/v1/datasets') {
    const { body, contentType } = rawMultipart(filename, Buffer.from('a,b\n1,2\n'));
    return request(own.app).post(path).set(user.auth).set('Content-Type', contentType).send(body);
  }

  test.each([
    ['../../../../tmp/statlas-escape.csv', 'statlas-escape.csv'],
    ['../spool-sibling.csv', 'spool-sibling.csv'],
    ['..\\..\\windows\\statlas-escape.csv', 'statlas-escape.csv'],
    ['/etc/passwd', 'passwd'],
    ['report\u202egnp.csv', 'reportgnp.csv'],
    ['..', 'upload'],
    ['données €.csv', 'données €.csv'],
  ])('%j is stored as %j, and nothing is written under the name', async (given, shown) => {
    const res = await sendRaw(given);
    expect(res.status).toBe(201);
    expect(res.body.originalFilename).toBe(shown);
    expect(res.body.name).not.toMatch(/[/\\\u0000]/);
    expect(existsSync('/tmp/statlas-escape.csv')).toBe(false);
  });

  test('a NUL byte: sent raw, the multipart header is refused (400); sent percent-encoded, it is dropped', async () => {
    const { body, contentType } = rawMultipart('a\u0000b.csv', Buffer.from('a,b\n1,2\n'));
    const raw = await request(own.app).post('/api/v1/datasets').set(user.auth).set('Content-Type', contentType).send(body);
    expectError(raw, 400, 'VALIDATION_ERROR');
    expect(raw.body.error.details.fields[0].path).toBe('file');
    const encoded = rawMultipart('a\u0000b/../c\u0000d.csv', Buffer.from('a,b\n1,2\n'), {}, true);
    const res = await request(own.app).post('/api/v1/datasets').set(user.auth).set('Content-Type', encoded.contentType).send(encoded.body);
    expect(res.status).toBe(201);
    expect(res.body.originalFilename).toBe('cd.csv');
  });

  test('a 1,000-character name is cut to 255', async () => {
    const res = await sendRaw(`${'n'.repeat(1000)}.csv`);
    expect(res.status).toBe(201);
    expect(res.body.originalFilename.length).toBeLessThanOrEqual(255);
    expect(res.body.name.length).toBeLessThanOrEqual(200);
    const inspect = await sendRaw(`${'n'.repeat(1000)}.csv`, '/api/v1/datasets/inspect');
    expect(inspect.status).toBe(200);
  });
});

describe('query and body fields → 400 naming each field', () => {
  let id = '';
  beforeAll(async () => {
    id = (await uploadReady(statlas.app, user, csvRows(30), 'q.csv')).id;
  });

  function fieldsOf(res: request.Response): string[] {
    expectError(res, 400, 'VALIDATION_ERROR');
    return res.body.error.details.fields.map((f: { path: string }) => f.path);
  }

  test.each([
    ['/rows?limit=abc', ['limit']],
    ['/rows?limit=abc&offset=-1', ['limit', 'offset']],
    ['/rows?limit=1.5', ['limit']],
    ['/rows?bogus=1', ['bogus']],
    ['/rows?limit=1&limit=2', ['limit']],
    ['/rows?columns=nope', ['columns']],
    ['/rows?filter=nope:eq:1', ['filter']],
    ['/rows?filter=a:explode:1', ['filter']],
    ['/rows?sort=-nope', ['sort']],
    [`/rows?sort=${'a'.repeat(12_000)}`, ['sort']],
    ['/analysis/outliers?column=a&method=magic&threshold=-1', ['method', 'threshold']],
    ['/analysis/histogram?column=a&bins=1000000', ['bins']],
    ['/analysis/correlations?method[$gt]=1', ['method[$gt]']],
    ['/export?format=exe', ['format']],
  ].map(([path, fields]) => [(path as string).length > 80 ? `${(path as string).slice(0, 60)}… (${(path as string).length} chars)` : path, path, fields]))('GET %s', async (_title, path, fields) => {
    const got = fieldsOf(await request(statlas.app).get(`/api/v1/datasets/${id}${path}`).set(user.auth));
    for (const f of fields as string[]) expect(got.join(' ')).toContain(f);
  });

  test.each([
    ['/datasets?sort=password', ['sort']],
    ['/datasets?offset=1e999', ['offset']],
    ['/datasets?q=' + 'q'.repeat(1000), ['q']],
    ['/visualizations?limit=-5&extra=1', ['limit', 'extra']],
  ].map(([path, fields]) => [(path as string).slice(0, 60), path, fields]))('GET %s', async (_title, path, fields) => {
    expect(fieldsOf(await request(statlas.app).get(`/api/v1${path}`).set(user.auth))).toEqual(expect.arrayContaining(fields as string[]));
  });

  test.each([
    ['patch', () => `/api/v1/datasets/${id}`, { name: 5, extra: true }, ['name', 'extra']],
    ['patch', () => `/api/v1/datasets/${id}`, { name: 'n'.repeat(10_000) }, ['name']],
    ['patch', () => `/api/v1/datasets/${id}`, { columns: [{ name: 'a', type: 'complex' }] }, ['columns.0.type']],
    ['patch', () => `/api/v1/datasets/${id}`, { columns: 'a' }, ['columns']],
    ['post', () => `/api/v1/datasets/${id}/chart-data`, { type: 'pie3d', x: 7 }, ['type', 'x']],
    ['post', () => `/api/v1/datasets/${id}/chart-data`, { type: 'bar', x: 'a', limit: 'all', __proto__: { x: 1 } }, ['limit']],
    ['post', () => `/api/v1/datasets/${id}/chart-data`, { type: 'bar', x: 'a', filters: [{ column: 'a', op: 'eq' }] }, ['filters.0.value']],
    ['post', () => '/api/v1/visualizations', { datasetId: id, chart: { type: 'bar', x: 'a' }, admin: true }, ['name', 'admin']],
    ['post', () => '/api/v1/users/me/api-keys', [1, 2, 3], []],
    ['post', () => '/api/v1/users', { email: 'not-an-email', name: 5, role: 'admin' }, ['email', 'name', 'role']],
  ])('%s with a bad body (case %#)', async (method, url, body, fields) => {
    const req = request(statlas.app)[method as 'post' | 'patch'](url()).set(user.auth).send(body as object);
    const res = await req;
    if (fields.length === 0) {
      // A route without a body ignores one, or refuses it; never a 500.
      expect(res.status).toBeLessThan(500);
      return;
    }
    expect(fieldsOf(res)).toEqual(expect.arrayContaining(fields));
  });

  test('multipart fields: wrong values and unknown fields → 400 naming them; a second file → 400', async () => {
    expect(fieldsOf(await upload(statlas.app, user, 'a,b\n1,2\n', 'f.csv', { header: 'maybe', encoding: 'ebcdic', color: 'red' }))).toEqual(
      expect.arrayContaining(['header', 'encoding', 'color']),
    );
    expect(fieldsOf(await upload(statlas.app, user, 'a,b\n1,2\n', 'f.csv', { delimiter: 'xx' }))).toEqual(['delimiter']);
    const two = await request(statlas.app).post('/api/v1/datasets').set(user.auth).attach('file', Buffer.from('a\n1\n'), 'a.csv').attach('file', Buffer.from('b\n2\n'), 'b.csv');
    expect(fieldsOf(two)).toEqual(['file']);
    // A file in another field: that field is the one named.
    const wrongField = await request(statlas.app).post('/api/v1/datasets').set(user.auth).attach('upload', Buffer.from('a\n1\n'), 'a.csv');
    expect(fieldsOf(wrongField)).toEqual(['upload']);
    const notMultipart = await request(statlas.app).post('/api/v1/datasets').set(user.auth).send({ file: 'a,b' });
    expect(fieldsOf(notMultipart)).toEqual(['file']);
  });

  test('a cut-off multipart body → 400, not a hang or 500', async () => {
    const { body, contentType } = rawMultipart('a.csv', Buffer.from('a,b\n1,2\n'));
    const res = await request(statlas.app).post('/api/v1/datasets').set(user.auth).set('Content-Type', contentType).send(body.subarray(0, body.length - 30));
    expect(res.status).toBe(400);
    await healthy();
  });

  test('huge limits are clamped and page.limit says so', async () => {
    const rows = await request(statlas.app).get(`/api/v1/datasets/${id}/rows?limit=99999999999`).set(user.auth);
    expect(rows.status).toBe(200);
    expect(rows.body.page.limit).toBe(10_000);
    expect(rows.body.data).toHaveLength(30);
    const list = await request(statlas.app).get('/api/v1/datasets?limit=1000000').set(user.auth);
    expect(list.body.page.limit).toBe(100);
    const viz = await request(statlas.app).get('/api/v1/visualizations?limit=1000000').set(user.auth);
    expect(viz.body.page.limit).toBe(100);
    const chart = await request(statlas.app).post(`/api/v1/datasets/${id}/chart-data`).set(user.auth).send({ type: 'scatter', x: 'a', y: 'a', limit: 1e12 });
    expect(chart.status).toBe(200);
    const zero = await request(statlas.app).get(`/api/v1/datasets/${id}/rows?limit=0`).set(user.auth);
    expect(zero.body).toEqual({ data: [], page: { total: 30, limit: 0, offset: 0 } });
    const far = await request(statlas.app).get(`/api/v1/datasets/${id}/rows?offset=9007199254740991`).set(user.auth);
    expect(far.status).toBe(200);
    expect(far.body.data).toEqual([]);
  });

  test('NUL characters anywhere (PostgreSQL cannot store them): 400, 404 or accepted, never 500', async () => {
    const NUL = '\u0000';
    const answers: [string, request.Response][] = [
      ['id', await request(statlas.app).get('/api/v1/datasets/%00').set(user.auth)],
      ['q', await request(statlas.app).get('/api/v1/datasets?q=a%00b').set(user.auth)],
      ['datasetId', await request(statlas.app).get('/api/v1/visualizations?datasetId=%00').set(user.auth)],
      ['keyId', await request(statlas.app).delete('/api/v1/users/me/api-keys/%00').set(user.auth)],
      ['name field', await upload(statlas.app, user, 'a,b\n1,2\n', 'x.csv', { name: `a${NUL}b` })],
      ['description field', await upload(statlas.app, user, 'a,b\n1,2\n', 'x.csv', { description: `a${NUL}b` })],
      ['JSON key', await upload(statlas.app, user, '[{"a\\u0000x":1}]', 'x.json')],
      ['JSON value', await upload(statlas.app, user, '[{"a":"x\\u0000y"}]', 'x.json')],
      ['sign-up name', await request(statlas.app).post('/api/v1/users').send({ email: `nul-${Date.now()}@example.com`, name: `a${NUL}b` })],
      ['patch name', await request(statlas.app).patch(`/api/v1/datasets/${id}`).set(user.auth).send({ name: `a${NUL}b` })],
      ['patch column', await request(statlas.app).patch(`/api/v1/datasets/${id}`).set(user.auth).send({ columns: [{ name: 'a', newName: `x${NUL}` }] })],
      ['viz name', await request(statlas.app).post('/api/v1/visualizations').set(user.auth).send({ datasetId: id, name: `v${NUL}`, chart: { type: 'bar', x: 'a' } })],
      ['viz filter', await request(statlas.app).post('/api/v1/visualizations').set(user.auth).send({ datasetId: id, name: 'v', chart: { type: 'bar', x: 'b', filters: [{ column: 'b', op: 'eq', value: `x${NUL}` }] } })],
      ['rows filter', await request(statlas.app).get(`/api/v1/datasets/${id}/rows?filter=b:eq:%00`).set(user.auth)],
    ];
    const bad = answers.filter(([, r]) => r.status >= 500).map(([what, r]) => `${what}: ${r.status} ${r.body?.error?.message}`);
    expect(bad).toEqual([]);
    for (const [, r] of answers) if (r.status >= 400) expect(r.body.error.code).toMatch(/VALIDATION_ERROR|NOT_FOUND|UNSUPPORTED_FILE_TYPE|PARSE_ERROR/);
    // Whatever was accepted comes back exactly as sent.
    const named = answers.find(([w]) => w === 'name field')![1];
    if (named.status === 201) expect(named.body.name).toBe(`a${NUL}b`);
  });

  test('ids that are too long, odd or injected → 404 or 400, never 500', async () => {
    for (const bad of ["' OR 1=1 --", '%00', '..%2F..%2Fetc', 'x'.repeat(5000), '%E0%A4%A', '1;DROP TABLE "Dataset"']) {
      const res = await request(statlas.app).get(`/api/v1/datasets/${bad}`).set(user.auth);
      expect([400, 404]).toContain(res.status);
      expect(res.body.error.code).toMatch(/NOT_FOUND|VALIDATION_ERROR/);
    }
    expect((await request(statlas.app).get(`/api/v1/datasets/${id}`).set(user.auth)).status).toBe(200);
  });
});
