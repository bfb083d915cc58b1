// A big upload leaves garbage behind (its columns and the received pieces of the file: about 80 MB
// for a 72 MB CSV), and V8 frees it only at its next full collection. That may come much later:
// while the server idles, or in the middle of the next upload, whose peak memory then holds both.
// Where the process runs with --expose-gc (`npm start` does), one full collection is started as soon
// as a background upload ends. Measured with 14 uploads of the 1M-row file, one after another: peak
// memory 522 → 439 MB, upload time the same (541 vs 539 ms), about 30 ms more CPU per upload.
// Elsewhere (tests, a plain `node dist/server.js`) nothing happens.
type Gc = (options: { type: 'major' | 'minor'; execution: 'async' }) => Promise<void>;

const gc = (globalThis as { gc?: Gc }).gc;

/** Lets V8 free what a finished big upload left behind now, rather than at some later time. */
export function releaseUploadMemory(): void {
  // 'async': the collection runs as a task of its own, not inside the caller.
  if (gc) gc({ type: 'major', execution: 'async' }).catch(() => undefined);
}

/**
 * The same once start-up is done, waited for: loading the modules and warming up leave about 25 MB
 * of garbage in the request thread's heap, and the first upload's peak held it too (it is not
 * collected before then: nothing allocates in between).
 */
export async function releaseStartupMemory(): Promise<void> {
  if (gc) await gc({ type: 'major', execution: 'async' }).catch(() => undefined);
}

/**
 * A collection of the young generation only (a scavenge: about a millisecond), while a big upload
 * arrives. Each piece read from the socket has a buffer of its own (64 KB, from the C library),
 * garbage once written to the spool file, but V8 frees that buffer only when it collects the
 * piece's small JS object, and it collects young objects when they fill their space, not when
 * outside memory grows: a 72 MB upload's pieces piled up to 25-30 MB at the server's peak (the C
 * library's heap at 60 MB instead of 30-35).
 */
export function releaseReceivedPieces(): void {
  if (gc) gc({ type: 'minor', execution: 'async' }).catch(() => undefined);
}
