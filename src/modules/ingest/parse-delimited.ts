// Entry point for CSV/TSV uploads: bytes → encoding → delimiter → typed table.
//
// Two ways through, with the same result cell for cell:
// - the fast path (csv-bytes.ts) scans UTF-8 bytes straight into typed columns. Other encodings are
//   decoded and re-encoded as UTF-8 first (still several times faster than the text path);
// - the text path (csv-scanner.ts → TableBuilder) decodes the file to a string and reads it char by
//   char. It runs where the fast path is unsure (an error to report, too much re-reading): it then
//   gives the exact error, or the table.
import { Buffer } from 'node:buffer';
import { AppError } from '../../errors.js';
import { ByteScanUnsure, byteScanStats, scanDelimitedBytes, type ByteScanResult } from './csv-bytes.js';
import { scanDelimitedText } from './csv-scanner.js';
import { decodeText, detectEncoding, isValidUtf8 } from './decode-text.js';
import type { CellSink, ColumnMeta, DatasetFormat, Encoding, IngestOptions, IngestResult } from './ingest.types.js';
import { sniffDelimiter } from './sniff-delimiter.js';
import { TableBuilder } from './table-builder.js';
import type { Table } from '../../core/column.js';

// Enough records for the sniffer's 50-line look, even with long lines.
const SNIFF_SAMPLE_CHARS = 64 * 1024;

/**
 * Parses a CSV/TSV upload into a typed table. `format` is what detection said ('csv' or 'tsv');
 * the delimiter found decides the one returned.
 */
export function ingestDelimited(bytes: Uint8Array, opts: IngestOptions, format: DatasetFormat): IngestResult {
  const encoding = opts.encoding ?? detectEncoding(bytes);
  const { utf8, start, sample } = utf8Source(bytes, encoding);
  const delimiter = normalizeDelimiter(opts.delimiter) ?? sniffDelimiter(sample, opts.filename);
  // Semicolon files come from places that write decimal commas (infer-value's classifyText).
  const decimalComma = delimiter === ';';
  const capacity = estimateRows(utf8, opts.limits.maxRows);

  // Progress never goes back when the text path starts again from 0 after a fallback.
  let reported = 0;
  const report = opts.onProgress;
  const onProgress = report && ((f: number) => {
    if (f > reported) report((reported = f));
  });
  let parsed: ByteScanResult;
  try {
    parsed = scanDelimitedBytes({ bytes: utf8, start, delimiter, header: opts.header, limits: opts.limits, decimalComma,
      capacity, onProgress, onBlock: opts.onBlock ?? undefined, distinctFromBlocks: opts.distinctFromBlocks });
  } catch (err) {
    if (!(err instanceof ByteScanUnsure)) throw err;
    byteScanStats.fallbacks++;
    byteScanStats.lastFallback = err.reason;
    opts.onBlock?.(null);
    parsed = parseDelimitedText(decodeText(bytes, encoding), delimiter, { ...opts, onProgress }, capacity, decimalComma);
  }
  opts.onProgress?.(1);
  // The content decides: a tab-delimited file is TSV whatever its name.
  const finalFormat: DatasetFormat = delimiter === '\t' ? 'tsv' : format === 'tsv' ? 'csv' : format;
  return { format: finalFormat, encoding, delimiter, sheets: null, ...parsed };
}

/**
 * The bytes to scan: the upload itself when it is valid UTF-8 (after its byte order marks), else its
 * text re-encoded as UTF-8 (the decoded text is then let go: a fallback decodes again). Also the
 * sniffer's sample. Throws 422 for a file of nothing but white space.
 */
