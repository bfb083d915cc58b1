// The ingest flow: detect the format from the content → parse into typed columns, each column's type
// inferred over the whole column → typed columnar Table plus column metadata.
// `inspectFile` runs the same flow and describes the outcome instead of handing over the table.
import { cellValue, type Table } from '../../core/column.js';
import { AppError } from '../../errors.js';
import { detectFormat } from './detect-format.js';
import type { IngestOptions, IngestResult, InspectResult } from './ingest.types.js';
import { ingestDelimited } from './parse-delimited.js';
import { parseJson } from './parse-json.js';

/** Rows shown by inspect. */
export const PREVIEW_ROWS = 20;
/** Sample values per column shown by inspect. */
export const SAMPLE_VALUES = 5;

/** Parses an uploaded file into a typed table. Throws AppError 413/415/422 (and 400 for a bad `sheet`/`delimiter`). */
export async function ingestFile(bytes: Uint8Array, opts: IngestOptions): Promise<IngestResult> {
  if (isBlank(bytes)) throw AppError.parse('The file is empty.');
  const { format } = await detectFormat(bytes, opts.filename, { delimiter: opts.delimiter, encoding: opts.encoding });
  switch (format) {
    case 'csv':
    case 'tsv':
      return ingestDelimited(bytes, opts, format);
    case 'json':
    case 'ndjson':
      return parseJson(bytes, format, opts);
    case 'xlsx':
    case 'xls':
    case 'ods':
      // SheetJS (about 10 MB of a thread's memory) is loaded by the first spreadsheet.
      return (await import('./parse-excel.js')).parseExcel(bytes, format, opts);
  }
}

/** What an upload would make of the file: format, sheets, column types with samples, the first rows. */
export async function inspectFile(bytes: Uint8Array, opts: IngestOptions): Promise<InspectResult> {
  const result = await ingestFile(bytes, opts);
  return describeResult(result);
}

/** The inspect view of an ingest result (also used by callers that ingested already, e.g. in a worker). */
export function describeResult(result: IngestResult): InspectResult {
  const { table } = result;
  return {
    format: result.format,
    encoding: result.encoding,
    delimiter: result.delimiter,
    sheets: result.sheets,
    columns: table.columns.map((col, i) => ({
      name: col.name,
      type: result.columns[i].type,
      sample: sampleValues(table, i, SAMPLE_VALUES),
    })),
    previewRows: previewRows(table, PREVIEW_ROWS),
  };
}

function previewRows(table: Table, limit: number): Record<string, unknown>[] {
  const n = Math.min(limit, table.rowCount);
  const rows: Record<string, unknown>[] = [];
  for (let r = 0; r < n; r++) {
    // Column names may be `__proto__` or `constructor`: build rows without a prototype chain in the way.
    const row: Record<string, unknown> = {};
    for (const col of table.columns) {
      Object.defineProperty(row, col.name, { value: cellValue(col, r), enumerable: true, writable: true, configurable: true });
    }
    rows.push(row);
  }
  return rows;
}

/** The first `limit` distinct non-missing values of a column, typed as the API returns cells. */
function sampleValues(table: Table, index: number, limit: number): unknown[] {
  const col = table.columns[index];
  const seen = new Set<unknown>();
  for (let r = 0; r < table.rowCount && seen.size < limit; r++) {
    const v = cellValue(col, r);
    if (v !== null) seen.add(v);
  }
  return [...seen];
}

/** An empty file, or one holding nothing but a BOM, spaces and line ends (in any of the text encodings). */
function isBlank(bytes: Uint8Array): boolean {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  else if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) i = 2;
  let text = i > 0;
  for (; i < bytes.length; i++) {
    const b = bytes[i];
    // NUL covers UTF-16's high bytes (a file of nothing but NULs is binary, not blank).
    if (b === 0) continue;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
    text = true;
  }
  return text || bytes.length === 0;
}
