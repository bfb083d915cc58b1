// The server under test, in its own process (forked by bench/run.ts): the real app listening on a
// free port, plus an IPC channel for what HTTP cannot measure — RSS sampling, a cold load of a
// stored table straight after start, and the pure analysis functions on the loaded table.
//
// The app is the compiled one in dist/, as `npm start` runs it (client.ts builds it when needed), and
// this file runs as plain JavaScript too (client.ts compiles it into bench/.build/); BENCH_CODE=src
// runs the TypeScript sources through tsx instead. BENCH_APP is the app's folder (dist/ or src/).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { AppOptions } from '../src/app.js';
import { benchOps } from './ops.js';

const CODE = pathToFileURL(process.env.BENCH_APP!).href;
const { createApp } = (await import(`${CODE}/app.js`)) as typeof import('../src/app.js');
const { loadConfig } = (await import(`${CODE}/config.js`)) as typeof import('../src/config.js');
const { contentRepo } = (await import(`${CODE}/db/content.repo.js`)) as typeof import('../src/db/content.repo.js');
const { tableStore } = (await import(`${CODE}/modules/datasets/table-store.js`)) as typeof import('../src/modules/datasets/table-store.js');
// The pure functions measured through IPC are the same code the server runs.
const BENCH_OPS = benchOps({
  analysis: await import(`${CODE}/modules/analysis/analysis.service.js`),
  schemas: await import(`${CODE}/modules/analysis/analysis.schemas.js`),
  buildChartData: ((await import(`${CODE}/modules/charts/chart-data.js`)) as typeof import('../src/modules/charts/chart-data.js')).buildChartData,
  chartRequestSchema: ((await import(`${CODE}/modules/charts/charts.schemas.js`)) as typeof import('../src/modules/charts/charts.schemas.js')).chartRequestSchema,
});

type Request =
  | { id: number; cmd: 'rss-start' }
  | { id: number; cmd: 'rss-stop' }
  | { id: number; cmd: 'cold-load'; userId: string; datasetId: string }
  | { id: number; cmd: 'compute'; userId: string; datasetId: string; op: string; reps: number }
  | { id: number; cmd: 'warm-up' }
  | { id: number; cmd: 'exit' };

const config = loadConfig({ ...process.env, PORT: '0' });
const options: AppOptions = {};

// BENCH_INGEST=inline parses in the request thread, after the whole file is in, instead of
// streaming it into the app's ingest worker (to compare).
if (process.env.BENCH_INGEST === 'inline') {
  const { bufferedIngester } = (await import(`${CODE}/modules/ingest/ingester.js`)) as typeof import('../src/modules/ingest/ingester.js');
  options.ingester = bufferedIngester();
}

// BENCH_TRACE=1: print how long receiving, detecting and parsing take for each upload (stderr).
if (process.env.BENCH_TRACE === '1') {
  const { workerIngester } = (await import(`${CODE}/modules/ingest/ingest-pool.js`)) as typeof import('../src/modules/ingest/ingest-pool.js');
  const inner = options.ingester ?? workerIngester;
  const trace = (what: string, since: number) => process.stderr.write(`[trace] ${what} ${(performance.now() - since).toFixed(0)} ms\n`);
  options.ingester = {
    receive(sizeHint, expect) {
      const sink = inner.receive(sizeHint, expect);
      const opened = performance.now();
      return {
        ...sink,
        ingest(opts) {
          trace('receive', opened);
          const ended = performance.now();
          const job = sink.ingest(opts);
          job.format.then(() => trace('format', ended), () => undefined);
          job.result.then(() => trace('parse (from the end of the upload)', ended), () => undefined);
          return job;
        },
      };
    },
  };
}

const statlas = await createApp(config, options);

