// One log line per request when it is over (src/http/request-log.ts): its level from the status,
// the request id the client sees, and nothing built for levels that are off.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import request from 'supertest';
import { createApp, type StatlasApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { signUp, type TestUser } from '../helpers/test-app.js';

interface Line {
  level: number;
  msg: string;
  req?: { id: string; method: string; url: string };
  res?: { statusCode: number };
  responseTime?: number;
}

/** An app whose logger writes JSON lines at `level` into the returned array. */
async function appLoggingAt(level: string): Promise<{ statlas: StatlasApp; lines: Line[] }> {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const text of String(chunk).split('\n')) if (text) lines.push(JSON.parse(text) as Line);
      cb();
    },
  });
  const config = loadConfig({ DATABASE_URL: process.env.DATABASE_URL!, NODE_ENV: 'test', RATE_LIMIT_ENABLED: 'false' });
  return { statlas: await createApp(config, { logger: pino({ level }, sink) }), lines };
}

const requestLines = (lines: Line[]) => lines.filter((l) => l.req !== undefined && l.res !== undefined);

describe('at info', () => {
  let statlas: StatlasApp;
  let lines: Line[];
  let user: TestUser;
  beforeAll(async () => {
    ({ statlas, lines } = await appLoggingAt('info'));
    user = await signUp(statlas.app, 'log');
  });
  afterAll(async () => statlas.close());

  test('a good request: one info line with its id, method, path and query, status and time', async () => {
    lines.length = 0;
    const res = await request(statlas.app).get('/api/v1/datasets?limit=5').set(user.auth).set('X-Request-Id', 'trace-123');
    expect(res.status).toBe(200);
    await new Promise((r) => setImmediate(r));
    const mine = requestLines(lines).filter((l) => l.req!.id === 'trace-123');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ level: 30, msg: 'request completed', req: { method: 'GET', url: '/api/v1/datasets?limit=5' }, res: { statusCode: 200 } });
    expect(typeof mine[0].responseTime).toBe('number');
  });

  test('a 404 and a 401 are warn lines; the id matches the X-Request-Id the client got', async () => {
    lines.length = 0;
    const missing = await request(statlas.app).get('/api/v1/datasets/nope').set(user.auth);
    const noKey = await request(statlas.app).get('/api/v1/datasets');
    expect([missing.status, noKey.status]).toEqual([404, 401]);
    await new Promise((r) => setImmediate(r));
    const byId = new Map(requestLines(lines).map((l) => [l.req!.id, l]));
    expect(byId.get(missing.headers['x-request-id'])).toMatchObject({ level: 40, res: { statusCode: 404 } });
    expect(byId.get(noKey.headers['x-request-id'])).toMatchObject({ level: 40, res: { statusCode: 401 } });
  });

  test('a client that goes away before the answer: an info line "request aborted"', async () => {
    lines.length = 0;
    // A dataset that stays processing, so a wait holds the request open until the client leaves.
    const ds = await statlas.db.dataset.create({
      data: { userId: user.id, name: 'held', originalFilename: 'h.csv', format: 'csv', sizeBytes: 1, status: 'processing', columns: [] as never },
    });
    const server = statlas.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const { port } = server.address() as AddressInfo;
      const req = httpRequest({ host: '127.0.0.1', port, path: `/api/v1/datasets/${ds.id}?wait=20`, headers: { ...user.auth, 'X-Request-Id': 'gone-1' } });
      req.on('error', () => undefined);
      req.end();
      await new Promise((r) => setTimeout(r, 300));
      req.destroy();
      const deadline = Date.now() + 5_000;
      while (!requestLines(lines).some((l) => l.req!.id === 'gone-1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(requestLines(lines).filter((l) => l.req!.id === 'gone-1')).toEqual([expect.objectContaining({ level: 30, msg: 'request aborted' })]);
    } finally {
      server.close();
    }
  });
});

describe('at warn', () => {
  let statlas: StatlasApp;
  let lines: Line[];
  let user: TestUser;
  beforeAll(async () => {
    ({ statlas, lines } = await appLoggingAt('warn'));
    user = await signUp(statlas.app, 'quiet');
  });
  afterAll(async () => statlas.close());

  test('good requests write nothing; a 404 still writes its line', async () => {
    lines.length = 0;
    expect((await request(statlas.app).get('/api/v1/datasets').set(user.auth)).status).toBe(200);
    expect((await request(statlas.app).get('/api/v1/users/me').set(user.auth)).status).toBe(200);
    const missing = await request(statlas.app).get('/api/v1/datasets/nope').set(user.auth);
    await new Promise((r) => setImmediate(r));
    expect(requestLines(lines).map((l) => [l.level, l.res!.statusCode, l.req!.id])).toEqual([[40, 404, missing.headers['x-request-id']]]);
  });
});
