// Access control for every declared route (read from statlas.groups, so a new route without an entry
// here fails the suite): no key → 401, a revoked key → 401, another user's resource → 404, own → 2xx.
// Also: keys are stored only as hashes, and never appear in the logs.
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import request from 'supertest';
import { createApp, type StatlasApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { expectError, signUp, uploadReady, type TestUser } from '../helpers/test-app.js';

const CSV = 'region,units,price\nnorth,10,2.5\nsouth,3,1.25\neast,7,4\nnorth,1,9\n';
const CHART = { type: 'bar', x: 'region', y: 'units' };

/** Everything the app logs, as text. */
const logLines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    logLines.push(String(chunk));
    cb();
  },
});

let statlas: StatlasApp;
let alice: TestUser;
let bob: TestUser;
/** A key of alice's that was revoked. */
let revokedKey: string;
/** Alice's resources (a fresh dataset per destructive call is made on demand). */
let aliceDataset: string;
let aliceViz: string;

beforeAll(async () => {
  const url = process.env.DATABASE_URL!;
  const config = loadConfig({ DATABASE_URL: url, NODE_ENV: 'test', RATE_LIMIT_ENABLED: 'false' });
  // Debug level: every request and everything the app says about it is written.
  const logger = pino({ level: 'debug' }, sink);
  statlas = await createApp(config, { logger });
  alice = await signUp(statlas.app, 'alice');
  bob = await signUp(statlas.app, 'bob');
  const spare = await request(statlas.app).post('/api/v1/users/me/api-keys').set(alice.auth);
  expect(spare.status).toBe(201);
  revokedKey = spare.body.apiKey;
  expect((await request(statlas.app).get('/api/v1/users/me').set('Authorization', `Bearer ${revokedKey}`)).status).toBe(200);
  expect((await request(statlas.app).delete(`/api/v1/users/me/api-keys/${spare.body.id}`).set(alice.auth)).status).toBe(204);
  aliceDataset = (await uploadReady(statlas.app, alice, CSV, 'sales.csv')).id;
  aliceViz = await newViz(alice, aliceDataset);
});
afterAll(async () => statlas.close());

async function newDataset(user: TestUser): Promise<string> {
  return (await uploadReady(statlas.app, user, CSV, 'sales.csv')).id;
}

async function newViz(user: TestUser, datasetId: string): Promise<string> {
  const res = await request(statlas.app).post('/api/v1/visualizations').set(user.auth).send({ datasetId, name: 'v', chart: CHART });
  expect(res.status).toBe(201);
  return res.body.id;
}

interface Call {
  method: 'get' | 'post' | 'patch' | 'delete';
  url: string;
  body?: unknown;
  file?: boolean;
}

/**
 * How to call each route as `owner` on resources owned by `resourceOwner` (alice's resources when
 * the owner is bob: that is the "another user's resource" case). Routes with nothing owned by
 * someone else in them return `foreign: null`.
 */
interface RouteCase {
  /** A call that a valid owner answers with 2xx. */
  own: () => Promise<Call>;
  /** The same call by bob on alice's resource (404), or null when the route names no resource. */
  foreign: (() => Promise<Call>) | null;
  ownStatus: number;
}

const ds = (p: string) => (id: string) => `/api/v1/datasets/${id}${p}`;
const getDs = (suffix: string): RouteCase => ({
  own: async () => ({ method: 'get', url: ds(suffix)(aliceDataset) }),
  foreign: async () => ({ method: 'get', url: ds(suffix)(aliceDataset) }),
  ownStatus: 200,
});

