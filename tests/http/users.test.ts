import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { StatlasApp } from '../../src/app.js';
import { expectError, signUp, startTestApp } from '../helpers/test-app.js';

let statlas: StatlasApp;
beforeAll(async () => {
  statlas = await startTestApp();
});
afterAll(async () => statlas.close());

describe('users and API keys', () => {
  test('sign up returns the user and a key shown once; the key works both ways', async () => {
    const email = `ada-${Date.now()}@example.com`;
    const res = await request(statlas.app).post('/api/v1/users').send({ email, name: 'Ada' });
    expect(res.status).toBe(201);
    expect(res.body.user).toEqual({ id: expect.any(String), email, name: 'Ada', createdAt: expect.any(String) });
    const key = res.body.apiKey as string;
    const me = await request(statlas.app).get('/api/v1/users/me').set('Authorization', `Bearer ${key}`);
    expect(me.body).toEqual({ user: res.body.user });
    expect((await request(statlas.app).get('/api/v1/users/me').set('X-API-Key', key)).status).toBe(200);
    // Only a hash is stored.
    const stored = await statlas.db.apiKey.findMany({ where: { userId: res.body.user.id } });
    expect(JSON.stringify(stored)).not.toContain(key);
    expectError(await request(statlas.app).post('/api/v1/users').send({ email, name: 'Other' }), 409, 'CONFLICT');
  });

  test('sign-up input is checked and every bad field is named', async () => {
    const res = await request(statlas.app).post('/api/v1/users').send({ email: 'not-an-email', name: '', admin: true });
    expectError(res, 400, 'VALIDATION_ERROR');
    expect(res.body.error.details.fields.map((f: { path: string }) => f.path).sort()).toEqual(['admin', 'email', 'name']);
    expectError(await request(statlas.app).post('/api/v1/users').set('Content-Type', 'application/json').send('{bad json'), 400, 'VALIDATION_ERROR');
  });

  test('more keys, listing without secrets, revoking stops a key at once', async () => {
    const user = await signUp(statlas.app, 'keys');
    const second = await request(statlas.app).post('/api/v1/users/me/api-keys').set(user.auth);
    expect(second.status).toBe(201);
    const list = await request(statlas.app).get('/api/v1/users/me/api-keys').set(user.auth);
    expect(list.body.data).toHaveLength(2);
    expect(JSON.stringify(list.body)).not.toContain(second.body.apiKey);
    expect(list.body.data[0]).toEqual({ id: expect.any(String), prefix: expect.any(String), createdAt: expect.any(String), lastUsedAt: expect.anything() });
    const del = await request(statlas.app).delete(`/api/v1/users/me/api-keys/${second.body.id}`).set(user.auth);
    expect(del.status).toBe(204);
    expectError(await request(statlas.app).get('/api/v1/users/me').set('Authorization', `Bearer ${second.body.apiKey}`), 401, 'UNAUTHORIZED');
    expectError(await request(statlas.app).delete(`/api/v1/users/me/api-keys/${second.body.id}`).set(user.auth), 404, 'NOT_FOUND');
  });

  test('sign-up can be turned off', async () => {
    const closed = await startTestApp({ SIGNUP_ENABLED: 'false' });
    try {
      expectError(await request(closed.app).post('/api/v1/users').send({ email: 'x@example.com', name: 'X' }), 403, 'FORBIDDEN');
    } finally {
      await closed.close();
    }
  });
});
