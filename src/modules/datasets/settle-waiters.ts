// Requests that wait for a dataset still processing (GET /datasets/:id?wait=): the background
// ingest of this instance wakes them when it ends, with the record it wrote when it turned ready.
import type { DatasetRecord } from '../../db/datasets.repo.js';

/** Requests waiting for a background ingest of this instance to end, by dataset id. */
export function settleWaiters() {
  type Wake = (ready: DatasetRecord | null) => void;
  const waiting = new Map<string, Set<Wake>>();
  return {
    /**
     * Resolves when `id`'s ingest here ends (with its record when it turned ready), or with null
     * after `ms` or when `signal` aborts, whichever comes first.
     */
    until(id: string, ms: number, signal?: AbortSignal): Promise<DatasetRecord | null> {
      return new Promise((resolve) => {
        const wake: Wake = (ready) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', timedOut);
          const set = waiting.get(id);
          set?.delete(wake);
          if (set?.size === 0) waiting.delete(id);
          resolve(ready);
        };
        const timedOut = () => wake(null);
        const timer = setTimeout(timedOut, ms);
        signal?.addEventListener('abort', timedOut, { once: true });
        const set = waiting.get(id) ?? new Set();
        set.add(wake);
        waiting.set(id, set);
      });
    },
    /** The background ingest of `id` ended: ready (its record), or failed or dropped (null). */
    settled(id: string, ready: DatasetRecord | null): void {
      for (const wake of [...(waiting.get(id) ?? [])]) wake(ready);
    },
    /** Wakes every waiting request (the server is stopping). */
    wakeAll(): void {
      for (const set of [...waiting.values()]) for (const wake of [...set]) wake(null);
    },
  };
}