const CASES: Record<string, RouteCase> = {
  'GET /users/me': { own: async () => ({ method: 'get', url: '/api/v1/users/me' }), foreign: null, ownStatus: 200 },
  'POST /users/me/api-keys': { own: async () => ({ method: 'post', url: '/api/v1/users/me/api-keys' }), foreign: null, ownStatus: 201 },
  'GET /users/me/api-keys': { own: async () => ({ method: 'get', url: '/api/v1/users/me/api-keys' }), foreign: null, ownStatus: 200 },
  'DELETE /users/me/api-keys/:keyId': {
    own: async () => {
      const k = await request(statlas.app).post('/api/v1/users/me/api-keys').set(alice.auth);
      return { method: 'delete', url: `/api/v1/users/me/api-keys/${k.body.id}` };
    },
    foreign: async () => {
      const k = await request(statlas.app).post('/api/v1/users/me/api-keys').set(alice.auth);
      return { method: 'delete', url: `/api/v1/users/me/api-keys/${k.body.id}` };
    },
    ownStatus: 204,
  },
  'POST /datasets': { own: async () => ({ method: 'post', url: '/api/v1/datasets', file: true }), foreign: null, ownStatus: 201 },
  'POST /datasets/inspect': { own: async () => ({ method: 'post', url: '/api/v1/datasets/inspect', file: true }), foreign: null, ownStatus: 200 },
  'GET /datasets': { own: async () => ({ method: 'get', url: '/api/v1/datasets' }), foreign: null, ownStatus: 200 },
  'GET /datasets/:id': getDs(''),
  'PATCH /datasets/:id': {
    own: async () => ({ method: 'patch', url: ds('')(aliceDataset), body: { description: 'mine' } }),
    foreign: async () => ({ method: 'patch', url: ds('')(aliceDataset), body: { description: 'not yours' } }),
    ownStatus: 200,
  },
  'DELETE /datasets/:id': {
    own: async () => ({ method: 'delete', url: ds('')(await newDataset(alice)) }),
    foreign: async () => ({ method: 'delete', url: ds('')(aliceDataset) }),
    ownStatus: 204,
  },
  'GET /datasets/:id/rows': getDs('/rows'),
  'GET /datasets/:id/export': getDs('/export?format=json'),
  'GET /datasets/:id/analysis/summary': getDs('/analysis/summary'),
  'GET /datasets/:id/analysis/correlations': getDs('/analysis/correlations'),
  'GET /datasets/:id/analysis/outliers': getDs('/analysis/outliers?column=units'),
  'GET /datasets/:id/analysis/value-counts': getDs('/analysis/value-counts?column=region'),
  'GET /datasets/:id/analysis/histogram': getDs('/analysis/histogram?column=units'),
  'GET /datasets/:id/analysis/regression': getDs('/analysis/regression?x=units&y=price'),
  'GET /datasets/:id/analysis/groupby': getDs('/analysis/groupby?by=region&metrics=sum:units'),
  'GET /datasets/:id/analysis/insights': getDs('/analysis/insights'),
  'POST /datasets/:id/chart-data': {
    own: async () => ({ method: 'post', url: ds('/chart-data')(aliceDataset), body: CHART }),
    foreign: async () => ({ method: 'post', url: ds('/chart-data')(aliceDataset), body: CHART }),
    ownStatus: 200,
  },
  'POST /visualizations': {
    own: async () => ({ method: 'post', url: '/api/v1/visualizations', body: { datasetId: aliceDataset, name: 'v', chart: CHART } }),
    // Bob saving a chart of alice's dataset: the dataset is not found for him.
    foreign: async () => ({ method: 'post', url: '/api/v1/visualizations', body: { datasetId: aliceDataset, name: 'v', chart: CHART } }),
    ownStatus: 201,
  },
  'GET /visualizations': { own: async () => ({ method: 'get', url: '/api/v1/visualizations' }), foreign: null, ownStatus: 200 },
  'GET /visualizations/:id': {
    own: async () => ({ method: 'get', url: `/api/v1/visualizations/${aliceViz}?include=data` }),
    foreign: async () => ({ method: 'get', url: `/api/v1/visualizations/${aliceViz}?include=data` }),
    ownStatus: 200,
  },
  'GET /visualizations/:id/spec': {
    own: async () => ({ method: 'get', url: `/api/v1/visualizations/${aliceViz}/spec` }),
    foreign: async () => ({ method: 'get', url: `/api/v1/visualizations/${aliceViz}/spec` }),
    ownStatus: 200,
  },
  'PATCH /visualizations/:id': {
    own: async () => ({ method: 'patch', url: `/api/v1/visualizations/${aliceViz}`, body: { name: 'renamed' } }),
    foreign: async () => ({ method: 'patch', url: `/api/v1/visualizations/${aliceViz}`, body: { name: 'stolen' } }),
    ownStatus: 200,
  },
  'DELETE /visualizations/:id': {
    own: async () => ({ method: 'delete', url: `/api/v1/visualizations/${await newViz(alice, aliceDataset)}` }),
    foreign: async () => ({ method: 'delete', url: `/api/v1/visualizations/${aliceViz}` }),
    ownStatus: 204,
  },
};

/** Routes open without a key. */
const PUBLIC = new Set(['POST /users', 'GET /health']);

function send(call: Call, headers: Record<string, string>) {
  let req = request(statlas.app)[call.method](call.url).set(headers);
  if (call.file) return req.attach('file', Buffer.from(CSV), 'sales.csv');
  if (call.body !== undefined) req = req.send(call.body as object);
  return req;
}

function declaredRoutes(): string[] {
  return statlas.groups.flatMap((g) => g.endpoints.map((e) => `${e.method.toUpperCase()} ${e.path}`));
}

