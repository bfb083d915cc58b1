// GET /datasets/:id?wait=N: a dataset still processing is answered when it is done (or once the
// wait is over), so a client waits for an upload with a few requests instead of polling often.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import request from 'supertest';
import type { StatlasApp } from '../../src/app.js';
import { expectError, signUp, startTestApp, upload, type TestUser } from '../helpers/test-app.js';

let statlas: StatlasApp;
let user: TestUser;

beforeAll(async () => {
  // Every upload goes on in the background (202).
  statlas = await startTestApp({ ASYNC_UPLOAD_MB: '0' });
  user = await signUp(statlas.app, 'wait');
}, 30_000);
afterAll(async () => {
  await statlas.close();
});

const csv = (rows: number) => ['n,label', ...Array.from({ length: rows }, (_, i) => `${i},l${i % 7}`)].join('\n');

/** A dataset record that says "processing" with no upload behind it (as when another instance ingests it). */
async function processingRecord(userId: string, app: StatlasApp = statlas) {
  return app.db.dataset.create({
    data: { userId, name: 'elsewhere', originalFilename: 'e.csv', format: 'csv', sizeBytes: 10, status: 'processing', columns: [] as never },
  });
}

test('a background upload: the wait answers with the dataset once it is ready', async () => {
  const res = await upload(statlas.app, user, csv(20_000), 'w.csv');
  expect(res.status).toBe(202);
  const waited = await request(statlas.app).get(`/api/v1/datasets/${res.body.id}?wait=20`).set(user.auth);
  expect(waited.status).toBe(200);
  expect(waited.body.status).toBe('ready');
  expect(waited.body.rowCount).toBe(20_000);
  expect(waited.body.columns.map((c: { name: string; distinctCount: number }) => [c.name, c.distinctCount])).toEqual([['n', 20_000], ['label', 7]]);
  // The same as a plain read afterwards.
  const plain = await request(statlas.app).get(`/api/v1/datasets/${res.body.id}`).set(user.auth);
  expect(waited.body).toEqual(plain.body);
});

test('a dataset that stays processing: the answer comes when the wait is over, still processing', async () => {
  const ds = await processingRecord(user.id);
  const started = Date.now();
  const res = await request(statlas.app).get(`/api/v1/datasets/${ds.id}?wait=1.2`).set(user.auth);
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('processing');
  expect(Date.now() - started).toBeGreaterThanOrEqual(1100);
});

test('a dataset another instance finishes: the wait sees it (it reads the dataset again every second)', async () => {
  const ds = await processingRecord(user.id);
  const waiting = request(statlas.app).get(`/api/v1/datasets/${ds.id}?wait=20`).set(user.auth).then((r) => r);
  await new Promise((r) => setTimeout(r, 300));
  await statlas.db.dataset.update({ where: { id: ds.id }, data: { status: 'failed', error: 'The server stopped.' } });
  const res = await waiting;
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('failed');
  expect(res.body.error).toBe('The server stopped.');
});

test('a ready dataset is answered at once; another user still gets 404; bad waits get 400', async () => {
  const ds = await processingRecord(user.id);
  await statlas.db.dataset.update({ where: { id: ds.id }, data: { status: 'ready', progress: 1 } });
  const ready = await request(statlas.app).get(`/api/v1/datasets/${ds.id}?wait=30`).set(user.auth);
  expect(ready.status).toBe(200);
  expect(ready.body.status).toBe('ready');

  const other = await signUp(statlas.app, 'other');
  expectError(await request(statlas.app).get(`/api/v1/datasets/${ds.id}?wait=5`).set(other.auth), 404, 'NOT_FOUND');
  for (const bad of ['31', '-1', 'soon']) {
    expectError(await request(statlas.app).get(`/api/v1/datasets/${ds.id}?wait=${bad}`).set(user.auth), 400, 'VALIDATION_ERROR');
  }
});

test('a server that stops answers the requests waiting for a dataset at once', async () => {
  const stopping = await startTestApp({ ASYNC_UPLOAD_MB: '0' });
  const owner = await signUp(stopping.app, 'stop');
  const ds = await processingRecord(owner.id, stopping);
  const started = Date.now();
  const waiting = request(stopping.app).get(`/api/v1/datasets/${ds.id}?wait=25`).set(owner.auth).then((r) => r);
  await new Promise((r) => setTimeout(r, 200));
  stopping.datasets.stopWaiting();
  const res = await waiting;
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('processing');
  // Not at the end of the wait (25 s): re-reading every second would have kept it waiting.
  expect(Date.now() - started).toBeLessThan(10_000);
  await stopping.close();
});
