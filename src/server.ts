// Starts the HTTP server (npm start). Migrations run before this, in `npm start` or the release phase.
import { createApp } from './app.js';
import { loadConfigOrExit } from './config.js';
import { stopIngestWorker } from './modules/ingest/ingest-pool.js';

const config = loadConfigOrExit();
const statlas = await createApp(config);
const server = statlas.app.listen(config.PORT, () => {
  statlas.logger.info({ port: config.PORT, env: config.NODE_ENV }, `Statlas is listening on http://localhost:${config.PORT}`);
});

// A PaaS sends SIGTERM before it stops the process: finish requests in flight, then close the database.
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    statlas.logger.info({ signal }, 'shutting down');
    // Requests waiting for an upload (GET ?wait=) answer now rather than hold the close.
    statlas.datasets.stopWaiting();
    server.close(() => {
      Promise.allSettled([statlas.close(), stopIngestWorker()]).finally(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  });
}
