// Scale-out: two real server processes (`node --import tsx src/server.ts`) on one database — the
// test's fresh PostgreSQL database when TEST_DATABASE_URL is set, else its SQLite file, which two
// processes can share too. A dataset uploaded through one is read, analysed, charted, retyped and
// deleted through the other, and both answer the same; after a retype through B, A serves the new
// type (its cache is keyed by version, so it cannot serve the old content).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

const root = fileURLToPath(new URL('../..', import.meta.url));
const url = process.env.DATABASE_URL!;
const kind = url.startsWith('file:') ? 'SQLite file' : 'PostgreSQL database';

interface Instance {
  name: string;
  base: string;
  child: ChildProcess;
  output: string[];
}

/** A port that was free a moment ago (the OS picks it; the server binds it right after). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function startInstance(name: string, env: Record<string, string> = {}): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      PORT: String(port),
      DATABASE_URL: url,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output.join('')}`);
    try {
      const res = await fetch(`${base}/health`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not answer /health within 60 s:\n${output.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name, base, child, output };
}

async function stopInstance(i: Instance | undefined): Promise<void> {
  if (!i || i.child.exitCode !== null) return;
  const exited = new Promise((r) => i.child.once('exit', r));
  i.child.kill('SIGTERM');
  const timer = setTimeout(() => i.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

let auth: { Authorization: string };

async function call(i: Instance, method: string, path: string, body?: unknown) {
  const res = await fetch(`${i.base}/api/v1/${path}`, {
    method,
    headers: { ...auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
}

async function uploadCsv(i: Instance, csv: string, filename: string) {
  const form = new FormData();
  form.set('file', new Blob([csv], { type: 'text/csv' }), filename);
  const res = await fetch(`${i.base}/api/v1/datasets`, { method: 'POST', headers: auth, body: form });
  return { status: res.status, body: (await res.json()) as any };
}

// 3,000 rows: several kinds of columns, missing values, a digit-string column that can be retyped.
const ROWS = 3000;
const REGIONS = ['north', 'south', 'east', 'west', 'centre'];
function makeCsv(): { csv: string; rows: string[][] } {
  const rows: string[][] = [];
  let s = 7;
  const rand = () => {
    s = (Math.imul(s, 48271) + 11) >>> 0;
    return s / 4294967296;
  };
  for (let i = 0; i < ROWS; i++) {
    const price = i % 13 === 0 ? '' : (10 + rand() * 90).toFixed(2);
    const units = String(1 + Math.floor(rand() * 40));
    const region = REGIONS[Math.floor(rand() * REGIONS.length)];
    const day = new Date(Date.UTC(2024, 0, 1) + Math.floor(rand() * 300) * 86_400_000).toISOString().slice(0, 10);
    const code = String(100 + (i % 250));
    rows.push([price, units, region, day, code]);
  }
  return { csv: `price,units,region,day,code\n${rows.map((r) => r.join(',')).join('\n')}\n`, rows };
}

let a: Instance | undefined;
let b: Instance | undefined;

beforeAll(async () => {
  console.log(`scale-out: two server processes on one ${kind}`);
  // B ingests every upload in the background (202), so A must see it go from processing to ready.
  [a, b] = await Promise.all([startInstance('A'), startInstance('B', { ASYNC_UPLOAD_MB: '0' })]);
  const res = await fetch(`${a.base}/api/v1/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `scale-${process.pid}-${Date.now()}@example.com`, name: 'scale' }),
  });
  expect(res.status).toBe(201);
  auth = { Authorization: `Bearer ${((await res.json()) as { apiKey: string }).apiKey}` };
}, 120_000);

afterAll(async () => {
  await Promise.all([stopInstance(a), stopInstance(b)]);
});

describe(`two instances on one ${kind}`, () => {
  const { csv, rows } = makeCsv();
  let id: string;

  test('upload through A; B reads the same dataset and rows', async () => {
    const up = await uploadCsv(a!, csv, 'shared.csv');
    expect(up.status).toBe(201);
    id = up.body.id;
    expect(up.body.columns.map((c: { type: string }) => c.type)).toEqual(['number', 'integer', 'string', 'date', 'integer']);

    const [fromA, fromB] = await Promise.all([call(a!, 'GET', `datasets/${id}`), call(b!, 'GET', `datasets/${id}`)]);
    expect(fromB.status).toBe(200);
    expect(fromB.body).toEqual(fromA.body);
    expect(fromB.body.rowCount).toBe(ROWS);

    const page = await call(b!, 'GET', `datasets/${id}/rows?offset=100&limit=50`);
    expect(page.status).toBe(200);
    expect(page.body.data).toHaveLength(50);
    page.body.data.forEach((row: Record<string, unknown>, k: number) => {
      const [price, units, region, day, code] = rows[100 + k];
      expect(row).toEqual({ price: price === '' ? null : Number(price), units: Number(units), region, day, code: Number(code) });
    });
    expect((await call(a!, 'GET', `datasets/${id}/rows?offset=100&limit=50`)).body).toEqual(page.body);
  });

  test('analyses and chart data agree across instances', async () => {
    const requests: [string, string, unknown?][] = [
      ['GET', `datasets/${id}/analysis/summary`],
      ['GET', `datasets/${id}/analysis/correlations?method=spearman`],
      ['GET', `datasets/${id}/analysis/groupby?by=region&metrics=count,mean:price,sum:units`],
      ['GET', `datasets/${id}/analysis/histogram?column=price&bins=12`],
      ['GET', `datasets/${id}/analysis/value-counts?column=code&limit=5`],
      ['POST', `datasets/${id}/chart-data`, { type: 'line', x: 'day', y: 'price', aggregate: 'mean', timeUnit: 'month' }],
      ['POST', `datasets/${id}/chart-data`, { type: 'bar', x: 'region', y: 'units', aggregate: 'sum', filters: [{ column: 'price', op: 'gt', value: 50 }] }],
    ];
    for (const [method, path, body] of requests) {
      // B first: its cache is cold, A's was filled by the reads above.
      const fromB = await call(b!, method, path, body);
      const fromA = await call(a!, method, path, body);
      expect([path, fromB.status]).toEqual([path, 200]);
      expect(fromA.body).toEqual(fromB.body);
    }
    // One check against the uploaded numbers themselves, so agreement is not agreement on nonsense.
    const counts = await call(b!, 'GET', `datasets/${id}/analysis/groupby?by=region&metrics=count`);
    const expected = REGIONS.map((r) => ({ region: r, count: rows.filter((x) => x[2] === r).length })).sort((x, y) => (x.region < y.region ? -1 : 1));
    expect(counts.body.data).toEqual(expected);
  });

  test('a retype through B is served by A at once (no stale cache)', async () => {
    // A reads `code` as an integer first, so its cache holds the old version.
    const before = await call(a!, 'GET', `datasets/${id}/analysis/summary?columns=code`);
    expect(before.body.columns[0].type).toBe('integer');
    expect((await call(a!, 'GET', `datasets/${id}/rows?limit=1&columns=code`)).body.data[0].code).toBe(Number(rows[0][4]));

    const patched = await call(b!, 'PATCH', `datasets/${id}`, { columns: [{ name: 'code', type: 'string' }] });
    expect(patched.status).toBe(200);
    expect(patched.body.conversions).toEqual([{ column: 'code', converted: ROWS, nulled: 0 }]);

    const meta = await call(a!, 'GET', `datasets/${id}`);
    expect(meta.body.columns.find((c: { name: string }) => c.name === 'code').type).toBe('string');
    const row = await call(a!, 'GET', `datasets/${id}/rows?limit=1&columns=code`);
    expect(row.body.data[0].code).toBe(rows[0][4]);
    const after = await call(a!, 'GET', `datasets/${id}/analysis/summary?columns=code`);
    expect(after.body.columns[0].type).toBe('string');
    expect(after.body).toEqual((await call(b!, 'GET', `datasets/${id}/analysis/summary?columns=code`)).body);
    // The untouched columns were copied to the new version: still the same answers on both.
    const again = await call(a!, 'GET', `datasets/${id}/analysis/groupby?by=region&metrics=count,mean:price,sum:units`);
    expect(again.body).toEqual((await call(b!, 'GET', `datasets/${id}/analysis/groupby?by=region&metrics=count,mean:price,sum:units`)).body);
  });

  test('a background upload through B is seen by A going from processing to ready', async () => {
    const up = await uploadCsv(b!, csv, 'background.csv');
    expect(up.status).toBe(202);
    let ds = up.body;
    const deadline = Date.now() + 60_000;
    while (ds.status === 'processing' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      ds = (await call(a!, 'GET', `datasets/${up.body.id}`)).body;
    }
    expect(ds.status).toBe('ready');
    const sumA = await call(a!, 'GET', `datasets/${up.body.id}/analysis/summary?columns=price`);
    const sumB = await call(b!, 'GET', `datasets/${up.body.id}/analysis/summary?columns=price`);
    expect(sumA.status).toBe(200);
    expect(sumA.body).toEqual(sumB.body);
    expect(sumA.body.columns[0].count).toBe(rows.filter((r) => r[0] !== '').length);
  });

  test('a column renamed through B is answered under its new name by A at once', async () => {
    const chart = (i: Instance, x: string) => call(i, 'POST', `datasets/${id}/chart-data`, { type: 'bar', x, y: 'units' });
    // A answers (and caches) the chart under the old name first.
    const before = await chart(a!, 'region');
    expect(before.status).toBe(200);
    expect((await call(b!, 'PATCH', `datasets/${id}`, { columns: [{ name: 'region', type: 'string', newName: 'area' }] })).status).toBe(200);

    expect((await chart(a!, 'region')).status).toBe(400);
    const after = await chart(a!, 'area');
    expect(after.status).toBe(200);
    expect(after.body.data).toHaveLength(before.body.data.length);
    expect(after.body).toEqual((await chart(b!, 'area')).body);
    // Back to the old name for the tests that follow.
    expect((await call(b!, 'PATCH', `datasets/${id}`, { columns: [{ name: 'area', type: 'string', newName: 'region' }] })).status).toBe(200);
  });

  test('an API key deleted through B stops working on A at once', async () => {
    const made = await call(a!, 'POST', 'users/me/api-keys');
    expect(made.status).toBe(201);
    const spare = { Authorization: `Bearer ${made.body.apiKey}` };
    const chartWith = (i: Instance, headers: Record<string, string>) =>
      fetch(`${i.base}/api/v1/datasets/${id}/chart-data`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'bar', x: 'region' }),
      });
    // A has just accepted the key, and answered this chart, many times.
    for (let n = 0; n < 5; n++) expect((await chartWith(a!, spare)).status).toBe(200);

    expect((await call(b!, 'DELETE', `users/me/api-keys/${made.body.id}`)).status).toBe(204);
    const refused = await chartWith(a!, spare);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    expect((await fetch(`${a!.base}/api/v1/users/me`, { headers: spare })).status).toBe(401);
    // The other key of the same user still works on both.
    expect((await chartWith(a!, auth)).status).toBe(200);
    expect((await chartWith(b!, auth)).status).toBe(200);
  });

  test('a delete through B is a 404 on A, for the record, rows, analyses and charts', async () => {
    expect((await call(b!, 'DELETE', `datasets/${id}`)).status).toBe(204);
    expect((await call(a!, 'GET', `datasets/${id}`)).status).toBe(404);
    expect((await call(a!, 'GET', `datasets/${id}/rows?limit=5`)).status).toBe(404);
    expect((await call(a!, 'GET', `datasets/${id}/analysis/summary`)).status).toBe(404);
    expect((await call(a!, 'POST', `datasets/${id}/chart-data`, { type: 'bar', x: 'region' })).status).toBe(404);
  });
});
