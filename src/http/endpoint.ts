// Every API route is declared once, as data: method, path, zod schemas and handler. The same
// declaration mounts the Express route and documents it in /openapi.json, so the two cannot drift.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { AppError, type ErrorCode } from '../errors.js';
import { parseWith } from './parse-input.js';
import { sendJson } from './shared-json.js';
import type { AuthUser } from './auth.js';

export type Method = 'get' | 'post' | 'patch' | 'delete';

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HandlerContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The authenticated caller (undefined only on routes with `auth: false`). */
  user: AuthUser;
  req: Request;
  res: Response;
}

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
}

export interface Endpoint<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: Method;
  /** Express-style path relative to the router's base, e.g. `/datasets/:id`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Default true: the route needs an API key. */
  auth?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** multipart/form-data upload: `body` describes the text fields; the file arrives in req.file. */
  upload?: { middleware: RequestHandler };
  responses: Record<number, ResponseDoc>;
  /** Error codes this route can answer with, besides the ones every route has. */
  errors?: ErrorCode[];
  /**
   * Returns the reply, or undefined when it wrote the response itself (downloads).
   */
  handle(ctx: HandlerContext<z.infer<P>, z.infer<Q>, z.infer<B>>): Promise<Reply | undefined> | Reply | undefined;
}

/** Keeps the literal types of a declaration (so `ctx` is typed from its schemas). */
export function endpoint<P extends z.ZodType = z.ZodObject<{}>, Q extends z.ZodType = z.ZodObject<{}>, B extends z.ZodType = z.ZodUndefined>(
  e: Endpoint<P, Q, B>,
): Endpoint {
  return e as unknown as Endpoint;
}

function sendReply(res: Response, reply: Reply | undefined): void {
  if (!reply || res.headersSent) return;
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  const status = reply.status ?? 200;
  if (status === 204 || reply.body === undefined) res.status(status).end();
  else sendJson(res, status, reply.body);
}

/** A route without a query schema takes no query parameters (built once: zod compiles each new schema on first use). */
const NO_QUERY = z.object({}).strict();

function handlerFor(e: Endpoint): RequestHandler {
  const querySchema = e.query ?? NO_QUERY;
  return async (req: Request, res: Response) => {
    const params = e.params ? parseWith(e.params, req.params) : {};
    const query = parseWith(querySchema, { ...(req.query as object) });
    const body = e.body ? parseWith(e.body, req.body ?? {}) : undefined;
    const reply = await e.handle({ params, query, body, user: res.locals.user as AuthUser, req, res });
    sendReply(res, reply);
  };
}

/** Mounts the declared endpoints on a router, plus a 405 for known paths with other methods. */
export function mountEndpoints(endpoints: Endpoint[]): express.Router {
  const router = express.Router();
  const methodsByPath = new Map<string, Set<string>>();
  for (const e of endpoints) {
    const chain: RequestHandler[] = [];
    if (e.upload) chain.push(e.upload.middleware);
    chain.push(handlerFor(e));
    router[e.method](e.path, ...chain);
    if (!methodsByPath.has(e.path)) methodsByPath.set(e.path, new Set());
    methodsByPath.get(e.path)!.add(e.method.toUpperCase());
  }
  for (const [path, methods] of methodsByPath) {
    const allow = [...methods].join(', ');
    router.all(path, (req: Request, res: Response, next: NextFunction) => {
      res.setHeader('Allow', allow);
      next(new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here. Allowed: ${allow}.`));
    });
  }
  return router;
}