// BENCH_STORE=direct (default) stores column chunks through the drivers (contentRepo with the URL),
// BENCH_STORE=prisma through Prisma, BENCH_STORE=app keeps whatever app.ts builds. The services hold
// this same store object, so replacing its methods switches the path for every request.
const storeMode = process.env.BENCH_STORE ?? 'direct';
if (storeMode === 'direct' || storeMode === 'prisma') {
  const content = contentRepo(statlas.db, storeMode === 'direct' ? { url: config.DATABASE_URL } : {});
  Object.assign(statlas.store, tableStore(content, config.CACHE_MB));
  await statlas.store.connect();
}
if (process.env.BENCH_TRACE === '1') {
  const save = statlas.store.save;
  let total = 0;
  let timer: NodeJS.Timeout | null = null;
  statlas.store.save = async (...args) => {
    const t = performance.now();
    await save(...args);
    total += performance.now() - t;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      process.stderr.write(`[trace] store ${total.toFixed(0)} ms\n`);
      total = 0;
    }, 200);
  };
}
const server = statlas.app.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));

// The peak RSS of an upload: the kernel's high-water mark for this process (VmHWM), reset when the
// upload starts (writing 5 to /proc/self/clear_refs), the same measure pandas' side reads of its
// own process (ru_maxrss). Where the reset is refused, RSS is sampled every 5 ms instead: that
// timer runs on the request thread, cost it about 40 ms per 1M-row upload (each sample is a
// system call), and can miss a short peak.
let sampler: NodeJS.Timeout | null = null;
let highWaterMark = false;
let peak = 0;
const sample = () => {
  const rss = process.memoryUsage.rss();
  if (rss > peak) peak = rss;
};
const resetHighWaterMark = (): boolean => {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
};
const readHighWaterMark = (): number => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;

async function dataset(userId: string, datasetId: string) {
  return statlas.datasets.findReady(userId, datasetId);
}

async function handle(msg: Request): Promise<unknown> {
  switch (msg.cmd) {
    case 'rss-start':
      peak = process.memoryUsage.rss();
      highWaterMark = resetHighWaterMark();
      if (!highWaterMark) sampler = setInterval(sample, 5);
      return { rss: peak };
    case 'rss-stop':
      if (sampler) clearInterval(sampler);
      sampler = null;
      sample();
      if (highWaterMark) peak = Math.max(peak, readHighWaterMark());
      return { peak, maxRss: process.resourceUsage().maxRSS * 1024 };
    case 'cold-load': {
      // Connections are open (as after start-up); the cache is empty in a fresh process.
      const ds = await dataset(msg.userId, msg.datasetId);
      await statlas.store.connect();
      const faults = process.resourceUsage().minorPageFault;
      const t = process.hrtime.bigint();
      const table = await statlas.store.load(ds);
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      return { ms, columns: table.columns.length, faults: process.resourceUsage().minorPageFault - faults };
    }
    case 'compute': {
      const op = BENCH_OPS.find((o) => o.name === msg.op);
      if (!op) throw new Error(`unknown op ${msg.op}`);
      const ds = await dataset(msg.userId, msg.datasetId);
      const table = await statlas.store.load(ds, op.columns);
      const times: number[] = [];
      for (let r = 0; r < msg.reps; r++) {
        const t = process.hrtime.bigint();
        op.run(table, ds);
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      return { times };
    }
    case 'warm-up': {
      const warmup = new URL(`${CODE}/warmup.${process.env.BENCH_CODE === 'src' ? 'ts' : 'js'}`);
      if (!existsSync(warmup)) return { ms: null };
      const { warmUp } = (await import(warmup.href)) as { warmUp: () => void };
      const t = process.hrtime.bigint();
      warmUp();
      return { ms: Number(process.hrtime.bigint() - t) / 1e6 };
    }
    case 'exit':
      setImmediate(() => {
        server.close();
        Promise.all([statlas.close(), statlas.store.close()]).finally(() => process.exit(0));
      });
      return {};
  }
}

process.on('message', (msg: Request) => {
  handle(msg).then(
    (result) => process.send!({ id: msg.id, result }),
    (err: Error) => process.send!({ id: msg.id, error: err.stack ?? String(err) }),
  );
});
process.send!({ ready: true, port: (server.address() as AddressInfo).port });
