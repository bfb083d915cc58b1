// Answers from the result cache are sent as the JSON written when they were kept (shared-json.ts),
// and a request whose path names a dataset reads it together with its key (auth.ts). Both must be
// invisible to clients: the same bodies, headers, ETags and 304s as before, and never a stale answer.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { StatlasApp } from '../../src/app.js';
import { expectError, signUp, startTestApp, upload, uploadReady, type TestUser } from '../helpers/test-app.js';

const CSV = 'region,units,price\nnorth,10,2.5\nsouth,3,1.25\neast,7,4\nnorth,1,9\n';
const CHART = { type: 'bar', x: 'region', y: 'units', aggregate: 'sum' };

let statlas: StatlasApp;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  statlas = await startTestApp();
  alice = await signUp(statlas.app, 'alice');
  bob = await signUp(statlas.app, 'bob');
});
afterAll(async () => statlas.close());

/** Express's weak ETag of a body (the etag package's recipe: length in hex, SHA-1 in base64). */
function weakEtag(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const hash = createHash('sha1').update(bytes).digest('base64').slice(0, 27);
  return `W/"${bytes.length.toString(16)}-${hash}"`;
}

const chart = (id: string, user = alice) => request(statlas.app).post(`/api/v1/datasets/${id}/chart-data`).set(user.auth).send(CHART);

describe('answers kept in the result cache', () => {
  test('the same question twice: the same JSON text, content type and ETag, the second from the cache', async () => {
    const { id } = await uploadReady(statlas.app, alice, CSV, 'sales.csv');
    const first = await chart(id);
    const second = await chart(id);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(JSON.parse(second.text)).toEqual(first.body);
    for (const res of [first, second]) {
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.text)));
      expect(res.headers.etag).toBe(weakEtag(res.text));
    }
    expect(first.body.data).toEqual(
      expect.arrayContaining([expect.objectContaining({ x: 'north', y: 11 }), expect.objectContaining({ x: 'south', y: 3 }), expect.objectContaining({ x: 'east', y: 7 })]),
    );
  });

  test('a GET with If-None-Match and the ETag gets a 304 with no body; another ETag gets the answer', async () => {
    const { id } = await uploadReady(statlas.app, alice, CSV, 'sales.csv');
    const get = () => request(statlas.app).get(`/api/v1/datasets/${id}/analysis/value-counts?column=region`).set(alice.auth);
    const first = await get();
    expect(first.status).toBe(200);
    const again = await get().set('If-None-Match', first.headers.etag);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    const other = await get().set('If-None-Match', 'W/"1-nothing"');
    expect(other.status).toBe(200);
    expect(other.text).toBe(first.text);
  });

  test('a POST is never a 304 (Express answers freshness only for GET and HEAD)', async () => {
    const { id } = await uploadReady(statlas.app, alice, CSV, 'sales.csv');
    const first = await chart(id);
    const again = await chart(id).set('If-None-Match', first.headers.etag);
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
  });

  test('an analysis answer from the cache is the same text and ETag as the first one', async () => {
    const { id } = await uploadReady(statlas.app, alice, CSV, 'sales.csv');
    const path = `/api/v1/datasets/${id}/analysis/summary?columns=units,price`;
    const first = await request(statlas.app).get(path).set(alice.auth);
    const second = await request(statlas.app).get(path).set(alice.auth);
    expect(first.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(second.headers.etag).toBe(weakEtag(first.text));
    expect(first.body.columns.find((c: { name: string }) => c.name === 'units')).toMatchObject({ count: 4, sum: 21 });
  });

  test('after a column is renamed, the same chart asks for the new name and the old name is a 400 (no stale answer)', async () => {
    const { id } = await uploadReady(statlas.app, alice, CSV, 'sales.csv');
    const before = await chart(id);
    expect(before.status).toBe(200);
    const renamed = await request(statlas.app).patch(`/api/v1/datasets/${id}`).set(alice.auth).send({ columns: [{ name: 'units', newName: 'qty' }] });
    expect(renamed.status).toBe(200);
    expectError(await chart(id), 400, 'VALIDATION_ERROR');
    const after = await request(statlas.app).post(`/api/v1/datasets/${id}/chart-data`).set(alice.auth).send({ ...CHART, y: 'qty' });
    expect(after.status).toBe(200);
    expect(after.body.data).toEqual(before.body.data);
    expect(after.text).not.toBe(before.text); // the spec names the new column
  });
});

