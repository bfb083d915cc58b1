// Builds the service: database, repositories, services and the Express app around them.
// Used by server.ts and by the tests (which get the same app on a fresh database).
import { readFileSync } from 'node:fs';
import cors from 'cors';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { releaseStartupMemory } from './core/release-memory.js';
import { createDb, providerOf, type Db } from './db/client.js';
import { contentRepo } from './db/content.repo.js';
import { datasetsRepo } from './db/datasets.repo.js';
import { requestLookups } from './db/request-lookups.js';
import { usersRepo, type UsersRepo } from './db/users.repo.js';
import { visualizationsRepo } from './db/visualizations.repo.js';
import { AppError } from './errors.js';
import { authenticate } from './http/auth.js';
import { demoRouter } from './http/demo-assets.js';
import { mountEndpoints, type Endpoint } from './http/endpoint.js';
import { errorHandler } from './http/error-handler.js';
import { rateLimits } from './http/rate-limit.js';
import { requestId } from './http/request-id.js';
import { requestLog } from './http/request-log.js';
import { securityHeaders } from './http/security-headers.js';
import { uploadMiddleware } from './http/upload.js';
import { createLogger } from './logger.js';
import { analysisEndpoints } from './modules/analysis/analysis.router.js';
import { chartsEndpoints } from './modules/charts/charts.router.js';
import { datasetReader } from './modules/datasets/dataset-reader.js';
import { datasetsEndpoints } from './modules/datasets/datasets.router.js';
import { datasetsService } from './modules/datasets/datasets.service.js';
import { resultCache } from './modules/datasets/result-cache.js';
import { tableStore } from './modules/datasets/table-store.js';
import { safeFilename } from './modules/datasets/upload-names.js';
import { healthEndpoint } from './modules/health/health.router.js';
import type { Ingester } from './modules/ingest/ingester.js';
import { workerIngester } from './modules/ingest/ingest-pool.js';
import { usersEndpoints } from './modules/users/users.router.js';
import { usersService } from './modules/users/users.service.js';
import { visualizationsEndpoints } from './modules/visualizations/visualizations.router.js';
import { visualizationsService } from './modules/visualizations/visualizations.service.js';
import { buildOpenApiDocument, type EndpointGroup } from './openapi/build-document.js';
import { docsRouter } from './openapi/docs-router.js';
import { warmUp, warmUpIngest } from './warmup.js';

const MB = 1024 * 1024;
const DEFAULT_LEASE_MS = 60_000;
/** Longest the start-up waits for the ingest worker's warm-up (it goes on in the background after). */
const WARM_UP_WAIT_MS = 15_000;

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

export interface AppOptions {
  logger?: Logger;
  /** Receives and parses uploads (default: the ingest worker; tests put in their own). */
  ingester?: Ingester;
  /** How long a background upload may go without a sign of life before any instance fails it (default 60 s). */
  processingLeaseMs?: number;
}

