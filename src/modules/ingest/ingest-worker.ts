// The worker_threads entry that receives and parses uploads off the request thread (started by
// ingest-pool.ts). Per upload: `open`, then `chunk`s as the client sends them, then `end` with the
// options (or `abort`). On `end` it answers `format` (the content check), then progress, then `done`
// (the result, its columns on SharedArrayBuffers: shared, not copied) or `error` (an AppError's code,
// message and details, or a plain message).
//
// Nothing leaves this thread by transfer: a transfer detaches a buffer, and once any buffer of a
// thread has been detached, V8 checks every typed-array access in it for that. The CSV scan ran
// 20-25% slower from then on (csv-bytes.ts), and the first transfer was the warm-up's result.
//
// An upload usually arrives in a spool file the request thread writes (upload-spool.ts; it says how
// far with `grown`), read here a window at a time, so the file is never held in memory whole. Only
// a file that is not a CSV the scan can read (a spreadsheet, JSON, another encoding...) is read
// into memory, for the usual parse. Without a spool file (none could be made, or the size was not
// announced) it comes as `chunk`s, assembled here; one such buffer is kept for the next upload for a
// while (spare-buffer.ts).
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { sharedCopy } from '../../core/parallel/shared-arrays.js';
import { releaseUploadMemory } from '../../core/release-memory.js';
import { AppError } from '../../errors.js';
import { RingWriter } from './block-ring.js';
import { setBlockMemory } from './csv-bytes.js';
import { detectFormat } from './detect-format.js';
import { describeResult, ingestFile } from './ingest.js';
import { GrowingCsv, type UploadBytes } from './csv-stream.js';
import { spareBuffer } from './spare-buffer.js';
import type { UploadHints } from './ingester.js';
import type { ColumnBlock, DatasetFormat, IngestOptions, IngestResult, InspectResult } from './ingest.types.js';

export type IngestMode = 'ingest' | 'inspect';

export type WorkerRequest =
  /**
   * `spool`: the file descriptor of the spool file the request thread writes the upload into (else
   * `chunk`s come). The request thread closes it once this upload is done, failed or dropped.
   */
  | { type: 'open'; id: number; sizeHint: number; expect?: UploadHints; spool?: number }
  | { type: 'chunk'; id: number; bytes: Uint8Array }
  /** The first `length` bytes of the upload's spool file are written. */
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

/**
 * The result with every column on a SharedArrayBuffer: the CSV scan makes them so; the other
 * parsers' columns are copied once (a transfer would detach them, see above).
 */
export function sharedResult(result: IngestResult): IngestResult {
  const columns = result.table.columns.map((col) => {
    if (col.type === 'string') return col.codes.buffer instanceof SharedArrayBuffer ? col : { ...col, codes: sharedCopy(col.codes) };
    return col.values.buffer instanceof SharedArrayBuffer ? col : { ...col, values: sharedCopy(col.values) };
  });
  return { ...result, table: { ...result.table, columns } };
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
    // No room in the ring: a buffer of the block's own, shared too (never transferred).
    if (!region) return { memory: new Uint8Array(new SharedArrayBuffer(bytes)) };
    return { memory: region.memory, release: () => ring.release(region.seq) };
  });
}

/** A block as it is sent: by its place in the ring, or on its own (shared) buffer. */
function blockReply(id: number, block: ColumnBlock): WorkerReply {
  const { index, count, columns, scales, expectedRows } = block;
  const seq = ring && columns.length > 0 ? ring.seqOf(columns[0].data) : null;
  ring?.count(seq !== null);
  if (ring && seq !== null) {
    const inRing = columns.map((c) => ({ kind: c.kind, offset: ring.offsetOf(c.data), length: c.data.byteLength }));
    return { id, type: 'block', block: { index, count, ring: seq, columns: inRing, scales, expectedRows } };
  }
  return { id, type: 'block', block: { index, count, columns, scales, expectedRows } };
}

// ---- assembling an upload ----

/** The first buffer of an upload without a size hint. */
const INITIAL_BYTES = 64 * 1024;
/** The buffer the last upload that came in chunks was assembled in, kept for the next one. */
const buffers = spareBuffer<Uint8Array>((size) => new Uint8Array(size));
/** Where windows of spool files are read into: one for all uploads (each read is used at once). */
let windowBuf = Buffer.allocUnsafe(0);
/** A window buffer grown past this (a line longer than a read step) is not kept after its upload. */
const KEPT_WINDOW_BYTES = 8 * 1024 * 1024;

/** Reads the spool file's bytes [from, to) into `into` (from its start). */
function readSpool(fd: number, into: Uint8Array, from: number, to: number): void {
  for (let at = 0; from + at < to; ) {
    const n = readSync(fd, into, at, to - from - at, from + at);
    if (n === 0) throw new Error('The upload file ended before the bytes it was said to hold.');
    at += n;
  }
}

class Upload implements UploadBytes {
  /** The upload in memory (chunks), or null when it is in a spool file. */
  private buf: Uint8Array | null;
  length = 0;
  /** Reads the file as a CSV while it arrives (a guess, checked at the end). */
  readonly csv: GrowingCsv | null;
  private feeding = false;
  private ended = false;
  /** The whole file read from the spool file, once asked for. */
  private whole: Uint8Array | null = null;

  constructor(sizeHint: number, expect?: UploadHints, private readonly spool?: number) {
    this.buf = spool === undefined ? buffers.take(Math.max(1, sizeHint || INITIAL_BYTES)) : null;
    this.csv = expect ? new GrowingCsv(expect.filename, expect.limits, sizeHint || INITIAL_BYTES, this) : null;
  }

