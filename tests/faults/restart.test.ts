// A restart while an upload is being ingested: once the service starts again the dataset is
// `failed` with a reason (never `processing` forever) and none of its half-written content is served.
import { afterAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { createApp, type StatlasApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { bufferedIngester, type Ingester } from '../../src/modules/ingest/ingester.js';
import { inspectFile } from '../../src/modules/ingest/ingest.js';
import { expectError, signUp, upload } from '../helpers/test-app.js';

const config = () =>
  loadConfig({ DATABASE_URL: process.env.DATABASE_URL!, NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_ENABLED: 'false', ASYNC_UPLOAD_MB: '0' });

const opened: StatlasApp[] = [];
afterAll(async () => {
  for (const a of opened) await a.close().catch(() => undefined);
});

async function start(ingester?: Ingester, processingLeaseMs?: number): Promise<StatlasApp> {
  const a = await createApp(config(), {
    ...(ingester ? { ingester } : {}),
    ...(processingLeaseMs !== undefined ? { processingLeaseMs } : {}),
  });
  opened.push(a);
  return a;
}

describe('restart during an upload', () => {
  test('a dataset left processing (with some content written) is failed with a reason after start-up; nothing of it is served', async () => {
    // Arrange: the first instance takes uploads in the background and its ingest never finishes,
    // as if the process died mid-way.
    let release!: (err: Error) => void;
    const stuck = new Promise<never>((_resolve, reject) => {
      release = reject;
    });
    const first = await start(bufferedIngester({ ingest: () => stuck, inspect: inspectFile }));
    const user = await signUp(first.app, 'restart');
    const res = await upload(first.app, user, 'a,b\n1,2\n3,4\n', 'slow.csv');
    expect(res.status).toBe(202);
    expect(res.headers.location).toContain(res.body.id);
    const id: string = res.body.id;
    // Part of its content already made it to the database before the "crash".
    await first.db.datasetChunk.create({ data: { datasetId: id, version: 1, column: 0, kind: 'values', chunk: 0, count: 2, data: new Uint8Array(16) } });
    const before = await request(first.app).get(`/api/v1/datasets/${id}`).set(user.auth);
    expect(before.body.status).toBe('processing');
    expectError(await request(first.app).get(`/api/v1/datasets/${id}/rows`).set(user.auth), 409, 'CONFLICT');

    // An instance starting while the first still shows signs of life leaves its upload alone.
    const bystander = await start();
    expect((await request(bystander.app).get(`/api/v1/datasets/${id}`).set(user.auth)).body.status).toBe('processing');

    // Act: the first instance is gone (no sign of life for longer than the lease) and a new one starts.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const second = await start(undefined, 1000);

    // Assert: failed with a reason, content gone, never served.
    const after = await request(second.app).get(`/api/v1/datasets/${id}`).set(user.auth);
    expect(after.status).toBe(200);
    expect(after.body.status).toBe('failed');
    expect(after.body.error).toMatch(/restart/i);
    expect(await second.db.datasetChunk.count({ where: { datasetId: id } })).toBe(0);
    const rows = await request(second.app).get(`/api/v1/datasets/${id}/rows`).set(user.auth);
    expectError(rows, 409, 'CONFLICT');
    expect(rows.body.error.details.status).toBe('failed');
    expectError(await request(second.app).get(`/api/v1/datasets/${id}/analysis/summary`).set(user.auth), 409, 'CONFLICT');
    // The failed dataset can be deleted as usual.
    expect((await request(second.app).delete(`/api/v1/datasets/${id}`).set(user.auth)).status).toBe(204);

    // The old instance's ingest ending late changes nothing.
    release(new Error('the old process is gone'));
    await first.datasets.idle();
    expect(await second.db.dataset.count({ where: { id } })).toBe(0);
    expect(await second.db.datasetChunk.count({ where: { datasetId: id } })).toBe(0);
  });

  test('an upload that finished before the restart stays ready and keeps its rows', async () => {
    const a = await start(bufferedIngester());
    const user = await signUp(a.app, 'done');
    const res = await upload(a.app, user, 'a,b\n1,2\n3,4\n', 'done.csv');
    expect(res.status).toBe(202);
    await a.datasets.idle();
    const b = await start();
    const got = await request(b.app).get(`/api/v1/datasets/${res.body.id}/rows`).set(user.auth);
    expect(got.status).toBe(200);
    expect(got.body.data).toEqual([{ a: 1, b: 2 }, { a: 3, b: 4 }]);
  });

  test('a background upload that fails to parse ends failed with where it broke', async () => {
    const a = await start(bufferedIngester());
    const user = await signUp(a.app, 'bad');
    const res = await upload(a.app, user, 'a,b\n1,2\n3,"x\n4,5\n', 'bad.csv');
    expect(res.status).toBe(202);
    await a.datasets.idle();
    const got = await request(a.app).get(`/api/v1/datasets/${res.body.id}`).set(user.auth);
    expect(got.body.status).toBe('failed');
    expect(got.body.error).toMatch(/line 3/);
    expect(await a.db.datasetChunk.count({ where: { datasetId: res.body.id } })).toBe(0);
  });
});
