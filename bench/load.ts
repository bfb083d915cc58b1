// `npm run bench:load`: load test with autocannon against a real server process (bench/server-child.ts),
// rate limits off, on SQLite (the default) and on a fresh PostgreSQL database.
//
// Phase 1, per database: 50 connections for 30 s, mixing small uploads, dataset lists, rows pages
// and chart-data over a handful of users. Reports throughput, p50/p99 latency, errors and non-2xx
// answers, and the server's RSS at start, end and peak (sampled every second from /proc).
// Phase 2, per database: chart-data on a 100,000-row dataset, 50 connections for 10 s.
// Phase 3 (SQLite): a 100 MB CSV uploaded while 20 connections keep reading; reports the peak RSS
// while it is ingested, the time to ready, and the readers' latency and errors meanwhile.
// Prints a table and writes bench/results/load.json.
//
// Options (environment): LOAD_SECONDS=30  LOAD_CONNECTIONS=50  LOAD_BIG_MB=100  BENCH_PG=postgresql://…|off
// LOAD_PHASES=mixed,charts,big (default all three; e.g. LOAD_PHASES=charts runs phase 2 alone, and
// then leaves bench/results/load.json as it is unless LOAD_WRITE=1; so does a run on one database)
// LOAD_REPEAT=3 (phase 2 this many times per database, each on a fresh server; the JSON keeps every run)
// LOAD_CPU_PROF=<dir> (phase 2's server writes a V8 CPU profile there: where the time goes)
// LOAD_DBS=sqlite,postgresql (the databases to load; e.g. LOAD_DBS=postgresql skips SQLite)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { signUp, startServer, uploadAndWait, type BenchServer, type Session } from './client.js';
import { pgDb, sqliteDb, type BenchDb } from './databases.js';
import { generateCsv } from './generate.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const SECONDS = Number(process.env.LOAD_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 50);
const BIG_MB = Number(process.env.LOAD_BIG_MB ?? 100);
const PHASES = new Set((process.env.LOAD_PHASES ?? 'mixed,charts,big').split(',').map((p) => p.trim()));
const REPEAT = Number(process.env.LOAD_REPEAT ?? 1);
const CPU_PROF = process.env.LOAD_CPU_PROF;
const DBS = new Set((process.env.LOAD_DBS ?? 'sqlite,postgresql').split(',').map((d) => d.trim()));
const USERS = 5;
const MB = 1024 * 1024;

const log = (...args: unknown[]) => console.error('[load]', ...args);

/** The server process's resident memory, from /proc (sampled by us, not by the server). */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function sampleRss(pid: number) {
  const samples: number[] = [rssMb(pid)];
  const timer = setInterval(() => samples.push(rssMb(pid)), 1000);
  return {
    stop() {
      clearInterval(timer);
      samples.push(rssMb(pid));
      return { startMb: samples[0], endMb: samples[samples.length - 1], peakMb: Math.max(...samples), samples };
    },
  };
}

/** A small CSV (different every time so uploads are not all alike). */
function smallCsv(seed: number): string {
  const lines = ['region,units,price,day,active'];
  for (let i = 0; i < 200; i++) {
    const k = (seed * 31 + i * 17) % 1000;
    lines.push(`r${k % 7},${k % 50},${(k / 7).toFixed(2)},2024-${String((k % 12) + 1).padStart(2, '0')}-${String((k % 28) + 1).padStart(2, '0')},${k % 2 === 0}`);
  }
  return lines.join('\n');
}

