// Security headers (helmet), CORS only for configured origins, request ids, and no stack traces or
// SQL in error bodies in production.
import { afterAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { createApp, type StatlasApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { bufferedIngester, type Ingester } from '../../src/modules/ingest/ingester.js';
import { expectError, signUp, startTestApp } from '../helpers/test-app.js';

const apps: StatlasApp[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
});

async function app(env: Record<string, string> = {}, ingester?: Ingester): Promise<StatlasApp> {
  const config = loadConfig({ DATABASE_URL: process.env.DATABASE_URL!, LOG_LEVEL: 'silent', RATE_LIMIT_ENABLED: 'false', NODE_ENV: 'test', ...env });
  const a = ingester ? await createApp(config, { ingester }) : await startTestApp(env);
  apps.push(a);
  return a;
}

describe('security headers', () => {
  test.each(['/health', '/api/v1/users/me', '/api/v1/nowhere', '/openapi.json'])('%s carries helmet headers and no X-Powered-By', async (path) => {
    const a = await app();
    const res = await request(a.app).get(path);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-request-id']).toMatch(/^[\w-]+$/);
  });

  test('X-Request-Id is echoed when sane, replaced when not', async () => {
    const a = await app();
    expect((await request(a.app).get('/health').set('X-Request-Id', 'abc-123')).headers['x-request-id']).toBe('abc-123');
    for (const bad of ['<script>', 'a'.repeat(500), 'x y', '../../etc']) {
      const res = await request(a.app).get('/api/v1/nowhere').set('X-Request-Id', bad);
      expect(res.headers['x-request-id']).not.toBe(bad);
      expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
    }
  });
});

describe('CORS', () => {
  const ORIGIN = 'https://app.example.com';
  const EVIL = 'https://evil.example.net';

  test('by default (CORS_ORIGINS empty) no origin is allowed', async () => {
    const a = await app();
    const res = await request(a.app).get('/health').set('Origin', EVIL);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const pre = await request(a.app).options('/api/v1/datasets').set('Origin', EVIL).set('Access-Control-Request-Method', 'POST');
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('configured origins are allowed (with preflight), others are not', async () => {
    const a = await app({ CORS_ORIGINS: `${ORIGIN}, https://other.example.org` });
    const ok = await request(a.app).get('/health').set('Origin', ORIGIN);
    expect(ok.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(ok.headers['access-control-expose-headers']).toContain('X-Request-Id');
    const pre = await request(a.app)
      .options('/api/v1/datasets')
      .set('Origin', ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(pre.headers['access-control-allow-methods']).toContain('POST');
    const evil = await request(a.app).get('/health').set('Origin', EVIL);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    // A look-alike origin is not a match.
    const lookAlike = await request(a.app).get('/health').set('Origin', `${ORIGIN}.evil.net`);
    expect(lookAlike.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('CORS_ORIGINS=* allows any origin (without credentials)', async () => {
    const a = await app({ CORS_ORIGINS: '*' });
    const res = await request(a.app).get('/health').set('Origin', EVIL);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('internal errors', () => {
  // An ingester that fails the way a bug or a database driver would, with a stack, a file path and SQL.
  const SECRET = 'SELECT * FROM "ApiKey" WHERE hash = $1 at /srv/app/src/secret.ts:42';
  const failing: Ingester = bufferedIngester({
    ingest: async () => {
      throw new Error(SECRET);
    },
    inspect: async () => {
      throw new TypeError(`Cannot read properties of undefined (reading 'x') ${SECRET}`);
    },
  });

  test('in production: 500 INTERNAL with a plain message, no stack, no SQL, no path', async () => {
    const a = await app({ NODE_ENV: 'production' }, failing);
    const user = await signUp(a.app, 'prod');
    for (const path of ['/api/v1/datasets', '/api/v1/datasets/inspect']) {
      const res = await request(a.app).post(path).set(user.auth).attach('file', Buffer.from('a,b\n1,2\n'), 'x.csv');
      expectError(res, 500, 'INTERNAL');
      const text = JSON.stringify(res.body);
      expect(text).not.toContain('SELECT');
      expect(text).not.toContain('secret.ts');
      expect(text).not.toContain('Cannot read');
      expect(text).not.toMatch(/\bat \S+:\d+/);
      expect(res.body.error).not.toHaveProperty('stack');
      expect(res.body.error.message).toBe('Something went wrong on our side.');
    }
    // And the server goes on.
    expect((await request(a.app).get('/health')).status).toBe(200);
  });

  test('in development: the message may help debugging, but there is never a stack', async () => {
    const a = await app({ NODE_ENV: 'development' }, failing);
    const user = await signUp(a.app, 'dev');
    const res = await request(a.app).post('/api/v1/datasets').set(user.auth).attach('file', Buffer.from('a,b\n1,2\n'), 'x.csv');
    expectError(res, 500, 'INTERNAL');
    expect(res.body.error).not.toHaveProperty('stack');
    expect(JSON.stringify(res.body)).not.toMatch(/\n\s+at /);
  });

  test('a 404 for an unknown path does not echo a huge path back', async () => {
    const a = await app({ NODE_ENV: 'production' });
    const res = await request(a.app).get(`/api/v1/${'x'.repeat(5000)}`).set('Authorization', 'Bearer nope');
    expect([401, 404]).toContain(res.status);
    expect(JSON.stringify(res.body).length).toBeLessThan(1000);
  });
});
