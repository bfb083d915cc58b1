// Per-IP and per-key request limits (express-rate-limit), answered with the contract's 429 and a
// Retry-After header. Keys are counted by their hash, so the limiter never holds a key itself.
import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit, type Options } from 'express-rate-limit';
import { AppError } from '../errors.js';

const WINDOW_MS = 60_000;

function keyOf(req: Request): string | null {
  const auth = req.get('authorization');
  const key = auth ? /^Bearer\s+(\S+)/i.exec(auth)?.[1] : req.get('x-api-key')?.trim();
  return key ? createHash('sha256').update(key).digest('hex') : null;
}

function limited(req: Request, _res: Response, next: NextFunction, options: Options): void {
  const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  const retryAfter = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : Math.ceil(options.windowMs / 1000);
  next(new AppError('RATE_LIMITED', `Too many requests. Try again in ${retryAfter} seconds.`, { retryAfter }));
}

export function rateLimits(perMinute: number): RequestHandler[] {
  const common = { windowMs: WINDOW_MS, limit: perMinute, standardHeaders: 'draft-7' as const, legacyHeaders: false, handler: limited };
  return [
    rateLimit({ ...common, identifier: 'ip' }),
    rateLimit({ ...common, identifier: 'key', skip: (req) => keyOf(req) === null, keyGenerator: (req) => `key:${keyOf(req)}` }),
  ];
}