function multipart(content: string, filename: string): { body: string; contentType: string } {
  const boundary = '----statlasload7d1a';
  const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n${content}\r\n--${boundary}--\r\n`;
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

interface Mix {
  sessions: (Session & { datasetId: string })[];
}

async function prepare(server: BenchServer): Promise<Mix> {
  const sessions: Mix['sessions'] = [];
  for (let u = 0; u < USERS; u++) {
    const s = await signUp(server.base, `load${u}`);
    const res = await fetch(`${server.base}/api/v1/datasets`, {
      method: 'POST',
      headers: { ...s.auth, 'content-type': multipart('', '').contentType },
      body: multipart(smallCsv(u), `seed${u}.csv`).body,
    });
    if (res.status !== 201) throw new Error(`seed upload answered ${res.status}: ${await res.text()}`);
    const ds = (await res.json()) as { id: string };
    sessions.push({ ...s, datasetId: ds.id });
  }
  return { sessions };
}

/** The request mix: 1 upload in 8 requests; lists, rows pages (sorted, filtered) and chart-data for the rest. */
function requestsFor(mix: Mix): autocannon.Request[] {
  let n = 0;
  const pick = () => mix.sessions[n++ % mix.sessions.length];
  const json = (body: unknown) => JSON.stringify(body);
  const kinds: ((s: Mix['sessions'][number]) => autocannon.Request)[] = [
    (s) => ({ method: 'GET', path: '/api/v1/datasets?limit=20', headers: s.auth }),
    (s) => ({ method: 'GET', path: `/api/v1/datasets/${s.datasetId}/rows?limit=100&sort=-units`, headers: s.auth }),
    (s) => ({ method: 'POST', path: `/api/v1/datasets/${s.datasetId}/chart-data`, headers: { ...s.auth, 'content-type': 'application/json' }, body: json({ type: 'bar', x: 'region', y: 'price', aggregate: 'mean' }) }),
    (s) => ({ method: 'GET', path: `/api/v1/datasets/${s.datasetId}/rows?limit=50&offset=20&filter=units:gte:10`, headers: s.auth }),
    (s) => ({ method: 'POST', path: `/api/v1/datasets/${s.datasetId}/chart-data`, headers: { ...s.auth, 'content-type': 'application/json' }, body: json({ type: 'line', x: 'day', y: 'units', timeUnit: 'month' }) }),
    (s) => ({ method: 'GET', path: `/api/v1/datasets/${s.datasetId}`, headers: s.auth }),
    (s) => ({ method: 'GET', path: '/api/v1/datasets?limit=5&sort=-rowCount', headers: s.auth }),
    (s) => {
      const m = multipart(smallCsv(n), `up${n}.csv`);
      return { method: 'POST', path: '/api/v1/datasets', headers: { ...s.auth, 'content-type': m.contentType }, body: m.body };
    },
  ];
  return kinds.map((make) => ({
    method: 'GET',
    path: '/',
    // Built per request, so users, datasets and upload contents vary.
    setupRequest: (req: autocannon.Request) => ({ ...req, ...make(pick()) }),
  }));
}

interface RunResult {
  requests: number;
  throughput: number;
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
}

async function cannon(base: string, requests: autocannon.Request[], connections: number, seconds: number): Promise<RunResult> {
  const result = await autocannon({ url: base, connections, duration: seconds, requests, timeout: 30 });
  const statusCodes: Record<string, number> = {};
  for (const [k, v] of Object.entries(result.statusCodeStats ?? {})) statusCodes[k] = (v as { count: number }).count;
  return {
    requests: result.requests.total,
    throughput: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
  };
}

async function mixedLoad(db: BenchDb) {
  const server = await startServer({ DATABASE_URL: db.url, PORT: '0', RATE_LIMIT_ENABLED: 'false' });
  try {
    const mix = await prepare(server);
    // Warm up (JIT, caches, pools) so the start RSS is the steady state, not a cold process.
    await cannon(server.base, requestsFor(mix), 10, 3);
    const rss = sampleRss(server.pid);
    log(`${db.kind}: ${CONNECTIONS} connections for ${SECONDS} s…`);
    const run = await cannon(server.base, requestsFor(mix), CONNECTIONS, SECONDS);
    const memory = rss.stop();
    const healthAfter = await fetch(`${server.base}/health`).then((r) => r.status);
    return { db: db.kind, ...run, rss: memory, healthAfter };
  } finally {
    await server.stop();
  }
}

/** LOAD_BREAKDOWN=1: each kind of request alone for 5 s (where the time goes). */
async function breakdown(db: BenchDb) {
  const server = await startServer({ DATABASE_URL: db.url, PORT: '0', RATE_LIMIT_ENABLED: 'false' });
  const names = ['list', 'rows sorted', 'chart bar', 'rows filtered', 'chart line/month', 'dataset', 'list by rowCount', 'upload 200 rows'];
  try {
    const mix = await prepare(server);
    const all = requestsFor(mix);
    const out: Record<string, { throughput: number; p50: number; p99: number; non2xx: number }> = {};
    for (let i = 0; i < all.length; i++) {
      const r = await cannon(server.base, [all[i]], CONNECTIONS, 5);
      out[names[i]] = { throughput: Math.round(r.throughput), p50: r.p50, p99: r.p99, non2xx: r.non2xx + r.errors };
      log(`breakdown ${names[i]}:`, out[names[i]]);
    }
    console.table(out);
    return out;
  } finally {
    await server.stop();
  }
}

/**
 * Issue 5's target: chart-data on a 100,000-row dataset under 50 connections, p99 under 100 ms, no
 * errors. Three chart requests rotate (bar by the 20-level column, month line, histogram); answers
 * are cached by dataset version and request, which is what makes this cheap after the first call.
 */
async function chartLoad(db: BenchDb, dir: string) {
  const file = join(dir, 'load-charts-100k.csv');
  if (!existsSync(file)) await generateCsv(file, 100_000);
  // One folder per run: Node names the files by process and thread (tsx's loader thread writes one too).
  const profile = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${join(CPU_PROF, `charts-${db.kind}-${Date.now()}`)}`] : [];
  const server = await startServer({ DATABASE_URL: db.url, PORT: '0', RATE_LIMIT_ENABLED: 'false' }, profile);
  try {
    const s = await signUp(server.base, 'charts');
    const timing = await uploadAndWait(s, file, 20);
    const path = `/api/v1/datasets/${timing.datasetId}/chart-data`;
    const bodies = [
      { type: 'bar', x: 'region', y: 'price', aggregate: 'mean' },
      { type: 'line', x: 'order_date', y: 'revenue', timeUnit: 'month' },
      { type: 'histogram', x: 'score', bins: 20 },
    ];
    let n = 0;
    const requests: autocannon.Request[] = [
      {
        method: 'POST',
        path,
        setupRequest: (req: autocannon.Request) => ({
          ...req,
          headers: { ...s.auth, 'content-type': 'application/json' },
          body: JSON.stringify(bodies[n++ % bodies.length]),
        }),
      },
    ];
    log(`${db.kind}: chart-data on 100,000 rows, ${CONNECTIONS} connections for 10 s…`);
    return { db: db.kind, ...(await cannon(server.base, requests, CONNECTIONS, 10)) };
  } finally {
    await server.stop();
  }
}

