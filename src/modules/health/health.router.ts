import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { errorBody } from '../../errors.js';
import { endpoint, type Endpoint } from '../../http/endpoint.js';

/** A health check must answer quickly even when the database hangs. */
const PING_TIMEOUT_MS = 2_000;

const healthResponse = z.object({
  status: z.enum(['ok', 'unavailable']),
  db: z.enum(['ok', 'down']),
  version: z.string(),
  error: z
    .object({ code: z.literal('UNAVAILABLE'), message: z.string(), details: z.object({}), requestId: z.string() })
    .optional()
    .describe('Only when the database cannot be reached.'),
});

async function ping(db: Db): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([db.$queryRaw`SELECT 1`.then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthEndpoint(db: Db, version: string): Endpoint {
  return endpoint({
    method: 'get', path: '/health', tag: 'System', auth: false,
    summary: 'Is the service up, and can it reach its database?',
    responses: {
      200: { description: 'Up, database reachable.', schema: healthResponse },
      503: { description: 'The database cannot be reached.', schema: healthResponse },
    },
    handle: async ({ res }) => {
      if (await ping(db)) return { body: { status: 'ok', db: 'ok', version } };
      const { error } = errorBody('UNAVAILABLE', 'The database cannot be reached right now.', {}, String(res.locals.requestId ?? ''));
      return { status: 503, body: { status: 'unavailable', db: 'down', version, error } };
    },
  });
}
