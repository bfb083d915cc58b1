// `npm run bench`: Statlas against pandas on the same synthetic CSVs, in the same run.
//
// For each size (100k and 1M rows): pandas (bench/pandas_bench.py, Debian's /usr/bin/python3) times
// read_csv, read_pickle and the analyses; Statlas is a real server process (bench/server-child.ts)
// driven over HTTP: upload → ready on SQLite and on a fresh PostgreSQL database (dropped after),
// cold load of the stored table in freshly started processes, then each analysis over HTTP (the
// table cached) and as the pure function. The uploads alternate with pandas read_csv calls (a pandas
// process kept open for that), so the ingest ratio compares times taken in the same moments of a
// machine whose speed drifts. Prints medians and statlas/pandas ratios and writes
// bench/results/latest.json.
//
// Options (environment): BENCH_SIZES=100000,1000000  BENCH_REPS=3  BENCH_PG=postgresql://…|off
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { api, SERVER_SETTINGS, signUp, startServer, uploadAndWait, type BenchServer, type Session } from './client.js';
import { pgDb, sqliteDb, type BenchDb } from './databases.js';
import { generateCsv } from './generate.js';
import * as analysis from '../src/modules/analysis/analysis.service.js';
import * as schemas from '../src/modules/analysis/analysis.schemas.js';
import { buildChartData } from '../src/modules/charts/chart-data.js';
import { chartRequestSchema } from '../src/modules/charts/charts.schemas.js';
import { benchOps as benchOpList } from './ops.js';

/** The operations' names and requests (the server runs them on its own compiled modules). */
const BENCH_OPS = benchOpList({ analysis, schemas, buildChartData, chartRequestSchema });
const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const SIZES = (process.env.BENCH_SIZES ?? '100000,1000000').split(',').map(Number);
const REPS = Math.max(3, Number(process.env.BENCH_REPS ?? 3));
const MB = 1024 * 1024;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const log = (msg: string) => process.stderr.write(`${msg}\n`);

interface Row {
  size: number;
  phase: string;
  db?: string;
  statlasMs: number | null;
  pandasMs: number | null;
  ratio: number | null;
  runs: { statlas: number[]; pandas: number[] };
  /** Ingest: the median of statlas/pandas over the alternated pairs of runs. */
  pairedRatio?: number;
  note?: string;
}

// ---------------------------------------------------------------------------------------------
// Statlas phases

interface IngestOutcome {
  /** Uploads after the first (the server's memory and code warm). */
  times: number[];
  /** The first upload after the server started. */
  firstMs: number;
  answerTimes: number[];
  status: number;
  datasetId: string;
  userId: string;
  /** The benchmark user's key (valid in every process on this database). */
  auth: Session['auth'];
  peakRss: number;
  baseRss: number;
  /** pandas read_csv timed right after each of `times`' uploads (when a pandas process was given). */
  pandasTimes: number[];
}

async function benchIngest(db: BenchDb, file: string, env: Record<string, string> = {}, pandas?: PandasReader): Promise<IngestOutcome> {
  const server = await startServer({ DATABASE_URL: db.url, ...env });
  try {
    const session = await signUp(server.base);
    const times: number[] = [];
    const answerTimes: number[] = [];
    const pandasTimes: number[] = [];
    let peakRss = 0;
    let baseRss = 0;
    let first: Awaited<ReturnType<typeof uploadAndWait>> | null = null;
    // One upload more than REPS: the first after start-up also pays for memory the process touches
    // for the first time (page faults), and is reported on its own.
    for (let r = 0; r <= REPS; r++) {
      const { rss } = await server.call<{ rss: number }>('rss-start');
      const u = await uploadAndWait(session, file);
      const { peak } = await server.call<{ peak: number }>('rss-stop');
      if (r === 0) baseRss = rss;
      peakRss = Math.max(peakRss, peak);
      // pandas reads the file right after each upload (its first read, like the first upload, is
      // left out: it pays for memory its process touches for the first time).
      const pandasMs = pandas ? await pandas.ingest() : null;
      if (r > 0) {
        times.push(u.readyMs);
        answerTimes.push(u.answerMs);
        if (pandasMs !== null) pandasTimes.push(pandasMs);
      }
      first ??= u;
      // Keep the first dataset (for cold loads and analyses); the others only take space.
      if (r > 0) await api(session, 'DELETE', `datasets/${u.datasetId}`);
    }
    return { times, firstMs: first!.readyMs, answerTimes, status: first!.status, datasetId: first!.datasetId, userId: session.userId, auth: session.auth, peakRss, baseRss, pandasTimes };
  } finally {
    await server.stop();
  }
}

