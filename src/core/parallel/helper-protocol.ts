// What the request thread (split-rows.ts) and the helper thread (helper-thread.ts) share about a job.

/** ctrl[CTRL_STATE]: the job's state; ctrl[CTRL_NEXT]: the next chunk either thread may take. */
export const CTRL_STATE = 0;
export const CTRL_NEXT = 1;

/** Posted, not yet seen by the helper. */
export const STATE_POSTED = 0;
/** The helper is taking chunks. */
export const STATE_TAKEN = 1;
/** The helper has posted its reply. */
export const STATE_DONE = 2;
/** The request thread did every chunk before the helper came to it: the helper skips it. */
export const STATE_CANCELLED = 3;

export interface HelperJob {
  id: number;
  kernel: string;
  args: object;
  rows: number;
  chunkRows: number;
  /** Two int32s on a SharedArrayBuffer (CTRL_STATE, CTRL_NEXT). */
  ctrl: Int32Array;
}

export interface HelperReply {
  id: number;
  /** [chunk, the kernel's result for it], for each chunk the helper finished. */
  parts: [number, number[]][];
}