describe('the dataset read with the key', () => {
  test("another user's dataset is a 404 on every read path, and the owner's answers are unchanged", async () => {
    const { id } = await uploadReady(statlas.app, alice, CSV, 'sales.csv');
    for (const path of [`/datasets/${id}`, `/datasets/${id}/rows`, `/datasets/${id}/export`, `/datasets/${id}/analysis/summary`]) {
      expectError(await request(statlas.app).get(`/api/v1${path}`).set(bob.auth), 404, 'NOT_FOUND');
      expect((await request(statlas.app).get(`/api/v1${path}`).set(alice.auth)).status).toBe(200);
    }
    expectError(await chart(id, bob), 404, 'NOT_FOUND');
  });

  test('a wrong key on a dataset path is a 401, not a 404', async () => {
    const { id } = await uploadReady(statlas.app, alice, CSV, 'sales.csv');
    expectError(await request(statlas.app).get(`/api/v1/datasets/${id}`).set('Authorization', 'Bearer sk_not_a_key'), 401, 'UNAUTHORIZED');
    expectError(await request(statlas.app).get('/api/v1/datasets/no-such-id').set('Authorization', 'Bearer sk_not_a_key'), 401, 'UNAUTHORIZED');
  });

  test('each request reads the dataset anew: a rename shows at once, and a deleted one is a 404 at once', async () => {
    const { id } = await uploadReady(statlas.app, alice, CSV, 'sales.csv');
    expect((await request(statlas.app).get(`/api/v1/datasets/${id}`).set(alice.auth)).body.name).toBe('sales');
    expect((await request(statlas.app).patch(`/api/v1/datasets/${id}`).set(alice.auth).send({ name: 'Renamed' })).status).toBe(200);
    expect((await request(statlas.app).get(`/api/v1/datasets/${id}`).set(alice.auth)).body.name).toBe('Renamed');
    expect((await request(statlas.app).delete(`/api/v1/datasets/${id}`).set(alice.auth)).status).toBe(204);
    for (const path of [`/datasets/${id}`, `/datasets/${id}/rows`, `/datasets/${id}/analysis/summary`]) {
      expectError(await request(statlas.app).get(`/api/v1${path}`).set(alice.auth), 404, 'NOT_FOUND');
    }
    expectError(await chart(id), 404, 'NOT_FOUND');
  });

  test('ids at and over the length limit, and the inspect route, answer as before', async () => {
    // 100 characters: read with the key, not found. 150: the path's id fails validation (a 400).
    expectError(await request(statlas.app).get(`/api/v1/datasets/${'x'.repeat(100)}/rows`).set(alice.auth), 404, 'NOT_FOUND');
    expectError(await request(statlas.app).get(`/api/v1/datasets/${'x'.repeat(150)}/rows`).set(alice.auth), 400, 'VALIDATION_ERROR');
    const inspected = await upload(statlas.app, alice, CSV, 'sales.csv', {}, '/api/v1/datasets/inspect');
    expect(inspected.status).toBe(200);
    expect(inspected.body.columns.map((c: { name: string }) => c.name)).toEqual(['region', 'units', 'price']);
  });

  test('a path with an encoded id finds the same dataset as the plain one', async () => {
    const { id } = await uploadReady(statlas.app, alice, CSV, 'sales.csv');
    const encoded = [...id].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    const res = await request(statlas.app).get(`/api/v1/datasets/${encoded}`).set(alice.auth);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(id);
  });
});
