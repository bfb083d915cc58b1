// The worker_threads entry that receives and parses uploads off the request thread (started by
// ingest-pool.ts). Per upload: `open`, then `chunk`s as the client sends them, then `end` with the
// options (or `abort`). On `end` it answers `format` (the content check), then progress, then `done`
// (the result, its typed arrays transferred, not copied) or `error` (an AppError's code, message and
// details, or a plain message).
//
// An upload of announced size arrives in a SharedArrayBuffer the request thread writes into (it says
// how far with `grown`), so its bytes are copied once, not twice. Other uploads come as `chunk`s,
// assembled here; one such buffer is kept for the next upload for a while (spare-buffer.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../../errors.js';
import { RingWriter } from './block-ring.js';
import { setBlockMemory } from './csv-bytes.js';
import { detectFormat } from './detect-format.js';
import { describeResult, ingestFile } from './ingest.js';
import { GrowingCsv } from './csv-stream.js';
import { spareBuffer } from './spare-buffer.js';
import type { UploadHints } from './ingester.js';
import type { ColumnBlock, DatasetFormat, IngestOptions, IngestResult, InspectResult } from './ingest.types.js';

export type IngestMode = 'ingest' | 'inspect';

export type WorkerRequest =
  /** `shared`: where the request thread writes an upload of announced size (else `chunk`s come). */
  | { type: 'open'; id: number; sizeHint: number; expect?: UploadHints; shared?: SharedArrayBuffer }
  | { type: 'chunk'; id: number; bytes: Uint8Array }
  /** The first `length` bytes of the upload's shared buffer are written. */
  | { type: 'grown'; id: number; length: number }
  | { type: 'end'; id: number; opts: PlainOptions; mode: IngestMode; blocks: boolean }
  | { type: 'abort'; id: number };

/** The options that cross to the worker (functions cannot). */
export type PlainOptions = Omit<IngestOptions, 'onProgress' | 'onBlock'>;

export type WorkerError = { code?: AppError['code']; message: string; details?: Record<string, unknown> };

/** A block whose bytes sit in the ring (block-ring.ts): where each column's bytes are in it. */
export interface RingBlock extends Pick<ColumnBlock, 'scales' | 'expectedRows'> {
  index: number;
  count: number;
  ring: number;
  columns: { kind: ColumnBlock['columns'][number]['kind']; offset: number; length: number }[];
}

/** What starts the worker: the ring blocks go through (shared with the request thread). */
export interface IngestWorkerData {
  ring: SharedArrayBuffer;
}

export type WorkerReply =
  | { id: number; type: 'format'; format: DatasetFormat }
  | { id: number; type: 'progress'; fraction: number }
  | { id: number; type: 'block'; block: Omit<ColumnBlock, 'release'> | RingBlock | null }
  | { id: number; type: 'done'; result: IngestResult | InspectResult }
  | { id: number; type: 'error'; error: WorkerError };

/** The buffers behind a result's columns, each once (a transfer list may not repeat one). */
export function resultBuffers(result: IngestResult): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  for (const col of result.table.columns) {
    const arr = col.type === 'string' ? col.codes : col.values;
    if (arr.buffer instanceof ArrayBuffer) set.add(arr.buffer);
  }
  return [...set];
}

export function toWorkerError(err: unknown): WorkerError {
  if (err instanceof AppError) return { code: err.code, message: err.message, details: err.details };
  return { message: err instanceof Error ? err.message : String(err) };
}

// ---- blocks for the request thread ----

const ring = (workerData as IngestWorkerData | null)?.ring ? new RingWriter((workerData as IngestWorkerData).ring) : null;
if (ring) {
  setBlockMemory((bytes) => {
    const region = ring.take(bytes);
    if (!region) return { memory: new Uint8Array(bytes) };
    return { memory: region.memory, release: () => ring.release(region.seq) };
  });
}

/** A block as it is sent: by its place in the ring, or on its own buffer (transferred). */
function blockReply(id: number, block: ColumnBlock): { reply: WorkerReply; transfer: ArrayBuffer[] } {
  const { index, count, columns, scales, expectedRows } = block;
  const seq = ring && columns.length > 0 ? ring.seqOf(columns[0].data) : null;
  ring?.count(seq !== null);
  if (ring && seq !== null) {
    const inRing = columns.map((c) => ({ kind: c.kind, offset: ring.offsetOf(c.data), length: c.data.byteLength }));
    return { reply: { id, type: 'block', block: { index, count, ring: seq, columns: inRing, scales, expectedRows } }, transfer: [] };
  }
  const transfer = [...new Set(columns.map((c) => c.data.buffer as ArrayBuffer))];
  return { reply: { id, type: 'block', block: { index, count, columns, scales, expectedRows } }, transfer };
}

