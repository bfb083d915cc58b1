// Answers of analyses and charts, kept by dataset state and request. A dataset's content never
// changes under one version, and the key also holds the column names (a rename changes only them),
// so a key can never name a stale answer; another instance sharing the database keeps its own cache.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { DatasetRecord } from '../../db/datasets.repo.js';
import { shareAsJson } from '../../http/shared-json.js';

export function resultCache(maxBytes: number) {
  const cache = new LRUCache<string, { value: unknown; size: number }>({
    maxSize: Math.max(1, maxBytes),
    // The answer is kept with its JSON (written once when it is kept, then sent as is: shared-json.ts),
    // so it counts as twice its JSON's size.
    sizeCalculation: (entry) => Math.max(1, 2 * entry.size),
  });
  const pending = new Map<string, Promise<unknown>>();

  return {
    /** The cached answer for (dataset state, kind, request), or computes and keeps it. Errors are not kept. */
    async get<T>(dataset: DatasetRecord, kind: string, request: unknown, compute: () => Promise<T> | T): Promise<T> {
      const names = createHash('sha1').update(JSON.stringify(dataset.columns.map((c) => c.name))).digest('base64');
      const key = `${dataset.id}:${dataset.version}:${names}:${kind}:${JSON.stringify(request)}`;
      const hit = cache.get(key);
      if (hit) return hit.value as T;
      // Concurrent identical requests share one computation.
      let running = pending.get(key) as Promise<T> | undefined;
      if (!running) {
        running = Promise.resolve()
          .then(compute)
          .then((value) => {
            cache.set(key, { value, size: typeof value === 'object' && value !== null ? shareAsJson(value) : 1 });
            return value;
          })
          .finally(() => pending.delete(key));
        pending.set(key, running);
      }
      return running;
    },
  };
}
export type ResultCache = ReturnType<typeof resultCache>;
