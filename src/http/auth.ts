// API-key authentication: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';
import type { DatasetRecord } from '../db/datasets.repo.js';
import type { UsersRepo } from '../db/users.repo.js';
import { hashApiKey, sameHash } from '../modules/users/api-keys.js';

export interface AuthUser {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
  /** The id of the key used for this request. */
  keyId: string;
  /**
   * The dataset the request's path names (`/datasets/<id>/…`), read together with the key: one
   * database read instead of two for most requests. `record` is null when the user has no dataset
   * with that id. Absent when the path names none or it was not read. Read paths pass it to the
   * datasets service's findOwned/findReady instead of reading the dataset again.
   */
  pathDataset?: PathDataset;
}

export interface PathDataset {
  id: string;
  record: DatasetRecord | null;
}

/**
 * The dataset id in a path under /api/v1 (as the routes' `:id` would take it, undecoded). For
 * `/datasets/inspect` it reads a dataset that is not there: one statement all the same.
 */
const DATASET_PATH = /^\/datasets\/([^/]{1,100})(?:\/|$)/;

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
    // With a dataset in the path, the key and that dataset come in one read.
    const datasetId = DATASET_PATH.exec(req.path)?.[1];
    const read = datasetId === undefined ? { key: await users.findKeyByHash(hash), dataset: undefined } : await users.findKeyWithDataset(hash, datasetId);
    const found = read?.key;
    if (!found || !sameHash(found.hash, hash)) throw new AppError('UNAUTHORIZED', 'This API key is not valid.');
    const pathDataset = datasetId !== undefined && read?.dataset !== undefined ? { id: datasetId, record: read.dataset } : undefined;
    const now = new Date();
    if (!found.lastUsedAt || now.getTime() - found.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
      void users.touchKey(found.id, now).catch(() => undefined);
    }
    res.locals.user = { ...found.user, keyId: found.id, pathDataset } satisfies AuthUser;
    next();
  };
}