  window(from: number, to: number): { bytes: Uint8Array; base: number } {
    if (this.buf) return { bytes: this.buf.subarray(0, to), base: 0 };
    if (windowBuf.length < to - from) windowBuf = Buffer.allocUnsafe(Math.max(to - from, windowBuf.length * 2));
    readSpool(this.spool!, windowBuf, from, to);
    return { bytes: windowBuf.subarray(0, to - from), base: from };
  }

  copy(from: number, to: number): Uint8Array {
    if (this.buf) return this.buf.subarray(from, to);
    const bytes = new Uint8Array(to - from);
    readSpool(this.spool!, bytes, from, to);
    return bytes;
  }

  /** Reads what arrived, once the pieces waiting in the queue are in (not once per piece). */
  private feedSoon(): void {
    if (!this.csv || this.feeding) return;
    this.feeding = true;
    setImmediate(() => {
      this.feeding = false;
      if (!this.ended && this.csv!.feed()) this.feedSoon();
    });
  }

  append(chunk: Uint8Array): void {
    if (!this.buf) throw new Error('This upload comes through its spool file, not in chunks.');
    const need = this.length + chunk.length;
    if (need > this.buf.length) {
      // More than announced (no Content-Length, or a chunked body): grow by half again.
      const next = new Uint8Array(Math.max(need, Math.ceil(this.buf.length * 1.5)));
      next.set(this.buf.subarray(0, this.length));
      buffers.giveBack(this.buf);
      this.buf = next;
    }
    this.buf.set(chunk, this.length);
    this.length = need;
    this.feedSoon();
  }

  /** The request thread wrote the spool file up to `length`. */
  grown(length: number): void {
    this.length = length;
    this.feedSoon();
  }

  /** No more pieces come: reading goes on only from finish(). */
  end(): void {
    this.ended = true;
  }

  /** The whole file in memory (read from the spool file when it is there). */
  bytes(): Uint8Array {
    if (this.buf) return this.buf.subarray(0, this.length);
    return (this.whole ??= this.copy(0, this.length));
  }

  /** Done with the bytes (also when dropped: a read still scheduled then stops). */
  release(): void {
    this.ended = true;
    this.csv?.dropBlocks();
    if (this.buf) buffers.giveBack(this.buf);
    this.buf = null;
    this.whole = null;
    if (windowBuf.length > KEPT_WINDOW_BYTES) windowBuf = Buffer.allocUnsafe(0);
  }
}

const uploads = new Map<number, Upload>();

const port = parentPort;
if (port) {
  port.on('message', (msg: WorkerRequest) => {
    switch (msg.type) {
      case 'open':
        uploads.set(msg.id, new Upload(msg.sizeHint, msg.expect, msg.spool));
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

/** Files from this size on are followed by a full collection in this thread (see finish). */
const RELEASE_AFTER_BYTES = 8 * 1024 * 1024;

/** How much of the file's start tells a CSV's format (the rest only has more rows). */
const DETECT_BYTES = 1024 * 1024;

/**
 * The format, as detectFormat says for the whole file. While the CSV guess holds (its scan saw a
 * UTF-8 text that is no JSON, and checks that the rest is UTF-8 too), the file's start decides it,
 * cut after a line end: a spool file is then not read into memory for the check.
 */
function detectUploadFormat(upload: Upload, opts: PlainOptions) {
  const detect = { delimiter: opts.delimiter, encoding: opts.encoding };
  if (!upload.csv?.reading || upload.length <= DETECT_BYTES) return detectFormat(upload.bytes(), opts.filename, detect);
  const start = upload.copy(0, DETECT_BYTES);
  const cut = start.lastIndexOf(10) + 1;
  if (cut === 0) return detectFormat(upload.bytes(), opts.filename, detect);
  const head = start.subarray(0, cut);
  return detectFormat(head, opts.filename, detect).then((d) => (d.format === 'csv' || d.format === 'tsv' ? d : detectFormat(upload.bytes(), opts.filename, detect)));
}

async function finish(id: number, upload: Upload, opts: PlainOptions, mode: IngestMode, blocks: boolean): Promise<void> {
  const post = (reply: WorkerReply) => port!.postMessage(reply);
  const postBlock = (block: ColumnBlock | null) => post(block ? blockReply(id, block) : { id, type: 'block', block: null });
  try {
    // Nothing of the result points into the upload's bytes (cells become new strings and numbers),
    // so its buffer can serve the next upload.
    upload.end();
    // A file that came in whole before the worker got to it: the CSV guess starts now (the first
    // step reads the start), so that it too is read a window at a time.
    upload.csv?.feed();
    const { format } = await detectUploadFormat(upload, opts);
    post({ id, type: 'format', format });
    const full: IngestOptions = {
      ...opts,
      onProgress: (fraction) => post({ id, type: 'progress', fraction }),
      ...(blocks ? { onBlock: (block: ColumnBlock | null) => postBlock(block) } : {}),
    };
    // Most of a CSV may be read already; otherwise (or when the guess was wrong) from the start.
    const result = upload.csv?.finish(format, full) ?? (await ingestFile(upload.bytes(), full));
    if (mode === 'inspect') post({ id, type: 'done', result: describeResult(result) });
    else post({ id, type: 'done', result: sharedResult(result) });
  } catch (err) {
    post({ id, type: 'error', error: toWorkerError(err) });
  } finally {
    const size = upload.length;
    upload.release();
    // The columns' memory is shared with the request thread: it goes when both threads have let go
    // of them, and this one lets go only at a full collection, which a thread that makes few
    // objects runs seldom (without this, two uploads' columns were still held: 310 MB before an
    // upload instead of 167). Only after a big file: small ones leave little, and come often.
    if (size >= RELEASE_AFTER_BYTES) releaseUploadMemory();
  }
}
