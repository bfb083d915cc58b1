// Answers that many requests share and nobody changes (the result cache's: one object per dataset
// state and question) are turned into JSON once, with their ETag, and sent as those bytes after that.
// Why: under chart load every request serialized the same object again (JSON.stringify was about 4%
// of the server's time in a CPU profile, plus the garbage), and Express hashed the same text again
// for its ETag.
import type { Response } from 'express';

interface Serialized {
  bytes: Buffer;
  /** Computed on first send (it takes the app's ETag setting). */
  etag?: string | undefined;
}

/** The JSON of answers marked as shared and unchanging. */
const serialized = new WeakMap<object, Serialized>();

/**
 * Marks an answer as shared by requests and never changed again, and writes its JSON now (the
 * result cache does this). Returns the JSON's size in bytes.
 */
export function shareAsJson(value: object): number {
  let s = serialized.get(value);
  if (!s) {
    s = { bytes: Buffer.from(JSON.stringify(value), 'utf8') };
    serialized.set(value, s);
  }
  return s.bytes.length;
}

/**
 * Sends `body` as JSON like res.json would (same text, headers, ETag and 304 handling); a shared
 * answer's JSON is the one written when it was shared.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  const s = typeof body === 'object' && body !== null ? serialized.get(body) : undefined;
  if (!s) {
    res.status(status).json(body);
    return;
  }
  if (!('etag' in s)) {
    const etagFn = res.app.get('etag fn') as ((body: Buffer) => string | undefined) | undefined;
    s.etag = etagFn?.(s.bytes);
  }
  res.status(status).set('Content-Type', 'application/json; charset=utf-8');
  if (s.etag) res.set('ETag', s.etag);
  res.send(s.bytes);
}
