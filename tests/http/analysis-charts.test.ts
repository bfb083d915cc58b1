import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { StatlasApp } from '../../src/app.js';
import { expectError, signUp, startTestApp, uploadReady, type TestUser } from '../helpers/test-app.js';

// 12 orders; values small enough to check by hand.
const ORDERS = [
  'region,units,price,orderDate',
  'north,1,10,2024-01-05',
  'north,2,20,2024-01-20',
  'south,3,30,2024-02-02',
  'south,4,,2024-02-15',
  'east,5,50,2024-04-01',
  'east,6,60,2024-04-09',
  'north,7,70,2024-04-30',
  'south,8,80,2024-05-01',
  'east,9,90,2024-05-02',
  'north,10,100,2024-05-03',
  'west,11,110,2024-05-04',
  'west,100,120,2024-05-05',
].join('\n');

let statlas: StatlasApp;
let alice: TestUser;
let bob: TestUser;
let id: string;

beforeAll(async () => {
  statlas = await startTestApp();
  alice = await signUp(statlas.app, 'alice');
  bob = await signUp(statlas.app, 'bob');
  id = (await uploadReady(statlas.app, alice, ORDERS, 'orders.csv')).id;
});
afterAll(async () => statlas.close());

const get = (path: string, user = alice) => request(statlas.app).get(`/api/v1/datasets/${id}/analysis/${path}`).set(user.auth);

describe('analysis over HTTP', () => {
  test('summary, filtered and not', async () => {
    const all = await get('summary?columns=units,price');
    expect(all.status).toBe(200);
    const units = all.body.columns.find((c: { name: string }) => c.name === 'units');
    expect(units).toMatchObject({ count: 12, missing: 0, min: 1, max: 100, sum: 166, median: 6.5 });
    const north = await get('summary?columns=units&filter=region:eq:north');
    expect(north.body.rowCount).toBe(4);
    expect(north.body.columns[0]).toMatchObject({ count: 4, sum: 20, mean: 5 });
    const none = await get('summary?columns=units&filter=region:eq:nowhere');
    expect(none.body.columns[0]).toMatchObject({ count: 0, mean: null });
  });

  test('each endpoint answers, and bad input names the field', async () => {
    for (const path of ['correlations?method=spearman', 'outliers?column=units', 'value-counts?column=region', 'histogram?column=units&bins=4',
      'regression?x=units&y=price', 'groupby?by=orderDate:month&metrics=sum:units,count', 'insights']) {
      const res = await get(path);
      expect([path, res.status]).toEqual([path, 200]);
    }
    const outliers = await get('outliers?column=units');
    expect(outliers.body.rows).toEqual([{ rowIndex: 11, value: 100 }]);
    const groups = await get('groupby?by=orderDate:month&metrics=sum:units,count');
    expect(groups.body.data.map((g: Record<string, unknown>) => [g.orderDate, g.sum_units, g.count])).toEqual([
      ['2024-01-01', 3, 2], ['2024-02-01', 7, 2], ['2024-04-01', 18, 3], ['2024-05-01', 138, 5],
    ]);
    const bad = await get('histogram?column=region');
    expectError(bad, 400, 'VALIDATION_ERROR');
    expect(JSON.stringify(bad.body.error.details)).toContain('column');
    expectError(await get('value-counts?column=nosuch'), 400, 'VALIDATION_ERROR');
    expectError(await get('summary?filter=nosuch:eq:1'), 400, 'VALIDATION_ERROR');
    expectError(await get('summary', bob), 404, 'NOT_FOUND');
  });
});

test('answers are cached, but never across a rename or a retype', async () => {
  const ds = await uploadReady(statlas.app, alice, ORDERS, 'cached.csv');
  const summary = () => request(statlas.app).get(`/api/v1/datasets/${ds.id}/analysis/summary`).set(alice.auth);
  const first = await summary();
  expect(await summary().then((r) => r.body)).toEqual(first.body);
  await request(statlas.app).patch(`/api/v1/datasets/${ds.id}`).set(alice.auth).send({ columns: [{ name: 'units', newName: 'qty' }] }).expect(200);
  const renamed = await summary();
  expect(renamed.body.columns.map((c: { name: string }) => c.name)).toEqual(['region', 'qty', 'price', 'orderDate']);
  await request(statlas.app).patch(`/api/v1/datasets/${ds.id}`).set(alice.auth).send({ columns: [{ name: 'qty', type: 'string' }] }).expect(200);
  const retyped = await summary();
  expect(retyped.body.columns[1]).toMatchObject({ name: 'qty', type: 'string' });
});

