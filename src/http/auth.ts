// API-key authentication: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';
import type { UsersRepo } from '../db/users.repo.js';
import { hashApiKey, sameHash } from '../modules/users/api-keys.js';

export interface AuthUser {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
  /** The id of the key used for this request. */
  keyId: string;
}

/** lastUsedAt is a hint, not an audit log: write it at most once a minute per key. */
const TOUCH_EVERY_MS = 60_000;

function keyFrom(req: Request): string | null {
  const header = req.get('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match ? match[1] : null;
  }
  return req.get('x-api-key')?.trim() || null;
}

export function authenticate(users: UsersRepo) {
  return async function auth(req: Request, res: Response, next: NextFunction): Promise<void> {
    const key = keyFrom(req);
    if (!key || key.length > 200) throw new AppError('UNAUTHORIZED', 'Send a valid API key: Authorization: Bearer <key>.');
    const hash = hashApiKey(key);
    const found = await users.findKeyByHash(hash);
    if (!found || !sameHash(found.hash, hash)) throw new AppError('UNAUTHORIZED', 'This API key is not valid.');
    const now = new Date();
    if (!found.lastUsedAt || now.getTime() - found.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
      void users.touchKey(found.id, now).catch(() => undefined);
    }
    res.locals.user = { ...found.user, keyId: found.id } satisfies AuthUser;
    next();
  };
}
