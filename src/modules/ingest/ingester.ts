// How an upload reaches a parser. The file arrives in pieces while the client sends it (the upload
// middleware writes each piece into a sink), so nothing has to hold it whole before the parser
// does. When the last piece is in, `ingest` or `inspect` says how to read it: the format check comes
// back first (a 415 is answered in the request, and a big upload can answer 202 while it parses).
import type { DatasetFormat, IngestLimits, IngestOptions, IngestResult, InspectResult } from './ingest.types.js';

export interface IngestJob<T> {
  /** The file's format, from its content; rejects with the 415 (or a 422 for an empty file). */
  format: Promise<DatasetFormat>;
  /** The parse; rejects as the parser does (413/415/422, or 400 for a bad sheet or delimiter). */
  result: Promise<T>;
}

export interface UploadSink {
  /** The next piece of the file. The sink owns it from now on: the caller must not change or reuse it. */
  write(chunk: Uint8Array): void;
  /** All pieces are in: detect the format, then parse into a typed table. */
  ingest(opts: IngestOptions): IngestJob<IngestResult>;
  /** All pieces are in: detect the format, then describe what an upload would make of the file. */
  inspect(opts: IngestOptions): IngestJob<InspectResult>;
  /** Drops the file (the request failed or the client went away). Does nothing once ingest/inspect ran. */
  abort(): void;
}

export interface Ingester {
  /**
   * A sink for one upload; `sizeHint` is the most it will receive (e.g. the request's Content-Length).
   * `expect` tells what it will likely be read with, so a parser may start before the end.
   */
  receive(sizeHint: number, expect?: UploadHints): UploadSink;
}

/** What an upload is likely to be read with, known when it starts (the ingest options may still differ). */
export interface UploadHints {
  filename: string;
  limits: IngestLimits;
}

export interface ParseFunctions {
  ingest(bytes: Uint8Array, opts: IngestOptions): Promise<IngestResult>;
  inspect(bytes: Uint8Array, opts: IngestOptions): Promise<InspectResult>;
}

/**
 * The parsers, loaded on first use: the app parses in the ingest worker, so the request thread never
 * loads them (SheetJS and papaparse alone add about 17 MB to a thread's memory).
 */
const parsers = () => import('./ingest.js');
const inThisThread: ParseFunctions = {
  ingest: async (bytes, opts) => (await parsers()).ingestFile(bytes, opts),
  inspect: async (bytes, opts) => (await parsers()).inspectFile(bytes, opts),
};

/**
 * Keeps the pieces, then parses in this thread once the whole file is in. For tests and benchmarks
 * (the app parses in the ingest worker); `parse` lets a test put in a parser that hangs or fails.
 */
export function bufferedIngester(parse: ParseFunctions = inThisThread): Ingester {
  return {
    receive() {
      let chunks: Uint8Array[] | null = [];
      const whole = (): Uint8Array => {
        if (!chunks) throw new Error('This upload was already read or dropped.');
        const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        chunks = null;
        return bytes;
      };
      const run = <T>(opts: IngestOptions, read: (bytes: Uint8Array, opts: IngestOptions) => Promise<T>): IngestJob<T> => {
        const bytes = whole();
        const format = import('./detect-format.js')
          .then(({ detectFormat }) => detectFormat(bytes, opts.filename, { delimiter: opts.delimiter, encoding: opts.encoding }))
          .then((d) => d.format);
        return settled({ format, result: format.then(() => read(bytes, opts)) });
      };
      return {
        write(chunk) {
          chunks?.push(chunk);
        },
        ingest: (opts) => run(opts, parse.ingest),
        inspect: (opts) => run(opts, parse.inspect),
        abort() {
          chunks = null;
        },
      };
    },
  };
}

/**
 * The job with both promises marked as looked after: a caller that stops at a rejected `format`
 * never awaits `result`, and an unawaited rejection would otherwise end the process.
 */
export function settled<T>(job: IngestJob<T>): IngestJob<T> {
  job.format.catch(() => undefined);
  job.result.catch(() => undefined);
  return job;
}
