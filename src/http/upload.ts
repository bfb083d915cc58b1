// Multipart uploads go to a temp file with a random name in the upload folder (never the client's
// name, so `../` in a file name cannot write anywhere). The size limit stops the stream as soon as
// it is passed (413); the temp file is removed when the request ends, whatever happened.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { AppError } from '../errors.js';

export function uploadMiddleware(opts: { dir: string; maxBytes: number }): RequestHandler {
  mkdirSync(opts.dir, { recursive: true });
  const storage = multer.diskStorage({
    destination: opts.dir,
    filename: (_req, _file, cb) => cb(null, `upload-${randomBytes(12).toString('hex')}`),
  });
  const single = multer({
    storage,
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
    if (Number.isFinite(declared) && declared > opts.maxBytes + 64 * 1024) {
      req.resume();
      next(new AppError('FILE_TOO_LARGE', `The file is larger than the ${Math.round(opts.maxBytes / 1048576)} MB limit.`));
      return;
    }
    res.on('close', () => {
      if (req.file?.path) unlink(req.file.path).catch(() => undefined);
    });
    single(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (!req.file) return next(AppError.validation([{ path: 'file', message: 'Add the file in a field named "file".' }]));
      next();
    });
  };
}
