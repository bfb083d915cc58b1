// Splits a pass over many rows between the request thread and one helper thread, so that a big
// analysis uses both cores. The rows are cut into chunks; both threads take the next chunk from a
// shared counter until none is left, so a slow helper (still starting, or its core busy with other
// work) only means the request thread does more of them. Each chunk's result is kept apart and the
// caller merges them in chunk order: the answer does not depend on which thread did which chunk.
// overItems does the same with whole items (the columns of a summary), one at a time.
//
// The request thread waits for the helper's last chunk with Atomics.wait, so the analysis functions
// stay synchronous. Only typed arrays backed by a SharedArrayBuffer can be shared (columns read from
// the database are: see shared-arrays.ts). With any other typed array, or fewer rows than
// minParallelRows, the whole range is one chunk run on this thread: the single pass it always was.
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { startModuleWorker } from '../module-worker.js';
import { CTRL_NEXT, CTRL_STATE, STATE_CANCELLED, STATE_DONE, STATE_POSTED, STATE_TAKEN, type HelperJob, type HelperReply } from './helper-protocol.js';

/** A loop over rows that can run in chunks, on either thread (kernels.ts names them for the helper). */
export interface RowKernel<A> {
  name: string;
  /** The part of the answer for rows (or items) [start, end): a small array of numbers. */
  run(args: A, start: number, end: number): number[];
}

/** Rows per chunk: a multiple of every block size a kernel uses (pearson's 4,096). */
const CHUNK_ROWS = 65_536;
/** Below this, a pass runs whole on the request thread (the hand-over costs about 0.1 ms). */
const DEFAULT_MIN_PARALLEL_ROWS = 4 * CHUNK_ROWS;
/**
 * The helper's young generation. Each job reaches the helper as small objects wrapping the shared
 * arrays, and an array lives on while any wrapper does: a month bucketing's 4 MB of levels, made for
 * one request, too. The helper allocates little, so with V8's default (16 MB) its wrappers waited long
 * for a collection: RSS rose by 4 MB per such request, up to about 550 MB more, between them. With
 * 1 MB they go within a few jobs; RSS stayed flat over 250 requests, and the passes were no slower.
 */
const HELPER_YOUNG_MB = 1;
/** Longest the request thread waits for the helper's chunks before it does them itself. */
const HELPER_WAIT_MS = 10_000;
/**
 * The helper stops after this long without a job, and the next big pass starts it again: a thread
 * takes about 14 MB, which an idle server, or one that only receives uploads, does not need.
 */
const HELPER_IDLE_MS = 60_000;

let minParallelRows = DEFAULT_MIN_PARALLEL_ROWS;
let helperWaitMs = HELPER_WAIT_MS;
let helperIdleMs = HELPER_IDLE_MS;
/** Chunks the helper thread has brought back since start, by kernel (tests check it takes part). */
export const helperChunks = new Map<string, number>();
/** Times a helper did not answer in time and was let go (tests check the request thread copes). */
export const helperGiveUps = { count: 0 };
interface Helper {
  worker: Worker;
  port: MessagePort;
  /** When it was last given a job (Date.now()). */
  lastJob: number;
  idleCheck: NodeJS.Timeout;
}
let helper: Helper | null = null;
let nextJob = 1;

/** Tests split small tables too (the default is restored with no argument). */
export function setMinParallelRows(rows = DEFAULT_MIN_PARALLEL_ROWS): void {
  minParallelRows = rows;
}

/** Tests let the helper stop sooner when idle (the default is restored with no argument); for the next helper started. */
export function setHelperIdleMs(ms = HELPER_IDLE_MS): void {
  helperIdleMs = ms;
}

/** Whether a helper thread is running (tests). */
export function helperRunning(): boolean {
  return helper !== null;
}

/** Tests make the helper "hang" by not waiting for it (the default is restored with no argument). */
export function setHelperWaitMs(ms = HELPER_WAIT_MS): void {
  helperWaitMs = ms;
}

/** Whether a pass over this many rows may be split (callers allocate shared arrays for it then). */
export function splitsRows(rows: number): boolean {
  return rows >= minParallelRows;
}

/** Starts the helper thread now rather than on the first big pass (tests). */
export function startRowHelper(): void {
  useHelper();
}

/** Stops the helper thread (tests); the next big pass starts a new one. */
export async function stopRowHelper(): Promise<void> {
  if (helper) await stopHelper(helper);
}

