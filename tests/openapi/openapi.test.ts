// The OpenAPI document: valid OpenAPI 3.1, in step with the routes Express really mounts, and
// describing the bodies the server really sends. Also /docs and the demo assets under the CSP.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import request from 'supertest';
import type { Express } from 'express';
import { ERROR_STATUS } from '../../src/errors.js';
import { signUp, startTestApp, upload } from '../helpers/test-app.js';
import type { StatlasApp } from '../../src/app.js';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};
type Operation = {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace'];

interface MountedRoute {
  method: string;
  path: string;
}

type Layer = {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string | string[];
  slash?: boolean;
};

/** Every route in the app's router tree (Express 5 / router 2), with mount paths joined. */
function mountedRoutes(app: Express): MountedRoute[] {
  const routes: MountedRoute[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) {
          for (const [method, on] of Object.entries(layer.route.methods)) if (on) routes.push({ method, path: prefix + p });
        }
      } else if (layer.handle?.stack) {
        const mount = layer.slash || layer.rawPath === undefined || layer.rawPath === '/' ? '' : String(layer.rawPath);
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return routes;
}

const toOpenApi = (p: string) => p.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

let service: StatlasApp;
let app: Express;
let doc: Doc;

beforeAll(async () => {
  service = await startTestApp();
  app = service.app;
  const res = await request(app).get('/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body as Doc;
});

afterAll(async () => {
  await service.close();
});

describe('GET /openapi.json', () => {
  test('when validated with an OpenAPI schema validator, then it is a valid 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);
    if (!result.valid) console.error(JSON.stringify(result.errors, null, 2).slice(0, 4000));
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(doc.openapi).toBe('3.1.0');
  });

  test('when compared with the routes Express mounted, then every route is documented and every documented route is mounted', () => {
    const mounted = mountedRoutes(app);
    // router.all() fallbacks answer 405 on known paths; they are not operations of their own.
    const operations = mounted.filter((r) => r.method !== '_all');
    const fromApp = new Set(operations.map((r) => `${r.method.toUpperCase()} ${toOpenApi(r.path)}`));
    const fromDoc = new Set(
      Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).filter((m) => HTTP_METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${p}`)),
    );
    // HEAD is answered by Express for every GET route; it is not declared separately.
    const missingFromDoc = [...fromApp].filter((r) => !fromDoc.has(r) && !r.startsWith('HEAD '));
    const notMounted = [...fromDoc].filter((r) => !fromApp.has(r));
    expect(missingFromDoc).toEqual([]);
    expect(notMounted).toEqual([]);
    // The contract's routes are there (a spot check against API.md, so an empty app cannot pass).
    for (const r of [
      'POST /api/v1/users', 'GET /api/v1/users/me', 'DELETE /api/v1/users/me/api-keys/{keyId}',
      'POST /api/v1/datasets', 'POST /api/v1/datasets/inspect', 'GET /api/v1/datasets', 'GET /api/v1/datasets/{id}',
      'PATCH /api/v1/datasets/{id}', 'DELETE /api/v1/datasets/{id}', 'GET /api/v1/datasets/{id}/rows', 'GET /api/v1/datasets/{id}/export',
      'GET /api/v1/datasets/{id}/analysis/summary', 'GET /api/v1/datasets/{id}/analysis/correlations', 'GET /api/v1/datasets/{id}/analysis/outliers',
      'GET /api/v1/datasets/{id}/analysis/value-counts', 'GET /api/v1/datasets/{id}/analysis/histogram', 'GET /api/v1/datasets/{id}/analysis/regression',
      'GET /api/v1/datasets/{id}/analysis/groupby', 'GET /api/v1/datasets/{id}/analysis/insights', 'POST /api/v1/datasets/{id}/chart-data',
      'POST /api/v1/visualizations', 'GET /api/v1/visualizations', 'GET /api/v1/visualizations/{id}', 'PATCH /api/v1/visualizations/{id}',
      'DELETE /api/v1/visualizations/{id}', 'GET /api/v1/visualizations/{id}/spec', 'GET /health', 'GET /openapi.json', 'GET /docs',
    ]) {
      expect(fromDoc).toContain(r);
    }
    // Every path with a 405 fallback is a documented path.
    for (const r of mounted.filter((x) => x.method === '_all')) expect(Object.keys(doc.paths)).toContain(toOpenApi(r.path));
  });

  test('when a route needs a key, then it names both security schemes and documents the 401', () => {
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKeyHeader', 'bearerAuth']);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.apiKeyHeader).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    const open = new Set(['POST /api/v1/users', 'GET /health', 'GET /openapi.json', 'GET /docs']);
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const key = `${method.toUpperCase()} ${p}`;
        if (open.has(key)) {
          expect(op.security).toEqual([]);
          expect(op.responses['401']).toBeUndefined();
        } else {
          expect([key, op.security]).toEqual([key, [{ bearerAuth: [] }, { apiKeyHeader: [] }]]);
          expect([key, Object.keys(op.responses)]).toEqual([key, expect.arrayContaining(['401', '429', '500'])]);
        }
      }
    }
  });

  test('when a route takes input, then its 400 uses the ValidationError body; every error code of API.md is documented somewhere', () => {
    const statuses = new Set<string>();
    for (const item of Object.values(doc.paths)) {
      for (const op of Object.values(item)) {
        for (const [status, response] of Object.entries(op.responses)) {
          statuses.add(status);
          if (Number(status) >= 400) expect(response.content?.['application/json']?.schema).toBeDefined();
        }
        if (op.responses['400']) expect(op.responses['400'].content!['application/json'].schema).toEqual({ $ref: '#/components/schemas/ValidationError' });
      }
    }
    for (const status of Object.values(ERROR_STATUS)) {
      if (status === 405) continue; // answered by the router for any other method; see the Allow header
      expect(statuses).toContain(String(status));
    }
  });

  test('when a route uploads a file, then its body is multipart with a binary file and the text fields', () => {
    for (const p of ['/api/v1/datasets', '/api/v1/datasets/inspect']) {
      const body = doc.paths[p].post.requestBody!.content['multipart/form-data'].schema;
      expect(body.required).toContain('file');
      expect(body.properties!.file).toMatchObject({ type: 'string', format: 'binary' });
      for (const field of ['name', 'sheet', 'delimiter', 'encoding', 'header']) expect(Object.keys(body.properties!)).toContain(field);
    }
    expect(Object.keys(doc.paths['/api/v1/datasets'].post.responses)).toEqual(expect.arrayContaining(['201', '202', '413', '415', '422']));
  });

  test('when a path has an :id, then it is documented as a required path parameter', () => {
    for (const [p, item] of Object.entries(doc.paths)) {
      const names = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(item)) {
        const declared = (op.parameters ?? []).filter((x) => x.in === 'path').map((x) => x.name);
        expect([p, declared.sort()]).toEqual([p, [...names].sort()]);
      }
    }
  });
});

describe('the document describes what the server sends', () => {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });

  /** Validates a real body against the documented schema of that response. */
  function expectMatches(path: string, method: string, status: number, body: unknown) {
    const op = doc.paths[path]?.[method];
    expect(op).toBeDefined();
    const schema = op.responses[String(status)]?.content?.['application/json']?.schema as object | undefined;
    expect([path, method, status, schema === undefined]).toEqual([path, method, status, false]);
    const validate = ajv.compile({ ...schema, components: doc.components });
    const ok = validate(body);
    if (!ok) console.error(path, method, status, JSON.stringify(validate.errors, null, 2).slice(0, 2000), JSON.stringify(body).slice(0, 1000));
    expect(ok).toBe(true);
  }

  test('when a user signs up, uploads a CSV and asks for a summary and a chart, then each body matches its schema', async () => {
    const email = `openapi-${Date.now()}@example.com`;
    const signup = await request(app).post('/api/v1/users').send({ email, name: 'Docs' });
    expect(signup.status).toBe(201);
    expectMatches('/api/v1/users', 'post', 201, signup.body);
    const auth = { Authorization: `Bearer ${signup.body.apiKey}` };

    const me = await request(app).get('/api/v1/users/me').set(auth);
    expectMatches('/api/v1/users/me', 'get', 200, me.body);

    const csv = 'region,units,price,day\nEast,3,1.5,2024-01-01\nWest,7,2.25,2024-01-02\nEast,,3,2024-01-03\n';
    const up = await request(app).post('/api/v1/datasets').set(auth).attach('file', Buffer.from(csv), 'sales.csv');
    expect(up.status).toBe(201);
    expectMatches('/api/v1/datasets', 'post', 201, up.body);
    const id = up.body.id as string;

    const list = await request(app).get('/api/v1/datasets').set(auth);
    expectMatches('/api/v1/datasets', 'get', 200, list.body);

    const summary = await request(app).get(`/api/v1/datasets/${id}/analysis/summary`).set(auth);
    expect(summary.status).toBe(200);
    expectMatches('/api/v1/datasets/{id}/analysis/summary', 'get', 200, summary.body);

    const rows = await request(app).get(`/api/v1/datasets/${id}/rows`).set(auth);
    expectMatches('/api/v1/datasets/{id}/rows', 'get', 200, rows.body);

    const chart = await request(app).post(`/api/v1/datasets/${id}/chart-data`).set(auth).send({ type: 'bar', x: 'region', y: 'units' });
    expect(chart.status).toBe(200);
    expectMatches('/api/v1/datasets/{id}/chart-data', 'post', 200, chart.body);
  });

  test('when requests fail, then the error bodies match the Error and ValidationError schemas', async () => {
    const user = await signUp(app, 'openapi-errors');
    const notFound = await request(app).get('/api/v1/datasets/nope').set(user.auth);
    expect(notFound.status).toBe(404);
    expectMatches('/api/v1/datasets/{id}', 'get', 404, notFound.body);

    const bad = await request(app).get('/api/v1/datasets?limit=abc').set(user.auth);
    expect(bad.status).toBe(400);
    expectMatches('/api/v1/datasets', 'get', 400, bad.body);

    const noKey = await request(app).get('/api/v1/users/me');
    expect(noKey.status).toBe(401);
    expectMatches('/api/v1/users/me', 'get', 401, noKey.body);

    const badFile = await upload(app, user, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]), 'x.csv');
    expect(badFile.status).toBe(415);
    expectMatches('/api/v1/datasets', 'post', 415, badFile.body);
  });
});

describe('GET /docs', () => {
  test('when opened, then it is Swagger UI loaded from this server only, with a strict CSP', async () => {
    const res = await request(app).get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline/);
    // No inline script, and every asset is a local path.
    expect(res.text).not.toMatch(/<script>(?!<\/script>)|<script[^>]*>[^<\s]/);
    const assets = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset.startsWith('/')).toBe(true);
      const a = await request(app).get(asset);
      expect([asset, a.status]).toEqual([asset, 200]);
    }
    const init = await request(app).get('/docs/assets/init.js');
    expect(init.text).toContain('"/openapi.json"');
  });

  test('when asking for a file of the package that the page does not use, then 404', async () => {
    const res = await request(app).get('/docs/assets/swagger-initializer.js');
    expect(res.status).toBe(404);
  });
});

describe('GET / (the demo page)', () => {
  test('when opened, then its scripts and styles are local files that load', async () => {
    const res = await request(app).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).not.toMatch(/unsafe-eval|unsafe-inline/);
    const assets = [...res.text.matchAll(/(?:src|href)="([^"]+\.(?:js|css|svg))"/g)].map((m) => m[1]);
    expect(assets).toEqual(expect.arrayContaining(['vendor/vega.min.js', 'vendor/vega-lite.min.js', 'vendor/vega-embed.min.js', 'demo.js', 'demo.css']));
    for (const asset of assets) {
      const a = await request(app).get(`/${asset}`);
      expect([asset, a.status]).toEqual([asset, 200]);
    }
  });

  test('when the page imports vega-interpreter, then its vega-util import points at served files', async () => {
    const res = await request(app).get('/vendor/vega-interpreter.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.text).toContain('export { expression as expressionInterpreter }');
    const imports = [...res.text.matchAll(/from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]);
    expect(imports).toEqual(['./vega-util/index.js']);
    const util = await request(app).get('/vendor/vega-util/index.js');
    expect(util.status).toBe(200);
    // Only modules are served from that folder.
    expect((await request(app).get('/vendor/vega-util/index.d.ts')).status).toBe(404);
  });
});
