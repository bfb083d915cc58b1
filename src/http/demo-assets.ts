// The demo page: public/ at `/`, and the browser builds of vega, vega-lite, vega-embed and
// vega-interpreter from node_modules under `/vendor/` (no CDN, no build step).
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';

const VENDOR = '/vendor';

/** public/ sits two levels above this file in both src/http and dist/http. */
const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

const require = createRequire(import.meta.url);

/** A package's root folder (these packages do not export their package.json). */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (dir !== path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`Cannot find the folder of the ${name} package.`);
}

/** Classic-script (UMD) builds that set the globals `vega`, `vegaLite` and `vegaEmbed`. */
function umdFiles(): Map<string, string> {
  return new Map([
    ['/vega.min.js', path.join(packageDir('vega'), 'build', 'vega.min.js')],
    ['/vega-lite.min.js', path.join(packageDir('vega-lite'), 'build', 'vega-lite.min.js')],
    ['/vega-embed.min.js', path.join(packageDir('vega-embed'), 'build', 'vega-embed.min.js')],
  ]);
}

/**
 * vega-interpreter ships only as an ES module that imports the bare name 'vega-util'. Browsers
 * cannot resolve bare names without an import map (an inline script, which the CSP forbids), so the
 * import is pointed at vega-util's own ES module files, served next to it.
 */
function interpreterSource(): string {
  const file = path.join(packageDir('vega-interpreter'), 'build', 'vega-interpreter.js');
  const source = readFileSync(file, 'utf8').replace(/from\s+['"]vega-util['"]/g, "from './vega-util/index.js'");
  if (/from\s+['"][^./]/.test(source)) throw new Error('vega-interpreter imports a package the demo page cannot load.');
  return source;
}

function vendorRouter(): express.Router {
  const router = express.Router();
  const files = umdFiles();
  let interpreter: string | undefined;
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path === '/vega-interpreter.js') {
      interpreter ??= interpreterSource();
      res.type('application/javascript').setHeader('Cache-Control', 'public, max-age=86400');
      res.send(interpreter);
      return;
    }
    const file = files.get(req.path);
    if (!file) return next();
    res.sendFile(file, { maxAge: '1d' });
  });
  // Only vega-util's .js modules (no maps, no type files).
  router.use('/vega-util', (req: Request, res: Response, next: NextFunction) => (/^\/[\w-]+\.js$/.test(req.path) ? next() : next('router')));
  router.use('/vega-util', express.static(path.join(packageDir('vega-util'), 'build'), { index: false, maxAge: '1d' }));
  return router;
}

export function demoRouter(): express.Router {
  const router = express.Router();
  // API requests never look for a static file (saves a file-system lookup per request).
  router.use((req: Request, _res: Response, next: NextFunction) => next(req.path.startsWith('/api/') ? 'router' : undefined));
  router.use(VENDOR, vendorRouter());
  router.use(express.static(PUBLIC_DIR, { index: 'index.html', maxAge: 0 }));
  return router;
}
