// What the ingest layer takes and gives back. Parsers turn bytes into a typed columnar Table.
import type { ColumnType, Table } from '../../core/column.js';
import type { RowKind } from '../../core/column-codec.js';

export const DATASET_FORMATS = ['csv', 'tsv', 'json', 'ndjson', 'xlsx', 'xls', 'ods'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export const ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'latin1', 'windows-1252'] as const;
export type Encoding = (typeof ENCODINGS)[number];

export interface IngestLimits {
  maxRows: number;
  maxColumns: number;
  maxCellBytes: number;
}

export interface IngestOptions {
  /** The uploaded file's name (only breaks ties between text formats). */
  filename: string;
  /** Excel sheet name or 0-based index; default the first sheet. */
  sheet?: string | number;
  /** ',' ';' '|' or '\t'; default sniffed. */
  delimiter?: string;
  /** Default detected. */
  encoding?: Encoding;
  /** First row is the header (default true). */
  header: boolean;
  limits: IngestLimits;
  /** Called now and then with the fraction done (0..1). */
  onProgress?: (fraction: number) => void;
  /**
   * Called with blocks of rows while the file is read, so they can be stored before the parse ends.
   * Only the fast CSV path gives blocks; `null` says the blocks given so far are void (the parse
   * started again another way): the result is then the only truth.
   */
  onBlock?: (block: ColumnBlock | null) => void;
  /**
   * With onBlock: the receiver counts the distinct values of typed columns from the blocks (and the
   * rows after the last one), on its own thread while the parse goes on (block-distinct.ts). Where
   * it does, the result's distinctCount is -1 and `scales` says at which scale to count.
   */
  distinctFromBlocks?: boolean;
}

/**
 * Rows [index·count, (index+1)·count) of every column, in the stored chunk form (column-codec.ts):
 * a typed column's values or a text column's codes, as raw bytes. A block is right for a column
 * when its kind still fits the column's type in the result (rowKindFits).
 */
export interface ColumnBlock {
  index: number;
  count: number;
  columns: { kind: RowKind; data: Uint8Array }[];
  /** Per column, the scale its distinct values are counted at so far (scaled-distinct.ts); CSV scan only. */
  scales?: number[];
  /** The parse's guess of the file's rows (sets the counting's range limit); CSV scan only. */
  expectedRows?: number;
  /**
   * Set when the bytes sit in memory that is used again (the ingest worker's ring, block-ring.ts):
   * whoever drops or stores the block calls it once, after the last use of the bytes.
   */
  release?: () => void;
}

export interface ColumnMeta {
  name: string;
  type: ColumnType;
  nullCount: number;
  distinctCount: number;
}

export interface SheetInfo {
  name: string;
  rowCount?: number;
}

export interface IngestResult {
  format: DatasetFormat;
  encoding: Encoding | null;
  delimiter: string | null;
  sheets: SheetInfo[] | null;
  table: Table;
  columns: ColumnMeta[];
  /** With distinctFromBlocks: per column, the scale to count its distinct values at (the rest is -1). */
  scales?: number[];
}

export interface InspectResult {
  format: DatasetFormat;
  encoding: Encoding | null;
  delimiter: string | null;
  sheets: SheetInfo[] | null;
  columns: { name: string; type: ColumnType; sample: unknown[] }[];
  previewRows: Record<string, unknown>[];
}

/**
 * Receives a table's cells as a parser reads them, row by row (implemented by the table builder,
 * which infers each column's type over the whole column as the rows go by).
 */
export interface CellSink {
  /** A text cell (CSV/TSV field, Excel text cell): missing markers and type inference apply. */
  text(column: number, value: string): void;
  /** A typed cell from JSON or Excel: number, boolean, Date (Excel date cell), string or null. */
  value(column: number, value: unknown): void;
  /** Ends the row: columns not given in this row are missing. */
  endRow(): void;
  /**
   * Optional fast path for delimited text. Where `plainNumberColumns[column]` is 1, the scanner may
   * hand over an unquoted plain number (`[+-]digits[.digits]`, at most 15 digits, no leading zero)
   * already parsed, instead of its text: `kind` is infer-value's K_INTEGER or K_NUMBER. The result
   * must be the same as `text()` with that cell's text.
   */
  readonly plainNumberColumns?: Uint8Array;
  plainNumber?(column: number, kind: number, value: number): void;
}
