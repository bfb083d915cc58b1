// Starts a worker thread on a module next to the caller. From dist/ both are plain .js: the worker
// file is started as is. From the sources (tests, `npm run dev`) the worker is a .ts file: Node 20
// ignores `--import tsx` in a worker's execArgv for its entry module, so a two-line bootstrap
// registers tsx's loader inside the worker first, then imports the .ts file.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `callerUrl`: the caller's import.meta.url; `name`: the module's file name without its extension. */
export function startModuleWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  // tsx's ESM API (the .mjs build: its .cjs build resolves its own files wrongly when imported).
  const api = pathToFileURL(createRequire(callerUrl).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const boot =
    `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })` +
    `.catch((err) => { console.error(err); process.exit(1); });`;
  return new Worker(boot, { ...options, eval: true });
}
