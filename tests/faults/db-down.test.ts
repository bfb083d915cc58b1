// Database down: /health answers 503 and requests 503 UNAVAILABLE quickly (not a hang), and the
// service recovers without a restart when the database comes back.
// PostgreSQL only: the app reaches the shared server through a small TCP proxy that this test
// opens, cuts and reopens (the shared server itself is never stopped). SQLite is a file inside the
// process: there is no connection to lose, so the case does not apply there.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { createApp, type StatlasApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { expectError, signUp, uploadReady, type TestUser } from '../helpers/test-app.js';

const url = process.env.DATABASE_URL ?? '';
const onPostgres = /^postgres(ql)?:\/\//.test(url);
if (!onPostgres) {
  console.log('db-down: skipped — TEST_DATABASE_URL is not set (SQLite is in-process: there is no database connection to lose).');
}

/** A TCP proxy to the database that can refuse connections, swallow them (a black hole), or forward them. */
class DbProxy {
  mode: 'forward' | 'refuse' | 'blackhole' = 'forward';
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | null = null;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    this.mode = 'forward';
    const server = net.createServer((client) => {
      this.track(client);
      if (this.mode === 'blackhole') return; // accept, then never answer
      const upstream = net.connect(this.target.port, this.target.host);
      this.track(upstream);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', () => resolve()));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Cuts every open connection; `refuse` closes the port, `blackhole` keeps accepting but never forwards. */
  async cut(mode: 'refuse' | 'blackhole'): Promise<void> {
    this.mode = mode;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (mode === 'refuse' && this.server) {
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
      this.server = null;
    }
  }

  async restore(): Promise<void> {
    if (this.server) {
      this.mode = 'forward';
      for (const s of this.sockets) s.destroy();
      this.sockets.clear();
      return;
    }
    await this.open();
  }

  async close(): Promise<void> {
    await this.cut('refuse');
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.on('error', () => s.destroy());
    s.on('close', () => this.sockets.delete(s));
  }
}

const describePg = onPostgres ? describe : describe.skip;

describePg('database down (PostgreSQL through a TCP proxy)', () => {
  let proxy: DbProxy;
  let statlas: StatlasApp;
  let user: TestUser;
  let datasetId: string;

  beforeAll(async () => {
    const target = new URL(url);
    proxy = new DbProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.open();
    target.hostname = '127.0.0.1';
    target.port = String(proxy.port);
    const config = loadConfig({ DATABASE_URL: target.toString(), NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_ENABLED: 'false' });
    statlas = await createApp(config);
    user = await signUp(statlas.app, 'dbdown');
    datasetId = (await uploadReady(statlas.app, user, 'a,b\n1,2\n3,4\n', 'd.csv')).id;
  });
  afterAll(async () => {
    await proxy?.restore();
    await statlas?.close();
    await proxy?.close();
  });

  async function timed(req: () => Promise<request.Response>): Promise<{ res: request.Response; ms: number }> {
    const t0 = Date.now();
    const res = await req();
    return { res, ms: Date.now() - t0 };
  }

  async function expectDown(maxMs: number): Promise<void> {
    const health = await timed(() => request(statlas.app).get('/health'));
    expect(health.res.status).toBe(503);
    expect(health.res.body).toMatchObject({ status: 'unavailable', db: 'down', error: { code: 'UNAVAILABLE' } });
    expect(health.ms).toBeLessThan(maxMs);
    for (const call of [
      () => request(statlas.app).get('/api/v1/datasets').set(user.auth),
      () => request(statlas.app).get(`/api/v1/datasets/${datasetId}/rows`).set(user.auth),
      () => request(statlas.app).post('/api/v1/users').send({ email: `down-${Date.now()}@example.com`, name: 'down' }),
    ]) {
      const { res, ms } = await timed(call);
      expectError(res, 503, 'UNAVAILABLE');
      expect(JSON.stringify(res.body)).not.toMatch(/ECONN|127\.0\.0\.1|postgres/i);
      expect(ms).toBeLessThan(maxMs);
    }
  }

  async function expectRecovered(): Promise<void> {
    // The pool notices on its own: poll a little (no restart, no manual reconnect).
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await request(statlas.app).get('/health')).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(200);
    const rows = await request(statlas.app).get(`/api/v1/datasets/${datasetId}/rows`).set(user.auth);
    if (rows.status !== 200) throw new Error(`rows after recovery: ${rows.status} ${JSON.stringify(rows.body)}`);
    expect(rows.body.data).toEqual([{ a: 1, b: 2 }, { a: 3, b: 4 }]);
    expect((await request(statlas.app).get('/api/v1/users/me').set(user.auth)).status).toBe(200);
  }

  test('up: 200', async () => {
    expect((await request(statlas.app).get('/health')).body).toMatchObject({ status: 'ok', db: 'ok' });
  });

  test('connections refused: 503 within a few seconds; recovers when the port reopens', async () => {
    await proxy.cut('refuse');
    await expectDown(7_000);
    await proxy.restore();
    await expectRecovered();
  });

  test('a black hole (connections hang): still 503 quickly, not a hang; recovers afterwards', async () => {
    await proxy.cut('blackhole');
    await expectDown(8_000);
    await proxy.restore();
    await expectRecovered();
  });

  test('cut and restored in the middle of traffic: only 200s and 503s, no crash, and it serves again', async () => {
    const statuses = new Map<number, number>();
    const stopAt = Date.now() + 2_500;
    const worker = async (w: number) => {
      for (let i = 0; Date.now() < stopAt; i++) {
        const path = (w + i) % 2 ? `/api/v1/datasets/${datasetId}/rows` : '/api/v1/datasets';
        const res = await request(statlas.app).get(path).set(user.auth);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    };
    const cut = setTimeout(() => void proxy.cut('refuse'), 500);
    const back = setTimeout(() => void proxy.restore(), 1_500);
    await Promise.all(Array.from({ length: 10 }, (_, w) => worker(w)));
    clearTimeout(cut);
    clearTimeout(back);
    await proxy.restore();
    const seen = Object.fromEntries(statuses);
    console.log('db-down: statuses during a cut in traffic', seen);
    expect(Object.keys(seen).map(Number).filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    await expectRecovered();
  });
});