describe('authorization matrix over every declared route', () => {
  test('every declared route has a case here (a new route cannot be missed), and every case is a route', () => {
    const routes = declaredRoutes();
    const privateRoutes = routes.filter((r) => !PUBLIC.has(r));
    expect(privateRoutes.filter((r) => !(r in CASES))).toEqual([]);
    expect(Object.keys(CASES).filter((r) => !routes.includes(r))).toEqual([]);
    // The public ones really are the only ones declared without auth.
    const open = statlas.groups.flatMap((g) => g.endpoints.filter((e) => e.auth === false).map((e) => `${e.method.toUpperCase()} ${e.path}`));
    expect(open.sort()).toEqual([...PUBLIC].sort());
  });

  const names = Object.keys(CASES);

  test.each(names)('%s: no key → 401', async (name) => {
    const call = await CASES[name].own();
    expectError(await send(call, {}), 401, 'UNAUTHORIZED');
  });

  test.each(names)('%s: a malformed or unknown key → 401', async (name) => {
    const call = await CASES[name].own();
    expectError(await send(call, { Authorization: 'Bearer sk_not-a-real-key' }), 401, 'UNAUTHORIZED');
    expectError(await send(call, { Authorization: 'Basic dXNlcjpwYXNz' }), 401, 'UNAUTHORIZED');
    expectError(await send(call, { 'X-API-Key': 'x'.repeat(5000) }), 401, 'UNAUTHORIZED');
  });

  test.each(names)('%s: a revoked key → 401', async (name) => {
    const call = await CASES[name].own();
    expectError(await send(call, { Authorization: `Bearer ${revokedKey}` }), 401, 'UNAUTHORIZED');
    expectError(await send(call, { 'X-API-Key': revokedKey }), 401, 'UNAUTHORIZED');
  });

  test.each(names.filter((n) => CASES[n].foreign !== null))("%s: another user's resource → 404", async (name) => {
    const call = await CASES[name].foreign!();
    expectError(await send(call, bob.auth), 404, 'NOT_FOUND');
  });

  test.each(names)('%s: own resource → 2xx', async (name) => {
    const call = await CASES[name].own();
    const res = await send(call, alice.auth);
    if (res.status !== CASES[name].ownStatus) throw new Error(`${name}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    // The X-API-Key header works as well as Authorization (a read-only call, so it can run again).
    if (call.method === 'get') expect((await send(call, { 'X-API-Key': alice.apiKey })).status).toBe(CASES[name].ownStatus);
  });

  test("bob's failed attempts changed nothing of alice's", async () => {
    const d = await request(statlas.app).get(`/api/v1/datasets/${aliceDataset}`).set(alice.auth);
    expect(d.status).toBe(200);
    expect(d.body.description).not.toBe('not yours');
    const v = await request(statlas.app).get(`/api/v1/visualizations/${aliceViz}`).set(alice.auth);
    expect(v.status).toBe(200);
    expect(v.body.name).not.toBe('stolen');
    // Lists never show another user's things.
    const list = await request(statlas.app).get('/api/v1/datasets').set(bob.auth);
    expect(list.body.data.map((x: { id: string }) => x.id)).not.toContain(aliceDataset);
    const vizList = await request(statlas.app).get(`/api/v1/visualizations?datasetId=${aliceDataset}`).set(bob.auth);
    expect(vizList.body.data).toEqual([]);
  });
});

describe('API keys at rest and in logs', () => {
  test('the database holds only a SHA-256 hash of each key, never the key', async () => {
    const carol = await signUp(statlas.app, 'carol');
    const hash = createHash('sha256').update(carol.apiKey).digest('hex');
    const rows = await statlas.db.apiKey.findMany({ where: { userId: carol.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0].hash).toBe(hash);
    // No column of any table anywhere holds the key itself.
    const everything = JSON.stringify([
      await statlas.db.apiKey.findMany(),
      await statlas.db.user.findMany(),
      await statlas.db.dataset.findMany(),
      await statlas.db.visualization.findMany(),
    ]);
    expect(everything).toContain(hash);
    expect(everything).not.toContain(carol.apiKey);
    expect(everything).not.toContain(alice.apiKey);
    expect(everything).not.toContain(revokedKey);
  });

  test('a key is shown once: the key list gives only its prefix', async () => {
    const res = await request(statlas.app).get('/api/v1/users/me/api-keys').set(alice.auth);
    expect(res.status).toBe(200);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(alice.apiKey);
    expect(text).toContain(alice.apiKey.slice(0, 6));
  });

  test('no key ever appears in the logs, whichever header carried it', async () => {
    // Requests that log at every level: success, 401, 404, 400, and a failed upload.
    await request(statlas.app).get('/api/v1/users/me').set(alice.auth);
    await request(statlas.app).get('/api/v1/users/me').set('X-API-Key', alice.apiKey);
    await request(statlas.app).get('/api/v1/datasets/nope').set(alice.auth);
    await request(statlas.app).get(`/api/v1/datasets?limit=abc`).set(alice.auth);
    await request(statlas.app).get('/api/v1/users/me').set('Authorization', `Bearer ${revokedKey}`);
    await request(statlas.app).post('/api/v1/datasets').set(alice.auth).attach('file', Buffer.from('a,b\n1,"x\n'), 'bad.csv');
    const text = logLines.join('');
    // The logs are really captured (so the check below can fail).
    expect(logLines.length).toBeGreaterThan(20);
    expect(text).toContain('/api/v1/users/me');
    for (const key of [alice.apiKey, bob.apiKey, revokedKey]) {
      expect(text).not.toContain(key);
      // Not even the secret part of it.
      expect(text).not.toContain(key.slice(3));
    }
  });
});
