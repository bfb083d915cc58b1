// The benchmark's side of the wire: starts server-child.ts processes and talks to them over HTTP
// (node:http; uploads with curl, the file streamed from disk) and IPC.
import { execFile, execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { transformFileSync } from '@swc/core';

const run = promisify(execFile);
const agent = new http.Agent({ keepAlive: true });
const CHILD = fileURLToPath(new URL('./server-child.ts', import.meta.url));

export interface BenchServer {
  base: string;
  pid: number;
  call<T = any>(cmd: string, args?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

let built = false;
let childJs: string | null = null;

/**
 * server-child.ts and the bench modules it imports, turned into plain JavaScript in bench/.build/, so
 * the server process runs as `npm start` runs it: without tsx, whose loader thread (a V8 isolate of
 * its own) adds 30-40 MB to the RSS the benchmark reports.
 */
function compiledChild(): string {
  if (childJs) return childJs;
  const out = new URL('./.build/', import.meta.url);
  mkdirSync(out, { recursive: true });
  for (const name of ['server-child', 'ops', 'generate']) {
    const { code } = transformFileSync(fileURLToPath(new URL(`./${name}.ts`, import.meta.url)), {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
      sourceMaps: false,
    });
    writeFileSync(new URL(`${name}.js`, out), code);
  }
  childJs = fileURLToPath(new URL('server-child.js', out));
  return childJs;
}

/** What scripts/malloc-tunables.mjs measures on this machine and picks: "<ms> ms per MB: <settings>". */
const FIRST_TOUCH = execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/malloc-tunables.mjs', import.meta.url)), '--explain'], { encoding: 'utf8' }).trim();
/**
 * The C library settings the server runs with, as `npm start` sets them (blocks of 1 MB or more
 * always given back when freed; large pages where touching new memory is slow).
 * BENCH_SERVER_TUNABLES= runs without. Only the server gets them: pandas runs as its users run it.
 */
const SERVER_TUNABLES = process.env.BENCH_SERVER_TUNABLES ?? FIRST_TOUCH.slice(FIRST_TOUCH.indexOf(': ') + 2);
/** The Node flags the server runs with, as `npm start` gives them (BENCH_SERVER_NODE_ARGS= runs without). */
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '--initial-old-space-size=128 --expose-gc --liftoff-only --max-semi-space-size=8').split(' ').filter(Boolean);
/** What the server runs with (written with the results, to compare runs on different machines). */
export const SERVER_SETTINGS = { firstTouch: FIRST_TOUCH, tunables: SERVER_TUNABLES, nodeArgs: SERVER_NODE_ARGS };

/** `nodeArgs`: extra Node flags for the server process (e.g. `--cpu-prof`). */
export async function startServer(env: Record<string, string>, nodeArgs: string[] = []): Promise<BenchServer> {
  // The server runs the compiled app (server-child.ts): build it once if the sources are newer.
  const fromSources = (env.BENCH_CODE ?? process.env.BENCH_CODE) === 'src';
  if (!built && !fromSources) {
    execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build-if-needed.mjs', import.meta.url))], { stdio: 'inherit', cwd: fileURLToPath(new URL('..', import.meta.url)) });
    built = true;
  }
  const app = fileURLToPath(new URL(fromSources ? '../src' : '../dist', import.meta.url));
  const child: ChildProcess = fork(fromSources ? CHILD : compiledChild(), [], {
    execArgv: [...SERVER_NODE_ARGS, ...(fromSources ? ['--import', 'tsx'] : []), ...nodeArgs],
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false', MAX_UPLOAD_MB: '512', BENCH_APP: app, GLIBC_TUNABLES: SERVER_TUNABLES, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code} before it was ready`)));
    child.on('message', (msg: any) => {
      if (msg.ready) return resolve(msg.port);
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.error) p.reject(new Error(msg.error));
      else p.resolve(msg.result);
    });
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const server: BenchServer = {
    base: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    call(cmd, args = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, cmd, ...args });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      await server.call('exit').catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return server;
}

export interface Session {
  base: string;
  auth: { Authorization: string };
}

export async function signUp(base: string, label = 'bench'): Promise<Session & { userId: string }> {
  const res = await fetch(`${base}/api/v1/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `${label}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`, name: label }),
  });
  if (res.status !== 201) throw new Error(`sign-up answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { apiKey: string; user: { id: string } };
  return { base, auth: { Authorization: `Bearer ${body.apiKey}` }, userId: body.user.id };
}

/**
 * One API request over a kept-alive connection (node:http). Not fetch: on these 2 cores undici's
 * fetch added about 2 ms to every request, as much as some of the answers take to compute.
 */
export function api<T = any>(s: Session, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const payload = body !== undefined ? JSON.stringify(body) : undefined;
  const headers: Record<string, string | number> = { ...s.auth };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(`${s.base}/api/v1/${path}`, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : null) as T });
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export interface UploadTiming {
  datasetId: string;
  status: number;
  /** Until the 201/202 answer. */
  answerMs: number;
  /** Until the dataset is ready (= answerMs for a 201). */
  readyMs: number;
}

/**
 * Uploads a file with curl (streamed from disk, as a user would send it) and waits until the dataset
 * is ready. Not Node's fetch: its multipart upload of a 72 MB Blob, on the same 2 cores as the
 * server, made upload → ready ~0.6 s slower than curl (1.4 s against 0.75 s, 2026-12-05).
 *
 * How it waits: by default with `GET /datasets/:id?wait=30`, which the server answers as soon as
 * the dataset is done; `pollMs` polls every that many ms instead (as clients without `wait` do).
 * Polling every 10 ms cost the server about 50 ms of an upload's time on PostgreSQL (each poll is
 * two database reads), and saw `ready` 25-30 ms after it was written.
 */
export async function uploadAndWait(s: Session, file: string, pollMs?: number): Promise<UploadTiming> {
  const t0 = performance.now();
  const { stdout } = await run('curl', [
    '-sS', '-H', `Authorization: ${s.auth.Authorization}`, '-F', `file=@${file};type=text/csv`,
    '-w', '\n%{http_code}', `${s.base}/api/v1/datasets`,
  ], { maxBuffer: 16 * 1024 * 1024 });
  const answerMs = performance.now() - t0;
  const cut = stdout.lastIndexOf('\n');
  const status = Number(stdout.slice(cut + 1));
  const body = JSON.parse(stdout.slice(0, cut)) as { id: string; status: string; error?: string };
  if (status !== 201 && status !== 202) throw new Error(`upload answered ${status}: ${JSON.stringify(body)}`);
  let ds = body;
  while (ds.status === 'processing') {
    if (pollMs !== undefined) await new Promise((r) => setTimeout(r, pollMs));
    ds = (await api(s, 'GET', `datasets/${body.id}${pollMs === undefined ? '?wait=30' : ''}`)).body;
  }
  const readyMs = performance.now() - t0;
  if (ds.status !== 'ready') throw new Error(`upload failed: ${ds.error}`);
  return { datasetId: body.id, status, answerMs, readyMs };
}
