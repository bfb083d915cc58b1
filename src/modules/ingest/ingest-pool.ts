// Parsing off the request thread: one long-lived worker (ingest-worker.ts), started on first use and
// restarted if it dies. Each upload streams into it while the client sends it; parses run one after
// another in the worker. The result's columns come back on SharedArrayBuffers, so nothing big is copied.
//
// The pieces the upload middleware hands over are small views into socket buffers. When the size is
// announced (the request's Content-Length), they are written to a spool file (upload-spool.ts),
// which the worker reads as it fills (it is told how far about every megabyte): the upload is not
// held in memory. Otherwise (or when no spool file can be made), pieces are copied into batches of
// about a megabyte, each batch transferred. A piece that owns its whole ArrayBuffer and is big enough
// is transferred as it is: the caller's buffer is detached then (its length becomes 0).
//
// A spreadsheet parse has a time limit. SheetJS runs synchronously in the worker, and some damaged
// files send it into a loop that never ends (tests/fixtures/sheetjs-crashers): every later upload
// would wait behind it. Past the limit the worker is stopped, that upload gets a 422, and the uploads
// it held get a 503 (send it again); the next upload starts a fresh worker.
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../core/module-worker.js';
import { releaseReceivedPieces } from '../../core/release-memory.js';
import { AppError } from '../../errors.js';
import type { IngestJob, Ingester, UploadHints, UploadSink } from './ingester.js';
import { settled } from './ingester.js';
import { makeRingBuffer, RING_BYTES, RingReader } from './block-ring.js';
import type { IngestMode, IngestWorkerData, WorkerError, WorkerReply, WorkerRequest } from './ingest-worker.js';
import type { ColumnBlock, DatasetFormat, IngestOptions, IngestResult, InspectResult } from './ingest.types.js';
import { openSpool } from './upload-spool.js';

/** Pieces are gathered into messages of about this size (or the worker told of that much more). */
const BATCH_BYTES = 1024 * 1024;
/** Bytes received (all uploads) between two collections of the young generation (releaseReceivedPieces). */
const RELEASE_PIECES_EVERY_BYTES = 8 * 1024 * 1024;
let receivedSinceRelease = 0;
/**
 * A spreadsheet parse may take this long plus SPREADSHEET_MS_PER_MB per MB of file. SheetJS reads
 * 4-8 MB a second here (a 24 MB xlsx in 5.8 s, a 12.5 MB xls in 1.5 s): about ten times that.
 */
const SPREADSHEET_BASE_MS = 10_000;
const SPREADSHEET_MS_PER_MB = 2_000;
const SPREADSHEETS: ReadonlySet<DatasetFormat> = new Set(['xlsx', 'xls', 'ods']);

