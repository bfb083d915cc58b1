import { describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { expectError, signUp, startTestApp, upload, uploadReady } from '../helpers/test-app.js';

const CSV = 'id,name,score,when\n1,Ana,3.5,2024-01-02T10:00:00Z\n2,"Bo, Jr.",,2024-01-03T11:30:00Z\n3,=SUM(A1),-1,\n';

describe('content lives in the database', () => {
  test('after a restart every dataset is still there and readable', async () => {
    const first = await startTestApp();
    const user = await signUp(first.app, 'restart');
    const ds = await uploadReady(first.app, user, CSV, 'people.csv');
    const before = await request(first.app).get(`/api/v1/datasets/${ds.id}/rows`).set(user.auth);
    await first.close();

    const second = await startTestApp();
    try {
      const after = await request(second.app).get(`/api/v1/datasets/${ds.id}/rows`).set(user.auth);
      expect(after.status).toBe(200);
      expect(after.body).toEqual(before.body);
      expect(after.body.data[1]).toEqual({ id: 2, name: 'Bo, Jr.', score: null, when: '2024-01-03T11:30:00.000Z' });
    } finally {
      await second.close();
    }
  });

  test('a dataset left processing by a stopped server is failed with a reason; a live one elsewhere is not', async () => {
    const first = await startTestApp({ ASYNC_UPLOAD_MB: '0' });
    const user = await signUp(first.app, 'interrupted');
    const processing = { userId: user.id, originalFilename: 'x.csv', format: 'csv', sizeBytes: 10, status: 'processing', columns: [] };
    // Simulate a crash mid-ingest: the record exists, the process is gone before it finishes.
    const stuck = await first.db.dataset.create({ data: { ...processing, name: 'stuck' } });
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    // Another instance's upload, alive: it showed progress just now.
    const helper = await startTestApp();
    const live = await helper.db.dataset.create({ data: { ...processing, name: 'live' } });
    await helper.close();

    const second = await startTestApp({}, { processingLeaseMs: 1000 });
    try {
      const res = await request(second.app).get(`/api/v1/datasets/${stuck.id}`).set(user.auth);
      expect(res.body.status).toBe('failed');
      expect(res.body.error).toMatch(/restarted/);
      expectError(await request(second.app).get(`/api/v1/datasets/${stuck.id}/rows`).set(user.auth), 409, 'CONFLICT');
      expect((await request(second.app).get(`/api/v1/datasets/${live.id}`).set(user.auth)).body.status).toBe('processing');
    } finally {
      await second.close();
    }
  });

  test('export round-trips: CSV and JSON exports upload back to the same rows (formula text aside)', async () => {
    const app = await startTestApp();
    try {
      const user = await signUp(app.app, 'roundtrip');
      const ds = await uploadReady(app.app, user, CSV, 'people.csv');
      const original = (await request(app.app).get(`/api/v1/datasets/${ds.id}/rows`).set(user.auth)).body.data;
      for (const format of ['csv', 'json'] as const) {
        const exported = await request(app.app).get(`/api/v1/datasets/${ds.id}/export?format=${format}`).set(user.auth);
        const again = await upload(app.app, user, Buffer.from(exported.text), `again.${format}`);
        expect(again.status).toBe(201);
        expect(again.body.columns.map((c: { type: string }) => c.type)).toEqual(ds.columns.map((c: { type: string }) => c.type));
        const rows = (await request(app.app).get(`/api/v1/datasets/${again.body.id}/rows`).set(user.auth)).body.data;
        expect(rows).toEqual(original.map((r: Record<string, unknown>) => ({ ...r, name: r.name === '=SUM(A1)' ? "'=SUM(A1)" : r.name })));
      }
    } finally {
      await app.close();
    }
  });
});