/** The kernel's result for each chunk of rows [0, rows), in chunk order. */
export function overChunks<A extends object>(kernel: RowKernel<A>, args: A, rows: number): number[][] {
  if (!splitsRows(rows)) return [kernel.run(args, 0, rows)];
  return split(kernel, args, rows, CHUNK_ROWS);
}

/**
 * The kernel's result for each of `items` items taken one at a time (e.g. the columns of a summary,
 * each a long pass of its own), in item order. The caller decides that the items are worth it.
 */
export function overItems<A extends object>(kernel: RowKernel<A>, args: A, items: number): number[][] {
  return split(kernel, args, items, 1);
}

function split<A extends object>(kernel: RowKernel<A>, args: A, rows: number, chunkRows: number): number[][] {
  const chunks = Math.ceil(rows / chunkRows);
  const h = chunks > 1 && sharedOnly(args) ? useHelper() : null;
  if (!h) return [kernel.run(args, 0, rows)];
  const ctrl = new Int32Array(new SharedArrayBuffer(8));
  const job: HelperJob = { id: nextJob++, kernel: kernel.name, args, rows, chunkRows, ctrl };
  h.lastJob = Date.now();
  h.port.postMessage(job);
  const results: (number[] | undefined)[] = new Array(chunks);
  const runChunk = (c: number) => (results[c] = kernel.run(args, c * chunkRows, Math.min(rows, (c + 1) * chunkRows)));
  for (let c = Atomics.add(ctrl, CTRL_NEXT, 1); c < chunks; c = Atomics.add(ctrl, CTRL_NEXT, 1)) runChunk(c);
  // The helper either never took the job (it is cancelled now) or is finishing its last chunk.
  if (Atomics.compareExchange(ctrl, CTRL_STATE, STATE_POSTED, STATE_CANCELLED) !== STATE_POSTED) collect(h, job, results);
  // Chunks the helper took but did not bring back (it failed or was stopped) are done here.
  for (let c = 0; c < chunks; c++) if (!results[c]) runChunk(c);
  return results as number[][];
}

/** Waits for the helper to finish the job, then files its chunks' results. */
function collect(h: Helper, job: HelperJob, results: (number[] | undefined)[]): void {
  const { id, ctrl } = job;
  const deadline = Date.now() + helperWaitMs;
  while (Atomics.load(ctrl, CTRL_STATE) !== STATE_DONE) {
    const left = deadline - Date.now();
    if (left <= 0) {
      // Stuck or gone: let it go; its chunks are redone by the caller.
      helperGiveUps.count++;
      void stopHelper(h);
      return;
    }
    Atomics.wait(ctrl, CTRL_STATE, STATE_TAKEN, left);
  }
  // The reply was posted before DONE was set. Replies to jobs given up on earlier are skipped.
  for (let got = receiveMessageOnPort(h.port); got; got = receiveMessageOnPort(h.port)) {
    const reply = got.message as HelperReply;
    if (reply.id !== id) continue;
    for (const [c, part] of reply.parts) results[c] = part;
    helperChunks.set(job.kernel, (helperChunks.get(job.kernel) ?? 0) + reply.parts.length);
    return;
  }
}

function useHelper(): Helper | null {
  if (helper) return helper;
  try {
    const worker = startModuleWorker(import.meta.url, 'helper-thread', { resourceLimits: { maxYoungGenerationSizeMb: HELPER_YOUNG_MB } });
    const { port1, port2 } = new MessageChannel();
    // Replies are read with receiveMessageOnPort only: port1 gets no listener and holds nothing open.
    worker.postMessage({ port: port2 }, [port2]);
    worker.unref();
    const idleMs = helperIdleMs;
    const h: Helper = {
      worker,
      port: port1,
      lastJob: Date.now(),
      idleCheck: setInterval(() => {
        if (Date.now() - h.lastJob >= idleMs) void stopHelper(h);
      }, Math.max(10, idleMs / 4)).unref(),
    };
    worker.on('error', () => void stopHelper(h));
    worker.on('exit', () => void stopHelper(h));
    helper = h;
    return h;
  } catch {
    return null;
  }
}

async function stopHelper(h: Helper): Promise<void> {
  if (helper === h) helper = null;
  clearInterval(h.idleCheck);
  h.port.close();
  await h.worker.terminate();
}

/** Every typed array among the arguments (or in an array argument) is backed by a SharedArrayBuffer. */
function sharedOnly(args: object): boolean {
  const shared = (v: unknown) => !ArrayBuffer.isView(v) || v.buffer instanceof SharedArrayBuffer;
  return Object.values(args).every((v) => (Array.isArray(v) ? v.every(shared) : shared(v)));
}