export async function createApp(config: Config, options: AppOptions = {}) {
  const logger = options.logger ?? createLogger(config);
  const db: Db = await createDb(config.DATABASE_URL);
  const leaseMs = options.processingLeaseMs ?? DEFAULT_LEASE_MS;

  // Column chunks go through the database drivers directly (a few times faster than through Prisma).
  const store = tableStore(contentRepo(db, { url: config.DATABASE_URL }), config.CACHE_MB);
  await store.connect();
  // Uploads stream into a long-lived worker thread that parses them, so a big upload neither stalls
  // other requests nor sits in this thread's memory.
  const ingester: Ingester = options.ingester ?? workerIngester;
  // The key and dataset lookups of every request go through the drivers too (see request-lookups.ts).
  const lookups = requestLookups(config.DATABASE_URL);
  await lookups.connect();
  const users = usersRepo(db, lookups);
  const limits = { maxRows: config.MAX_ROWS, maxColumns: config.MAX_COLUMNS, maxCellBytes: config.MAX_CELL_BYTES };
  const datasets = datasetsService(datasetsRepo(db, providerOf(config.DATABASE_URL), lookups), store, {
    limits,
    asyncBytes: config.ASYNC_UPLOAD_MB * MB,
    logger,
    leaseMs,
  });
  // Answers take a small share of the cache budget: they are small next to the tables they come from.
  const reader = datasetReader(datasets, resultCache((config.CACHE_MB * MB) / 8));
  const visualizations = visualizationsService(visualizationsRepo(db), datasets, reader);
  const upload = uploadMiddleware({
    maxBytes: config.MAX_UPLOAD_MB * MB,
    open: (sizeHint, originalname) => ingester.receive(sizeHint, { filename: safeFilename(originalname), limits }),
  });

  const userRoutes = usersEndpoints(usersService(users, { signupEnabled: config.SIGNUP_ENABLED }));
  const routes: Routes = {
    health: healthEndpoint(db, VERSION),
    open: userRoutes.filter((e) => e.auth === false),
    keyed: [
      ...userRoutes.filter((e) => e.auth !== false),
      ...datasetsEndpoints(datasets, upload),
      ...analysisEndpoints(reader),
      ...chartsEndpoints(datasets, reader),
      ...visualizationsEndpoints(visualizations),
    ],
  };
  const groups: EndpointGroup[] = [
    { basePath: '/api/v1', endpoints: [...routes.open, ...routes.keyed] },
    { basePath: '', endpoints: [routes.health] },
  ];
  const app = expressApp(config, logger, users, routes, groups);

  // Uploads left half-done by a stopped server cannot finish now: fail them at start-up, and keep
  // looking, since another instance sharing the database may stop at any time.
  const sweep = async () => {
    const failed = await datasets.failAbandoned().catch(() => 0);
    if (failed > 0) logger.warn({ failed }, 'marked abandoned uploads as failed');
  };
  await sweep();
  const sweeper = setInterval(sweep, Math.max(5_000, leaseMs / 2));
  sweeper.unref();

  // First calls are several times slower until V8 has compiled the hot code (tests skip this:
  // they start many apps). The app is handed out only once the ingest worker is started and warm,
  // so a first upload never shares the worker with the warm-up (a few hundred ms; capped).
  if (config.NODE_ENV !== 'test') {
    const ingestWarm = warmUpIngest(ingester);
    warmUp();
    await Promise.race([ingestWarm, new Promise((resolve) => setTimeout(resolve, WARM_UP_WAIT_MS).unref())]);
    await releaseStartupMemory();
  }

  return {
    app,
    db,
    logger,
    groups,
    datasets,
    store,
    async close(): Promise<void> {
      clearInterval(sweeper);
      datasets.stopWaiting();
      await datasets.idle();
      await store.close();
      await lookups.close();
      await db.$disconnect();
    },
  };
}
export type StatlasApp = Awaited<ReturnType<typeof createApp>>;

interface Routes {
  health: Endpoint;
  /** /api/v1 routes without a key (sign-up). */
  open: Endpoint[];
  /** /api/v1 routes that need a key. */
  keyed: Endpoint[];
}

function expressApp(config: Config, logger: Logger, users: UsersRepo, routes: Routes, groups: EndpointGroup[]): Express {
  const app = express();
  app.disable('x-powered-by');
  // Behind a PaaS router: the client's address is in X-Forwarded-For (one proxy hop).
  app.set('trust proxy', 1);
  app.use(requestId);
  app.use(requestLog(logger));
  app.use(securityHeaders());
  app.use(cors({ origin: config.corsOrigins, exposedHeaders: ['X-Request-Id', 'Location', 'Retry-After', 'Content-Disposition'] }));

  const api = express.Router();
  if (config.RATE_LIMIT_ENABLED) api.use(rateLimits(config.RATE_LIMIT_PER_MINUTE));
  api.use(express.json({ limit: '1mb' }));
  api.use(mountEndpoints(routes.open));
  // Authentication first: without a valid key, every other /api/v1 request is a 401 (before 400/404/405).
  api.use(authenticate(users));
  api.use(mountEndpoints(routes.keyed));
  // The API first: its requests (nearly all of them) then skip the routers of the pages below.
  app.use('/api/v1', api);

  app.use(mountEndpoints([routes.health]));
  app.use(docsRouter(() => buildOpenApiDocument(groups, { version: VERSION })));
  app.use(demoRouter());

  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(new AppError('NOT_FOUND', `There is nothing at ${req.method} ${req.path.slice(0, 200)}.`));
  });
  app.use(errorHandler(logger, { isProduction: config.isProduction, maxUploadMb: config.MAX_UPLOAD_MB }));
  return app;
}