interface Pending {
  format: Deferred<DatasetFormat>;
  result: Deferred<IngestResult | InspectResult>;
  onProgress?: (fraction: number) => void;
  onBlock?: (block: ColumnBlock | null) => void;
  /** Lets go of the worker for this upload (once), and closes its spool file. */
  letGo: () => void;
  /** The file's size (for a spreadsheet's time limit). */
  bytes: number;
  /** Stops the worker if a spreadsheet parse runs past its limit (set once the format is known). */
  timer?: NodeJS.Timeout;
  /** This parse ran past its limit: the worker was stopped because of it. */
  overran?: boolean;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

let worker: Worker | null = null;
/** The running worker's ring, where blocks of rows come through (block-ring.ts). */
let ring: RingReader | null = null;
/** Uploads the worker holds (open or parsing): while there are any, the worker keeps the process alive. */
let open = 0;
const pending = new Map<number, Pending>();
/** The spool files the worker may read, by upload: closed when it is done with them or dies. */
const spools = new Map<number, { worker: Worker; close: () => void }>();
let nextId = 1;

/** The app's ingester: every upload is received and parsed in the worker. */
export const workerIngester: Ingester = { receive: (sizeHint, expect) => workerSink(sizeHint, expect) };

/** Parses a whole file in the worker (tests). A buffer it owns is transferred, not copied. */
export function ingestInWorker(bytes: Uint8Array, opts: IngestOptions, onProgress?: (fraction: number) => void): Promise<IngestResult> {
  const sink = workerSink(0);
  sink.write(bytes);
  return sink.ingest({ ...opts, onProgress }).result;
}

let spreadsheetBaseMs = SPREADSHEET_BASE_MS;

/** The time limit of a spreadsheet parse, before its per-MB part (tests); no argument restores it. */
export function setSpreadsheetTimeLimit(ms = SPREADSHEET_BASE_MS): void {
  spreadsheetBaseMs = ms;
}

/** Stops the worker (server shutdown, tests). Uploads in it fail; the next one starts a new worker. */
export async function stopIngestWorker(): Promise<void> {
  const w = worker;
  if (!w) return;
  await w.terminate();
}

function workerSink(sizeHint: number, expect?: UploadHints): UploadSink {
  const id = nextId++;
  const w = use();
  let state: 'open' | 'ended' | 'aborted' | 'failed' = 'open';
  let batch: Uint8Array[] = [];
  let batched = 0;
  let received = 0;
  // An upload of announced size goes to a spool file; how much of it the worker was told of.
  const spool = sizeHint > 0 ? openSpool() : null;
  let told = 0;
  const closeSpool = () => {
    spool?.close();
    spools.delete(id);
  };
  if (spool) spools.set(id, { worker: w, close: closeSpool });
  let held = true;
  const letGo = () => {
    if (held && worker === w) release();
    held = false;
  };
  /** The worker is done with this upload: it reads the spool file no more. */
  const parsed = () => {
    closeSpool();
    letGo();
  };

  const send = (msg: WorkerRequest, transfer: ArrayBuffer[] = []) => {
    // A worker that died meanwhile already failed this upload (onDeath).
    if (worker === w) w.postMessage(msg, transfer);
  };
  const tell = () => {
    if (!spool || spool.length === told) return;
    told = spool.length;
    send({ type: 'grown', id, length: told });
  };
  const flush = () => {
    tell();
    if (batched === 0) return;
    // A copy that owns its ArrayBuffer (a small Buffer may sit in Node's shared pool: never transfer that).
    const bytes = new Uint8Array(batched);
    let at = 0;
    for (const piece of batch) {
      bytes.set(piece, at);
      at += piece.length;
    }
    batch = [];
    batched = 0;
    send({ type: 'chunk', id, bytes }, [bytes.buffer as ArrayBuffer]);
  };
  const end = <T>(opts: IngestOptions, mode: IngestMode): IngestJob<T> => {
    if (state === 'failed') {
      state = 'ended';
      const full = noRoom();
      return settled({ format: Promise.reject(full), result: Promise.reject(full) });
    }
    if (state !== 'open') throw new Error('This upload was already read or dropped.');
    state = 'ended';
    flush();
    const job: Pending = { format: deferred(), result: deferred(), onProgress: opts.onProgress, onBlock: opts.onBlock, letGo: parsed, bytes: received };
    if (worker !== w) {
      const gone = workerStopped();
      job.format.reject(gone);
      job.result.reject(gone);
    } else {
      pending.set(id, job);
      // Functions cannot cross to the worker: only the plain options go.
      const { filename, sheet, delimiter, encoding, header, limits, distinctFromBlocks } = opts;
      const plain = { filename, sheet, delimiter, encoding, header, limits: { ...limits }, distinctFromBlocks };
      send({ type: 'end', id, opts: plain, mode, blocks: opts.onBlock !== undefined });
    }
    return settled({ format: job.format.promise, result: job.result.promise as Promise<T> });
  };
  /** Tells the worker to drop the upload, and lets go of it here. */
  const drop = () => {
    batch = [];
    send({ type: 'abort', id });
    // A read of the spool file the worker may be doing now only feeds the dropped upload.
    closeSpool();
    letGo();
  };

  send({
    type: 'open',
    id,
    sizeHint,
    ...(expect ? { expect: { filename: expect.filename, limits: { ...expect.limits } } } : {}),
    ...(spool ? { spool: spool.fd } : {}),
  });
  return {
    write(chunk) {
      // After the worker died, the upload fails at its end (workerStopped): nothing to keep.
      if (state !== 'open' || chunk.length === 0 || worker !== w) return;
      received += chunk.length;
      receivedSinceRelease += chunk.length;
      if (receivedSinceRelease >= RELEASE_PIECES_EVERY_BYTES) {
        receivedSinceRelease = 0;
        releaseReceivedPieces();
      }
      if (spool) {
        try {
          spool.write(chunk);
        } catch {
          // The disk is full (or failing): this upload cannot be kept; the server goes on.
          state = 'failed';
          drop();
          return;
        }
        if (spool.length - told >= BATCH_BYTES) tell();
        return;
      }
      const owns = chunk.buffer instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
      if (owns && chunk.length >= BATCH_BYTES) {
        flush();
        send({ type: 'chunk', id, bytes: chunk }, [chunk.buffer as ArrayBuffer]);
        return;
      }
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= BATCH_BYTES) flush();
    },
    ingest: (opts) => end<IngestResult>(opts, 'ingest'),
    inspect: (opts) => end<InspectResult>(opts, 'inspect'),
    abort() {
      if (state !== 'open' && state !== 'failed') return;
      state = 'aborted';
      drop();
    },
  };
}

/** The running worker (started when needed), held alive for one more upload. */
function use(): Worker {
  worker ??= start();
  if (open++ === 0) worker.ref();
  return worker;
}

