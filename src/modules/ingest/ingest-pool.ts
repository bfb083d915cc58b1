// Parsing off the request thread: one long-lived worker (ingest-worker.ts), started on first use,
// restarted if it dies, taking one request at a time (the rest wait in a queue). The upload's bytes
// are transferred to the worker and the result's typed arrays back, so nothing big is copied.
//
// Transfer means the caller's buffer is detached afterwards (its length becomes 0) when the
// Uint8Array owns its whole ArrayBuffer (multer's memory-storage Buffers do). A view into a larger or
// shared buffer (Node's small-Buffer pool) is copied instead, so other Buffers are never broken.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError } from '../../errors.js';
import type { IngestReply, IngestRequest } from './ingest-worker.js';
import type { IngestOptions, IngestResult } from './ingest.types.js';

interface Job {
  id: number;
  bytes: Uint8Array;
  opts: Omit<IngestOptions, 'onProgress'>;
  onProgress?: (fraction: number) => void;
  resolve: (result: IngestResult) => void;
  reject: (err: unknown) => void;
}

let worker: Worker | null = null;
let current: Job | null = null;
const queue: Job[] = [];
let nextId = 1;

/** Parses an upload in the ingest worker. Rejects with the same AppError the in-process parse would throw. */
export function ingestInWorker(
  bytes: Uint8Array,
  opts: Omit<IngestOptions, 'onProgress'>,
  onProgress?: (fraction: number) => void,
): Promise<IngestResult> {
  return new Promise<IngestResult>((resolve, reject) => {
    // Functions cannot cross to the worker: keep only the plain options.
    const { filename, sheet, delimiter, encoding, header, limits } = opts;
    const plain = { filename, sheet, delimiter, encoding, header, limits: { ...limits } };
    queue.push({ id: nextId++, bytes, opts: plain, onProgress, resolve, reject });
    pump();
  });
}

/** Stops the worker (server shutdown, tests). A job in progress fails; queued ones start a new worker later. */
export async function stopIngestWorker(): Promise<void> {
  const w = worker;
  if (!w) return;
  await w.terminate();
}

/**
 * From dist both modules are plain .js: the worker file is started as is. From src (tests, tsx) the
 * worker is a .ts file: Node 20 ignores `--import tsx` in a worker's execArgv for its entry module,
 * so a two-line bootstrap registers tsx's loader inside the worker first, then imports the .ts file.
 */
function start(): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  let w: Worker;
  if (fromSource) {
    const entry = new URL('./ingest-worker.ts', import.meta.url).href;
    // tsx's ESM API (the .mjs build: its .cjs build resolves its own files wrongly when imported).
    const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })` +
      `.catch((err) => { console.error(err); process.exit(1); });`;
    w = new Worker(boot, { eval: true });
  } else {
    w = new Worker(new URL('./ingest-worker.js', import.meta.url));
  }
  w.on('message', (reply: IngestReply) => onReply(reply));
  w.on('error', (err) => onDeath(w, err));
  w.on('exit', (code) => onDeath(w, new Error(`The ingest worker stopped (exit code ${code}).`)));
  return w;
}

function pump(): void {
  if (current || queue.length === 0) return;
  const job = queue.shift()!;
  current = job;
  if (!worker) worker = start();
  worker.ref(); // keep the process alive while a parse is running
  const request: IngestRequest = { id: job.id, bytes: job.bytes, opts: job.opts };
  const b = job.bytes;
  const ownsBuffer = b.buffer instanceof ArrayBuffer && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength;
  try {
    worker.postMessage(request, ownsBuffer ? [b.buffer as ArrayBuffer] : []);
  } catch (err) {
    finish(job, () => job.reject(err));
  }
}

function onReply(reply: IngestReply): void {
  const job = current;
  if (!job || reply.id !== job.id) return;
  if (reply.type === 'progress') {
    job.onProgress?.(reply.fraction);
    return;
  }
  if (reply.type === 'done') {
    finish(job, () => job.resolve(reply.result));
    return;
  }
  const { code, message, details } = reply.error;
  finish(job, () => job.reject(code ? new AppError(code, message, details ?? {}) : new Error(message)));
}

function onDeath(w: Worker, err: Error): void {
  if (worker !== w) return;
  worker = null; // the next job starts a fresh one
  const job = current;
  if (job) finish(job, () => job.reject(err));
}

function finish(job: Job, settle: () => void): void {
  if (current === job) current = null;
  settle();
  if (queue.length === 0) worker?.unref(); // idle: do not hold the process open
  pump();
}
