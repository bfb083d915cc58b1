// Recognizes "the database is unreachable" among the shapes Prisma and its driver adapters throw.
const DOWN_CODES = new Set(['P1001', 'P1002', 'P1017', 'P2024', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P03', '08006', '08001', '08003']);
const DOWN_TEXT = /DatabaseNotReachable|ConnectionClosed|Connection terminated|connect ECONNREFUSED|Can't reach database|timeout exceeded when trying to connect|Connection refused|server closed the connection|SocketTimeout|TooManyConnections/i;

export function isDatabaseDown(err: unknown): boolean {
  for (let e: any = err, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (typeof e.code === 'string' && DOWN_CODES.has(e.code)) return true;
    if (e.errorCode && DOWN_CODES.has(e.errorCode)) return true;
    if (e.kind && /DatabaseNotReachable|ConnectionClosed|SocketTimeout|TooManyConnections/.test(String(e.kind))) return true;
    if (typeof e.message === 'string' && DOWN_TEXT.test(e.message)) return true;
  }
  return false;
}

/**
 * A row this write refers to is gone (Prisma P2003, a foreign key): in this service that means its
 * dataset or user was deleted while the request ran, e.g. a DELETE landing during an upload.
 */
export function isReferenceGone(err: unknown): boolean {
  // 23503: PostgreSQL's code, also what a raw query (P2010) carries in its meta.
  if (pgCodes(err).some((c) => c === 'P2003' || c === '23503' || c === 'SQLITE_CONSTRAINT_FOREIGNKEY')) return true;
  for (let e: any = err, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (typeof e.message === 'string' && /Foreign key constraint (violated|failed)|violates foreign key constraint/i.test(e.message)) return true;
  }
  return false;
}

/** A primary-key or unique clash (Prisma P2002, PostgreSQL 23505, SQLite's constraint codes). */
export function isUniqueViolation(err: unknown): boolean {
  if (pgCodes(err).some((c) => c === 'P2002' || c === '23505' || c === 'SQLITE_CONSTRAINT_PRIMARYKEY' || c === 'SQLITE_CONSTRAINT_UNIQUE')) return true;
  for (let e: any = err, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (typeof e.message === 'string' && /unique constraint|duplicate key value/i.test(e.message)) return true;
  }
  return false;
}

/** PostgreSQL error codes of a driver error (Prisma keeps them in meta.driverAdapterError.cause). */
function pgCodes(err: unknown): string[] {
  const codes: string[] = [];
  for (let e: any = err, depth = 0; e && depth < 5; e = e.cause, depth++) {
    const cause = e.meta?.driverAdapterError?.cause;
    for (const c of [e.code, e.originalCode, e.meta?.code, cause?.code, cause?.originalCode]) if (typeof c === 'string') codes.push(c);
  }
  return codes;
}

/**
 * Text PostgreSQL cannot store: a NUL character (22021 in text columns, 22P05 in jsonb). SQLite
 * stores it; PostgreSQL refuses it, so it is the client's input that cannot be kept, not a fault.
 */
export function isUnstorableText(err: unknown): boolean {
  return pgCodes(err).some((c) => c === '22021' || c === '22P05');
}