function release(): void {
  if (--open === 0) worker?.unref(); // idle: do not hold the process open
}

let ringBytes = RING_BYTES;

/** The size of the ring of the next worker started (tests); no argument restores the default. */
export function setRingBytes(bytes = RING_BYTES): void {
  ringBytes = bytes;
}

/** Blocks sent through the running worker's ring, and blocks that did not fit in it (tests). */
export function ringCounts(): { inRing: number; outside: number } | null {
  return ring?.counts() ?? null;
}

function start(): Worker {
  const data: IngestWorkerData = { ring: makeRingBuffer(ringBytes) };
  const w = startModuleWorker(import.meta.url, 'ingest-worker', { workerData: data });
  const reader = new RingReader(data.ring);
  ring = reader;
  w.on('message', (reply: WorkerReply) => onReply(w, reply, reader));
  w.on('error', (err) => onDeath(w, err));
  w.on('exit', () => onDeath(w, null));
  return w;
}

/** What an upload gets when its spool file could not be written (the disk is full, say). */
function noRoom(): AppError {
  return new AppError('UNAVAILABLE', 'The server has no room to keep this file right now. Nothing was saved. Please try again later.');
}

/** What an upload gets when the worker stopped before its file was read (not the file's fault). */
function workerStopped(): AppError {
  return new AppError('UNAVAILABLE', 'The file reader had to restart before this file was read. Nothing was saved. Please upload the file again.');
}

function tooSlow(): AppError {
  return AppError.parse(
    'Reading this spreadsheet took too long, so it was stopped. The file may be damaged: open it in a spreadsheet program, save it again and upload it again.',
  );
}

/** Starts a spreadsheet parse's time limit: past it, the worker is stopped (onDeath answers the jobs). */
function limitTime(w: Worker, job: Pending, format: DatasetFormat): void {
  if (!SPREADSHEETS.has(format)) return;
  const ms = spreadsheetBaseMs + (SPREADSHEET_MS_PER_MB * job.bytes) / (1024 * 1024);
  job.timer = setTimeout(() => {
    job.overran = true;
    void w.terminate();
  }, ms);
  // The worker holds the process open while it parses; the limit alone need not.
  job.timer.unref();
}

function fromWorker(error: WorkerError): Error {
  return error.code ? new AppError(error.code, error.message, error.details ?? {}) : new Error(error.message);
}

/** A block as the request thread uses it: one in the ring says when it is done with it. */
function receivedBlock(block: Extract<WorkerReply, { type: 'block' }>['block'], reader: RingReader): ColumnBlock | null {
  if (!block || !('ring' in block)) return block;
  const seq = block.ring;
  return {
    index: block.index,
    count: block.count,
    columns: block.columns.map((c) => ({ kind: c.kind, data: reader.view(c.offset, c.length) })),
    scales: block.scales,
    expectedRows: block.expectedRows,
    release: () => reader.release(seq),
  };
}

function onReply(w: Worker, reply: WorkerReply, reader: RingReader): void {
  const job = pending.get(reply.id);
  if (reply.type === 'block') {
    const block = receivedBlock(reply.block, reader);
    if (job?.onBlock) job.onBlock(block);
    else block?.release?.();
    return;
  }
  if (!job) return;
  switch (reply.type) {
    case 'format':
      limitTime(w, job, reply.format);
      job.format.resolve(reply.format);
      return;
    case 'progress':
      job.onProgress?.(reply.fraction);
      return;
    case 'done':
      settle(reply.id, job, () => job.result.resolve(reply.result));
      return;
    case 'error': {
      const err = fromWorker(reply.error);
      // A failure before the format was known is the format's answer too (415, or an empty file).
      settle(reply.id, job, () => {
        job.format.reject(err);
        job.result.reject(err);
      });
      return;
    }
  }
}

function settle(id: number, job: Pending, fn: () => void): void {
  pending.delete(id);
  clearTimeout(job.timer);
  job.letGo();
  fn();
}

/** The worker crashed (err) or stopped (null): its uploads fail, and the next one starts a fresh worker. */
function onDeath(w: Worker, err: Error | null): void {
  if (worker !== w) return;
  worker = null; // the next upload starts a fresh one (its sinks no longer count here)
  open = 0;
  for (const spool of [...spools.values()]) if (spool.worker === w) spool.close();
  const jobs = [...pending.values()];
  pending.clear();
  for (const job of jobs) {
    clearTimeout(job.timer);
    // A crash is a fault of ours (500, logged). When stopped, the parse that ran too long is the
    // file's fault; the others only waited behind it.
    const answer = err ?? (job.overran ? tooSlow() : workerStopped());
    job.format.reject(answer);
    job.result.reject(answer);
  }
}
