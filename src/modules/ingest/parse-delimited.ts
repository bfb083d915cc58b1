// Entry point for CSV/TSV uploads: bytes → text → delimiter → cells in a CellSink.
import { AppError } from '../../errors.js';
import { scanDelimitedText } from './csv-scanner.js';
import { decodeText, detectEncoding } from './decode-text.js';
import type { CellSink, Encoding, IngestLimits } from './ingest.types.js';
import { sniffDelimiter } from './sniff-delimiter.js';

export interface DelimitedInput {
  bytes: Uint8Array;
  filename: string;
  /** ',' ';' '|' '\t' (or the word 'tab'); sniffed when absent. */
  delimiter?: string;
  /** Detected when absent; when given it is used as is. */
  encoding?: Encoding;
  header: boolean;
  limits: IngestLimits;
  onProgress?: (f: number) => void;
}

export interface DelimitedResult {
  delimiter: string;
  encoding: Encoding;
  rows: number;
}

// Enough records for the sniffer's 50-line look, even with long lines.
const SNIFF_SAMPLE_CHARS = 64 * 1024;

/**
 * Parses a delimited text file into the sink made by `makeSink`.
 * rawHeader: the header row's fields as written (null when header=false: then the width is the first row's).
 */
export function parseDelimited(
  input: DelimitedInput,
  makeSink: (rawHeader: string[] | null, width: number) => CellSink,
): DelimitedResult {
  const encoding = input.encoding ?? detectEncoding(input.bytes);
  const text = decodeText(input.bytes, encoding);
  if (!/\S/.test(text)) throw AppError.parse('The file is empty.', {});

  const delimiter =
    normalizeDelimiter(input.delimiter) ?? sniffDelimiter(text.slice(0, SNIFF_SAMPLE_CHARS), input.filename);

  const { rows } = scanDelimitedText(text, {
    delimiter,
    header: input.header,
    limits: input.limits,
    makeSink,
    onProgress: input.onProgress,
  });
  input.onProgress?.(1);
  return { delimiter, encoding, rows };
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
