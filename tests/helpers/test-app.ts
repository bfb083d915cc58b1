// The real app on the test database (see tests/setup), driven through HTTP with supertest.
import { expect } from '@jest/globals';
import request from 'supertest';
import type { Express } from 'express';
import { createApp, type AppOptions, type StatlasApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

let counter = 0;

export async function startTestApp(env: Record<string, string> = {}, options: AppOptions = {}): Promise<StatlasApp> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests with `npm test` (jest global setup).');
  const config = loadConfig({ DATABASE_URL: url, NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_ENABLED: 'false', ...env });
  return createApp(config, options);
}

export interface TestUser {
  id: string;
  apiKey: string;
  auth: { Authorization: string };
}

export async function signUp(app: Express, label = 'user'): Promise<TestUser> {
  const email = `${label}-${process.pid}-${Date.now()}-${counter++}@example.com`;
  const res = await request(app).post('/api/v1/users').send({ email, name: label });
  expect(res.status).toBe(201);
  return { id: res.body.user.id, apiKey: res.body.apiKey, auth: { Authorization: `Bearer ${res.body.apiKey}` } };
}

export function upload(
  app: Express,
  user: TestUser,
  content: string | Buffer,
  filename = 'data.csv',
  fields: Record<string, string> = {},
  path = '/api/v1/datasets',
) {
  let req = request(app).post(path).set(user.auth);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  return req.attach('file', Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), filename);
}

/** Uploads and expects a ready dataset (201); returns its JSON. */
export async function uploadReady(app: Express, user: TestUser, content: string | Buffer, filename = 'data.csv', fields: Record<string, string> = {}) {
  const res = await upload(app, user, content, filename, fields);
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Checks a response is the contract's error body with this status and code. */
export function expectError(res: request.Response, status: number, code: string): void {
  if (res.status !== status) throw new Error(`expected ${status} ${code}, got ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
}