async function bigUpload(db: BenchDb, dir: string) {
  const file = join(dir, `load-big-${BIG_MB}mb.csv`);
  if (!existsSync(file)) {
    log(`generating a ${BIG_MB} MB CSV…`);
    await generateCsv(file, Math.round((BIG_MB * MB) / 75));
  }
  const sizeMb = statSync(file).size / MB;
  const server = await startServer({ DATABASE_URL: db.url, PORT: '0', RATE_LIMIT_ENABLED: 'false', MAX_UPLOAD_MB: String(Math.ceil(sizeMb) + 16) });
  try {
    const mix = await prepare(server);
    const readers = requestsFor(mix).slice(0, 7); // no uploads: only reads alongside the big one
    await cannon(server.base, readers, 5, 2);
    const start = await server.call<{ rss: number }>('rss-start');
    const rss = sampleRss(server.pid);
    const uploader = await signUp(server.base, 'big');
    const readLoad = cannon(server.base, readers, 20, 15);
    const timing = await uploadAndWait(uploader, file, 100);
    const reads = await readLoad;
    const peak = await server.call<{ peak: number; maxRss: number }>('rss-stop');
    const memory = rss.stop();
    return {
      db: db.kind,
      fileMb: Number(sizeMb.toFixed(1)),
      answerStatus: timing.status,
      answerMs: Math.round(timing.answerMs),
      readyMs: Math.round(timing.readyMs),
      rssStartMb: Math.round(start.rss / MB),
      rssPeakMb: Math.round(peak.peak / MB),
      rssEndMb: Math.round(memory.endMb),
      readersDuring: reads,
    };
  } finally {
    await server.stop();
  }
}

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');