// ---- assembling an upload ----

/** The first buffer of an upload without a size hint. */
const INITIAL_BYTES = 64 * 1024;
/** The buffer the last upload that came in chunks was assembled in, kept for the next one. */
const buffers = spareBuffer<Uint8Array>((size) => new Uint8Array(size));

class Upload {
  private buf: Uint8Array;
  /** The request thread's buffer (it keeps it for the next upload: never given back here). */
  private shared: boolean;
  length = 0;
  /** Reads the file as a CSV while it arrives (a guess, checked at the end). */
  readonly csv: GrowingCsv | null;
  private feeding = false;
  private ended = false;

  constructor(sizeHint: number, expect?: UploadHints, shared?: SharedArrayBuffer) {
    this.shared = shared !== undefined;
    this.buf = shared ? new Uint8Array(shared) : buffers.take(Math.max(1, sizeHint || INITIAL_BYTES));
    this.csv = expect ? new GrowingCsv(expect.filename, expect.limits, sizeHint || INITIAL_BYTES) : null;
  }

  /** Reads what arrived, once the pieces waiting in the queue are in (not once per piece). */
  private feedSoon(): void {
    if (!this.csv || this.feeding) return;
    this.feeding = true;
    setImmediate(() => {
      this.feeding = false;
      if (!this.ended && this.csv!.feed(this.buf, this.length)) this.feedSoon();
    });
  }

  append(chunk: Uint8Array): void {
    const need = this.length + chunk.length;
    if (need > this.buf.length) {
      // More than announced (no Content-Length, or a chunked body): grow by half again.
      const next = new Uint8Array(Math.max(need, Math.ceil(this.buf.length * 1.5)));
      next.set(this.buf.subarray(0, this.length));
      if (!this.shared) buffers.giveBack(this.buf);
      this.buf = next;
      this.shared = false;
    }
    this.buf.set(chunk, this.length);
    this.length = need;
    this.feedSoon();
  }

  /** The request thread wrote the shared buffer up to `length`. */
  grown(length: number): void {
    this.length = length;
    this.feedSoon();
  }

  /** The whole file (no more pieces come). */
  bytes(): Uint8Array {
    this.ended = true;
    return this.buf.subarray(0, this.length);
  }

  /** Done with the bytes (also when dropped: a read still scheduled then stops). */
  release(): void {
    this.ended = true;
    this.csv?.dropBlocks();
    if (!this.shared) buffers.giveBack(this.buf);
  }
}

const uploads = new Map<number, Upload>();

const port = parentPort;
if (port) {
  port.on('message', (msg: WorkerRequest) => {
    switch (msg.type) {
      case 'open':
        uploads.set(msg.id, new Upload(msg.sizeHint, msg.expect, msg.shared));
        return;
      case 'chunk':
        uploads.get(msg.id)?.append(msg.bytes);
        return;
      case 'grown':
        uploads.get(msg.id)?.grown(msg.length);
        return;
      case 'abort':
        uploads.get(msg.id)?.release();
        uploads.delete(msg.id);
        return;
      case 'end': {
        const upload = uploads.get(msg.id);
        uploads.delete(msg.id);
        if (upload) void finish(msg.id, upload, msg.opts, msg.mode, msg.blocks);
        return;
      }
    }
  });
}

async function finish(id: number, upload: Upload, opts: PlainOptions, mode: IngestMode, blocks: boolean): Promise<void> {
  const post = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => port!.postMessage(reply, transfer);
  const postBlock = (block: ColumnBlock | null) => {
    if (!block) return post({ id, type: 'block', block: null });
    const { reply, transfer } = blockReply(id, block);
    post(reply, transfer);
  };
  try {
    // Nothing of the result points into the upload's bytes (cells become new strings and numbers),
    // so its buffer can serve the next upload.
    const bytes = upload.bytes();
    const { format } = await detectFormat(bytes, opts.filename, { delimiter: opts.delimiter, encoding: opts.encoding });
    post({ id, type: 'format', format });
    const full: IngestOptions = {
      ...opts,
      onProgress: (fraction) => post({ id, type: 'progress', fraction }),
      ...(blocks ? { onBlock: (block: ColumnBlock | null) => postBlock(block) } : {}),
    };
    // Most of a CSV may be read already; otherwise (or when the guess was wrong) from the start.
    const result = upload.csv?.finish(bytes, format, full) ?? (await ingestFile(bytes, full));
    if (mode === 'inspect') post({ id, type: 'done', result: describeResult(result) });
    else post({ id, type: 'done', result }, resultBuffers(result));
  } catch (err) {
    post({ id, type: 'error', error: toWorkerError(err) });
  } finally {
    upload.release();
  }
}
