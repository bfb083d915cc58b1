// One log line per request when it is over, through the app's pino logger: info for answers below
// 400, warn for 4xx, error for 5xx. A request the client gave up on before its answer was sent says
// "request aborted" (at info when its status was good: clients leave all the time, e.g. a browser
// tab that is closed, and that is not a problem of the server).
//
// Why not pino-http: for every request it made a child logger with the request serialized into it
// (two pino children), before knowing whether anything would be written. Under chart load on
// PostgreSQL that was a third of the memory that outlived V8's young-generation collections (which
// must then be copied and later swept as old objects), and 3% of the server's time, even at
// LOG_LEVEL=warn where nothing of a good request is written. Here nothing is built unless the
// line's level is on.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

export function requestLog(logger: Logger): RequestHandler {
  return function logRequest(req: Request, res: Response, next: NextFunction): void {
    const started = performance.now();
    const over = () => {
      res.off('finish', over);
      res.off('close', over);
      const status = res.statusCode;
      const aborted = !res.writableFinished;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          req: { id: String(res.locals.requestId ?? ''), method: req.method, url: req.originalUrl },
          res: { statusCode: status },
          responseTime: Math.round(performance.now() - started),
        },
        aborted ? 'request aborted' : 'request completed',
      );
    };
    res.on('finish', over);
    res.on('close', over);
    next();
  };
}