/** The median of each measure over repeated phase-2 runs on one database. */
function medianRun(runs: Awaited<ReturnType<typeof chartLoad>>[]) {
  const med = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  return {
    db: runs[0].db,
    runs: runs.length,
    throughput: med(runs.map((r) => r.throughput)),
    p50: med(runs.map((r) => r.p50)),
    p99: med(runs.map((r) => r.p99)),
    errors: runs.reduce((n, r) => n + r.errors + r.timeouts, 0),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
  };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'statlas-load-'));
  const out: Record<string, unknown> = {
    when: new Date().toISOString(),
    machine: { cpus: cpus().length, memoryGb: Number((totalmem() / 1024 ** 3).toFixed(1)), node: process.version },
    settings: { seconds: SECONDS, connections: CONNECTIONS, users: USERS, mix: '1/8 uploads (200-row CSV), lists, rows pages, chart-data, dataset reads', rateLimits: 'off', phases: [...PHASES], chartRepeats: REPEAT },
  };
  const dbs: BenchDb[] = DBS.has('sqlite') ? [await sqliteDb(dir, 'load')] : [];
  const pgd = DBS.has('postgresql') ? await pgDb('load', log) : null;
  if (pgd) dbs.push(pgd);
  try {
    if (PHASES.has('mixed')) {
      out.mixed = [] as unknown[];
      for (const db of dbs) (out.mixed as unknown[]).push(await mixedLoad(db));
    }
    if (PHASES.has('charts')) {
      out.charts = [] as unknown[];
      out.chartRuns = [] as unknown[];
      for (const db of dbs) {
        const runs: Awaited<ReturnType<typeof chartLoad>>[] = [];
        for (let r = 0; r < REPEAT; r++) runs.push(await chartLoad(db, dir));
        (out.chartRuns as unknown[]).push(...runs);
        (out.charts as unknown[]).push(REPEAT === 1 ? runs[0] : medianRun(runs));
      }
    }
    if (process.env.LOAD_BREAKDOWN === '1') out.breakdown = await breakdown(dbs[0]);
    if (PHASES.has('big')) {
      const bigDb = await sqliteDb(mkdtempSync(join(tmpdir(), 'statlas-load-big-')), 'load-big');
      try {
        out.bigUpload = await bigUpload(bigDb, dir);
      } finally {
        await bigDb.drop();
      }
    }
  } finally {
    for (const db of dbs) await db.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }

  if (out.mixed) {
    const rows = (out.mixed as Awaited<ReturnType<typeof mixedLoad>>[]).map((r) => ({
      database: r.db,
      'req/s': fmt(r.throughput),
      requests: r.requests,
      'p50 ms': fmt(r.p50),
      'p99 ms': fmt(r.p99),
      errors: r.errors,
      timeouts: r.timeouts,
      non2xx: r.non2xx,
      'RSS start MB': fmt(r.rss.startMb),
      'RSS end MB': fmt(r.rss.endMb),
      'RSS peak MB': fmt(r.rss.peakMb),
    }));
    console.log(`\nMixed load: ${CONNECTIONS} connections, ${SECONDS} s, rate limits off`);
    console.table(rows);
  }
  if (out.charts) {
    const row = (r: { db: string; throughput: number; p50: number; p99: number; errors: number; non2xx: number }) => ({
      database: r.db, 'req/s': fmt(r.throughput), 'p50 ms': fmt(r.p50), 'p99 ms': fmt(r.p99), errors: r.errors, non2xx: r.non2xx,
    });
    console.log(`\nchart-data on a 100,000-row dataset: ${CONNECTIONS} connections, 10 s (target: p99 under 100 ms, no errors)`);
    if (REPEAT > 1) {
      console.log('each run:');
      console.table((out.chartRuns as Awaited<ReturnType<typeof chartLoad>>[]).map(row));
      console.log(`medians of ${REPEAT} runs (errors and non2xx: totals):`);
    }
    console.table((out.charts as Parameters<typeof row>[0][]).map(row));
  }
  if (out.bigUpload) {
    const big = out.bigUpload as Awaited<ReturnType<typeof bigUpload>>;
    console.log(`\n${big.fileMb} MB CSV upload on ${big.db} with 20 readers alongside`);
    console.table([
      {
        answer: `${big.answerStatus} in ${big.answerMs} ms`,
        'ready ms': big.readyMs,
        'RSS start MB': big.rssStartMb,
        'RSS peak MB': big.rssPeakMb,
        'RSS end MB': big.rssEndMb,
        'readers req/s': fmt(big.readersDuring.throughput),
        'readers p99 ms': fmt(big.readersDuring.p99),
        'readers errors': big.readersDuring.errors + big.readersDuring.non2xx,
      },
    ]);
  }
  // A partial run must not overwrite the full results by accident.
  if ((PHASES.size === 3 && DBS.size === 2) || process.env.LOAD_WRITE === '1') {
    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(join(here, 'results', 'load.json'), JSON.stringify(out, null, 2) + '\n');
    console.log('\nwritten: bench/results/load.json');
  }
}

await main();
