// Concurrent uploads, deletes, changes and saves on the same dataset: no 500, and no orphan rows
// (DatasetChunk or Visualization rows whose dataset is gone, or content of a version nobody uses).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { StatlasApp } from '../../src/app.js';
import { signUp, startTestApp, upload, uploadReady, type TestUser } from '../helpers/test-app.js';

/** A CSV of about `mb` MB with a few columns, so ingesting and storing it takes a little while. */
function csvOf(rows: number): string {
  const lines = ['id,amount,city,day,flag'];
  for (let i = 0; i < rows; i++) lines.push(`${i},${(i * 7.31) % 1000},city${i % 97},2024-01-${String((i % 28) + 1).padStart(2, '0')},${i % 3 === 0}`);
  return lines.join('\n');
}

let statlas: StatlasApp;
let user: TestUser;

beforeAll(async () => {
  statlas = await startTestApp();
  user = await signUp(statlas.app, 'race');
});
afterAll(async () => statlas.close());

/** Chunks or visualizations pointing at datasets that no longer exist, and content of stale versions. */
async function orphans(db: StatlasApp['db']): Promise<{ chunks: number; visualizations: number; staleVersions: number }> {
  const ids = new Set((await db.dataset.findMany({ select: { id: true } })).map((d) => d.id));
  const versions = new Map((await db.dataset.findMany({ select: { id: true, version: true, status: true } })).map((d) => [d.id, d]));
  const chunkGroups = await db.datasetChunk.groupBy({ by: ['datasetId', 'version'], _count: { _all: true } });
  const vizGroups = await db.visualization.groupBy({ by: ['datasetId'], _count: { _all: true } });
  return {
    chunks: chunkGroups.filter((g) => !ids.has(g.datasetId)).reduce((n, g) => n + g._count._all, 0),
    visualizations: vizGroups.filter((g) => !ids.has(g.datasetId)).reduce((n, g) => n + g._count._all, 0),
    // Content of a version other than the dataset's current one, or of a dataset that is not ready.
    staleVersions: chunkGroups.filter((g) => {
      const d = versions.get(g.datasetId);
      return d && (d.version !== g.version || d.status !== 'ready');
    }).length,
  };
}

const no500 = (res: request.Response) => {
  if (res.status >= 500) throw new Error(`${res.status}: ${JSON.stringify(res.body)}`);
};

