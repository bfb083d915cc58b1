// Rate limits (RATE_LIMIT_ENABLED, RATE_LIMIT_PER_MINUTE): per key and per IP, 429 RATE_LIMITED with
// Retry-After; and sign-up turned off (SIGNUP_ENABLED=false) → 403.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { StatlasApp } from '../../src/app.js';
import { expectError, signUp, startTestApp, type TestUser } from '../helpers/test-app.js';

const LIMIT = 5;
let ipCounter = 0;
/** A fresh client address per use (the app trusts one proxy hop, so X-Forwarded-For is the client). */
const freshIp = () => `203.0.113.${++ipCounter}`;

let statlas: StatlasApp;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  statlas = await startTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_PER_MINUTE: String(LIMIT) });
  // Each sign-up from its own address, so they do not use up a shared IP budget.
  const withIp = async (label: string) => {
    const res = await request(statlas.app).post('/api/v1/users').set('X-Forwarded-For', freshIp()).send({ email: `${label}-${Date.now()}-${ipCounter}@example.com`, name: label });
    expect(res.status).toBe(201);
    return { id: res.body.user.id, apiKey: res.body.apiKey, auth: { Authorization: `Bearer ${res.body.apiKey}` } };
  };
  alice = await withIp('alice');
  bob = await withIp('bob');
});
afterAll(async () => statlas.close());

function expectRateLimited(res: request.Response): void {
  expectError(res, 429, 'RATE_LIMITED');
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe('rate limits', () => {
  test('per key: the key is limited whatever address it comes from; another key is not', async () => {
    for (let i = 0; i < LIMIT; i++) {
      const res = await request(statlas.app).get('/api/v1/users/me').set(alice.auth).set('X-Forwarded-For', freshIp());
      expect(res.status).toBe(200);
    }
    expectRateLimited(await request(statlas.app).get('/api/v1/users/me').set(alice.auth).set('X-Forwarded-For', freshIp()));
    // The same key in the other header is the same key.
    expectRateLimited(await request(statlas.app).get('/api/v1/datasets').set('X-API-Key', alice.apiKey).set('X-Forwarded-For', freshIp()));
    // Bob is not affected.
    expect((await request(statlas.app).get('/api/v1/users/me').set(bob.auth).set('X-Forwarded-For', freshIp())).status).toBe(200);
  });

  test('per IP: one address is limited across keys, without a key, and on sign-up', async () => {
    const ip = freshIp();
    const keys = [bob.auth, {}, { Authorization: 'Bearer sk_random1' }, { Authorization: 'Bearer sk_random2' }, {}];
    for (let i = 0; i < LIMIT; i++) {
      const res = await request(statlas.app).get('/api/v1/users/me').set(keys[i] as Record<string, string>).set('X-Forwarded-For', ip);
      expect(res.status).not.toBe(429);
    }
    // Rotating made-up keys does not get around it.
    expectRateLimited(await request(statlas.app).get('/api/v1/users/me').set('Authorization', 'Bearer sk_random3').set('X-Forwarded-For', ip));
    expectRateLimited(await request(statlas.app).post('/api/v1/users').set('X-Forwarded-For', ip).send({ email: 'late@example.com', name: 'late' }));
    // Another address is fine.
    expect((await request(statlas.app).get('/api/v1/users/me').set(bob.auth).set('X-Forwarded-For', freshIp())).status).not.toBe(429);
  });

  test('the limit answer carries the standard RateLimit headers, and /health is never limited', async () => {
    const ip = freshIp();
    const first = await request(statlas.app).get('/api/v1/users/me').set(bob.auth).set('X-Forwarded-For', ip);
    expect(first.headers['ratelimit-policy'] ?? first.headers.ratelimit).toBeDefined();
    for (let i = 0; i < LIMIT * 3; i++) {
      expect((await request(statlas.app).get('/health').set('X-Forwarded-For', ip)).status).toBe(200);
    }
  });

  test('with RATE_LIMIT_ENABLED=false nothing is limited', async () => {
    const open = await startTestApp({ RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_PER_MINUTE: '1' });
    try {
      const u = await signUp(open.app, 'open');
      for (let i = 0; i < 5; i++) expect((await request(open.app).get('/api/v1/users/me').set(u.auth)).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('sign-up switch', () => {
  test('SIGNUP_ENABLED=false → 403 FORBIDDEN, and existing keys keep working', async () => {
    const closed = await startTestApp({ SIGNUP_ENABLED: 'false' });
    try {
      const res = await request(closed.app).post('/api/v1/users').send({ email: `nobody-${Date.now()}@example.com`, name: 'nobody' });
      expectError(res, 403, 'FORBIDDEN');
      // Nothing was created.
      expect(await closed.db.user.count({ where: { name: 'nobody' } })).toBe(0);
      // A user made elsewhere still gets in.
      expect((await request(closed.app).get('/api/v1/users/me').set(alice.auth)).status).toBe(200);
    } finally {
      await closed.close();
    }
  });
});
