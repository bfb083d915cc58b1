// The worker_threads entry that parses uploads off the request thread (started by ingest-pool.ts).
// One message in: { id, bytes, opts }. Messages out: progress, then done (the result, its typed
// arrays transferred, not copied) or error (an AppError's code/message/details, or a plain message).
import { parentPort } from 'node:worker_threads';
import { AppError } from '../../errors.js';
import { ingestFile } from './ingest.js';
import type { IngestOptions, IngestResult } from './ingest.types.js';

export interface IngestRequest {
  id: number;
  bytes: Uint8Array;
  opts: Omit<IngestOptions, 'onProgress'>;
}

export type IngestReply =
  | { id: number; type: 'progress'; fraction: number }
  | { id: number; type: 'done'; result: IngestResult }
  | { id: number; type: 'error'; error: { code?: AppError['code']; message: string; details?: Record<string, unknown> } };

/** The buffers behind a result's columns, each once (a transfer list may not repeat one). */
export function resultBuffers(result: IngestResult): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  for (const col of result.table.columns) {
    const arr = col.type === 'string' ? col.codes : col.values;
    if (arr.buffer instanceof ArrayBuffer) set.add(arr.buffer);
  }
  return [...set];
}

const port = parentPort;
if (port) {
  port.on('message', (req: IngestRequest) => {
    void handle(req);
  });
}

async function handle(req: IngestRequest): Promise<void> {
  const post = (reply: IngestReply, transfer: ArrayBuffer[] = []) => port!.postMessage(reply, transfer);
  try {
    const result = await ingestFile(req.bytes, {
      ...req.opts,
      onProgress: (fraction) => post({ id: req.id, type: 'progress', fraction }),
    });
    post({ id: req.id, type: 'done', result }, resultBuffers(result));
  } catch (err) {
    if (err instanceof AppError) {
      post({ id: req.id, type: 'error', error: { code: err.code, message: err.message, details: err.details } });
    } else {
      post({ id: req.id, type: 'error', error: { message: err instanceof Error ? err.message : String(err) } });
    }
  }
}
