// The one place that turns anything thrown into the contract's error body.
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, errorBody } from '../errors.js';
import { isDatabaseDown, isReferenceGone, isUnstorableText } from '../db/db-errors.js';

interface HttpishError {
  code?: string;
  type?: string;
  status?: number;
  statusCode?: number;
  field?: string;
}

/** Maps errors from libraries (multer, body parsers, the database) to AppErrors. */
export function toAppError(err: unknown, maxUploadMb: number): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as HttpishError & Error;
  if (e.name === 'MulterError') {
    if (e.code === 'LIMIT_FILE_SIZE') return new AppError('FILE_TOO_LARGE', `The file is larger than the ${maxUploadMb} MB limit.`);
    if (e.code === 'LIMIT_UNEXPECTED_FILE') return AppError.validation([{ path: e.field ?? 'file', message: 'Send one file, in the field named "file".' }]);
    return AppError.validation([{ path: e.field ?? 'file', message: e.message }]);
  }
  // busboy (under multer): a multipart body that is cut off or badly formed.
  if (/^(Malformed part header|Unexpected end of form|Multipart: Boundary not found|Malformed urlencoded form)/.test(e.message ?? '')) {
    return AppError.validation([{ path: 'file', message: 'The multipart body is cut off or badly formed. Send the file again.' }]);
  }
  if (e.type === 'entity.too.large') return new AppError('FILE_TOO_LARGE', 'The request body is larger than 1 MB.');
  if (e.type === 'entity.parse.failed') return AppError.validation([{ path: 'body', message: 'The body is not valid JSON.' }]);
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return AppError.validation([{ path: 'body', message: 'Send the body as UTF-8 JSON.' }]);
  if (isDatabaseDown(err)) return new AppError('UNAVAILABLE', 'The database cannot be reached right now. Try again soon.');
  // Deleted by another request while this one was writing something that belongs to it.
  if (isReferenceGone(err)) return new AppError('NOT_FOUND', 'It was deleted while your request was running.');
  if (isUnstorableText(err)) {
    return AppError.validation([{ path: 'request', message: 'Text cannot contain NUL characters (\\u0000). Remove them and try again.' }]);
  }
  const status = e.status ?? e.statusCode;
  if (status === 400) return AppError.validation([{ path: 'request', message: e.message }]);
  return new AppError('INTERNAL', 'Something went wrong on our side.');
}

export function errorHandler(logger: Logger, opts: { isProduction: boolean; maxUploadMb: number }) {
  // Express recognizes error middleware by its four parameters.
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const appError = toAppError(err, opts.maxUploadMb);
    const requestId = String(res.locals.requestId ?? '');
    if (appError.code === 'INTERNAL' || appError.code === 'UNAVAILABLE') {
      logger.error({ err, requestId, method: req.method, url: req.originalUrl }, 'request failed');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // In development an internal error carries its message to help debugging; never a stack.
    const message = appError.code === 'INTERNAL' && !opts.isProduction && err instanceof Error ? `Something went wrong on our side: ${err.message}` : appError.message;
    if (appError.code === 'RATE_LIMITED' && appError.details.retryAfter) res.setHeader('Retry-After', String(appError.details.retryAfter));
    res.status(appError.status).json(errorBody(appError.code, message, appError.details, requestId));
  };
}