function utf8Source(bytes: Uint8Array, encoding: Encoding): { utf8: Uint8Array; start: number; sample: string } {
  if (encoding === 'utf-8' && isValidUtf8(bytes)) {
    const start = bomsLength(bytes);
    if (isBlankUtf8(bytes, start)) throw AppError.parse('The file is empty.', {});
    return { utf8: bytes, start, sample: sampleText(bytes, start) };
  }
  const text = decodeText(bytes, encoding);
  if (!/\S/.test(text)) throw AppError.parse('The file is empty.', {});
  return { utf8: Buffer.from(text, 'utf8'), start: 0, sample: text.slice(0, SNIFF_SAMPLE_CHARS) };
}

/** The text path: the char scanner into a TableBuilder (exported as the reference of the fast path's tests). */
export function parseDelimitedText(
  text: string,
  delimiter: string,
  opts: IngestOptions,
  capacity: number,
  decimalComma: boolean,
): { table: Table; columns: ColumnMeta[] } {
  // Normally one pass. A column that looked typed for its first tens of thousands of distinct values
  // and then turned out to be text lost its texts on the way: parse once more with it forced to string.
  let forceString = new Set<number>();
  for (;;) {
    let builder: TableBuilder | null = null;
    scanDelimitedText(text, {
      delimiter,
      header: opts.header,
      limits: opts.limits,
      onProgress: opts.onProgress,
      makeSink: (rawHeader, width): CellSink => {
        builder = new TableBuilder(opts.limits, {
          rawNames: rawHeader ?? new Array<null>(width).fill(null),
          forceString,
          capacity,
          decimalComma,
        });
        return builder;
      },
    });
    const b = builder as TableBuilder | null;
    if (!b) throw AppError.parse('The file is empty.');
    const restart = b.restartColumns();
    if (restart.length > 0) {
      forceString = new Set([...forceString, ...restart]);
      continue;
    }
    return b.finish();
  }
}

/** Up to two UTF-8 byte order marks (the decoder drops one, decodeText a second). */
export function bomsLength(bytes: Uint8Array): number {
  let i = 0;
  for (let k = 0; k < 2; k++) {
    if (bytes[i] === 0xef && bytes[i + 1] === 0xbb && bytes[i + 2] === 0xbf) i += 3;
  }
  return i;
}

/** Nothing but white space (as /\S/ sees it) from start on. */
export function isBlankUtf8(bytes: Uint8Array, start: number): boolean {
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 32 || (b >= 9 && b <= 13)) continue;
    if (b < 0x80) return false;
    // Non-ASCII: Unicode spaces are white space too; let the regex decide on the rest of the text.
    return !/\S/.test(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', i));
  }
  return true;
}

/** The text's first SNIFF_SAMPLE_CHARS UTF-16 units, decoding no more bytes than needed (≤ 3 per unit). */
export function sampleText(bytes: Uint8Array, start: number): string {
  const end = Math.min(bytes.length, start + SNIFF_SAMPLE_CHARS * 3);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', start, end).slice(0, SNIFF_SAMPLE_CHARS);
}

/**
 * Rows to reserve up front, from the line density of the file's first 256 KiB (arrays grow if it is
 * off); `total` is the file's size when only its start is here.
 */
export function estimateRows(bytes: Uint8Array, maxRows: number, total = bytes.length): number {
  const probe = Math.min(bytes.length, 256 * 1024);
  let lines = 0;
  for (let i = 0; i < probe; i++) if (bytes[i] === 10) lines++;
  if (lines === 0) return 1024;
  const estimate = Math.ceil((lines * total) / probe * 1.05) + 16;
  return Math.min(estimate, maxRows + 1);
}

/** The user's delimiter as one character, or undefined when it is to be sniffed. */
export function normalizeDelimiter(delimiter: string | undefined): string | undefined {
  if (delimiter === undefined || delimiter === '') return undefined;
  if (delimiter.toLowerCase() === 'tab' || delimiter === '\\t') return '\t';
  // Quotes and line ends cannot delimit: the scanner gives them their own meaning.
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw AppError.validation([{ path: 'delimiter', message: 'Use one of , ; | or a tab.' }]);
  }
  return delimiter;
}
