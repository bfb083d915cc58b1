// Which of the accepted formats a file is, by its content (API.md: "The content decides the format;
// the extension only breaks ties between text formats"). Binary signatures first (file-type), then
// text: JSON / NDJSON by the first characters, else delimited text (tsv when the delimiter is a tab).
import { fileTypeFromBuffer } from 'file-type';
import { AppError } from '../../errors.js';
import { decodeText, detectEncoding } from './decode-text.js';
import type { DatasetFormat, Encoding } from './ingest.types.js';
import { normalizeDelimiter } from './parse-delimited.js';
import { sniffDelimiter } from './sniff-delimiter.js';
import { listZipEntries } from './zip-guard.js';

export interface DetectOptions {
  delimiter?: string;
  encoding?: Encoding;
}

export interface DetectedFormat {
  format: DatasetFormat;
}

const HEAD_BYTES = 64 * 1024;

function unsupported(what?: string): AppError {
  const tail = 'Upload CSV, TSV, JSON, NDJSON, XLSX, XLS or ODS.';
  return new AppError('UNSUPPORTED_FILE_TYPE', what ? `This file is ${what}, not a table. ${tail}` : `This file type is not supported. ${tail}`);
}

/** A zip that file-type did not name (some writers order entries differently): look for the workbook part. */
function spreadsheetInZip(bytes: Uint8Array): DatasetFormat | null {
  let names: string[];
  try {
    names = listZipEntries(bytes).map((e) => e.name);
  } catch {
    // No readable central directory (a cut-off file): the local entry headers still name the parts,
    // so a damaged workbook is reported as damaged (422) rather than as "not a table" (415).
    names = localEntryNames(bytes);
  }
  if (names.includes('xl/workbook.xml') || names.includes('xl/workbook.bin')) return 'xlsx';
  if (names.includes('[Content_Types].xml') && names.some((n) => n.startsWith('xl/'))) return 'xlsx';
  if (names.includes('content.xml') && names.includes('mimetype')) return 'ods';
  return null;
}

/** Names in the first local file headers of a zip, read front to back (no central directory needed). */
function localEntryNames(bytes: Uint8Array, max = 64): string[] {
  const names: string[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (names.length < max && at + 30 <= bytes.length && view.getUint32(at, true) === 0x04034b50) {
    const compressed = view.getUint32(at + 18, true);
    const nameLength = view.getUint16(at + 26, true);
    const extraLength = view.getUint16(at + 28, true);
    if (at + 30 + nameLength > bytes.length) break;
    names.push(new TextDecoder().decode(bytes.subarray(at + 30, at + 30 + nameLength)));
    // An entry streamed with a data descriptor has no size here: the names seen so far must do.
    if (compressed === 0) break;
    at += 30 + nameLength + extraLength + compressed;
  }
  return names;
}

/** True when the NUL bytes of the head look like UTF-16 text (one NUL per ASCII character, same parity). */
function looksUtf16(head: Uint8Array): boolean {
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) {
    return true;
  }
  const n = Math.min(head.length, 4096) & ~1;
  if (n < 4) return false;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) even++;
    if (head[i + 1] === 0) odd++;
  }
  const half = n / 2;
  return (odd > half * 0.3 && even === 0) || (even > half * 0.3 && odd === 0);
}

/** Whether text starting with `{` or `[` really opens a JSON value (a CSV header like "[id],[name]" does not). */
function opensJson(text: string, i: number): boolean {
  const open = text[i];
  let j = i + 1;
  while (j < text.length && /\s/.test(text[j])) j++;
  if (j >= text.length) return true; // a lone "[" or "{": JSON, broken (the parser says where)
  const c = text[j];
  if (open === '{') return c === '"' || c === '}';
  return c === '{' || c === ']' || c === '[' || c === '"' || c === 'n' || c === 't' || c === 'f' || c === '-' ||
    (c >= '0' && c <= '9');
}

/** NDJSON when the first non-blank line is a whole JSON value by itself and another line follows. */
function isNdjson(text: string, start: number, byName: boolean): boolean {
  let nl = text.indexOf('\n', start);
  if (nl < 0) nl = text.length;
  const first = text.slice(start, nl).trim();
  try {
    JSON.parse(first);
  } catch {
    return false; // a pretty-printed document: its first line is not a value on its own
  }
  const rest = text.slice(nl + 1, nl + 1 + 4096);
  const more = /\S/.test(rest);
  // One value on one line is JSON and NDJSON at once: the extension decides.
  return more || byName;
}

export async function detectFormat(bytes: Uint8Array, filename: string, options: DetectOptions = {}): Promise<DetectedFormat> {
  // file-type reads into zip entries and may throw on a damaged one: such a file is at least a zip.
  const type = await fileTypeFromBuffer(bytes).catch(() => (bytes[0] === 0x50 && bytes[1] === 0x4b ? { ext: 'zip' as const } : undefined));
  if (type) {
    if (type.ext === 'xlsx') return { format: 'xlsx' };
    if (type.ext === 'ods') return { format: 'ods' };
    if (type.ext === 'cfb') return { format: 'xls' }; // legacy Excel is a CFB container; parse-excel checks it holds a workbook
    if (type.ext === 'zip') {
      const inZip = spreadsheetInZip(bytes);
      if (inZip) return { format: inZip };
      throw unsupported('a zip archive');
    }
    throw unsupported(`a ${type.ext.toUpperCase()} file`);
  }

  const head = bytes.subarray(0, HEAD_BYTES);
  const encoding = options.encoding ?? detectEncoding(bytes);
  if (!encoding.startsWith('utf-16') && head.includes(0) && !looksUtf16(head)) throw unsupported('binary');

  let text = decodeText(head, encoding);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lower = filename.toLowerCase();
  const ndjsonName = lower.endsWith('.ndjson') || lower.endsWith('.jsonl');
  const i = text.search(/\S/);
  if (i >= 0 && (text[i] === '{' || text[i] === '[') && opensJson(text, i)) {
    return { format: isNdjson(text, i, ndjsonName) ? 'ndjson' : 'json' };
  }
  const delimiter = normalizeDelimiter(options.delimiter) ?? sniffDelimiter(text, filename);
  return { format: delimiter === '\t' ? 'tsv' : 'csv' };
}