describe('charts and saved visualizations over HTTP', () => {
  const chart = (body: object, user = alice) => request(statlas.app).post(`/api/v1/datasets/${id}/chart-data`).set(user.auth).send(body);

  test('a bar chart: data, meta and a Vega-Lite v6 spec', async () => {
    const res = await chart({ type: 'bar', x: 'region', y: 'units', aggregate: 'sum', sort: { by: 'y', order: 'desc' }, limit: 2, other: true });
    expect(res.status).toBe(200);
    // east and north tie at 20: ties keep x order.
    expect(res.body.data).toEqual([{ x: 'west', y: 111 }, { x: 'east', y: 20 }, { x: 'Other', y: 35 }]);
    expect(res.body.meta).toMatchObject({ rowsScanned: 12 });
    expect(res.body.spec.$schema).toBe('https://vega.github.io/schema/vega-lite/v6.json');
    expect(res.body.spec.data.values).toEqual(res.body.data);
  });

  test('bad chart requests are 400 naming the field', async () => {
    const res = await chart({ type: 'line', x: 'region', timeUnit: 'month' });
    expectError(res, 400, 'VALIDATION_ERROR');
    expect(res.body.error.details.fields.map((f: { path: string }) => f.path)).toContain('timeUnit');
    expectError(await chart({ type: 'bar', x: 'nosuch' }), 400, 'VALIDATION_ERROR');
    expectError(await chart({ type: 'bar', x: 'region', y: 'region', aggregate: 'mean' }), 400, 'VALIDATION_ERROR');
    expectError(await chart({ type: 'bar', x: 'region', extra: 1 }), 400, 'VALIDATION_ERROR');
  });

  test('save, read with data, spec, a retype that breaks it (409), delete with the dataset', async () => {
    const ds = await uploadReady(statlas.app, alice, ORDERS, 'orders2.csv');
    const created = await request(statlas.app)
      .post('/api/v1/visualizations')
      .set(alice.auth)
      .send({ datasetId: ds.id, name: 'Units by month', chart: { type: 'line', x: 'orderDate', y: 'units', timeUnit: 'month' } });
    expect(created.status).toBe(201);
    const vid = created.body.id;
    expectError(await request(statlas.app).post('/api/v1/visualizations').set(bob.auth).send({ datasetId: ds.id, name: 'x', chart: { type: 'bar', x: 'region' } }), 404, 'NOT_FOUND');
    const badSave = await request(statlas.app).post('/api/v1/visualizations').set(alice.auth).send({ datasetId: ds.id, name: 'x', chart: { type: 'bar', x: 'nosuch' } });
    expectError(badSave, 400, 'VALIDATION_ERROR');
    expect(badSave.body.error.details.fields[0].path).toBe('chart.x');

    const withData = await request(statlas.app).get(`/api/v1/visualizations/${vid}?include=data`).set(alice.auth);
    expect(withData.status).toBe(200);
    // Months with no orders (March) are present with 0, as a line chart needs.
    expect(withData.body.data.map((p: { x: string; y: number }) => [p.x, p.y])).toEqual([
      ['2024-01-01', 3], ['2024-02-01', 7], ['2024-03-01', 0], ['2024-04-01', 18], ['2024-05-01', 138],
    ]);
    const spec = await request(statlas.app).get(`/api/v1/visualizations/${vid}/spec`).set(alice.auth);
    expect(spec.body.mark).toBeDefined();
    expect((await request(statlas.app).get('/api/v1/visualizations').query({ datasetId: ds.id }).set(alice.auth)).body.page.total).toBe(1);
    expectError(await request(statlas.app).get(`/api/v1/visualizations/${vid}`).set(bob.auth), 404, 'NOT_FOUND');

    await request(statlas.app).patch(`/api/v1/datasets/${ds.id}`).set(alice.auth).send({ columns: [{ name: 'orderDate', type: 'string' }] }).expect(200);
    const broken = await request(statlas.app).get(`/api/v1/visualizations/${vid}?include=data`).set(alice.auth);
    expectError(broken, 409, 'CONFLICT');
    expect(broken.body.error.message).toContain('orderDate');

    const renamed = await request(statlas.app).patch(`/api/v1/visualizations/${vid}`).set(alice.auth).send({ name: 'Units by region', chart: { type: 'bar', x: 'region', y: 'units' } });
    expect(renamed.body.name).toBe('Units by region');
    await request(statlas.app).delete(`/api/v1/datasets/${ds.id}`).set(alice.auth).expect(204);
    expectError(await request(statlas.app).get(`/api/v1/visualizations/${vid}`).set(alice.auth), 404, 'NOT_FOUND');
  });
});
