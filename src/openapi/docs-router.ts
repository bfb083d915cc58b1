// GET /openapi.json (the document) and GET /docs (Swagger UI, served from the swagger-ui-dist
// package: no CDN). The page loads only script files, so it works under the strict CSP of
// src/http/security-headers.ts; Swagger UI's usual inline start-up script is a separate file here.
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Request, type Response, type NextFunction } from 'express';
import { DOCS_PATHS } from './build-document.js';

const ASSETS = '/docs/assets';

/** Swagger UI files the page needs, by the name they are served under. */
const SWAGGER_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png'];

const DOCS_HTML = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Statlas API docs</title>
    <link rel="stylesheet" href="${ASSETS}/swagger-ui.css">
    <link rel="icon" type="image/png" href="${ASSETS}/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="${ASSETS}/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${ASSETS}/swagger-ui-bundle.js"></script>
    <script src="${ASSETS}/init.js"></script>
  </body>
</html>
`;

// Runs in the browser. persistAuthorization keeps the key entered under "Authorize" across reloads.
const INIT_JS = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(DOCS_PATHS.document)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    validatorUrl: null
  });
});
`;

function swaggerUiDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('swagger-ui-dist/package.json'));
}

/** Serves a fixed list of files (never a directory listing, never other files of the package). */
function docsAssets(): express.RequestHandler {
  const dir = swaggerUiDir();
  const files = new Map(SWAGGER_FILES.map((name) => [`/${name}`, path.join(dir, name)]));
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path === '/init.js') {
      res.type('application/javascript').setHeader('Cache-Control', 'no-cache');
      res.send(INIT_JS);
      return;
    }
    const file = files.get(req.path);
    if (!file) return next();
    res.sendFile(file, { maxAge: '1d' });
  };
}

/** `document` is built on the first request for it (it takes a few hundred ms), then kept. */
export function docsRouter(document: () => object): express.Router {
  const router = express.Router();
  let json: string | null = null;
  router.get(DOCS_PATHS.document, (_req: Request, res: Response) => {
    json ??= JSON.stringify(document());
    res.type('application/json').send(json);
  });
  router.get(DOCS_PATHS.ui, (_req: Request, res: Response) => {
    res.type('html').send(DOCS_HTML);
  });
  router.use(ASSETS, docsAssets());
  return router;
}
