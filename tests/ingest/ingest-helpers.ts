// Shared by the ingest tests: limits, byte helpers, rows of a table, and "this must fail".
import { expect } from '@jest/globals';
import { cellValue, type Table } from '../../src/core/column.js';
import { AppError } from '../../src/errors.js';
import { ingestFile } from '../../src/modules/ingest/ingest.js';
import type { IngestOptions } from '../../src/modules/ingest/ingest.types.js';

export const LIMITS = { maxRows: 1_000_000, maxColumns: 1000, maxCellBytes: 32768 };
export const utf8 = (s: string) => new TextEncoder().encode(s);

/** The table as row objects, cells typed as the API returns them. */
export function rows(table: Table): Record<string, unknown>[] {
  return Array.from({ length: table.rowCount }, (_, r) => Object.fromEntries(table.columns.map((c) => [c.name, cellValue(c, r)])));
}

/** The AppError ingestFile fails with (the test fails if it does not fail). */
export async function ingestError(bytes: Uint8Array, o: IngestOptions): Promise<AppError> {
  try {
    await ingestFile(bytes, o);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected ingestFile to fail');
}
