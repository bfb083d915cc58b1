// Multipart uploads: the file part streams into an upload sink (the ingest worker, through a spool
// file) while it arrives, so it is never held whole in the request thread. The size limit
// stops the stream as soon as it is passed (413). The sink is dropped when the request ends without
// the file being read (an error, a bad field, a client that went away).
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { AppError } from '../errors.js';
import type { UploadSink } from '../modules/ingest/ingester.js';

/** What the upload middleware leaves in req.file. */
export interface ReceivedFile {
  originalname: string;
  size: number;
  sink: UploadSink;
}

/** Opens the sink for one file: at most `sizeHint` bytes, named `originalname` by the client. */
export type OpenSink = (sizeHint: number, originalname: string) => UploadSink;

/** Room for the multipart framing and the text fields around the file. */
const FRAMING_BYTES = 64 * 1024;

/** A multer storage engine that writes the file's pieces into a sink as they come. */
function sinkStorage(open: OpenSink, maxBytes: number): multer.StorageEngine {
  return {
    _handleFile(req, file, cb) {
      // The body is the file plus a little framing: Content-Length sizes the sink's buffer up front.
      const declared = Number(req.headers['content-length']);
      const sink = open(Number.isFinite(declared) && declared > 0 ? Math.min(declared, maxBytes) : 0, file.originalname ?? '');
      // Whatever happens, a sink the handler did not read is dropped when the response is over
      // (abort does nothing after a read).
      (req as Request).res?.once('close', () => sink.abort());
      let size = 0;
      let failed = false;
      file.stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        sink.write(chunk);
      });
      file.stream.on('error', (err) => {
        failed = true;
        sink.abort();
        cb(err);
      });
      file.stream.on('end', () => {
        if (failed) return;
        // multer reports a size limit itself (LIMIT_FILE_SIZE), after this: the sink is dropped then.
        cb(null, { size, sink } satisfies Partial<ReceivedFile> as Partial<Express.Multer.File>);
      });
    },
    _removeFile(_req, file, cb) {
      (file as unknown as Partial<ReceivedFile>).sink?.abort();
      cb(null);
    },
  };
}

/** The file the upload middleware received (it answers 400 before the handler when there is none). */
export function receivedFile(req: Request): ReceivedFile {
  return req.file as unknown as ReceivedFile;
}

export function uploadMiddleware(opts: { maxBytes: number; open: OpenSink }): RequestHandler {
  const single = multer({
    storage: sinkStorage(opts.open, opts.maxBytes + FRAMING_BYTES),
    // Keep the client's name whole (busboy would turn `..` into an empty name, and multer then drops
    // the file): it is only shown back, after safeFilename() keeps its last segment.
    preservePath: true,
    limits: { fileSize: opts.maxBytes, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 25, headerPairs: 100 },
  }).single('file');

  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('multipart/form-data')) {
      next(AppError.validation([{ path: 'file', message: 'Send the file as multipart/form-data, in a field named "file".' }]));
      return;
    }
    // Answer early when the client tells us the body is too big.
    const declared = Number(req.get('content-length'));
    if (Number.isFinite(declared) && declared > opts.maxBytes + FRAMING_BYTES) {
      req.resume();
      next(new AppError('FILE_TOO_LARGE', `The file is larger than the ${Math.round(opts.maxBytes / 1048576)} MB limit.`));
      return;
    }
    single(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (!req.file) return next(AppError.validation([{ path: 'file', message: 'Add the file in a field named "file".' }]));
      next();
    });
  };
}