/** Cold load: a freshly started process reads every column of the stored table. */
async function benchColdLoad(db: BenchDb, userId: string, datasetId: string): Promise<number[]> {
  const times: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const server = await startServer({ DATABASE_URL: db.url });
    try {
      const { ms } = await server.call<{ ms: number }>('cold-load', { userId, datasetId });
      times.push(ms);
    } finally {
      await server.stop();
    }
  }
  return times;
}

interface OpTimes {
  /** Computed over HTTP with the table cached (result cache missed on purpose). */
  http: number[];
  /** The same request again: answered from the result cache. */
  cachedHttp: number[];
  pure: number[];
  /** The first request in the process: loads the columns from the database too. */
  firstHttp: number;
}

/**
 * Each operation over HTTP and as the pure function. Answers are cached by dataset version, column
 * names and request, so before each round a column no operation uses is renamed: that changes the
 * answer keys but not the version, so the loaded table stays cached and every round computes.
 */
async function benchOps(server: BenchServer, session: Session, userId: string, datasetId: string): Promise<Record<string, OpTimes>> {
  const out: Record<string, OpTimes> = Object.fromEntries(BENCH_OPS.map((op) => [op.name, { http: [], cachedHttp: [], pure: [], firstHttp: 0 }]));
  let spare = 'active';
  const request = async (op: (typeof BENCH_OPS)[number]) => {
    const t = performance.now();
    const res = await api(session, op.http.method, `datasets/${datasetId}/${op.http.path}`, op.http.body);
    const ms = performance.now() - t;
    if (res.status !== 200) throw new Error(`${op.name} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    return ms;
  };
  for (let r = 0; r <= REPS; r++) {
    const renamed = await api(session, 'PATCH', `datasets/${datasetId}`, { columns: [{ name: spare, newName: `active_${r}` }] });
    if (renamed.status !== 200) throw new Error(`rename answered ${renamed.status}`);
    spare = `active_${r}`;
    for (const op of BENCH_OPS) {
      const ms = await request(op);
      if (r === 0) out[op.name].firstHttp = ms;
      else {
        out[op.name].http.push(ms);
        out[op.name].cachedHttp.push(await request(op));
      }
    }
  }
  for (const op of BENCH_OPS) {
    out[op.name].pure = (await server.call<{ times: number[] }>('compute', { userId, datasetId, op: op.name, reps: REPS })).times;
  }
  return out;
}

/**
 * First call of each pure function in fresh processes (the table already loaded), without and with
 * the start-up warm-up; medians over REPS processes each, alternating, because the VM is noisy.
 */
async function benchFirstCalls(db: BenchDb, userId: string, datasetId: string) {
  const runs = { cold: {} as Record<string, number[]>, warm: {} as Record<string, number[]>, warmUpMs: [] as number[] };
  for (let r = 0; r < REPS; r++) {
    for (const mode of ['cold', 'warm'] as const) {
      const server = await startServer({ DATABASE_URL: db.url });
      try {
        await server.call('cold-load', { userId, datasetId });
        if (mode === 'warm') {
          const { ms } = await server.call<{ ms: number | null }>('warm-up');
          if (ms === null) return null;
          runs.warmUpMs.push(ms);
        }
        for (const op of BENCH_OPS) {
          const { times } = await server.call<{ times: number[] }>('compute', { userId, datasetId, op: op.name, reps: 1 });
          (runs[mode][op.name] ??= []).push(times[0]);
        }
      } finally {
        await server.stop();
      }
    }
  }
  const med = (m: Record<string, number[]>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, median(v)]));
  return { warmUpMs: median(runs.warmUpMs), cold: med(runs.cold), warm: med(runs.warm), runs };
}

// ---------------------------------------------------------------------------------------------

async function pandasBench(file: string, reps: number): Promise<Record<string, any>> {
  const { stdout } = await run('/usr/bin/python3', [join(here, 'pandas_bench.py'), file, String(reps), `${file}.pkl`], { maxBuffer: 16 * MB });
  return JSON.parse(stdout);
}

interface PandasReader {
  /** Reads the CSV once in the pandas process; the ms it took. */
  ingest(): Promise<number>;
  close(): void;
}

/** A pandas process that reads the CSV each time it is asked (pandas_bench.py --serve). */
function pandasReader(file: string): PandasReader {
  const child = spawn('/usr/bin/python3', [join(here, 'pandas_bench.py'), '--serve', file], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: { resolve: (ms: number) => void; reject: (err: Error) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => waiting.shift()?.resolve(Number(line) * 1000));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`the pandas process ended (${code})`));
  });
  return {
    ingest: () =>
      new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin!.write('ingest\n');
      }),
    close: () => child.stdin!.end(),
  };
}

/** The median of a[i] / b[i]. */
function pairedRatio(a: number[], b: number[]): number | undefined {
  const ratios = a.slice(0, b.length).map((x, i) => x / b[i]);
  return ratios.length ? median(ratios) : undefined;
}

function row(size: number, phase: string, statlas: number[] | null, pandas: number[] | null, extra: Partial<Row> = {}): Row {
  const s = statlas && statlas.length ? median(statlas) : null;
  const p = pandas && pandas.length ? median(pandas) : null;
  return { size, phase, statlasMs: s, pandasMs: p, ratio: s !== null && p !== null ? s / p : null, runs: { statlas: statlas ?? [], pandas: pandas ?? [] }, ...extra };
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadBefore = loadavg();
  if (loadBefore[0] > cpus().length) {
    log(`Note: load average ${loadBefore[0].toFixed(1)} on ${cpus().length} cores: other work shares the machine, times will be noisy.`);
  }
  // How long this machine takes to touch new memory decides the server's large pages (see the README).
  log(`first touch of memory: ${SERVER_SETTINGS.firstTouch}; the server runs with GLIBC_TUNABLES=${SERVER_SETTINGS.tunables} node ${SERVER_SETTINGS.nodeArgs.join(' ')}`);
  const dataDir = join(here, 'data');
  const rows: Row[] = [];
  const memory: Record<string, unknown>[] = [];
  const firstCalls: Record<string, unknown> = {};

  for (const size of SIZES) {
    const { path: file, bytes } = await generateCsv(join(dataDir, `bench-${size}.csv`), size);
    log(`\n== ${size.toLocaleString('en')} rows (${(bytes / MB).toFixed(1)} MB) ==`);

    log('pandas …');
    const pd = await pandasBench(file, REPS);
    const pdMs = (k: string): number[] => (pd[k] as number[]).map((s) => s * 1000);

    const sqlite = await sqliteDb(dataDir, `bench-${size}`);
    const postgres = await pgDb(`bench_${size}`, log);
    try {
      for (const db of [sqlite, postgres]) {
        if (!db) continue;
        log(`statlas ingest on ${db.kind} (pandas read_csv after each upload) …`);
        const reader = pandasReader(file);
        const ing = await benchIngest(db, file, {}, reader).finally(() => reader.close());
        const perPair = pairedRatio(ing.times, ing.pandasTimes);
        rows.push(row(size, 'ingest: upload → ready (HTTP)', ing.times, ing.pandasTimes, {
          db: db.kind,
          pairedRatio: perPair,
          note: `answered ${ing.status} after ${median(ing.answerTimes).toFixed(0)} ms (median); pandas: read_csv(parse_dates) + dtypes + isna().sum(), once after each upload; median of the per-pair ratios ${perPair?.toFixed(2)}`,
        }));
        rows.push(row(size, 'ingest: first upload after start-up', [ing.firstMs], pdMs('ingest-first'), { db: db.kind, note: "one run; pandas: the first read_csv in its process" }));
        memory.push({ size, db: db.kind, fileBytes: bytes, baseRss: ing.baseRss, peakRss: ing.peakRss, peakOverFile: ing.peakRss / bytes, pandasPeakRss: pd.meta.peakRssAfterIngest });
        if (size === SIZES[SIZES.length - 1] && process.env.BENCH_COMPARE_STORE !== 'off') {
          // The same uploads with the chunks stored through Prisma (what app.ts does without the URL).
          log(`statlas ingest on ${db.kind}, chunks through Prisma …`);
          const viaPrisma = await benchIngest(db, file, { BENCH_STORE: 'prisma' });
          rows.push(row(size, 'ingest: upload → ready, chunks stored through Prisma', viaPrisma.times, pdMs('ingest'), { db: db.kind, note: 'for comparison: the content repository without the database URL' }));
        }

        log(`statlas cold load on ${db.kind} …`);
        const cold = await benchColdLoad(db, ing.userId, ing.datasetId);
        rows.push(row(size, 'cold load of the stored table (fresh process)', cold, pdMs('cold-load-pickle'), { db: db.kind, note: 'pandas: read_pickle' }));
        rows.push(row(size, 'cold load vs re-reading the CSV', cold, pdMs('ingest'), { db: db.kind, note: 'pandas: read_csv' }));

        if (db.kind === 'sqlite') {
          log('statlas analyses …');
          const server = await startServer({ DATABASE_URL: db.url });
          try {
            const session: Session = { base: server.base, auth: ing.auth };
            const ops = await benchOps(server, session, ing.userId, ing.datasetId);
            for (const op of BENCH_OPS) {
              const t = ops[op.name];
              rows.push(row(size, `${op.name} (HTTP, table in memory)`, t.http, pdMs(op.name), { note: `pandas: ${op.pandas}; first HTTP call (columns read from the database) ${t.firstHttp.toFixed(1)} ms` }));
              rows.push(row(size, `${op.name} (function)`, t.pure, pdMs(op.name)));
              rows.push(row(size, `${op.name} (HTTP, same request again: result cache)`, t.cachedHttp, pdMs(op.name)));
            }
          } finally {
            await server.stop();
          }
          if (size === SIZES[SIZES.length - 1]) {
            log('first calls with and without warm-up …');
            const fc = await benchFirstCalls(db, ing.userId, ing.datasetId);
            if (fc) firstCalls[String(size)] = fc;
          }
        }
      }
    } finally {
      await sqlite.drop();
      await postgres?.drop();
    }
  }

  const totalS = (performance.now() - started) / 1000;
  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryMb: Math.round(totalmem() / MB), node: process.version, loadavgBefore: loadBefore, loadavgAfter: loadavg(), server: SERVER_SETTINGS },
    reps: REPS,
    totalSeconds: totalS,
    rows,
    memory,
    firstCalls,
  };
  const resultsDir = join(here, 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);
  log(`load average before ${loadBefore.map((x) => x.toFixed(1)).join(' ')}, after ${loadavg().map((x) => x.toFixed(1)).join(' ')} (${cpus().length} cores)`);
  log(`\nwrote bench/results/latest.json in ${totalS.toFixed(0)} s`);
}

function printTable(results: { rows: Row[]; memory: Record<string, any>[]; firstCalls: Record<string, any> }): void {
  const fmt = (ms: number | null) => (ms === null ? '—' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
  const lines = ['| rows | phase | db | Statlas | pandas | ratio |', '|---|---|---|---|---|---|'];
  for (const r of results.rows) {
    const paired = r.pairedRatio !== undefined ? ` (per pair ${r.pairedRatio.toFixed(2)})` : '';
    lines.push(`| ${r.size.toLocaleString('en')} | ${r.phase} | ${r.db ?? ''} | ${fmt(r.statlasMs)} | ${fmt(r.pandasMs)} | ${r.ratio === null ? '—' : r.ratio.toFixed(2)}${paired} |`);
  }
  for (const m of results.memory) {
    lines.push(`| ${m.size.toLocaleString('en')} | peak RSS during ingest (server process) | ${m.db} | ${(m.peakRss / MB).toFixed(0)} MB (${m.peakOverFile.toFixed(2)}× file; ${(m.baseRss / MB).toFixed(0)} MB before) | ${(m.pandasPeakRss / MB).toFixed(0)} MB | — |`);
  }
  console.log(lines.join('\n'));
  for (const [size, fc] of Object.entries(results.firstCalls)) {
    console.log(`\nFirst call of each function in a fresh process, ${Number(size).toLocaleString('en')} rows (warm-up took ${fc.warmUpMs?.toFixed(0)} ms):`);
    console.log('| op | without warm-up | with warm-up |\n|---|---|---|');
    for (const op of Object.keys(fc.cold)) console.log(`| ${op} | ${fmt(fc.cold[op])} | ${fmt(fc.warm[op])} |`);
  }
}

await main();