describe('concurrent changes to the same dataset', () => {
  test('many deletes of one dataset at once: exactly one 204, the rest 404', async () => {
    const ds = await uploadReady(statlas.app, user, csvOf(200), 'd.csv');
    const answers = await Promise.all(Array.from({ length: 8 }, () => request(statlas.app).delete(`/api/v1/datasets/${ds.id}`).set(user.auth)));
    answers.forEach(no500);
    expect(answers.filter((r) => r.status === 204)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 404)).toHaveLength(7);
    expect(await statlas.db.datasetChunk.count({ where: { datasetId: ds.id } })).toBe(0);
  });

  test('deleting a background upload while it is being ingested: gone for good, no content left behind', async () => {
    const bg = await startTestApp({ ASYNC_UPLOAD_MB: '0' });
    try {
      const u = await signUp(bg.app, 'bg');
      const body = csvOf(20_000);
      const uploads = await Promise.all(Array.from({ length: 6 }, (_, i) => upload(bg.app, u, body, `bg${i}.csv`)));
      uploads.forEach(no500);
      expect(uploads.map((r) => r.status)).toEqual(Array(6).fill(202));
      // Delete them at different moments of their ingest.
      const deletes = await Promise.all(
        uploads.map((r, i) => new Promise<request.Response>((resolve) => setTimeout(() => resolve(request(bg.app).delete(`/api/v1/datasets/${r.body.id}`).set(u.auth)), i * 40))),
      );
      deletes.forEach(no500);
      expect(deletes.map((r) => r.status)).toEqual(Array(6).fill(204));
      await bg.datasets.idle();
      for (const r of uploads) {
        expect((await request(bg.app).get(`/api/v1/datasets/${r.body.id}`).set(u.auth)).status).toBe(404);
        expect(await bg.db.datasetChunk.count({ where: { datasetId: r.body.id } })).toBe(0);
      }
    } finally {
      await bg.close();
    }
  });

  test.each([
    ['before its columns are stored', 'before'],
    ['once its columns are stored, before it turns ready', 'after'],
  ])('deleting a dataset while its upload is still inside the request (%s): no 500, nothing left behind', async (_label, moment) => {
    // The store is shared with the service: hook its save so the DELETE lands at an exact moment.
    const save = statlas.store.save;
    let deleted: request.Response | null = null;
    const remove = async (datasetId: string) => {
      deleted ??= await request(statlas.app).delete(`/api/v1/datasets/${datasetId}`).set(user.auth);
    };
    statlas.store.save = async (datasetId, version, columns, onWritten) => {
      if (moment === 'before') await remove(datasetId);
      await save(datasetId, version, columns, onWritten);
      if (moment === 'after') await remove(datasetId);
    };
    try {
      const res = await upload(statlas.app, user, csvOf(500).split('\n').map((l) => `${l},${l}`).join('\n'), 'sync.csv');
      expect(deleted).not.toBeNull();
      no500(deleted!);
      expect(deleted!.status).toBe(204);
      no500(res);
      // The upload says the dataset is gone (404) rather than handing back something deleted.
      expect(res.status).toBe(404);
    } finally {
      statlas.store.save = save;
    }
    expect(await orphans(statlas.db)).toEqual({ chunks: 0, visualizations: 0, staleVersions: 0 });
  });

  test('a visualization saved while its dataset is deleted: 201 or 404, never 500, and none is left pointing at nothing', async () => {
    for (let round = 0; round < 10; round++) {
      const ds = await uploadReady(statlas.app, user, csvOf(50), `v${round}.csv`);
      const [save, del] = await Promise.all([
        request(statlas.app).post('/api/v1/visualizations').set(user.auth).send({ datasetId: ds.id, name: 'v', chart: { type: 'bar', x: 'city' } }),
        new Promise<request.Response>((resolve) => setTimeout(() => resolve(request(statlas.app).delete(`/api/v1/datasets/${ds.id}`).set(user.auth)), round % 4)),
      ]);
      no500(save);
      no500(del);
      expect([201, 404]).toContain(save.status);
      expect(del.status).toBe(204);
      expect(await statlas.db.visualization.count({ where: { datasetId: ds.id } })).toBe(0);
      if (save.status === 201) expect((await request(statlas.app).get(`/api/v1/visualizations/${save.body.id}`).set(user.auth)).status).toBe(404);
    }
  });

  test('retypes racing each other and a delete: no 500, one version of content at most', async () => {
    for (let round = 0; round < 4; round++) {
      const ds = await uploadReady(statlas.app, user, csvOf(3000), `t${round}.csv`);
      const patch = (type: string) => request(statlas.app).patch(`/api/v1/datasets/${ds.id}`).set(user.auth).send({ columns: [{ name: 'amount', type }] });
      const answers = await Promise.all([
        patch('string'),
        patch('integer'),
        patch('number'),
        ...(round % 2 ? [new Promise<request.Response>((r) => setTimeout(() => r(request(statlas.app).delete(`/api/v1/datasets/${ds.id}`).set(user.auth)), 5))] : []),
      ]);
      answers.forEach(no500);
      for (const a of answers.slice(0, 3)) expect([200, 404, 409]).toContain(a.status);
      const rows = await request(statlas.app).get(`/api/v1/datasets/${ds.id}/rows?limit=2`).set(user.auth);
      no500(rows);
      if (round % 2 === 0) {
        expect(rows.status).toBe(200);
        expect(rows.body.page.total).toBe(3000);
      }
    }
    expect(await orphans(statlas.db)).toEqual({ chunks: 0, visualizations: 0, staleVersions: 0 });
  });

  test('reads while the dataset is deleted: 200 or 404, never 500', async () => {
    const ds = await uploadReady(statlas.app, user, csvOf(5000), 'reads.csv');
    const reads = Array.from({ length: 30 }, (_, i) => {
      const paths = [`/rows?limit=50&sort=-amount`, '/analysis/summary', '/analysis/groupby?by=city&metrics=mean:amount', '/export?format=csv'];
      return request(statlas.app).get(`/api/v1/datasets/${ds.id}${paths[i % paths.length]}`).set(user.auth);
    });
    const chart = request(statlas.app).post(`/api/v1/datasets/${ds.id}/chart-data`).set(user.auth).send({ type: 'line', x: 'day', y: 'amount', timeUnit: 'day' });
    const del = new Promise<request.Response>((r) => setTimeout(() => r(request(statlas.app).delete(`/api/v1/datasets/${ds.id}`).set(user.auth)), 3));
    const answers = await Promise.all([...reads, chart, del]);
    answers.forEach(no500);
    for (const a of answers.slice(0, -1)) expect([200, 404]).toContain(a.status);
    expect(await orphans(statlas.db)).toEqual({ chunks: 0, visualizations: 0, staleVersions: 0 });
  });

  // The race above, made certain: the dataset was looked up, then its content went before it was read.
  test('a read that finds the content gone: 404 when the dataset was deleted, 409 when it has a newer version', async () => {
    const a = await uploadReady(statlas.app, user, csvOf(3000), 'gone.csv');
    const before = await statlas.datasets.findReady(user.id, a.id);
    expect((await request(statlas.app).delete(`/api/v1/datasets/${a.id}`).set(user.auth)).status).toBe(204);
    await expect(statlas.datasets.loadTable(before, ['amount'])).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const b = await uploadReady(statlas.app, user, csvOf(3000), 'newer.csv');
    const old = await statlas.datasets.findReady(user.id, b.id);
    const patch = await request(statlas.app).patch(`/api/v1/datasets/${b.id}`).set(user.auth).send({ columns: [{ name: 'amount', type: 'string' }] });
    expect(patch.status).toBe(200);
    await expect(statlas.datasets.loadTable(old, ['amount'])).rejects.toMatchObject({ code: 'CONFLICT' });
    // The dataset as it is now reads as usual.
    const now = await statlas.datasets.findReady(user.id, b.id);
    expect((await statlas.datasets.loadTable(now, ['amount'])).rowCount).toBe(3000);
  });

  test('the same file uploaded 10 times at once: 10 separate datasets, all ready', async () => {
    const body = csvOf(2000);
    const answers = await Promise.all(Array.from({ length: 10 }, () => upload(statlas.app, user, body, 'same.csv')));
    answers.forEach(no500);
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((r) => r.body.id)).size).toBe(10);
    for (const r of answers) expect(r.body).toMatchObject({ status: 'ready', rowCount: 2000 });
  });
});

describe('memory pressure on the table cache', () => {
  // When the columns of one request do not fit CACHE_MB together (CACHE_MB=0, or a dataset larger
  // than the budget), each column is still returned, just not kept.
  test('with CACHE_MB=0 reading two columns works (nothing is cached, nothing fails)', async () => {
    const tiny = await startTestApp({ CACHE_MB: '0' });
    try {
      const u = await signUp(tiny.app, 'nocache');
      const ds = await uploadReady(tiny.app, u, csvOf(100), 'nocache.csv');
      const rows = await request(tiny.app).get(`/api/v1/datasets/${ds.id}/rows?limit=1`).set(u.auth);
      expect(rows.status).toBe(200);
    } finally {
      await tiny.close();
    }
  });
});
